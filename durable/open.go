package durable

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/wire"
)

// Recovery describes what Open found and did.
type Recovery struct {
	// SnapshotSeq is the sequence number of the snapshot the state was
	// loaded from, 0 when recovery started from an empty exchange.
	SnapshotSeq uint64
	// SnapshotFile is the snapshot's path, "" without one.
	SnapshotFile string
	// SkippedSnapshots lists newer snapshots that failed verification and
	// were passed over (FallbackSnapshot only), newest first.
	SkippedSnapshots []*journal.CorruptError
	// Replayed is the number of journal records applied after the
	// snapshot.
	Replayed uint64
	// LastSeq is the sequence number of the recovered state.
	LastSeq uint64
	// Journal is what the file journal's own recovery found and repaired:
	// the segments, and any torn tail cut off (TruncatedFile,
	// TruncatedOffset, TruncatedBytes). Zero for a Log that does not
	// report it.
	Journal journal.RecoveryInfo
}

// Open opens (or creates) the durable exchange kept in dir: its journal
// segments and snapshots. It loads the newest valid snapshot, opens the
// journal (cutting off a torn final record left by a crash, see
// Recovery), and replays the records after the snapshot through the
// engine, on the caller's goroutine and a hashing one, without locks,
// checking that sequence numbers are contiguous and recomputing the audit
// chain. The result is the state after the last complete record: every
// acknowledged command (in the synchronous and group-commit modes) is in
// it. The exchange journals every later command before acknowledging it
// (see matching.NewJournaled); Of gives its Store, for Snapshot, Close,
// Recovery, AuditHead and Metrics.
//
// cfg is as for matching.New; with a snapshot, zero fields take the
// snapshot's values and non-zero ones must match (see
// matching.RestoreState).
//
// Errors: matching.ErrInvalidConfig; a *journal.CorruptError (errors.As;
// it wraps journal.ErrCorrupt) naming the file and offset of damage
// anywhere but in a torn tail, or of a snapshot that fails its checksum
// (unless FallbackSnapshot); matching.ErrBadState or
// matching.ErrConfigMismatch for a snapshot that does not restore;
// ErrJournalGap when the journal does not continue the snapshot;
// ErrAuditMismatch or ErrBadRecord naming the seq of a record that fails
// the audit chain or does not decode; the filesystem's errors. Nothing is
// silently dropped.
//
// Cost: reading the snapshot and the journal after it, and replaying its
// records (see the durability benchmarks).
func Open(dir string, cfg matching.Config, opts Options) (*matching.Exchange, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	fsys := opts.Journal.FS
	if fsys == nil {
		fsys = journal.OSFS{}
	}
	log := opts.Log
	if log == nil {
		fl, err := journal.Open(dir, opts.Journal)
		if err != nil {
			lg.Error("durable: open journal failed", "dir", dir, "err", err)
			return nil, fmt.Errorf("durable: open journal %s: %w", dir, err)
		}
		log = fl
	}
	snaps := opts.Snapshots
	if snaps == nil {
		snaps = FileSnapshots{FS: fsys, Dir: dir}
	}
	s := &Store{log: log, snaps: snaps, dir: dir, opts: opts, lg: lg, engCfg: cfg.EngineConfig()}
	x, err := s.recover(cfg)
	if err != nil {
		_ = log.Close()
		lg.Error("durable: recovery failed", "dir", dir, "err", err)
		return nil, err
	}
	return x, nil
}

// recover rebuilds the state from the snapshots and the log, and makes
// the journaled exchange.
func (s *Store) recover(cfg matching.Config) (*matching.Exchange, error) {
	began := time.Now()
	dir, log, opts := s.dir, s.log, s.opts
	if r, ok := log.(interface{ Recovered() journal.RecoveryInfo }); ok {
		s.rec.Journal = r.Recovered()
	}
	rec := &s.rec
	var eng *engine.Engine
	var base uint64
	var chain [audit.ChainSize]byte
	snap, err := s.snaps.Load(opts.FallbackSnapshot)
	var ce *journal.CorruptError
	switch {
	case errors.Is(err, journal.ErrNoSnapshot),
		// Every snapshot is damaged, but the journal still holds every
		// record: replay it all.
		opts.FallbackSnapshot && errors.As(err, &ce) && log.FirstSeq() == 1:
		if ce != nil {
			rec.SkippedSnapshots = append(rec.SkippedSnapshots, ce)
		}
		if eng, err = engine.New(cfg.EngineConfig()); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("durable: load snapshot in %s: %w", dir, err)
	default:
		rec.SnapshotSeq, rec.SnapshotFile, rec.SkippedSnapshots = snap.Seq, snap.File, snap.Skipped
		var head *[audit.ChainSize]byte
		eng, base, head, err = engine.RestoreState(cfg.EngineConfig(), snap.Payload)
		switch {
		case err != nil:
			return nil, fmt.Errorf("durable: snapshot %s: %w", snap.File, err)
		case head == nil:
			return nil, fmt.Errorf("durable: snapshot %s: %w: no audit section", snap.File, matching.ErrBadState)
		case base != snap.Seq:
			return nil, fmt.Errorf("durable: snapshot %s: %w: state at seq %d in a file named for %d", snap.File, matching.ErrBadState, base, snap.Seq)
		}
		chain = *head
	}
	for _, c := range rec.SkippedSnapshots {
		s.lg.Warn("durable: passed over a damaged snapshot", "file", c.File, "offset", c.Offset, "reason", c.Reason)
	}
	first, last := log.FirstSeq(), log.LastSeq()
	switch {
	case first > base+1:
		return nil, fmt.Errorf("%w: journal in %s starts at seq %d, the state ends at %d", ErrJournalGap, dir, first, base)
	case last < base:
		return nil, fmt.Errorf("%w: journal in %s ends at seq %d, before the snapshot's %d", ErrJournalGap, dir, last, base)
	}
	p := newReplayPipeline(eng, base, chain)
	chain, err = p.run(func(fn func(journal.Record) error) error { return log.Replay(base+1, fn) })
	if err != nil {
		return nil, fmt.Errorf("durable: recover %s: %w", dir, err)
	}
	rec.Replayed = p.r.Seq() - base
	rec.LastSeq = p.r.Seq()
	s.eng, s.chain, s.lastSnap = eng, chain, rec.SnapshotSeq
	s.snapSince.Store(rec.Replayed)
	if j := rec.Journal; j.TruncatedBytes > 0 {
		s.lg.Warn("durable: cut off a torn journal tail", "file", j.TruncatedFile, "offset", j.TruncatedOffset, "bytes", j.TruncatedBytes)
	}
	x, err := matching.NewJournaled(eng, rec.LastSeq, cfg, s)
	if err != nil {
		return nil, err
	}
	s.x = x
	s.lg.Info("durable: recovered", "dir", dir, "snapshot_seq", rec.SnapshotSeq, "replayed", rec.Replayed,
		"last_seq", rec.LastSeq, "duration", time.Since(began))
	return x, nil
}

// replayPipeline replays journal records on three goroutines, each
// following sequence order: one reads the journal and decodes each record
// (replayPipeline.decode), the caller's applies the decoded commands to
// the engine (run), and a third encodes the events and computes the audit
// chain (hash). Batches of records flow from one to the next and back to
// the first, so the first failure reported is the first in the journal.
type replayPipeline struct {
	dec      *audit.RecordDecoder
	r        *audit.Replayer
	decoded  chan *replayBatch // decoder to applier; closed after the last batch
	applied  chan *replayBatch // applier to hasher
	free     chan *replayBatch // hasher to decoder
	done     chan struct{}     // closed when the hasher stops
	halt     chan struct{}     // closed when the applier stops early
	cur      *replayBatch      // the batch the decoder fills
	readErr  error             // the decoder's; read after decoded is closed
	applyErr error             // the applier's
	chain    [audit.ChainSize]byte
	hashErr  error // the hasher's; read after done is closed
}

// replayBatch holds consecutive records on their way through the stages.
type replayBatch struct {
	seq    []uint64
	stored [][audit.ChainSize]byte
	cmd    []wire.Command // decoded, replayBatchLen long
	bytes  []byte         // the command bytes of every record
	cmdEnd []int
	evs    []wire.Event // filled by the applier
	evEnd  []int
}

const (
	replayBatchLen = 256
	replayBatches  = 8
)

func newReplayPipeline(eng *engine.Engine, base uint64, chain [audit.ChainSize]byte) *replayPipeline {
	p := &replayPipeline{
		dec: audit.NewRecordDecoder(base), r: audit.NewReplayer(eng, base), chain: chain,
		decoded: make(chan *replayBatch, replayBatches), applied: make(chan *replayBatch, replayBatches),
		free: make(chan *replayBatch, replayBatches), done: make(chan struct{}), halt: make(chan struct{}),
	}
	for range replayBatches {
		p.free <- &replayBatch{cmd: make([]wire.Command, replayBatchLen)}
	}
	return p
}

// run replays the records read by replay (which calls its argument with
// each record in order) and returns the chain head after the last one and
// the first failure. It returns once all three stages have stopped.
func (p *replayPipeline) run(replay func(fn func(journal.Record) error) error) ([audit.ChainSize]byte, error) {
	go p.hash()
	go func() {
		err := replay(p.decode)
		p.send()
		p.readErr = err
		close(p.decoded)
	}()
	stopped := false
	for b := range p.decoded {
		if !stopped && !p.apply(b) {
			stopped = true
			close(p.halt)
		}
	}
	close(p.applied)
	<-p.done
	for _, err := range []error{p.hashErr, p.applyErr, p.readErr} {
		if err != nil {
			return p.chain, err
		}
	}
	return p.chain, nil
}

// decode checks and decodes one journal record into the current batch
// (the journal's Replay callback, on the decoding goroutine).
func (p *replayPipeline) decode(r journal.Record) error {
	if p.cur == nil {
		select {
		case p.cur = <-p.free:
		case <-p.done: // the hasher stopped at a mismatch
			return errReplayStopped
		case <-p.halt:
			return errReplayStopped
		}
		b := p.cur
		b.seq, b.stored, b.bytes, b.cmdEnd, b.evs, b.evEnd = b.seq[:0], b.stored[:0], b.bytes[:0], b.cmdEnd[:0], b.evs[:0], b.evEnd[:0]
	}
	b := p.cur
	i := len(b.seq)
	cmdBytes, stored, err := p.dec.Decode(r, &b.cmd[i])
	if err != nil {
		return err
	}
	b.seq = append(b.seq, r.Seq)
	b.stored = append(b.stored, stored)
	b.bytes = append(b.bytes, cmdBytes...)
	b.cmdEnd = append(b.cmdEnd, len(b.bytes))
	if len(b.seq) == replayBatchLen {
		p.send()
	}
	return nil
}

var errReplayStopped = errors.New("durable: replay stopped")

// send hands the decoder's current batch on to the applier.
func (p *replayPipeline) send() {
	if p.cur != nil && len(p.cur.seq) > 0 {
		p.decoded <- p.cur // never blocks: it holds every batch
	}
	p.cur = nil
}

// apply applies a decoded batch to the engine and hands the records it
// applied on to the hasher; false once it failed or the hasher stopped.
func (p *replayPipeline) apply(b *replayBatch) bool {
	for i, seq := range b.seq {
		var err error
		if b.evs, err = p.r.ApplyDecoded(seq, &b.cmd[i], b.evs); err != nil {
			p.applyErr = err
			b.seq = b.seq[:i]
			break
		}
		b.evEnd = append(b.evEnd, len(b.evs))
	}
	if p.applyErr != nil && len(b.seq) == 0 {
		return false
	}
	select {
	case p.applied <- b:
		return p.applyErr == nil
	case <-p.done:
		return false
	}
}

// hash runs on its own goroutine until applied is closed or a record fails.
func (p *replayPipeline) hash() {
	defer close(p.done)
	var h audit.Hasher
	for b := range p.applied {
		cmdAt, evAt := 0, 0
		for i, seq := range b.seq {
			sum := h.Next(&p.chain, seq, b.bytes[cmdAt:b.cmdEnd[i]], b.evs[evAt:b.evEnd[i]])
			if sum != b.stored[i] {
				p.hashErr = fmt.Errorf("%w at seq %d", ErrAuditMismatch, seq)
				return
			}
			p.chain = sum
			cmdAt, evAt = b.cmdEnd[i], b.evEnd[i]
		}
		clear(b.evs) // drop references to event slices
		p.free <- b
	}
}

// Verify is audit.Verify for the durable exchange kept in dir, run with
// the engine configuration of cfg; see audit.Verify for the report and the
// errors. It changes no file.
func Verify(dir string, cfg matching.Config) (audit.Report, error) {
	if err := cfg.Validate(); err != nil {
		return audit.Report{}, err
	}
	return audit.Verify(dir, cfg.EngineConfig())
}
