package journal

import (
	"bytes"
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
