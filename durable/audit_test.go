package durable_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/journal/journaltest"
	. "github.com/agora-exchange/agora/matching"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/journal"
)

type duFrame struct {
	seq      uint64
	off, end int // the frame is seg[off:end]; its payload starts at off+journaltest.FrameHeaderSize
}

// duFrames parses the frames of a segment file, which must hold only
// complete frames.
func duFrames(t testing.TB, seg []byte) []duFrame {
	t.Helper()
	frames, err := journaltest.Frames(seg)
	require.NoError(t, err)
	out := make([]duFrame, len(frames))
	for i, fr := range frames {
		out[i] = duFrame{seq: fr.Seq, off: fr.Off, end: fr.End}
	}
	require.NotEmpty(t, out)
	require.Equal(t, len(seg), out[len(out)-1].end)
	return out
}

// duAuditJournal builds a journal of n commands in a single segment and
// returns the directory and the segment's path.
func duAuditJournal(t testing.TB, n int) (string, string) {
	t.Helper()
	dir := t.TempDir()
	x := duOpen(t, dir, durable.Options{})
	duDrive(t, x, newDuGen(x.Catalog(), 12), n)
	require.NoError(t, durable.Of(x).Close())
	return dir, filepath.Join(dir, fmt.Sprintf("%020d.wal", 1))
}

func TestAuditDetectsEveryFlippedByte(t *testing.T) {
	dir, file := duAuditJournal(t, 30)
	orig, err := os.ReadFile(file)
	require.NoError(t, err)
	frames := duFrames(t, orig)
	require.Len(t, frames, 30)

	rep, err := durable.Verify(dir, Config{})
	require.NoError(t, err)
	require.True(t, rep.OK())
	require.Equal(t, uint64(1), rep.FirstSeq)
	require.Equal(t, uint64(30), rep.LastSeq)

	seg := make([]byte, len(orig))
	for _, fi := range []int{0, 6, 13, 21, 29} {
		fr := frames[fi]
		for p := fr.off; p < fr.end; p++ {
			for _, fixCRC := range []bool{true, false} {
				copy(seg, orig)
				seg[p] ^= 0x01
				payload := p >= fr.off+journaltest.FrameHeaderSize
				if fixCRC {
					if !payload {
						continue // a header byte: the frame no longer parses as before
					}
					journaltest.FixCRC(seg, journaltest.Frame{Seq: fr.seq, Off: fr.off, End: fr.end})
				}
				require.NoError(t, os.WriteFile(file, seg, 0o644))
				rep, err := durable.Verify(dir, Config{})
				what := fmt.Sprintf("record %d, byte %d of its frame, checksum fixed %v", fr.seq, p-fr.off, fixCRC)
				if fi == len(frames)-1 && !fixCRC && seg[len(seg)-1] == 0 {
					// A final frame that now ends in a zero byte is what
					// a crash during its write can leave: a torn tail,
					// never acknowledged, ignored (and cut off by Open).
					// Any other damage to the complete final frame is
					// reported like damage elsewhere.
					require.NoError(t, err, what)
					require.Equal(t, int64(fr.off), rep.TornOffset, what)
					require.Equal(t, fr.seq-1, rep.LastSeq, what)
					continue
				}
				require.Error(t, err, what)
				require.NotNil(t, rep.Bad, what)
				require.Equal(t, fr.seq, rep.Bad.Seq, what)
				require.Equal(t, file, rep.Bad.File, what)
				require.Equal(t, int64(fr.off), rep.Bad.Offset, what)
				if fixCRC {
					require.ErrorIs(t, err, durable.ErrAuditMismatch, what)
				} else {
					var ce *journal.CorruptError
					require.ErrorAs(t, err, &ce, what)
					require.Equal(t, file, ce.File)
					require.Equal(t, int64(fr.off), ce.Offset)
				}
				if p%17 == 0 {
					// Open refuses the journal too, naming the seq or the
					// file and offset.
					_, err := durable.Open(dir, Config{}, durable.Options{})
					require.Error(t, err, what)
					if fixCRC {
						require.Contains(t, err.Error(), fmt.Sprintf("seq %d", fr.seq), what)
					} else {
						var ce *journal.CorruptError
						require.ErrorAs(t, err, &ce, what)
						require.Equal(t, int64(fr.off), ce.Offset, what)
					}
				}
			}
		}
	}
	require.NoError(t, os.WriteFile(file, orig, 0o644))
	_, err = durable.Verify(dir, Config{})
	require.NoError(t, err)
}

func TestAuditTornTailAndReadOnly(t *testing.T) {
	dir, file := duAuditJournal(t, 20)
	orig, err := os.ReadFile(file)
	require.NoError(t, err)
	torn := append(bytes.Clone(orig), 0x30, 0, 0, 0, 1, 2, 3) // an incomplete frame
	require.NoError(t, os.WriteFile(file, torn, 0o644))
	rep, err := durable.Verify(dir, Config{})
	require.NoError(t, err)
	require.Equal(t, int64(7), rep.TornBytes)
	require.Equal(t, int64(len(orig)), rep.TornOffset)
	require.Equal(t, uint64(20), rep.LastSeq)
	after, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, torn, after, "VerifyJournal changed the file")

	x := duOpen(t, dir, durable.Options{})
	require.Equal(t, int64(7), durable.Of(x).Recovery().Journal.TruncatedBytes)
	require.Equal(t, uint64(20), x.Seq())
	require.NoError(t, durable.Of(x).Close())
}

func TestAuditSnapshotChecks(t *testing.T) {
	dir := t.TempDir()
	x := duOpen(t, dir, durable.Options{})
	g := newDuGen(x.Catalog(), 14)
	duDrive(t, x, g, 200)
	require.NoError(t, durable.Of(x).Snapshot())
	duDrive(t, x, g, 100)
	require.NoError(t, durable.Of(x).Close())

	rep, err := durable.Verify(dir, Config{})
	require.NoError(t, err)
	require.Zero(t, rep.StartSeq, "the journal is complete: verify from the first record")
	require.Equal(t, 1, rep.Snapshots)

	// A snapshot whose files checksums are right but whose chain head was
	// altered is caught by the replay.
	snap := filepath.Join(dir, fmt.Sprintf("%020d.snap", 200))
	s, err := journal.LoadSnapshot(nil, dir, false)
	require.NoError(t, err)
	p := bytes.Clone(s.Payload)
	i := bytes.Index(p, []byte{2, audit.ChainSize}) + 2 // the audit section: tag 2, length 32
	p[i] ^= 1
	duFixCRC(p)
	require.NoError(t, journal.WriteSnapshot(nil, dir, 200, p))
	rep, err = durable.Verify(dir, Config{})
	require.ErrorIs(t, err, durable.ErrAuditMismatch)
	require.Equal(t, snap, rep.Bad.File)
	require.Equal(t, uint64(200), rep.Bad.Seq)
	// Open starts from that snapshot: the first record after it no
	// longer chains.
	_, err = durable.Open(dir, Config{}, durable.Options{})
	require.ErrorIs(t, err, durable.ErrAuditMismatch)
	require.Contains(t, err.Error(), "seq 201")

	// A snapshot with a bad checksum is reported, not used.
	p = bytes.Clone(s.Payload)
	require.NoError(t, journal.WriteSnapshot(nil, dir, 200, p))
	raw, err := os.ReadFile(snap)
	require.NoError(t, err)
	raw[len(raw)-9] ^= 0x40
	require.NoError(t, os.WriteFile(snap, raw, 0o644))
	rep, err = durable.Verify(dir, Config{})
	var ce *journal.CorruptError
	require.ErrorAs(t, err, &ce, "Open fails on this directory: so does the audit")
	require.Equal(t, snap, ce.File)
	require.Len(t, rep.BadSnapshots, 1)
	require.Equal(t, snap, rep.BadSnapshots[0].File)
	_, err = durable.Open(dir, Config{}, durable.Options{})
	require.ErrorAs(t, err, &ce)
}

// TestAuditFailsWhereOpenFails damages a durable directory in many ways
// and checks that VerifyJournal fails exactly when Open does.
func TestAuditFailsWhereOpenFails(t *testing.T) {
	src := t.TempDir()
	x := duOpen(t, src, durable.Options{})
	g := newDuGen(x.Catalog(), 16)
	for range 3 {
		duDrive(t, x, g, 60)
		require.NoError(t, durable.Of(x).Snapshot())
	}
	duDrive(t, x, g, 30)
	require.NoError(t, durable.Of(x).Close())
	snaps, err := journal.ListSnapshots(nil, src)
	require.NoError(t, err)
	require.Len(t, snaps, 2) // the previous snapshot and the newest
	older, newest := filepath.Base(snaps[0].File), filepath.Base(snaps[1].File)
	wal := fmt.Sprintf("%020d.wal", 1)
	seg, err := os.ReadFile(filepath.Join(src, wal))
	require.NoError(t, err)
	frames := duFrames(t, seg)
	last := frames[len(frames)-1]

	edit := func(name string, fn func([]byte) []byte) func(string) {
		return func(dir string) {
			p := filepath.Join(dir, name)
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, fn(b), 0o644))
		}
	}
	flipAt := func(name string, at func(b []byte) int) func(string) {
		return edit(name, func(b []byte) []byte { b[at(b)] ^= 0x08; return b })
	}
	cases := []struct {
		name string
		fn   func(dir string)
	}{
		{"intact", func(string) {}},
		{"newest snapshot payload", flipAt(newest, func(b []byte) int { return len(b) - 20 })},
		{"newest snapshot header", flipAt(newest, func([]byte) int { return 12 })},
		{"newest snapshot cut", edit(newest, func(b []byte) []byte { return b[:len(b)-7] })},
		{"newest snapshot emptied", edit(newest, func([]byte) []byte { return nil })},
		{"older snapshot payload", flipAt(older, func(b []byte) int { return len(b) - 20 })},
		{"newest snapshot removed", func(dir string) { require.NoError(t, os.Remove(filepath.Join(dir, newest))) }},
		{"segment header", flipAt(wal, func([]byte) int { return 3 })},
		{"middle frame", flipAt(wal, func([]byte) int { return frames[len(frames)/2].off + journaltest.FrameHeaderSize + 2 })},
		{"final frame payload", flipAt(wal, func([]byte) int { return last.end - 3 })},
		{"final frame crc", flipAt(wal, func([]byte) int { return last.off + 5 })},
		{"final frame torn", edit(wal, func(b []byte) []byte { return b[:len(b)-3] })},
		{"zero-filled tail", edit(wal, func(b []byte) []byte { return append(b, make([]byte, 100)...) })},
		{"journal ends before the newest snapshot", edit(wal, func(b []byte) []byte { return b[:frames[len(frames)-40].off] })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range []string{older, newest, wal} {
				b, err := os.ReadFile(filepath.Join(src, name))
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
			}
			tc.fn(dir)
			_, verr := durable.Verify(dir, Config{}) // first: Open may repair a torn tail
			y, oerr := durable.Open(dir, Config{}, durable.Options{})
			if oerr == nil {
				require.NoError(t, durable.Of(y).Close())
			}
			require.Equal(t, oerr != nil, verr != nil, "Open: %v\nVerifyJournal: %v", oerr, verr)
		})
	}
}

func TestAuditAfterTruncation(t *testing.T) {
	dir := t.TempDir()
	x := duOpen(t, dir, durable.Options{Journal: journal.Options{SegmentBytes: 2 << 10}})
	g := newDuGen(x.Catalog(), 15)
	for range 3 {
		duDrive(t, x, g, 150)
		require.NoError(t, durable.Of(x).Snapshot())
	}
	duDrive(t, x, g, 40)
	seq, head, _ := durable.Of(x).AuditHead()
	require.NoError(t, durable.Of(x).Close())
	rep, err := durable.Verify(dir, Config{})
	require.NoError(t, err)
	require.Equal(t, uint64(300), rep.StartSeq, "starts from the oldest snapshot the journal continues")
	require.Equal(t, uint64(301), rep.FirstSeq)
	require.Equal(t, seq, rep.LastSeq)
	require.Equal(t, head, rep.Head, "the recomputed head equals the exchange's")
	require.Equal(t, 1, rep.Snapshots)
	require.Positive(t, rep.CoveredRecords)
}

// TestOpenReportsTheFirstFailure damages two records of a journal long
// enough to span several replay batches, one so that it no longer chains
// and one so that it no longer decodes: whichever comes first in the
// journal is the failure Open reports, although the records are decoded,
// applied and hashed on different goroutines.
func TestOpenReportsTheFirstFailure(t *testing.T) {
	dir, file := duAuditJournal(t, 2000)
	orig, err := os.ReadFile(file)
	require.NoError(t, err)
	damage := func(seg []byte, seq uint64, at func(payload []byte) int) {
		f, ok := journaltest.FrameOf(seg, seq)
		require.True(t, ok, "record %d", seq)
		p := f.Payload(seg)
		p[at(p)] ^= 0x40
		journaltest.FixCRC(seg, f)
	}
	lastHashByte := func(p []byte) int { return len(p) - 1 }
	versionByte := func([]byte) int { return 0 }
	for _, tc := range []struct {
		mismatch, undecodable uint64
		want                  error
		seq                   uint64
	}{
		{mismatch: 300, undecodable: 1700, want: durable.ErrAuditMismatch, seq: 300},
		{mismatch: 1700, undecodable: 300, want: durable.ErrBadRecord, seq: 300},
		{mismatch: 1000, undecodable: 1001, want: durable.ErrAuditMismatch, seq: 1000},
		{mismatch: 1001, undecodable: 1000, want: durable.ErrBadRecord, seq: 1000},
	} {
		seg := bytes.Clone(orig)
		damage(seg, tc.mismatch, lastHashByte)
		damage(seg, tc.undecodable, versionByte)
		require.NoError(t, os.WriteFile(file, seg, 0o644))
		_, err := durable.Open(dir, Config{}, durable.Options{})
		require.ErrorIs(t, err, tc.want, "%+v", tc)
		require.Contains(t, err.Error(), fmt.Sprintf("seq %d", tc.seq), "%+v", tc)
	}
	require.NoError(t, os.WriteFile(file, orig, 0o644))
	x := duOpen(t, dir, durable.Options{})
	require.Equal(t, uint64(2000), durable.Of(x).Recovery().Replayed)
	require.NoError(t, durable.Of(x).Close())
}
