package journal

import "path/filepath"

// RecordAt is a journal record with its place on disk.
type RecordAt struct {
	Record
	File   string // the segment file
	Offset int64  // the byte offset of the record's frame in File
}

// ScanInfo describes what Scan found.
type ScanInfo struct {
	// FirstSeq and LastSeq bound the complete records visited
	// (LastSeq < FirstSeq: none; FirstSeq 0: no segment).
	FirstSeq, LastSeq uint64
	// TornFile, TornOffset, TornBytes and TornReason describe an incomplete
	// end of the final segment (a crash during a write), which Scan
	// skipped and Open would cut off.
	TornFile   string
	TornOffset int64
	TornBytes  int64
	TornReason string
}

// Scan verifies the journal kept in dir exactly as Open's recovery does,
// but changes no file, and calls fn for every complete record in sequence
// order with its file and offset. It is for auditors and tools that must
// not touch a live or evidential journal. The Payload passed to fn is valid
// only during the call; Scan stops at fn's first error and returns it.
// A nil fsys means OSFS.
//
// Errors: *CorruptError for damage anywhere but a torn end of the final
// segment, fn's error, the filesystem's error. Cost: each segment is read
// twice (verification, then the walk); O(segment size) memory.
func Scan(fsys FS, dir string, fn func(RecordAt) error) (ScanInfo, error) {
	if fsys == nil {
		fsys = OSFS{}
	}
	var info ScanInfo
	names, seqs, results, err := verifyDir(fsys, dir, false)
	if err != nil {
		return info, err
	}
	if len(names) > 0 {
		info.FirstSeq = seqs[0]
		info.LastSeq = seqs[0] - 1
	}
	for i, name := range names {
		res := results[i]
		if res.tornHeader || res.goodSize < res.fileSize {
			info.TornFile, info.TornOffset = name, res.goodSize
			info.TornBytes, info.TornReason = res.fileSize-res.goodSize, res.reason
			if res.tornHeader {
				info.TornOffset, info.TornBytes = 0, res.fileSize
			}
		}
		if res.tornHeader {
			continue
		}
		seg := segment{name: name, firstSeq: seqs[i], lastSeq: res.lastSeq, size: res.goodSize}
		if err := walkSegment(fsys, seg, 0, fn); err != nil {
			return info, err
		}
		info.LastSeq = res.lastSeq
	}
	return info, nil
}

// FirstSegmentSeq returns the first sequence number of the oldest segment
// in dir, or 0 if there is none. It reads only the directory. A nil fsys
// means OSFS.
func FirstSegmentSeq(fsys FS, dir string) (uint64, error) {
	if fsys == nil {
		fsys = OSFS{}
	}
	_, seqs, err := listSegments(fsys, dir)
	if err != nil || len(seqs) == 0 {
		return 0, err
	}
	return seqs[0], nil
}

// SnapshotFile names a snapshot file in a directory.
type SnapshotFile struct {
	Seq  uint64
	File string
}

// ListSnapshots returns the snapshot files of dir, oldest first, without
// reading them. A nil fsys means OSFS.
func ListSnapshots(fsys FS, dir string) ([]SnapshotFile, error) {
	if fsys == nil {
		fsys = OSFS{}
	}
	seqs, err := snapshotSeqs(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := make([]SnapshotFile, len(seqs))
	for i, seq := range seqs {
		out[i] = SnapshotFile{Seq: seq, File: filepath.Join(dir, seqName(seq, snapshotSuffix))}
	}
	return out, nil
}

// ReadSnapshot reads and verifies snapshot file s and returns its payload.
// A nil fsys means OSFS. Errors: *CorruptError (header, length or
// checksum), the filesystem's error.
func ReadSnapshot(fsys FS, s SnapshotFile) ([]byte, error) {
	if fsys == nil {
		fsys = OSFS{}
	}
	return readSnapshot(fsys, s.File, s.Seq)
}

// SnapshotHeaderSize is the size of a snapshot file's header: the payload
// starts at this offset.
const SnapshotHeaderSize = snapshotHeaderSize
