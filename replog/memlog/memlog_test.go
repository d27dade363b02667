package memlog_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/replog"
	"github.com/agora-exchange/agora/replog/memlog"
	"github.com/agora-exchange/agora/replog/replogtest"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func harness(t *testing.T, f memlog.Faults, seed uint64) replogtest.Harness {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	l := memlog.New(memlog.Options{Clock: clock.Now, Seed: seed})
	t.Cleanup(l.Close)
	return replogtest.Harness{
		Log: l, Window: time.Minute, Advance: clock.Advance,
		Faults: func(on bool) {
			if on {
				l.SetFaults(f)
			} else {
				l.SetFaults(memlog.Faults{})
			}
		},
	}
}

func TestConformance(t *testing.T) {
	replogtest.Run(t, func(t *testing.T) replogtest.Harness { return harness(t, memlog.Faults{}, 1) })
}

func TestConformanceUnderFaults(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		replogtest.Run(t, func(t *testing.T) replogtest.Harness {
			return harness(t, memlog.Faults{DropRequest: 0.1, DropReply: 0.1, MaxDelay: 200 * time.Microsecond, HoldSource: 0.5}, seed)
		})
	}
}

func TestLeaderLossTimesOutThenRecovers(t *testing.T) {
	l := memlog.New(memlog.Options{})
	defer l.Close()
	ctx := context.Background()
	s, err := l.Stream(ctx, replog.StreamConfig{Name: "S"})
	require.NoError(t, err)
	require.ErrorIs(t, l.LoseLeader("T"), replog.ErrNotFound)
	require.NoError(t, l.LoseLeader("S"))
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = s.Append(short, []byte("x"), replog.AppendOptions{ID: "x"})
	cancel()
	require.ErrorIs(t, err, replog.ErrTimeout)
	// A retrying caller gets through once the leader is back, under the
	// same message ID, and the command is stored once.
	done := make(chan replog.Ack, 1)
	go func() {
		var ack replog.Ack
		_ = replog.Retry{CallTimeout: 10 * time.Millisecond, Backoff: time.Millisecond, Attempts: 1000}.Do(ctx, func(ctx context.Context) error {
			var err error
			ack, err = s.Append(ctx, []byte("x"), replog.AppendOptions{ID: "x"})
			return err
		})
		done <- ack
	}()
	time.Sleep(30 * time.Millisecond)
	l.RestoreLeader("S")
	ack := <-done
	require.Equal(t, uint64(1), ack.Seq)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), info.Last)
}

func TestDroppedReplyTookEffect(t *testing.T) {
	l := memlog.New(memlog.Options{})
	defer l.Close()
	ctx := context.Background()
	s, err := l.Stream(ctx, replog.StreamConfig{Name: "S"})
	require.NoError(t, err)
	l.SetFaults(memlog.Faults{DropReply: 1})
	_, err = s.Append(ctx, []byte("x"), replog.AppendOptions{ID: "x"})
	require.ErrorIs(t, err, replog.ErrTimeout)
	l.SetFaults(memlog.Faults{})
	ack, err := s.Append(ctx, []byte("x"), replog.AppendOptions{ID: "x"})
	require.NoError(t, err)
	require.Equal(t, replog.Ack{Seq: 1, Duplicate: true}, ack, "the lost answer's append landed")
	l.SetFaults(memlog.Faults{DropRequest: 1})
	_, err = s.Append(ctx, []byte("y"), replog.AppendOptions{ID: "y"})
	require.ErrorIs(t, err, replog.ErrTimeout)
	l.SetFaults(memlog.Faults{})
	ack, err = s.Append(ctx, []byte("y"), replog.AppendOptions{ID: "y"})
	require.NoError(t, err)
	require.Equal(t, replog.Ack{Seq: 2}, ack, "the lost request stored nothing")
}

func TestMaxAgeAndClose(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	l := memlog.New(memlog.Options{Clock: clock.Now})
	ctx := context.Background()
	s, err := l.Stream(ctx, replog.StreamConfig{Name: "OUT", MaxAge: time.Hour})
	require.NoError(t, err)
	_, err = s.Append(ctx, []byte("old"), replog.AppendOptions{})
	require.NoError(t, err)
	clock.Advance(30 * time.Minute)
	_, err = s.Append(ctx, []byte("new"), replog.AppendOptions{})
	require.NoError(t, err)
	clock.Advance(31 * time.Minute)
	_, err = s.Read(ctx, 1, 1)
	require.ErrorIs(t, err, replog.ErrTruncated)
	msgs, err := s.Read(ctx, 2, 1)
	require.NoError(t, err)
	require.Equal(t, []byte("new"), msgs[0].Data)
	go func() { time.Sleep(10 * time.Millisecond); l.Close() }()
	_, err = s.Read(ctx, 3, 1)
	require.True(t, errors.Is(err, replog.ErrClosed), "%v", err)
	_, err = s.Append(ctx, nil, replog.AppendOptions{})
	require.ErrorIs(t, err, replog.ErrClosed)
}
