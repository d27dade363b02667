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

// checkOrderIndex requires x to hold exactly m, and its page accounting to
// agree with its contents.
func checkOrderIndex(t *testing.T, x *orderIndex, m map[uint64]int32) {
	t.Helper()
	require.Equal(t, len(m), x.Len())
	for k, v := range m {
		got, ok := x.get(k)
		require.True(t, ok, "key %d", k)
		require.Equal(t, v, got, "key %d", k)
	}
	dense, used := 0, 0
	for p := x.lo; p < x.hi; p++ {
		pg := x.page(p)
		if pg == nil {
			continue
		}
		used++
		live := 0
		for off, v := range pg.slot {
			if v != 0 {
				live++
				key := p<<pageBits | uint64(off)
				require.Equal(t, m[key], v-1, "paged key %d", key)
				_, hashed := x.hash.get(key)
				require.False(t, hashed, "key %d both paged and hashed", key)
			}
		}
		require.Equal(t, int(pg.live), live)
		require.NotZero(t, live, "empty page %d kept", p)
		dense += live
	}
	require.Equal(t, x.dense, dense)
	require.Equal(t, x.used, used)
	require.Equal(t, len(x.pages), used+len(x.free))
	require.LessOrEqual(t, x.hi-x.lo, x.span)
}

// TestOrderIndexAgainstMap drives the order index and a Go map with the
// same puts and deletes of dense IDs under a constant high part, IDs far
// beyond and below the dense window, and arbitrary uint64s, and requires
// identical contents.
func TestOrderIndexAgainstMap(t *testing.T) {
	for _, base := range []uint64{0, 7 << 40, 1<<64 - 1<<20} {
		r := rand.New(rand.NewPCG(9, base))
		x := newOrderIndex(0)
		m := map[uint64]int32{}
		next := base + 1
		var live []uint64
		for i := range 40_000 {
			var k uint64
			switch c := r.IntN(10); {
			case c < 5:
				k, next = next, next+1+uint64(r.IntN(3)) // dense, with small holes
			case c < 6:
				k = next + uint64(r.IntN(1<<20)) // ahead of the window
			case c < 7:
				k = base - uint64(r.IntN(1<<20)) // below it
			case c < 8:
				k = r.Uint64()
			default:
				if len(live) > 0 {
					j := r.IntN(len(live))
					k = live[j]
					live[j] = live[len(live)-1]
					live = live[:len(live)-1]
					_, want := m[k]
					require.Equal(t, want, x.del(k))
					delete(m, k)
				}
				continue
			}
			if k == 0 {
				continue
			}
			if _, dup := m[k]; !dup {
				live = append(live, k)
			}
			x.put(k, int32(i))
			m[k] = int32(i)
			if i%9973 == 0 {
				checkOrderIndex(t, &x, m)
			}
		}
		checkOrderIndex(t, &x, m)
		for _, k := range live {
			require.True(t, x.del(k))
			delete(m, k)
		}
		checkOrderIndex(t, &x, m)
		require.Zero(t, x.used)
	}
}

// TestOrderIndexDenseIDsArePaged checks that sequential IDs under a constant
// high part, as the exchange issues them, are found by direct addressing
// and never reach the hash index.
func TestOrderIndexDenseIDsArePaged(t *testing.T) {
	x := newOrderIndex(0)
	const base = 3 << 40
	for i := uint64(1); i <= 100_000; i++ {
		x.put(base|i, int32(i))
	}
	require.Zero(t, x.hash.Len())
	require.Equal(t, 100_000, x.Len())
	v, ok := x.get(base | 4242)
	require.True(t, ok)
	require.Equal(t, int32(4242), v)
	_, ok = x.get(base | 100_001)
	require.False(t, ok)
	_, ok = x.get(0)
	require.False(t, ok)
}

// TestOrderIndexMemoryBounded sends IDs spaced one page apart and one huge
// ID: the pages allocated stay within minFill times the IDs held, and the
// directory within maxDir.
func TestOrderIndexMemoryBounded(t *testing.T) {
	x := newOrderIndex(0)
	m := map[uint64]int32{}
	for i := uint64(1); i <= 20_000; i++ {
		k := i << pageBits
		x.put(k, int32(i))
		m[k] = int32(i)
	}
	x.put(1<<63, 1)
	m[1<<63] = 1
	require.LessOrEqual(t, len(x.pages), 2+len(m)*minFill/pageSize)
	require.LessOrEqual(t, len(x.dir), maxDir)
	checkOrderIndex(t, &x, m)
}

// TestOrderIndexWindowSlides issues a long monotonic run of IDs, keeping a
// few long-lived ones: the window slides past its span (lowered here from
// maxDir), the old IDs move to the hash index and stay found, and churn
// allocates nothing.
func TestOrderIndexWindowSlides(t *testing.T) {
	x := newOrderIndex(0)
	x.span = 64
	m := map[uint64]int32{}
	const keepEvery = 1 << 13
	next := uint64(1)
	const window = 2000
	churn := func(n int) {
		for range n {
			x.put(next, 1)
			if next%keepEvery == 0 {
				m[next] = 1
			}
			if old := next - window; next > window && old%keepEvery != 0 && !x.del(old) {
				t.Fatalf("ID %d not found", old)
			}
			next++
		}
	}
	churn(int(x.span+100) << pageBits)
	require.NotZero(t, x.hash.Len(), "the window slid past long-lived IDs")
	require.Equal(t, len(m)+window, x.Len())
	for k := range m {
		_, ok := x.get(k)
		require.True(t, ok)
	}
	require.LessOrEqual(t, len(x.dir), 64)
	allocs := testing.AllocsPerRun(10_000, func() { churn(1) })
	require.Zero(t, allocs)
}

// TestSmallBookStaysSmall: a book's first orders are hashed, so a book of
// a few orders holds no page; once it holds more, its dense IDs move into a
// page and are found there.
func TestSmallBookStaysSmall(t *testing.T) {
	x := newOrderIndex(0)
	const base = 5 << 40
	for i := uint64(1); i <= pageSize/minFill; i++ {
		x.put(base|i, int32(i))
	}
	require.Zero(t, x.used, "no page for a small book")
	for i := uint64(pageSize/minFill + 1); i <= 200; i++ {
		x.put(base|i, int32(i))
	}
	require.Equal(t, 1, x.used)
	require.Zero(t, x.hash.Len(), "the hashed IDs moved into the page")
	for i := uint64(1); i <= 200; i++ {
		v, ok := x.get(base | i)
		require.True(t, ok, "%d", i)
		require.Equal(t, int32(i), v)
	}
	require.True(t, x.del(base|3))
	_, ok := x.get(base | 3)
	require.False(t, ok)
}
