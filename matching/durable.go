package matching

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"
	"sync/atomic"

	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/journal"
)

// Errors of the durable exchange (Open, Snapshot, Close) and of the audit
// (VerifyJournal). The errors of state encoding are in snapshot.go.
var (
	// ErrJournal reports that the command log failed (a write, an fsync,
	// a full disk) or was closed. It is sticky: the command that met the
	// failure and every later one return it, with no events, and nothing
	// is acknowledged any more. Close and Open again to recover what is
	// on disk.
	ErrJournal = errors.New("matching: journal failed")
	// ErrAuditMismatch reports a journal record whose stored audit hash is
	// not the hash recomputed by replaying it: the journal was changed
	// after it was written, or replayed under another catalog.
	ErrAuditMismatch = errors.New("matching: audit chain mismatch")
	// ErrJournalGap reports a journal that does not continue the snapshot:
	// it starts after the snapshot's sequence number + 1, or ends before it.
	ErrJournalGap = errors.New("matching: journal does not continue the snapshot")
	// ErrBadRecord reports a journal record whose payload does not decode.
	ErrBadRecord = errors.New("matching: undecodable journal record")
	// ErrNotDurable reports a durable-only call on an exchange made by New.
	ErrNotDurable = errors.New("matching: exchange is not durable")
)

// Journal record payload (the bytes inside a journal frame; see package
// journal for the frame: length, CRC-32C of seq and payload, seq):
//
//	version  uint8      recordVersion (1)
//	command  []byte     AppendCommand encoding of the command
//	chain    [32]byte   the audit hash h_seq of this record
//
// The audit chain is h_0 = 32 zero bytes and
//
//	h_seq = SHA-256(h_{seq-1} ‖ seq ‖ len(command) ‖ command ‖ n ‖ events)
//
// where seq is a uint64, len(command) and n (the number of events) are
// uint32, all little endian, command is the record's command bytes as
// stored and events is the AppendEvent encoding of the command's events,
// in order. Covering the command bytes as well as the events means that a
// change to any byte of a record is detected, even one that does not
// change the command's outcome.
const (
	chainSize      = engine.ChainSize
	recordVersion  = 1
	recordOverhead = 1 + chainSize
)

// DurableOptions configures Open. The zero value is valid: group commit,
// no fallback, snapshots only when asked for.
type DurableOptions struct {
	// Journal configures the command log: durability mode (zero means
	// group commit), flush policy, segment size and the filesystem seam,
	// which snapshots use too.
	Journal journal.Options
	// FallbackSnapshot lets recovery pass over a snapshot that fails its
	// checksum and use the previous one (or replay the journal from the
	// start when it still holds every record). Without it, a damaged
	// snapshot makes Open fail with an error naming the file.
	FallbackSnapshot bool
	// SnapshotEvery makes the exchange take a snapshot once this many
	// commands were journaled since the last one; zero means only when
	// Snapshot is called. The snapshot is taken by the submitter whose
	// command crossed the threshold, after its acknowledgement; one
	// snapshot is written per interval, however many submitters cross it
	// at once.
	SnapshotEvery uint64
}

// Validate reports whether o is usable; errors wrap ErrInvalidConfig (and
// journal.ErrInvalidOptions for bad journal options).
func (o DurableOptions) Validate() error {
	if err := o.Journal.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

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
	// Journal is what the journal's own recovery found and repaired: the
	// segments, and any torn tail cut off (TruncatedFile,
	// TruncatedOffset, TruncatedBytes).
	Journal journal.RecoveryInfo
}

// durable is the journal state of an exchange opened with Open.
type durable struct {
	// mu (the journal lock) serialises durable commands: apply, audit
	// hash and Enqueue happen under it, so journal order is apply order.
	// It guards the fields up to snapSince.
	mu        sync.Mutex
	err       error // sticky: wraps the log's failure or journal.ErrClosed
	chain     [chainSize]byte
	hasher    chainHasher
	payload   []byte
	snapSince uint64 // commands journaled since the last snapshot

	log  journal.CommandLog
	fs   journal.FS
	dir  string
	opts DurableOptions
	rec  Recovery

	// snapMu serialises Snapshot and Close; it guards the fields below.
	snapMu   sync.Mutex
	lastSnap uint64
	snapErr  error // the last automatic snapshot's failure
	closed   bool
	snapping atomic.Bool
}

// chainHasher computes audit hashes with reusable scratch space.
type chainHasher struct {
	h   hash.Hash
	buf []byte
	sum [chainSize]byte
}

// next returns h_seq from prev, the stored command bytes and the events.
// It allocates nothing once its buffer has grown.
func (c *chainHasher) next(prev *[chainSize]byte, seq uint64, cmd []byte, evs []Event) [chainSize]byte {
	if c.h == nil {
		c.h = sha256.New()
	}
	b := append(c.buf[:0], prev[:]...)
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(cmd)))
	c.h.Reset()
	c.h.Write(b)
	c.h.Write(cmd)
	b = binary.LittleEndian.AppendUint32(b[:0], uint32(len(evs)))
	for i := range evs {
		b = AppendEvent(b, &evs[i])
	}
	c.h.Write(b)
	c.buf = b
	c.h.Sum(c.sum[:0])
	return c.sum
}

// splitRecord splits a record payload into its command bytes and its
// stored chain hash.
func splitRecord(p []byte) (cmd []byte, chain [chainSize]byte, err error) {
	if len(p) < recordOverhead {
		return nil, chain, fmt.Errorf("%w: %d-byte payload", ErrBadRecord, len(p))
	}
	if p[0] != recordVersion {
		return nil, chain, fmt.Errorf("%w: record version %d", ErrBadRecord, p[0])
	}
	copy(chain[:], p[len(p)-chainSize:])
	return p[1 : len(p)-chainSize], chain, nil
}

// decodeRecordCommand decodes the command bytes of a record, which must
// hold exactly one command.
func decodeRecordCommand(b []byte) (Command, error) {
	cmd, n, err := DecodeCommand(b)
	if err != nil {
		return cmd, fmt.Errorf("%w: %w", ErrBadRecord, err)
	}
	if n != len(b) {
		return cmd, fmt.Errorf("%w: %d trailing bytes after the command", ErrBadRecord, len(b)-n)
	}
	return cmd, nil
}

// Open opens (or creates) the durable exchange kept in dir: its journal
// segments and snapshots. It loads the newest valid snapshot, opens the
// journal (cutting off a torn final record left by a crash, see
// Recovery), and replays the records after the snapshot through the
// engine, checking that sequence numbers are contiguous and recomputing
// the audit chain. The result is the state after the last complete
// record: every acknowledged command (in the synchronous and group-commit
// modes) is in it.
//
// cfg is as for New; with a snapshot, zero fields take the snapshot's
// values and non-zero ones must match (see RestoreState).
//
// Errors: ErrInvalidConfig; a *journal.CorruptError (errors.As; it wraps
// journal.ErrCorrupt) naming the file and offset of damage anywhere but
// in a torn tail, or of a snapshot that fails its checksum (unless
// FallbackSnapshot); ErrBadState or ErrConfigMismatch for a snapshot that
// does not restore; ErrJournalGap when the journal does not continue the
// snapshot; ErrAuditMismatch or ErrBadRecord naming the seq of a record
// that fails the audit chain or does not decode; the filesystem's errors.
// Nothing is silently dropped.
//
// Cost: reading the snapshot and the journal after it, and replaying its
// records (see the durability benchmarks).
func Open(dir string, cfg Config, opts DurableOptions) (*Exchange, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	fsys := opts.Journal.FS
	if fsys == nil {
		fsys = journal.OSFS{}
	}
	log, err := journal.Open(dir, opts.Journal)
	if err != nil {
		return nil, fmt.Errorf("matching: open journal %s: %w", dir, err)
	}
	x, err := recoverExchange(log, fsys, dir, cfg, opts)
	if err != nil {
		_ = log.Close()
		return nil, err
	}
	return x, nil
}

func recoverExchange(log *journal.FileLog, fsys journal.FS, dir string, cfg Config, opts DurableOptions) (*Exchange, error) {
	rec := Recovery{Journal: log.Recovered()}
	var eng *engine.Engine
	var base uint64
	var chain [chainSize]byte
	snap, err := journal.LoadSnapshot(fsys, dir, opts.FallbackSnapshot)
	var ce *journal.CorruptError
	switch {
	case errors.Is(err, journal.ErrNoSnapshot),
		// Every snapshot is damaged, but the journal still holds every
		// record: replay it all.
		opts.FallbackSnapshot && errors.As(err, &ce) && log.FirstSeq() == 1:
		if ce != nil {
			rec.SkippedSnapshots = append(rec.SkippedSnapshots, ce)
		}
		if eng, err = engine.New(cfg.engine()); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("matching: load snapshot in %s: %w", dir, err)
	default:
		rec.SnapshotSeq, rec.SnapshotFile, rec.SkippedSnapshots = snap.Seq, snap.File, snap.Skipped
		var head *[chainSize]byte
		eng, base, head, err = engine.RestoreState(cfg.engine(), snap.Payload)
		switch {
		case err != nil:
			return nil, fmt.Errorf("matching: snapshot %s: %w", snap.File, err)
		case head == nil:
			return nil, fmt.Errorf("matching: snapshot %s: %w: no audit section", snap.File, ErrBadState)
		case base != snap.Seq:
			return nil, fmt.Errorf("matching: snapshot %s: %w: state at seq %d in a file named for %d", snap.File, ErrBadState, base, snap.Seq)
		}
		chain = *head
	}
	first, last := log.FirstSeq(), log.LastSeq()
	switch {
	case first > base+1:
		return nil, fmt.Errorf("%w: journal in %s starts at seq %d, the state ends at %d", ErrJournalGap, dir, first, base)
	case last < base:
		return nil, fmt.Errorf("%w: journal in %s ends at seq %d, before the snapshot's %d", ErrJournalGap, dir, last, base)
	}
	p := newReplayPipeline(&replayer{eng: eng, seq: base}, chain)
	err = log.Replay(base+1, p.record)
	chain, err = p.finish(err)
	if err != nil {
		return nil, fmt.Errorf("matching: recover %s: %w", dir, err)
	}
	rec.Replayed = p.r.seq - base
	rec.LastSeq = p.r.seq
	x, err := newExchange(eng, p.r.seq, cfg.FeedBytes)
	if err != nil {
		return nil, err
	}
	x.dur = &durable{
		chain: chain, snapSince: rec.Replayed,
		log: log, fs: fsys, dir: dir, opts: opts, rec: rec, lastSnap: rec.SnapshotSeq,
	}
	return x, nil
}

// replayPipeline replays journal records on two goroutines: the caller's
// decodes and applies each record and hands its command bytes, stored
// hash and events over in batches; a second one encodes the events and
// computes the audit chain. Both follow sequence order, so the first
// failure reported is the first in the journal.
type replayPipeline struct {
	r       *replayer
	full    chan *replayBatch
	free    chan *replayBatch
	done    chan struct{}
	cur     *replayBatch
	chain   [chainSize]byte // owned by the hashing goroutine until finish
	hashErr error
	evs     []Event
}

// replayBatch holds consecutive applied records awaiting their hash.
type replayBatch struct {
	seq    []uint64
	stored [][chainSize]byte
	cmds   []byte
	cmdEnd []int
	evs    []Event
	evEnd  []int
}

const replayBatchLen = 256

func newReplayPipeline(r *replayer, chain [chainSize]byte) *replayPipeline {
	p := &replayPipeline{
		r: r, chain: chain,
		full: make(chan *replayBatch, 4), free: make(chan *replayBatch, 6), done: make(chan struct{}),
	}
	for range cap(p.free) {
		p.free <- new(replayBatch)
	}
	go p.hash()
	return p
}

// record decodes and applies one journal record (journal.Replay's
// callback).
func (p *replayPipeline) record(r journal.Record) error {
	cmdBytes, stored, evs, err := p.r.apply(r, p.evs[:0])
	p.evs = evs
	if err != nil {
		return err
	}
	if p.cur == nil {
		select {
		case p.cur = <-p.free:
		case <-p.done: // the hasher stopped at a mismatch
			return errReplayStopped
		}
		b := p.cur
		b.seq, b.stored, b.cmds, b.cmdEnd, b.evs, b.evEnd = b.seq[:0], b.stored[:0], b.cmds[:0], b.cmdEnd[:0], b.evs[:0], b.evEnd[:0]
	}
	b := p.cur
	b.seq = append(b.seq, r.Seq)
	b.stored = append(b.stored, stored)
	b.cmds = append(b.cmds, cmdBytes...)
	b.cmdEnd = append(b.cmdEnd, len(b.cmds))
	b.evs = append(b.evs, p.evs...)
	b.evEnd = append(b.evEnd, len(b.evs))
	if len(b.seq) == replayBatchLen {
		p.flush()
	}
	return nil
}

var errReplayStopped = errors.New("replay stopped")

func (p *replayPipeline) flush() {
	if p.cur != nil && len(p.cur.seq) > 0 {
		select {
		case p.full <- p.cur:
		case <-p.done:
		}
	}
	p.cur = nil
}

// hash runs on its own goroutine until full is closed or a record fails.
func (p *replayPipeline) hash() {
	defer close(p.done)
	var h chainHasher
	for b := range p.full {
		cmdAt, evAt := 0, 0
		for i, seq := range b.seq {
			sum := h.next(&p.chain, seq, b.cmds[cmdAt:b.cmdEnd[i]], b.evs[evAt:b.evEnd[i]])
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

// finish waits for the hashing goroutine and returns the chain head and
// the first failure: a hash mismatch precedes any later error of the
// caller's (replayErr).
func (p *replayPipeline) finish(replayErr error) ([chainSize]byte, error) {
	p.flush()
	close(p.full)
	<-p.done
	if p.hashErr != nil {
		return p.chain, p.hashErr
	}
	return p.chain, replayErr
}

// replayer applies journal records to an engine in sequence order, on
// one goroutine and without locks: recovery and verification run the
// engine directly.
type replayer struct {
	eng *engine.Engine
	seq uint64 // the last record applied
}

// apply decodes and applies record r, which must follow the last one, and
// returns its command bytes, its stored audit hash and its events
// (appended to evs).
func (p *replayer) apply(r journal.Record, evs []Event) (cmdBytes []byte, stored [chainSize]byte, _ []Event, err error) {
	if want := p.seq + 1; r.Seq != want {
		return nil, stored, evs, fmt.Errorf("%w: record seq %d where %d was expected", ErrJournalGap, r.Seq, want)
	}
	cmdBytes, stored, err = splitRecord(r.Payload)
	if err != nil {
		return nil, stored, evs, fmt.Errorf("seq %d: %w", r.Seq, err)
	}
	cmd, err := decodeRecordCommand(cmdBytes)
	if err != nil {
		return nil, stored, evs, fmt.Errorf("seq %d: %w", r.Seq, err)
	}
	evs, _ = p.eng.Apply(r.Seq, &cmd, evs)
	p.seq = r.Seq
	return cmdBytes, stored, evs, nil
}

// replayRecord applies one journal record and checks it against the audit
// chain, which it advances. It returns the command's events in evs.
func (p *replayer) replayRecord(h *chainHasher, chain *[chainSize]byte, r journal.Record, evs []Event) ([]Event, error) {
	cmdBytes, stored, evs, err := p.apply(r, evs)
	if err != nil {
		return evs, err
	}
	sum := h.next(chain, r.Seq, cmdBytes, evs)
	if sum != stored {
		return evs, fmt.Errorf("%w at seq %d", ErrAuditMismatch, r.Seq)
	}
	*chain = sum
	return evs, nil
}

// submitDurable is Submit for an exchange opened with Open: it applies
// the command under the journal lock, journals it with its audit hash, and
// returns the events only once the record is durable (in the synchronous
// and group-commit modes; at once in the asynchronous mode).
func (x *Exchange) submitDurable(cmd *Command, dst []Event) ([]Event, error) {
	d := x.dur
	if err := CheckCommandEncodable(cmd); err != nil {
		return dst, err // it could not be replayed: refuse it before it takes a seq
	}
	start := len(dst)
	d.mu.Lock()
	if d.err != nil {
		err := d.err
		d.mu.Unlock()
		return dst, fmt.Errorf("%w: %w", ErrJournal, err)
	}
	p := append(d.payload[:0], recordVersion)
	p = AppendCommand(p, cmd)
	dst, cerr := x.apply(cmd, dst)
	seq := x.seq.Load()
	d.chain = d.hasher.next(&d.chain, seq, p[1:], dst[start:])
	p = append(p, d.chain[:]...)
	d.payload = p
	t, err := d.log.Enqueue(journal.Record{Seq: seq, Payload: p})
	if err != nil {
		// The command changed the state but is not journaled: stop
		// acknowledging for good.
		d.err = err
		d.mu.Unlock()
		return dst[:start], fmt.Errorf("%w: %w", ErrJournal, err)
	}
	d.snapSince++
	due := d.opts.SnapshotEvery > 0 && d.snapSince >= d.opts.SnapshotEvery
	d.mu.Unlock()
	if err := d.log.Wait(t); err != nil {
		d.mu.Lock()
		if d.err == nil {
			d.err = err
		}
		d.mu.Unlock()
		return dst[:start], fmt.Errorf("%w: %w", ErrJournal, err)
	}
	if due && d.snapping.CompareAndSwap(false, true) {
		if err := x.snapshot(true); err != nil {
			d.snapMu.Lock()
			d.snapErr = err
			d.snapMu.Unlock()
		}
		d.snapping.Store(false)
	}
	return dst, cerr
}

// Snapshot writes the exchange's complete state, with the audit chain
// head, as a snapshot file in the journal's directory (atomically: temp
// file, fsync, rename, directory fsync), then removes what recovery no
// longer needs: snapshots older than the previous one, and journal
// segments whose records all precede it. The previous snapshot and the
// records after it are kept, so that recovery can fall back to it.
//
// Commands wait while the state is encoded (every lock is held, O(state));
// they proceed while the file is written. Errors: ErrNotDurable,
// ErrJournal (the journal had failed, or failed to sync), the
// filesystem's errors wrapped with the file name (the exchange goes on
// working; the previous snapshot stays valid).
func (x *Exchange) Snapshot() error { return x.snapshot(false) }

// snapshot is Snapshot. An automatic one (auto) is skipped when another
// snapshot was taken since its submitter found it due: several submitters
// can cross the SnapshotEvery threshold before the first snapshot resets
// the count, and only one snapshot is due per interval.
func (x *Exchange) snapshot(auto bool) error {
	d := x.dur
	if d == nil {
		return ErrNotDurable
	}
	d.snapMu.Lock()
	defer d.snapMu.Unlock()
	d.mu.Lock()
	if d.err != nil {
		err := d.err
		d.mu.Unlock()
		return fmt.Errorf("%w: %w", ErrJournal, err)
	}
	if auto && d.snapSince < d.opts.SnapshotEvery {
		d.mu.Unlock()
		return nil
	}
	n := x.lockAll()
	seq := x.seq.Load()
	chain := d.chain
	payload := x.eng.AppendState(nil, seq, &chain)
	x.unlockAll(n)
	d.snapSince = 0
	d.mu.Unlock()

	if seq == d.lastSnap {
		return nil
	}
	// The journal must hold every record up to seq before a snapshot
	// covers them: recovery continues the journal from seq+1.
	if err := d.log.Sync(); err != nil {
		d.mu.Lock()
		if d.err == nil {
			d.err = err
		}
		d.mu.Unlock()
		return fmt.Errorf("%w: %w", ErrJournal, err)
	}
	if err := journal.WriteSnapshot(d.fs, d.dir, seq, payload); err != nil {
		return fmt.Errorf("matching: snapshot: %w", err)
	}
	prev := d.lastSnap
	d.lastSnap = seq
	if prev == 0 {
		return nil
	}
	if err := journal.RemoveSnapshotsBefore(d.fs, d.dir, prev); err != nil {
		return fmt.Errorf("matching: snapshot cleanup: %w", err)
	}
	if tr, ok := d.log.(interface{ TruncateBefore(uint64) error }); ok {
		if err := tr.TruncateBefore(prev + 1); err != nil {
			return fmt.Errorf("matching: journal truncation: %w", err)
		}
	}
	return nil
}

// Close flushes and closes the journal of a durable exchange. Afterwards
// Submit returns ErrJournal (wrapping journal.ErrClosed); queries still
// work. It returns the journal's failure if it had failed, and the error
// of the last failed automatic snapshot. Close on an exchange made by New
// does nothing.
func (x *Exchange) Close() error {
	d := x.dur
	if d == nil {
		return nil
	}
	d.snapMu.Lock()
	defer d.snapMu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	err := d.log.Close()
	if d.err == nil {
		d.err = journal.ErrClosed
	}
	return errors.Join(err, d.snapErr)
}

// Durable reports whether the exchange was made by Open.
func (x *Exchange) Durable() bool { return x.dur != nil }

// Recovery reports what Open found and did; the zero value for an exchange
// made by New.
func (x *Exchange) Recovery() Recovery {
	if x.dur == nil {
		return Recovery{}
	}
	return x.dur.rec
}

// AuditHead returns the sequence number of the last journaled command and
// the audit chain head after it. Publishing the pair somewhere the
// exchange's operator cannot rewrite (a notary, a regulator, a public
// ledger) anchors the journal: any later change to a record before seq
// changes every hash after it. ok is false for an exchange made by New.
func (x *Exchange) AuditHead() (seq uint64, head [32]byte, ok bool) {
	d := x.dur
	if d == nil {
		return 0, head, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return x.seq.Load(), d.chain, true
}
