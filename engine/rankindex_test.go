package engine

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/agora-exchange/agora/catalog"
	"github.com/stretchr/testify/require"
)

// TestRankIndexRandom checks the rank index against a sorted slice.
func TestRankIndexRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var r rankIndex
	var ref []rankKey
	for i := range 20000 {
		k := rankKey{price: catalog.Price(rng.IntN(500)), seq: uint64(rng.IntN(50))}
		j, found := slices.BinarySearchFunc(ref, k, rankKey.compare)
		if rng.IntN(3) == 0 && len(ref) > 0 {
			k = ref[rng.IntN(len(ref))]
			j, found = slices.BinarySearchFunc(ref, k, rankKey.compare)
		}
		switch {
		case found && rng.IntN(2) == 0:
			r.remove(k)
			ref = slices.Delete(ref, j, j+1)
		case !found:
			r.insert(k)
			ref = slices.Insert(ref, j, k)
		}
		probe := rankKey{price: catalog.Price(rng.IntN(500)), seq: uint64(rng.IntN(50))}
		pj, _ := slices.BinarySearchFunc(ref, probe, rankKey.compare)
		require.Equal(t, pj+1, r.rank(probe), "step %d", i)
		require.Equal(t, len(ref), r.len())
		if i%1000 == 0 {
			var flat []rankKey
			for _, b := range r.blocks {
				require.NotEmpty(t, b)
				require.LessOrEqual(t, len(b), 2*rankBlock)
				flat = append(flat, b...)
			}
			require.Equal(t, ref, flat[:len(ref):len(ref)])
		}
	}
}
