package orderbook

import (
	"iter"

	"github.com/agora-exchange/agora/catalog"
)

// BestBid returns the best (highest) bid price and its total open quantity.
// ok is false when there are no bids. O(1).
func (b *Book) BestBid() (price catalog.Price, qty catalog.Qty, ok bool) {
	return b.best(Buy)
}

// BestAsk returns the best (lowest) ask price and its total open quantity.
// ok is false when there are no asks. O(1).
func (b *Book) BestAsk() (price catalog.Price, qty catalog.Qty, ok bool) {
	return b.best(Sell)
}

func (b *Book) best(side Side) (catalog.Price, catalog.Qty, bool) {
	li := b.sides[side].best
	if li == none {
		return 0, 0, false
	}
	lv := &b.levels[li]
	return lv.price, lv.qty, true
}

// LevelCount returns the number of price levels on side. O(1).
func (b *Book) LevelCount(side Side) int {
	if !side.Valid() {
		return 0
	}
	return b.sides[side].tree.Len()
}

// Depth appends up to n levels of side, best first, to dst and returns it.
// Cost: O(log L + n). It allocates only if dst lacks room.
func (b *Book) Depth(side Side, n int, dst []Level) []Level {
	if !side.Valid() || n <= 0 {
		return dst
	}
	for lv := range b.Levels(side) {
		dst = append(dst, lv)
		if n--; n == 0 {
			break
		}
	}
	return dst
}

// Levels iterates over the levels of side, best first. The book must not be
// changed during the iteration.
func (b *Book) Levels(side Side) iter.Seq[Level] {
	return func(yield func(Level) bool) {
		if !side.Valid() {
			return
		}
		b.sides[side].tree.Ascend(func(k levelKey) bool {
			lv := &b.levels[k.idx]
			return yield(Level{Price: lv.price, Qty: lv.qty, Orders: int(lv.count)})
		})
	}
}

// OrdersAt iterates over the orders resting at price on side, in time
// priority. The book must not be changed during the iteration.
// Cost: O(1) expected to find the level, then O(1) per order.
func (b *Book) OrdersAt(side Side, price catalog.Price) iter.Seq[OrderInfo] {
	return func(yield func(OrderInfo) bool) {
		if !side.Valid() {
			return
		}
		li := b.findLevel(side, price)
		if li == none {
			return
		}
		for oi := b.levels[li].head; oi != none; oi = b.ord(oi).next {
			if b.ord(oi).qty != 0 && !yield(b.info(oi)) {
				return
			}
		}
	}
}

// Orders iterates over every resting order of side in priority order: best
// level first, FIFO within a level. Replaying them through Place into an
// empty book rebuilds the same queues.
func (b *Book) Orders(side Side) iter.Seq[OrderInfo] {
	return func(yield func(OrderInfo) bool) {
		if !side.Valid() {
			return
		}
		b.sides[side].tree.Ascend(func(k levelKey) bool {
			for oi := b.levels[k.idx].head; oi != none; oi = b.ord(oi).next {
				if b.ord(oi).qty != 0 && !yield(b.info(oi)) {
					return false
				}
			}
			return true
		})
	}
}

// Order returns the resting order id. O(1).
func (b *Book) Order(id OrderID) (OrderInfo, bool) {
	oi, ok := b.find(id)
	if !ok {
		return OrderInfo{}, false
	}
	return b.info(oi), true
}

func (b *Book) info(oi int32) OrderInfo {
	o, c := b.ord(oi), b.coldOf(oi)
	return OrderInfo{
		ID: o.id, Owner: o.owner, Side: o.side, TIF: o.tif, Price: o.price,
		Qty: o.qty, MinQty: o.minQty, Original: c.orig, Filled: c.orig - o.qty - c.cancelled,
		Cancelled: c.cancelled, ExpireAt: c.expireAt, STP: o.stp, Tag: o.tag,
	}
}
