// Package matching is Agora's central exchange: the concurrent front door of
// the deterministic engine (package engine). It sequences commands, locks
// the engine by each command's scope, returns every command's events to its
// submitter, serves them all in sequence order through the ordered output
// feed, and, for an exchange made by NewJournaled (package durable),
// journals them.
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
// Clearing pools: the operator opens a pool on a category of any level
// (CmdOpenPool; it must overlap no open market or pool). From then on every
// CmdPlace whose Category lies in its subtree rests in the pool, which is
// one market keyed (root, 0), locked and journaled as one. A request (Buy)
// names a leaf or a group, the bases where it takes the goods itself
// (Bases) and/or its own basis for delivery at the transport table's cost
// (Basis), a minimum grade (Grade), a longest lead time in days (LeadTime,
// 0 = any), a minimum supplier rating (Rating) and a limit per lot
// delivered at par grade (Price). An offer (Sell) names a leaf, its
// shipping basis (Basis), its grade, its lead time and its least price ex
// works for its grade; its rating is its company's. Orders are GTC or GTD
// and divisible: MinQty and FOK are refused with ReasonAllOrNonePool,
// because all-or-none quantities make the clearing an integer program
// containing the knapsack problem (NP-hard); IOC with ReasonInvalidTIF.
// CmdCancel, CmdAmend (which keeps time priority only when the price stays
// and the quantity does not grow), GTD expiry and a suspension work on
// pool orders as on book orders. CmdClearPool runs package clearing over
// the resting orders at its effective time: the largest total surplus,
// earlier orders first among equal claims, buyer-optimal competitive
// prices, no pair of one company. Each traded pair is an EventPoolFill
// with the buyer's price (delivered, at par), the seller's (ex works), the
// transport cost and the grade differential; filled orders are done, the
// rest keep resting, and EventPoolCleared gives the volume and the total
// surplus. Exchange.IndicativeClearing shows that clearing at any time,
// with an explanation for every order that would not fill. The grade
// scales and the transport table come from Config.Grades and
// Config.Transport. Config.PoolRoots may restrict the roots pools open
// on; a sharded cluster needs them declared (see engine.Config.PoolRoots
// and package cluster), since it routes a pool's whole subtree to one
// shard.
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
// and append an EventRejected, on New and on a journaled exchange alike.
//
//	register            Name, INN, KPP
//	set-status          Participant, Status
//	place               Participant, Category, Basis, ClientOrderID, Side, Type,
//	                    TIF, STP, Price, Qty, MinQty, ExpireAt; in a clearing
//	                    pool also Bases, Grade, LeadTime, Rating (***);
//	                    signature (**)
//	cancel              Participant, OrderID; Category, Basis optional (*); signature (**)
//	amend               Participant, OrderID, Price, Qty; Category, Basis optional (*);
//	                    signature (**)
//	expire              Participant, Category, Basis
//	subscribe           Participant, Category, Bases, MinQty, MaxQty
//	unsubscribe         Participant, Subscription
//	list-subscriptions  Participant
//	set-rating          Participant, Rating
//	open-tender         Participant, Category, Basis, Qty, Price, OpenAt, CloseAt,
//	                    TenderMode, Decrement, Extension, Evaluation, WeightPrice,
//	                    WeightLeadTime, WeightRating, MinWinners, MaxWinners,
//	                    SubscribersOnly; signature (**)
//	bid                 Participant, Tender, Price, Qty, LeadTime; signature (**)
//	close-tender        Participant, Tender; signature (**)
//	cancel-tender       Participant, Tender; signature (**)
//	set-market-mode     Participant, Category, Basis, MarketMode
//	uncross             Participant, Category, Basis, RefPrice
//	register-key        Participant, KeyAlgorithm, PublicKey, ValidFrom, ValidUntil
//	confirm-key         Participant, KeyID
//	rotate-key          Participant, KeyID, KeyAlgorithm, PublicKey, ValidFrom, ValidUntil
//	revoke-key          Participant, KeyID
//	set-sign-policy     Category, Basis, Tender, SignPolicy
//	open-pool           Participant, Category
//	clear-pool          Participant, Category
//
// (*) When either is set, Category and Basis must name the order's market,
// or the command is refused with ReasonWrongMarket.
//
// (**) The signature fields: KeyID, Nonce, Signature, SignatureVerified.
// PublicKey is limited to MaxKeyLen bytes and Signature to MaxSignatureLen,
// with the other size limits (ReasonTooLarge).
//
// (***) Outside a pool an order that sets them is refused with
// ReasonNotPool. See Clearing pools below for what they mean in one.
//
// # Signed commands
//
// A binding command (wire.Binding: place, cancel, amend, open-tender, bid,
// close-tender, cancel-tender) may carry an electronic signature, and a
// policy may require one (CmdSetSignPolicy: exchange-wide, per market or
// per tender; the most specific policy wins; operator commands, with
// Participant zero, are exempt).
//
// Keys go through moderation: a participant registers a public key
// (CmdRegisterKey: an algorithm, the key bytes and a validity window
// [ValidFrom, ValidUntil)), the operator confirms it (CmdConfirmKey), as a
// certificate is checked on a procurement platform. CmdRotateKey registers
// a successor, pending like any key; confirming it retires the old key at
// the confirmation's time, so a participant can always sign. CmdRevokeKey
// revokes a key for good. Revoking a key does not cancel the resting orders
// it signed, nor the bids: they were signed while the key was good. To
// withdraw them, suspend the participant (CmdSetStatus), which cancels all
// its resting orders.
//
// The signature covers wire.AppendSigningBytes: the command's encoding
// without Time, without the signature and its flag, but with KeyID and a
// per-participant Nonce. The client signs (wire.SignEd25519 for Ed25519);
// the gateway or the log may then set Time. Submit verifies the signature
// mathematics before sequencing, outside every lock, on the submitter's
// goroutine (so concurrent submitters verify on every core), and sets
// SignatureVerified; a Config.TrustVerified exchange takes the flag from a
// gateway that called Exchange.Verify. The engine then checks, at the
// command's effective clock, that the key belongs to the participant, is
// confirmed, not revoked and within its validity window, and that the
// nonce is fresh: a nonce is used once per participant in each domain (a
// market, or the tenders), within a window of 64 below the highest used;
// see package engine. Each refusal is typed (ReasonSignatureMissing,
// ReasonSignatureInvalid, ReasonSignatureExpired, ReasonKeyRevoked,
// ReasonNonceReplayed, ReasonUnknownKey, ReasonKeyNotConfirmed) and
// changes no state. Every event of an accepted signed command carries its
// KeyID: the outputs say who signed each binding action.
//
// Algorithms plug in through Config.Verifiers (a wire.Verifier per
// wire.Algorithm; Ed25519 by default); the engine only stores the
// algorithm with the key. The journal stores each command as its encoded
// bytes, signature and flag included; replay and recovery never verify
// again. An audit that re-verifies the signatures of a journal needs only
// the journal and the public keys: the keys are registered by journaled
// commands, and each key's sequence numbers (engine.KeyInfo) tell whether
// it could sign at a record's sequence number.
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
// locks, the sequence numbers, the ordered output feed and, for
// NewJournaled, the journal. It locks by the scope each command kind has in the engine's one
// table (engine.ScopeOf):
//
//   - ScopeMarket (CmdPlace, CmdCancel, CmdAmend, CmdExpire of one market,
//     CmdSetMarketMode, CmdUncross, CmdOpenPool, CmdClearPool; a pool is
//     one market): that market's lock alone, so commands
//     on different markets run in parallel and commands on one market one
//     at a time. A market that has not opened yet opens under the admin
//     lock, in sequence order, so order IDs (which encode the market) are
//     reproducible.
//   - ScopeAdmin (tender commands, CmdListSubscriptions, and any command
//     that reaches no market): the admin lock alone. They read the registry
//     and the subscriptions and write only tender state and the counters of
//     commands outside the markets, which no market command reads.
//   - ScopeAll (CmdRegister, CmdSetStatus, CmdSubscribe, CmdUnsubscribe,
//     CmdSetRating, CmdExpire of every market, the key commands and
//     CmdSetSignPolicy): the admin lock and every market lock, in index
//     order. They write what the other scopes read.
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
// memory, encoded, up to Config.FeedBytes (one command can fan out
// thousands of notifications, so the bound is in bytes). A reader that
// asks for an output no longer held gets a *FeedTruncatedError (errors.Is
// ErrFeedTruncated) naming what it asked for and the oldest output held,
// never a silent gap. Submit never waits for readers: a slow reader falls
// behind, then catches up or gets that error. An exchange made by
// RestoreState or NewJournaled starts its feed after the state's sequence
// number. A durable exchange serves older outputs from its journal too:
// see durable.Store.Feed.
//
// # Journaled exchanges and cancellation
//
// NewJournaled makes an exchange that hands every command to a Journal
// before acknowledging it; package durable builds durable exchanges (Open,
// recovery, snapshots, the audit chain) on it, and documents what an
// acknowledgement promises. New makes an exchange that keeps nothing; it
// pays a single nil check for this.
//
// A journaled exchange applies commands one at a time: Submit takes the
// journal lock, checks Journal.Err, applies the command, calls
// Journal.Append with its sequence number, encoding and events, releases
// the lock and calls Journal.Wait. A failure of the journal is sticky:
// that command and every later one return ErrJournal (wrapping the cause)
// with no events, so nothing unjournaled is ever acknowledged. Commands
// that the codec could not decode (see CheckCommandEncodable) are refused
// before they take a sequence number. Exclusive runs a function with no
// command in progress (durable snapshots encode the state there), and
// MarshalState cuts between two journaled commands.
//
// SubmitContext bounds a submit by a context. Cancellation never loses or
// half-applies a command: cancelled before the command is applied, nothing
// changes; cancelled while it waits for the journal, the command is
// applied and stays queued in the journal, and the caller gets a
// *CanceledError carrying its sequence number, so that it can read the
// outcome with Feed(Seq). FeedReader.Next waits under a context too.
//
// On a journaled exchange a command's output enters the ordered feed only
// once the journal holds the command, so a reader never sees an output
// that a crash could take back; until then the reader waits, and a command
// whose journaling failed never appears (the exchange stops).
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
