// Package wire is Agora's command language: Command and Event, the IDs
// (OrderID, TenderID, SubscriptionID), the enums, the typed reasons of
// rejections with their sentinel errors, and the binary codec that the
// journal, replicas and other modules use. It holds no state and depends
// only on the catalog's and the order book's value types, so that a
// module (a replicated log, a gateway) can speak the language without the
// engine.
package wire
