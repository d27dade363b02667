package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// Snapshot is a snapshot file loaded by LoadSnapshot.
type Snapshot struct {
	// Seq is the sequence number of the last command the snapshot covers;
	// replay the journal from Seq+1.
	Seq uint64
	// Payload is the snapshot's content, owned by the caller.
	Payload []byte
	// File is the path of the snapshot file.
	File string
	// Skipped lists the newer snapshot files that failed verification and
	// were passed over (only when loading with fallback), newest first.
	Skipped []*CorruptError
}

// WriteSnapshot stores payload as the snapshot at seq, atomically: it
// writes <seq>.snap.tmp (header and payload), fsyncs it, renames it to
// <seq>.snap and fsyncs dir. A crash leaves either the complete new file
// or no new file (perhaps a stale .snap.tmp, which loading ignores and
// RemoveSnapshotsBefore deletes). A nil fsys means OSFS. Errors: the
// filesystem's; on error the temporary file is removed.
func WriteSnapshot(fsys FS, dir string, seq uint64, payload []byte) error {
	if fsys == nil {
		fsys = OSFS{}
	}
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("journal: create %s: %w", dir, err)
	}
	final := filepath.Join(dir, seqName(seq, snapshotSuffix))
	tmp := filepath.Join(dir, seqName(seq, snapTmpSuffix))
	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("journal: create %s: %w", tmp, err)
	}
	err = writeFull(f, appendSnapshotHeader(make([]byte, 0, snapshotHeaderSize), seq, payload))
	if err == nil {
		err = writeFull(f, payload)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, final)
	}
	if err != nil {
		_ = fsys.Remove(tmp)
		return fmt.Errorf("journal: write snapshot %s: %w", final, err)
	}
	if err := fsys.SyncDir(dir); err != nil {
		return fmt.Errorf("journal: sync dir %s: %w", dir, err)
	}
	return nil
}

func appendSnapshotHeader(dst []byte, seq uint64, payload []byte) []byte {
	start := len(dst)
	dst = append(dst, snapshotMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, FormatVersion)
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(payload)))
	dst = binary.LittleEndian.AppendUint32(dst, crc32c(payload))
	return binary.LittleEndian.AppendUint32(dst, crc32c(dst[start:]))
}

// LoadLatestSnapshot returns the newest snapshot in dir. If it fails
// verification the error is a *CorruptError naming the file and offset,
// unless fallback is true, in which case the newest valid snapshot is
// returned instead (LoadSnapshot also reports which files were skipped).
// Errors: ErrNoSnapshot when dir holds no snapshot, *CorruptError, the
// filesystem's.
func LoadLatestSnapshot(fsys FS, dir string, fallback bool) (seq uint64, payload []byte, err error) {
	s, err := LoadSnapshot(fsys, dir, fallback)
	if err != nil {
		return 0, nil, err
	}
	return s.Seq, s.Payload, nil
}

// LoadSnapshot is LoadLatestSnapshot returning the file it used and the
// corrupt files it skipped. When fallback is true and every snapshot is
// corrupt, it returns the newest one's *CorruptError, never ErrNoSnapshot:
// a damaged snapshot is not the same as none. A nil fsys means OSFS.
// Cost: reads the chosen file whole, plus every skipped one.
func LoadSnapshot(fsys FS, dir string, fallback bool) (Snapshot, error) {
	if fsys == nil {
		fsys = OSFS{}
	}
	seqs, err := snapshotSeqs(fsys, dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Snapshot{}, ErrNoSnapshot
		}
		return Snapshot{}, err
	}
	if len(seqs) == 0 {
		return Snapshot{}, ErrNoSnapshot
	}
	var skipped []*CorruptError
	for i := len(seqs) - 1; i >= 0; i-- {
		name := filepath.Join(dir, seqName(seqs[i], snapshotSuffix))
		payload, err := readSnapshot(fsys, name, seqs[i])
		if err == nil {
			return Snapshot{Seq: seqs[i], Payload: payload, File: name, Skipped: skipped}, nil
		}
		var ce *CorruptError
		if !fallback || !errors.As(err, &ce) {
			return Snapshot{}, err
		}
		skipped = append(skipped, ce)
	}
	return Snapshot{}, skipped[0]
}

// snapshotSeqs lists the seqs of the .snap files in dir, ascending.
func snapshotSeqs(fsys FS, dir string) ([]uint64, error) {
	names, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("journal: read dir %s: %w", dir, err)
	}
	var seqs []uint64
	for _, n := range names {
		if seq, ok := parseSeqName(n, snapshotSuffix); ok {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	return seqs, nil
}

// readSnapshot reads and verifies one snapshot file.
func readSnapshot(fsys FS, name string, seq uint64) ([]byte, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("journal: stat %s: %w", name, err)
	}
	size := st.Size()
	corrupt := func(off int64, reason string) error {
		return &CorruptError{File: name, Offset: off, Seq: seq, Reason: reason}
	}
	if size < snapshotHeaderSize {
		return nil, corrupt(0, "short snapshot header")
	}
	h := make([]byte, snapshotHeaderSize)
	if err := readFullAt(f, h, 0); err != nil {
		return nil, fmt.Errorf("journal: read %s: %w", name, err)
	}
	switch {
	case string(h[:8]) != snapshotMagic:
		return nil, corrupt(0, "bad snapshot magic")
	case crc32c(h[:30]) != binary.LittleEndian.Uint32(h[30:]):
		return nil, corrupt(30, "snapshot header checksum mismatch")
	case binary.LittleEndian.Uint16(h[8:]) != FormatVersion:
		return nil, corrupt(8, "unsupported snapshot format version "+strconv.Itoa(int(binary.LittleEndian.Uint16(h[8:]))))
	case binary.LittleEndian.Uint64(h[10:]) != seq:
		return nil, corrupt(10, fmt.Sprintf("header says seq %d, file name says %d", binary.LittleEndian.Uint64(h[10:]), seq))
	}
	n := binary.LittleEndian.Uint64(h[18:])
	if n != uint64(size-snapshotHeaderSize) {
		return nil, corrupt(18, fmt.Sprintf("payload length %d, file holds %d bytes after the header", n, size-snapshotHeaderSize))
	}
	payload := make([]byte, n)
	if err := readFullAt(f, payload, snapshotHeaderSize); err != nil {
		return nil, fmt.Errorf("journal: read %s: %w", name, err)
	}
	if crc32c(payload) != binary.LittleEndian.Uint32(h[26:]) {
		return nil, corrupt(snapshotHeaderSize, "snapshot payload checksum mismatch")
	}
	return payload, nil
}

// RemoveSnapshotsBefore deletes the snapshot files (and leftover
// temporary files) of every seq < seq, then fsyncs dir. A nil fsys means
// OSFS. Errors: the filesystem's.
func RemoveSnapshotsBefore(fsys FS, dir string, seq uint64) error {
	if fsys == nil {
		fsys = OSFS{}
	}
	names, err := fsys.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("journal: read dir %s: %w", dir, err)
	}
	removed := false
	for _, n := range names {
		s, ok := parseSeqName(n, snapshotSuffix)
		if !ok {
			s, ok = parseSeqName(n, snapTmpSuffix)
		}
		if !ok || s >= seq {
			continue
		}
		if err := fsys.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("journal: remove %s: %w", n, err)
		}
		removed = true
	}
	if removed {
		if err := fsys.SyncDir(dir); err != nil {
			return fmt.Errorf("journal: sync dir %s: %w", dir, err)
		}
	}
	return nil
}

// readFullAt fills b from f at off.
func readFullAt(f File, b []byte, off int64) error {
	m, err := f.ReadAt(b, off)
	if m == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}
