package clearing

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// TestReference compares Clear with the reference solver on random
// instances of every size class the other tests use.
func TestReference(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 2121))
	iters := 3000
	if testing.Short() {
		iters = 400
	}
	fillsDiffer := 0
	for it := range iters {
		w := randomWorld(t, r, catalog.Price(1+r.IntN(5)), 1+r.IntN(6))
		n := 3
		if it%3 == 0 {
			n = 30
		}
		in := w.randomInstance(r, 1+r.IntN(n), 1+r.IntN(n), 20, 2+r.IntN(10))
		got, err := Clear(w.d, in.reqs, in.offs)
		require.NoError(t, err)
		want, err := refClear(w.d, in.reqs, in.offs)
		require.NoError(t, err)
		require.Equal(t, want.Requests, got.Requests, "iteration %d: %v", it, in)
		require.Equal(t, want.Offers, got.Offers, "iteration %d: %v", it, in)
		require.Equal(t, want.Participants, got.Participants, "iteration %d", it)
		require.Equal(t, want.Surplus, got.Surplus, "iteration %d", it)
		require.Equal(t, want.Volume, got.Volume, "iteration %d", it)
		if !equalFills(want.Fills, got.Fills) {
			fillsDiffer++
		}
	}
	t.Logf("fills differ in %d of %d", fillsDiffer, iters)
}

func equalFills(a, b []Fill) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
