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
