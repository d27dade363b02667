package orderbook

import (
	"math"

	"github.com/agora-exchange/agora/catalog"
)

// Mode is how a book trades. The zero value is invalid.
type Mode uint8

const (
	Continuous Mode = 1 + iota // incoming orders match at once (the default)
	Call                       // orders accumulate without matching until Uncross
	modeEnd
)

// Uncross describes the clearing of the book at one uniform price, as
// reported by Book.Indicative and executed by Book.Uncross.
type Uncross struct {
	Price catalog.Price `json:"price"` // the uniform clearing price
	// Volume is the quantity that clears at Price: min(BuyQty, SellQty).
	Volume  catalog.Qty `json:"volume"`
	BuyQty  catalog.Qty `json:"buy_qty"`  // open buy quantity with limit >= Price
	SellQty catalog.Qty `json:"sell_qty"` // open sell quantity with limit <= Price
	// Imbalance is BuyQty - SellQty: positive when buy interest is left
	// over at Price, negative when sell interest is.
	Imbalance catalog.Qty `json:"imbalance"`
	// SelfTrade is the part of Volume that paired an owner with itself and
	// was removed from both orders instead of traded. Only Book.Uncross sets
	// it; the traded quantity is Volume - SelfTrade.
	SelfTrade catalog.Qty `json:"self_trade"`
}

// cumLevel is one price level seen by the clearing-price search, with its
// open quantity and, for bids, the cumulative quantity at its price or better.
type cumLevel struct {
	price catalog.Price
	qty   catalog.Qty
	cum   catalog.Qty
}

// auction is the book's scratch space for the clearing-price search. The
// slices are reused between calls; the walkers are built on first use so the
// B-tree walks allocate nothing afterwards.
type auction struct {
	bids  []cumLevel // bids priced >= floor, best (highest) first
	asks  []cumLevel // asks priced <= ceil, best (lowest) first
	floor catalog.Price
	ceil  catalog.Price
	onBid func(levelKey) bool
	onAsk func(levelKey) bool
}

// Mode returns the book's trading mode. New books are Continuous. O(1).
func (b *Book) Mode() Mode {
	if b.call {
		return Call
	}
	return Continuous
}

// SetMode expires due GTD orders, then switches the book to mode m.
//
// In Call mode Place never matches: a GTC or GTD limit order rests at the
// tail of its level even if it crosses the opposite side (the book may be
// crossed during the call phase), while IOC, FOK and market orders are
// cancelled at once with reason CancelAuctionOnly. Amend re-queues without
// matching. Uncross clears the book at one price; the mode stays as set.
//
// Switching to Continuous while the book is crossed fails with ErrCrossed:
// run Uncross first. Cost: O(1) apart from expiry.
//
// Errors: ErrInvalidMode (state unchanged), ErrCrossed (state unchanged
// apart from expiry).
func (b *Book) SetMode(m Mode, now int64, dst []Event) ([]Event, error) {
	if invariantsEnabled {
		defer b.mustHold()
	}
	if m != Continuous && m != Call {
		return dst, ErrInvalidMode
	}
	dst = b.advance(now, dst)
	if m == Continuous && b.call && b.crossed() {
		return dst, ErrCrossed
	}
	b.call = m == Call
	return dst, nil
}

// crossed reports whether best bid >= best ask.
func (b *Book) crossed() bool {
	bid, _, okb := b.best(Buy)
	ask, _, oka := b.best(Sell)
	return okb && oka && bid >= ask
}

// placeCall handles a validated order in call mode: limit GTC/GTD orders
// rest without matching, everything else is cancelled.
func (b *Book) placeCall(o *Order, namesake int32, dst []Event) ([]Event, Result, error) {
	if o.Type == Market || o.TIF == IOC || o.TIF == FOK {
		dst = append(dst, Event{Kind: EventCancel, Reason: CancelAuctionOnly, Side: o.Side, Owner: o.Owner, OrderID: o.ID, Price: o.Price, Qty: o.Qty, Tag: o.Tag})
		return dst, Result{Cancelled: o.Qty}, nil
	}
	b.add(o, o.Qty, o.Qty, 0, namesake)
	return dst, Result{Resting: o.Qty}, nil
}

// Indicative returns the uniform price at which the book would clear now,
// and its volume; ok is false when nothing would trade (the book is not
// crossed). It changes nothing and works in either mode; it sees the book as
// of the last command, so a GTD order due at a later command still counts.
//
// The candidates are the distinct limit prices in the book; the price chosen
// is the one with, in order: 1) the largest Volume; 2) the smallest
// |Imbalance|; 3) the smallest distance |price - ref|; 4) the lower price.
// Any ref is accepted. Cumulative quantities saturate at math.MaxInt64.
//
// Cost: O(log L + C) where C is the number of levels priced between the best
// ask and the best bid (the crossed part of the book; O(1) when it is not
// crossed); no per-order work. It uses scratch space owned by the book and
// allocates only while that grows to the largest crossed depth seen.
func (b *Book) Indicative(ref catalog.Price) (Uncross, bool) {
	bid, _, okb := b.best(Buy)
	ask, _, oka := b.best(Sell)
	if !okb || !oka || bid < ask {
		return Uncross{}, false
	}
	a := &b.auc
	if a.onBid == nil {
		a.onBid = func(k levelKey) bool {
			if k.price < a.floor {
				return false
			}
			q := b.levels[k.idx].qty
			var cum catalog.Qty
			if n := len(a.bids); n > 0 {
				cum = a.bids[n-1].cum
			}
			a.bids = append(a.bids, cumLevel{price: k.price, qty: q, cum: satAdd(cum, q)})
			return true
		}
		a.onAsk = func(k levelKey) bool {
			if k.price > a.ceil {
				return false
			}
			a.asks = append(a.asks, cumLevel{price: k.price, qty: b.levels[k.idx].qty})
			return true
		}
	}
	a.bids, a.asks = a.bids[:0], a.asks[:0]
	a.floor, a.ceil = ask, bid
	b.sides[Buy].tree.Ascend(a.onBid)
	b.sides[Sell].tree.Ascend(a.onAsk)
	return clearing(a.bids, a.asks, ref)
}

// clearing picks the clearing price from bids (highest first, with
// cumulative quantities) and asks (lowest first), both restricted to the
// crossed price range, by walking every distinct price once in ascending
// order: there, S(p) is the sum of asks priced <= p and B(p) the cumulative
// quantity of the lowest bid priced >= p.
func clearing(bids, asks []cumLevel, ref catalog.Price) (Uncross, bool) {
	var best Uncross
	found := false
	i, j := len(bids)-1, 0
	var sell catalog.Qty
	for i >= 0 || j < len(asks) {
		var p catalog.Price
		switch {
		case i < 0:
			p = asks[j].price
		case j >= len(asks):
			p = bids[i].price
		default:
			p = min(bids[i].price, asks[j].price)
		}
		if j < len(asks) && asks[j].price == p {
			sell = satAdd(sell, asks[j].qty)
			j++
		}
		var buy catalog.Qty
		if i >= 0 {
			buy = bids[i].cum
			if bids[i].price == p {
				i--
			}
		}
		c := Uncross{Price: p, Volume: min(buy, sell), BuyQty: buy, SellQty: sell, Imbalance: buy - sell}
		if c.Volume > 0 && (!found || preferable(&c, &best, ref)) {
			best, found = c, true
		}
	}
	return best, found
}

// preferable reports whether candidate c beats candidate d by the clearing
// rule: larger volume, then smaller absolute imbalance, then closer to ref,
// then the lower price.
func preferable(c, d *Uncross, ref catalog.Price) bool {
	if c.Volume != d.Volume {
		return c.Volume > d.Volume
	}
	if ci, di := absQty(c.Imbalance), absQty(d.Imbalance); ci != di {
		return ci < di
	}
	if cd, dd := distance(c.Price, ref), distance(d.Price, ref); cd != dd {
		return cd < dd
	}
	return c.Price < d.Price
}

// distance returns |p - ref| without overflow.
func distance(p, ref catalog.Price) uint64 {
	if p >= ref {
		return uint64(p) - uint64(ref)
	}
	return uint64(ref) - uint64(p)
}

// absQty returns |q| for q > math.MinInt64 (imbalances are differences of
// two non-negative quantities, so they always are).
func absQty(q catalog.Qty) catalog.Qty {
	if q < 0 {
		return -q
	}
	return q
}

// satAdd returns a + b for non-negative a and b, saturating at math.MaxInt64.
func satAdd(a, b catalog.Qty) catalog.Qty {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// Uncross expires due GTD orders, then clears the book at the price chosen
// by Indicative(ref): Volume is taken from each side in price-time priority
// (best price first, then arrival order), every execution at the one
// clearing price. It works in either mode and leaves the mode unchanged; if
// nothing crosses it only expires orders and returns a zero Uncross.
//
// Executions pair the buy and sell allocations in priority order, one
// EventFill per pair: since both orders were resting, OrderID, Owner, Side
// (Buy), Remaining and Tag describe the buy order, and TakerID, TakerOwner,
// TakerRemaining and TakerTag the sell order. A partially filled order keeps
// its place; a filled one leaves the book.
//
// MinQty does not apply: an uncross is one execution at one price, and
// every order may receive any part of its open quantity.
//
// Self-trade prevention: when a pair has the same owner, the paired
// quantity is removed from both orders instead of traded (one EventCancel
// with reason CancelSelfTrade for each, Remaining = what is left open), and
// counted in Uncross.SelfTrade. The orders' STP modes do not apply, as there
// is no incoming order. The book ends exactly as if the pair had traded.
//
// Afterwards the book is not crossed: one side has no order left at or
// better than the clearing price, and by maximality of the volume the other
// side's remaining orders at or better than it cannot cross.
//
// Cost: Indicative's, plus O(1) per event and O(log L) per emptied level
// (O(log n) more per filled GTD order). It allocates nothing once the
// book's scratch space and dst have grown.
//
// Errors (state unchanged): ErrInvalidPrice if ref <= 0.
func (b *Book) Uncross(ref catalog.Price, now int64, dst []Event) ([]Event, Uncross, error) {
	if invariantsEnabled {
		defer b.mustHold()
	}
	if ref <= 0 {
		return dst, Uncross{}, ErrInvalidPrice
	}
	dst = b.advance(now, dst)
	u, ok := b.Indicative(ref)
	if !ok {
		return dst, Uncross{}, nil
	}
	left := u.Volume
	for left > 0 {
		bl, al := b.sides[Buy].best, b.sides[Sell].best
		if bl == none || al == none || b.levels[bl].price < u.Price || b.levels[al].price > u.Price {
			break // unreachable: Volume <= min(BuyQty, SellQty)
		}
		bi, ai := b.levels[bl].head, b.levels[al].head // live: see Book.unlink
		bo, ao := b.ord(bi), b.ord(ai)
		x := min(left, bo.qty, ao.qty)
		left -= x
		bo.qty -= x
		ao.qty -= x
		b.levels[bl].qty -= x
		b.levels[al].qty -= x
		if bo.owner == ao.owner {
			b.coldOf(bi).cancelled += x
			b.coldOf(ai).cancelled += x
			u.SelfTrade += x
			dst = append(dst,
				Event{Kind: EventCancel, Reason: CancelSelfTrade, Side: Buy, Owner: bo.owner, OrderID: bo.id, Price: bo.price, Qty: x, Remaining: bo.qty, Tag: bo.tag},
				Event{Kind: EventCancel, Reason: CancelSelfTrade, Side: Sell, Owner: ao.owner, OrderID: ao.id, Price: ao.price, Qty: x, Remaining: ao.qty, Tag: ao.tag})
		} else {
			dst = append(dst, Event{
				Kind: EventFill, Side: Buy, Owner: bo.owner, OrderID: bo.id,
				Price: u.Price, Qty: x, Remaining: bo.qty,
				TakerID: ao.id, TakerOwner: ao.owner, TakerRemaining: ao.qty,
				Tag: bo.tag, TakerTag: ao.tag,
			})
		}
		if bo.qty == 0 {
			b.remove(bi)
		}
		if ao.qty == 0 {
			b.remove(ai)
		}
	}
	u.Volume -= left
	return dst, u, nil
}
