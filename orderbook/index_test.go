package orderbook

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHashIndexAgainstMap drives the index and a Go map with the same random
// puts and deletes, including clustered and colliding keys, and requires
// identical contents after every step.
func TestHashIndexAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	h := newHashIndex(0)
	m := map[uint64]int32{}
	keys := func() uint64 {
		switch r.IntN(3) {
		case 0:
			return 1 + r.Uint64N(64) // dense
		case 1:
			return (1 + r.Uint64N(64)) << 40 // strided
		}
		return 1 + r.Uint64()
	}
	for i := range 200_000 {
		k := keys()
		switch r.IntN(3) {
		case 0, 1:
			v := int32(i)
			h.put(k, v)
			m[k] = v
		default:
			_, want := m[k]
			require.Equal(t, want, h.del(k))
			delete(m, k)
		}
		if i%997 == 0 {
			require.Equal(t, len(m), h.Len())
			for k, v := range m {
				got, ok := h.get(k)
				require.True(t, ok)
				require.Equal(t, v, got)
			}
			n := 0
			for _, s := range h.slots {
				if s.key != 0 {
					n++
					require.Equal(t, m[s.key], s.val)
				}
			}
			require.Equal(t, len(m), n)
		}
		_, ok := h.get(k)
		_, want := m[k]
		require.Equal(t, want, ok)
	}
}

func TestHashIndexSteadyChurnAllocatesNothing(t *testing.T) {
	h := newHashIndex(0)
	for k := uint64(1); k <= 1000; k++ {
		h.put(k, int32(k))
	}
	next := uint64(1001)
	allocs := testing.AllocsPerRun(10_000, func() {
		h.del(next - 1000)
		h.put(next, 1)
		next++
	})
	require.Zero(t, allocs)
	require.Equal(t, 1000, h.Len())
}
