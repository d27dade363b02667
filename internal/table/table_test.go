package table

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMapPutGet(t *testing.T) {
	var m Map[int]
	require.Nil(t, m.Get(1))
	vals := make([]int, 5000)
	for i := range vals {
		vals[i] = i
		require.True(t, m.Put(uint64(i)*7919, &vals[i]))
		require.False(t, m.Put(uint64(i)*7919, &vals[0]), "a present key is not replaced")
	}
	require.Equal(t, len(vals), m.Len())
	for i := range vals {
		require.Same(t, &vals[i], m.Get(uint64(i)*7919))
	}
	require.Nil(t, m.Get(7919*5000+1))
}

func TestListAppendGet(t *testing.T) {
	var l List[int]
	require.Nil(t, l.Get(0))
	vals := make([]int, 3*(1<<pageBits)+5)
	for i := range vals {
		require.Equal(t, i, l.Append(&vals[i]))
	}
	require.Equal(t, len(vals), l.Len())
	for i := range vals {
		require.Same(t, &vals[i], l.Get(i))
	}
	require.Nil(t, l.Get(-1))
	require.Nil(t, l.Get(len(vals)))
}

// TestConcurrentReaders reads both indexes while one writer grows them:
// every entry a reader finds is the right one, and an entry once seen
// stays (run with -race).
func TestConcurrentReaders(t *testing.T) {
	const n = 20000
	var m Map[uint64]
	var l List[uint64]
	vals := make([]uint64, n)
	var done atomic.Bool
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 3 {
		wg.Go(func() {
			for !done.Load() {
				k := l.Len()
				for i := max(0, k-50); i < k; i++ {
					v := l.Get(i)
					if v == nil || *v != uint64(i) {
						bad.Add(1)
					}
					if w := m.Get(uint64(i)); w == nil || *w != uint64(i) {
						bad.Add(1)
					}
				}
			}
		})
	}
	for i := range vals {
		vals[i] = uint64(i)
		m.Put(uint64(i), &vals[i])
		l.Append(&vals[i])
	}
	done.Store(true)
	wg.Wait()
	require.Zero(t, bad.Load())
}

func TestGetAllocatesNothing(t *testing.T) {
	var m Map[int]
	var l List[int]
	v := 1
	m.Put(42, &v)
	l.Append(&v)
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = m.Get(42); _ = l.Get(0) }))
}

func BenchmarkMapGet(b *testing.B) {
	var m Map[int]
	vals := make([]int, 1<<16)
	for i := range vals {
		m.Put(uint64(i), &vals[i])
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = m.Get(uint64(i & (1<<16 - 1)))
	}
}
