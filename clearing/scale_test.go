package clearing

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// scalerFor builds the network of a bench pool and its cost-scaling
// layout.
func scalerFor(t *testing.T, n int, seed uint64) (*solver, *scaler, int64) {
	d, leaf := benchWorld(t, 10, 2)
	reqs, offs := benchOrders(rand.New(rand.NewPCG(seed, seed)), n, 10, leaf)
	s := &solver{data: d, reqs: reqs, offs: offs, coverCache: map[[2]catalog.CategoryID]bool{}}
	require.NoError(t, s.validate())
	s.rank()
	s.classes()
	s.buildNetwork()
	sc, cmax := newScaler(s.g, potLimit)
	require.NotNil(t, sc)
	return s, sc, cmax
}

// residual reports whether slot k of sc has residual capacity, core arcs
// counting as unbounded.
func (sc *scaler) residual(k int32) bool {
	a := sc.adj[k]
	return sc.res[a] > 0 || (a >= int32(sc.g.coreFrom) && a < int32(len(sc.g.res)) && a&1 == 0)
}

// TestScalerOptimalCheck checks the early stop of cost scaling: the empty
// circulation of a pool with profitable trades is not optimal, and the
// check must say so; after the refinements it is, and the potentials the
// check leaves price every residual arc at a non-negative reduced cost.
func TestScalerOptimalCheck(t *testing.T) {
	for seed := range uint64(5) {
		s, sc, cmax := scalerFor(t, 300, seed+1)
		require.False(t, sc.optimal(), "seed %d: empty circulation taken for optimal", seed)
		require.True(t, sc.run(cmax*sc.alpha), "seed %d", seed)
		require.True(t, sc.optimal(), "seed %d: optimal circulation not recognised", seed)
		for v := range int32(sc.n) {
			for k := sc.start[v]; k < sc.start[v+1]; k++ {
				if sc.residual(k) {
					rc := sc.cs[k] + sc.pi[v] - sc.pi[sc.hd[k]]
					require.GreaterOrEqual(t, rc, int64(0), "seed %d: node %d slot %d", seed, v, k)
				}
			}
		}
		// Each hub carries exactly its class's order flow.
		g, m, nr := s.g, len(s.g.res), len(s.g.src)
		for c := range g.src {
			var f int64
			for _, a := range g.src[c] {
				f += sc.res[a^1]
			}
			require.Equal(t, f, sc.res[m+2*c+1], "seed %d: request hub %d", seed, c)
		}
		for c := range g.sink {
			var f int64
			for _, a := range g.sink[c] {
				f += sc.res[a^1]
			}
			require.Equal(t, f, sc.res[m+2*(nr+c)+1], "seed %d: offer hub %d", seed, c)
		}
	}
}

// TestScalerHubs checks the layout: s reaches one hub per class and no
// order arc directly, and every order arc leaves or enters its class's
// hub.
func TestScalerHubs(t *testing.T) {
	s, sc, _ := scalerFor(t, 300, 7)
	g, nr, no := s.g, len(s.g.src), len(s.g.sink)
	require.Equal(t, g.n+nr+no, sc.n)
	require.Equal(t, int32(nr+no), sc.start[nodeS+1]-sc.start[nodeS])
	require.Equal(t, int32(0), sc.start[nodeT+1]-sc.start[nodeT])
	for c := range g.src {
		h := int32(g.n + c)
		for _, a := range g.src[c] {
			found := false
			for k := sc.start[h]; k < sc.start[h+1]; k++ {
				found = found || (sc.adj[k] == a && sc.hd[k] == g.to[a])
			}
			require.True(t, found, "request arc %d not at hub %d", a, h)
		}
	}
	for c := range g.sink {
		o := g.o0 + int32(c)
		for _, a := range g.sink[c] {
			found := false
			for k := sc.start[o]; k < sc.start[o+1]; k++ {
				found = found || (sc.adj[k] == a && sc.hd[k] == int32(g.n+nr+c))
			}
			require.True(t, found, "offer arc %d does not enter hub of class %d", a, c)
		}
	}
}
