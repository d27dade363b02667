package orderbook

import (
	"cmp"
	"math"
	"slices"

	"github.com/agora-exchange/agora/catalog"
)

// refBook is a deliberately naive order book written from the rules in
// doc.go, used as the oracle for the differential and fuzz tests. Each side
// is one slice of orders kept sorted by (price priority, arrival sequence);
// every search is a linear scan. It shares no code with Book: only the
// exported types and the event conventions.
type refBook struct {
	defSTP STP
	now    int64
	seq    uint64
	bids   []*refOrder // best (highest) price first, then arrival
	asks   []*refOrder // best (lowest) price first, then arrival
}

type refOrder struct {
	info OrderInfo
	seq  uint64 // arrival sequence; a priority-losing amend takes a new one
}

func newRefBook(defSTP STP) *refBook {
	if defSTP == STPDefault {
		defSTP = STPCancelIncoming
	}
	return &refBook{defSTP: defSTP}
}

func (r *refBook) side(s Side) *[]*refOrder {
	if s == Buy {
		return &r.bids
	}
	return &r.asks
}

// ahead reports whether a has priority over b on the same side.
func ahead(a, b *refOrder) bool {
	if a.info.Price != b.info.Price {
		if a.info.Side == Buy {
			return a.info.Price > b.info.Price
		}
		return a.info.Price < b.info.Price
	}
	return a.seq < b.seq
}

func (r *refBook) insert(o *refOrder) {
	r.seq++
	o.seq = r.seq
	s := r.side(o.info.Side)
	i := 0
	for i < len(*s) && ahead((*s)[i], o) {
		i++
	}
	*s = slices.Insert(*s, i, o)
}

func (r *refBook) find(id OrderID) (*refOrder, int) {
	for _, s := range [2][]*refOrder{r.bids, r.asks} {
		for i, o := range s {
			if o.info.ID == id {
				return o, i
			}
		}
	}
	return nil, -1
}

func (r *refBook) removeAt(side Side, i int) {
	s := r.side(side)
	*s = slices.Delete(*s, i, i+1)
}

func (r *refBook) clone() *refBook {
	c := &refBook{defSTP: r.defSTP, now: r.now, seq: r.seq}
	for _, o := range r.bids {
		cp := *o
		c.bids = append(c.bids, &cp)
	}
	for _, o := range r.asks {
		cp := *o
		c.asks = append(c.asks, &cp)
	}
	return c
}

func refOverflows(p catalog.Price, q catalog.Qty) bool {
	return p < 0 || q < 0 || (q != 0 && int64(p) > math.MaxInt64/int64(q))
}

// validate checks an incoming order in the order Book.Check documents its
// checks: identity, side, type, time in force, STP, quantities, price, GTD
// expiry against the command time, overflow, GTD expiry against the book's
// clock, and finally duplicates.
func (r *refBook) validate(o Order, now int64) error {
	if o.ID == 0 {
		return ErrInvalidID
	}
	if o.Owner == 0 {
		return ErrInvalidOwner
	}
	if o.Side != Buy && o.Side != Sell {
		return ErrInvalidSide
	}
	if o.Type != Limit && o.Type != Market {
		return ErrInvalidType
	}
	if o.TIF != GTC && o.TIF != GTD && o.TIF != IOC && o.TIF != FOK {
		return ErrInvalidTIF
	}
	if o.Type == Market && o.TIF != IOC && o.TIF != FOK {
		return ErrInvalidTIF
	}
	if o.TIF != GTD && o.ExpireAt != 0 {
		return ErrInvalidTIF
	}
	if o.STP > STPCancelBoth {
		return ErrInvalidSTP
	}
	if o.Qty <= 0 {
		return ErrInvalidQty
	}
	if o.MinQty < 0 || o.MinQty > o.Qty {
		return ErrInvalidMinQty
	}
	if (o.Type == Limit && o.Price <= 0) || (o.Type == Market && o.Price != 0) {
		return ErrInvalidPrice
	}
	if o.TIF == GTD && o.ExpireAt <= now {
		return ErrExpired
	}
	if refOverflows(o.Price, o.Qty) {
		return ErrOverflow
	}
	if o.TIF == GTD && o.ExpireAt <= r.now {
		return ErrExpired
	}
	if o, _ := r.find(o.ID); o != nil {
		return ErrDuplicateID
	}
	return nil
}

// expire moves the clock forward to now and expires due GTD orders in
// (ExpireAt, ID) order.
func (r *refBook) expire(now int64, ev []Event) []Event {
	r.now = max(r.now, now)
	var due []OrderInfo
	for _, s := range [2][]*refOrder{r.bids, r.asks} {
		for _, o := range s {
			if o.info.TIF == GTD && o.info.ExpireAt <= r.now {
				due = append(due, o.info)
			}
		}
	}
	slices.SortFunc(due, func(a, b OrderInfo) int {
		return cmp.Or(cmp.Compare(a.ExpireAt, b.ExpireAt), cmp.Compare(a.ID, b.ID))
	})
	for _, d := range due {
		_, i := r.find(d.ID)
		r.removeAt(d.Side, i)
		ev = append(ev, Event{Kind: EventExpire, Side: d.Side, Owner: d.Owner, OrderID: d.ID, Price: d.Price, Qty: d.Qty, Tag: d.Tag})
	}
	return ev
}

func (r *refBook) Expire(now int64) []Event { return r.expire(now, nil) }

// taker is an incoming order (or an amended one re-entering) while it matches.
type taker struct {
	id     OrderID
	owner  catalog.ParticipantID
	side   Side
	market bool
	price  catalog.Price
	min    catalog.Qty
	stp    STP
}

// match walks the opposite side once, best first: that single order is
// price-time priority. It returns the open quantity left and whether
// self-trade prevention stopped the taker.
func (r *refBook) match(tk taker, rem catalog.Qty, ev []Event) ([]Event, catalog.Qty, bool) {
	opp := r.side(tk.side.Opposite())
	i := 0
	for i < len(*opp) && rem > 0 {
		m := (*opp)[i]
		if !tk.market {
			if tk.side == Buy && m.info.Price > tk.price {
				break
			}
			if tk.side == Sell && m.info.Price < tk.price {
				break
			}
		}
		if m.info.Owner == tk.owner {
			if tk.stp == STPCancelResting || tk.stp == STPCancelBoth {
				ev = append(ev, Event{Kind: EventCancel, Reason: CancelSelfTrade, Side: m.info.Side, Owner: m.info.Owner, OrderID: m.info.ID, Price: m.info.Price, Qty: m.info.Qty, Tag: m.info.Tag})
				r.removeAt(m.info.Side, i)
			} else {
				i++
			}
			if tk.stp == STPCancelIncoming || tk.stp == STPCancelBoth {
				return ev, rem, true
			}
			continue
		}
		// MinQty: x = min(a, b) must be >= min(m_a, a) and >= min(m_b, b).
		a, b := rem, m.info.Qty
		x := min(a, b)
		if x < min(tk.min, a) || x < min(m.info.MinQty, b) {
			i++
			continue
		}
		rem -= x
		m.info.Qty -= x
		m.info.Filled += x
		ev = append(ev, Event{
			Kind: EventFill, Side: m.info.Side, Owner: m.info.Owner, OrderID: m.info.ID,
			Price: m.info.Price, Qty: x, Remaining: m.info.Qty,
			TakerID: tk.id, TakerOwner: tk.owner, TakerRemaining: rem, Tag: m.info.Tag,
		})
		if m.info.Qty == 0 {
			r.removeAt(m.info.Side, i)
		} else {
			i++
		}
	}
	return ev, rem, false
}

func (r *refBook) Place(o Order, now int64) ([]Event, Result, error) {
	if err := r.validate(o, now); err != nil {
		return nil, Result{}, err
	}
	ev := r.expire(now, nil)
	if o.STP == STPDefault {
		o.STP = r.defSTP
	}
	tk := taker{id: o.ID, owner: o.Owner, side: o.Side, market: o.Type == Market, price: o.Price, min: o.MinQty, stp: o.STP}
	if o.TIF == FOK {
		// Dry run on a copy with exactly the same rules.
		if _, left, _ := r.clone().match(tk, o.Qty, nil); left > 0 {
			ev = append(ev, Event{Kind: EventCancel, Reason: CancelFOK, Side: o.Side, Owner: o.Owner, OrderID: o.ID, Price: o.Price, Qty: o.Qty, Tag: o.Tag})
			return ev, Result{Cancelled: o.Qty}, nil
		}
	}
	ev, rem, stopped := r.match(tk, o.Qty, ev)
	res := Result{Filled: o.Qty - rem}
	switch {
	case rem == 0:
	case stopped || o.Type == Market || o.TIF == IOC || o.TIF == FOK || r.crosses(o.Side, o.Price):
		reason := CancelIOC
		if stopped {
			reason = CancelSelfTrade
		} else if o.Type == Limit && (o.TIF == GTC || o.TIF == GTD) {
			reason = CancelWouldCross
		}
		ev = append(ev, Event{Kind: EventCancel, Reason: reason, Side: o.Side, Owner: o.Owner, OrderID: o.ID, Price: o.Price, Qty: rem, Tag: o.Tag})
		res.Cancelled = rem
	default:
		r.insert(&refOrder{info: OrderInfo{
			ID: o.ID, Owner: o.Owner, Side: o.Side, TIF: o.TIF, Price: o.Price,
			Qty: rem, MinQty: o.MinQty, Original: o.Qty, Filled: o.Qty - rem,
			ExpireAt: o.ExpireAt, STP: o.STP, Tag: o.Tag,
		}})
		res.Resting = rem
	}
	return ev, res, nil
}

func (r *refBook) Cancel(id OrderID, owner catalog.ParticipantID, now int64) ([]Event, error) {
	ev := r.expire(now, nil)
	o, i := r.find(id)
	if o == nil {
		return ev, ErrUnknownOrder
	}
	if o.info.Owner != owner {
		return ev, ErrNotOwner
	}
	r.removeAt(o.info.Side, i)
	return append(ev, Event{Kind: EventCancel, Reason: CancelRequested, Side: o.info.Side, Owner: o.info.Owner, OrderID: id, Price: o.info.Price, Qty: o.info.Qty, Tag: o.info.Tag}), nil
}

func (r *refBook) Amend(id OrderID, owner catalog.ParticipantID, price catalog.Price, qty catalog.Qty, now int64) ([]Event, Result, error) {
	switch {
	case qty <= 0:
		return nil, Result{}, ErrInvalidQty
	case price <= 0:
		return nil, Result{}, ErrInvalidPrice
	case refOverflows(price, qty):
		return nil, Result{}, ErrOverflow
	}
	ev := r.expire(now, nil)
	o, i := r.find(id)
	if o == nil {
		return ev, Result{}, ErrUnknownOrder
	}
	if o.info.Owner != owner {
		return ev, Result{}, ErrNotOwner
	}
	in := &o.info
	amendDown := func(d catalog.Qty) {
		in.Cancelled += d
		ev = append(ev, Event{Kind: EventCancel, Reason: CancelAmendDown, Side: in.Side, Owner: in.Owner, OrderID: id, Price: in.Price, Qty: d, Remaining: qty, Tag: in.Tag})
	}
	if price == in.Price && qty <= in.Qty {
		// Reduce in place: keeps time priority.
		if qty < in.Qty {
			amendDown(in.Qty - qty)
			in.Qty = qty
		}
		return ev, Result{Resting: qty}, nil
	}
	// Lose priority: leave the book and re-enter as if new.
	r.removeAt(in.Side, i)
	if qty > in.Qty {
		in.Original += qty - in.Qty
	} else if qty < in.Qty {
		amendDown(in.Qty - qty)
	}
	in.Price, in.Qty = price, qty
	tk := taker{id: id, owner: in.Owner, side: in.Side, price: price, min: in.MinQty, stp: in.STP}
	ev, rem, stopped := r.match(tk, qty, ev)
	in.Filled += qty - rem
	in.Qty = rem
	res := Result{Filled: qty - rem}
	switch {
	case rem == 0:
	case stopped || r.crosses(in.Side, price):
		reason := CancelSelfTrade
		if !stopped {
			reason = CancelWouldCross
		}
		ev = append(ev, Event{Kind: EventCancel, Reason: reason, Side: in.Side, Owner: in.Owner, OrderID: id, Price: price, Qty: rem, Tag: in.Tag})
		res.Cancelled = rem
	default:
		r.insert(o)
		res.Resting = rem
	}
	return ev, res, nil
}

// crosses reports whether an order of side at price would rest at or
// through the best opposite price (doc.go: "Never crossed").
func (r *refBook) crosses(side Side, price catalog.Price) bool {
	opp := *r.side(side.Opposite())
	if len(opp) == 0 {
		return false
	}
	best := opp[0].info.Price
	if side == Buy {
		return price >= best
	}
	return price <= best
}

// Depth returns every level of side, best first.
func (r *refBook) Depth(side Side) []Level {
	var out []Level
	for _, o := range *r.side(side) {
		if n := len(out); n > 0 && out[n-1].Price == o.info.Price {
			out[n-1].Qty += o.info.Qty
			out[n-1].Orders++
			continue
		}
		out = append(out, Level{Price: o.info.Price, Qty: o.info.Qty, Orders: 1})
	}
	return out
}

// Orders returns every order of side in priority order.
func (r *refBook) Orders(side Side) []OrderInfo {
	var out []OrderInfo
	for _, o := range *r.side(side) {
		out = append(out, o.info)
	}
	return out
}

func (r *refBook) Len() int { return len(r.bids) + len(r.asks) }
