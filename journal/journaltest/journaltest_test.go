package journaltest_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/journal/journaltest"
)

func payload(seq uint64) []byte { return bytes.Repeat([]byte{byte(seq)}, int(seq%7)+1) }

// A segment forged here is read back by package journal record for record,
// and a segment written by the journal parses into the same frames.
func TestForgedSegmentMatchesTheJournal(t *testing.T) {
	dir := t.TempDir()
	var ps [][]byte
	for s := uint64(5); s < 15; s++ {
		ps = append(ps, payload(s))
	}
	_, err := journaltest.WriteSegment(dir, 5, journaltest.Segment(5, ps...))
	require.NoError(t, err)
	var got []journal.Record
	info, err := journal.Scan(nil, dir, func(r journal.RecordAt) error {
		got = append(got, journal.Record{Seq: r.Seq, Payload: bytes.Clone(r.Payload)})
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, uint64(5), info.FirstSeq)
	require.Equal(t, uint64(14), info.LastSeq)
	require.Len(t, got, 10)
	for i, r := range got {
		require.Equal(t, uint64(5+i), r.Seq)
		require.Equal(t, ps[i], r.Payload)
	}

	dir2 := t.TempDir()
	l, err := journal.Open(dir2, journal.Options{Mode: journal.ModeSync})
	require.NoError(t, err)
	for s := uint64(1); s <= 10; s++ {
		require.NoError(t, l.Append(journal.Record{Seq: s, Payload: payload(s)}))
	}
	require.NoError(t, l.Close())
	firsts, err := journaltest.Segments(dir2)
	require.NoError(t, err)
	require.Equal(t, []uint64{1}, firsts)
	seg, err := journaltest.ReadSegment(dir2, 1)
	require.NoError(t, err)
	var want [][]byte
	for s := uint64(1); s <= 10; s++ {
		want = append(want, payload(s))
	}
	require.Equal(t, journaltest.Segment(1, want...), seg, "the journal writes exactly the forged bytes")
	frames, err := journaltest.Frames(seg)
	require.NoError(t, err)
	require.Len(t, frames, 10)
	for i, f := range frames {
		require.Equal(t, uint64(i+1), f.Seq)
		require.Equal(t, payload(f.Seq), f.Payload(seg))
	}
	f, ok := journaltest.FrameOf(seg, 7)
	require.True(t, ok)
	require.Equal(t, frames[6], f)
	_, ok = journaltest.FrameOf(seg, 11)
	require.False(t, ok)
	_, err = journaltest.Frames(seg[:10])
	require.True(t, errors.Is(err, journaltest.ErrMalformed))
}

// Flip changes a payload byte and fixes the frame's CRC, so the journal
// accepts the forged record; a flipped length byte is left for the journal
// to catch.
func TestFlipAndTruncate(t *testing.T) {
	dir := t.TempDir()
	seg := journaltest.Segment(1, []byte("alpha"), []byte("bravo"), []byte("charlie"))
	frames, err := journaltest.Frames(seg)
	require.NoError(t, err)
	pos := frames[1].PayloadOff() + 2
	require.True(t, journaltest.Flip(seg, pos, 0x20))
	p, err := journaltest.WriteSegment(dir, 1, seg)
	require.NoError(t, err)
	var got [][]byte
	_, err = journal.Scan(nil, dir, func(r journal.RecordAt) error {
		got = append(got, bytes.Clone(r.Payload))
		return nil
	})
	require.NoError(t, err, "a flipped payload byte with its CRC fixed passes the journal's checks")
	require.Equal(t, []byte("brAvo"), got[1])

	// A flipped CRC byte is not fixed: the journal reports corruption.
	bad := bytes.Clone(seg)
	require.False(t, journaltest.Flip(bad, frames[0].Off+4, 0))
	require.False(t, journaltest.Flip(bad, -1, 0))
	_, err = journaltest.WriteSegment(dir, 1, bad)
	require.NoError(t, err)
	_, err = journal.Scan(nil, dir, func(journal.RecordAt) error { return nil })
	var ce *journal.CorruptError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, filepath.Base(p), filepath.Base(ce.File))

	// FixCRCs repairs every frame after arbitrary changes.
	journaltest.FixCRCs(bad)
	_, err = journaltest.WriteSegment(dir, 1, bad)
	require.NoError(t, err)
	_, err = journal.Scan(nil, dir, func(journal.RecordAt) error { return nil })
	require.NoError(t, err)

	// A truncated final frame is a torn tail.
	require.NoError(t, journaltest.Truncate(p, int64(frames[2].End-3)))
	info, err := journal.Scan(nil, dir, func(journal.RecordAt) error { return nil })
	require.NoError(t, err)
	require.Equal(t, uint64(2), info.LastSeq)
	require.Equal(t, int64(frames[2].Off), info.TornOffset)
}
