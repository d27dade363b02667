package journal

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// FuzzOpenCorrupt builds a journal of several segments, cuts it at a
// fuzzer-chosen byte (as a crash would, dropping later files) and flips
// fuzzer-chosen bits. Open must not panic, and must either report a
// *CorruptError or recover an exact prefix of the original records, which
// it can then extend.
func FuzzOpenCorrupt(f *testing.F) {
	const n = 30
	orig := buildMem(f, n, 200)
	names := segmentFiles(f, orig, memDir)
	var whole []byte
	var starts []int
	for _, name := range names {
		starts = append(starts, len(whole))
		whole = append(whole, orig.bytes(name)...)
	}
	starts = append(starts, len(whole))

	f.Add(uint32(len(whole)), []byte{})
	f.Add(uint32(len(whole)-5), []byte{})
	f.Add(uint32(len(whole)), []byte{0x40, 0x00, 0x00, 3})
	f.Add(uint32(300), []byte{0x10, 0x01, 0x00, 7, 0x90, 0x02, 0x00, 1})
	f.Add(uint32(starts[1]+10), []byte{})
	f.Fuzz(func(t *testing.T, cut uint32, flips []byte) {
		data := slices.Clone(whole)
		end := int(cut % uint32(len(whole)+1))
		for i := 0; i+4 <= len(flips) && i < 64; i += 4 {
			pos := int(binary.LittleEndian.Uint32(flips[i:]) & 0xFFFFFF % uint32(len(data)))
			data[pos] ^= 1 << (flips[i+3] & 7)
		}
		mfs := newMemFS()
		for i, name := range names {
			if starts[i] >= end && i > 0 {
				break
			}
			mfs.put(name, data[starts[i]:min(starts[i+1], end)])
		}
		l, err := Open(memDir, Options{FS: mfs, SegmentBytes: 200})
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: want *CorruptError, got %v", err)
			}
			return
		}
		last := l.LastSeq()
		if last > n {
			t.Fatalf("recovered %d records from %d", last, n)
		}
		if err := rangeErr(collect(t, l, 1), 1, last); err != nil {
			t.Fatal(err)
		}
		appendRange(t, l, last+1, last+3)
		ok(t, l.Close())
		l, err = Open(memDir, Options{FS: mfs, SegmentBytes: 200})
		ok(t, err)
		ok(t, rangeErr(collect(t, l, 1), 1, last+3))
		ok(t, l.Close())
	})
}
