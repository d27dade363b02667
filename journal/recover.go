package journal

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
)

// RecoveryInfo describes what Open found in the directory and what it
// repaired. Open repairs only a torn end of the final segment: the bytes
// of a write that a crash interrupted, which were never acknowledged.
type RecoveryInfo struct {
	// Segments is the number of segment files after recovery.
	Segments int
	// FirstSeq is the sequence number the oldest segment starts at.
	FirstSeq uint64
	// LastSeq is the sequence number of the last complete record, or
	// FirstSeq-1 when the log holds none.
	LastSeq uint64
	// TruncatedFile is the segment whose torn tail was cut off, or "".
	TruncatedFile string
	// TruncatedOffset is the offset TruncatedFile was cut at.
	TruncatedOffset int64
	// TruncatedBytes is the number of bytes cut off.
	TruncatedBytes int64
	// TruncatedReason says what was wrong with the first discarded byte.
	TruncatedReason string
	// RepairedHeader is true when the final segment held no records and
	// an incomplete header, which Open rewrote.
	RepairedHeader bool
	// DamagedTail is true when the bytes cut off began with a damaged
	// complete frame rather than a torn write: a record that may have
	// been acknowledged was dropped. Only Options.TruncateDamagedTail
	// allows that.
	DamagedTail bool
}

// segment is one segment file as known to the log.
type segment struct {
	name     string // full path
	firstSeq uint64
	lastSeq  uint64 // firstSeq-1 while empty
	size     int64  // bytes of verified, durable data
}

// listSegments returns the segment file names in dir with their seqs, in
// order.
func listSegments(fsys FS, dir string) ([]string, []uint64, error) {
	names, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: read dir %s: %w", dir, err)
	}
	var out []string
	var seqs []uint64
	for _, n := range names {
		if seq, ok := parseSeqName(n, segmentSuffix); ok {
			out = append(out, filepath.Join(dir, n))
			seqs = append(seqs, seq)
		}
	}
	// Fixed-width names sort numerically, but ReadDir's order is the FS's
	// promise, not ours: sort again.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && seqs[j] < seqs[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
			seqs[j], seqs[j-1] = seqs[j-1], seqs[j]
		}
	}
	return out, seqs, nil
}

// verifyDir verifies every segment in dir, in order, without changing any
// file: names, first seqs and what scanSegment learned of each. A torn end
// of the final segment (and, when truncDamaged, a damaged complete final
// frame) is reported in its scanResult; anything else that fails is a
// *CorruptError.
func verifyDir(fsys FS, dir string, truncDamaged bool) ([]string, []uint64, []scanResult, error) {
	names, seqs, err := listSegments(fsys, dir)
	if err != nil {
		return nil, nil, nil, err
	}
	results := make([]scanResult, 0, len(names))
	for i, name := range names {
		if seqs[i] == 0 {
			return nil, nil, nil, &CorruptError{File: name, Reason: "segment named with sequence number 0"}
		}
		if i > 0 {
			if want := results[i-1].lastSeq + 1; seqs[i] != want {
				return nil, nil, nil, &CorruptError{File: name, Seq: want,
					Reason: fmt.Sprintf("sequence gap: segment starts at %d, previous segment ends at %d", seqs[i], want-1)}
			}
		}
		res, err := scanSegment(fsys, name, seqs[i], i == len(names)-1, truncDamaged)
		if err != nil {
			return nil, nil, nil, err
		}
		results = append(results, res)
	}
	return names, seqs, results, nil
}

// recoverDir verifies every segment in dir and repairs a torn end of the
// final one (and a damaged complete final frame when truncDamaged). It
// returns the segments in order.
func recoverDir(fsys FS, dir string, truncDamaged bool) ([]segment, RecoveryInfo, error) {
	var info RecoveryInfo
	names, seqs, results, err := verifyDir(fsys, dir, truncDamaged)
	if err != nil {
		return nil, info, err
	}
	segs := make([]segment, 0, len(names))
	for i, name := range names {
		res := results[i]
		seg := segment{name: name, firstSeq: seqs[i], lastSeq: res.lastSeq, size: res.goodSize}
		switch {
		case res.tornHeader:
			if err := rewriteHeader(fsys, name, seqs[i]); err != nil {
				return nil, info, err
			}
			seg.size = segmentHeaderSize
			info.RepairedHeader = true
			info.TruncatedFile, info.TruncatedOffset = name, 0
			info.TruncatedBytes, info.TruncatedReason = res.fileSize, res.reason
		case res.goodSize < res.fileSize:
			if err := truncateFile(fsys, name, res.goodSize); err != nil {
				return nil, info, err
			}
			info.TruncatedFile, info.TruncatedOffset = name, res.goodSize
			info.TruncatedBytes, info.TruncatedReason = res.fileSize-res.goodSize, res.reason
			info.DamagedTail = res.damaged
		}
		segs = append(segs, seg)
	}
	if len(segs) > 0 {
		info.Segments = len(segs)
		info.FirstSeq = segs[0].firstSeq
		info.LastSeq = segs[len(segs)-1].lastSeq
	}
	return segs, info, nil
}

// scanResult is what scanSegment learned about one segment.
type scanResult struct {
	fileSize   int64
	goodSize   int64  // length of the verified prefix
	lastSeq    uint64 // seq of the last verified record
	tornHeader bool   // final segment with an incomplete header and no data
	damaged    bool   // the bytes past goodSize start with a damaged complete frame
	reason     string // why the bytes past goodSize were rejected
}

// scanSegment verifies one segment. In a final segment a torn tail (and,
// when truncDamaged, a damaged complete final frame) is reported through
// goodSize < fileSize; anything else that fails verification is a
// *CorruptError.
func scanSegment(fsys FS, name string, firstSeq uint64, final, truncDamaged bool) (scanResult, error) {
	var res scanResult
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return res, fmt.Errorf("journal: open %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return res, fmt.Errorf("journal: stat %s: %w", name, err)
	}
	res.fileSize = st.Size()
	r := &windowReader{f: f, size: res.fileSize}

	// Header.
	reason := "short segment header"
	if res.fileSize >= segmentHeaderSize {
		h, err := r.bytes(0, segmentHeaderSize)
		if err != nil {
			return res, fmt.Errorf("journal: read %s: %w", name, err)
		}
		var got uint64
		got, reason = parseSegmentHeader(h)
		if reason == "" && got != firstSeq {
			return res, &CorruptError{File: name, Seq: firstSeq,
				Reason: fmt.Sprintf("header says first seq %d, file name says %d", got, firstSeq)}
		}
	}
	if reason != "" {
		if final && res.fileSize <= segmentHeaderSize {
			// A crash while a new segment was being created: no record
			// was ever written to it.
			res.tornHeader, res.reason, res.lastSeq = true, reason, firstSeq-1
			return res, nil
		}
		return res, &CorruptError{File: name, Seq: firstSeq, Reason: reason}
	}

	// Frames.
	off := int64(segmentHeaderSize)
	expect := firstSeq
	for off < res.fileSize {
		rem := res.fileSize - off
		if rem < frameHeaderSize {
			reason = "incomplete frame header"
			break
		}
		h, err := r.bytes(off, frameHeaderSize)
		if err != nil {
			return res, fmt.Errorf("journal: read %s: %w", name, err)
		}
		n := int64(binary.LittleEndian.Uint32(h))
		sum := binary.LittleEndian.Uint32(h[4:])
		seq := binary.LittleEndian.Uint64(h[8:])
		if n > rem-frameHeaderSize || n > MaxPayloadBytes {
			reason = "frame length runs past end of file"
			break
		}
		body, err := r.bytes(off+8, 8+int(n))
		if err != nil {
			return res, fmt.Errorf("journal: read %s: %w", name, err)
		}
		if crc32c(body) != sum {
			reason = "frame checksum mismatch"
			break
		}
		if seq != expect {
			return res, &CorruptError{File: name, Offset: off, Seq: expect,
				Reason: fmt.Sprintf("sequence gap: record has seq %d", seq)}
		}
		off += frameHeaderSize + n
		expect++
	}
	res.goodSize, res.lastSeq = off, expect-1
	if off == res.fileSize {
		return res, nil
	}
	if !final {
		return res, &CorruptError{File: name, Offset: off, Seq: expect, Reason: reason + " in a non-final segment"}
	}
	next, err := findValidFrame(r, off+1, expect-1)
	if err != nil {
		return res, fmt.Errorf("journal: read %s: %w", name, err)
	}
	if next >= 0 {
		return res, &CorruptError{File: name, Offset: off, Seq: expect,
			Reason: fmt.Sprintf("%s, yet a valid record follows at offset %d", reason, next)}
	}
	damaged, why, err := classifyTail(r, off, expect)
	if err != nil {
		return res, fmt.Errorf("journal: read %s: %w", name, err)
	}
	if damaged && !truncDamaged {
		return res, &CorruptError{File: name, Offset: off, Seq: expect, Reason: why}
	}
	res.damaged, res.reason = damaged, why
	return res, nil
}

// classifyTail tells a torn write from a damaged complete frame at off,
// the first offset of the final segment where verification failed and
// after which no valid record follows; expect is the seq due there. The
// rule is the one in the package documentation, "Recovery". It returns
// whether the frame is complete (and damaged) and why.
func classifyTail(r *windowReader, off int64, expect uint64) (bool, string, error) {
	rem := r.size - off
	if rem < frameHeaderSize {
		return false, "incomplete frame header", nil
	}
	tail, err := r.bytes(off, int(rem))
	if err != nil {
		return false, "", err
	}
	z := len(tail) // tail[z:] is the zero-filled end of the file
	for z > 0 && tail[z-1] == 0 {
		z--
	}
	if z == 0 {
		return false, "zero-filled tail", nil
	}
	n := int64(binary.LittleEndian.Uint32(tail))
	sum := binary.LittleEndian.Uint32(tail[4:])
	seq := binary.LittleEndian.Uint64(tail[8:])
	if seq == expect && crc32c(tail[8:]) == sum {
		return true, fmt.Sprintf("frame length field damaged: it says %d bytes, and a record with a valid checksum runs to the end of the file", n), nil
	}
	if n > MaxPayloadBytes || n > rem-frameHeaderSize {
		return false, "frame length runs past end of file", nil
	}
	end := frameHeaderSize + n
	switch {
	case end > int64(z):
		return false, "frame ends in a zero-filled tail", nil
	case end == rem:
		return true, "checksum mismatch in the complete final frame", nil
	case rem-end >= frameHeaderSize:
		next := tail[end:]
		if binary.LittleEndian.Uint64(next[8:]) == expect+1 && binary.LittleEndian.Uint32(next) <= MaxPayloadBytes {
			return true, "checksum mismatch in a complete frame followed by the next record's header", nil
		}
	}
	return false, "frame checksum mismatch, followed by garbage", nil
}

// findValidFrame looks for a frame with a valid checksum and a plausible
// seq (after lastGood) at any offset >= from. It tells a torn final write,
// after which nothing valid can follow, from damage in the middle of the
// data. It returns the frame's offset or -1.
func findValidFrame(r *windowReader, from int64, lastGood uint64) (int64, error) {
	if from >= r.size {
		return -1, nil
	}
	tail, err := r.bytes(from, int(r.size-from))
	if err != nil {
		return -1, err
	}
	maxSeq := lastGood + uint64(len(tail)/frameHeaderSize) + 1
	for p := 0; p+frameHeaderSize <= len(tail); p++ {
		n := int(binary.LittleEndian.Uint32(tail[p:]))
		if n > len(tail)-p-frameHeaderSize {
			continue
		}
		seq := binary.LittleEndian.Uint64(tail[p+8:])
		if seq <= lastGood || seq > maxSeq {
			continue
		}
		if crc32c(tail[p+8:p+frameHeaderSize+n]) == binary.LittleEndian.Uint32(tail[p+4:]) {
			return from + int64(p), nil
		}
	}
	return -1, nil
}

// truncateFile cuts name to size and fsyncs it.
func truncateFile(fsys FS, name string, size int64) error {
	if err := fsys.Truncate(name, size); err != nil {
		return fmt.Errorf("journal: truncate %s: %w", name, err)
	}
	f, err := fsys.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("journal: open %s: %w", name, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("journal: sync %s: %w", name, err)
	}
	return nil
}

// rewriteHeader replaces the contents of an empty segment with a fresh
// header.
func rewriteHeader(fsys FS, name string, firstSeq uint64) error {
	if err := fsys.Truncate(name, 0); err != nil {
		return fmt.Errorf("journal: truncate %s: %w", name, err)
	}
	f, err := fsys.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("journal: open %s: %w", name, err)
	}
	err = writeFull(f, appendSegmentHeader(nil, firstSeq))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("journal: rewrite header of %s: %w", name, err)
	}
	return nil
}

// writeFull writes b and turns a short write into an error.
func writeFull(f File, b []byte) error {
	n, err := f.Write(b)
	if err == nil && n < len(b) {
		err = fmt.Errorf("short write: %d of %d bytes", n, len(b))
	}
	return err
}
