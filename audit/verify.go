package audit

import (
	"errors"
	"fmt"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/wire"
)

// Report is the result of Verify.
type Report struct {
	// StartSeq is the sequence number of the state the verification
	// started from: 0 for an empty exchange (the journal holds every
	// record from 1), otherwise the snapshot StartFile. The snapshot's
	// stored chain head is then trusted; anchor it (see
	// durable.Store.AuditHead) to extend the proof to the records before it.
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
	// verification ignored. durable.Open cuts it off.
	TornFile   string
	TornOffset int64
	TornBytes  int64
	// BadSnapshots lists snapshot files that failed their checksums; they
	// were not used. A bad newest snapshot also fails the verification (Open
	// fails on it); older ones, which Open does not read, only appear here.
	BadSnapshots []*journal.CorruptError
	// Bad is the first record (or snapshot) that failed verification, or
	// nil when everything matched.
	Bad *Failure
	// Signatures counts the binding commands that the signature check
	// (VerifySignatures) saw, Keys lists the keys of the replayed state at
	// LastSeq, by ID, and Owners the registration of their owners (name,
	// INN) in that state; all are zero for Verify.
	Signatures SignatureCounts
	Keys       []engine.KeyInfo
	Owners     map[catalog.ParticipantID]catalog.Participant
}

// OK reports whether every record verified.
func (r *Report) OK() bool { return r.Bad == nil }

// Failure locates the first record that failed verification.
type Failure struct {
	Seq    uint64
	File   string // the segment (or snapshot) file
	Offset int64  // the byte offset of the record's frame in File
	Reason string
}

func (f *Failure) String() string {
	return fmt.Sprintf("seq %d in %s at offset %d: %s", f.Seq, f.File, f.Offset, f.Reason)
}

// Verify recomputes the audit chain of the durable exchange kept in dir
// (see package durable) without changing any file. It re-executes every journal record in a
// fresh exchange, from the first record when the journal starts at seq 1,
// otherwise from the oldest snapshot the journal continues, and checks
// each record's stored audit hash against the hash of its command bytes
// and of the events the replay produced. Newer snapshots met on the way
// are compared with the replayed state. cfg is the engine configuration
// the exchange runs with (durable.Verify takes a matching.Config).
//
// The report names the first record that does not match (seq, segment
// file and frame offset). The error is nil when everything matched;
// otherwise it wraps ErrMismatch (a record whose hash, command or
// events differ, or that does not decode: then also ErrBadRecord), or is
// a *journal.CorruptError (errors.As) for a frame that fails its CRC-32C
// or framing anywhere but in a torn final record, or ErrJournalGap, or
// the filesystem's error. The verification fails wherever durable.Open
// (without FallbackSnapshot) would: the newest snapshot must load (else a
// *journal.CorruptError, or engine.ErrBadState), and the journal must reach it
// (else ErrJournalGap). Cost: a full replay, O(journal size) in time and
// O(segment size + state) in memory, plus one more read of the newest
// snapshot.
func Verify(dir string, cfg engine.Config) (Report, error) {
	return VerifyFS(nil, dir, cfg)
}

// VerifyFS is Verify on the filesystem fsys; nil means journal.OSFS.
func VerifyFS(fsys journal.FS, dir string, cfg engine.Config) (Report, error) {
	return verify(fsys, dir, cfg, nil)
}

// verify is VerifyFS, running the signature check sc too if it is not nil.
func verify(fsys journal.FS, dir string, cfg engine.Config, sc *sigCheck) (Report, error) {
	var rep Report
	if fsys == nil {
		fsys = journal.OSFS{}
	}
	if err := cfg.Validate(); err != nil {
		return rep, err
	}
	// The journal's first record is the first segment's first seq.
	first, err := journal.FirstSegmentSeq(fsys, dir)
	if err != nil {
		return rep, fmt.Errorf("audit %s: %w", dir, err)
	}
	snaps, err := journal.ListSnapshots(fsys, dir)
	if err != nil {
		return rep, fmt.Errorf("audit %s: %w", dir, err)
	}
	// Open (without FallbackSnapshot) starts from the newest snapshot and
	// fails if it does not load: so does the audit.
	if len(snaps) > 0 {
		if err := checkNewestSnapshot(fsys, cfg, snaps[len(snaps)-1], &rep); err != nil {
			return rep, err
		}
	}
	// Start from an empty exchange when the journal holds every record,
	// else from the oldest valid snapshot that the journal continues.
	var x *Replayer
	var chain [ChainSize]byte
	var later []journal.SnapshotFile
	for _, s := range snaps {
		if x != nil || (first <= 1 && s.Seq > 0) {
			later = append(later, s)
			continue
		}
		if first > s.Seq+1 {
			continue // the journal no longer holds the records after it
		}
		p, err := journal.ReadSnapshot(fsys, s)
		if err != nil {
			var ce *journal.CorruptError
			if errors.As(err, &ce) {
				rep.BadSnapshots = append(rep.BadSnapshots, ce)
				continue
			}
			return rep, fmt.Errorf("audit: read %s: %w", s.File, err)
		}
		eng, seq, head, err := engine.RestoreState(cfg, p)
		if err == nil && (head == nil || seq != s.Seq) {
			err = fmt.Errorf("%w: no audit section or wrong seq", engine.ErrBadState)
		}
		if err != nil {
			return rep, fmt.Errorf("audit: snapshot %s: %w", s.File, err)
		}
		x, chain, rep.StartSeq, rep.StartFile = NewReplayer(eng, seq), *head, s.Seq, s.File
	}
	if x == nil {
		if first > 1 {
			return rep, fmt.Errorf("%w: journal in %s starts at seq %d and no valid snapshot precedes it", ErrJournalGap, dir, first)
		}
		eng, err := engine.New(cfg)
		if err != nil {
			return rep, err
		}
		x = NewReplayer(eng, 0)
	}
	rep.FirstSeq, rep.LastSeq = rep.StartSeq+1, rep.StartSeq

	var h Hasher
	var evs []wire.Event
	var at journal.RecordAt
	binding := false
	var pre func(*wire.Command)
	if sc != nil {
		pre = func(cmd *wire.Command) {
			if binding = wire.Binding(cmd.Kind); binding {
				sc.prepare(x.eng, &at, cmd)
			}
		}
	}
	info, err := journal.Scan(fsys, dir, func(r journal.RecordAt) error {
		if r.Seq <= rep.StartSeq {
			rep.CoveredRecords++
			return nil
		}
		var err error
		at, binding = r, false
		evs, err = x.replay(&h, &chain, r.Record, evs[:0], pre)
		if err == nil && binding {
			if err := sc.commit(evs); err != nil {
				return err
			}
		}
		if err != nil {
			if sc != nil {
				if err := sc.flush(); err != nil {
					return err
				}
			}
			rep.Bad = &Failure{Seq: r.Seq, File: r.File, Offset: r.Offset, Reason: err.Error()}
			where := fmt.Sprintf("record in %s at offset %d", r.File, r.Offset)
			if errors.Is(err, ErrMismatch) {
				return fmt.Errorf("audit: %s: %w", where, err)
			}
			return fmt.Errorf("%w: %s: %w", ErrMismatch, where, err)
		}
		rep.LastSeq = r.Seq
		for len(later) > 0 && later[0].Seq <= r.Seq {
			s := later[0]
			later = later[1:]
			if s.Seq < r.Seq {
				continue // older than the start of the journal's records
			}
			if err := checkSnapshot(fsys, x, &chain, s, &rep); err != nil {
				return err
			}
		}
		return nil
	})
	rep.Head = chain
	if sc != nil {
		// The signature check's first failure precedes any other: its
		// record replayed before the one that failed the chain.
		if serr := sc.flush(); serr != nil {
			err = serr
			if b := sc.bad; b != nil {
				rep.Bad = &Failure{Seq: b.Seq, File: b.File, Offset: b.Offset, Reason: b.Error()}
			}
		}
		rep.Signatures = sc.counts
		rep.Keys = make([]engine.KeyInfo, x.eng.Keys())
		rep.Owners = map[catalog.ParticipantID]catalog.Participant{}
		for i := range rep.Keys {
			rep.Keys[i], _ = x.eng.Key(wire.KeyID(i + 1))
			if p, ok := x.eng.Participant(rep.Keys[i].Owner); ok {
				rep.Owners[p.ID] = p
			}
		}
	}
	if info.TornFile != "" {
		rep.TornFile, rep.TornOffset, rep.TornBytes = info.TornFile, info.TornOffset, info.TornBytes
	}
	if err != nil {
		if rep.Bad == nil {
			var ce *journal.CorruptError
			if errors.As(err, &ce) {
				rep.Bad = &Failure{Seq: ce.Seq, File: ce.File, Offset: ce.Offset, Reason: ce.Reason}
			}
		}
		return rep, err
	}
	if rep.LastSeq < rep.StartSeq {
		return rep, fmt.Errorf("%w: journal in %s ends at seq %d, before the snapshot's %d", ErrJournalGap, dir, rep.LastSeq, rep.StartSeq)
	}
	if n := len(snaps); n > 0 && rep.LastSeq < snaps[n-1].Seq {
		return rep, fmt.Errorf("%w: journal in %s ends at seq %d, before the newest snapshot's %d", ErrJournalGap, dir, rep.LastSeq, snaps[n-1].Seq)
	}
	return rep, nil
}

// checkNewestSnapshot loads s, the newest snapshot, as Open would: it must
// pass its checksums and restore, with an audit section, at its seq.
func checkNewestSnapshot(fsys journal.FS, cfg engine.Config, s journal.SnapshotFile, rep *Report) error {
	p, err := journal.ReadSnapshot(fsys, s)
	if err != nil {
		var ce *journal.CorruptError
		if errors.As(err, &ce) {
			rep.BadSnapshots = append(rep.BadSnapshots, ce)
			rep.Bad = &Failure{Seq: s.Seq, File: s.File, Offset: ce.Offset, Reason: ce.Reason}
		}
		return fmt.Errorf("audit: snapshot %s: %w", s.File, err)
	}
	_, seq, head, err := engine.RestoreState(cfg, p)
	if err == nil && (head == nil || seq != s.Seq) {
		err = fmt.Errorf("%w: no audit section or wrong seq", engine.ErrBadState)
	}
	if err != nil {
		rep.Bad = &Failure{Seq: s.Seq, File: s.File, Offset: journal.SnapshotHeaderSize, Reason: err.Error()}
		return fmt.Errorf("audit: snapshot %s: %w", s.File, err)
	}
	return nil
}

// checkSnapshot compares snapshot s with the replayed state at its seq.
func checkSnapshot(fsys journal.FS, x *Replayer, chain *[ChainSize]byte, s journal.SnapshotFile, rep *Report) error {
	p, err := journal.ReadSnapshot(fsys, s)
	if err != nil {
		var ce *journal.CorruptError
		if errors.As(err, &ce) {
			rep.BadSnapshots = append(rep.BadSnapshots, ce)
			return nil
		}
		return fmt.Errorf("audit: read %s: %w", s.File, err)
	}
	want := x.eng.AppendState(nil, x.seq, chain)
	if string(p) != string(want) {
		// A snapshot of an older state version encodes the same state in
		// other bytes: compare it in today's encoding.
		if old, seq, head, err := engine.RestoreState(x.eng.Config(), p); err == nil && seq == x.seq && head != nil && *head == *chain {
			p = old.AppendState(nil, seq, head)
		}
	}
	if string(p) != string(want) {
		rep.Bad = &Failure{Seq: s.Seq, File: s.File, Offset: journal.SnapshotHeaderSize, Reason: "snapshot state or chain head differs from the replayed journal"}
		return fmt.Errorf("%w: %s", ErrMismatch, rep.Bad)
	}
	rep.Snapshots++
	return nil
}
