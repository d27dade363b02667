package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// output is the deterministic payload of seq in these tests.
func output(seq uint64, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seq*31 + uint64(i))
	}
	return b
}

// readAll reads with a fresh cursor from seq from through last, without
// waiting past last.
func readAll(t *testing.T, b *Buffer, from, last uint64) (map[uint64][]byte, error) {
	t.Helper()
	c := b.Cursor(from)
	got := map[uint64][]byte{}
	for c.Pos() <= last {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		first, data, sizes, err := c.Next(ctx, 64, nil, nil)
		cancel()
		if err != nil {
			return got, err
		}
		require.Equal(t, first+uint64(len(sizes)), c.Pos(), "Pos follows what Next returned")
		for i, n := range sizes {
			got[first+uint64(i)] = data[:n]
			data = data[n:]
		}
		require.Empty(t, data)
	}
	return got, nil
}

// check verifies the buffer against the outputs published so far (want)
// and the contiguous prefix published (prefix): every output from Oldest
// through Last reads back byte for byte, in order; Oldest-1 is truncated;
// the budget holds (or one output does alone); Last is the prefix, or,
// when the budget dropped outputs past it, the published run from
// Oldest-1 on.
func check(t *testing.T, b *Buffer, want map[uint64][]byte, prefix uint64, budget int) {
	t.Helper()
	last, oldest := b.Last(), b.Oldest()
	if prefix < oldest-1 {
		prefix = oldest - 1
		for want[prefix+1] != nil {
			prefix++
		}
	}
	require.Equal(t, prefix, last, "Last")
	got, err := readAll(t, b, oldest, last)
	require.NoError(t, err)
	for s := oldest; s <= last; s++ {
		require.True(t, bytes.Equal(want[s], got[s]), "seq %d", s)
	}
	if used, biggest := b.Bytes(), maxSize(want); used > budget {
		require.LessOrEqual(t, used, biggest, "beyond the budget, only one output alone is held")
	}
	if oldest > 1 {
		_, err := readAll(t, b, oldest-1, oldest-1)
		var te *TruncatedError
		require.ErrorAs(t, err, &te)
		require.ErrorIs(t, err, ErrTruncated)
		require.Equal(t, oldest-1, te.Want)
		require.Equal(t, oldest, te.Oldest)
	}
}

func maxSize(want map[uint64][]byte) int {
	m := 0
	for _, p := range want {
		m = max(m, len(p), 1)
	}
	return m
}

func TestNewRejectsBadArguments(t *testing.T) {
	for _, c := range []struct{ budget, lanes int }{{0, 1}, {-1, 1}, {10, 0}, {10, -2}, {10, 1<<16 + 1}} {
		_, err := New(c.budget, c.lanes, 0)
		require.Error(t, err, "%+v", c)
	}
	b, err := New(10, 5, 0)
	require.NoError(t, err)
	require.Equal(t, 8, b.Lanes(), "rounded up to a power of two")
}

func TestOneLaneKeepsTheNewestWithinBudget(t *testing.T) {
	const budget = 100
	b, err := New(budget, 1, 0)
	require.NoError(t, err)
	want := map[uint64][]byte{}
	for s := uint64(1); s <= 200; s++ {
		want[s] = output(s, int(s%17))
		b.Publish(0, s, want[s])
		check(t, b, want, s, budget)
	}
	// The held outputs are the newest ones that fit: one more would not.
	held := b.Bytes()
	require.Greater(t, held+max(len(want[b.Oldest()-1]), 1), budget)
}

func TestOutOfOrderBecomesVisibleWhenTheGapCloses(t *testing.T) {
	b, err := New(1<<10, 4, 10)
	require.NoError(t, err)
	b.Publish(3, 13, []byte("c"))
	b.Publish(2, 12, []byte("b"))
	require.Equal(t, uint64(10), b.Last())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, _, err = b.Cursor(11).Next(ctx, 1<<10, nil, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded, "11 is not published: the cursor waits")
	b.Publish(1, 11, []byte("a"))
	require.Equal(t, uint64(13), b.Last())
	first, data, sizes, err := b.Cursor(11).Next(context.Background(), 1<<10, nil, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(11), first)
	require.Equal(t, "abc", string(data))
	require.Equal(t, []int{1, 1, 1}, sizes)
	_, _, _, err = b.Cursor(10).Next(context.Background(), 1<<10, nil, nil)
	require.ErrorIs(t, err, ErrTruncated, "before the first sequence number")
}

func TestNextStopsAtItsByteLimit(t *testing.T) {
	b, err := New(1<<10, 2, 0)
	require.NoError(t, err)
	for s := uint64(1); s <= 6; s++ {
		b.Publish(int(s), s, output(s, 10))
	}
	c := b.Cursor(1)
	first, data, sizes, err := c.Next(context.Background(), 25, nil, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(1), first)
	require.Equal(t, []int{10, 10}, sizes)
	require.Equal(t, append(output(1, 10), output(2, 10)...), data)
	first, _, sizes, err = c.Next(context.Background(), 1, nil, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(3), first)
	require.Equal(t, []int{10}, sizes, "at least one output, whatever its size")
	c.Seek(6)
	first, data, _, err = c.Next(context.Background(), 100, nil, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(6), first)
	require.Equal(t, output(6, 10), data)
}

func TestOversizedOutputIsHeldAlone(t *testing.T) {
	b, err := New(10, 2, 0)
	require.NoError(t, err)
	b.Publish(0, 1, output(1, 4))
	b.Publish(1, 2, output(2, 25))
	require.Equal(t, uint64(2), b.Oldest())
	got, err := readAll(t, b, 2, 2)
	require.NoError(t, err)
	require.Equal(t, output(2, 25), got[2])
	b.Publish(0, 3, output(3, 3))
	require.Equal(t, uint64(3), b.Oldest(), "the oversized output leaves first")
	require.Equal(t, 3, b.Bytes())
	require.Equal(t, int64(7), b.pool.Load(), "its budget came back")
}

// TestBudgetFollowsTheLaneInUse moves the whole flow from one lane to
// another: the second lane ends up holding about the whole budget, not
// the share it found free.
func TestBudgetFollowsTheLaneInUse(t *testing.T) {
	const budget = 64 << 10
	b, err := New(budget, 4, 0)
	require.NoError(t, err)
	s := uint64(0)
	for range 5000 {
		s++
		b.Publish(0, s, output(s, 100))
	}
	for range 5000 {
		s++
		b.Publish(1, s, output(s, 100))
	}
	held := int(s-b.Oldest()+1) * 100
	require.GreaterOrEqual(t, held, budget*7/8, "held %d of %d", held, budget)
	require.LessOrEqual(t, b.Bytes(), budget)
	require.Equal(t, 0, b.lanes[0].count(), "the first lane's outputs are all older than Oldest: swept")
}

// TestRandomAgainstModel publishes random sizes in random orders over
// random lanes, and checks the buffer after every publication.
func TestRandomAgainstModel(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			budget := 1 + rng.IntN(600)
			lanes := 1 + rng.IntN(6)
			b, err := New(budget, lanes, 0)
			require.NoError(t, err)
			want := map[uint64][]byte{}
			published := map[uint64]bool{}
			var next, prefix uint64 = 1, 0
			for next < 600 {
				// Publish a window of seqs in a shuffled order.
				w := 1 + rng.IntN(8)
				for _, i := range rng.Perm(w) {
					s := next + uint64(i)
					want[s] = output(s, rng.IntN(budget/4+20))
					b.Publish(rng.IntN(lanes), s, want[s])
					published[s] = true
					for published[prefix+1] {
						prefix++
					}
					check(t, b, want, prefix, budget)
				}
				next += uint64(w)
			}
		})
	}
}

// TestHeldWindowUsesTheBudget publishes small outputs, a few in flight at
// a time, over random lanes: what is held from Oldest on is most of the
// budget, so the lanes do not hoard outputs older than Oldest.
func TestHeldWindowUsesTheBudget(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 9))
		budget := 64<<10 + rng.IntN(192<<10)
		lanes := 1 + rng.IntN(16)
		b, err := New(budget, lanes, 0)
		require.NoError(t, err)
		sizes := map[uint64]int{}
		var next uint64 = 1
		for next < 30000 {
			w := 1 + rng.IntN(4)
			for _, i := range rng.Perm(w) {
				s := next + uint64(i)
				sizes[s] = rng.IntN(60)
				b.Publish(rng.IntN(lanes), s, output(s, sizes[s]))
			}
			next += uint64(w)
			if next < 20000 || next%64 != 0 {
				continue
			}
			held := 0
			for s := b.Oldest(); s < next; s++ {
				held += max(sizes[s], 1)
			}
			require.LessOrEqual(t, b.Bytes(), budget, "seed %d", seed)
			require.GreaterOrEqual(t, held, budget*3/4, "seed %d, %d lanes: held %d of %d", seed, lanes, held, budget)
		}
	}
}

// TestConcurrentPublishersAndReaders runs racing publishers (each seq
// published once, out of order, over shared and own lanes) and readers
// starting at different seqs: every reader sees consecutive seqs with the
// published bytes, or a typed truncation error, never a gap.
func TestConcurrentPublishersAndReaders(t *testing.T) {
	const n = 20000
	b, err := New(16<<10, 4, 0)
	require.NoError(t, err)
	var seq atomic.Uint64
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Go(func() {
			for {
				s := seq.Add(1)
				if s > n {
					return
				}
				lane := p
				if s%3 == 0 {
					lane = int(s) // sometimes another publisher's lane
				}
				b.Publish(lane, s, output(s, int(s%50)))
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results := make([]string, 4)
	truncated := make([]int, 4)
	for r := range results {
		wg.Go(func() {
			c := b.Cursor(uint64(1 + r*10))
			var data []byte
			var sizes []int
			for c.Pos() <= n {
				first, d, sz, err := c.Next(ctx, 1<<10, data[:0], sizes[:0])
				data, sizes = d, sz
				if errors.Is(err, ErrTruncated) {
					// A slow reader: it must be told, and may resume
					// from what is held.
					var te *TruncatedError
					if !errors.As(err, &te) || te.Want != c.Pos() || te.Oldest <= te.Want {
						results[r] = fmt.Sprintf("bad truncation at %d: %v", c.Pos(), err)
						return
					}
					truncated[r]++
					c.Seek(te.Oldest)
					continue
				}
				if err != nil {
					results[r] = err.Error()
					return
				}
				for i, size := range sizes {
					s := first + uint64(i)
					if !bytes.Equal(d[:size], output(s, int(s%50))) {
						results[r] = fmt.Sprintf("seq %d: wrong bytes", s)
						return
					}
					d = d[size:]
				}
				if r == 3 && first%1000 < 5 {
					time.Sleep(time.Millisecond) // a slow one
				}
			}
		})
	}
	wg.Wait()
	for r, res := range results {
		require.Empty(t, res, "reader %d", r)
	}
	require.Equal(t, uint64(n), b.Last())
	require.LessOrEqual(t, b.Bytes(), 16<<10)
	t.Logf("truncations per reader: %v", truncated)
}

func TestNextHonoursContextAndClose(t *testing.T) {
	b, err := New(1<<10, 2, 0)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, _, err = b.Cursor(1).Next(ctx, 10, nil, nil)
	require.ErrorIs(t, err, context.Canceled)
	done := make(chan error, 1)
	go func() {
		_, _, _, err := b.Cursor(1).Next(context.Background(), 10, nil, nil)
		done <- err
	}()
	time.Sleep(5 * time.Millisecond)
	b.Close()
	require.ErrorIs(t, <-done, ErrClosed)
	b.Publish(1, 1, []byte("late"))
	_, data, _, err := b.Cursor(1).Next(context.Background(), 10, nil, nil)
	require.NoError(t, err, "publishing after Close still records, and held outputs read")
	require.Equal(t, "late", string(data))
}

func TestSteadyStateAllocatesNothing(t *testing.T) {
	b, err := New(4<<10, 4, 0)
	require.NoError(t, err)
	out := output(1, 40)
	var s uint64
	publish := func() {
		s += 2
		b.Publish(int(s), s, out)
		b.Publish(int(s+1), s-1, out)
	}
	c := b.Cursor(1)
	var data []byte
	var sizes []int
	read := func() {
		for c.Pos() <= s {
			var err error
			_, data, sizes, err = c.Next(context.Background(), 1<<10, data[:0], sizes[:0])
			if errors.Is(err, ErrTruncated) {
				c.Seek(b.Oldest())
			}
		}
	}
	// Warm up: fill the lanes and the cursor's heap.
	for range 2000 {
		publish()
		read()
	}
	require.Zero(t, testing.AllocsPerRun(1000, publish), "Publish")
	require.Zero(t, testing.AllocsPerRun(1000, func() { publish(); read() }), "Publish and Next")
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = b.Last() }), "Last")
}

func BenchmarkPublish(b *testing.B) {
	buf, err := New(1<<20, 1, 0)
	require.NoError(b, err)
	out := output(1, 64)
	b.ReportAllocs()
	for i := range b.N {
		buf.Publish(0, uint64(i)+1, out)
	}
}

// BenchmarkPublishParallel publishes from every core, each into its own
// lane or all into one: the lanes are what lets the feed scale.
func BenchmarkPublishParallel(b *testing.B) {
	for _, shared := range []bool{false, true} {
		b.Run(fmt.Sprintf("shared=%v", shared), func(b *testing.B) {
			buf, err := New(1<<20, 16, 0)
			require.NoError(b, err)
			out := output(1, 64)
			var seq, lanes atomic.Uint64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				lane := int(lanes.Add(1))
				if shared {
					lane = 0
				}
				for pb.Next() {
					buf.Publish(lane, seq.Add(1), out)
				}
			})
		})
	}
}

// TestLongLivedCursorAgainstModel: one cursor kept across publishes, with
// random byte limits, reads every output in order, byte for byte: runs of
// a lane's consecutive outputs are split by the limit, by drops and by
// other lanes' outputs. A cursor whose position was dropped gets
// ErrTruncated and resumes at Oldest.
func TestLongLivedCursorAgainstModel(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 11))
			budget := 50 + rng.IntN(2000)
			lanes := 1 + rng.IntN(4)
			b, err := New(budget, lanes, 0)
			require.NoError(t, err)
			c := b.Cursor(1)
			want := map[uint64][]byte{}
			truncations := 0
			for next := uint64(1); next < 3000; {
				w := 1 + rng.IntN(12)
				order := rng.Perm(w)
				if rng.IntN(2) == 0 {
					for i := range order {
						order[i] = i // in order: one run per lane
					}
				}
				lane := rng.IntN(lanes)
				for _, i := range order {
					s := next + uint64(i)
					want[s] = output(s, rng.IntN(40))
					l := lane
					if rng.IntN(4) == 0 {
						l = rng.IntN(lanes)
					}
					b.Publish(l, s, want[s])
				}
				next += uint64(w)
				if rng.IntN(3) != 0 {
					continue // let outputs pile up, and some be dropped
				}
				for c.Pos() <= b.Last() {
					pos := c.Pos()
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					first, data, sizes, err := c.Next(ctx, 1+rng.IntN(100), nil, nil)
					cancel()
					if errors.Is(err, ErrTruncated) {
						require.Less(t, pos, b.Oldest())
						truncations++
						c.Seek(b.Oldest())
						continue
					}
					require.NoError(t, err)
					require.Equal(t, pos, first)
					require.NotEmpty(t, sizes)
					for i, n := range sizes {
						require.True(t, bytes.Equal(want[first+uint64(i)], data[:n]), "seq %d", first+uint64(i))
						data = data[n:]
					}
					require.Equal(t, first+uint64(len(sizes)), c.Pos())
				}
			}
			if budget < 200 {
				require.Positive(t, truncations, "a small budget drops outputs before the cursor reads them")
			}
		})
	}
}
