package matching

import (
	"fmt"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
)

// Level is an aggregated price level of a market.
type Level = orderbook.Level

// OrderInfo describes a resting order.
type OrderInfo = orderbook.OrderInfo

// BestBid returns the best bid of market key. ok is false if the market has
// no bids or has never traded. O(1) plus the market lock.
func (x *Exchange) BestBid(key MarketKey) (price catalog.Price, qty catalog.Qty, ok bool) {
	m := x.table.Load().byKey[key]
	if m == nil {
		return 0, 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.book.BestBid()
}

// BestAsk returns the best ask of market key; see BestBid.
func (x *Exchange) BestAsk(key MarketKey) (price catalog.Price, qty catalog.Qty, ok bool) {
	m := x.table.Load().byKey[key]
	if m == nil {
		return 0, 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.book.BestAsk()
}

// Depth appends up to n aggregated levels of one side of market key, best
// first, to dst. Cost: O(log L + n); it allocates only if dst lacks room.
func (x *Exchange) Depth(key MarketKey, side Side, n int, dst []Level) []Level {
	m := x.table.Load().byKey[key]
	if m == nil {
		return dst
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.book.Depth(side, n, dst)
}

// OrdersAt appends the orders resting at price on one side of market key,
// in time priority, to dst.
func (x *Exchange) OrdersAt(key MarketKey, side Side, price catalog.Price, dst []OrderInfo) []OrderInfo {
	m := x.table.Load().byKey[key]
	if m == nil {
		return dst
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for o := range m.book.OrdersAt(side, price) {
		dst = append(dst, o)
	}
	return dst
}

// Order returns resting order id. O(1) plus the market lock.
func (x *Exchange) Order(id OrderID) (OrderInfo, bool) {
	m := x.marketOf(id)
	if m == nil {
		return OrderInfo{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.book.Order(id)
}

// MarketOf returns the market of order id; ok is false if no market issued it.
func (x *Exchange) MarketOf(id OrderID) (MarketKey, bool) {
	m := x.marketOf(id)
	if m == nil {
		return MarketKey{}, false
	}
	return m.key, true
}

// Markets returns the keys of the open markets in the order they opened.
func (x *Exchange) Markets() []MarketKey {
	list := x.table.Load().list
	keys := make([]MarketKey, len(list))
	for i, m := range list {
		keys[i] = m.key
	}
	return keys
}

// Participant returns the registered participant id.
func (x *Exchange) Participant(id catalog.ParticipantID) (catalog.Participant, bool) {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	return x.parts.Get(id)
}

// Counters returns the message counts of participant p, summed over all
// markets. Cost: O(markets).
func (x *Exchange) Counters(p catalog.ParticipantID) Counters {
	var c Counters
	for _, m := range x.table.Load().list {
		m.mu.Lock()
		if pc := m.counters.by[p]; pc != nil {
			c = c.Add(*pc)
		}
		m.mu.Unlock()
	}
	x.outMu.Lock()
	if pc := x.outside.by[p]; pc != nil {
		c = c.Add(*pc)
	}
	x.outMu.Unlock()
	return c
}

// TotalCounters returns the message counts of the whole exchange. Commands
// that name no participant (registration, moderation) count only here.
// Cost: O(markets).
func (x *Exchange) TotalCounters() Counters {
	var c Counters
	for _, m := range x.table.Load().list {
		m.mu.Lock()
		c = c.Add(m.counters.total)
		m.mu.Unlock()
	}
	x.outMu.Lock()
	c = c.Add(x.outside.total)
	x.outMu.Unlock()
	return c
}

// CheckInvariants checks every market's book (see
// orderbook.Book.CheckInvariants) and that the client order IDs in use are
// exactly those of resting orders. It locks one market at a time. Cost:
// O(orders).
func (x *Exchange) CheckInvariants() error {
	for _, m := range x.table.Load().list {
		m.mu.Lock()
		err := m.check()
		m.mu.Unlock()
		if err != nil {
			return fmt.Errorf("market %v: %w", m.key, err)
		}
	}
	return nil
}

func (m *market) check() error {
	if err := m.book.CheckInvariants(); err != nil {
		return err
	}
	tagged := 0
	for _, side := range [2]Side{Buy, Sell} {
		for o := range m.book.Orders(side) {
			if uint64(o.ID)>>marketShift != m.index {
				return fmt.Errorf("%w: order %d is not from this market", orderbook.ErrInvariant, o.ID)
			}
			if o.Tag == 0 {
				continue
			}
			tagged++
			if _, ok := m.clientIDs[clientKey{owner: o.Owner, id: o.Tag}]; !ok {
				return fmt.Errorf("%w: client order ID %d of order %d not registered", orderbook.ErrInvariant, o.Tag, o.ID)
			}
		}
	}
	if tagged != len(m.clientIDs) {
		return fmt.Errorf("%w: %d client order IDs held, %d resting orders carry one", orderbook.ErrInvariant, len(m.clientIDs), tagged)
	}
	return nil
}
