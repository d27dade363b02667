package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// byteSize counts each byte as one byte of the budget.
func byteSize(*byte) int { return 1 }

// output is the deterministic payload of seq in these tests.
func output(seq uint64, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seq*31 + uint64(i))
	}
	return b
}

// check verifies the buffer against the outputs published so far: the held
// outputs are a suffix ending at Last, within the budget (or one output),
// byte-identical to what was published.
func check(t *testing.T, b *Buffer[byte], want map[uint64][]byte, budget int) {
	t.Helper()
	last, oldest := b.Last(), b.Oldest()
	require.LessOrEqual(t, oldest, last+1)
	held := 0
	for s := oldest; s <= last; s++ {
		got, err := b.Read(s, nil)
		require.NoError(t, err, "seq %d", s)
		require.True(t, bytes.Equal(want[s], got), "seq %d", s)
		held += max(len(got), 1)
	}
	require.Equal(t, held, b.Bytes())
	if last >= oldest+1 {
		require.LessOrEqual(t, held, budget, "more than one output held beyond the budget")
	}
	if oldest > 1 {
		_, err := b.Read(oldest-1, nil)
		var te *TruncatedError
		require.ErrorAs(t, err, &te)
		require.ErrorIs(t, err, ErrTruncated)
		require.Equal(t, oldest-1, te.Want)
	}
	_, err := b.Read(last+1, nil)
	require.ErrorIs(t, err, ErrNotYet)
}

func TestNewRejectsBadBudget(t *testing.T) {
	for _, budget := range []int{0, -1} {
		_, err := New(budget, 0, byteSize)
		require.Error(t, err)
	}
}

func TestInOrderKeepsNewestWithinBudget(t *testing.T) {
	const budget = 100
	b, err := New(budget, 0, byteSize)
	require.NoError(t, err)
	want := map[uint64][]byte{}
	for s := uint64(1); s <= 200; s++ {
		want[s] = output(s, int(s%17))
		require.NoError(t, b.Publish(s, want[s]))
		check(t, b, want, budget)
	}
	// The held outputs are the newest ones that fit: one more would not.
	held := b.Bytes()
	require.Greater(t, held+len(want[b.Oldest()-1]), budget)
}

func TestOutOfOrderBecomesVisibleWhenTheGapCloses(t *testing.T) {
	b, err := New(1<<10, 10, byteSize)
	require.NoError(t, err)
	require.NoError(t, b.Publish(13, []byte("c")))
	require.NoError(t, b.Publish(12, []byte("b")))
	require.Equal(t, uint64(10), b.Last())
	_, err = b.Read(12, nil)
	require.ErrorIs(t, err, ErrNotYet)
	require.NoError(t, b.Publish(11, []byte("a")))
	require.Equal(t, uint64(13), b.Last())
	for s, w := range map[uint64]string{11: "a", 12: "b", 13: "c"} {
		got, err := b.Read(s, nil)
		require.NoError(t, err)
		require.Equal(t, w, string(got))
	}
}

func TestPublishErrors(t *testing.T) {
	b, err := New(1<<10, 5, byteSize)
	require.NoError(t, err)
	require.ErrorIs(t, b.Publish(5, nil), ErrDuplicate, "at the start")
	require.NoError(t, b.Publish(6, nil))
	require.ErrorIs(t, b.Publish(6, nil), ErrDuplicate)
	require.NoError(t, b.Publish(8, []byte("x")))
	require.ErrorIs(t, b.Publish(8, []byte("y")), ErrDuplicate, "staged twice")
	require.ErrorIs(t, b.Publish(6+MaxPending+1, nil), ErrTooFar)
	require.Equal(t, uint64(6), b.Last(), "a refused publication changes nothing")
	require.NoError(t, b.Publish(7, nil))
	got, err := b.Read(8, nil)
	require.NoError(t, err)
	require.Equal(t, "x", string(got), "the first staged output stands")
}

func TestOversizedOutputIsHeldAlone(t *testing.T) {
	b, err := New(10, 0, byteSize)
	require.NoError(t, err)
	require.NoError(t, b.Publish(1, output(1, 4)))
	require.NoError(t, b.Publish(2, output(2, 25)))
	require.Equal(t, uint64(2), b.Oldest())
	got, err := b.Read(2, nil)
	require.NoError(t, err)
	require.Equal(t, output(2, 25), got)
	require.NoError(t, b.Publish(3, output(3, 3)))
	require.Equal(t, uint64(3), b.Oldest(), "the oversized output leaves first")
}

// TestRandomAgainstModel publishes random sizes in random orders and checks
// the buffer after every publication.
func TestRandomAgainstModel(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			budget := 1 + rng.IntN(300)
			b, err := New(budget, 0, byteSize)
			require.NoError(t, err)
			want := map[uint64][]byte{}
			var next uint64 = 1
			for next < 600 {
				// Publish a window of seqs in a shuffled order.
				w := 1 + rng.IntN(8)
				order := rng.Perm(w)
				for _, i := range order {
					s := next + uint64(i)
					want[s] = output(s, rng.IntN(budget/2+20))
					require.NoError(t, b.Publish(s, want[s]))
					check(t, b, want, budget)
				}
				next += uint64(w)
				require.Equal(t, next-1, b.Last())
			}
		})
	}
}

// TestConcurrentPublishersAndReaders runs racing publishers (each seq
// published once, out of order) and readers starting at different seqs:
// every reader sees consecutive seqs with the published bytes, or a typed
// truncation error, never a gap.
func TestConcurrentPublishersAndReaders(t *testing.T) {
	const n = 20000
	b, err := New(64<<10, 0, byteSize)
	require.NoError(t, err)
	var next sync.Mutex
	var seq uint64
	take := func() uint64 {
		next.Lock()
		defer next.Unlock()
		seq++
		return seq
	}
	var wg sync.WaitGroup
	for p := 0; p < 4; p++ {
		wg.Go(func() {
			for {
				s := take()
				if s > n {
					return
				}
				if err := b.Publish(s, output(s, int(s%50))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results := make([]string, 4)
	for r := range results {
		wg.Go(func() {
			from := uint64(1 + r*10)
			var buf []byte
			w := NewWaiter()
			for s := from; s <= n; s++ {
				if err := b.Wait(ctx, s, w); err != nil {
					results[r] = err.Error()
					return
				}
				var err error
				buf, err = b.Read(s, buf[:0])
				if errors.Is(err, ErrTruncated) {
					// A slow reader: it must be told, and may resume from
					// what is held.
					s = b.Oldest() - 1
					continue
				}
				if err != nil {
					results[r] = err.Error()
					return
				}
				if !bytes.Equal(buf, output(s, int(s%50))) {
					results[r] = fmt.Sprintf("seq %d: wrong bytes", s)
					return
				}
			}
		})
	}
	wg.Wait()
	for r, res := range results {
		require.Empty(t, res, "reader %d", r)
	}
	require.Equal(t, uint64(n), b.Last())
}

func TestWaitHonoursContextAndClose(t *testing.T) {
	b, err := New(1<<10, 0, byteSize)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, b.Wait(ctx, 1, nil), context.Canceled)
	done := make(chan error, 1)
	go func() { done <- b.Wait(context.Background(), 1, NewWaiter()) }()
	b.Close()
	require.ErrorIs(t, <-done, ErrClosed)
	require.NoError(t, b.Publish(1, []byte("late")), "publishing after Close still records")
	require.NoError(t, b.Wait(context.Background(), 1, nil))
}

func TestPublishAllocatesNothingWhenSteady(t *testing.T) {
	b, err := New(4<<10, 0, byteSize)
	require.NoError(t, err)
	out := output(1, 40)
	var s uint64
	// Warm up: fill the ring and the staging area.
	for range 1000 {
		s += 2
		require.NoError(t, b.Publish(s, out))
		require.NoError(t, b.Publish(s-1, out))
	}
	allocs := testing.AllocsPerRun(1000, func() {
		s += 2
		_ = b.Publish(s, out)
		_ = b.Publish(s-1, out)
	})
	require.Zero(t, allocs)
	var dst []byte
	dst, _ = b.Read(s, dst)
	allocs = testing.AllocsPerRun(1000, func() { dst, _ = b.Read(s, dst[:0]) })
	require.Zero(t, allocs)
}

func BenchmarkPublish(b *testing.B) {
	buf, err := New(1<<20, 0, byteSize)
	require.NoError(b, err)
	out := output(1, 64)
	b.ReportAllocs()
	for i := range b.N {
		_ = buf.Publish(uint64(i)+1, out)
	}
}
