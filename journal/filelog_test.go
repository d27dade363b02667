package journal

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var allModes = []Mode{ModeSync, ModeGroupCommit, ModeAsync}

func segmentFiles(t testing.TB, fsys FS, dir string) []string {
	t.Helper()
	names, _, err := listSegments(fsys, dir)
	ok(t, err)
	return names
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		ok   bool
	}{
		{"zero", Options{}, true},
		{"sync", Options{Mode: ModeSync}, true},
		{"async", Options{Mode: ModeAsync, FlushInterval: time.Second, FlushBytes: 10}, true},
		{"bad mode", Options{Mode: ModeAsync + 1}, false},
		{"negative interval", Options{FlushInterval: -1}, false},
		{"negative bytes", Options{FlushBytes: -1}, false},
		{"negative segment", Options{SegmentBytes: -1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			if tc.ok {
				ok(t, err)
				return
			}
			isErr(t, err, ErrInvalidOptions)
			_, err = Open(t.TempDir(), tc.opts)
			isErr(t, err, ErrInvalidOptions)
		})
	}
	d := Options{}.withDefaults()
	eq(t, d.Mode, ModeGroupCommit, "default mode")
	eq(t, d.FlushInterval, 10*time.Millisecond, "default interval")
	eq(t, d.FlushBytes, 1<<20, "default flush bytes")
	eq(t, d.SegmentBytes, int64(64<<20), "default segment bytes")
	eq(t, Mode(0).String(), "default", "zero mode name")
	eq(t, ModeGroupCommit.String(), "group-commit", "mode name")
}

func TestRoundTripAcrossSegments(t *testing.T) {
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			opts := Options{Mode: mode, SegmentBytes: 256}
			l, err := Open(dir, opts)
			ok(t, err)
			eq(t, l.LastSeq(), uint64(0), "empty log LastSeq")
			appendRange(t, l, 1, 200)
			ok(t, l.Sync())
			eq(t, l.DurableSeq(), uint64(200), "durable after Sync")
			segs := segmentFiles(t, OSFS{}, dir)
			truth(t, len(segs) > 10, "want many segments, got %d", len(segs))
			eq(t, filepath.Base(segs[0]), "00000000000000000001.wal", "first segment name")
			for _, s := range segs {
				st, err := os.Stat(s)
				ok(t, err)
				truth(t, st.Size() <= 256, "segment %s has %d bytes, limit 256", s, st.Size())
			}
			for _, from := range []uint64{0, 1, 2, 37, 99, 100, 101, 150, 199, 200} {
				checkRange(t, collect(t, l, from), max(from, 1), 200)
			}
			eq(t, len(collect(t, l, 201)), 0, "replay past the end")
			ok(t, l.Close())
			isErr(t, l.Close(), ErrClosed)
			_, err = l.Enqueue(Record{Seq: 201})
			isErr(t, err, ErrClosed)

			l, err = Open(dir, opts)
			ok(t, err)
			info := l.Recovered()
			eq(t, info.LastSeq, uint64(200), "recovered LastSeq")
			eq(t, info.TruncatedBytes, int64(0), "nothing truncated")
			eq(t, info.Segments, len(segs), "segments")
			appendRange(t, l, 201, 260)
			ok(t, l.Close())

			l, err = Open(dir, opts)
			ok(t, err)
			checkRange(t, collect(t, l, 1), 1, 260)
			checkRange(t, collect(t, l, 255), 255, 260)
			ok(t, l.Close())
		})
	}
}

func TestEnqueueContract(t *testing.T) {
	l, err := Open(t.TempDir(), Options{})
	ok(t, err)
	defer l.Close()
	_, err = l.Enqueue(Record{Seq: 2})
	isErr(t, err, ErrSequenceGap)
	_, err = l.Enqueue(Record{Seq: 0})
	isErr(t, err, ErrSequenceGap)

	p := []byte("abc")
	tk, err := l.Enqueue(Record{Seq: 1, Payload: p})
	ok(t, err)
	eq(t, tk.Seq(), uint64(1), "ticket seq")
	p[0] = 'X' // the log copied the payload
	isErr(t, l.Wait(Ticket{seq: 5}), ErrInvalidTicket)
	ok(t, l.Wait(tk))
	ok(t, l.Wait(Ticket{}))
	_, err = l.Enqueue(Record{Seq: 1})
	isErr(t, err, ErrSequenceGap)
	recs := collect(t, l, 1)
	eq(t, len(recs), 1, "records")
	eq(t, string(recs[0].Payload), "abc", "payload copied at Enqueue")

	stop := errors.New("stop")
	appendRange(t, l, 2, 5)
	n := 0
	err = l.Replay(1, func(Record) error { n++; return stop })
	isErr(t, err, stop)
	eq(t, n, 1, "replay stops at the first error")
}

func TestReplayOnlyDurable(t *testing.T) {
	l, err := Open(t.TempDir(), Options{})
	ok(t, err)
	defer l.Close()
	appendRange(t, l, 1, 3)
	_, err = l.Enqueue(Record{Seq: 4, Payload: payloadFor(4)})
	ok(t, err)
	eq(t, l.LastSeq(), uint64(4), "LastSeq counts enqueued")
	checkRange(t, collect(t, l, 1), 1, 3)
	ok(t, l.Sync())
	checkRange(t, collect(t, l, 1), 1, 4)
}

func TestGroupCommitBatches(t *testing.T) {
	const writers, each = 64, 40
	dir := t.TempDir()
	ffs := newFaultFS(OSFS{})
	ffs.arm(func(f *faultFS) { f.syncDelay = time.Millisecond })
	l, err := Open(dir, Options{FS: ffs, SegmentBytes: 32 << 10})
	ok(t, err)
	eq(t, l.Mode(), ModeGroupCommit, "zero Mode")
	base := ffs.syncCount()

	// The engine's pattern: sequence and Enqueue under its lock, Wait
	// outside it, then acknowledge.
	var engine sync.Mutex
	var next uint64 = 1
	acked := make(chan uint64, writers*each)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				engine.Lock()
				s := next
				next++
				tk, err := l.Enqueue(Record{Seq: s, Payload: payloadFor(s)})
				engine.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
				if err := l.Wait(tk); err != nil {
					t.Error(err)
					return
				}
				acked <- s
			}
		})
	}
	wg.Wait()
	close(acked)
	eq(t, len(acked), writers*each, "acknowledged")
	syncs := ffs.syncCount() - base
	segs := len(segmentFiles(t, OSFS{}, dir))
	t.Logf("%d records, %d fsyncs, %d segments", writers*each, syncs, segs)
	truth(t, syncs*8 < writers*each, "group commit must batch: %d fsyncs for %d records", syncs, writers*each)
	ok(t, l.Close())

	l, err = Open(dir, Options{})
	ok(t, err)
	defer l.Close()
	checkRange(t, collect(t, l, 1), 1, writers*each)
}

func TestSyncModeFsyncsEveryRecord(t *testing.T) {
	ffs := newFaultFS(newMemFS())
	l, err := Open("/j", Options{FS: ffs, Mode: ModeSync})
	ok(t, err)
	base := ffs.syncCount()
	for s := uint64(1); s <= 10; s++ {
		_, err := l.Enqueue(Record{Seq: s, Payload: payloadFor(s)})
		ok(t, err)
	}
	ok(t, l.Wait(Ticket{seq: 10}))
	eq(t, ffs.syncCount()-base, 10, "one fsync per record")
	ok(t, l.Close())
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAsyncFlushes(t *testing.T) {
	t.Run("interval", func(t *testing.T) {
		mfs := newMemFS()
		l, err := Open("/j", Options{FS: mfs, Mode: ModeAsync, FlushInterval: 2 * time.Millisecond})
		ok(t, err)
		appendRange(t, l, 1, 5) // Wait returns at once
		waitFor(t, "interval flush", func() bool { return l.DurableSeq() == 5 })
		mfs.crash() // everything durable survives a power loss
		l2, err := Open("/j", Options{FS: mfs})
		ok(t, err)
		checkRange(t, collect(t, l2, 1), 1, 5)
		ok(t, l2.Close())
	})
	t.Run("size", func(t *testing.T) {
		l, err := Open(t.TempDir(), Options{Mode: ModeAsync, FlushInterval: time.Hour, FlushBytes: 1000})
		ok(t, err)
		defer l.Close()
		var s uint64
		for bytes := 0; bytes < 1000; bytes += frameHeaderSize + len(payloadFor(s)) {
			s++
			ok(t, l.Append(Record{Seq: s, Payload: payloadFor(s)}))
		}
		waitFor(t, "size flush", func() bool { return l.DurableSeq() == s })
		ok(t, l.Append(Record{Seq: s + 1, Payload: payloadFor(s + 1)}))
		eq(t, l.DurableSeq(), s, "a small buffer waits for the hour-long interval")
		ok(t, l.Sync())
		eq(t, l.DurableSeq(), s+1, "Sync flushes")
	})
	t.Run("close", func(t *testing.T) {
		dir := t.TempDir()
		l, err := Open(dir, Options{Mode: ModeAsync, FlushInterval: time.Hour})
		ok(t, err)
		appendRange(t, l, 1, 50)
		eq(t, l.DurableSeq(), uint64(0), "nothing flushed yet")
		ok(t, l.Close())
		l, err = Open(dir, Options{})
		ok(t, err)
		checkRange(t, collect(t, l, 1), 1, 50)
		ok(t, l.Close())
	})
	t.Run("loss bound", func(t *testing.T) {
		mfs := newMemFS()
		l, err := Open("/j", Options{FS: mfs, Mode: ModeAsync, FlushInterval: time.Hour})
		ok(t, err)
		appendRange(t, l, 1, 10)
		ok(t, l.Sync())
		appendRange(t, l, 11, 20) // acknowledged, not yet flushed
		mfs.crash()
		l2, err := Open("/j", Options{FS: mfs})
		ok(t, err)
		checkRange(t, collect(t, l2, 1), 1, 10) // lost: exactly the records since the last flush
		ok(t, l2.Close())
		ok(t, l.Close())
	})
	t.Run("backpressure bounds the backlog in bytes", func(t *testing.T) {
		ffs := newFaultFS(newMemFS())
		ffs.arm(func(f *faultFS) { f.syncDelay = 100 * time.Microsecond })
		l, err := Open("/j", Options{FS: ffs, Mode: ModeAsync, FlushInterval: time.Hour, FlushBytes: 200, MaxUnsyncedBytes: 800})
		ok(t, err)
		for s := uint64(1); s <= 2000; s++ {
			ok(t, l.Append(Record{Seq: s, Payload: payloadFor(s)}))
			l.mu.Lock()
			n := len(l.buf) + l.inflight
			l.mu.Unlock()
			truth(t, n <= 800, "backlog grew to %d bytes", n)
		}
		ok(t, l.Close())
	})
	t.Run("a crash loses at most MaxUnsyncedCommands", func(t *testing.T) {
		const bound = 8
		mfs := newMemFS()
		ffs := newFaultFS(mfs)
		ffs.arm(func(f *faultFS) { f.syncDelay = 50 * time.Microsecond })
		l, err := Open("/j", Options{FS: ffs, Mode: ModeAsync, FlushInterval: time.Hour, MaxUnsyncedCommands: bound})
		ok(t, err)
		const n = 500
		for s := uint64(1); s <= n; s++ {
			ok(t, l.Append(Record{Seq: s, Payload: payloadFor(s)})) // acknowledged
			backlog := l.LastSeq() - l.DurableSeq()
			truth(t, backlog <= bound, "seq %d: %d acknowledged records not durable", s, backlog)
		}
		mfs.crash()
		l2, err := Open("/j", Options{FS: mfs})
		ok(t, err)
		last := l2.LastSeq()
		truth(t, last >= n-bound, "a crash lost %d acknowledged records, bound %d", n-last, bound)
		checkRange(t, collect(t, l2, 1), 1, last)
		ok(t, l2.Close())
		ok(t, l.Close())
	})
	t.Run("failure is sticky", func(t *testing.T) {
		ffs := newFaultFS(newMemFS())
		l, err := Open("/j", Options{FS: ffs, Mode: ModeAsync, FlushInterval: time.Millisecond})
		ok(t, err)
		ffs.arm(func(f *faultFS) { f.syncsLeft = 0 })
		ok(t, l.Append(Record{Seq: 1, Payload: payloadFor(1)}))
		waitFor(t, "failure", func() bool {
			_, err := l.Enqueue(Record{Seq: 2})
			return errors.Is(err, ErrFailed)
		})
		isErr(t, l.Wait(Ticket{seq: 1}), ErrFailed)
		isErr(t, l.Sync(), ErrFailed)
		isErr(t, l.Close(), ErrFailed)
	})
}

func TestTruncateBefore(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 200}
	l, err := Open(dir, opts)
	ok(t, err)
	appendRange(t, l, 1, 100)
	before := segmentFiles(t, OSFS{}, dir)
	ok(t, l.TruncateBefore(50))
	after := segmentFiles(t, OSFS{}, dir)
	first := l.FirstSeq()
	truth(t, len(after) < len(before), "segments: %d before, %d after", len(before), len(after))
	truth(t, first > 1 && first <= 50, "first kept seq %d", first)
	checkRange(t, collect(t, l, first), first, 100)
	checkRange(t, collect(t, l, 50), 50, 100)
	isErr(t, l.Replay(first-1, func(Record) error { return nil }), ErrTruncated)
	isErr(t, l.Replay(0, func(Record) error { return nil }), ErrTruncated)
	ok(t, l.TruncateBefore(10)) // nothing more to remove
	eq(t, len(segmentFiles(t, OSFS{}, dir)), len(after), "idempotent")
	ok(t, l.Close())

	l, err = Open(dir, opts)
	ok(t, err)
	eq(t, l.FirstSeq(), first, "first seq after reopen")
	checkRange(t, collect(t, l, first), first, 100)
	ok(t, l.TruncateBefore(1000)) // keeps the active segment
	segs := segmentFiles(t, OSFS{}, dir)
	eq(t, len(segs), 1, "only the active segment is left")
	appendRange(t, l, 101, 120)
	ok(t, l.Close())
	l, err = Open(dir, opts)
	ok(t, err)
	checkRange(t, collect(t, l, l.FirstSeq()), l.FirstSeq(), 120)
	ok(t, l.Close())
}

// TestConcurrentUse runs appenders, Replay and TruncateBefore together,
// for the race detector.
func TestConcurrentUse(t *testing.T) {
	l, err := Open(t.TempDir(), Options{SegmentBytes: 512})
	ok(t, err)
	var engine sync.Mutex
	var next uint64 = 1
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				engine.Lock()
				s := next
				next++
				tk, err := l.Enqueue(Record{Seq: s, Payload: payloadFor(s)})
				engine.Unlock()
				if err == nil {
					err = l.Wait(tk)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			first := l.FirstSeq()
			var prev uint64
			err := l.Replay(first, func(r Record) error {
				if prev != 0 && r.Seq != prev+1 {
					t.Errorf("replay out of order: %d after %d", r.Seq, prev)
				}
				prev = r.Seq
				return nil
			})
			if err != nil && !errors.Is(err, ErrTruncated) {
				t.Error(err)
			}
			if err := l.TruncateBefore(l.DurableSeq() / 2); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	eq(t, l.LastSeq(), uint64(800), "last seq")
	ok(t, l.Close())
}
