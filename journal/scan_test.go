package journal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestScanReadsWithoutRepairing checks that Scan visits exactly the complete
// records, with the offsets at which their frames start, reports a torn
// final record, and leaves every file as it was (Open would truncate it).
func TestScanReadsWithoutRepairing(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{Mode: ModeSync, SegmentBytes: 256})
	require.NoError(t, err)
	var want [][]byte
	for seq := uint64(1); seq <= 40; seq++ {
		p := []byte(fmt.Sprintf("command %02d", seq))
		want = append(want, p)
		require.NoError(t, l.Append(Record{Seq: seq, Payload: p}))
	}
	require.NoError(t, l.Close())

	snaps, err := ListSnapshots(nil, dir)
	require.NoError(t, err)
	require.Empty(t, snaps)
	first, err := FirstSegmentSeq(nil, dir)
	require.NoError(t, err)
	require.Equal(t, uint64(1), first)

	// Tear the final record: drop its last byte.
	names, _, err := listSegments(OSFS{}, dir)
	require.NoError(t, err)
	last := names[len(names)-1]
	b, err := os.ReadFile(last)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(last, b[:len(b)-1], 0o644))
	before := map[string][]byte{}
	for _, n := range names {
		before[n], err = os.ReadFile(n)
		require.NoError(t, err)
	}

	var seen []uint64
	info, err := Scan(nil, dir, func(r RecordAt) error {
		seen = append(seen, r.Seq)
		require.Equal(t, want[r.Seq-1], r.Payload)
		f, err := os.ReadFile(r.File)
		require.NoError(t, err)
		// The frame at Offset carries this record's seq and payload.
		require.Equal(t, r.Seq, frameSeq(f[r.Offset:]))
		require.True(t, bytes.Equal(r.Payload, f[r.Offset+frameHeaderSize:r.Offset+int64(frameLen(f[r.Offset:]))]))
		return nil
	})
	require.NoError(t, err)
	require.Len(t, seen, 39)
	require.Equal(t, uint64(1), info.FirstSeq)
	require.Equal(t, uint64(39), info.LastSeq)
	require.Equal(t, filepath.Clean(last), filepath.Clean(info.TornFile))
	require.Positive(t, info.TornBytes)
	for n, data := range before {
		after, err := os.ReadFile(n)
		require.NoError(t, err)
		require.Equal(t, data, after, "Scan changed %s", n)
	}

	// A bit flip in the middle is corruption, not a torn tail.
	b, err = os.ReadFile(names[0])
	require.NoError(t, err)
	b[segmentHeaderSize+frameHeaderSize] ^= 1
	require.NoError(t, os.WriteFile(names[0], b, 0o644))
	_, err = Scan(nil, dir, func(RecordAt) error { return nil })
	var ce *CorruptError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, names[0], ce.File)
}

// TestDamageAfterOpen damages records after Open (or Scan's own
// verification pass) checked them: Replay and Scan re-verify every frame
// they read and return a *CorruptError naming the file and offset, never
// the damaged payload.
func TestDamageAfterOpen(t *testing.T) {
	flipAt := func(m *memFS, name string, off int64) {
		d := m.bytes(name)
		d[off] ^= 0x10
		m.put(name, d)
	}
	t.Run("Replay payload", func(t *testing.T) {
		m := buildMem(t, 10, 0)
		l, err := Open(memDir, Options{FS: m})
		require.NoError(t, err)
		offs := frameOffsets(m.bytes(seg1))
		flipAt(m, seg1, offs[4]+frameHeaderSize+1)
		var seen []uint64
		err = l.Replay(1, func(r Record) error { seen = append(seen, r.Seq); return nil })
		ce := corruptErr(t, err)
		require.Equal(t, seg1, ce.File)
		require.Equal(t, offs[4], ce.Offset)
		require.Equal(t, uint64(5), ce.Seq)
		require.Equal(t, []uint64{1, 2, 3, 4}, seen, "records before the damage only")
		require.NoError(t, l.Close())
	})
	t.Run("Replay seq with a valid checksum", func(t *testing.T) {
		m := buildMem(t, 10, 0)
		l, err := Open(memDir, Options{FS: m})
		require.NoError(t, err)
		d := m.bytes(seg1)
		offs := frameOffsets(d)
		o := offs[6]
		d[o+8]++ // seq 7 becomes 8
		n := frameLen(d[o:])
		binary.LittleEndian.PutUint32(d[o+4:], crc32c(d[o+8:o+int64(n)]))
		m.put(seg1, d)
		ce := corruptErr(t, l.Replay(3, func(Record) error { return nil }))
		require.Equal(t, o, ce.Offset)
		require.Equal(t, uint64(7), ce.Seq)
		require.NoError(t, l.Close())
	})
	t.Run("Scan", func(t *testing.T) {
		m := buildMem(t, 40, 200)
		names := segmentFiles(t, m, memDir)
		require.GreaterOrEqual(t, len(names), 3)
		offs := frameOffsets(m.bytes(names[1]))
		damaged := false
		_, err := Scan(m, memDir, func(r RecordAt) error {
			if !damaged { // after verification, before the walk reaches names[1]
				flipAt(m, names[1], offs[1]+frameHeaderSize)
				damaged = true
			}
			require.NotEqual(t, names[1]+"@"+fmt.Sprint(offs[1]), r.File+"@"+fmt.Sprint(r.Offset), "damaged record visited")
			return nil
		})
		ce := corruptErr(t, err)
		require.Equal(t, names[1], ce.File)
		require.Equal(t, offs[1], ce.Offset)
	})
}
