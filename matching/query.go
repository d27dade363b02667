package matching

import (
	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/clearing"
	"github.com/agora-exchange/agora/engine"
)

// market returns the open market of key, locked, or nil. The caller
// unlocks s.mu.
func (x *Exchange) market(key MarketKey) *slot {
	s := x.byKey.Get(keyOf(key))
	if s != nil {
		s.mu.Lock()
	}
	return s
}

// BestBid returns the best bid of market key. ok is false if the market has
// no bids or has never traded. O(1) plus the market lock.
func (x *Exchange) BestBid(key MarketKey) (price catalog.Price, qty catalog.Qty, ok bool) {
	s := x.market(key)
	if s == nil {
		return 0, 0, false
	}
	defer s.mu.Unlock()
	return s.m.BestBid()
}

// BestAsk returns the best ask of market key; see BestBid.
func (x *Exchange) BestAsk(key MarketKey) (price catalog.Price, qty catalog.Qty, ok bool) {
	s := x.market(key)
	if s == nil {
		return 0, 0, false
	}
	defer s.mu.Unlock()
	return s.m.BestAsk()
}

// Depth appends up to n aggregated levels of one side of market key, best
// first, to dst. Cost: O(log L + n) under the market lock; it allocates
// only if dst lacks room.
func (x *Exchange) Depth(key MarketKey, side Side, n int, dst []Level) []Level {
	s := x.market(key)
	if s == nil {
		return dst
	}
	defer s.mu.Unlock()
	return s.m.Depth(side, n, dst)
}

// OrdersAt appends the orders resting at price on one side of market key,
// in time priority, to dst.
func (x *Exchange) OrdersAt(key MarketKey, side Side, price catalog.Price, dst []OrderInfo) []OrderInfo {
	s := x.market(key)
	if s == nil {
		return dst
	}
	defer s.mu.Unlock()
	return s.m.OrdersAt(side, price, dst)
}

// orderSlot returns the open market that issued order id, or nil.
func (x *Exchange) orderSlot(id OrderID) *slot {
	i := engine.MarketIndexOf(id)
	if i == 0 {
		return nil
	}
	return x.byIndex.Get(int(i - 1))
}

// Order returns resting order id. O(1) plus the market lock.
func (x *Exchange) Order(id OrderID) (OrderInfo, bool) {
	s := x.orderSlot(id)
	if s == nil {
		return OrderInfo{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Order(id)
}

// MarketOf returns the market of order id; ok is false if no market issued
// it. O(1), no lock.
func (x *Exchange) MarketOf(id OrderID) (MarketKey, bool) {
	s := x.orderSlot(id)
	if s == nil {
		return MarketKey{}, false
	}
	return s.m.Key(), true
}

// Markets returns the keys of the open markets in the order they opened.
// Cost: O(markets), no lock.
func (x *Exchange) Markets() []MarketKey {
	n := x.byIndex.Len()
	keys := make([]MarketKey, n)
	for i := range keys {
		keys[i] = x.byIndex.Get(i).m.Key()
	}
	return keys
}

// Participant returns the registered participant id. O(1) under the admin
// lock.
func (x *Exchange) Participant(id catalog.ParticipantID) (catalog.Participant, bool) {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	return x.eng.Participant(id)
}

// ParticipantByINN returns the participant registered with inn, as given
// at registration (10 or 12 ASCII digits); when branches of one company
// registered the INN with different KPPs, the first of them (the lowest
// ID). A reopened durable exchange answers it from its recovered state,
// so a gateway can map companies to IDs after a restart. Cost: one map
// lookup under the admin lock, no allocation.
func (x *Exchange) ParticipantByINN(inn string) (catalog.Participant, bool) {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	return x.eng.ParticipantByINN(inn)
}

// Participants appends every registered participant to dst in ID order
// (registration order) and returns the extended slice; pass dst[:0] to
// reuse a buffer. Cost: O(participants) under the admin lock, which
// delays ScopeAdmin commands and registrations meanwhile; it allocates
// only if dst lacks room.
func (x *Exchange) Participants(dst []catalog.Participant) []catalog.Participant {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	return x.eng.Participants(dst)
}

// Counters returns the message counts of participant p, summed over all
// markets. Cost: O(markets), one lock at a time.
func (x *Exchange) Counters(p catalog.ParticipantID) Counters {
	var c Counters
	for i := range x.byIndex.Len() {
		s := x.byIndex.Get(i)
		s.mu.Lock()
		c = c.Add(s.m.Counters(p))
		s.mu.Unlock()
	}
	x.adminMu.Lock()
	c = c.Add(x.eng.OutsideCounters(p))
	x.adminMu.Unlock()
	return c
}

// TotalCounters returns the message counts of the whole exchange. Commands
// that name no participant (registration, moderation) count only here.
// Cost: O(markets), one lock at a time.
func (x *Exchange) TotalCounters() Counters {
	var c Counters
	for i := range x.byIndex.Len() {
		s := x.byIndex.Get(i)
		s.mu.Lock()
		c = c.Add(s.m.TotalCounters())
		s.mu.Unlock()
	}
	x.adminMu.Lock()
	c = c.Add(x.eng.OutsideTotal())
	x.adminMu.Unlock()
	return c
}

// OnboardingCounters returns the onboarding messages (registrations,
// status changes and the replies to them) the exchange has counted since
// New, RestoreState or Open; see engine.Onboarding. O(1) under the admin
// lock.
func (x *Exchange) OnboardingCounters() Onboarding {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	return x.eng.OnboardingCounters()
}

// CheckInvariants checks every market's book (see
// orderbook.Book.CheckInvariants), that the client order IDs in use are
// exactly those of resting orders, and the subscriptions and tenders. It
// takes every lock. Cost: O(orders + subscriptions + bids).
func (x *Exchange) CheckInvariants() error {
	n := x.lockAll()
	defer x.unlockAll(n)
	return x.eng.CheckInvariants()
}

// Indicative returns the uniform price and volume at which market key would
// clear now with reference price ref (see orderbook.Book.Indicative: the
// largest volume, then the smallest imbalance, then the price closest to
// ref, then the lower price). ok is false when nothing would trade or the
// market has never opened. It changes nothing. Cost: O(log L + C) in the C
// crossed price levels, under the market lock.
func (x *Exchange) Indicative(key MarketKey, ref catalog.Price) (u Uncross, ok bool) {
	s := x.market(key)
	if s == nil {
		return Uncross{}, false
	}
	defer s.mu.Unlock()
	return s.m.Indicative(ref)
}

// Clock returns the clock of market key: the latest command time it has
// seen, which never goes backwards (0 for a market that has not opened).
// O(1) plus the market lock.
func (x *Exchange) Clock(key MarketKey) int64 {
	s := x.market(key)
	if s == nil {
		return 0
	}
	defer s.mu.Unlock()
	return s.m.Clock()
}

// Mode returns the trading mode of market key; a market that has not
// opened yet is MarketContinuous. O(1) plus the market lock.
func (x *Exchange) Mode(key MarketKey) MarketMode {
	s := x.market(key)
	if s == nil {
		return MarketContinuous
	}
	defer s.mu.Unlock()
	return s.m.Mode()
}

// Tender returns the public description of tender id. In sealed mode it
// reveals no price before the close. Cost: O(1) under the admin lock.
func (x *Exchange) Tender(id TenderID) (TenderInfo, bool) {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	return x.eng.Tender(id)
}

// TenderStanding returns bidder p's current rank in auction-mode tender id
// and the best (lowest) bid price, as a bidder sees them. ok is false if
// the tender is unknown, sealed, no longer open, or p has no bid. Cost:
// O(bids) under the admin lock.
func (x *Exchange) TenderStanding(id TenderID, p catalog.ParticipantID) (rank uint32, best catalog.Price, ok bool) {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	return x.eng.TenderStanding(id, p)
}

// TenderBids appends the bids of tender id to dst once it has closed
// (awarded or failed), in rank order followed by the disqualified bids in
// first-bid order. Before the close, or for a cancelled tender, it appends
// nothing: bids stay sealed. Cost: O(bids log bids) under the admin lock.
func (x *Exchange) TenderBids(id TenderID, dst []TenderBid) []TenderBid {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	return x.eng.TenderBids(id, dst)
}

// Subscriptions appends participant p's subscriptions, in ID order, to dst.
// The Bases of each are copies. Cost: O(p's subscriptions) under the admin
// lock.
func (x *Exchange) Subscriptions(p catalog.ParticipantID, dst []Subscription) []Subscription {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	return x.eng.Subscriptions(p, dst)
}

// MarshalState returns the complete state of the exchange in the versioned
// binary format described in package engine (see engine.Engine.AppendState
// and RestoreState): sequence number, catalog, participants, markets with
// their resting orders, counters, subscriptions and tenders. Equal states
// give equal bytes, so two exchanges can be compared by their encodings.
//
// It holds every lock of the exchange while it encodes, so commands wait;
// cost O(participants + orders + subscriptions + bids). The result is an
// exact cut between two commands; on a durable exchange, between two
// journaled ones. The result is owned by the caller. MarshalState never
// fails on a consistent exchange; the error is for future sections that
// may.
func (x *Exchange) MarshalState() ([]byte, error) {
	if x.jrn != nil {
		x.jmu.Lock() // an exact cut between two journaled commands
		defer x.jmu.Unlock()
	}
	n := x.lockAll()
	defer x.unlockAll(n)
	return x.eng.AppendState(nil, x.seq.Load(), nil), nil
}

// RestoreState returns a new, non-durable exchange holding the state that
// MarshalState encoded in b (a snapshot file's payload works too; its audit
// section is ignored). It is how replicas and tests load a state. See
// engine.RestoreState for the rules and the errors (ErrInvalidConfig,
// ErrBadState, ErrConfigMismatch). It never panics, whatever b holds.
// Cost: O(len(b)) plus O(log L) per resting order.
func RestoreState(cfg Config, b []byte) (*Exchange, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	eng, seq, _, err := engine.RestoreState(cfg.engine(), b)
	if err != nil {
		return nil, err
	}
	return newExchange(eng, seq, cfg.FeedBytes, cfg)
}

// IndicativeClearing returns the clearing that CmdClearPool would make now
// on the clearing pool rooted at category root (see
// engine.Engine.IndicativeClearing): fills with both prices, every order's
// outcome and explanation, each participant's surplus. It changes nothing.
// Errors: engine.ErrNotPool when no pool is open on root. Cost: a
// clearing.Clear over the pool's orders, under the pool's lock.
func (x *Exchange) IndicativeClearing(root catalog.CategoryID) (clearing.Result, error) {
	s := x.market(MarketKey{Category: root})
	if s == nil {
		return clearing.Result{}, engine.ErrNotPool
	}
	defer s.mu.Unlock()
	return x.eng.IndicativeClearing(s.m)
}
