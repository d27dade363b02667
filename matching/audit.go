package matching

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/agora-exchange/agora/matching/journal"
)

// AuditReport is the result of VerifyJournal.
type AuditReport struct {
	// StartSeq is the sequence number of the state the verification
	// started from: 0 for an empty exchange (the journal holds every
	// record from 1), otherwise the snapshot StartFile. The snapshot's
	// stored chain head is then trusted; anchor it (see
	// Exchange.AuditHead) to extend the proof to the records before it.
	StartSeq  uint64
	StartFile string
	// FirstSeq and LastSeq bound the records that were re-executed and
	// matched their stored audit hash (LastSeq < FirstSeq: none).
	FirstSeq, LastSeq uint64
	// Head is the audit chain head after LastSeq; compare it with an
	// anchored value.
	Head [32]byte
	// Snapshots is the number of later snapshots whose stored state and
	// chain head were compared with the replayed state, and matched.
	Snapshots int
	// CoveredRecords is the number of journal records at or before
	// StartSeq: covered by the start snapshot, not re-executed.
	CoveredRecords uint64
	// TornFile, TornOffset and TornBytes describe an incomplete final
	// record (a crash during a write; never acknowledged) that the
	// verification ignored. Open cuts it off.
	TornFile   string
	TornOffset int64
	TornBytes  int64
	// BadSnapshots lists snapshot files that failed their checksums; they
	// were not used.
	BadSnapshots []*journal.CorruptError
	// Bad is the first record (or snapshot) that failed verification, or
	// nil when everything matched.
	Bad *AuditFailure
}

// OK reports whether every record verified.
func (r *AuditReport) OK() bool { return r.Bad == nil }

// AuditFailure locates the first record that failed verification.
type AuditFailure struct {
	Seq    uint64
	File   string // the segment (or snapshot) file
	Offset int64  // the byte offset of the record's frame in File
	Reason string
}

func (f *AuditFailure) String() string {
	return fmt.Sprintf("seq %d in %s at offset %d: %s", f.Seq, f.File, f.Offset, f.Reason)
}

// VerifyJournal recomputes the audit chain of the durable exchange kept in
// dir without changing any file. It re-executes every journal record in a
// fresh exchange, from the first record when the journal starts at seq 1,
// otherwise from the oldest snapshot the journal continues, and checks
// each record's stored audit hash against the hash of its command bytes
// and of the events the replay produced. Newer snapshots met on the way
// are compared with the replayed state. cfg is as for Open.
//
// The report names the first record that does not match (seq, segment
// file and frame offset). The error is nil when everything matched;
// otherwise it wraps ErrAuditMismatch (a record whose hash, command or
// events differ, or that does not decode: then also ErrBadRecord), or is
// a *journal.CorruptError (errors.As) for a frame that fails its CRC-32C
// or framing anywhere but in a torn final record, or ErrJournalGap, or
// the filesystem's error. Cost: a full replay, O(journal size) in time and
// O(segment size + state) in memory.
func VerifyJournal(dir string, cfg Config) (AuditReport, error) {
	return verifyJournal(journal.OSFS{}, dir, cfg)
}

// Journal layout constants, as documented by package journal.
const (
	segMagic      = "AGORAJNL"
	segHeaderSize = 8 + 2 + 8 + 4
	frameHeader   = 4 + 4 + 8
	snapMagic     = "AGORASNP"
	snapHeader    = 8 + 2 + 8 + 8 + 4 + 4
	seqDigits     = 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// auditSnap is a snapshot file found in the directory.
type auditSnap struct {
	seq  uint64
	file string
}

// seqFiles lists the files of dir named <20 digits><suffix>, by seq.
func seqFiles(fsys journal.FS, dir, suffix string) ([]auditSnap, error) {
	names, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []auditSnap
	for _, n := range names {
		if len(n) != seqDigits+len(suffix) || !strings.HasSuffix(n, suffix) {
			continue
		}
		s, err := strconv.ParseUint(n[:seqDigits], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, auditSnap{seq: s, file: filepath.Join(dir, n)})
	}
	slices.SortFunc(out, func(a, b auditSnap) int { return cmpU64(a.seq, b.seq) })
	return out, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// readAll reads a whole file through fsys.
func readAll(fsys journal.FS, name string) ([]byte, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	n, err := f.ReadAt(b, 0)
	if n == len(b) {
		return b, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, err
}

// readSnapshotFile verifies a snapshot file (format of package journal)
// and returns its payload.
func readSnapshotFile(fsys journal.FS, s auditSnap) ([]byte, error) {
	b, err := readAll(fsys, s.file)
	if err != nil {
		return nil, err
	}
	bad := func(off int64, reason string) error {
		return &journal.CorruptError{File: s.file, Offset: off, Seq: s.seq, Reason: reason}
	}
	if len(b) < snapHeader {
		return nil, bad(0, "short snapshot header")
	}
	h := b[:snapHeader]
	switch {
	case string(h[:8]) != snapMagic:
		return nil, bad(0, "bad snapshot magic")
	case crc32.Checksum(h[:snapHeader-4], castagnoli) != binary.LittleEndian.Uint32(h[snapHeader-4:]):
		return nil, bad(0, "snapshot header checksum mismatch")
	case binary.LittleEndian.Uint16(h[8:]) != journal.FormatVersion:
		return nil, bad(8, "unknown snapshot version")
	case binary.LittleEndian.Uint64(h[10:]) != s.seq:
		return nil, bad(10, "snapshot seq differs from its file name")
	case binary.LittleEndian.Uint64(h[18:]) != uint64(len(b)-snapHeader):
		return nil, bad(18, "snapshot length mismatch")
	}
	p := b[snapHeader:]
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(h[26:]) {
		return nil, bad(snapHeader, "snapshot payload checksum mismatch")
	}
	return p, nil
}

// auditRecord is one verified journal frame.
type auditRecord struct {
	seq     uint64
	file    string
	off     int64
	payload []byte
}

// scanSegments walks every record of the journal in dir, in order,
// verifying frames as package journal's recovery does but changing
// nothing: a torn tail of the final segment is reported in rep, any
// other damage is a *journal.CorruptError.
func scanSegments(fsys journal.FS, dir string, rep *AuditReport, fn func(auditRecord) error) error {
	segs, err := seqFiles(fsys, dir, ".wal")
	if err != nil {
		return fmt.Errorf("matching: audit %s: %w", dir, err)
	}
	var expect uint64
	for i, s := range segs {
		final := i == len(segs)-1
		if i > 0 && s.seq != expect {
			return &journal.CorruptError{File: s.file, Seq: expect, Reason: fmt.Sprintf("segment starts at seq %d, previous ended at %d", s.seq, expect-1)}
		}
		expect = s.seq
		b, err := readAll(fsys, s.file)
		if err != nil {
			return fmt.Errorf("matching: audit: read %s: %w", s.file, err)
		}
		if len(b) < segHeaderSize {
			if final {
				rep.TornFile, rep.TornOffset, rep.TornBytes = s.file, 0, int64(len(b))
				break
			}
			return &journal.CorruptError{File: s.file, Seq: s.seq, Reason: "short segment header"}
		}
		h := b[:segHeaderSize]
		switch {
		case string(h[:8]) != segMagic:
			return &journal.CorruptError{File: s.file, Seq: s.seq, Reason: "bad segment magic"}
		case crc32.Checksum(h[:segHeaderSize-4], castagnoli) != binary.LittleEndian.Uint32(h[segHeaderSize-4:]):
			return &journal.CorruptError{File: s.file, Seq: s.seq, Reason: "segment header checksum mismatch"}
		case binary.LittleEndian.Uint16(h[8:]) != journal.FormatVersion:
			return &journal.CorruptError{File: s.file, Offset: 8, Seq: s.seq, Reason: "unknown segment version"}
		case binary.LittleEndian.Uint64(h[10:]) != s.seq:
			return &journal.CorruptError{File: s.file, Offset: 10, Seq: s.seq, Reason: "segment first seq differs from its file name"}
		}
		off := segHeaderSize
		for off < len(b) {
			reason := ""
			rem := len(b) - off
			var n int
			if rem < frameHeader {
				reason = "incomplete frame header"
			} else {
				n = int(binary.LittleEndian.Uint32(b[off:]))
				switch {
				case n > rem-frameHeader || n > journal.MaxPayloadBytes:
					reason = "frame length runs past end of file"
				case crc32.Checksum(b[off+8:off+frameHeader+n], castagnoli) != binary.LittleEndian.Uint32(b[off+4:]):
					reason = "frame checksum mismatch"
				}
			}
			if reason != "" {
				if final && !validFrameAfter(b, off+1, expect-1) {
					rep.TornFile, rep.TornOffset, rep.TornBytes = s.file, int64(off), int64(rem)
					break
				}
				return &journal.CorruptError{File: s.file, Offset: int64(off), Seq: expect, Reason: reason}
			}
			if seq := binary.LittleEndian.Uint64(b[off+8:]); seq != expect {
				return &journal.CorruptError{File: s.file, Offset: int64(off), Seq: expect, Reason: fmt.Sprintf("sequence gap: record has seq %d", seq)}
			}
			if err := fn(auditRecord{seq: expect, file: s.file, off: int64(off), payload: b[off+frameHeader : off+frameHeader+n]}); err != nil {
				return err
			}
			off += frameHeader + n
			expect++
		}
	}
	return nil
}

// validFrameAfter reports whether a frame with a valid checksum and a seq
// after lastGood starts anywhere at or after from: then the damage before
// it is not a torn tail.
func validFrameAfter(b []byte, from int, lastGood uint64) bool {
	maxSeq := lastGood + uint64(len(b)/frameHeader) + 1
	for p := from; p+frameHeader <= len(b); p++ {
		n := int(binary.LittleEndian.Uint32(b[p:]))
		if n > len(b)-p-frameHeader {
			continue
		}
		if seq := binary.LittleEndian.Uint64(b[p+8:]); seq <= lastGood || seq > maxSeq {
			continue
		}
		if crc32.Checksum(b[p+8:p+frameHeader+n], castagnoli) == binary.LittleEndian.Uint32(b[p+4:]) {
			return true
		}
	}
	return false
}

func verifyJournal(fsys journal.FS, dir string, cfg Config) (AuditReport, error) {
	var rep AuditReport
	if err := cfg.Validate(); err != nil {
		return rep, err
	}
	// The journal's first record is the first segment's first seq.
	segs, err := seqFiles(fsys, dir, ".wal")
	if err != nil {
		return rep, fmt.Errorf("matching: audit %s: %w", dir, err)
	}
	var first uint64
	if len(segs) > 0 {
		first = segs[0].seq
	}
	snaps, err := seqFiles(fsys, dir, ".snap")
	if err != nil {
		return rep, fmt.Errorf("matching: audit %s: %w", dir, err)
	}
	// Start from an empty exchange when the journal holds every record,
	// else from the oldest valid snapshot that the journal continues.
	var x *Exchange
	var chain [chainSize]byte
	var later []auditSnap
	for _, s := range snaps {
		if x != nil || (first <= 1 && s.seq > 0) {
			later = append(later, s)
			continue
		}
		if first > s.seq+1 {
			continue // the journal no longer holds the records after it
		}
		p, err := readSnapshotFile(fsys, s)
		if err != nil {
			var ce *journal.CorruptError
			if errors.As(err, &ce) {
				rep.BadSnapshots = append(rep.BadSnapshots, ce)
				continue
			}
			return rep, fmt.Errorf("matching: audit: read %s: %w", s.file, err)
		}
		y, head, err := restoreState(cfg, p)
		if err == nil && (head == nil || y.Seq() != s.seq) {
			err = fmt.Errorf("%w: no audit section or wrong seq", ErrBadState)
		}
		if err != nil {
			return rep, fmt.Errorf("matching: audit: snapshot %s: %w", s.file, err)
		}
		x, chain, rep.StartSeq, rep.StartFile = y, *head, s.seq, s.file
	}
	if x == nil {
		if first > 1 {
			return rep, fmt.Errorf("%w: journal in %s starts at seq %d and no valid snapshot precedes it", ErrJournalGap, dir, first)
		}
		if x, err = New(cfg); err != nil {
			return rep, err
		}
	}
	rep.FirstSeq, rep.LastSeq = rep.StartSeq+1, rep.StartSeq

	var h chainHasher
	var evs []Event
	err = scanSegments(fsys, dir, &rep, func(r auditRecord) error {
		if r.seq <= rep.StartSeq {
			rep.CoveredRecords++
			return nil
		}
		evs, err = x.replayRecord(&h, &chain, journal.Record{Seq: r.seq, Payload: r.payload}, evs[:0])
		if err != nil {
			rep.Bad = &AuditFailure{Seq: r.seq, File: r.file, Offset: r.off, Reason: err.Error()}
			where := fmt.Sprintf("record in %s at offset %d", r.file, r.off)
			if errors.Is(err, ErrAuditMismatch) {
				return fmt.Errorf("matching: audit: %s: %w", where, err)
			}
			return fmt.Errorf("%w: %s: %w", ErrAuditMismatch, where, err)
		}
		rep.LastSeq = r.seq
		for len(later) > 0 && later[0].seq <= r.seq {
			s := later[0]
			later = later[1:]
			if s.seq < r.seq {
				continue // older than the start of the journal's records
			}
			if err := checkSnapshot(fsys, x, &chain, s, &rep); err != nil {
				return err
			}
		}
		return nil
	})
	rep.Head = chain
	if err != nil {
		if rep.Bad == nil {
			var ce *journal.CorruptError
			if errors.As(err, &ce) {
				rep.Bad = &AuditFailure{Seq: ce.Seq, File: ce.File, Offset: ce.Offset, Reason: ce.Reason}
			}
		}
		return rep, err
	}
	if rep.LastSeq < rep.StartSeq {
		return rep, fmt.Errorf("%w: journal in %s ends at seq %d, before the snapshot's %d", ErrJournalGap, dir, rep.LastSeq, rep.StartSeq)
	}
	return rep, nil
}

// checkSnapshot compares snapshot s with the replayed state at its seq.
func checkSnapshot(fsys journal.FS, x *Exchange, chain *[chainSize]byte, s auditSnap, rep *AuditReport) error {
	p, err := readSnapshotFile(fsys, s)
	if err != nil {
		var ce *journal.CorruptError
		if errors.As(err, &ce) {
			rep.BadSnapshots = append(rep.BadSnapshots, ce)
			return nil
		}
		return fmt.Errorf("matching: audit: read %s: %w", s.file, err)
	}
	list := x.lockAll()
	want := x.encodeStateLocked(nil, list, chain)
	x.unlockAll(list)
	if string(p) != string(want) {
		rep.Bad = &AuditFailure{Seq: s.seq, File: s.file, Offset: snapHeader, Reason: "snapshot state or chain head differs from the replayed journal"}
		return fmt.Errorf("%w: %s", ErrAuditMismatch, rep.Bad)
	}
	rep.Snapshots++
	return nil
}
