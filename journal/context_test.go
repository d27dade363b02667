package journal

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"time"
)

// gateFS blocks every segment Sync while gate is armed, until released.
type gateFS struct {
	OSFS
	armed   chan struct{} // closed to arm
	entered chan struct{} // a Sync is blocked
	release chan struct{} // closed to let Syncs through
}

func (g *gateFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := g.OSFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &gateFile{File: f, g: g}, nil
}

type gateFile struct {
	File
	g *gateFS
}

func (f *gateFile) Sync() error {
	select {
	case <-f.g.armed:
		select {
		case f.g.entered <- struct{}{}:
		default:
		}
		<-f.g.release
	default:
	}
	return f.File.Sync()
}

// TestWaitContextCancelled: a waiter behind a flush that is stuck in fsync
// gives up when its context ends, with an error wrapping ctx.Err(); its
// record stays queued and becomes durable with the next flush. Stats sees
// the backlog while it waits and every fsync and batch afterwards.
func TestWaitContextCancelled(t *testing.T) {
	g := &gateFS{armed: make(chan struct{}), entered: make(chan struct{}, 1), release: make(chan struct{})}
	l, err := Open(t.TempDir(), Options{FS: g})
	ok(t, err)
	defer l.Close()
	ok(t, l.Append(Record{Seq: 1, Payload: payloadFor(1)}))
	st := l.Stats()
	eq(t, st.FsyncNanos.Count, uint64(1), "fsyncs after one append")
	eq(t, st.BatchRecords.Counts[0], uint64(1), "batches of one record")
	eq(t, st.QueueDepth, uint64(0), "queue depth when idle")

	close(g.armed)
	leader := make(chan error, 1)
	go func() { leader <- l.Append(Record{Seq: 2, Payload: payloadFor(2)}) }()
	<-g.entered // the leader is inside fsync, without the log's lock

	t3, err := l.Enqueue(Record{Seq: 3, Payload: payloadFor(3)})
	ok(t, err)
	eq(t, l.Stats().QueueDepth, uint64(2), "queue depth with two records pending")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = l.WaitContext(ctx, t3)
	isErr(t, err, context.DeadlineExceeded)
	truth(t, l.DurableSeq() < 3, "record 3 must not be durable yet")

	// A context already done gives up at once.
	done, stop := context.WithCancel(context.Background())
	stop()
	isErr(t, l.SyncContext(done), context.Canceled)

	close(g.release)
	ok(t, <-leader)
	ok(t, l.WaitContext(context.Background(), t3))
	eq(t, l.DurableSeq(), uint64(3), "durable after the next flush")
	st = l.Stats()
	eq(t, st.QueueDepth, uint64(0), "queue depth after the flush")
	truth(t, st.FsyncNanos.Count == 3 && st.BatchRecords.Count == 3, "three fsyncs and batches, got %d and %d", st.FsyncNanos.Count, st.BatchRecords.Count)
	eq(t, st.BatchRecords.Sum, uint64(3), "records over all batches")
	truth(t, st.FsyncNanos.Sum > 0, "fsync time is recorded")
	if errors.Is(l.WaitContext(context.Background(), NewTicket(9)), ErrInvalidTicket) != true {
		t.Fatal("a ticket past the last record is invalid")
	}
}

// TestHistogramBuckets pins the bucket bounds.
func TestHistogramBuckets(t *testing.T) {
	var h Histogram
	for _, v := range []int64{-5, 0, 1, 2, 3, 4, 5, 1 << 20, 1<<62 + 1} {
		h.Observe(v)
	}
	eq(t, h.Counts[0], uint64(3), "values up to 1")
	eq(t, h.Counts[1], uint64(1), "2")
	eq(t, h.Counts[2], uint64(2), "3..4")
	eq(t, h.Counts[3], uint64(1), "5..8")
	eq(t, h.Counts[20], uint64(1), "2^20")
	eq(t, h.Counts[HistogramBuckets-1], uint64(1), "beyond the last bound")
	eq(t, h.Count, uint64(9), "count")
	eq(t, BucketUpper(3), int64(8), "upper bound of bucket 3")
	eq(t, BucketUpper(HistogramBuckets-1), int64(1<<63-1), "last bucket unbounded")
}
