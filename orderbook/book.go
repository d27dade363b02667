package orderbook

import (
	"fmt"
	"math"

	"github.com/google/btree"

	"github.com/agora-exchange/agora/catalog"
)

const (
	btreeDegree = 32
	none        = int32(-1)
)

// Config configures a Book. The zero value is valid and means the defaults.
type Config struct {
	// DefaultSTP is applied to orders whose STP is STPDefault.
	// Zero means STPCancelIncoming.
	DefaultSTP STP
	// InitialOrders preallocates room for this many resting orders (0 = none).
	// It only saves the cost of growing; it is not a limit.
	InitialOrders int
}

// Validate reports whether the config is usable.
func (c Config) Validate() error {
	if c.DefaultSTP >= stpEnd {
		return fmt.Errorf("%w: DefaultSTP %v", ErrInvalidConfig, c.DefaultSTP)
	}
	if c.InitialOrders < 0 || c.InitialOrders > math.MaxInt32 {
		return fmt.Errorf("%w: InitialOrders %d", ErrInvalidConfig, c.InitialOrders)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.DefaultSTP == STPDefault {
		c.DefaultSTP = STPCancelIncoming
	}
	return c
}

// order is a resting order. It holds no pointers, so a book of millions of
// orders costs the garbage collector nothing to scan.
type order struct {
	id        OrderID
	price     catalog.Price
	qty       catalog.Qty // open quantity
	orig      catalog.Qty
	filled    catalog.Qty
	cancelled catalog.Qty
	minQty    catalog.Qty
	expireAt  int64
	tag       uint64
	owner     catalog.ParticipantID
	prev      int32 // queue neighbours within the level (none at the ends)
	next      int32
	level     int32 // index into Book.levels
	heapIdx   int32 // position in the expiry heap, none if not GTD
	side      Side
	tif       TimeInForce
	stp       STP
}

// level is one price level: a FIFO queue of orders linked through their
// prev/next indices.
type level struct {
	price catalog.Price
	qty   catalog.Qty
	count int32
	head  int32
	tail  int32
	next  int32 // free-list link
}

// levelKey is what the price trees hold.
type levelKey struct {
	price catalog.Price
	idx   int32
}

type bookSide struct {
	tree   *btree.BTreeG[levelKey] // levels in priority order
	prices hashIndex               // price -> level, for O(1) lookup
	best   int32                   // index of the best level, none if the side is empty
}

// Book is the order book of one market: two sides of price levels, each a
// FIFO queue, with continuous price-time matching.
//
// A Book is not safe for concurrent use: it is a single-threaded state
// machine, and the caller serialises access (matching.Exchange holds one lock
// per market). It never reads the clock: time arrives as the now argument.
type Book struct {
	cfg    Config
	sides  [3]bookSide // indexed by Side; [0] unused
	orders [][]order   // slab of order slots in chunks of chunkSize; see ord
	nslots int32       // slots handed out so far
	free   int32       // free list of orders, linked through next
	levels []level
	freeLv int32
	index  hashIndex // order ID -> order slot
	expiry []int32   // min-heap of GTD order indices by (expireAt, id)
	now    int64
	pivot  levelKey
	found  levelKey
	ok     bool
	grab   func(levelKey) bool
	call   bool    // in call mode: orders rest without matching (auction.go)
	auc    auction // scratch space of the clearing-price search
}

// New returns an empty book. It returns ErrInvalidConfig if cfg is invalid.
func New(cfg Config) (*Book, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	free := btree.NewFreeListG[levelKey](64)
	b := &Book{
		cfg:    cfg,
		free:   none,
		freeLv: none,
		index:  newHashIndex(cfg.InitialOrders),
	}
	if cfg.InitialOrders > 0 {
		b.orders = append(b.orders, make([]order, 0, min(cfg.InitialOrders, chunkSize)))
		for range (cfg.InitialOrders - 1) / chunkSize {
			b.orders = append(b.orders, make([]order, chunkSize))
		}
	}
	b.sides[Buy] = bookSide{
		tree:   btree.NewWithFreeListG(btreeDegree, func(a, b levelKey) bool { return a.price > b.price }, free),
		prices: newHashIndex(0),
		best:   none,
	}
	b.sides[Sell] = bookSide{
		tree:   btree.NewWithFreeListG(btreeDegree, func(a, b levelKey) bool { return a.price < b.price }, free),
		prices: newHashIndex(0),
		best:   none,
	}
	b.grab = func(k levelKey) bool {
		b.found, b.ok = k, true
		return false
	}
	return b, nil
}

// mustHold panics if an invariant is broken; compiled in with -tags invariants.
func (b *Book) mustHold() {
	if err := b.CheckInvariants(); err != nil {
		panic(err)
	}
}

// Len returns the number of resting orders.
func (b *Book) Len() int { return b.index.Len() }

// Now returns the latest command time the book has seen.
func (b *Book) Now() int64 { return b.now }

// validate checks an incoming order without touching state.
func (b *Book) validate(o *Order, now int64) error {
	switch {
	case o.ID == 0:
		return ErrInvalidID
	case o.Owner == 0:
		return ErrInvalidOwner
	case !o.Side.Valid():
		return ErrInvalidSide
	case o.Qty <= 0:
		return ErrInvalidQty
	case o.MinQty < 0 || o.MinQty > o.Qty:
		return ErrInvalidMinQty
	case o.STP >= stpEnd:
		return ErrInvalidSTP
	}
	switch o.Type {
	case Limit:
		if o.Price <= 0 {
			return ErrInvalidPrice
		}
		if _, ok := catalog.Notional(o.Price, o.Qty); !ok {
			return ErrOverflow
		}
		if o.TIF < GTC || o.TIF > FOK {
			return ErrInvalidTIF
		}
	case Market:
		if o.Price != 0 {
			return ErrInvalidPrice
		}
		if o.TIF != IOC && o.TIF != FOK {
			return ErrInvalidTIF
		}
	default:
		return ErrInvalidType
	}
	if o.TIF == GTD {
		if o.ExpireAt <= max(now, b.now) {
			return ErrExpired
		}
	} else if o.ExpireAt != 0 {
		return ErrInvalidTIF
	}
	if _, dup := b.index.get(uint64(o.ID)); dup {
		return ErrDuplicateID
	}
	return nil
}

// advance moves the book clock to now (never backwards) and expires GTD
// orders whose ExpireAt <= now, oldest first.
func (b *Book) advance(now int64, dst []Event) []Event {
	if now > b.now {
		b.now = now
	}
	for len(b.expiry) > 0 {
		oi := b.expiry[0]
		o := b.ord(oi)
		if o.expireAt > b.now {
			break
		}
		dst = append(dst, Event{Kind: EventExpire, Side: o.side, Owner: o.owner, OrderID: o.id, Price: o.price, Qty: o.qty, Tag: o.tag})
		b.remove(oi)
	}
	return dst
}

// Expire advances the book clock to now and expires every GTD order with
// ExpireAt <= now, appending one EventExpire each. Cost: O(k log n) for k
// expired orders.
func (b *Book) Expire(now int64, dst []Event) []Event {
	if invariantsEnabled {
		defer b.mustHold()
	}
	return b.advance(now, dst)
}

// Place validates o, expires due GTD orders, then matches o against the
// opposite side with price-time priority, executing at the resting orders'
// prices. What remains of a GTC or GTD limit order rests at the tail of its
// price level; what remains of IOC, FOK or market orders is cancelled. Fills
// and cancellations are appended to dst.
//
// Cost: O(1) expected to find the price level, O(log L) to create one (L
// levels per side), plus
// O(1) per fill and per resting order skipped by the MinQty rule or
// cancelled by self-trade prevention. It allocates nothing once the book's
// free lists, index and dst have grown to their working size.
//
// Errors (state unchanged): ErrInvalidID, ErrInvalidOwner, ErrInvalidSide,
// ErrInvalidType, ErrInvalidTIF, ErrInvalidPrice, ErrInvalidQty,
// ErrInvalidMinQty, ErrInvalidSTP, ErrExpired, ErrOverflow, ErrDuplicateID,
// ErrCapacity.
func (b *Book) Place(o Order, now int64, dst []Event) ([]Event, Result, error) {
	if invariantsEnabled {
		defer b.mustHold()
	}
	if err := b.validate(&o, now); err != nil {
		return dst, Result{}, err
	}
	if b.full() {
		return dst, Result{}, ErrCapacity
	}
	dst = b.advance(now, dst)
	if o.STP == STPDefault {
		o.STP = b.cfg.DefaultSTP
	}
	if b.call {
		return b.placeCall(&o, dst)
	}
	var res Result
	if o.TIF == FOK && b.fillable(&o) < o.Qty {
		dst = append(dst, Event{Kind: EventCancel, Reason: CancelFOK, Side: o.Side, Owner: o.Owner, OrderID: o.ID, Price: o.Price, Qty: o.Qty, Tag: o.Tag})
		res.Cancelled = o.Qty
		return dst, res, nil
	}
	var rem catalog.Qty
	var stopped bool
	dst, rem, stopped = b.match(&o, o.Qty, dst)
	res.Filled = o.Qty - rem
	if rem == 0 {
		return dst, res, nil
	}
	var reason CancelReason
	switch {
	case stopped:
		reason = CancelSelfTrade
	case o.Type == Market || o.TIF == IOC || o.TIF == FOK:
		reason = CancelIOC
	case b.wouldCross(o.Side, o.Price):
		reason = CancelWouldCross
	}
	if reason != 0 {
		dst = append(dst, Event{Kind: EventCancel, Reason: reason, Side: o.Side, Owner: o.Owner, OrderID: o.ID, Price: o.Price, Qty: rem, Tag: o.Tag})
		res.Cancelled = rem
		return dst, res, nil
	}
	oi := b.alloc()
	*b.ord(oi) = order{
		id: o.ID, price: o.Price, qty: rem, orig: o.Qty, filled: o.Qty - rem,
		minQty: o.MinQty, expireAt: o.ExpireAt, owner: o.Owner, tag: o.Tag,
		prev: none, next: none, level: none, heapIdx: none,
		side: o.Side, tif: o.TIF, stp: o.STP,
	}
	b.index.put(uint64(o.ID), oi)
	b.rest(oi)
	res.Resting = rem
	return dst, res, nil
}

// executable reports whether a trade of min(takerRem, makerRem) satisfies
// both sides' minimum quantities. A side's effective minimum is
// min(MinQty, its open quantity).
func executable(takerRem, takerMin, makerRem, makerMin catalog.Qty) bool {
	x := min(takerRem, makerRem)
	return x >= min(takerMin, takerRem) && x >= min(makerMin, makerRem)
}

func crosses(side Side, limit, resting catalog.Price, market bool) bool {
	if market {
		return true
	}
	if side == Buy {
		return resting <= limit
	}
	return resting >= limit
}

// match trades the incoming order o, whose open quantity is rem, against the
// opposite side. It returns the open quantity left and whether self-trade
// prevention stopped the incoming order.
func (b *Book) match(o *Order, rem catalog.Qty, dst []Event) ([]Event, catalog.Qty, bool) {
	opp := o.Side.Opposite()
	market := o.Type == Market
	li := b.sides[opp].best
	for li != none && rem > 0 {
		lv := &b.levels[li]
		price := lv.price
		if !crosses(o.Side, o.Price, price, market) {
			break
		}
		oi := lv.head
		for oi != none && rem > 0 {
			r := b.ord(oi)
			next := r.next
			if r.owner == o.Owner {
				stp := o.STP
				if stp == STPCancelResting || stp == STPCancelBoth {
					dst = append(dst, Event{Kind: EventCancel, Reason: CancelSelfTrade, Side: r.side, Owner: r.owner, OrderID: r.id, Price: r.price, Qty: r.qty, Tag: r.tag})
					emptied := lv.count == 1
					b.remove(oi)
					if emptied {
						li = none // the level is gone
					}
				}
				if stp == STPCancelIncoming || stp == STPCancelBoth {
					return dst, rem, true
				}
				oi = next
				continue
			}
			if !executable(rem, o.MinQty, r.qty, r.minQty) {
				oi = next
				continue
			}
			x := min(rem, r.qty)
			rem -= x
			r.qty -= x
			r.filled += x
			lv.qty -= x
			dst = append(dst, Event{
				Kind: EventFill, Side: r.side, Owner: r.owner, OrderID: r.id,
				Price: price, Qty: x, Remaining: r.qty,
				TakerID: o.ID, TakerOwner: o.Owner, TakerRemaining: rem, Tag: r.tag,
			})
			if r.qty == 0 {
				emptied := lv.count == 1
				b.remove(oi)
				if emptied {
					li = none
				}
			}
			oi = next
		}
		if rem == 0 {
			break
		}
		if li == none {
			// The level was emptied and removed; the next one is the best.
			li = b.sides[opp].best
			if li != none && !better(opp, b.levels[li].price, price) {
				li = b.levelAfter(opp, price)
			}
		} else {
			li = b.levelAfter(opp, price)
		}
	}
	return dst, rem, false
}

// wouldCross reports whether an order of side at price, resting now, would
// cross (or lock) the opposite side. After matching this only happens when
// MinQty rules forbade every execution at the crossing prices. In call mode
// crossing is allowed and it reports false.
func (b *Book) wouldCross(side Side, price catalog.Price) bool {
	if b.crossAllowed() {
		return false
	}
	p, _, ok := b.best(side.Opposite())
	return ok && crosses(side, price, p, false)
}

// better reports whether price a comes after price b in side's priority order.
func better(side Side, a, b catalog.Price) bool {
	if side == Buy {
		return a < b
	}
	return a > b
}

// levelAfter returns the first level of side strictly after price in priority
// order, or none. O(log L).
func (b *Book) levelAfter(side Side, price catalog.Price) int32 {
	if side == Buy {
		if price == math.MinInt64 {
			return none
		}
		b.pivot.price = price - 1
	} else {
		if price == math.MaxInt64 {
			return none
		}
		b.pivot.price = price + 1
	}
	b.ok = false
	b.sides[side].tree.AscendGreaterOrEqual(b.pivot, b.grab)
	if !b.ok {
		return none
	}
	return b.found.idx
}

// fillable returns how much of o would fill now, following exactly the rules
// of match, without changing state. It stops early once o.Qty is reached.
func (b *Book) fillable(o *Order) catalog.Qty {
	opp := o.Side.Opposite()
	market := o.Type == Market
	rem := o.Qty
	for li := b.sides[opp].best; li != none && rem > 0; {
		lv := &b.levels[li]
		if !crosses(o.Side, o.Price, lv.price, market) {
			break
		}
		for oi := lv.head; oi != none && rem > 0; oi = b.ord(oi).next {
			r := b.ord(oi)
			if r.owner == o.Owner {
				if o.STP == STPCancelIncoming || o.STP == STPCancelBoth {
					return o.Qty - rem
				}
				continue
			}
			if executable(rem, o.MinQty, r.qty, r.minQty) {
				rem -= min(rem, r.qty)
			}
		}
		li = b.levelAfter(opp, lv.price)
	}
	return o.Qty - rem
}

// Orders live in chunks of chunkSize slots, so a large book grows without
// copying the orders it already holds; the first chunk grows by doubling, so
// a small book stays small. A pointer from ord is valid until the next
// alloc.
const (
	chunkBits = 12
	chunkSize = 1 << chunkBits
)

// ord returns order slot oi.
func (b *Book) ord(oi int32) *order { return &b.orders[oi>>chunkBits][oi&(chunkSize-1)] }

// full reports whether no order slot can be handed out.
func (b *Book) full() bool { return b.free == none && b.nslots == math.MaxInt32 }

// alloc returns the index of a free order slot.
func (b *Book) alloc() int32 {
	if b.free != none {
		oi := b.free
		b.free = b.ord(oi).next
		return oi
	}
	switch {
	case b.nslots < chunkSize:
		// The first chunk grows by doubling, so a small book stays small.
		if len(b.orders) == 0 {
			b.orders = append(b.orders, nil)
		}
		b.orders[0] = append(b.orders[0], order{})
	case int(b.nslots>>chunkBits) == len(b.orders):
		b.orders = append(b.orders, make([]order, chunkSize))
	}
	oi := b.nslots
	b.nslots++
	return oi
}

// rest appends order oi to the tail of its price level, creating the level if
// needed, and registers it for expiry if it is GTD.
func (b *Book) rest(oi int32) {
	o := b.ord(oi)
	s := &b.sides[o.side]
	li := b.findLevel(o.side, o.price)
	if li == none {
		li = b.newLevel(o.price)
		s.tree.ReplaceOrInsert(levelKey{price: o.price, idx: li})
		s.prices.put(uint64(o.price), li)
		if s.best == none || better(o.side, b.levels[s.best].price, o.price) {
			s.best = li
		}
	}
	lv := &b.levels[li]
	o.level = li
	o.next = none
	o.prev = lv.tail
	if lv.tail != none {
		b.ord(lv.tail).next = oi
	} else {
		lv.head = oi
	}
	lv.tail = oi
	lv.count++
	lv.qty += o.qty
	if o.tif == GTD {
		b.heapPush(oi)
	}
}

// findLevel returns the level of side at price, or none. O(1).
func (b *Book) findLevel(side Side, price catalog.Price) int32 {
	s := &b.sides[side]
	if s.best != none && b.levels[s.best].price == price {
		return s.best
	}
	if price <= 0 {
		return none
	}
	li, ok := s.prices.get(uint64(price))
	if !ok {
		return none
	}
	return li
}

func (b *Book) newLevel(price catalog.Price) int32 {
	var li int32
	if b.freeLv != none {
		li = b.freeLv
		b.freeLv = b.levels[li].next
	} else {
		b.levels = append(b.levels, level{})
		li = int32(len(b.levels) - 1)
	}
	b.levels[li] = level{price: price, head: none, tail: none, next: none}
	return li
}

// unlink removes order oi from its level, deleting the level if it empties.
func (b *Book) unlink(oi int32) {
	o := b.ord(oi)
	li := o.level
	lv := &b.levels[li]
	if o.prev != none {
		b.ord(o.prev).next = o.next
	} else {
		lv.head = o.next
	}
	if o.next != none {
		b.ord(o.next).prev = o.prev
	} else {
		lv.tail = o.prev
	}
	lv.count--
	lv.qty -= o.qty
	o.prev, o.next, o.level = none, none, none
	if lv.count > 0 {
		return
	}
	s := &b.sides[o.side]
	s.tree.Delete(levelKey{price: lv.price})
	s.prices.del(uint64(lv.price))
	if s.best == li {
		s.best = none
		if k, ok := s.tree.Min(); ok {
			s.best = k.idx
		}
	}
	lv.next = b.freeLv
	b.freeLv = li
}

// remove takes order oi out of the book entirely and frees its slot. The
// order may already be unlinked from its level (an amend re-entering the
// book that then fills completely or is stopped by self-trade prevention).
func (b *Book) remove(oi int32) {
	o := b.ord(oi)
	if o.level != none {
		b.unlink(oi)
	}
	if o.heapIdx != none {
		b.heapRemove(o.heapIdx)
	}
	b.index.del(uint64(o.id))
	*o = order{next: b.free, prev: none, level: none, heapIdx: none}
	b.free = oi
}

// Cancel expires due GTD orders, then removes order id, which must belong to
// owner, and appends an EventCancel. Cost: O(1) plus O(log L) when its level
// empties.
//
// Errors (state unchanged apart from expiry): ErrUnknownOrder (also for an
// order that has just expired), ErrNotOwner.
func (b *Book) Cancel(id OrderID, owner catalog.ParticipantID, now int64, dst []Event) ([]Event, error) {
	if invariantsEnabled {
		defer b.mustHold()
	}
	dst = b.advance(now, dst)
	oi, ok := b.index.get(uint64(id))
	if !ok {
		return dst, ErrUnknownOrder
	}
	o := b.ord(oi)
	if o.owner != owner {
		return dst, ErrNotOwner
	}
	dst = append(dst, Event{Kind: EventCancel, Reason: CancelRequested, Side: o.side, Owner: o.owner, OrderID: id, Price: o.price, Qty: o.qty, Tag: o.tag})
	b.remove(oi)
	return dst, nil
}

// Amend changes the price and open quantity of resting order id, which must
// belong to owner. Reducing the quantity at the same price keeps the order's
// time priority (the removed part is reported as an EventCancel with reason
// CancelAmendDown). Changing the price or increasing the quantity loses it:
// the order leaves its level and re-enters as if new, keeping its ID,
// MinQty and time in force, so it may trade at once.
//
// Errors (state unchanged apart from expiry): ErrUnknownOrder, ErrNotOwner,
// ErrInvalidQty, ErrInvalidPrice, ErrOverflow.
func (b *Book) Amend(id OrderID, owner catalog.ParticipantID, price catalog.Price, qty catalog.Qty, now int64, dst []Event) ([]Event, Result, error) {
	if invariantsEnabled {
		defer b.mustHold()
	}
	if qty <= 0 {
		return dst, Result{}, ErrInvalidQty
	}
	if price <= 0 {
		return dst, Result{}, ErrInvalidPrice
	}
	if _, ok := catalog.Notional(price, qty); !ok {
		return dst, Result{}, ErrOverflow
	}
	dst = b.advance(now, dst)
	oi, ok := b.index.get(uint64(id))
	if !ok {
		return dst, Result{}, ErrUnknownOrder
	}
	o := b.ord(oi)
	if o.owner != owner {
		return dst, Result{}, ErrNotOwner
	}
	if price == o.price && qty <= o.qty {
		if d := o.qty - qty; d > 0 {
			o.qty = qty
			o.cancelled += d
			b.levels[o.level].qty -= d
			dst = append(dst, Event{Kind: EventCancel, Reason: CancelAmendDown, Side: o.side, Owner: o.owner, OrderID: id, Price: o.price, Qty: d, Remaining: qty, Tag: o.tag})
		}
		return dst, Result{Resting: qty}, nil
	}
	// Lose priority: leave the level, then re-enter as an incoming order.
	b.unlink(oi)
	o = b.ord(oi)
	if qty > o.qty {
		o.orig += qty - o.qty
	} else if d := o.qty - qty; d > 0 {
		o.cancelled += d
		dst = append(dst, Event{Kind: EventCancel, Reason: CancelAmendDown, Side: o.side, Owner: o.owner, OrderID: id, Price: o.price, Qty: d, Remaining: qty, Tag: o.tag})
	}
	o.price, o.qty = price, qty
	in := Order{ID: id, Owner: o.owner, Side: o.side, Type: Limit, TIF: o.tif, Price: price, Qty: qty, MinQty: o.minQty, STP: o.stp, Tag: o.tag}
	rem, stopped := qty, false
	if !b.call {
		dst, rem, stopped = b.match(&in, qty, dst)
	}
	o = b.ord(oi)
	res := Result{Filled: qty - rem}
	o.filled += qty - rem
	o.qty = rem
	if rem == 0 {
		b.remove(oi)
		return dst, res, nil
	}
	if stopped || b.wouldCross(o.side, o.price) {
		reason := CancelSelfTrade
		if !stopped {
			reason = CancelWouldCross
		}
		dst = append(dst, Event{Kind: EventCancel, Reason: reason, Side: o.side, Owner: o.owner, OrderID: id, Price: o.price, Qty: rem, Tag: o.tag})
		res.Cancelled = rem
		b.remove(oi)
		return dst, res, nil
	}
	if o.heapIdx != none {
		b.heapRemove(o.heapIdx)
	}
	b.rest(oi)
	res.Resting = rem
	return dst, res, nil
}

// crossAllowed reports whether the book may be crossed (during a call
// auction's order-collection phase).
func (b *Book) crossAllowed() bool { return b.call }
