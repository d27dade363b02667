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
	// buryFrom is the fewest orders a book holds for a cancel to leave
	// its order linked (see level). A smaller book's orders mostly stay
	// in cache (64 bytes each: 4 MiB here), where writing the two
	// neighbours costs less than passing the cancelled order later: W2,
	// about 38,000 orders, ran 10 % slower with every cancel deferred.
	buryFrom = 1 << 16
)

// Config configures a Book. The zero value is valid and means the defaults.
type Config struct {
	// DefaultSTP is applied to orders whose STP is STPDefault.
	// Zero means STPCancelIncoming.
	DefaultSTP STP
	// InitialOrders preallocates room for this many resting orders (0 = none).
	// It only saves the cost of growing; it is not a limit.
	InitialOrders int
	// Tick is the price step of the market: limit prices, and the prices
	// of amends, must be multiples of it. Zero means 1 (any price).
	Tick catalog.Price
	// Lot is the quantity step of the market: Qty and MinQty of orders,
	// and the quantities of amends, must be multiples of it. Zero means 1.
	Lot catalog.Qty
	// MaxOrders is the most orders the book holds resting at once; a
	// limit order that could rest beyond it is refused with ErrCapacity.
	// Zero means the largest the book supports, math.MaxInt32.
	MaxOrders int
}

// Validate reports whether the config is usable.
func (c Config) Validate() error {
	if c.DefaultSTP >= stpEnd {
		return fmt.Errorf("%w: DefaultSTP %v", ErrInvalidConfig, c.DefaultSTP)
	}
	if c.InitialOrders < 0 || c.InitialOrders > math.MaxInt32 {
		return fmt.Errorf("%w: InitialOrders %d", ErrInvalidConfig, c.InitialOrders)
	}
	if c.Tick < 0 {
		return fmt.Errorf("%w: Tick %d", ErrInvalidConfig, c.Tick)
	}
	if c.Lot < 0 {
		return fmt.Errorf("%w: Lot %d", ErrInvalidConfig, c.Lot)
	}
	if c.MaxOrders < 0 || c.MaxOrders > math.MaxInt32 {
		return fmt.Errorf("%w: MaxOrders %d", ErrInvalidConfig, c.MaxOrders)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.DefaultSTP == STPDefault {
		c.DefaultSTP = STPCancelIncoming
	}
	if c.Tick == 0 {
		c.Tick = 1
	}
	if c.Lot == 0 {
		c.Lot = 1
	}
	if c.MaxOrders == 0 {
		c.MaxOrders = math.MaxInt32
	}
	return c
}

// CheckOrder runs the checks of an incoming order that need no book state,
// against the steps of c (a zero Tick or Lot means 1). It is what Place
// checks first; a caller can run it before the market's book exists. The
// checks run in this order, and the first that fails is returned:
//
//   - ErrInvalidID: o.ID is zero;
//   - ErrInvalidOwner: o.Owner is zero;
//   - ErrInvalidSide: o.Side is neither Buy nor Sell;
//   - ErrInvalidType: o.Type is neither Limit nor Market;
//   - ErrInvalidTIF: o.TIF is not GTC, GTD, IOC or FOK; or a Market order
//     is not IOC or FOK; or o.ExpireAt is set on a TIF other than GTD;
//   - ErrInvalidSTP: o.STP is not a defined policy;
//   - ErrInvalidQty: o.Qty <= 0;
//   - ErrInvalidMinQty: o.MinQty < 0 or o.MinQty > o.Qty;
//   - ErrInvalidPrice: a Limit order's price <= 0, or a Market order's != 0;
//   - ErrExpired: a GTD order's ExpireAt <= now;
//   - ErrPriceNotOnTick: the price is not a multiple of Tick;
//   - ErrQtyNotOnLot: Qty or MinQty is not a multiple of Lot;
//   - ErrOverflow: price × Qty overflows int64.
//
// Cost: O(1); it allocates nothing.
func (c Config) CheckOrder(o Order, now int64) error {
	switch {
	case o.ID == 0:
		return ErrInvalidID
	case o.Owner == 0:
		return ErrInvalidOwner
	case !o.Side.Valid():
		return ErrInvalidSide
	case o.Type != Limit && o.Type != Market:
		return ErrInvalidType
	case o.TIF < GTC || o.TIF > FOK:
		return ErrInvalidTIF
	case o.Type == Market && o.TIF != IOC && o.TIF != FOK:
		return ErrInvalidTIF
	case o.TIF != GTD && o.ExpireAt != 0:
		return ErrInvalidTIF
	case o.STP >= stpEnd:
		return ErrInvalidSTP
	case o.Qty <= 0:
		return ErrInvalidQty
	case o.MinQty < 0 || o.MinQty > o.Qty:
		return ErrInvalidMinQty
	case o.Type == Limit && o.Price <= 0, o.Type == Market && o.Price != 0:
		return ErrInvalidPrice
	case o.TIF == GTD && o.ExpireAt <= now:
		return ErrExpired
	}
	return c.CheckSteps(o.Price, o.Qty, o.MinQty)
}

// CheckSteps checks a price and quantities against the steps of c (a zero
// Tick or Lot means 1) and their notional against overflow: the last three
// checks of CheckOrder, for callers that price something other than an
// order (a tender). Errors: ErrPriceNotOnTick, ErrQtyNotOnLot,
// ErrOverflow. Cost: O(1).
func (c Config) CheckSteps(price catalog.Price, qty, minQty catalog.Qty) error {
	switch {
	case c.Tick > 1 && price%c.Tick != 0:
		return ErrPriceNotOnTick
	case c.Lot > 1 && (qty%c.Lot != 0 || minQty%c.Lot != 0):
		return ErrQtyNotOnLot
	}
	if _, ok := catalog.Notional(price, qty); !ok {
		return ErrOverflow
	}
	return nil
}

// order is the hot part of a resting order: what matching, cancel and the
// queue links touch, in one 64-byte cache line (the slab chunks are large
// allocations, so each slot is line-aligned). It holds no pointers, so a
// book of millions of orders costs the garbage collector nothing to scan.
type order struct {
	id      OrderID
	price   catalog.Price
	qty     catalog.Qty // open quantity; 0 for a cancelled order still linked (see level)
	minQty  catalog.Qty
	tag     uint64
	owner   catalog.ParticipantID
	prev    int32 // queue neighbours within the level (none at the ends)
	next    int32
	level   int32 // index into Book.levels
	heapIdx int32 // position in the expiry heap, none if not GTD
	side    Side
	tif     TimeInForce
	stp     STP
}

// orderCold is the rest of a resting order, in a parallel slab: read by
// queries, amends and the expiry heap only. The filled quantity is not
// stored: it is orig - qty - cancelled.
type orderCold struct {
	orig      catalog.Qty
	cancelled catalog.Qty
	expireAt  int64
}

// level is one price level: a FIFO queue of orders linked through their
// prev/next indices.
//
// A cancelled or expired order is not unlinked at once: unlinking writes
// both queue neighbours, two more cache misses in a deep book, on the
// cancel's own path. It stays in the queue with open quantity 0, out of
// the ID index's view (Book.find), the level's count and qty, and the
// expiry heap, until matching reaches it, an order next to it in the
// queue leaves (Book.unlink), an order with its ID arrives, or the level
// empties. A cancel leaves its order so only in a book of at least
// buryFrom orders and below Book.buryLimit, and while the level keeps at
// least twice as many live orders (count) as cancelled ones (dead), and
// the order is not at either end of the queue; otherwise it unlinks at
// once. So both ends of a queue are always live. A level whose live
// orders fall below its cancelled ones unlinks them all (compact), so
// dead <= count always; a cancel that would leave its page of IDs fewer
// than thinPage orders not cancelled unlinks the page's cancelled ones
// (reapBlock).
type level struct {
	price catalog.Price
	qty   catalog.Qty
	count int32 // live orders
	dead  int32 // cancelled orders still linked
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
	slots  orderSlots  // the resting orders and the index from ID to slot
	levels []level
	freeLv int32
	expiry []int32 // min-heap of GTD order indices by (expireAt, id)
	// dead counts the cancelled orders still linked in their levels; they
	// hold slots but are not resting.
	dead int
	// A cancel leaves its order linked only while the slots hold at
	// least buryFrom orders (lowered by tests) and fewer than buryLimit,
	// Config.MaxOrders/2, so that the slots never hold more than
	// MaxOrders (see add).
	buryFrom, buryLimit int
	now                 int64
	pivot               levelKey
	found               levelKey
	ok                  bool
	grab                func(levelKey) bool
	call                bool    // in call mode: orders rest without matching (auction.go)
	auc                 auction // scratch space of the clearing-price search
}

// New returns an empty book. It returns ErrInvalidConfig if cfg is invalid.
func New(cfg Config) (*Book, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	free := btree.NewFreeListG[levelKey](64)
	b := &Book{
		cfg:       cfg,
		freeLv:    none,
		slots:     newOrderSlots(cfg.InitialOrders),
		buryFrom:  buryFrom,
		buryLimit: cfg.MaxOrders / 2,
	}
	b.slots.moved = b.relink
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

// Config returns the book's configuration, defaults applied.
func (b *Book) Config() Config { return b.cfg }

// Len returns the number of resting orders.
func (b *Book) Len() int { return b.slots.Len() - b.dead }

// Now returns the latest command time the book has seen.
func (b *Book) Now() int64 { return b.now }

// Check reports whether Place would accept o at time now, without changing
// anything: Place runs exactly these checks, and on an error returns it with
// the book unchanged. It runs Config.CheckOrder with the book's config, then,
// in this order:
//
//   - ErrExpired: a GTD order's ExpireAt <= the book's clock (Now), which
//     never moves backwards, so a command older than the book's latest
//     time still expires after it;
//   - ErrDuplicateID: an order with o.ID is resting;
//   - ErrCapacity: o is a GTC or GTD limit order (one that could rest) and
//     the book holds Config.MaxOrders resting orders.
//
// Due GTD orders are not expired by Check; Place expires them first, so an
// ID that Check reports as a duplicate may be free by then. A caller that
// must know Place's outcome exactly calls Expire(now) before Check.
//
// Cost: O(1); it allocates nothing.
func (b *Book) Check(o Order, now int64) error {
	if err := b.cfg.CheckOrder(o, now); err != nil {
		return err
	}
	_, err := b.checkState(&o)
	return err
}

// checkState runs the checks of Check that need the book's state. It also
// returns the slot of a cancelled order of o.ID still linked, or none, for
// add.
func (b *Book) checkState(o *Order) (namesake int32, err error) {
	if o.TIF == GTD && o.ExpireAt <= b.now {
		return none, ErrExpired
	}
	namesake = none
	if oi, held := b.slots.find(o.ID); held {
		if b.ord(oi).qty != 0 {
			return none, ErrDuplicateID
		}
		namesake = oi
	}
	if o.Type == Limit && (o.TIF == GTC || o.TIF == GTD) && b.full() {
		return none, ErrCapacity
	}
	return namesake, nil
}

// CheckAmend reports whether Amend would accept changing order id of owner
// to price and qty, without changing anything. The checks run in this
// order: ErrInvalidQty (qty <= 0), ErrInvalidPrice (price <= 0),
// ErrPriceNotOnTick, ErrQtyNotOnLot, ErrOverflow, ErrUnknownOrder (no such
// resting order), ErrNotOwner. Like Check it expires nothing: call
// Expire(now) first to see the book Amend will see. Cost: O(1).
func (b *Book) CheckAmend(id OrderID, owner catalog.ParticipantID, price catalog.Price, qty catalog.Qty) error {
	switch {
	case qty <= 0:
		return ErrInvalidQty
	case price <= 0:
		return ErrInvalidPrice
	}
	if err := b.cfg.CheckSteps(price, qty, 0); err != nil {
		return err
	}
	oi, ok := b.find(id)
	if !ok {
		return ErrUnknownOrder
	}
	if b.ord(oi).owner != owner {
		return ErrNotOwner
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
		if b.coldOf(oi).expireAt > b.now {
			break
		}
		dst = append(dst, Event{Kind: EventExpire, Side: o.side, Owner: o.owner, OrderID: o.id, Price: o.price, Qty: o.qty, Tag: o.tag})
		b.retire(o.id, oi)
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
// Errors (state unchanged): those of Check, in its order: ErrInvalidID,
// ErrInvalidOwner, ErrInvalidSide, ErrInvalidType, ErrInvalidTIF,
// ErrInvalidSTP, ErrInvalidQty, ErrInvalidMinQty, ErrInvalidPrice,
// ErrExpired, ErrPriceNotOnTick, ErrQtyNotOnLot, ErrOverflow,
// ErrDuplicateID, ErrCapacity. Place never panics on any Order.
func (b *Book) Place(o Order, now int64, dst []Event) ([]Event, Result, error) {
	if invariantsEnabled {
		defer b.mustHold()
	}
	if err := b.cfg.CheckOrder(o, now); err != nil {
		return dst, Result{}, err
	}
	namesake, err := b.checkState(&o)
	if err != nil {
		return dst, Result{}, err
	}
	dst = b.advance(now, dst)
	if o.STP == STPDefault {
		o.STP = b.cfg.DefaultSTP
	}
	if b.call {
		return b.placeCall(&o, namesake, dst)
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
	b.add(&o, rem, o.Qty, 0, namesake)
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
			if r.qty == 0 {
				b.reap(oi) // cancelled earlier; matching unlinks it
				oi = next
				continue
			}
			if r.owner == o.Owner {
				stp := o.STP
				if stp == STPCancelResting || stp == STPCancelBoth {
					dst = append(dst, Event{Kind: EventCancel, Reason: CancelSelfTrade, Side: r.side, Owner: r.owner, OrderID: r.id, Price: price, Qty: r.qty, Tag: r.tag})
					emptied := lv.count == 1
					next = b.remove(oi)
					if emptied {
						// The level is gone, its cancelled orders with it.
						li, next = none, none
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
			lv.qty -= x
			dst = append(dst, Event{
				Kind: EventFill, Side: r.side, Owner: r.owner, OrderID: r.id,
				Price: price, Qty: x, Remaining: r.qty,
				TakerID: o.ID, TakerOwner: o.Owner, TakerRemaining: rem, Tag: r.tag,
			})
			if r.qty == 0 {
				emptied := lv.count == 1
				next = b.remove(oi)
				if emptied {
					li, next = none, none
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
			if r.qty == 0 {
				continue // cancelled
			}
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

// ord returns the hot part of order slot oi, valid until the next insert.
func (b *Book) ord(oi int32) *order { return b.slots.ord(oi) }

// coldOf returns the cold part of order slot oi.
func (b *Book) coldOf(oi int32) *orderCold { return b.slots.coldOf(oi) }

// add puts incoming order o into a new slot and rests it with open
// quantity qty, of orig ever requested and cancelled removed. The caller has
// checked that the book is not full and o.ID is not resting; namesake is
// what checkState returned, the slot of a cancelled order of o.ID still
// linked then, or none. Since then the book may have unlinked it, but
// inserted nothing, so a slot that still holds o.ID holds that order.
func (b *Book) add(o *Order, qty, orig, cancelled catalog.Qty, namesake int32) {
	if namesake != none && b.ord(namesake).id == o.ID {
		b.reap(namesake)
	}
	if b.dead > 0 && b.slots.Len() >= b.cfg.MaxOrders {
		b.reapAll()
	}
	oi := b.slots.insert(o.ID)
	*b.ord(oi) = order{
		id: o.ID, price: o.Price, qty: qty, minQty: o.MinQty, owner: o.Owner, tag: o.Tag,
		prev: none, next: none, level: none, heapIdx: none,
		side: o.Side, tif: o.TIF, stp: o.STP,
	}
	*b.coldOf(oi) = orderCold{orig: orig, cancelled: cancelled, expireAt: o.ExpireAt}
	b.rest(oi)
}

// full reports whether the book holds Config.MaxOrders resting orders, at
// most math.MaxInt32. Otherwise add can always hand out a slot, after
// unlinking the cancelled orders that fill the rest (see buryLimit).
func (b *Book) full() bool { return b.Len() >= b.cfg.MaxOrders }

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

// unlink removes order oi from its level, deleting the level if it empties,
// and returns the live order that followed it, or none. The cancelled
// orders next to it in the queue leave with it: detach has just written
// its neighbours, so testing them costs no miss, unlinking them costs what
// their cancels saved, and a queue whose ends are live never makes
// matching pass a cancelled order there.
func (b *Book) unlink(oi int32) (next int32) {
	o := b.ord(oi)
	li := o.level
	lv := &b.levels[li]
	prev, next := o.prev, o.next
	b.detach(o, lv)
	lv.count--
	lv.qty -= o.qty
	if lv.count > 0 {
		for prev != none && b.ord(prev).qty == 0 {
			p := b.ord(prev).prev
			b.reap(prev)
			prev = p
		}
		for next != none && b.ord(next).qty == 0 {
			n := b.ord(next).next
			b.reap(next)
			next = n
		}
		if lv.dead > lv.count {
			b.compact(lv) // reaps cancelled orders only: next stays
		}
		return next
	}
	// The cancelled orders still linked leave with the level.
	for di := lv.head; di != none; {
		next := b.ord(di).next
		b.slots.unbury(di)
		b.slots.release(di)
		di = next
	}
	b.dead -= int(lv.dead)
	lv.dead, lv.head, lv.tail = 0, none, none
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
	return none
}

// detach takes order o out of the queue of its level lv, links only.
func (b *Book) detach(o *order, lv *level) {
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
	o.prev, o.next, o.level = none, none, none
}

// retire takes resting order oi, of ID id, out of the book for a cancel or an
// expiry. It leaves the order linked, as cancelled (see level), when the
// book holds from buryFrom to buryLimit orders, the level keeps at least
// twice as many live orders as cancelled ones, and the order is neither the
// level's head nor its tail (unlinking those writes one neighbour, and a
// cancelled order there would soon be passed or built upon); otherwise it
// removes the order.
func (b *Book) retire(id OrderID, oi int32) {
	o := b.ord(oi)
	lv := &b.levels[o.level]
	if n := b.slots.Len(); n < b.buryFrom || n >= b.buryLimit || lv.count-1 < 2*(lv.dead+1) ||
		o.prev == none || o.next == none {
		b.remove(oi)
		return
	}
	if ok, base := b.slots.bury(id, oi); !ok {
		b.reapBlock(base)
		b.remove(oi)
		return
	}
	if o.heapIdx != none {
		b.heapRemove(o.heapIdx)
	}
	lv.count--
	lv.qty -= o.qty
	lv.dead++
	b.dead++
	o.qty = 0
}

// reapBlock reaps the cancelled orders of the page block at base (see
// orderSlots.bury). Cost: O(pageSize), once per block that thins.
func (b *Book) reapBlock(base int32) {
	for oi := base; oi < base+pageSize; oi++ {
		if o := b.ord(oi); o.id != 0 && o.qty == 0 && o.level != none {
			b.reap(oi)
		}
	}
}

// reap unlinks cancelled order oi from its level and frees its slot. The
// level keeps a live order, so it stays.
func (b *Book) reap(oi int32) {
	o := b.ord(oi)
	lv := &b.levels[o.level]
	b.detach(o, lv)
	lv.dead--
	b.dead--
	b.slots.unbury(oi)
	b.slots.release(oi)
}

// compact reaps every cancelled order of level lv, which keeps a live
// order: unlink calls it when a live order leaves and the level would hold
// more cancelled orders than live ones. It walks fewer than twice the
// orders it reaps, so each cancel pays for it in O(1).
func (b *Book) compact(lv *level) {
	for oi := lv.head; oi != none && lv.dead > 0; {
		next := b.ord(oi).next
		if b.ord(oi).qty == 0 {
			b.reap(oi)
		}
		oi = next
	}
}

// reapAll reaps every cancelled order. Cost: O(L + n); add calls it when
// the slots reach Config.MaxOrders, at most once per MaxOrders/2 removals.
func (b *Book) reapAll() {
	for li := range b.levels {
		b.compact(&b.levels[li])
	}
}

// find returns the slot of resting order id: one the slots hold and that
// is not cancelled.
func (b *Book) find(id OrderID) (int32, bool) {
	oi, ok := b.slots.find(id)
	if !ok || b.ord(oi).qty == 0 {
		return 0, false
	}
	return oi, true
}

// relink points the links into the slab at slot to, where the order of
// slot from now rests (orderSlots moves orders only while a book inserts
// one, when every order held is linked or in the expiry heap).
func (b *Book) relink(from, to int32) {
	o := b.ord(to)
	if o.level != none {
		lv := &b.levels[o.level]
		if o.prev != none {
			b.ord(o.prev).next = to
		} else {
			lv.head = to
		}
		if o.next != none {
			b.ord(o.next).prev = to
		} else {
			lv.tail = to
		}
	}
	if o.heapIdx != none {
		b.expiry[o.heapIdx] = to
	}
}

// remove takes order oi out of the book entirely and frees its slot, and
// returns the live order that followed it in its queue, or none (see
// unlink). The order may already be unlinked from its level (an amend
// re-entering the book that then fills completely or is stopped by
// self-trade prevention).
func (b *Book) remove(oi int32) (next int32) {
	o := b.ord(oi)
	next = none
	if o.level != none {
		next = b.unlink(oi)
	}
	if o.heapIdx != none {
		b.heapRemove(o.heapIdx)
	}
	b.slots.release(oi)
	return next
}

// Cancel expires due GTD orders, then removes order id, which must belong to
// owner, and appends an EventCancel. Cost: O(1) amortised (it writes the
// order alone and leaves it linked, see the package documentation), plus
// O(log L) when its level empties.
//
// Errors (state unchanged apart from expiry): ErrUnknownOrder (also for an
// order that has just expired), ErrNotOwner.
func (b *Book) Cancel(id OrderID, owner catalog.ParticipantID, now int64, dst []Event) ([]Event, error) {
	if invariantsEnabled {
		defer b.mustHold()
	}
	dst = b.advance(now, dst)
	oi, ok := b.find(id)
	if !ok {
		return dst, ErrUnknownOrder
	}
	o := b.ord(oi)
	if o.owner != owner {
		return dst, ErrNotOwner
	}
	dst = append(dst, Event{Kind: EventCancel, Reason: CancelRequested, Side: o.side, Owner: o.owner, OrderID: id, Price: o.price, Qty: o.qty, Tag: o.tag})
	b.retire(id, oi)
	return dst, nil
}

// Amend changes the price and open quantity of resting order id, which must
// belong to owner. Reducing the quantity at the same price keeps the order's
// time priority (the removed part is reported as an EventCancel with reason
// CancelAmendDown). Changing the price or increasing the quantity loses it:
// the order leaves its level and re-enters as if new, keeping its ID,
// MinQty and time in force, so it may trade at once.
//
// Errors: ErrInvalidQty, ErrInvalidPrice, ErrPriceNotOnTick,
// ErrQtyNotOnLot, ErrOverflow (state unchanged), then, after expiry,
// ErrUnknownOrder and ErrNotOwner (state unchanged apart from expiry):
// those of CheckAmend, in its order.
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
	if err := b.cfg.CheckSteps(price, qty, 0); err != nil {
		return dst, Result{}, err
	}
	dst = b.advance(now, dst)
	oi, ok := b.find(id)
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
			b.coldOf(oi).cancelled += d
			b.levels[o.level].qty -= d
			dst = append(dst, Event{Kind: EventCancel, Reason: CancelAmendDown, Side: o.side, Owner: o.owner, OrderID: id, Price: o.price, Qty: d, Remaining: qty, Tag: o.tag})
		}
		return dst, Result{Resting: qty}, nil
	}
	// Lose priority: leave the level, then re-enter as an incoming order.
	b.unlink(oi)
	o = b.ord(oi)
	if c := b.coldOf(oi); qty > o.qty {
		c.orig += qty - o.qty
	} else if d := o.qty - qty; d > 0 {
		c.cancelled += d
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
	o.qty = rem // the difference counts as filled
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
