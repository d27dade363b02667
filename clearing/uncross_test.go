package clearing

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
)

type aucOrder struct {
	id    uint64
	buy   bool
	price catalog.Price
	qty   int64
}

// uncrossVectors are the hand-computed call auctions of the order book's
// tests (orderbook/auction_test.go, TestUncrossWorkedExamples), with their
// volumes.
var uncrossVectors = []struct {
	name   string
	orders []aucOrder
	volume int64
}{
	{"unique maximum", []aucOrder{{1, true, 103, 10}, {2, true, 102, 20}, {3, true, 101, 20}, {9, true, 101, 5}, {4, true, 99, 25},
		{5, false, 98, 15}, {6, false, 100, 10}, {7, false, 101, 20}, {8, false, 104, 30}}, 45},
	{"volume tie resolved by imbalance", []aucOrder{{1, true, 101, 10}, {2, true, 100, 5}, {3, true, 98, 8},
		{4, false, 99, 4}, {5, false, 100, 6}, {6, false, 103, 12}}, 10},
	{"volume and imbalance tie", []aucOrder{{1, true, 102, 6}, {2, true, 102, 4}, {3, true, 100, 5},
		{4, false, 100, 7}, {5, false, 100, 3}, {6, false, 102, 5}}, 10},
}

// uncrossBoth clears the orders in a call-mode book and as a clearing pool
// with identical attributes at one basis, and returns the book's volume
// and the pool's result.
func uncrossBoth(t *testing.T, w *world, orders []aucOrder) (int64, instance, Result) {
	t.Helper()
	b, err := orderbook.New(orderbook.Config{})
	require.NoError(t, err)
	_, err = b.SetMode(orderbook.Call, 1, nil)
	require.NoError(t, err)
	var in instance
	for k, o := range orders {
		side := orderbook.Sell
		if o.buy {
			side = orderbook.Buy
		}
		_, _, err := b.Place(orderbook.Order{ID: orderbook.OrderID(o.id), Owner: catalog.ParticipantID(o.id), Side: side,
			Type: orderbook.Limit, TIF: orderbook.GTC, Price: o.price, Qty: catalog.Qty(o.qty)}, 1, nil)
		require.NoError(t, err)
		if o.buy {
			in.reqs = append(in.reqs, Request{ID: OrderID(o.id), Owner: catalog.ParticipantID(o.id), Category: w.sand,
				Accept: []catalog.BasisID{1}, Qty: o.qty, Limit: o.price, Priority: uint64(k)})
		} else {
			in.offs = append(in.offs, Offer{ID: OrderID(o.id), Owner: catalog.ParticipantID(o.id), Category: w.sand,
				Basis: 1, Qty: o.qty, Limit: o.price, Priority: uint64(k)})
		}
	}
	var vol int64
	if u, ok := b.Indicative(100); ok {
		vol = int64(u.Volume)
	}
	res, err := Clear(w.d, in.reqs, in.offs)
	require.NoError(t, err)
	return vol, in, res
}

// lowestCompetitive is the lowest price at which the volume v clears in a
// single market: max(v-th lowest ask, (v+1)-th highest bid).
func lowestCompetitive(in instance, v int64) catalog.Price {
	var bids, asks []catalog.Price
	for _, r := range in.reqs {
		for range r.Qty {
			bids = append(bids, r.Limit)
		}
	}
	for _, o := range in.offs {
		for range o.Qty {
			asks = append(asks, o.Limit)
		}
	}
	slices.Sort(asks)
	slices.SortFunc(bids, func(a, b catalog.Price) int { return int(b - a) })
	p := asks[v-1]
	if int(v) < len(bids) {
		p = max(p, bids[v])
	}
	return p
}

// TestUncrossVolume: orders with identical attributes at one basis clear to
// the volume of the order book's uniform-price uncross, at the lowest
// competitive price, with price-time priority at the margin.
func TestUncrossVolume(t *testing.T) {
	w := newWorld(t, 1, 1, nil)
	for _, v := range uncrossVectors {
		t.Run(v.name, func(t *testing.T) {
			vol, in, res := uncrossBoth(t, w, v.orders)
			require.Equal(t, v.volume, vol)
			require.Equal(t, vol, res.Volume)
			require.Empty(t, w.check(in, res))
		})
	}
	// The first vector, in detail: 3 (placed before 9, both at 101) takes
	// 15 of its 20; 9 gets nothing; the price is 101.
	_, _, res := uncrossBoth(t, w, uncrossVectors[0].orders)
	fills := map[OrderID]int64{}
	for _, r := range res.Requests {
		fills[r.ID] = r.Filled
		require.Equal(t, catalog.Price(101), r.Price)
	}
	require.Equal(t, map[OrderID]int64{1: 10, 2: 20, 3: 15, 9: 0, 4: 0}, fills)
	require.Equal(t, Margin, res.Requests[2].Outcome)
	require.Equal(t, Margin, res.Requests[3].Outcome)
	require.Equal(t, PricedOut, res.Requests[4].Outcome)

	r := rand.New(rand.NewPCG(42, 4242))
	for it := range 2000 {
		var orders []aucOrder
		n := 1 + r.IntN(30)
		for i := range n {
			orders = append(orders, aucOrder{uint64(i + 1), r.IntN(2) == 0, catalog.Price(95 + r.IntN(11)), 1 + r.Int64N(10)})
		}
		vol, in, res := uncrossBoth(t, w, orders)
		require.Equal(t, vol, res.Volume, "iteration %d: %v", it, in)
		require.Empty(t, w.check(in, res), "iteration %d: %v", it, in)
		if vol > 0 {
			p := lowestCompetitive(in, vol)
			for _, f := range res.Fills {
				require.Equal(t, p, f.BuyerPrice, "iteration %d: buyer-optimal price; %v", it, in)
				require.Equal(t, p, f.SellerPrice, "iteration %d", it)
			}
		}
	}
}
