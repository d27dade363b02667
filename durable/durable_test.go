package durable_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/durable"
	. "github.com/agora-exchange/agora/matching"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/journal"
)

func duOpen(t testing.TB, dir string, opts durable.Options) *Exchange {
	t.Helper()
	x, err := durable.Open(dir, Config{}, opts)
	require.NoError(t, err)
	return x
}

// duReplayAll replays the whole journal in dir (it must start at seq 1)
// into a fresh, non-durable exchange, decoding each record as a reader
// independent of Open would, and returns it with the encoded events of
// every record.
func duReplayAll(t testing.TB, dir string) (*Exchange, [][]byte) {
	t.Helper()
	x, err := New(Config{})
	require.NoError(t, err)
	var out [][]byte
	duReplayInto(t, dir, x, func(_ uint64, _ []byte, evs []Event) {
		out = append(out, duEncode(nil, evs))
	})
	return x, out
}

// duReplayInto replays the records of the journal in dir after x's seq
// into x (non-durable), calling fn with each record's command bytes and
// events.
func duReplayInto(t testing.TB, dir string, x *Exchange, fn func(seq uint64, cmd []byte, evs []Event)) {
	t.Helper()
	l, err := journal.Open(dir, journal.Options{})
	require.NoError(t, err)
	defer l.Close()
	require.LessOrEqual(t, l.FirstSeq(), x.Seq()+1, "journal was truncated")
	var evs []Event
	require.NoError(t, l.Replay(x.Seq()+1, func(r journal.Record) error {
		cmdBytes, _, err := audit.SplitRecord(r.Payload)
		if err != nil {
			return err
		}
		cmd, err := audit.DecodeCommand(cmdBytes)
		if err != nil {
			return err
		}
		evs, _ = x.Submit(cmd, evs[:0])
		if x.Seq() != r.Seq {
			return fmt.Errorf("record %d replayed as seq %d", r.Seq, x.Seq())
		}
		fn(r.Seq, cmdBytes, evs)
		return nil
	}))
}

// duEncode appends the codec encoding of evs.
func duEncode(dst []byte, evs []Event) []byte {
	for i := range evs {
		dst = AppendEvent(dst, &evs[i])
	}
	return dst
}

func TestDurableReopen(t *testing.T) {
	for _, mode := range []journal.Mode{journal.ModeSync, journal.ModeGroupCommit, journal.ModeAsync} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			opts := durable.Options{Journal: journal.Options{Mode: mode}}
			x := duOpen(t, dir, opts)
			require.True(t, (durable.Of(x) != nil))
			g := newDuGen(x.Catalog(), 1)
			var acked [][]byte
			var evs []Event
			for range 600 {
				var err error
				evs, err = x.Submit(g.Next(), evs[:0])
				require.NotErrorIs(t, err, ErrJournal)
				g.Observe(evs)
				acked = append(acked, duEncode(nil, evs))
			}
			want := duMarshal(t, x)
			seq, head, ok := durable.Of(x).AuditHead()
			require.True(t, ok)
			require.Equal(t, uint64(600), seq)
			require.NoError(t, durable.Of(x).Close())
			require.NoError(t, durable.Of(x).Close()) // idempotent
			_, err := x.Submit(Command{Kind: CmdExpire}, nil)
			require.ErrorIs(t, err, ErrJournal)
			require.ErrorIs(t, err, journal.ErrClosed)

			y := duOpen(t, dir, opts)
			require.Equal(t, want, duMarshal(t, y))
			rec := durable.Of(y).Recovery()
			require.Equal(t, uint64(600), rec.Replayed)
			require.Equal(t, uint64(600), rec.LastSeq)
			require.Zero(t, rec.SnapshotSeq)
			_, head2, _ := durable.Of(y).AuditHead()
			require.Equal(t, head, head2)
			require.NoError(t, y.CheckInvariants())
			// Trading continues with contiguous sequence numbers.
			evs, _ = y.Submit(Command{Kind: CmdRegister, Name: "Late", INN: duINN(999_999)}, evs[:0])
			require.Equal(t, uint64(601), evs[0].Seq)
			require.NoError(t, durable.Of(y).Close())

			// An independent replay gives the acknowledged events, byte
			// for byte, and the same state.
			z, replayed := duReplayAll(t, dir)
			require.Equal(t, acked, replayed[:600])
			y2 := duOpen(t, dir, opts)
			require.Equal(t, duMarshal(t, z), duMarshal(t, y2))
			require.NoError(t, durable.Of(y2).Close())
		})
	}
}

func TestDurableDeterministicReplayLong(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 3000
	}
	dir := t.TempDir()
	x := duOpen(t, dir, durable.Options{Journal: journal.Options{Mode: journal.ModeAsync}})
	var acked [][]byte
	var evs []Event
	// Several independent streams interleaved: each generator sees only
	// its own events, as concurrent clients would.
	gens := []*duGen{newDuGen(x.Catalog(), 21), newDuGen(x.Catalog(), 22), newDuGen(x.Catalog(), 23)}
	for i := range n {
		g := gens[i%len(gens)]
		evs, _ = x.Submit(g.Next(), evs[:0])
		g.Observe(evs)
		acked = append(acked, duEncode(nil, evs))
	}
	want := duMarshal(t, x)
	require.NoError(t, durable.Of(x).Close())
	for range 2 {
		z, replayed := duReplayAll(t, dir)
		require.Len(t, replayed, n)
		for i := range replayed {
			require.True(t, bytes.Equal(acked[i], replayed[i]), "events of seq %d differ on replay", i+1)
		}
		require.Equal(t, want, duMarshal(t, z))
	}
	report, err := durable.Verify(dir, Config{})
	require.NoError(t, err)
	require.True(t, report.OK())
	require.Equal(t, uint64(n), report.LastSeq)
}

func TestDurableConcurrentSubmitters(t *testing.T) {
	dir := t.TempDir()
	x := duOpen(t, dir, durable.Options{SnapshotEvery: 700})
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[uint64][]byte{}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newDuGen(x.Catalog(), uint64(100+w))
			var evs []Event
			for range 400 {
				var err error
				evs, err = x.Submit(g.Next(), evs[:0])
				if errors.Is(err, ErrJournal) {
					t.Error(err)
					return
				}
				g.Observe(evs)
				if len(evs) > 0 {
					mu.Lock()
					acked[evs[0].Seq] = duEncode(nil, evs)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	want := duMarshal(t, x)
	require.NoError(t, durable.Of(x).Close())
	y := duOpen(t, dir, durable.Options{})
	require.Equal(t, want, duMarshal(t, y))
	require.Greater(t, durable.Of(y).Recovery().SnapshotSeq, uint64(0))
	require.NoError(t, durable.Of(y).Close())
	z, replayed := duReplayAll(t, dir)
	require.Equal(t, want, duMarshal(t, z))
	for seq, evs := range acked {
		require.Equal(t, evs, replayed[seq-1], "seq %d", seq)
	}
}

func TestDurableSnapshotsBoundTheJournal(t *testing.T) {
	dir := t.TempDir()
	opts := durable.Options{Journal: journal.Options{SegmentBytes: 4 << 10}}
	x := duOpen(t, dir, opts)
	g := newDuGen(x.Catalog(), 4)
	for range 5 {
		duDrive(t, x, g, 500)
		require.NoError(t, durable.Of(x).Snapshot())
	}
	require.NoError(t, durable.Of(x).Snapshot()) // nothing new: no file
	duDrive(t, x, g, 123)
	want := duMarshal(t, x)
	_, head, _ := durable.Of(x).AuditHead()
	require.NoError(t, durable.Of(x).Close())

	snaps, err := journal.ListSnapshots(nil, dir)
	require.NoError(t, err)
	require.Len(t, snaps, 2, "the newest snapshot and the previous one are kept")
	require.Equal(t, uint64(2500), snaps[1].Seq)
	require.Equal(t, uint64(2000), snaps[0].Seq)
	first, err := journal.FirstSegmentSeq(nil, dir)
	require.NoError(t, err)
	require.LessOrEqual(t, first, uint64(2001), "records after the previous snapshot are kept")
	require.Greater(t, first, uint64(1000), "older segments are removed")

	y := duOpen(t, dir, opts)
	require.Equal(t, want, duMarshal(t, y))
	require.Equal(t, uint64(2500), durable.Of(y).Recovery().SnapshotSeq)
	require.Equal(t, uint64(123), durable.Of(y).Recovery().Replayed)
	_, head2, _ := durable.Of(y).AuditHead()
	require.Equal(t, head, head2)
	require.NoError(t, durable.Of(y).Close())

	report, err := durable.Verify(dir, Config{})
	require.NoError(t, err)
	require.Equal(t, uint64(2000), report.StartSeq)
	require.Equal(t, 1, report.Snapshots)
	require.Equal(t, uint64(2623), report.LastSeq)
	require.Equal(t, head, report.Head)
}

func TestDurableAutomaticSnapshots(t *testing.T) {
	dir := t.TempDir()
	x := duOpen(t, dir, durable.Options{SnapshotEvery: 250})
	duDrive(t, x, newDuGen(x.Catalog(), 8), 1000)
	want := duMarshal(t, x)
	require.NoError(t, durable.Of(x).Close())
	y := duOpen(t, dir, durable.Options{})
	require.Equal(t, uint64(1000), durable.Of(y).Recovery().SnapshotSeq)
	require.Equal(t, want, duMarshal(t, y))
	require.NoError(t, durable.Of(y).Close())
}

func TestDurableSnapshotCorruption(t *testing.T) {
	dir := t.TempDir()
	x := duOpen(t, dir, durable.Options{})
	g := newDuGen(x.Catalog(), 6)
	duDrive(t, x, g, 300)
	require.NoError(t, durable.Of(x).Snapshot())
	duDrive(t, x, g, 300)
	require.NoError(t, durable.Of(x).Snapshot())
	duDrive(t, x, g, 50)
	want := duMarshal(t, x)
	require.NoError(t, durable.Of(x).Close())

	newest := filepath.Join(dir, fmt.Sprintf("%020d.snap", 600))
	b, err := os.ReadFile(newest)
	require.NoError(t, err)
	b[len(b)/2] ^= 0x10
	require.NoError(t, os.WriteFile(newest, b, 0o644))

	_, err = durable.Open(dir, Config{}, durable.Options{})
	var ce *journal.CorruptError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, newest, ce.File)
	require.Contains(t, err.Error(), newest)

	y, err := durable.Open(dir, Config{}, durable.Options{FallbackSnapshot: true})
	require.NoError(t, err)
	rec := durable.Of(y).Recovery()
	require.Equal(t, uint64(300), rec.SnapshotSeq)
	require.Len(t, rec.SkippedSnapshots, 1)
	require.Equal(t, newest, rec.SkippedSnapshots[0].File)
	require.Equal(t, uint64(350), rec.Replayed)
	require.Equal(t, want, duMarshal(t, y))
	require.NoError(t, durable.Of(y).Close())

	// With every snapshot damaged, fallback replays the whole journal.
	older := filepath.Join(dir, fmt.Sprintf("%020d.snap", 300))
	b, err = os.ReadFile(older)
	require.NoError(t, err)
	b[40] ^= 1
	require.NoError(t, os.WriteFile(older, b, 0o644))
	y, err = durable.Open(dir, Config{}, durable.Options{FallbackSnapshot: true})
	require.NoError(t, err)
	require.Zero(t, durable.Of(y).Recovery().SnapshotSeq)
	require.Equal(t, want, duMarshal(t, y))
	require.NoError(t, durable.Of(y).Close())
}

func TestDurableJournalGap(t *testing.T) {
	dir := t.TempDir()
	opts := durable.Options{Journal: journal.Options{SegmentBytes: 2 << 10}}
	x := duOpen(t, dir, opts)
	g := newDuGen(x.Catalog(), 2)
	duDrive(t, x, g, 300)
	require.NoError(t, durable.Of(x).Snapshot())
	duDrive(t, x, g, 300)
	require.NoError(t, durable.Of(x).Snapshot())
	duDrive(t, x, g, 300)
	require.NoError(t, durable.Of(x).Close())
	// Without its snapshots the truncated journal cannot be replayed.
	snaps, err := journal.ListSnapshots(nil, dir)
	require.NoError(t, err)
	for _, s := range snaps {
		require.NoError(t, os.Remove(s.File))
	}
	_, err = durable.Open(dir, Config{}, opts)
	require.ErrorIs(t, err, durable.ErrJournalGap)
	_, err = durable.Verify(dir, Config{})
	require.ErrorIs(t, err, durable.ErrJournalGap)
}

func TestDurableConfigAndErrors(t *testing.T) {
	x, err := New(Config{})
	require.NoError(t, err)
	require.Nil(t, durable.Of(x))
	require.Nil(t, durable.Of(nil))
	require.ErrorIs(t, durable.Of(x).Snapshot(), durable.ErrNotDurable)
	require.ErrorIs(t, durable.Of(x).Close(), durable.ErrNotDurable)
	_, _, ok := durable.Of(x).AuditHead()
	require.False(t, ok)
	require.Equal(t, durable.Recovery{}, durable.Of(x).Recovery())

	_, err = durable.Open(t.TempDir(), Config{}, durable.Options{Journal: journal.Options{Mode: 9}})
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.ErrorIs(t, err, journal.ErrInvalidOptions)
	_, err = durable.Open(t.TempDir(), Config{DefaultSTP: 42}, durable.Options{})
	require.ErrorIs(t, err, ErrInvalidConfig)

	// A command over the field limits is refused as on New, with an
	// EventRejected and a sequence number; the exchange goes on.
	dir := t.TempDir()
	y := duOpen(t, dir, durable.Options{})
	evs, err := y.Submit(Command{Kind: CmdRegister, Name: strings.Repeat("x", MaxStringLen+1), INN: duINN(1)}, nil)
	require.ErrorIs(t, err, ErrTooLarge)
	require.Len(t, evs, 1)
	require.Equal(t, ReasonTooLarge, evs[0].Reject)
	require.Equal(t, uint64(1), y.Seq())
	evs, err = y.Submit(Command{Kind: CmdRegister, Name: "A", INN: duINN(1)}, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(2), evs[0].Seq)
	require.NoError(t, durable.Of(y).Close())

	// A snapshot taken under another catalog default is refused.
	z := duOpen(t, dir, durable.Options{})
	require.NoError(t, durable.Of(z).Snapshot())
	require.NoError(t, durable.Of(z).Close())
	_, err = durable.Open(dir, Config{DefaultSTP: STPCancelBoth}, durable.Options{})
	require.ErrorIs(t, err, ErrConfigMismatch)
}

// duFaultFS wraps the OS filesystem and injects one kind of fault into
// journal segment writes once armed: after `after` more successful writes
// (or fsyncs), a write is cut short, a write finds the disk full, or an
// fsync fails.
type duFaultFS struct {
	journal.OSFS
	mu    sync.Mutex
	kind  string // "short", "enospc", "fsync"
	after int
	armed bool
	fired bool
}

func (f *duFaultFS) OpenFile(name string, flag int, perm fs.FileMode) (journal.File, error) {
	file, err := f.OSFS.OpenFile(name, flag, perm)
	if err != nil || !strings.HasSuffix(name, ".wal") {
		return file, err
	}
	return &duFaultFile{File: file, fs: f}, nil
}

// trip reports whether the operation of kind k fails now.
func (f *duFaultFS) trip(k string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.armed || f.kind != k {
		return false
	}
	if f.fired {
		return true // a failed disk stays failed
	}
	if f.after > 0 {
		f.after--
		return false
	}
	f.fired = true
	return true
}

type duFaultFile struct {
	journal.File
	fs *duFaultFS
}

func (f *duFaultFile) Write(b []byte) (int, error) {
	switch {
	case f.fs.trip("short"):
		n, _ := f.File.Write(b[:len(b)/2])
		return n, io.ErrShortWrite
	case f.fs.trip("enospc"):
		n, _ := f.File.Write(b[:len(b)/3])
		return n, syscall.ENOSPC
	}
	return f.File.Write(b)
}

func (f *duFaultFile) Sync() error {
	if f.fs.trip("fsync") {
		return syscall.EIO
	}
	return f.File.Sync()
}

func TestDurableFaults(t *testing.T) {
	for _, kind := range []string{"short", "enospc", "fsync"} {
		for _, mode := range []journal.Mode{journal.ModeSync, journal.ModeGroupCommit} {
			t.Run(kind+"/"+mode.String(), func(t *testing.T) {
				for k := range 6 {
					duFaultRun(t, kind, mode, k*7)
				}
			})
		}
	}
}

func duFaultRun(t *testing.T, kind string, mode journal.Mode, after int) {
	dir := t.TempDir()
	ffs := &duFaultFS{kind: kind, after: after}
	opts := durable.Options{Journal: journal.Options{Mode: mode, FS: ffs, SegmentBytes: 8 << 10}}
	x := duOpen(t, dir, opts)
	g := newDuGen(x.Catalog(), uint64(after))
	duDrive(t, x, g, 50)
	ffs.mu.Lock()
	ffs.armed = true
	ffs.mu.Unlock()

	var mu sync.Mutex
	acked := map[uint64][]byte{}
	var maxAck uint64
	var failures int
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newDuGen(x.Catalog(), uint64(1000*after+w))
			g.Adopt(x)
			var evs []Event
			for range 200 {
				c := g.Next()
				var err error
				evs, err = x.Submit(c, evs[:0])
				if errors.Is(err, ErrJournal) {
					require.Empty(t, evs, "a failed command returns no events")
					mu.Lock()
					failures++
					mu.Unlock()
					continue
				}
				g.Observe(evs)
				if len(evs) > 0 {
					mu.Lock()
					acked[evs[0].Seq] = duEncode(nil, evs)
					maxAck = max(maxAck, evs[0].Seq)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	require.Positive(t, failures, "the fault never surfaced")
	// Sticky: nothing more is acknowledged.
	_, err := x.Submit(Command{Kind: CmdExpire}, nil)
	require.ErrorIs(t, err, ErrJournal)
	require.ErrorIs(t, durable.Of(x).Snapshot(), ErrJournal)
	require.Error(t, durable.Of(x).Close())

	// Reopen on a healthy disk: a consistent prefix holding every
	// acknowledged command, identical to an independent replay.
	y := duOpen(t, dir, durable.Options{Journal: journal.Options{SegmentBytes: 8 << 10}})
	require.GreaterOrEqual(t, y.Seq(), maxAck)
	require.NoError(t, y.CheckInvariants())
	got := duMarshal(t, y)
	require.NoError(t, durable.Of(y).Close())
	z, replayed := duReplayAll(t, dir)
	require.Equal(t, got, duMarshal(t, z))
	for seq, evs := range acked {
		require.Equal(t, evs, replayed[seq-1], "acknowledged seq %d", seq)
	}
}

// duSnapCountFS records the sequence number of every snapshot file made.
type duSnapCountFS struct {
	journal.OSFS
	mu   sync.Mutex
	seqs []uint64
}

func (f *duSnapCountFS) Rename(from, to string) error {
	if err := f.OSFS.Rename(from, to); err != nil {
		return err
	}
	if name := filepath.Base(to); strings.HasSuffix(name, ".snap") {
		seq, err := strconv.ParseUint(strings.TrimSuffix(name, ".snap"), 10, 64)
		if err != nil {
			return err
		}
		f.mu.Lock()
		f.seqs = append(f.seqs, seq)
		f.mu.Unlock()
	}
	return nil
}

// TestDurableOneSnapshotPerInterval runs concurrent submitters, several of
// which cross the SnapshotEvery threshold before the first snapshot resets
// it: one snapshot is written per interval, never two close together.
func TestDurableOneSnapshotPerInterval(t *testing.T) {
	const every, workers, perWorker = 40, 8, 250
	fsys := &duSnapCountFS{}
	for _, mode := range []journal.Mode{journal.ModeGroupCommit, journal.ModeAsync} {
		fsys.seqs = nil
		x := duOpen(t, t.TempDir(), durable.Options{SnapshotEvery: every, Journal: journal.Options{Mode: mode, FS: fsys}})
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g := newDuGen(x.Catalog(), uint64(300+w))
				var evs []Event
				for range perWorker {
					var err error
					evs, err = x.Submit(g.Next(), evs[:0])
					if errors.Is(err, ErrJournal) {
						t.Error(err)
						return
					}
					g.Observe(evs)
				}
			}()
		}
		wg.Wait()
		require.NoError(t, durable.Of(x).Close())
		fsys.mu.Lock()
		seqs := slices.Clone(fsys.seqs)
		fsys.mu.Unlock()
		require.NotEmpty(t, seqs, "%v", mode)
		require.LessOrEqual(t, len(seqs), workers*perWorker/every, "%v: %d snapshots at %v", mode, len(seqs), seqs)
		for i := 1; i < len(seqs); i++ {
			require.GreaterOrEqual(t, seqs[i]-seqs[i-1], uint64(every), "%v: snapshots at %v", mode, seqs)
		}
	}
}
