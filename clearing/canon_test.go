package clearing

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// TestFillsIndependentOfSolver checks that which request trades with
// which offer does not depend on how the optimum was found: the
// cost-scaling solver and the primal-dual method reach different optimal
// flows, and the fills must still be identical.
func TestFillsIndependentOfSolver(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 3131))
	iters := 1000
	if testing.Short() {
		iters = 200
	}
	for it := range iters {
		w := randomWorld(t, r, catalog.Price(1+r.IntN(5)), 1+r.IntN(6))
		in := w.randomInstance(r, 1+r.IntN(30), 1+r.IntN(30), 20, 2+r.IntN(10))
		a, err := clearWith(w.d, in.reqs, in.offs, true)
		require.NoError(t, err)
		b, err := clearWith(w.d, in.reqs, in.offs, false)
		require.NoError(t, err)
		require.Equal(t, b.Fills, a.Fills, "iteration %d: %v", it, in)
	}
	for _, n := range []int{300, 1000, 3000} {
		for _, radius := range []int{0, 2} {
			d, leaf := benchWorld(t, 20, radius)
			reqs, offs := benchOrders(rand.New(rand.NewPCG(8, uint64(n))), n, 20, leaf)
			a, err := clearWith(d, reqs, offs, true)
			require.NoError(t, err)
			b, err := clearWith(d, reqs, offs, false)
			require.NoError(t, err)
			require.NotEmpty(t, a.Fills)
			require.Equal(t, b.Fills, a.Fills, "n %d radius %d", n, radius)
		}
	}
}
