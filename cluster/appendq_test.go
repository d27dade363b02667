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

// gatedStream holds every AppendBatch until the gate is closed and
// records the batches' sizes.
type gatedStream struct {
	replog.BatchAppender
	gate    chan struct{}
	mu      sync.Mutex
	batches []int
}

func (s *gatedStream) AppendBatch(ctx context.Context, reqs []replog.AppendRequest) []replog.AppendResult {
	s.mu.Lock()
	s.batches = append(s.batches, len(reqs))
	s.mu.Unlock()
	<-s.gate
	return s.BatchAppender.AppendBatch(ctx, reqs)
}

func (s *gatedStream) sizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.batches...)
}

func newGatedQueue(t *testing.T) (*appendQueue, *gatedStream) {
	t.Helper()
	log := memlog.New(memlog.Options{})
	t.Cleanup(log.Close)
	s, err := log.Stream(context.Background(), replog.StreamConfig{Name: "Q"})
	require.NoError(t, err)
	gs := &gatedStream{BatchAppender: s.(replog.BatchAppender), gate: make(chan struct{})}
	return newAppendQueue(gs, replog.Retry{CallTimeout: 5 * time.Second}), gs
}

func (q *appendQueue) queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}

type queueAnswer struct {
	id  string
	ack replog.Ack
	err error
}

// TestAppendQueueBatches: appends that arrive while a batch is on its way
// go out together as the next batch, each gets its own answer (a
// repeated ID the first one's seq, as a duplicate), and the stream holds
// each payload at the seq its answer names.
func TestAppendQueueBatches(t *testing.T) {
	q, gs := newGatedQueue(t)
	ctx := context.Background()
	answers := make(chan queueAnswer, 16)
	send := func(id string) {
		go func() {
			ack, err := q.append(ctx, []byte("data of "+id), id)
			answers <- queueAnswer{id, ack, err}
		}()
	}
	send("a0")
	require.Eventually(t, func() bool { return len(gs.sizes()) == 1 }, 5*time.Second, time.Millisecond)
	ids := []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a3"}
	for _, id := range ids {
		send(id)
	}
	require.Eventually(t, func() bool { return q.queued() == len(ids) }, 5*time.Second, time.Millisecond)
	close(gs.gate)
	seqOf := map[string]uint64{}
	dups := 0
	for range len(ids) + 1 {
		a := <-answers
		require.NoError(t, a.err, a.id)
		if a.ack.Duplicate {
			dups++
		}
		if s, ok := seqOf[a.id]; ok {
			require.Equal(t, s, a.ack.Seq, "the repeated ID's seq")
		}
		seqOf[a.id] = a.ack.Seq
	}
	require.Equal(t, 1, dups)
	require.Equal(t, []int{1, len(ids)}, gs.sizes(), "the appends queued behind the first batch went as one")
	require.Equal(t, uint64(1), seqOf["a0"])
	msgs, err := gs.Read(ctx, 1, 100)
	require.NoError(t, err)
	require.Len(t, msgs, len(seqOf))
	for id, seq := range seqOf {
		require.Equal(t, "data of "+id, string(msgs[seq-1].Data), "seq %d", seq)
	}
	require.Eventually(t, func() bool { q.mu.Lock(); defer q.mu.Unlock(); return !q.running }, 5*time.Second, time.Millisecond, "the sender stops once the queue is empty")
}

// TestAppendQueueTakesBackCancelled: an append whose context ends while it
// is queued returns replog.ErrTimeout and is never sent.
func TestAppendQueueTakesBackCancelled(t *testing.T) {
	q, gs := newGatedQueue(t)
	first := make(chan error, 1)
	go func() {
		_, err := q.append(context.Background(), []byte("first"), "f")
		first <- err
	}()
	require.Eventually(t, func() bool { return len(gs.sizes()) == 1 }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() {
		_, err := q.append(ctx, []byte("second"), "s")
		second <- err
	}()
	require.Eventually(t, func() bool { return q.queued() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-second, replog.ErrTimeout)
	require.Equal(t, 0, q.queued())
	close(gs.gate)
	require.NoError(t, <-first)
	info, err := gs.Info(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint64(1), info.Last, "the cancelled append was not sent")
	require.Equal(t, []int{1}, gs.sizes())
}

// plainStream hides a stream's AppendBatch.
type plainStream struct{ replog.Stream }

// TestAppendQueueWithoutBatches: on a stream that is no BatchAppender each
// append goes alone, through Append.
func TestAppendQueueWithoutBatches(t *testing.T) {
	log := memlog.New(memlog.Options{})
	t.Cleanup(log.Close)
	s, err := log.Stream(context.Background(), replog.StreamConfig{Name: "P"})
	require.NoError(t, err)
	q := newAppendQueue(plainStream{s}, replog.Retry{})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := q.append(context.Background(), []byte("x"), fmt.Sprint("p", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	info, err := s.Info(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint64(20), info.Last)
	require.False(t, q.running, "no sender for a plain stream")
}
