package cluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/replog"
	"github.com/agora-exchange/agora/replog/memlog"
)

// TestOutputTail: concurrent waits, before and after their outputs are
// stored, each get their own output; a wait for an output the tail has
// passed reads it; a cancelled wait leaves no waiter; the tail stops when
// no one waits and starts again for the next wait.
func TestOutputTail(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{Seed: 5})
	t.Cleanup(log.Close)
	log.SetFaults(memlog.Faults{DropRequest: 0.05, DropReply: 0.05})
	s, err := log.Stream(ctx, replog.StreamConfig{Name: "OUT"})
	require.NoError(t, err)
	retry := replog.Retry{CallTimeout: 20 * time.Millisecond, Backoff: 100 * time.Microsecond, Attempts: 1000}
	tail := newOutputTail(s, retry)
	put := func(n uint64) {
		err := retry.Do(ctx, func(ctx context.Context) error {
			_, err := replog.PutOutput(ctx, s, n, make([]byte, 32), fmt.Appendf(nil, "out %d", n))
			return err
		})
		require.NoError(t, err)
	}
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for seq := uint64(1); seq <= n; seq++ {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, err := tail.wait(ctx, seq)
				if err == nil && (m.Seq != seq || string(m.Data) != fmt.Sprintf("out %d", seq)) {
					err = fmt.Errorf("wait %d got output %d %q", seq, m.Seq, m.Data)
				}
				if err != nil {
					errs <- err
				}
			}()
		}
	}
	for seq := uint64(1); seq <= n; seq++ {
		put(seq)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	// Passed outputs are read directly, whether or not the tail runs.
	m, err := tail.wait(ctx, 7)
	require.NoError(t, err)
	require.Equal(t, "out 7", string(m.Data))

	// A cancelled wait leaves nothing behind, and the tail stops.
	short, cancelShort := context.WithTimeout(ctx, 30*time.Millisecond)
	_, err = tail.wait(short, n+10)
	cancelShort()
	require.ErrorIs(t, err, replog.ErrTimeout)
	require.Eventually(t, func() bool {
		tail.mu.Lock()
		defer tail.mu.Unlock()
		return !tail.running && len(tail.waiters) == 0
	}, 5*time.Second, time.Millisecond)

	// The next wait starts it again.
	done := make(chan error, 1)
	go func() {
		m, err := tail.wait(ctx, n+1)
		if err == nil && string(m.Data) != fmt.Sprintf("out %d", n+1) {
			err = fmt.Errorf("got %q", m.Data)
		}
		done <- err
	}()
	put(n + 1)
	require.NoError(t, <-done)
}

// TestOutputTailTruncated: waits for outputs purged before the tail reads
// them get a *replog.TruncatedError; later ones are served.
func TestOutputTailTruncated(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{})
	t.Cleanup(log.Close)
	s, err := log.Stream(ctx, replog.StreamConfig{Name: "OUT"})
	require.NoError(t, err)
	retry := replog.Retry{CallTimeout: 20 * time.Millisecond}
	for n := uint64(1); n <= 10; n++ {
		_, err := replog.PutOutput(ctx, s, n, make([]byte, 32), []byte{byte(n)})
		require.NoError(t, err)
	}
	require.NoError(t, s.Purge(ctx, 6))
	tail := newOutputTail(s, retry)
	_, err = tail.wait(ctx, 3)
	var te *replog.TruncatedError
	require.ErrorAs(t, err, &te)
	require.Equal(t, uint64(6), te.First)
	m, err := tail.wait(ctx, 8)
	require.NoError(t, err)
	require.Equal(t, []byte{8}, m.Data)
}

// countingStream counts Reads.
type countingStream struct {
	replog.Stream
	mu    sync.Mutex
	reads int
	froms []uint64 // where each read began
}

func (s *countingStream) Read(ctx context.Context, from uint64, max int) ([]replog.Msg, error) {
	s.mu.Lock()
	s.reads++
	s.froms = append(s.froms, from)
	s.mu.Unlock()
	return s.Stream.Read(ctx, from, max)
}

func (s *countingStream) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// storedOutputs returns a counting stream that holds outputs 1..n, output
// i's data "out i".
func storedOutputs(t *testing.T, ctx context.Context, n uint64) *countingStream {
	t.Helper()
	log := memlog.New(memlog.Options{})
	t.Cleanup(log.Close)
	ms, err := log.Stream(ctx, replog.StreamConfig{Name: "OUT"})
	require.NoError(t, err)
	for seq := uint64(1); seq <= n; seq++ {
		_, err := replog.PutOutput(ctx, ms, seq, make([]byte, 32), fmt.Appendf(nil, "out %d", seq))
		require.NoError(t, err)
	}
	return &countingStream{Stream: ms}
}

// waitStopped waits until tail has stopped reading.
func waitStopped(t *testing.T, tail *outputTail) {
	t.Helper()
	require.Eventually(t, func() bool { tail.mu.Lock(); defer tail.mu.Unlock(); return !tail.running }, 5*time.Second, time.Millisecond)
}

// TestOutputTailKeepsRecent: a wait for an output the tail read lately is
// answered from what the tail kept, without reading the stream; one for an
// output it read more than tailKeep outputs ago reads the stream.
func TestOutputTailKeepsRecent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const n = 3 * tailKeep
	s := storedOutputs(t, ctx, n)
	tail := newOutputTail(s, replog.Retry{CallTimeout: 50 * time.Millisecond})
	m, err := tail.wait(ctx, 10) // starts the tail, which reads a batch
	require.NoError(t, err)
	require.Equal(t, "out 10", string(m.Data))
	waitStopped(t, tail)
	reads := s.count()
	for _, seq := range []uint64{10, 11, tailBatch + 9} {
		m, err := tail.wait(ctx, seq)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("out %d", seq), string(m.Data))
	}
	require.Equal(t, reads, s.count(), "waits for outputs the tail read lately read nothing")

	// The tail moves on by more than it keeps: output 10 is read again.
	m, err = tail.wait(ctx, 10+tailKeep)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("out %d", 10+tailKeep), string(m.Data))
	reads = s.count()
	m, err = tail.wait(ctx, 10)
	require.NoError(t, err)
	require.Equal(t, "out 10", string(m.Data))
	require.Greater(t, s.count(), reads)
}

// TestOutputTailResumesWhereItStopped: a tail that stopped a little before
// the output a new wait asks for reads on from where it stopped (where
// its reader is positioned), so the waits for the outputs between, which
// come just after, find them kept; one far ahead starts at its output.
func TestOutputTailResumesWhereItStopped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const n = 4 * tailKeep
	s := storedOutputs(t, ctx, n)
	tail := newOutputTail(s, replog.Retry{CallTimeout: 50 * time.Millisecond})
	_, err := tail.wait(ctx, 10) // reads 10 .. 10+tailBatch-1
	require.NoError(t, err)
	waitStopped(t, tail)
	ahead := uint64(10 + tailBatch + 100)
	m, err := tail.wait(ctx, ahead)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("out %d", ahead), string(m.Data))
	waitStopped(t, tail)
	s.mu.Lock()
	require.Equal(t, uint64(10+tailBatch), s.froms[len(s.froms)-1], "the tail went on from where it stopped")
	s.mu.Unlock()
	reads := s.count()
	for seq := uint64(10 + tailBatch); seq < ahead; seq += 7 {
		m, err := tail.wait(ctx, seq)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("out %d", seq), string(m.Data))
	}
	require.Equal(t, reads, s.count(), "the outputs between were kept")

	// Far ahead of where it stopped, the tail starts at the output asked
	// for; a wait behind it then reads its output alone.
	far := uint64(n - 10)
	_, err = tail.wait(ctx, far)
	require.NoError(t, err)
	waitStopped(t, tail)
	s.mu.Lock()
	require.Contains(t, s.froms, far)
	s.mu.Unlock()
	reads = s.count()
	m, err = tail.wait(ctx, far-tailKeep-100)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("out %d", far-tailKeep-100), string(m.Data))
	require.Equal(t, reads+1, s.count())
	tail.mu.Lock()
	defer tail.mu.Unlock()
	require.False(t, tail.running, "a wait behind a stopped tail does not start it")
}
