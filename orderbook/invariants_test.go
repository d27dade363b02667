package orderbook

import (
	"fmt"

	"github.com/agora-exchange/agora/catalog"
)

// eventChecker verifies the events of every command against the matching
// rules, independently of the reference matcher: no fill breaks the taker's
// limit, no fill is smaller than either side's effective minimum, fills honour
// FIFO within a price, every order conserves quantity, and the book's view of
// each order agrees with its event history. (That the book is not crossed is
// checked by the harness, through CheckInvariants.)
type eventChecker struct {
	orders map[OrderID]*tracked
	// queue is the opposite side before a Place or Amend, in priority order.
	queue []OrderInfo
	live  int // orders live according to the events
	stats struct {
		fills, cancels, expiries, errors, skips, stp, fokKill, amendDown int
	}
}

// tracked is one order's quantities, rebuilt from events alone.
type tracked struct {
	owner                           catalog.ParticipantID
	side                            Side
	price                           catalog.Price
	min                             catalog.Qty
	orig, filled, open, cancelled   catalog.Qty
	live                            bool
	amendCancelled                  catalog.Qty // the part of cancelled due to amends
	opFilled, opCancelled, opAmendD catalog.Qty // in the current command
}

func newEventChecker() *eventChecker {
	return &eventChecker{orders: make(map[OrderID]*tracked)}
}

func (c *eventChecker) before(b *Book, o op) {
	c.queue = c.queue[:0]
	var side Side
	switch o.kind {
	case opPlace:
		side = o.order.Side
	case opAmend:
		if tr := c.orders[o.id]; tr != nil && tr.live {
			side = tr.side
		}
	}
	if side.Valid() {
		for oi := range b.Orders(side.Opposite()) {
			c.queue = append(c.queue, oi)
		}
	}
}

func executableRule(a, ma, b, mb catalog.Qty) bool {
	x := min(a, b)
	return x >= min(ma, a) && x >= min(mb, b)
}

// after checks the events ev, result res and error err of command o, applied
// to b. It returns a description of the first violation, or "".
func (c *eventChecker) after(b *Book, o op, ev []Event, res Result, err error) string {
	if err != nil {
		c.stats.errors++
	}
	// The taker of this command, if any.
	var tk *tracked
	var tkID OrderID
	var limit catalog.Price
	market := false
	touched := map[OrderID]*tracked{}
	wasLive := map[OrderID]bool{}
	touch := func(id OrderID, tr *tracked) {
		if _, ok := touched[id]; !ok {
			touched[id] = tr
			wasLive[id] = tr.live
		}
	}
	if err == nil {
		switch o.kind {
		case opPlace:
			in := o.order
			tkID = in.ID
			tk = &tracked{owner: in.Owner, side: in.Side, price: in.Price, min: in.MinQty, orig: in.Qty, open: in.Qty}
			limit, market = in.Price, in.Type == Market
		case opAmend:
			tkID = o.id
			tk = c.orders[o.id]
			if tk == nil || !tk.live {
				return fmt.Sprintf("amend of order %d succeeded, but it is not live", o.id)
			}
			tk.opFilled, tk.opCancelled, tk.opAmendD = 0, 0, 0
			if o.qty > tk.open {
				tk.orig += o.qty - tk.open
				tk.open = o.qty
			}
			limit = o.price
		}
		if tk != nil {
			touch(tkID, tk)
		}
	}
	pending := tk // the taker is registered only once its expiries are done
	for i, e := range ev {
		if pending != nil && e.Kind != EventExpire && o.kind == opPlace {
			c.orders[tkID] = pending
			pending = nil
		}
		switch e.Kind {
		case EventExpire:
			c.stats.expiries++
			tr := c.orders[e.OrderID]
			if tr == nil || !tr.live {
				return fmt.Sprintf("event %d expires order %d, which is not live", i, e.OrderID)
			}
			touch(e.OrderID, tr)
			if e.Qty != tr.open || e.Remaining != 0 || e.Price != tr.price {
				return fmt.Sprintf("event %d: expiry %+v of an order with open %d at %d", i, e, tr.open, tr.price)
			}
			tr.cancelled += e.Qty
			tr.opCancelled += e.Qty
			tr.open, tr.live = 0, false
		case EventFill:
			c.stats.fills++
			if tk == nil || e.TakerID != tkID {
				return fmt.Sprintf("event %d: fill with taker %d, command taker %d", i, e.TakerID, tkID)
			}
			m := c.orders[e.OrderID]
			if m == nil || !m.live || m.side == tk.side {
				return fmt.Sprintf("event %d: fill of maker %d, which is not live on the opposite side", i, e.OrderID)
			}
			touch(e.OrderID, m)
			if m.owner == tk.owner || e.Owner != m.owner || e.TakerOwner != tk.owner {
				return fmt.Sprintf("event %d: owners %d (maker %d) vs %d (taker)", i, e.Owner, m.owner, tk.owner)
			}
			if e.Price != m.price {
				return fmt.Sprintf("event %d: executed at %d, maker rests at %d", i, e.Price, m.price)
			}
			if !market && ((tk.side == Buy && e.Price > limit) || (tk.side == Sell && e.Price < limit)) {
				return fmt.Sprintf("event %d: %v taker with limit %d filled at %d", i, tk.side, limit, e.Price)
			}
			if e.Qty <= 0 || e.Qty+e.Remaining != m.open || e.Qty+e.TakerRemaining != tk.open {
				return fmt.Sprintf("event %d: fill %d leaves maker %d (open %d) and taker %d (open %d)", i, e.Qty, e.Remaining, m.open, e.TakerRemaining, tk.open)
			}
			if e.Qty < min(m.min, m.open) || e.Qty < min(tk.min, tk.open) {
				return fmt.Sprintf("event %d: fill %d below minimum: maker min %d open %d, taker min %d open %d", i, e.Qty, m.min, m.open, tk.min, tk.open)
			}
			if msg := c.checkFIFO(e, tk); msg != "" {
				return fmt.Sprintf("event %d: %s", i, msg)
			}
			m.filled += e.Qty
			m.opFilled += e.Qty
			m.open = e.Remaining
			m.live = m.open > 0
			tk.filled += e.Qty
			tk.opFilled += e.Qty
			tk.open = e.TakerRemaining
		case EventCancel:
			c.stats.cancels++
			tr := c.orders[e.OrderID]
			if e.OrderID == tkID && tk != nil {
				tr = tk
			}
			if tr == nil || (tr != tk && !tr.live) {
				return fmt.Sprintf("event %d cancels order %d, which is not live", i, e.OrderID)
			}
			touch(e.OrderID, tr)
			switch e.Reason {
			case CancelAmendDown:
				c.stats.amendDown++
				if o.kind != opAmend || e.OrderID != o.id || e.Remaining != o.qty || e.Qty != tr.open-o.qty {
					return fmt.Sprintf("event %d: amend-down %+v, open %d", i, e, tr.open)
				}
				tr.amendCancelled += e.Qty
				tr.opAmendD += e.Qty
				tr.cancelled += e.Qty
				tr.open = e.Remaining
				continue
			case CancelSelfTrade:
				c.stats.stp++
				if tk == nil {
					return fmt.Sprintf("event %d: self-trade cancel without a taker", i)
				}
				if tr != tk && tr.owner != tk.owner {
					return fmt.Sprintf("event %d: self-trade cancel of owner %d's order by owner %d", i, tr.owner, tk.owner)
				}
			case CancelFOK:
				c.stats.fokKill++
				if tr != tk || tk.filled != 0 || o.order.TIF != FOK {
					return fmt.Sprintf("event %d: FOK kill after fills or of a non-FOK order", i)
				}
			case CancelIOC:
				if tr != tk || o.kind != opPlace || (o.order.TIF != IOC && o.order.TIF != FOK && o.order.Type != Market) {
					return fmt.Sprintf("event %d: IOC remainder cancel of a resting order", i)
				}
			case CancelWouldCross:
				// Only the incoming order's remainder, and only when it
				// would rest at or through the best opposite price.
				if tr != tk || (o.kind == opPlace && (o.order.Type != Limit || (o.order.TIF != GTC && o.order.TIF != GTD))) {
					return fmt.Sprintf("event %d: would-cross cancel of a resting or non-resting order", i)
				}
				price := tr.price
				if o.kind == opAmend {
					price = o.price
				}
				p, _, ok := b.best(tr.side.Opposite())
				if !ok || !crosses(tr.side, price, p, false) {
					return fmt.Sprintf("event %d: would-cross cancel at %d, opposite best %d (present %v)", i, price, p, ok)
				}
			case CancelRequested:
				if o.kind != opCancel || e.OrderID != o.id {
					return fmt.Sprintf("event %d: requested cancel of %d by command %v", i, e.OrderID, o)
				}
			default:
				return fmt.Sprintf("event %d: cancel reason %v", i, e.Reason)
			}
			if e.Qty != tr.open || e.Remaining != 0 {
				return fmt.Sprintf("event %d: cancel of %d with open %d", i, e.Qty, tr.open)
			}
			tr.cancelled += e.Qty
			tr.opCancelled += e.Qty
			tr.open, tr.live = 0, false
		default:
			return fmt.Sprintf("event %d: kind %v", i, e.Kind)
		}
	}
	if pending != nil && o.kind == opPlace {
		c.orders[tkID] = pending
	}
	if tk != nil {
		if o.kind == opAmend {
			tk.price = o.price
		}
		tk.live = res.Resting > 0
		if res.Filled != tk.opFilled || res.Resting != tk.open || res.Cancelled != tk.opCancelled {
			return fmt.Sprintf("result %+v, events: filled %d, open %d, cancelled %d", res, tk.opFilled, tk.open, tk.opCancelled)
		}
	}
	if o.kind == opCancel && err == nil {
		if tr := c.orders[o.id]; tr == nil || tr.live {
			return "successful cancel without a cancel event"
		}
	}
	for id, tr := range touched {
		if tr.live != wasLive[id] {
			if tr.live {
				c.live++
			} else {
				c.live--
			}
		}
		if tr.orig != tr.filled+tr.open+tr.cancelled {
			return fmt.Sprintf("order %d: original %d != filled %d + open %d + cancelled %d", id, tr.orig, tr.filled, tr.open, tr.cancelled)
		}
		info, ok := b.Order(id)
		if ok != tr.live {
			return fmt.Sprintf("order %d: in book %v, live by events %v", id, ok, tr.live)
		}
		if ok && (info.Qty != tr.open || info.Filled != tr.filled || info.Original != tr.orig ||
			info.Cancelled != tr.amendCancelled || info.Price != tr.price || info.MinQty != tr.min) {
			return fmt.Sprintf("order %d: book %+v, events %+v", id, info, *tr)
		}
	}
	if c.live != b.Len() {
		return fmt.Sprintf("book holds %d orders, events leave %d live", b.Len(), c.live)
	}
	return ""
}

// checkFIFO requires that every order ahead of fill e's maker at the same
// price, in the queue as it was before the command, has already left the
// book during this command or could not trade with the taker (MinQty).
func (c *eventChecker) checkFIFO(e Event, tk *tracked) string {
	takerOpen := e.Qty + e.TakerRemaining
	for _, q := range c.queue {
		if q.ID == e.OrderID {
			return ""
		}
		if q.Price != e.Price {
			continue
		}
		a := c.orders[q.ID]
		if a == nil || !a.live {
			continue // filled, cancelled or expired earlier in this command
		}
		if a.owner == tk.owner {
			return fmt.Sprintf("maker %d filled while the taker's own order %d rests ahead of it", e.OrderID, q.ID)
		}
		if executableRule(takerOpen, tk.min, a.open, a.min) {
			return fmt.Sprintf("maker %d filled before eligible order %d ahead of it (open %d, min %d)", e.OrderID, q.ID, a.open, a.min)
		}
		c.stats.skips++
	}
	return fmt.Sprintf("maker %d was not on the opposite side before the command", e.OrderID)
}
