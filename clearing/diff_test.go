package clearing

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// TestReference compares Clear, with the cost-scaling solver and with the
// primal-dual one, against the reference solver (one arc per compatible
// class pair) on random instances. Everything the contract fixes must be
// identical: every order's fill, price, outcome, surplus and explanation,
// the participants' surpluses, the volume and the total surplus. The
// split of lots between individual requests and offers is not unique when
// several splits reach the same surplus and the same fills; there the
// fills must pass every check of the contract.
func TestReference(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 2121))
	iters := 3000
	if testing.Short() {
		iters = 400
	}
	for it := range iters {
		w := randomWorld(t, r, catalog.Price(1+r.IntN(5)), 1+r.IntN(6))
		n := 3
		if it%3 == 0 {
			n = 30
		}
		in := w.randomInstance(r, 1+r.IntN(n), 1+r.IntN(n), 20, 2+r.IntN(10))
		want, err := refClear(w.d, in.reqs, in.offs)
		require.NoError(t, err)
		for _, scaling := range []bool{true, false} {
			got, err := clearWith(w.d, in.reqs, in.offs, scaling)
			require.NoError(t, err)
			requireSameClearing(t, want, got, "iteration %d, scaling %v: %v", it, scaling, in)
			require.Empty(t, w.check(in, got), "iteration %d, scaling %v: %v", it, scaling, in)
		}
	}
}

func requireSameClearing(t *testing.T, want, got Result, msg string, args ...any) {
	t.Helper()
	require.Equal(t, want.Requests, got.Requests, append([]any{msg}, args...)...)
	require.Equal(t, want.Offers, got.Offers, append([]any{msg}, args...)...)
	require.Equal(t, want.Participants, got.Participants, append([]any{msg}, args...)...)
	require.Equal(t, want.Surplus, got.Surplus, append([]any{msg}, args...)...)
	require.Equal(t, want.Volume, got.Volume, append([]any{msg}, args...)...)
}

// TestReferenceLarge does the same on pools of the benchmark's shape,
// large enough for the routing grids to replace direct arcs. With
// CLEARING_HEAVY=1 it also runs pools of 3,000 and 10,000 orders (the
// reference solver takes tens of seconds on the latter).
func TestReferenceLarge(t *testing.T) {
	sizes := []int{200, 800}
	if testing.Short() {
		sizes = sizes[:1]
	}
	if os.Getenv("CLEARING_HEAVY") != "" {
		sizes = append(sizes, 3000, 10000)
	}
	for _, n := range sizes {
		for _, radius := range []int{0, 2} {
			d, leaf := benchWorld(t, 20, radius)
			reqs, offs := benchOrders(rand.New(rand.NewPCG(5, uint64(n))), n, 20, leaf)
			want, err := refClear(d, reqs, offs)
			require.NoError(t, err)
			for _, scaling := range []bool{true, false} {
				got, err := clearWith(d, reqs, offs, scaling)
				require.NoError(t, err)
				requireSameClearing(t, want, got, "n %d radius %d scaling %v", n, radius, scaling)
			}
		}
	}
}

// TestScalingFallback makes the cost-scaling solver give up half way (a
// tiny bound on its potentials) and checks that it restores the network,
// so that the primal-dual method still finds the reference clearing.
func TestScalingFallback(t *testing.T) {
	d, leaf := benchWorld(t, 10, 2)
	reqs, offs := benchOrders(rand.New(rand.NewPCG(9, 9)), 300, 10, leaf)
	want, err := refClear(d, reqs, offs)
	require.NoError(t, err)
	s := &solver{data: d, reqs: reqs, offs: offs, coverCache: map[[2]catalog.CategoryID]bool{}}
	require.NoError(t, s.validate())
	s.rank()
	s.classes()
	s.buildNetwork()
	require.Greater(t, s.g.n, 2+len(s.rcls)+len(s.ocls), "no routing grid was built")
	res0 := append([]int64(nil), s.g.res...)
	pi0 := append([]int64(nil), s.g.pi...)
	require.False(t, s.g.costScale(1<<10))
	require.Equal(t, res0, s.g.res, "residual capacities not restored")
	require.Equal(t, pi0, s.g.pi, "potentials changed")
	s.g.minCost()
	phi := s.g.distances()
	s.priorityPass(phi)
	s.pairFlows()
	got, err := s.result(phi)
	require.NoError(t, err)
	requireSameClearing(t, want, got, "fallback")
}
