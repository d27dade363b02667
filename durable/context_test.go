package durable_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/journal"
	. "github.com/agora-exchange/agora/matching"
)

// stallLog is a file journal whose WaitContext blocks, while stalled,
// until its context ends or the stall is lifted: a disk that does not
// answer for a while.
type stallLog struct {
	*journal.FileLog
	mu      sync.Mutex
	release chan struct{} // closed when the stall is lifted; nil: not stalled
}

func (l *stallLog) stall(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case on && l.release == nil:
		l.release = make(chan struct{})
	case !on && l.release != nil:
		close(l.release)
		l.release = nil
	}
}

func (l *stallLog) WaitContext(ctx context.Context, t journal.Ticket) error {
	l.mu.Lock()
	release := l.release
	l.mu.Unlock()
	if release != nil {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-release:
		}
	}
	return l.FileLog.WaitContext(ctx, t)
}

func openStalling(t *testing.T, dir string) (*Exchange, *stallLog) {
	t.Helper()
	fl, err := journal.Open(dir, journal.Options{})
	require.NoError(t, err)
	l := &stallLog{FileLog: fl}
	x, err := durable.Open(dir, Config{}, durable.Options{Log: l})
	require.NoError(t, err)
	return x, l
}

// TestSubmitContextCancelled: a submitter whose context ends while its
// command waits for the journal gets a *CanceledError that wraps ctx.Err()
// and carries the command's seq; the command was applied exactly once, its
// output enters the feed once the journal holds it, it is journaled and
// recovered, and the exchange
// goes on (a cancellation is not a journal failure). A context that ended
// before the submit applies nothing.
func TestSubmitContextCancelled(t *testing.T) {
	dir := t.TempDir()
	x, l := openStalling(t, dir)
	g := newDuGen(x.Catalog(), 3)
	duDrive(t, x, g, 50)
	before := x.Seq()

	l.stall(true)
	var cmd Command
	for cmd = g.Next(); cmd.Kind != CmdRegister; cmd = g.Next() {
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	evs, err := x.SubmitContext(ctx, cmd, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NotErrorIs(t, err, ErrJournal)
	var ce *CanceledError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, before+1, ce.Seq)
	require.Empty(t, evs, "no events for an unacknowledged command")
	require.Equal(t, before+1, x.Seq(), "applied once")

	// Not durable yet: not in the ordered feed.
	r := x.Feed(ce.Seq)
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, _, err = r.Next(short, nil)
	cancelShort()
	require.ErrorIs(t, err, context.DeadlineExceeded, "an output the journal does not hold yet is not served")

	// Cancelled before it starts: nothing applied, no seq taken.
	done, stop := context.WithCancel(context.Background())
	stop()
	_, err = x.SubmitContext(done, cmd, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorAs(t, err, &ce)
	require.Zero(t, ce.Seq)
	require.Equal(t, before+1, x.Seq())

	// The journal was not failed by the cancellation. Once it holds the
	// command, its outcome is in the ordered feed under that seq.
	l.stall(false)
	wait, cancelWait := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelWait()
	seq, out, err := r.Next(wait, nil)
	require.NoError(t, err)
	require.Equal(t, before+1, seq)
	require.Len(t, out, 1)
	require.Equal(t, EventRegistered, out[0].Kind)
	require.Equal(t, seq, out[0].Seq)
	p, ok := x.Participant(out[0].Participant)
	require.True(t, ok, "the cancelled registration took effect")
	require.Equal(t, cmd.INN, p.INN)
	g.Observe(out)
	duDrive(t, x, g, 20)
	want := duMarshal(t, x)
	require.NoError(t, durable.Of(x).Close())

	y, err := durable.Open(dir, Config{}, durable.Options{})
	require.NoError(t, err)
	defer durable.Of(y).Close()
	require.Equal(t, x.Seq(), y.Seq())
	require.Equal(t, want, duMarshal(t, y), "the cancelled command was journaled and recovers")
}

// TestSnapshotContextCancelled: a snapshot whose context ended writes
// nothing and changes nothing; the next one succeeds.
func TestSnapshotContextCancelled(t *testing.T) {
	dir := t.TempDir()
	x, l := openStalling(t, dir)
	duDrive(t, x, newDuGen(x.Catalog(), 5), 100)
	s := durable.Of(x)

	done, stop := context.WithCancel(context.Background())
	stop()
	err := s.SnapshotContext(done)
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, s.Metrics().Snapshots)

	require.NoError(t, s.Snapshot())
	require.Equal(t, uint64(1), s.Metrics().Snapshots)
	l.stall(false)
	require.NoError(t, s.Close())

	y, err := durable.Open(dir, Config{}, durable.Options{})
	require.NoError(t, err)
	defer durable.Of(y).Close()
	require.Equal(t, x.Seq(), durable.Of(y).Recovery().SnapshotSeq)
}
