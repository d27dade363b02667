// Package matching is Agora's central exchange: the concurrent front door of
// the deterministic engine (package engine). It sequences commands, locks
// the engine by each command's scope, returns every command's events to its
// submitter, serves them all in sequence order through the ordered output
// feed, and, for an exchange made by Open, journals them.
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
// # Command fields
//
// Every kind reads Kind and Time, and exactly the fields below (the table
// readFields in command.go, checked complete by a test). A command is
// checked first for its shape: a Name, INN or KPP longer than
// MaxStringLen bytes, or a Bases longer than MaxBases IDs, is refused with
// ReasonTooLarge; then a command that sets any field its kind does not read
// is refused with ReasonUnreadField. Both refusals take a sequence number
// and append an EventRejected, on New and on Open alike.
//
//	register            Name, INN, KPP
//	set-status          Participant, Status
//	place               Participant, Category, Basis, ClientOrderID, Side, Type,
//	                    TIF, STP, Price, Qty, MinQty, ExpireAt
//	cancel              Participant, OrderID; Category, Basis optional (*)
//	amend               Participant, OrderID, Price, Qty; Category, Basis optional (*)
//	expire              Participant, Category, Basis
//	subscribe           Participant, Category, Bases, MinQty, MaxQty
//	unsubscribe         Participant, Subscription
//	list-subscriptions  Participant
//	set-rating          Participant, Rating
//	open-tender         Participant, Category, Basis, Qty, Price, OpenAt, CloseAt,
//	                    TenderMode, Decrement, Extension, Evaluation, WeightPrice,
//	                    WeightLeadTime, WeightRating, MinWinners, MaxWinners,
//	                    SubscribersOnly
//	bid                 Participant, Tender, Price, Qty, LeadTime
//	close-tender        Participant, Tender
//	cancel-tender       Participant, Tender
//	set-market-mode     Participant, Category, Basis, MarketMode
//	uncross             Participant, Category, Basis, RefPrice
//
// (*) When either is set, Category and Basis must name the order's market,
// or the command is refused with ReasonWrongMarket.
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
// An Exchange is safe for concurrent use by many goroutines. It is the
// concurrent front door of the deterministic engine (package engine), which
// holds all the state and decides every outcome; the Exchange adds the
// locks, the sequence numbers, the ordered output feed and, for Open, the
// journal. It locks by the scope each command kind has in the engine's one
// table (engine.ScopeOf):
//
//   - ScopeMarket (CmdPlace, CmdCancel, CmdAmend, CmdExpire of one market,
//     CmdSetMarketMode, CmdUncross): that market's lock alone, so commands
//     on different markets run in parallel and commands on one market one
//     at a time. A market that has not opened yet opens under the admin
//     lock, in sequence order, so order IDs (which encode the market) are
//     reproducible.
//   - ScopeAdmin (tender commands, CmdListSubscriptions, and any command
//     that reaches no market): the admin lock alone. They read the registry
//     and the subscriptions and write only tender state and the counters of
//     commands outside the markets, which no market command reads.
//   - ScopeAll (CmdRegister, CmdSetStatus, CmdSubscribe, CmdUnsubscribe,
//     CmdSetRating, CmdExpire of every market): the admin lock and every
//     market lock, in index order. They write what the other scopes read.
//
// Sequence numbers are exchange-wide, start at 1, grow by one per command,
// and are taken under the command's locks, so they order the commands that
// depend on each other exactly as they were applied; commands on different
// markets are independent, and their relative order changes no outcome.
// Consequently, applying the commands one at a time in sequence order to a
// fresh exchange, or to a bare engine.Engine, reproduces every event byte
// for byte, even for a run that was concurrent.
//
// # Ordered output feed
//
// Every sequence number yields exactly one output: the events that Submit
// returned for that command (a rejection included; some commands, such as
// an expiry with nothing due, have none). Exchange.Feed serves the outputs
// in sequence order to any number of readers, each starting at a sequence
// number of its choice: 1, 2, 3, ... with no gap and no duplicate, whatever
// order concurrent submitters finished in. The newest outputs are kept in
// memory up to Config.FeedBytes of their events (one command can fan out
// thousands of notifications, so the bound is in bytes). A reader that
// asks for an output no longer held gets a *FeedTruncatedError (errors.Is
// ErrFeedTruncated) naming what it asked for and the oldest output held,
// never a silent gap. Submit never waits for readers: a slow reader falls behind, then
// catches up or gets that error. An exchange made by RestoreState or Open
// starts its feed after the state's sequence number.
//
// # Durability
//
// Open makes a durable exchange kept in one directory: a command journal
// (package journal: segment files of framed records, each with its length,
// a CRC-32C and its sequence number) and snapshot files. New makes an
// exchange that keeps nothing; it pays a single nil check for this.
//
// A durable exchange applies commands one at a time: Submit takes the
// journal lock, applies the command, computes its audit hash, enqueues the
// record (command bytes and hash) under the command's sequence number,
// releases the lock and waits for the journal. What an acknowledgement (a
// Submit that returns without an ErrJournal error) promises depends on the
// journal's Mode (DurableOptions.Journal.Mode):
//
//   - ModeSync: the record was written and fsynced on its own.
//   - ModeGroupCommit (the default): the record was fsynced, together with
//     the records of every submitter that waited at the same time (one
//     write and one fsync per batch).
//   - ModeAsync: nothing; Submit returns at once and a background flusher
//     writes and fsyncs FlushInterval (10ms) after a record arrives, or
//     sooner once half the backlog bound or FlushBytes (1 MiB) are
//     buffered. The backlog of acknowledged records not yet fsynced is
//     bounded: at most journal.Options.MaxUnsyncedCommands (default 4,096)
//     records and MaxUnsyncedBytes (default 4 MiB) of frames; Submit waits
//     while it is full. A crash of the process or the machine loses at most
//     MaxUnsyncedCommands acknowledged commands (however slow the disk);
//     the state recovered is still a consistent prefix. Use it only where
//     an acknowledgement is not a promise.
//
// In the first two modes an acknowledged command is never lost. A failed
// write, fsync or full disk makes the exchange fail for good: that command
// and every later one return ErrJournal (wrapping the cause) with no
// events, so nothing unjournaled is ever acknowledged; Close and Open again
// to continue from what the disk holds. Commands that the codec could not
// decode (see CheckCommandEncodable) are refused before they take a
// sequence number. Throughput is bounded by the journal (see the
// durability benchmarks); a non-durable exchange runs markets in parallel.
//
// Snapshot writes the whole state (see MarshalState for the versioned,
// sectioned format) with the audit chain head, atomically, then deletes
// the snapshots older than the previous one and the journal segments
// before the previous snapshot, so the directory stays bounded; the
// previous snapshot is kept so that recovery can fall back to it.
// DurableOptions.SnapshotEvery takes snapshots automatically.
//
// # Recovery
//
// Open loads the newest valid snapshot, opens the journal, and replays the
// records after the snapshot, checking contiguous sequence numbers and the
// audit chain. A torn final record (a crash during its write, so never
// acknowledged) is cut off and reported in Recovery; package journal
// documents how a torn write is told from a damaged complete final frame,
// which may have been acknowledged and, like any other damage, fails Open
// (unless journal.Options.TruncateDamagedTail). Any other damage, in
// the middle of the journal or in a snapshot, fails Open with an error
// naming the file and offset (*journal.CorruptError) or the seq
// (ErrAuditMismatch, ErrBadRecord): nothing is dropped silently. With
// DurableOptions.FallbackSnapshot a damaged snapshot is passed over for the
// previous one. The recovered state is that after the last complete record:
// it holds every acknowledged command and equals a replay of the journal
// into a fresh exchange, event for event and byte for byte.
//
// # Audit chain
//
// Every journal record carries h_seq = SHA-256(h_seq-1 ‖ seq ‖ command bytes
// ‖ encoded events), with h_0 = 32 zero bytes (see durable.go for the exact
// layout), so each record's hash covers its command, everything the command
// caused, and the whole history before it. VerifyJournal re-executes the
// journal and reports the first record whose hash does not match (seq,
// file, offset); a changed byte anywhere is found even if its CRC-32C was
// fixed up. The chain proves nothing against someone who rewrites the
// whole journal from the changed record on, unless its head was recorded
// elsewhere: publish Exchange.AuditHead (seq and head) periodically to a
// party the operator does not control (a notary, a regulator, a timestamping
// service, the counterparties), and compare AuditReport.Head at that seq.
// When old segments were removed, verification starts from a snapshot and
// trusts its stored head; the anchors cover the records before it.
// VerifyJournal fails wherever Open (without FallbackSnapshot) fails: on a
// damaged newest snapshot, a journal that does not reach it, or a damaged
// record.
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
// operation: O(1) expected to find an order or a level, O(log L) in price
// levels to create or remove a level, plus O(1) per fill, and allocate
// nothing when steady. See Exchange.Submit for the rest.
package matching
