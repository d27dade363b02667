package contacts_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/bench/contacts"
	"github.com/agora-exchange/agora/matching"
)

var allModels = []contacts.SearchModel{
	{Kind: contacts.SearchExhaustive}, {Kind: contacts.SearchInformed},
	{Kind: contacts.SearchSample, N: 1}, {Kind: contacts.SearchSample, N: 4},
	{Kind: contacts.SearchSequential, N: 3}, {Kind: contacts.SearchSequential, N: 50},
}

func TestParseSearch(t *testing.T) {
	ms, err := contacts.ParseSearch("exhaustive,informed,sample:4,sequential:20")
	require.NoError(t, err)
	require.Equal(t, []contacts.SearchModel{
		{Kind: contacts.SearchExhaustive}, {Kind: contacts.SearchInformed},
		{Kind: contacts.SearchSample, N: 4}, {Kind: contacts.SearchSequential, N: 20},
	}, ms)
	for i, m := range ms {
		require.Equal(t, []string{"exhaustive", "informed", "sample:4", "sequential:20"}[i], m.String())
	}
	for _, bad := range []string{"", "random", "sample", "sample:0", "sample:x", "informed:3", "sequential:-1", "informed,informed", "sample:2000000"} {
		_, err := contacts.ParseSearch(bad)
		require.ErrorIs(t, err, contacts.ErrInvalidConfig, bad)
	}
}

// bruteMaxSurplus returns the largest gross surplus of any matching of the
// bids with the asks, by trying every assignment.
func bruteMaxSurplus(bids, asks []int64) int64 {
	used := make([]bool, len(asks))
	var rec func(i int) int64
	rec = func(i int) int64 {
		if i == len(bids) {
			return 0
		}
		best := rec(i + 1) // bid i does not trade
		for j := range asks {
			if !used[j] && bids[i] >= asks[j] {
				used[j] = true
				best = max(best, bids[i]-asks[j]+rec(i+1))
				used[j] = false
			}
		}
		return best
	}
	return rec(0)
}

// The value figures are exact: compatible pairs and the maximum surplus
// match a brute force over every pair and every matching.
func TestValueIsExact(t *testing.T) {
	for seed := range uint64(8) {
		m, err := contacts.FromLayout([]int{5, 3, 0, 4}, []int{4, 3, 2, 1}, contacts.Config{Seed: seed, Compat: 0.4})
		require.NoError(t, err)
		r, err := m.Count()
		require.NoError(t, err)
		var compatible uint64
		var surplus int64
		for k := range m.Keys {
			var bids, asks []int64
			for _, o := range m.Orders {
				if int(o.Market) != k {
					continue
				}
				if o.Side == matching.Buy {
					bids = append(bids, int64(o.Price))
				} else {
					asks = append(asks, int64(o.Price))
				}
			}
			for _, b := range bids {
				for _, a := range asks {
					if b >= a {
						compatible++
					}
				}
			}
			surplus += bruteMaxSurplus(bids, asks)
		}
		require.Equal(t, compatible, r.CompatiblePairs, "seed %d", seed)
		require.Equal(t, surplus, r.MaxSurplus, "seed %d", seed)
	}
}

// A bid equal to an ask is compatible and trades at zero surplus, directly
// and through the exchange.
func TestEqualBidAndAskTrade(t *testing.T) {
	m, err := contacts.FromLayout([]int{1}, []int{1}, contacts.Config{Seed: 1})
	require.NoError(t, err)
	for i := range m.Orders {
		m.Orders[i].Price = 2_500_000
	}
	m.Config.Search = allModels
	r, err := m.Count()
	require.NoError(t, err)
	require.EqualValues(t, 1, r.CompatiblePairs)
	require.EqualValues(t, 1, r.DirectTrades)
	require.Zero(t, r.MaxSurplus)
	require.EqualValues(t, 1, r.Exchange.Trades)
	require.EqualValues(t, 2_500_000, r.Exchange.Paid)
	for _, o := range r.Search {
		require.EqualValues(t, 1, o.Trades, o.Model)
		require.EqualValues(t, 1, o.Inquiries, o.Model)
		require.EqualValues(t, 2_500_000, o.Paid, o.Model)
		_, ok := r.Efficiency(&o)
		require.False(t, ok, "max surplus 0: efficiency undefined")
	}
}

// 7 buyers × 3 sellers: the sides cannot be swapped unnoticed.
func TestAsymmetricMarket(t *testing.T) {
	c := contacts.Config{Buyers: 7, Sellers: 3, Compat: 1, Seed: 2, Search: allModels}
	r, err := contacts.Run(c)
	require.NoError(t, err)
	require.Equal(t, 7, r.Requests)
	require.Equal(t, 3, r.Offers)
	require.EqualValues(t, 7, r.ExchangeBuyPostings)
	require.EqualValues(t, 3, r.ExchangeSellPostings)
	require.EqualValues(t, 21, r.PossiblePairs)
	require.EqualValues(t, 21, r.CompatiblePairs)
	require.EqualValues(t, 3, r.DirectTrades)
	require.EqualValues(t, 3, r.Exchange.Trades)
	fr, ok := r.FillRate(&r.Exchange)
	require.True(t, ok)
	require.InDelta(t, 3.0/7, fr, 1e-12, "fill rate is filled requests over requests")
	get := func(name string) *contacts.Outcome {
		o, ok := r.Outcome(name)
		require.True(t, ok, name)
		return o
	}
	require.EqualValues(t, 21, get("exhaustive").Inquiries)
	require.EqualValues(t, 21, get("informed").Inquiries)
	// sample:4 asks all 3 offers for each of 7 requests.
	require.EqualValues(t, 21, get("sample:4").Inquiries)
	require.EqualValues(t, 7, get("sample:1").Inquiries)
	// Everything compatible: a sequential search stops at the first offer
	// not yet sold, so the three first requests trade at once.
	require.EqualValues(t, 3, get("sequential:50").Trades)
	// The i-th of the first three asks at most i+1 offers (i are sold);
	// the four late requests ask all three sold offers.
	require.GreaterOrEqual(t, get("sequential:50").Inquiries, uint64(3+4*3))
	require.LessOrEqual(t, get("sequential:50").Inquiries, uint64(1+2+3+4*3))
}

// Properties of the simulated models on generated markets.
func TestSimulatedSearch(t *testing.T) {
	for _, c := range []contacts.Config{
		{Buyers: 500, Sellers: 400, Markets: 10, Zipf: 1, Seed: 1},
		{Buyers: 300, Sellers: 300, Markets: 5, Activity: 2, Compat: 0.2, Seed: 2},
		{Buyers: 200, Sellers: 50, Compat: 0.9, Seed: 3},
	} {
		c.Search = allModels
		m, err := contacts.Generate(c)
		require.NoError(t, err)
		r, err := m.Count()
		require.NoError(t, err)
		limit := maxMatching(m)
		perMarket := make([]uint64, len(m.Keys))
		for _, o := range m.Orders {
			if o.Side == matching.Sell {
				perMarket[o.Market]++
			}
		}
		for _, o := range r.Search {
			require.Equal(t, 2*o.Inquiries, o.Contacts, o.Model)
			require.LessOrEqual(t, o.Trades, limit, o.Model)
			require.LessOrEqual(t, o.Surplus, r.MaxSurplus, o.Model)
			require.GreaterOrEqual(t, o.Surplus, int64(0), o.Model)
			e, ok := r.Efficiency(&o)
			require.True(t, ok)
			require.GreaterOrEqual(t, e, 0.0)
			require.LessOrEqual(t, e, 1.0)
			if mp, ok := o.Mean(); ok {
				require.Greater(t, mp, 0.0)
			}
		}
		// sample:N asks min(N, s_k) offers for each request.
		for _, n := range []int{1, 4} {
			var want uint64
			for _, o := range m.Orders {
				if o.Side == matching.Buy {
					want += min(uint64(n), perMarket[o.Market])
				}
			}
			o, _ := r.Outcome(contacts.SearchModel{Kind: contacts.SearchSample, N: n}.String())
			require.Equal(t, want, o.Inquiries, "%+v sample:%d", c, n)
		}
		seq, _ := r.Outcome("sequential:3")
		require.LessOrEqual(t, seq.Inquiries, 3*uint64(r.Requests))
		// A model's outcome does not depend on the others run beside it.
		c.Search = []contacts.SearchModel{{Kind: contacts.SearchSequential, N: 3}}
		alone, err := contacts.Run(c)
		require.NoError(t, err)
		require.Equal(t, *seq, alone.Search[0])
	}
}

// With nothing compatible a search never trades and never stops early.
func TestSearchWithoutCompatiblePairs(t *testing.T) {
	r, err := contacts.Run(contacts.Config{Buyers: 40, Sellers: 10, Compat: contacts.NoCompat, Seed: 1, Search: allModels})
	require.NoError(t, err)
	for _, o := range r.Search {
		require.Zero(t, o.Trades, o.Model)
		require.Zero(t, o.Surplus, o.Model)
		_, ok := o.Mean()
		require.False(t, ok)
	}
	o, _ := r.Outcome("sequential:50")
	require.EqualValues(t, 40*10, o.Inquiries)
	o, _ = r.Outcome("sequential:3")
	require.EqualValues(t, 40*3, o.Inquiries)
}

// Search costs are inquiries × cost, and saturate rather than overflow.
func TestSearchCost(t *testing.T) {
	r, err := contacts.Run(contacts.Config{Buyers: 5, Sellers: 5, ContactCost: 300, Seed: 1})
	require.NoError(t, err)
	require.EqualValues(t, 25*300, r.Search[0].SearchCost)
	// Costs are never subtracted from the surplus.
	free, err := contacts.Run(contacts.Config{Buyers: 5, Sellers: 5, Seed: 1})
	require.NoError(t, err)
	require.Equal(t, free.Search[0].Surplus, r.Search[0].Surplus)
}

// Exchange surplus and prices come from the fills: with random arrival
// the surplus is at most the optimum and the mean price lies within the
// price range.
func TestExchangeOutcome(t *testing.T) {
	r, err := contacts.Run(contacts.Config{Buyers: 400, Sellers: 400, Markets: 4, Arrival: contacts.ArrivalRandom, Seed: 9})
	require.NoError(t, err)
	require.Positive(t, r.Exchange.Trades)
	require.Equal(t, int64(r.Exchange.Trades), r.Exchange.Volume)
	require.LessOrEqual(t, r.Exchange.Surplus, r.MaxSurplus)
	mp, ok := r.Exchange.Mean()
	require.True(t, ok)
	require.False(t, math.IsNaN(mp))
	require.Greater(t, mp, 1_000_000.0)
	require.Less(t, mp, 4_000_000.0)
}
