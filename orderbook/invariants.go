package orderbook

import (
	"errors"
	"fmt"

	"github.com/agora-exchange/agora/catalog"
)

// ErrInvariant reports a broken internal invariant found by CheckInvariants.
var ErrInvariant = errors.New("orderbook: invariant broken")

// CheckInvariants verifies the book's internal consistency and returns an
// error wrapping ErrInvariant describing the first violation:
//   - price levels are strictly ordered on each side, non-empty, and their
//     cached totals and counts match their queues;
//   - queues are well linked, and every order sits on its own side and price;
//   - the order index holds exactly the resting orders, each in the slot
//     its ID's page or the hash index names, and the slots' free lists and
//     counts agree with what they hold;
//   - the cached best level of each side is the tree's first;
//   - the book is not crossed (best bid < best ask), except in call mode;
//   - each order conserves quantity: original = filled + open + cancelled;
//   - the expiry heap holds exactly the GTD orders, in heap order;
//   - cancelled orders still linked are counted by their level and the
//     book, number at most their level's live orders, and never sit at
//     either end of a queue.
//
// Cost: O(n) in resting orders. It is meant for tests and debugging.
func (b *Book) CheckInvariants() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvariant, fmt.Sprintf(format, args...))
	}
	seen := 0
	gtd := 0
	buried := 0
	for _, side := range [2]Side{Buy, Sell} {
		s := &b.sides[side]
		var prev catalog.Price
		first := true
		var err error
		s.tree.Ascend(func(k levelKey) bool {
			lv := &b.levels[k.idx]
			if li, ok := s.prices.get(uint64(k.price)); !ok || li != k.idx {
				err = fail("%v level %d: price index has %d (%v)", side, k.price, li, ok)
				return false
			}
			if lv.price != k.price {
				err = fail("%v level %d: key price %d != level price %d", side, k.idx, k.price, lv.price)
				return false
			}
			if first {
				if s.best != k.idx {
					err = fail("%v best level %d, tree first %d", side, s.best, k.idx)
					return false
				}
			} else if !better(side, k.price, prev) {
				err = fail("%v levels out of order: %d after %d", side, k.price, prev)
				return false
			}
			first, prev = false, k.price
			if lv.count <= 0 || lv.head == none || lv.tail == none {
				err = fail("%v level %d is empty", side, k.price)
				return false
			}
			var total catalog.Qty
			var count, dead int32
			p := none
			for oi := lv.head; oi != none; oi = b.ord(oi).next {
				o := b.ord(oi)
				if o.prev != p {
					err = fail("order %d: prev link %d, want %d", o.id, o.prev, p)
					return false
				}
				if o.side != side || o.price != k.price || o.level != k.idx {
					err = fail("order %d on wrong side/price/level", o.id)
					return false
				}
				if o.qty < 0 {
					err = fail("order %d has open qty %d", o.id, o.qty)
					return false
				}
				if o.qty == 0 {
					// Cancelled, still linked: held by the slots, out of
					// the heap and of find's view.
					if idx, ok := b.slots.find(o.id); !ok || idx != oi {
						err = fail("cancelled order %d missing from the slots", o.id)
						return false
					}
					if _, ok := b.find(o.id); ok || o.heapIdx != none {
						err = fail("cancelled order %d still findable or in the heap", o.id)
						return false
					}
					dead++
					p = oi
					if dead > lv.dead {
						err = fail("%v level %d: more cancelled orders than %d", side, k.price, lv.dead)
						return false
					}
					continue
				}
				if c := b.coldOf(oi); c.cancelled < 0 || c.orig-o.qty-c.cancelled < 0 {
					err = fail("order %d: original %d < open %d + cancelled %d", o.id, c.orig, o.qty, c.cancelled)
					return false
				}
				if idx, ok := b.slots.find(o.id); !ok || idx != oi {
					err = fail("order %d missing from index", o.id)
					return false
				}
				if (o.tif == GTD) != (o.heapIdx != none) {
					err = fail("order %d: GTD %v but heap position %d", o.id, o.tif == GTD, o.heapIdx)
					return false
				}
				if o.heapIdx != none {
					if int(o.heapIdx) >= len(b.expiry) || b.expiry[o.heapIdx] != oi {
						err = fail("order %d: bad heap position %d", o.id, o.heapIdx)
						return false
					}
					gtd++
				}
				total += o.qty
				count++
				p = oi
				if count > lv.count {
					err = fail("%v level %d: queue longer than count %d", side, k.price, lv.count)
					return false
				}
			}
			if p != lv.tail {
				err = fail("%v level %d: tail %d, last %d", side, k.price, lv.tail, p)
				return false
			}
			if total != lv.qty || count != lv.count || dead != lv.dead {
				err = fail("%v level %d: cached qty/count/dead %d/%d/%d, actual %d/%d/%d", side, k.price, lv.qty, lv.count, lv.dead, total, count, dead)
				return false
			}
			if dead > count {
				err = fail("%v level %d: %d cancelled orders linked beside %d live", side, k.price, dead, count)
				return false
			}
			if b.ord(lv.head).qty == 0 || b.ord(lv.tail).qty == 0 {
				err = fail("%v level %d: a cancelled order at an end of the queue", side, k.price)
				return false
			}
			seen += int(count)
			buried += int(dead)
			return true
		})
		if err != nil {
			return err
		}
		if s.prices.Len() != s.tree.Len() {
			return fail("%v price index holds %d levels, tree %d", side, s.prices.Len(), s.tree.Len())
		}
		if first && s.best != none {
			return fail("%v side empty but best is %d", side, s.best)
		}
	}
	if buried != b.dead {
		return fail("levels link %d cancelled orders, book counts %d", buried, b.dead)
	}
	if seen+buried != b.slots.Len() {
		return fail("index holds %d orders, levels %d and %d cancelled", b.slots.Len(), seen, buried)
	}
	if b.slots.Len() > b.cfg.MaxOrders {
		return fail("slots hold %d orders, more than MaxOrders %d", b.slots.Len(), b.cfg.MaxOrders)
	}
	if err := b.slots.check(); err != nil {
		return err
	}
	if gtd != len(b.expiry) {
		return fail("expiry heap holds %d, GTD orders %d", len(b.expiry), gtd)
	}
	for i := 1; i < len(b.expiry); i++ {
		if b.heapLess(i, (i-1)/2) {
			return fail("expiry heap out of order at %d", i)
		}
	}
	if bid, _, ok := b.BestBid(); ok && !b.call {
		if ask, _, ok := b.BestAsk(); ok && bid >= ask {
			return fail("book crossed: bid %d >= ask %d", bid, ask)
		}
	}
	return nil
}
