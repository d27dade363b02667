// Package matching is Agora's central exchange: it routes commands to
// markets, validates them, sequences them and returns events.
//
// # Model
//
// An Exchange trades on a catalog (taxonomy and delivery bases, package
// catalog). A market is a tradable leaf category at a delivery basis
// (MarketKey); it opens on its first valid order and holds one
// orderbook.Book. Companies register with CmdRegister (INN checked with its
// check digits) and start pending; moderation (CmdSetStatus) verifies or
// suspends them. Only verified participants trade; suspending one cancels
// its resting orders.
//
// # Procurement and discovery
//
// Subscriptions: a verified participant subscribes (CmdSubscribe) to a
// category at any level of the taxonomy; the subscription covers the whole
// subtree, optionally filtered by delivery bases and by a quantity range. A
// new posting (an order that rests on the book after matching, or a tender
// when it opens) notifies every verified participant, other than the
// poster, holding a subscription that covers the posting's category and
// whose filters pass: exactly one EventNotified per participant, in
// participant order, carrying the lowest-numbered matching subscription.
// The index is keyed by (category, basis), so a posting costs O(depth)
// lookups plus the subscriptions found on its path, never a scan of all
// subscribers.
//
// Tenders: a buyer opens a tender (CmdOpenTender) for a quantity of a
// tradable leaf at a basis, sealed-bid or English reverse auction, evaluated
// by lowest price or by an integer weighted score (see Evaluation). Eligible
// suppliers (verified, not the buyer, and subscribed to the category if the
// tender requires it) bid (CmdBid) and may only lower their own price, by
// at least the decrement in an auction. CmdCloseTender awards the tender at
// or after its close time; CmdCancelTender withdraws it before. See
// TenderInfo and Evaluation for the exact rules.
//
// Call auctions: CmdSetMarketMode puts a market in call mode, where orders
// accumulate without matching; CmdUncross clears it at one uniform price
// (Exchange.Indicative publishes that price and volume meanwhile).
//
// # Commands in, events out
//
// Every state change is a Command, a plain value; every outcome is an Event,
// a plain value carrying the command's sequence number. Exchange.Submit
// appends the events of one command to the caller's slice and returns it; the
// exchange keeps no reference to it. A refused command appends one
// EventRejected with a typed RejectReason and returns the matching sentinel
// error (errors.Is); it changes nothing else, except that time-driven GTD
// expiries triggered by the command's Time happen first. No input makes the
// exchange panic.
//
// # Determinism
//
// The exchange never reads a clock and uses no randomness: time is
// Command.Time. Submitting the same commands in the same order to a fresh
// exchange produces the same events, byte for byte, which makes journaling,
// replay and differential testing possible.
//
// # Concurrency and ordering guarantees
//
// An Exchange is safe for concurrent use by many goroutines. Each market has
// its own lock, so commands on different markets run in parallel, and
// commands on one market are applied one at a time.
//
//   - Sequence numbers are exchange-wide, start at 1 and grow by one per
//     command. On one market they are taken under the market's lock, so
//     they order that market's commands exactly as they were applied.
//   - Commands on different markets are independent: their relative order
//     does not change any market's outcome.
//   - Registration, moderation and CmdExpire of all markets take every
//     market's lock, so they are ordered exactly against every other command.
//   - A market opens under the exchange's admin lock, in sequence order, so
//     exchange order IDs (which encode the market) are reproducible.
//   - CmdSubscribe, CmdUnsubscribe and CmdSetRating change state that the
//     order path reads (a posting reads the subscription index and the
//     subscribers' status under its market lock), so they take every lock,
//     like moderation.
//   - Tender commands and CmdListSubscriptions run under the admin lock
//     alone and take their sequence number under it. They read only the
//     registry, the ratings and the subscriptions, whose writers hold the
//     admin lock, and tender state, which only they touch; no market command
//     reads tender state. So they are ordered exactly against the commands
//     they depend on and independent of the rest.
//   - CmdSetMarketMode and CmdUncross are market commands: they run under
//     their market's lock (opening the market first if needed, under the
//     admin lock).
//
// Consequently, applying the commands one at a time in sequence order to a
// fresh exchange reproduces every event, even for a run that was concurrent.
//
// # Messages
//
// The exchange counts messages in (one per command) and out (one per event
// addressed to a participant; a fill counts for both sides, as does an
// award, addressed to the winner and the buyer), per participant and in
// total (Counters). Notifications count as Counters.Notifications; tender
// commands and bids as Counters.Tenders and Counters.Bids. Package bench reads them to measure the contacts
// that a central exchange needs.
//
// # Costs
//
// Place, cancel and amend cost one market-lock acquisition plus the book's
// operation: O(log L) in price levels plus O(1) per fill, and allocate
// nothing when steady. See Exchange.Submit for the rest.
package matching
