// Package journaltest forges and tampers journal files for tests: it frames
// records, builds and parses segments, changes bytes and fixes up the
// CRC-32C that covers them (so that only a higher layer, such as the audit
// chain, can notice), writes segments into a directory and truncates them.
//
// It knows the on-disk format that package journal documents and writes,
// and nothing else: it is the one copy of that format outside package
// journal. Its functions never panic on malformed input; they return an
// error or report false.
package journaltest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// Sizes of the segment format (see package journal).
const (
	// SegmentHeaderSize is the size of a segment's header: magic[8]
	// version[2] firstSeq[8] crc[4].
	SegmentHeaderSize = 8 + 2 + 8 + 4
	// FrameHeaderSize is the size of a record's frame header: length[4]
	// crc[4] seq[8]. The payload follows it.
	FrameHeaderSize = 4 + 4 + 8
)

const (
	segmentMagic  = "AGORAJNL"
	formatVersion = 1
)

// ErrMalformed reports a segment whose framing does not parse.
var ErrMalformed = errors.New("journaltest: malformed segment")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CRC returns the CRC-32C (Castagnoli) of b, the checksum the journal uses.
func CRC(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// SegmentName returns the file name of the segment whose first record is
// firstSeq: 20 decimal digits and ".wal".
func SegmentName(firstSeq uint64) string { return fmt.Sprintf("%020d.wal", firstSeq) }

// AppendSegmentHeader appends the header of a segment starting at firstSeq.
func AppendSegmentHeader(dst []byte, firstSeq uint64) []byte {
	start := len(dst)
	dst = append(dst, segmentMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, formatVersion)
	dst = binary.LittleEndian.AppendUint64(dst, firstSeq)
	return binary.LittleEndian.AppendUint32(dst, CRC(dst[start:]))
}

// AppendFrame appends the frame of one record: its length, the CRC-32C of
// seq and payload, seq, then the payload.
func AppendFrame(dst []byte, seq uint64, payload []byte) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = append(dst, payload...)
	binary.LittleEndian.PutUint32(dst[start+4:], CRC(dst[start+8:]))
	return dst
}

// Segment returns a whole segment holding payloads as the records
// firstSeq, firstSeq+1, ...
func Segment(firstSeq uint64, payloads ...[]byte) []byte {
	b := AppendSegmentHeader(nil, firstSeq)
	for i, p := range payloads {
		b = AppendFrame(b, firstSeq+uint64(i), p)
	}
	return b
}

// Frame locates one record in a segment: seg[Off:End] is its frame, and
// seg[Off+FrameHeaderSize:End] its payload.
type Frame struct {
	Seq      uint64
	Off, End int
}

// PayloadOff returns the offset of the frame's payload in its segment.
func (f Frame) PayloadOff() int { return f.Off + FrameHeaderSize }

// Payload returns the frame's payload, a view of seg.
func (f Frame) Payload(seg []byte) []byte { return seg[f.PayloadOff():f.End] }

// Frames parses the frames of seg after its header, up to the last
// complete one; trailing bytes too short for a frame (a torn tail) are
// ignored. It checks lengths only, not CRCs, so that it can walk a
// tampered segment. The error wraps ErrMalformed for a segment shorter
// than its header.
func Frames(seg []byte) ([]Frame, error) {
	if len(seg) < SegmentHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the header", ErrMalformed, len(seg))
	}
	var out []Frame
	for off := SegmentHeaderSize; off+FrameHeaderSize <= len(seg); {
		n := int(binary.LittleEndian.Uint32(seg[off:]))
		if n > len(seg)-off-FrameHeaderSize {
			break
		}
		end := off + FrameHeaderSize + n
		out = append(out, Frame{Seq: binary.LittleEndian.Uint64(seg[off+8:]), Off: off, End: end})
		off = end
	}
	return out, nil
}

// FrameOf returns the frame of record seq in seg.
func FrameOf(seg []byte, seq uint64) (Frame, bool) {
	frames, err := Frames(seg)
	if err != nil {
		return Frame{}, false
	}
	for _, f := range frames {
		if f.Seq == seq {
			return f, true
		}
	}
	return Frame{}, false
}

// FixCRC recomputes the CRC-32C of frame f in seg.
func FixCRC(seg []byte, f Frame) {
	if f.Off < 0 || f.End > len(seg) || f.Off+FrameHeaderSize > f.End {
		return
	}
	binary.LittleEndian.PutUint32(seg[f.Off+4:], CRC(seg[f.Off+8:f.End]))
}

// FixCRCs recomputes the CRC-32C of every complete frame in seg (and of
// the header), so that the segment passes its checksums whatever bytes
// were changed in it, as long as its lengths still frame it.
func FixCRCs(seg []byte) {
	if len(seg) < SegmentHeaderSize {
		return
	}
	binary.LittleEndian.PutUint32(seg[18:], CRC(seg[:18]))
	frames, _ := Frames(seg)
	for _, f := range frames {
		FixCRC(seg, f)
	}
}

// Flip XORs the byte at pos of seg with mask (0 means 0xff) and, when pos
// lies in a frame's seq or payload, fixes that frame's CRC-32C, so that
// the change passes the journal's checks. It reports whether the CRC was
// fixed: false for a byte in the segment header or in a frame's length
// or CRC field, which the journal itself detects.
func Flip(seg []byte, pos int, mask byte) bool {
	if pos < 0 || pos >= len(seg) {
		return false
	}
	if mask == 0 {
		mask = 0xff
	}
	frames, _ := Frames(seg)
	seg[pos] ^= mask
	for _, f := range frames {
		if pos >= f.Off+8 && pos < f.End {
			FixCRC(seg, f)
			return true
		}
	}
	return false
}

// ReadSegment reads the segment of dir whose first record is firstSeq.
func ReadSegment(dir string, firstSeq uint64) ([]byte, error) {
	return os.ReadFile(filepath.Join(dir, SegmentName(firstSeq)))
}

// WriteSegment writes seg as the segment of dir whose first record is
// firstSeq, replacing any file of that name, and returns its path.
func WriteSegment(dir string, firstSeq uint64, seg []byte) (string, error) {
	p := filepath.Join(dir, SegmentName(firstSeq))
	return p, os.WriteFile(p, seg, 0o644)
}

// Truncate cuts the file at path to size bytes (a torn write).
func Truncate(path string, size int64) error { return os.Truncate(path, size) }

// Segments returns the first sequence numbers of the segments in dir, in
// ascending order.
func Segments(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, e := range ents {
		var seq uint64
		if n, err := fmt.Sscanf(e.Name(), "%020d.wal", &seq); err == nil && n == 1 && e.Name() == SegmentName(seq) {
			out = append(out, seq)
		}
	}
	return out, nil
}
