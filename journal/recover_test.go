package journal

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const memDir = "/j"

// buildMem writes records 1..n into a fresh memFS journal and closes it.
func buildMem(t testing.TB, n uint64, segBytes int64) *memFS {
	t.Helper()
	mfs := newMemFS()
	l, err := Open(memDir, Options{FS: mfs, SegmentBytes: segBytes})
	ok(t, err)
	appendRange(t, l, 1, n)
	ok(t, l.Close())
	return mfs
}

// frameOffsets returns the offset of every frame in a well-formed segment.
func frameOffsets(data []byte) []int64 {
	var offs []int64
	for off := segmentHeaderSize; off < len(data); off += frameLen(data[off:]) {
		offs = append(offs, int64(off))
	}
	return offs
}

func corruptErr(t testing.TB, err error) *CorruptError {
	t.Helper()
	var ce *CorruptError
	truth(t, errors.As(err, &ce), "want *CorruptError, got %v", err)
	isErr(t, err, ErrCorrupt)
	return ce
}

var seg1 = filepath.Join(memDir, "00000000000000000001.wal")

func TestTornTailRecovery(t *testing.T) {
	const n = 8
	orig := buildMem(t, n, 0).bytes(seg1)
	offs := frameOffsets(orig)
	eq(t, len(offs), n, "frames")
	garbage := []byte{0xA5, 0x5A, 0xFF, 0x00, 0x13, 0x37, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07}
	tails := map[string][]byte{"none": nil, "zeros": make([]byte, 64), "one zero": {0}, "garbage": garbage}
	for cut := segmentHeaderSize; cut <= len(orig); cut++ {
		complete := 0 // frames that end at or before cut
		for complete < n && offs[complete]+int64(frameLen(orig[offs[complete]:])) <= int64(cut) {
			complete++
		}
		good := int64(len(orig))
		if complete < n {
			good = offs[complete]
		}
		for tailName, tail := range tails {
			data := append(slices.Clone(orig[:cut]), tail...)
			mfs := newMemFS()
			mfs.put(seg1, data)
			l, err := Open(memDir, Options{FS: mfs})
			if tailName == "garbage" && complete < n && int64(cut) > good &&
				good+int64(frameLen(orig[good:])) == int64(len(data)) {
				// The garbage fills the cut frame exactly: a complete
				// frame with a bad checksum, which is not a torn write.
				ce := corruptErr(t, err)
				eq(t, ce.Offset, good, "offset")
				continue
			}
			if err != nil {
				t.Fatalf("cut %d tail %s: %v", cut, tailName, err)
			}
			eq(t, l.LastSeq(), uint64(complete), "LastSeq")
			if err := rangeErr(collect(t, l, 1), 1, uint64(complete)); err != nil {
				t.Fatalf("cut %d tail %s: %v", cut, tailName, err)
			}
			info := l.Recovered()
			eq(t, info.LastSeq, uint64(complete), "info LastSeq")
			eq(t, info.TruncatedBytes, int64(len(data))-good, "truncated bytes")
			if info.TruncatedBytes > 0 {
				eq(t, info.TruncatedFile, seg1, "truncated file")
				eq(t, info.TruncatedOffset, good, "truncated offset")
			}
			eq(t, int64(len(mfs.bytes(seg1))), good, "file cut to the complete prefix")
			// Carry on appending where the prefix ends.
			appendRange(t, l, uint64(complete)+1, n+2)
			ok(t, l.Close())
			l, err = Open(memDir, Options{FS: mfs})
			ok(t, err)
			checkRange(t, collect(t, l, 1), 1, n+2)
			eq(t, l.Recovered().TruncatedBytes, int64(0), "clean after repair")
			ok(t, l.Close())
		}
	}
}

func TestTornSegmentHeader(t *testing.T) {
	mfs := buildMem(t, 30, 200)
	names := segmentFiles(t, mfs, memDir)
	truth(t, len(names) >= 3, "segments %d", len(names))
	last := names[len(names)-1]
	lastData := mfs.bytes(last)
	firstOfLast, _ := parseSeqName(filepath.Base(last), segmentSuffix)
	// A final segment holding records is cut back to a crash during its
	// creation: everything but the header is gone, and the header torn.
	for cut := 0; cut <= segmentHeaderSize; cut++ {
		m := mfs.clone()
		m.put(last, lastData[:cut])
		l, err := Open(memDir, Options{FS: m})
		ok(t, err)
		eq(t, l.LastSeq(), firstOfLast-1, "last seq")
		if cut < segmentHeaderSize {
			truth(t, l.Recovered().RepairedHeader, "cut %d: header repaired", cut)
		}
		appendRange(t, l, firstOfLast, 35)
		ok(t, l.Close())
		l, err = Open(memDir, Options{FS: m})
		ok(t, err)
		checkRange(t, collect(t, l, 1), 1, 35)
		ok(t, l.Close())
	}
}

func TestCorruptionIsReported(t *testing.T) {
	const n = 10
	single := buildMem(t, n, 0)
	orig := single.bytes(seg1)
	offs := frameOffsets(orig)

	flip := func(data []byte, off int64, bit uint) []byte {
		d := slices.Clone(data)
		d[off] ^= 1 << bit
		return d
	}
	cases := []struct {
		name   string
		data   []byte
		offset int64
		seq    uint64
	}{
		{"payload bit", flip(orig, offs[2]+frameHeaderSize, 3), offs[2], 3},
		{"crc bit", flip(orig, offs[4]+4, 0), offs[4], 5},
		{"seq bit", flip(orig, offs[0]+8, 1), offs[0], 1},
		{"length bit runs past EOF", flip(orig, offs[3]+3, 7), offs[3], 4},
		{"length bit within file", flip(orig, offs[3], 5), offs[3], 4},
		{"zeroed record", func() []byte {
			d := slices.Clone(orig)
			clear(d[offs[5]:offs[6]])
			return d
		}(), offs[5], 6},
		{"header magic", flip(orig, 0, 2), 0, 1},
		{"header version", flip(orig, 8, 0), 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mfs := newMemFS()
			mfs.put(seg1, tc.data)
			l, err := Open(memDir, Options{FS: mfs})
			truth(t, l == nil, "Open must not succeed")
			ce := corruptErr(t, err)
			eq(t, ce.File, seg1, "file")
			eq(t, ce.Offset, tc.offset, "offset")
			eq(t, ce.Seq, tc.seq, "seq")
			eq(t, slices.Equal(mfs.bytes(seg1), tc.data), true, "a corrupt file is left untouched")
		})
	}

	t.Run("final record bit", func(t *testing.T) {
		mfs := newMemFS()
		data := flip(orig, offs[n-1]+frameHeaderSize, 0)
		mfs.put(seg1, data)
		ce := corruptErr(t, openErr(mfs))
		eq(t, ce.Offset, offs[n-1], "offset")
		eq(t, ce.Seq, uint64(n), "seq")
		eq(t, slices.Equal(mfs.bytes(seg1), data), true, "a corrupt file is left untouched")
	})

	multi := buildMem(t, 40, 200)
	names := segmentFiles(t, multi, memDir)
	truth(t, len(names) >= 4, "segments %d", len(names))
	t.Run("last record of a non-final segment", func(t *testing.T) {
		m := multi.clone()
		data := m.bytes(names[1])
		o := frameOffsets(data)
		m.put(names[1], flip(data, o[len(o)-1]+frameHeaderSize, 6))
		_, err := Open(memDir, Options{FS: m})
		ce := corruptErr(t, err)
		eq(t, ce.File, names[1], "file")
		eq(t, ce.Offset, o[len(o)-1], "offset")
	})
	t.Run("truncated non-final segment", func(t *testing.T) {
		m := multi.clone()
		data := m.bytes(names[0])
		m.put(names[0], data[:len(data)-3])
		ce := corruptErr(t, openErr(m))
		eq(t, ce.File, names[0], "file")
	})
	t.Run("missing middle segment", func(t *testing.T) {
		m := multi.clone()
		ok(t, m.Remove(names[1]))
		ce := corruptErr(t, openErr(m))
		eq(t, ce.File, names[2], "file")
	})
	t.Run("bad header of final segment with data", func(t *testing.T) {
		m := multi.clone()
		last := names[len(names)-1]
		m.put(last, flip(m.bytes(last), 12, 4))
		ce := corruptErr(t, openErr(m))
		eq(t, ce.File, last, "file")
		eq(t, ce.Offset, int64(0), "offset")
	})
	t.Run("header disagrees with name", func(t *testing.T) {
		m := multi.clone()
		data := m.bytes(names[1])
		first, _ := parseSeqName(filepath.Base(names[1]), segmentSuffix)
		m.put(names[1], append(appendSegmentHeader(nil, first+1), data[segmentHeaderSize:]...))
		ce := corruptErr(t, openErr(m))
		eq(t, ce.File, names[1], "file")
		eq(t, ce.Offset, int64(0), "offset")
	})
}

func openErr(fsys FS) error {
	l, err := Open(memDir, Options{FS: fsys})
	if err == nil {
		l.Close()
	}
	return err
}

// TestRecoveryOnDisk repeats the torn-tail and corruption cases on the
// operating system's filesystem.
func TestRecoveryOnDisk(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{})
	ok(t, err)
	appendRange(t, l, 1, 6)
	ok(t, l.Close())
	name := filepath.Join(dir, "00000000000000000001.wal")
	good, err := os.ReadFile(name)
	ok(t, err)

	// A torn final record: half a frame of the next record.
	torn := append(slices.Clone(good), appendFrame(nil, 7, payloadFor(7))[:20]...)
	ok(t, os.WriteFile(name, torn, 0o644))
	l, err = Open(dir, Options{})
	ok(t, err)
	eq(t, l.Recovered().TruncatedBytes, int64(20), "torn bytes")
	checkRange(t, collect(t, l, 1), 1, 6)
	ok(t, l.Close())
	st, err := os.Stat(name)
	ok(t, err)
	eq(t, st.Size(), int64(len(good)), "file size after repair")

	// A flipped bit in the second record.
	bad := slices.Clone(good)
	offs := frameOffsets(good)
	bad[offs[1]+frameHeaderSize] ^= 0x10
	ok(t, os.WriteFile(name, bad, 0o644))
	_, err = Open(dir, Options{})
	ce := corruptErr(t, err)
	eq(t, ce.File, name, "file")
	eq(t, ce.Offset, offs[1], "offset")
	truth(t, strings.Contains(err.Error(), name) && strings.Contains(err.Error(), "seq 2"), "message %q names the file and seq", err)
}

// TestDamagedFinalFrame flips a byte at every position of the complete,
// durable final frame: each is a *CorruptError from Open and Scan, not a
// torn write, unless the caller opts in to truncation.
func TestDamagedFinalFrame(t *testing.T) {
	const n = 8
	orig := buildMem(t, n, 0).bytes(seg1)
	offs := frameOffsets(orig)
	last := offs[n-1]
	for pos := last; pos < int64(len(orig)); pos++ {
		mask := byte(1)
		if orig[pos] == 1 {
			mask = 2 // never turn the byte into a zero-filled tail
		}
		data := slices.Clone(orig)
		data[pos] ^= mask
		mfs := newMemFS()
		mfs.put(seg1, data)
		l, err := Open(memDir, Options{FS: mfs})
		truth(t, l == nil, "byte %d: Open must not succeed", pos-last)
		ce := corruptErr(t, err)
		eq(t, ce.File, seg1, "file")
		eq(t, ce.Offset, last, "offset")
		eq(t, ce.Seq, uint64(n), "seq")
		eq(t, slices.Equal(mfs.bytes(seg1), data), true, "a corrupt file is left untouched")
		_, err = Scan(mfs, memDir, func(RecordAt) error { return nil })
		eq(t, corruptErr(t, err).Offset, last, "Scan offset")

		l, err = Open(memDir, Options{FS: mfs, TruncateDamagedTail: true})
		ok(t, err)
		info := l.Recovered()
		truth(t, info.DamagedTail, "byte %d: DamagedTail not reported: %+v", pos-last, info)
		eq(t, info.TruncatedOffset, last, "cut offset")
		eq(t, l.LastSeq(), uint64(n-1), "last seq")
		checkRange(t, collect(t, l, 1), 1, n-1)
		ok(t, l.Close())
	}
}

// TestTornFinalFrame covers the torn writes that leave a final frame with
// its declared length in the file: the end of the frame zero-filled (its
// last sectors never reached the disk), from any byte on.
func TestTornFinalFrame(t *testing.T) {
	const n = 8
	orig := buildMem(t, n, 0).bytes(seg1)
	offs := frameOffsets(orig)
	last := offs[n-1]
	for from := last; from < int64(len(orig)); from++ {
		for _, opt := range []bool{false, true} {
			data := slices.Clone(orig)
			clear(data[from:])
			mfs := newMemFS()
			mfs.put(seg1, data)
			l, err := Open(memDir, Options{FS: mfs, TruncateDamagedTail: opt})
			if err != nil {
				t.Fatalf("zeros from byte %d of the final frame: %v", from-last, err)
			}
			info := l.Recovered()
			eq(t, info.DamagedTail, false, "damaged tail")
			eq(t, info.TruncatedOffset, last, "cut offset")
			checkRange(t, collect(t, l, 1), 1, n-1)
			ok(t, l.Close())
		}
	}
	// A damaged complete frame followed by a torn next record is damage,
	// not a torn write.
	data := slices.Clone(orig[:len(orig)-5])
	data[offs[n-2]+frameHeaderSize+1] ^= 1
	mfs := newMemFS()
	mfs.put(seg1, data)
	ce := corruptErr(t, openErr(mfs))
	eq(t, ce.Offset, offs[n-2], "offset")
}
