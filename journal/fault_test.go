package journal

import (
	"errors"
	"sync"
	"syscall"
	"testing"
)

// faultCase arms one fault that fires after k successful operations.
type faultCase struct {
	name string
	arm  func(f *faultFS, k int)
	want error // besides ErrFailed
}

var faultCases = []faultCase{
	{"short write", func(f *faultFS, k int) { f.shortAfter = k }, nil},
	{"failing fsync", func(f *faultFS, k int) { f.syncsLeft = k }, syscall.EIO},
	{"ENOSPC", func(f *faultFS, k int) { f.spaceLeft = int64(k * 13) }, syscall.ENOSPC},
}

// TestFaultsPoisonAndRecover fires each fault at many points of a run with
// small segments (so faults also hit segment creation), checks that the
// log is poisoned, and that both a process crash (unsynced data kept) and
// a power loss (unsynced data lost) recover a prefix holding every
// acknowledged record.
func TestFaultsPoisonAndRecover(t *testing.T) {
	for _, mode := range []Mode{ModeSync, ModeGroupCommit} {
		for _, fc := range faultCases {
			t.Run(mode.String()+"/"+fc.name, func(t *testing.T) {
				for k := 0; k < 40; k++ {
					mfs := newMemFS()
					ffs := newFaultFS(mfs)
					ffs.match = segmentSuffix
					l, err := Open(memDir, Options{FS: ffs, Mode: mode, SegmentBytes: 160})
					ok(t, err)
					appendRange(t, l, 1, 5)
					ffs.arm(func(f *faultFS) { fc.arm(f, k) })
					var acked uint64 = 5
					var failure error
					for s := uint64(6); s <= 200; s++ {
						if err := l.Append(Record{Seq: s, Payload: payloadFor(s)}); err != nil {
							failure = err
							break
						}
						acked = s
					}
					truth(t, failure != nil, "k=%d: the fault never surfaced", k)
					isErr(t, failure, ErrFailed)
					if fc.want != nil {
						isErr(t, failure, fc.want)
					}
					// Poisoned: nothing more is accepted or acknowledged.
					_, err = l.Enqueue(Record{Seq: l.LastSeq() + 1})
					isErr(t, err, ErrFailed)
					isErr(t, l.Append(Record{Seq: l.LastSeq() + 1}), ErrFailed)
					isErr(t, l.Sync(), ErrFailed)
					isErr(t, l.Wait(Ticket{seq: l.LastSeq()}), ErrFailed)
					ok(t, l.Wait(Ticket{seq: acked})) // already durable
					isErr(t, l.Close(), ErrFailed)

					for _, crash := range []string{"process", "power"} {
						m := mfs.clone()
						if crash == "power" {
							m.crash()
						}
						l2, err := Open(memDir, Options{FS: m})
						if err != nil {
							t.Fatalf("k=%d %s crash: reopen: %v", k, crash, err)
						}
						last := l2.LastSeq()
						truth(t, last >= acked, "k=%d %s crash: recovered %d records, %d were acknowledged", k, crash, last, acked)
						if err := rangeErr(collect(t, l2, 1), 1, last); err != nil {
							t.Fatalf("k=%d %s crash: %v", k, crash, err)
						}
						appendRange(t, l2, last+1, last+3)
						ok(t, l2.Close())
					}
				}
			})
		}
	}
}

// TestFaultUnderConcurrency fails an fsync while 16 goroutines append: the
// waiters of the failed batch and everyone after get ErrFailed, and every
// acknowledged record survives a power loss.
func TestFaultUnderConcurrency(t *testing.T) {
	mfs := newMemFS()
	ffs := newFaultFS(mfs)
	ffs.match = segmentSuffix
	l, err := Open(memDir, Options{FS: ffs, SegmentBytes: 4096})
	ok(t, err)
	ffs.arm(func(f *faultFS) { f.syncsLeft = 30 })
	var engine, ackMu sync.Mutex
	var next uint64 = 1
	acked := map[uint64]bool{}
	failures := 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				engine.Lock()
				s := next
				tk, err := l.Enqueue(Record{Seq: s, Payload: payloadFor(s)})
				if err == nil {
					next++
				}
				engine.Unlock()
				if err == nil {
					err = l.Wait(tk)
				}
				ackMu.Lock()
				if err != nil {
					if !errors.Is(err, ErrFailed) {
						t.Errorf("unexpected error: %v", err)
					}
					failures++
					ackMu.Unlock()
					return
				}
				acked[s] = true
				ackMu.Unlock()
			}
		})
	}
	wg.Wait()
	eq(t, failures, 16, "every appender sees the failure")
	truth(t, len(acked) > 0, "some records were acknowledged before the fault")
	l.Close()
	mfs.crash()
	l2, err := Open(memDir, Options{FS: mfs})
	ok(t, err)
	defer l2.Close()
	recs := collect(t, l2, 1)
	ok(t, rangeErr(recs, 1, l2.LastSeq()))
	for s := range acked {
		truth(t, s <= l2.LastSeq(), "acknowledged record %d lost (recovered up to %d)", s, l2.LastSeq())
	}
}
