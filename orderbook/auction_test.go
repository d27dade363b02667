package orderbook

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// aucOrd is a GTC limit order of the auction tests. Unless owner is set, an
// order's owner is its ID; its Tag is always 1000 + ID.
type aucOrd struct {
	id    OrderID
	owner catalog.ParticipantID
	side  Side
	price catalog.Price
	qty   catalog.Qty
	min   catalog.Qty
}

func aucBid(id OrderID, price catalog.Price, qty catalog.Qty) aucOrd {
	return aucOrd{id: id, side: Buy, price: price, qty: qty}
}

func aucAsk(id OrderID, price catalog.Price, qty catalog.Qty) aucOrd {
	return aucOrd{id: id, side: Sell, price: price, qty: qty}
}

func (o aucOrd) order() Order {
	owner := o.owner
	if owner == 0 {
		owner = catalog.ParticipantID(o.id)
	}
	return Order{ID: o.id, Owner: owner, Side: o.side, Type: Limit, TIF: GTC, Price: o.price, Qty: o.qty, MinQty: o.min, Tag: 1000 + uint64(o.id)}
}

// aucBook returns a book in call mode holding orders, placed in turn.
func aucBook(t testing.TB, orders ...aucOrd) *Book {
	t.Helper()
	b, err := New(Config{})
	require.NoError(t, err)
	ev, err := b.SetMode(Call, 1, nil)
	require.NoError(t, err)
	require.Empty(t, ev)
	for _, o := range orders {
		ev, res, err := b.Place(o.order(), 1, nil)
		require.NoError(t, err)
		require.Empty(t, ev, "call mode never matches")
		require.Equal(t, Result{Resting: o.qty}, res)
	}
	require.NoError(t, b.CheckInvariants())
	return b
}

// aucFill is the uncross fill between buy and sell (owners = IDs).
func aucFill(buy, sell OrderID, price catalog.Price, qty, buyRem, sellRem catalog.Qty) Event {
	return Event{
		Kind: EventFill, Side: Buy, Owner: catalog.ParticipantID(buy), OrderID: buy,
		Price: price, Qty: qty, Remaining: buyRem,
		TakerID: sell, TakerOwner: catalog.ParticipantID(sell), TakerRemaining: sellRem,
		Tag: 1000 + uint64(buy), TakerTag: 1000 + uint64(sell),
	}
}

// aucLeft lists what rests on side after an uncross, as "id:qty@price" in
// priority order.
func aucLeft(b *Book, side Side) []string {
	var out []string
	for o := range b.Orders(side) {
		out = append(out, fmt.Sprintf("%d:%d@%d", o.ID, o.Qty, o.Price))
	}
	return out
}

func aucNotCrossed(t *testing.T, b *Book) {
	t.Helper()
	require.NoError(t, b.CheckInvariants())
	bid, _, okb := b.BestBid()
	ask, _, oka := b.BestAsk()
	require.False(t, okb && oka && bid >= ask, "crossed after uncross: bid %d, ask %d", bid, ask)
	_, ok := b.Indicative(100)
	require.False(t, ok, "something still crosses")
}

// TestUncrossWorkedExamples checks uniform-price uncrosses computed by hand.
// B(p) is the open buy quantity with limit >= p, S(p) the open sell
// quantity with limit <= p, vol = min(B, S), imb = B - S.
func TestUncrossWorkedExamples(t *testing.T) {
	t.Run("unique maximum", func(t *testing.T) {
		// Bids: 1: 10@103, 2: 20@102, 3: 20@101, 9: 5@101 (after 3), 4: 25@99.
		// Asks: 5: 15@98, 6: 10@100, 7: 20@101, 8: 30@104.
		//
		//	  p    B    S   vol  imb
		//	 98   80   15    15  +65
		//	 99   80   15    15  +65
		//	100   55   25    25  +30
		//	101   55   45    45  +10   <- maximum volume
		//	102   30   45    30  -15
		//	103   10   45    10  -35
		//	104    0   75     0  -75
		//
		// At 101 buys take 45 in priority: 1 (10), 2 (20), 3 (15 of 20); 9
		// gets nothing, being behind 3 at 101. Sells 5, 6 and 7 fill
		// completely (5 at 98 and 6 at 100 trade at 101 too). Pairing in
		// priority order: 1-5 10, 2-5 5, 2-6 10, 2-7 5, 3-7 15.
		b := aucBook(t, aucBid(1, 103, 10), aucBid(2, 102, 20), aucBid(3, 101, 20), aucBid(9, 101, 5), aucBid(4, 99, 25),
			aucAsk(5, 98, 15), aucAsk(6, 100, 10), aucAsk(7, 101, 20), aucAsk(8, 104, 30))
		want := Uncross{Price: 101, Volume: 45, BuyQty: 55, SellQty: 45, Imbalance: 10}
		u, ok := b.Indicative(100)
		require.True(t, ok)
		require.Equal(t, want, u)
		ev, u, err := b.Uncross(100, 2, nil)
		require.NoError(t, err)
		require.Equal(t, want, u)
		require.Equal(t, []Event{
			aucFill(1, 5, 101, 10, 0, 5),
			aucFill(2, 5, 101, 5, 15, 0),
			aucFill(2, 6, 101, 10, 5, 0),
			aucFill(2, 7, 101, 5, 0, 15),
			aucFill(3, 7, 101, 15, 5, 0),
		}, ev)
		require.Equal(t, []string{"3:5@101", "9:5@101", "4:25@99"}, aucLeft(b, Buy), "3 keeps its place ahead of 9")
		require.Equal(t, []string{"8:30@104"}, aucLeft(b, Sell))
		o, _ := b.Order(3)
		require.Equal(t, catalog.Qty(15), o.Filled)
		aucNotCrossed(t, b)
		require.Equal(t, Call, b.Mode(), "the market stays in its mode")
	})

	t.Run("volume tie resolved by imbalance", func(t *testing.T) {
		// Bids: 1: 10@101, 2: 5@100, 3: 8@98. Asks: 4: 4@99, 5: 6@100, 6: 12@103.
		//
		//	  p    B    S   vol  imb
		//	 98   23    0     0  +23
		//	 99   15    4     4  +11
		//	100   15   10    10   +5
		//	101   10   10    10    0   <- same volume as 100, smaller imbalance
		//	103    0   22     0  -22
		//
		// 101 wins although the reference 100 is closer to 100. Buy 1
		// takes 4 from 4 and 6 from 5.
		b := aucBook(t, aucBid(1, 101, 10), aucBid(2, 100, 5), aucBid(3, 98, 8),
			aucAsk(4, 99, 4), aucAsk(5, 100, 6), aucAsk(6, 103, 12))
		want := Uncross{Price: 101, Volume: 10, BuyQty: 10, SellQty: 10, Imbalance: 0}
		u, ok := b.Indicative(100)
		require.True(t, ok)
		require.Equal(t, want, u)
		ev, u, err := b.Uncross(100, 2, nil)
		require.NoError(t, err)
		require.Equal(t, want, u)
		require.Equal(t, []Event{aucFill(1, 4, 101, 4, 6, 0), aucFill(1, 5, 101, 6, 0, 0)}, ev)
		require.Equal(t, []string{"2:5@100", "3:8@98"}, aucLeft(b, Buy))
		require.Equal(t, []string{"6:12@103"}, aucLeft(b, Sell))
		aucNotCrossed(t, b)
	})

	// Bids: 1: 6@102, 2: 4@102, 3: 5@100. Asks: 4: 7@100, 5: 3@100, 6: 5@102.
	//
	//	  p    B    S   vol  imb
	//	100   15   10    10   +5
	//	102   10   15    10   -5
	//
	// Volume and |imbalance| tie, so the reference price decides. (At 101,
	// which is no order's limit and so not a candidate, B = S = 10.) Either
	// way buys 1 and 2 and sells 4 and 5 fill: 1-4 6, 2-4 1, 2-5 3; 3 and 6
	// are left, at 100 and 102.
	tie := func(t *testing.T) *Book {
		return aucBook(t, aucBid(1, 102, 6), aucBid(2, 102, 4), aucBid(3, 100, 5),
			aucAsk(4, 100, 7), aucAsk(5, 100, 3), aucAsk(6, 102, 5))
	}
	for _, tc := range []struct {
		name  string
		ref   catalog.Price
		price catalog.Price
	}{
		{"volume and imbalance tie resolved by reference above", 103, 102}, // |102-103| = 1 < |100-103| = 3
		{"volume and imbalance tie resolved by reference below", 99, 100},  // 1 < 3
		{"reference at the upper candidate", 102, 102},                     // 0 < 2
		{"reference at the lower candidate", 100, 100},                     // 0 < 2
		{"equidistant tie takes the lower price", 101, 100},                // |100-101| = |102-101| = 1
		{"extreme reference above", math.MaxInt64, 102},                    // no overflow in the distance
		{"reference 1", 1, 100},
		{"zero reference (Indicative only)", 0, 100},
		{"extreme reference below (Indicative only)", math.MinInt64, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tie(t)
			imb := catalog.Qty(5)
			buy, sell := catalog.Qty(15), catalog.Qty(10)
			if tc.price == 102 {
				imb, buy, sell = -5, 10, 15
			}
			want := Uncross{Price: tc.price, Volume: 10, BuyQty: buy, SellQty: sell, Imbalance: imb}
			u, ok := b.Indicative(tc.ref)
			require.True(t, ok)
			require.Equal(t, want, u)
			if tc.ref <= 0 {
				_, _, err := b.Uncross(tc.ref, 2, nil)
				require.ErrorIs(t, err, ErrInvalidPrice)
				return
			}
			ev, u, err := b.Uncross(tc.ref, 2, nil)
			require.NoError(t, err)
			require.Equal(t, want, u)
			require.Equal(t, []Event{
				aucFill(1, 4, tc.price, 6, 0, 1),
				aucFill(2, 4, tc.price, 1, 3, 0),
				aucFill(2, 5, tc.price, 3, 0, 0),
			}, ev)
			require.Equal(t, []string{"3:5@100"}, aucLeft(b, Buy))
			require.Equal(t, []string{"6:5@102"}, aucLeft(b, Sell))
			aucNotCrossed(t, b)
		})
	}
}

// TestUncrossSelfTrade: the quantity an owner would trade with itself is
// removed from both orders instead.
func TestUncrossSelfTrade(t *testing.T) {
	// Owner 7 has buy 1: 10@101 and sell 3: 6@99; buy 2: 5@100 (owner 2),
	// sell 4: 9@100 (owner 4).
	//
	//	  p    B    S   vol  imb
	//	 99   15    6     6   +9
	//	100   15   15    15    0   <- maximum volume
	//	101   10   15    10   -5
	//
	// Pairing at 100: 1-3 6 is owner 7 with itself: both lose 6, nothing
	// trades; then 1-4 4 and 2-4 5 trade. Traded 9 = Volume 15 - SelfTrade 6.
	b := aucBook(t,
		aucOrd{id: 1, owner: 7, side: Buy, price: 101, qty: 10}, aucBid(2, 100, 5),
		aucOrd{id: 3, owner: 7, side: Sell, price: 99, qty: 6}, aucAsk(4, 100, 9))
	u, ok := b.Indicative(100)
	require.True(t, ok)
	require.Equal(t, Uncross{Price: 100, Volume: 15, BuyQty: 15, SellQty: 15}, u)
	ev, u, err := b.Uncross(100, 2, nil)
	require.NoError(t, err)
	require.Equal(t, Uncross{Price: 100, Volume: 15, BuyQty: 15, SellQty: 15, SelfTrade: 6}, u)
	f1 := aucFill(1, 4, 100, 4, 0, 5)
	f1.Owner = 7
	require.Equal(t, []Event{
		{Kind: EventCancel, Reason: CancelSelfTrade, Side: Buy, Owner: 7, OrderID: 1, Price: 101, Qty: 6, Remaining: 4, Tag: 1001},
		{Kind: EventCancel, Reason: CancelSelfTrade, Side: Sell, Owner: 7, OrderID: 3, Price: 99, Qty: 6, Remaining: 0, Tag: 1003},
		f1,
		aucFill(2, 4, 100, 5, 0, 0),
	}, ev)
	require.Equal(t, 0, b.Len())
	aucNotCrossed(t, b)

	t.Run("a lone self-cross empties out", func(t *testing.T) {
		b := aucBook(t, aucOrd{id: 1, owner: 7, side: Buy, price: 105, qty: 4}, aucOrd{id: 2, owner: 7, side: Sell, price: 100, qty: 6})
		ev, u, err := b.Uncross(100, 2, nil)
		require.NoError(t, err)
		require.Equal(t, Uncross{Price: 100, Volume: 4, BuyQty: 4, SellQty: 6, Imbalance: -2, SelfTrade: 4}, u)
		require.Len(t, ev, 2)
		require.Equal(t, []string{"2:2@100"}, aucLeft(b, Sell))
		o, _ := b.Order(2)
		require.Equal(t, OrderInfo{ID: 2, Owner: 7, Side: Sell, TIF: GTC, Price: 100, Qty: 2, Original: 6, Cancelled: 4, STP: STPCancelIncoming, Tag: 1002}, o)
		aucNotCrossed(t, b)
	})
}

// TestUncrossMinQtyWaived: MinQty does not restrict an uncross allocation.
func TestUncrossMinQtyWaived(t *testing.T) {
	aon := aucBid(1, 101, 10)
	aon.min = 10
	b := aucBook(t, aon, aucAsk(2, 100, 4))
	// Candidates 100 and 101 both clear 4 with imbalance +6; the
	// reference 101 picks 101. The all-or-none buy takes 4 of its 10.
	ev, u, err := b.Uncross(101, 2, nil)
	require.NoError(t, err)
	require.Equal(t, Uncross{Price: 101, Volume: 4, BuyQty: 10, SellQty: 4, Imbalance: 6}, u)
	require.Equal(t, []Event{aucFill(1, 2, 101, 4, 6, 0)}, ev)
	o, _ := b.Order(1)
	require.Equal(t, catalog.Qty(6), o.Qty)
	require.Equal(t, catalog.Qty(10), o.MinQty)
	aucNotCrossed(t, b)
}

func TestCallMode(t *testing.T) {
	b, err := New(Config{})
	require.NoError(t, err)
	require.Equal(t, Continuous, b.Mode())
	require.Equal(t, "continuous", Continuous.String())
	require.Equal(t, "call", Call.String())
	require.Equal(t, "Mode(9)", Mode(9).String())
	for _, m := range []Mode{0, 3, 255} {
		_, err := b.SetMode(m, 1, nil)
		require.ErrorIs(t, err, ErrInvalidMode)
	}
	_, err = b.SetMode(Call, 1, nil)
	require.NoError(t, err)
	require.Equal(t, Call, b.Mode())

	// Crossing limit orders rest; nothing trades.
	for _, o := range []aucOrd{aucAsk(1, 100, 5), aucBid(2, 105, 3), aucBid(3, 105, 4), aucAsk(4, 99, 2)} {
		ev, res, err := b.Place(o.order(), 2, nil)
		require.NoError(t, err)
		require.Empty(t, ev)
		require.Equal(t, Result{Resting: o.qty}, res)
	}
	require.NoError(t, b.CheckInvariants())
	bid, _, _ := b.BestBid()
	ask, _, _ := b.BestAsk()
	require.Equal(t, [2]catalog.Price{105, 99}, [2]catalog.Price{bid, ask}, "crossed during the call phase")

	// IOC, FOK and market orders are cancelled at once.
	for i, o := range []Order{
		{ID: 10, Owner: 10, Side: Buy, Type: Limit, TIF: IOC, Price: 200, Qty: 3, Tag: 5},
		{ID: 11, Owner: 11, Side: Sell, Type: Limit, TIF: FOK, Price: 1, Qty: 3},
		{ID: 12, Owner: 12, Side: Buy, Type: Market, TIF: IOC, Qty: 3},
		{ID: 13, Owner: 13, Side: Sell, Type: Market, TIF: FOK, Qty: 3},
	} {
		ev, res, err := b.Place(o, 3, nil)
		require.NoError(t, err, i)
		require.Equal(t, []Event{{Kind: EventCancel, Reason: CancelAuctionOnly, Side: o.Side, Owner: o.Owner, OrderID: o.ID, Price: o.Price, Qty: 3, Tag: o.Tag}}, ev)
		require.Equal(t, Result{Cancelled: 3}, res)
	}
	require.Equal(t, 4, b.Len())
	// Invalid orders are still rejected first.
	_, _, err = b.Place(Order{ID: 14, Owner: 1, Side: Buy, Type: Market, TIF: GTC, Qty: 1}, 3, nil)
	require.ErrorIs(t, err, ErrInvalidTIF)

	// Amend: reducing keeps priority, a price change or an increase loses
	// it, and nothing trades even through the opposite side.
	ev, res, err := b.Amend(2, 2, 105, 2, 4, nil)
	require.NoError(t, err)
	require.Equal(t, Result{Resting: 2}, res)
	require.Len(t, ev, 1)
	require.Equal(t, []string{"2:2@105", "3:4@105"}, aucLeft(b, Buy))
	ev, res, err = b.Amend(2, 2, 105, 6, 4, nil)
	require.NoError(t, err)
	require.Empty(t, ev)
	require.Equal(t, Result{Resting: 6}, res)
	require.Equal(t, []string{"3:4@105", "2:6@105"}, aucLeft(b, Buy))
	ev, res, err = b.Amend(1, 1, 98, 5, 4, nil)
	require.NoError(t, err)
	require.Empty(t, ev)
	require.Equal(t, Result{Resting: 5}, res)
	require.Equal(t, []string{"1:5@98", "4:2@99"}, aucLeft(b, Sell))
	require.NoError(t, b.CheckInvariants())

	// Cancel works; a GTD order expires as always.
	ev, err = b.Cancel(4, 4, 5, nil)
	require.NoError(t, err)
	require.Len(t, ev, 1)
	gtd := Order{ID: 20, Owner: 20, Side: Sell, Type: Limit, TIF: GTD, Price: 90, Qty: 1, ExpireAt: 10}
	_, _, err = b.Place(gtd, 5, nil)
	require.NoError(t, err)

	// Back to continuous while crossed is refused.
	_, err = b.SetMode(Continuous, 6, nil)
	require.ErrorIs(t, err, ErrCrossed)
	require.Equal(t, Call, b.Mode())

	// Bids 3: 4@105, 2: 6@105; asks 20: 1@90 (expires at 10), 1: 5@98.
	// At time 10 the GTD order expires first; then at 98 and 105
	// B = 10, S = 5: volume 5, imbalance +5 at both; ref 100 is closer to
	// 98.
	ev, u, err := b.Uncross(100, 10, nil)
	require.NoError(t, err)
	require.Equal(t, Uncross{Price: 98, Volume: 5, BuyQty: 10, SellQty: 5, Imbalance: 5}, u)
	require.Equal(t, []Event{
		{Kind: EventExpire, Side: Sell, Owner: 20, OrderID: 20, Price: 90, Qty: 1},
		aucFill(3, 1, 98, 4, 0, 1),
		aucFill(2, 1, 98, 1, 5, 0),
	}, ev)
	aucNotCrossed(t, b)
	require.Equal(t, Call, b.Mode())

	_, err = b.SetMode(Continuous, 11, nil)
	require.NoError(t, err)
	require.Equal(t, Continuous, b.Mode())
	// Continuous again: orders match at once.
	ev, res, err = b.Place(aucAsk(30, 105, 2).order(), 12, nil)
	require.NoError(t, err)
	require.Equal(t, Result{Filled: 2}, res)
	require.Equal(t, EventFill, ev[0].Kind)
	// Uncross of an uncrossed book does nothing.
	ev, u, err = b.Uncross(100, 13, nil)
	require.NoError(t, err)
	require.Empty(t, ev)
	require.Equal(t, Uncross{}, u)
	_, err = b.SetMode(Continuous, 13, nil)
	require.NoError(t, err)
	for _, ref := range []catalog.Price{0, -1, math.MinInt64} {
		_, _, err = b.Uncross(ref, 13, nil)
		require.ErrorIs(t, err, ErrInvalidPrice)
	}
}

func TestCallModeRestoreAllowsCrossing(t *testing.T) {
	b, err := New(Config{})
	require.NoError(t, err)
	require.NoError(t, b.Restore(OrderInfo{ID: 1, Owner: 1, Side: Buy, TIF: GTC, Price: 105, Qty: 5, Original: 5}))
	cross := OrderInfo{ID: 2, Owner: 2, Side: Sell, TIF: GTC, Price: 100, Qty: 5, Original: 5}
	require.ErrorIs(t, b.Restore(cross), ErrInvalidRestore)
	_, err = b.SetMode(Call, 1, nil)
	require.NoError(t, err)
	require.NoError(t, b.Restore(cross))
	require.NoError(t, b.CheckInvariants())
}

func TestIndicativeEdgeCases(t *testing.T) {
	b := aucBook(t)
	_, ok := b.Indicative(100)
	require.False(t, ok)
	b = aucBook(t, aucBid(1, 99, 5), aucAsk(2, 100, 5))
	_, ok = b.Indicative(100)
	require.False(t, ok, "touching is not crossing")
	b = aucBook(t, aucBid(1, 100, 5), aucAsk(2, 100, 5))
	u, ok := b.Indicative(1)
	require.True(t, ok)
	require.Equal(t, Uncross{Price: 100, Volume: 5, BuyQty: 5, SellQty: 5}, u)

	// Quantities near the int64 limit: cumulative sums saturate, nothing
	// panics and the uncross still clears.
	h := catalog.Qty(math.MaxInt64)
	b = aucBook(t, aucBid(1, 2, h/2), aucBid(2, 1, h), aucAsk(3, 1, h), aucAsk(4, 2, h/2))
	u, ok = b.Indicative(1)
	require.True(t, ok)
	require.Equal(t, catalog.Price(1), u.Price)
	require.Equal(t, h, u.Volume)
	_, u, err := b.Uncross(1, 2, nil)
	require.NoError(t, err)
	require.Equal(t, h, u.Volume)
	aucNotCrossed(t, b)
}

// TestIndicativeAllocs: the clearing-price search allocates nothing once its
// scratch space has grown.
func TestIndicativeAllocs(t *testing.T) {
	var orders []aucOrd
	for i := range 200 {
		orders = append(orders, aucBid(OrderID(2*i+1), catalog.Price(900+i), 5), aucAsk(OrderID(2*i+2), catalog.Price(950+i), 7))
	}
	b := aucBook(t, orders...)
	b.Indicative(1000)
	require.Zero(t, testing.AllocsPerRun(100, func() { b.Indicative(1000) }))
}

// aucBrute is the clearing rule evaluated naively at price p.
func aucBrute(orders []aucOrd, p catalog.Price) Uncross {
	var buy, sell catalog.Qty
	for _, o := range orders {
		if o.side == Buy && o.price >= p {
			buy += o.qty
		}
		if o.side == Sell && o.price <= p {
			sell += o.qty
		}
	}
	return Uncross{Price: p, Volume: min(buy, sell), BuyQty: buy, SellQty: sell, Imbalance: buy - sell}
}

func aucAbs(q catalog.Qty) catalog.Qty { return max(q, -q) }

// TestUncrossRandom compares Indicative with a brute force over every
// integer price in the book's range, and checks each uncross.
func TestUncrossRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 4242))
	iters := 3000
	if testing.Short() {
		iters = 300
	}
	for it := range iters {
		n := 1 + r.IntN(30)
		fewOwners := it%3 == 0 // exercise self-trade prevention
		var orders []aucOrd
		for i := range n {
			o := aucOrd{id: OrderID(i + 1), side: Side(1 + r.IntN(2)), price: catalog.Price(95 + r.IntN(11)), qty: catalog.Qty(1 + r.IntN(10))}
			o.owner = catalog.ParticipantID(i + 1)
			if fewOwners {
				o.owner = catalog.ParticipantID(1 + r.IntN(3))
			}
			if r.IntN(4) == 0 {
				o.min = catalog.Qty(r.IntN(int(o.qty) + 1))
			}
			orders = append(orders, o)
		}
		ref := catalog.Price(90 + r.IntN(21))
		ctx := fmt.Sprintf("iteration %d, ref %d, orders %+v", it, ref, orders)

		// Brute force: the maximum volume over every integer price between
		// the lowest and highest limit, and the best limit price by the
		// tie-break chain.
		lo, hi := catalog.Price(math.MaxInt64), catalog.Price(0)
		for _, o := range orders {
			lo, hi = min(lo, o.price), max(hi, o.price)
		}
		var maxVol catalog.Qty
		for p := lo; p <= hi; p++ {
			maxVol = max(maxVol, aucBrute(orders, p).Volume)
		}
		var cands []Uncross
		for _, o := range orders {
			if c := aucBrute(orders, o.price); c.Volume > 0 && !slices.Contains(cands, c) {
				cands = append(cands, c)
			}
		}
		slices.SortFunc(cands, func(a, c Uncross) int {
			return cmp.Or(
				cmp.Compare(c.Volume, a.Volume),
				cmp.Compare(aucAbs(a.Imbalance), aucAbs(c.Imbalance)),
				cmp.Compare(max(a.Price-ref, ref-a.Price), max(c.Price-ref, ref-c.Price)),
				cmp.Compare(a.Price, c.Price))
		})

		b := aucBook(t, orders...)
		u, ok := b.Indicative(ref)
		require.Equal(t, maxVol > 0, ok, ctx)
		if !ok {
			continue
		}
		require.Equal(t, maxVol, u.Volume, ctx)
		require.Equal(t, cands[0], u, ctx)

		// Priority order as the test knows it: better price, then arrival.
		prio := func(side Side) []aucOrd {
			var s []aucOrd
			for _, o := range orders {
				if o.side == side {
					s = append(s, o)
				}
			}
			slices.SortStableFunc(s, func(a, c aucOrd) int {
				if side == Buy {
					return cmp.Compare(c.price, a.price)
				}
				return cmp.Compare(a.price, c.price)
			})
			return s
		}

		ev, got, err := b.Uncross(ref, 2, nil)
		require.NoError(t, err, ctx)
		require.Equal(t, u.Volume, got.Volume, ctx)
		require.Equal(t, u.Price, got.Price, ctx)

		// Replay gives the same events.
		b2 := aucBook(t, orders...)
		ev2, got2, err := b2.Uncross(ref, 2, nil)
		require.NoError(t, err)
		require.Equal(t, ev, ev2, ctx)
		require.Equal(t, got, got2, ctx)

		used := map[OrderID]catalog.Qty{} // filled + removed by self-trade prevention
		byID := map[OrderID]aucOrd{}
		for _, o := range orders {
			byID[o.id] = o
		}
		var bought, sold, selfBuy, selfSell catalog.Qty
		for _, e := range ev {
			switch {
			case e.Kind == EventFill:
				bo, so := byID[e.OrderID], byID[e.TakerID]
				require.Equal(t, Buy, bo.side, ctx)
				require.Equal(t, Sell, so.side, ctx)
				require.Equal(t, u.Price, e.Price, ctx)
				require.GreaterOrEqual(t, bo.price, e.Price, "buy filled above its limit; %s", ctx)
				require.LessOrEqual(t, so.price, e.Price, "sell filled below its limit; %s", ctx)
				require.NotEqual(t, e.Owner, e.TakerOwner, "self-trade; %s", ctx)
				require.Equal(t, 1000+uint64(e.TakerID), e.TakerTag, ctx)
				bought += e.Qty
				sold += e.Qty
				used[e.OrderID] += e.Qty
				used[e.TakerID] += e.Qty
			case e.Kind == EventCancel && e.Reason == CancelSelfTrade:
				if e.Side == Buy {
					selfBuy += e.Qty
				} else {
					selfSell += e.Qty
				}
				used[e.OrderID] += e.Qty
			default:
				t.Fatalf("unexpected event %+v; %s", e, ctx)
			}
		}
		require.Equal(t, got.SelfTrade, selfBuy, ctx)
		require.Equal(t, got.SelfTrade, selfSell, ctx)
		require.Equal(t, u.Volume-got.SelfTrade, bought, ctx)
		if !fewOwners {
			require.Zero(t, got.SelfTrade, ctx)
		}

		// Price-time allocation: in priority order, orders are used up
		// completely, then at most one partly, then not at all.
		for _, side := range []Side{Buy, Sell} {
			var total catalog.Qty
			stage := 0 // 0: full, 1: after a partial or an untouched order
			for _, o := range prio(side) {
				q := used[o.id]
				total += q
				switch {
				case q == o.qty:
					require.Zero(t, stage, "order %d used up after a less used one; %s", o.id, ctx)
				case q > 0:
					require.Zero(t, stage, "second partial allocation at %d; %s", o.id, ctx)
					stage = 1
				default:
					stage = 1
				}
				left := o.qty - q
				info, ok := b.Order(o.id)
				require.Equal(t, left > 0, ok, ctx)
				if ok {
					require.Equal(t, left, info.Qty, ctx)
				}
			}
			require.Equal(t, u.Volume, total, "%v side; %s", side, ctx)
		}
		aucNotCrossed(t, b)
		_, err = b.SetMode(Continuous, 3, nil)
		require.NoError(t, err, ctx)
	}
}

// TestClearingDirect drives the merge over hand-built level lists,
// including a bid and an ask at the same price.
func TestClearingDirect(t *testing.T) {
	bids := []cumLevel{{price: 101, qty: 5, cum: 5}, {price: 100, qty: 5, cum: 10}}
	asks := []cumLevel{{price: 100, qty: 4}, {price: 101, qty: 6}}
	// p=100: B 10, S 4 -> 4; p=101: B 5, S 10 -> 5.
	u, ok := clearing(bids, asks, 100)
	require.True(t, ok)
	require.Equal(t, Uncross{Price: 101, Volume: 5, BuyQty: 5, SellQty: 10, Imbalance: -5}, u)
	_, ok = clearing(nil, nil, 100)
	require.False(t, ok)
}

// BenchmarkUncross100k uncrosses a call-phase book of 100,000 orders (50,000
// a side over 201 price levels each, half of them crossing). Rebuilding the
// book is not timed.
func BenchmarkUncross100k(b *testing.B) {
	const n = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	orders := make([]Order, n)
	for i := range orders {
		side := Side(1 + i%2)
		base := catalog.Price(900)
		if side == Sell {
			base = 1000
		}
		orders[i] = Order{ID: OrderID(i + 1), Owner: catalog.ParticipantID(1 + i), Side: side, Type: Limit, TIF: GTC,
			Price: base + catalog.Price(r.IntN(201)), Qty: catalog.Qty(1 + r.IntN(100))}
	}
	book, err := New(Config{InitialOrders: n})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := book.SetMode(Call, 1, nil); err != nil {
		b.Fatal(err)
	}
	dst := make([]Event, 0, n)
	var fills int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for _, o := range orders {
			dst, _ = book.Cancel(o.ID, o.Owner, 1, dst[:0]) // ErrUnknownOrder once filled
		}
		for _, o := range orders {
			if _, _, err := book.Place(o, 1, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		var u Uncross
		dst, u, err = book.Uncross(1000, 1, dst[:0])
		if err != nil || u.Volume == 0 {
			b.Fatal(err, u)
		}
		fills += len(dst)
	}
	b.ReportMetric(float64(fills)/float64(b.N), "fills/op")
}
