package journal

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
)

// On-disk layout constants; see the package documentation.
const (
	segmentMagic  = "AGORAJNL"
	snapshotMagic = "AGORASNP"

	// FormatVersion is the version written in segment and snapshot headers.
	FormatVersion uint16 = 1

	// segmentHeaderSize: magic[8] version[2] firstSeq[8] crc[4].
	segmentHeaderSize = 8 + 2 + 8 + 4
	// frameHeaderSize: length[4] crc[4] seq[8].
	frameHeaderSize = 4 + 4 + 8
	// snapshotHeaderSize: magic[8] version[2] seq[8] length[8] payloadCRC[4] headerCRC[4].
	snapshotHeaderSize = 8 + 2 + 8 + 8 + 4 + 4

	// MaxPayloadBytes is the largest record payload the log accepts.
	MaxPayloadBytes = 1 << 28

	seqDigits      = 20
	segmentSuffix  = ".wal"
	snapshotSuffix = ".snap"
	snapTmpSuffix  = ".snap.tmp"

	readChunk = 256 << 10
)

// castagnoli is the CRC-32C table. It is never written after initialisation.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// seqName returns seq as 20 decimal digits followed by suffix.
func seqName(seq uint64, suffix string) string {
	var b [seqDigits + 16]byte
	s := strconv.AppendUint(b[:0], seq, 10)
	out := make([]byte, 0, seqDigits+len(suffix))
	for i := len(s); i < seqDigits; i++ {
		out = append(out, '0')
	}
	out = append(out, s...)
	return string(append(out, suffix...))
}

// parseSeqName parses a name made by seqName with the same suffix.
func parseSeqName(name, suffix string) (uint64, bool) {
	if len(name) != seqDigits+len(suffix) || !strings.HasSuffix(name, suffix) {
		return 0, false
	}
	digits := name[:seqDigits]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}

// appendSegmentHeader appends the header of a segment whose first record
// has sequence number firstSeq.
func appendSegmentHeader(dst []byte, firstSeq uint64) []byte {
	start := len(dst)
	dst = append(dst, segmentMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, FormatVersion)
	dst = binary.LittleEndian.AppendUint64(dst, firstSeq)
	return binary.LittleEndian.AppendUint32(dst, crc32c(dst[start:]))
}

// parseSegmentHeader checks a segment header and returns its first seq.
func parseSegmentHeader(h []byte) (uint64, string) {
	if len(h) < segmentHeaderSize {
		return 0, "short segment header"
	}
	if string(h[:8]) != segmentMagic {
		return 0, "bad segment magic"
	}
	if crc32c(h[:18]) != binary.LittleEndian.Uint32(h[18:22]) {
		return 0, "segment header checksum mismatch"
	}
	if v := binary.LittleEndian.Uint16(h[8:10]); v != FormatVersion {
		return 0, "unsupported segment format version " + strconv.Itoa(int(v))
	}
	return binary.LittleEndian.Uint64(h[10:18]), ""
}

// appendFrame appends the frame of one record.
func appendFrame(dst []byte, seq uint64, payload []byte) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = append(dst, payload...)
	binary.LittleEndian.PutUint32(dst[start+4:], crc32c(dst[start+8:]))
	return dst
}

// frameLen returns the total length of the well-formed frame at b[0:].
func frameLen(b []byte) int {
	return frameHeaderSize + int(binary.LittleEndian.Uint32(b))
}

// frameSeq returns the seq of the well-formed frame at b[0:].
func frameSeq(b []byte) uint64 { return binary.LittleEndian.Uint64(b[8:]) }

// windowReader reads a file through a window of buffered bytes.
type windowReader struct {
	f    File
	size int64
	buf  []byte
	base int64
}

var errShortRead = errors.New("journal: short read")

// bytes returns file[off:off+n]. The slice is valid until the next call.
func (r *windowReader) bytes(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off+int64(n) > r.size {
		return nil, errShortRead
	}
	if off >= r.base && off+int64(n) <= r.base+int64(len(r.buf)) {
		return r.buf[off-r.base : off-r.base+int64(n)], nil
	}
	want := int64(max(n, readChunk))
	if off+want > r.size {
		want = r.size - off
	}
	if int64(cap(r.buf)) < want {
		r.buf = make([]byte, want)
	}
	r.buf = r.buf[:want]
	m, err := r.f.ReadAt(r.buf, off)
	if int64(m) < want {
		r.buf = r.buf[:0]
		if err == nil || err == io.EOF {
			err = errShortRead
		}
		return nil, err
	}
	r.base = off
	return r.buf[:n], nil
}
