package engine

import (
	"fmt"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
	"github.com/agora-exchange/agora/wire"
)

// Level is an aggregated price level of a market.
type Level = orderbook.Level

// OrderInfo describes a resting order.
type OrderInfo = orderbook.OrderInfo

// Queries read state and change nothing. A query on a Market reads only that
// market; one on the Engine reads what its doc comment says. Like Apply,
// they must not overlap a call that writes what they read.

// BestBid returns the best bid of m. ok is false if m has no bids. O(1).
func (m *Market) BestBid() (price catalog.Price, qty catalog.Qty, ok bool) { return m.book.BestBid() }

// BestAsk returns the best ask of m; see BestBid.
func (m *Market) BestAsk() (price catalog.Price, qty catalog.Qty, ok bool) { return m.book.BestAsk() }

// Depth appends up to n aggregated levels of one side of m, best first, to
// dst. Cost: O(log L + n); it allocates only if dst lacks room.
func (m *Market) Depth(side wire.Side, n int, dst []Level) []Level { return m.book.Depth(side, n, dst) }

// OrdersAt appends the orders resting at price on one side of m, in time
// priority, to dst. Cost: O(log L + orders at the level).
func (m *Market) OrdersAt(side wire.Side, price catalog.Price, dst []OrderInfo) []OrderInfo {
	for o := range m.book.OrdersAt(side, price) {
		dst = append(dst, o)
	}
	return dst
}

// Order returns the resting order id of m. O(1).
func (m *Market) Order(id wire.OrderID) (OrderInfo, bool) { return m.book.Order(id) }

// Clock returns m's clock: the latest command time it has seen. It never
// goes backwards. O(1).
func (m *Market) Clock() int64 { return m.book.Now() }

// Len returns the number of orders resting on m. O(1).
func (m *Market) Len() int { return m.book.Len() }

// Counters returns the message counts of participant p on m. O(1).
func (m *Market) Counters(p catalog.ParticipantID) Counters {
	if pc := m.counters.get(p); pc != nil {
		return *pc
	}
	return Counters{}
}

// TotalCounters returns the message counts of m. O(1).
func (m *Market) TotalCounters() Counters { return m.counters.total }

// OutsideCounters returns the message counts of participant p for the
// commands that reached no market. O(1). It reads what ScopeAdmin commands
// write.
func (e *Engine) OutsideCounters(p catalog.ParticipantID) Counters {
	if pc := e.outside.get(p); pc != nil {
		return *pc
	}
	return Counters{}
}

// OutsideTotal returns the message counts of all commands that reached no
// market. O(1). It reads what ScopeAdmin commands write.
func (e *Engine) OutsideTotal() Counters { return e.outside.total }

// Counters returns the message counts of participant p, summed over all
// markets and the commands that reached none. Cost: O(markets).
func (e *Engine) Counters(p catalog.ParticipantID) Counters {
	c := e.OutsideCounters(p)
	for _, m := range e.markets.list {
		c = c.Add(m.Counters(p))
	}
	return c
}

// TotalCounters returns the message counts of the whole engine. Commands
// that name no participant (registration, moderation) count only here.
// Cost: O(markets).
func (e *Engine) TotalCounters() Counters {
	c := e.outside.total
	for _, m := range e.markets.list {
		c = c.Add(m.counters.total)
	}
	return c
}

// CheckInvariants checks every market's book (see
// orderbook.Book.CheckInvariants), that the client order IDs in use are
// exactly those of resting orders, and the procurement state (see
// checkProcurement). Cost: O(orders + subscriptions + bids).
func (e *Engine) CheckInvariants() error {
	for _, m := range e.markets.list {
		if m.pool != nil {
			if err := e.checkPool(m); err != nil {
				return err
			}
			continue
		}
		if err := m.CheckInvariants(); err != nil {
			return err
		}
	}
	if err := e.checkProcurement(); err != nil {
		return err
	}
	if err := e.sign.checkState(e); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	return nil
}

// CheckInvariants checks m's book and client order IDs. Cost: O(orders).
func (m *Market) CheckInvariants() error {
	if m.pool != nil {
		return m.checkPoolLocal()
	}
	if err := m.check(); err != nil {
		return fmt.Errorf("market %v: %w", m.key, err)
	}
	return nil
}

func (m *Market) check() error {
	if err := m.book.CheckInvariants(); err != nil {
		return err
	}
	tagged := 0
	for _, side := range [2]wire.Side{wire.Buy, wire.Sell} {
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
