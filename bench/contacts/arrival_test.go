package contacts

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

// Priority arrival is offers in generation order, then requests from the
// highest bid down with ties in generation order: exactly the order of a
// stable sort, on prices with many ties.
func TestPriorityArrivalIsStable(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	m := &Market{Config: Config{Arrival: ArrivalPriority}}
	for range 5000 {
		side := matching.Buy
		if r.IntN(2) == 0 {
			side = matching.Sell
		}
		m.Orders = append(m.Orders, Order{Side: side, Price: catalog.Price(r.IntN(40))})
	}
	want := make([]int32, len(m.Orders))
	for i := range want {
		want[i] = int32(i)
	}
	slices.SortStableFunc(want, func(i, j int32) int {
		a, b := &m.Orders[i], &m.Orders[j]
		if a.Side != b.Side {
			return cmp.Compare(b.Side, a.Side)
		}
		if a.Side == matching.Buy {
			return cmp.Compare(b.Price, a.Price)
		}
		return 0
	})
	require.Equal(t, want, m.arrival())
}

// The exchange run submits the orders market by market, each market's in
// its order of arrival: it gives the outcome and the counters that the
// arrival order itself gives, with subscriptions, Zipf popularity, random
// arrival and several markets per participant.
func TestByMarketKeepsOutcome(t *testing.T) {
	for _, cfg := range []Config{
		{Buyers: 300, Sellers: 200, Markets: 17, Seed: 3},
		{Buyers: 300, Sellers: 400, Markets: 9, Zipf: 1, Activity: 3, Seed: 4, Subscribe: SubscribeAll},
		{Buyers: 250, Sellers: 250, Markets: 12, Arrival: ArrivalRandom, Bases: 2, Seed: 5, Subscribe: SubscribeSellers},
	} {
		m, err := Generate(cfg)
		require.NoError(t, err)
		arrival := m.arrival()
		grouped := byMarket(arrival, m.Orders, len(m.Keys))
		require.ElementsMatch(t, arrival, grouped)
		require.NotEqual(t, arrival, grouped, "the case interleaves its markets")
		for i := 1; i < len(grouped); i++ {
			require.LessOrEqual(t, m.Orders[grouped[i-1]].Market, m.Orders[grouped[i]].Market)
		}
		var interleaved, regrouped Result
		require.NoError(t, m.runExchange(&interleaved, arrival))
		require.NoError(t, m.runExchange(&regrouped, grouped))
		require.Equal(t, interleaved, regrouped)
		require.NotZero(t, regrouped.Exchange.Trades)
	}
}
