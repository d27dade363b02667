// Package engine is Agora's deterministic state machine: commands in,
// events out. An Engine holds the whole state of one exchange (the
// catalog, the registry of participants, one order book per market,
// subscriptions, tenders, call auctions and message counters) and
// Apply(seq, cmd, dst) appends the events of command seq to dst.
//
// # Determinism
//
// The engine has no locks, no clock, no randomness and no I/O, and starts
// no goroutine (a test checks its imports). Time is wire.Command.Time; no
// clock moves backwards, rejected commands included: a market's and a
// tender's clock advance with every command that names them, and events
// carry the effective time, the clock after the command. The same commands
// with the same sequence numbers always produce the same events and the
// same state, byte for byte: that is what the front door (package
// matching), recovery, replicas, the audit and the differential tests run.
//
// # Parts and scopes
//
// The state is split by concern, each part with its own invariants and its
// own share of the snapshot: markets (markets.go, callauction.go: books,
// order numbers, client order IDs, counters, the nonces of signed commands
// on the market), clearing pools (pools.go: markets keyed (root, 0) whose
// orders rest without a book until CmdClearPool clears them all at once
// with package clearing; their own invariants and snapshot section), the
// registry (registry.go), subscriptions
// (subscriptions.go), tenders (tender.go), the signing part (keys.go: keys,
// signature policies, the signing clock and the tenders' nonces) and the
// counters of commands that reach no market. Every command kind has a Scope (one table,
// ScopeOf), the part of the state it may change:
//
//   - ScopeMarket commands change one open market, named by the command,
//     and read the catalog, the registry and the subscriptions. They go
//     through ApplyMarket with that Market (MarketFor finds it).
//   - ScopeAdmin commands change the tenders, the market table (a
//     ScopeMarket command whose market is not open yet is ScopeAdmin, since
//     it may open it) and the counters of commands outside the markets;
//     they read the registry and the subscriptions.
//   - ScopeAll commands may change everything.
//
// An Engine is not safe for concurrent use, with one exception that the
// front door relies on: ApplyMarket calls on distinct markets, and at most
// one ScopeAdmin Apply, may run at the same time, since none of them writes
// what another reads; a ScopeAll Apply, AppendState and CheckInvariants
// must run alone. Queries follow the same rule: a Market's queries read
// that market only.
//
// # Validation
//
// A refused command appends one EventRejected with a typed
// wire.RejectReason (after any GTD expiries its time triggered) and changes
// nothing else but the clock it names and its message counters, and, for a
// signed command whose signature passed every check, the nonce it used
// (see keys.go). No input makes the engine panic.
//
// # State
//
// AppendState writes the whole state in a versioned, sectioned binary
// format (see snapshot.go); RestoreState reads it back, checking every
// value, so a restored engine passes CheckInvariants.
package engine
