package journal

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// Record is one journaled command: its exchange sequence number and the
// opaque bytes the matching package encoded it into.
type Record struct {
	Seq     uint64
	Payload []byte
}

// Ticket identifies an enqueued record for Wait. The zero Ticket is always
// durable.
type Ticket struct{ seq uint64 }

// NewTicket returns the ticket of the record with sequence number seq, for
// other command logs that hand out tickets of this type.
func NewTicket(seq uint64) Ticket { return Ticket{seq: seq} }

// Seq returns the sequence number of the record the ticket stands for.
func (t Ticket) Seq() uint64 { return t.seq }

// CommandLog is the seam between the engine and its command log. FileLog
// implements it; a replicated log can too.
//
// The engine calls Enqueue while it holds its own lock, so journal order is
// apply order; then it releases the lock and calls Wait before it
// acknowledges. Enqueue is therefore cheap and never touches the disk.
type CommandLog interface {
	// Enqueue adds rec to the log in call order and returns a ticket at
	// once. rec.Seq must be exactly LastSeq()+1 (ErrSequenceGap otherwise).
	// The payload is copied.
	Enqueue(rec Record) (Ticket, error)
	// Wait blocks until the record of t is durable according to the mode
	// (it returns at once in an asynchronous mode) or the log failed.
	Wait(t Ticket) error
	// Append is Enqueue followed by Wait.
	Append(rec Record) error
	// Sync makes every enqueued record durable.
	Sync() error
	// Replay calls fn for every durable record with Seq >= from, in order.
	Replay(from uint64, fn func(Record) error) error
	// LastSeq returns the Seq of the last enqueued record.
	LastSeq() uint64
	// Close flushes and releases the log.
	Close() error
}

var _ CommandLog = (*FileLog)(nil)

// FileLog is a CommandLog kept in segment files in one directory. See the
// package documentation for the format, the recovery rules and the
// concurrency model. All methods are safe for concurrent use. A directory
// must be open in at most one FileLog at a time.
type FileLog struct {
	fs   FS
	dir  string
	opts Options // defaults applied

	mu       sync.Mutex
	cond     sync.Cond // signalled on mu when durable, failed or flushing change
	buf      []byte    // frames enqueued but not yet handed to a flush
	bufRecs  int       // records in buf
	inflight int       // bytes of the running flush's batch not yet durable
	spare    []byte    // the previous flush's buffer, reused
	lastSeq  uint64    // last enqueued
	durable  uint64    // last written and fsynced
	flushing bool      // a flush owns the active file
	failed   error     // sticky, wraps ErrFailed
	closed   bool
	segs     []segment // in order; the last is the active segment
	info     RecoveryInfo

	// Owned by whoever holds the flushing token.
	active File

	truncMu sync.Mutex // serialises TruncateBefore

	stats Stats // under mu; Stats fills in QueueDepth

	// ModeAsync flusher.
	kick chan struct{} // a record was buffered into an empty buffer
	full chan struct{} // FlushBytes are buffered
	stop chan struct{}
	done chan struct{}
}

// Open opens the journal in dir, creating dir and a first segment if
// needed, after recovering the existing segments: every segment is
// verified (header, checksums, contiguous sequence numbers); a torn final
// record is cut off and reported by Recovered (a damaged complete final
// frame too, with Options.TruncateDamagedTail; the package documentation
// gives the rule). Open returns a *CorruptError (wrapping ErrCorrupt) for
// any other damage, an error wrapping
// ErrInvalidOptions for bad options, or the filesystem's error.
func Open(dir string, opts Options) (*FileLog, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	fsys := o.FS
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("journal: create %s: %w", dir, err)
	}
	segs, info, err := recoverDir(fsys, dir, o.TruncateDamagedTail)
	if err != nil {
		return nil, err
	}
	l := &FileLog{fs: fsys, dir: dir, opts: o, segs: segs, info: info}
	l.cond.L = &l.mu
	if len(segs) == 0 {
		f, seg, err := l.createSegment(1)
		if err != nil {
			return nil, err
		}
		l.active, l.segs = f, []segment{seg}
		l.info = RecoveryInfo{Segments: 1, FirstSeq: 1}
	} else {
		last := segs[len(segs)-1]
		f, err := fsys.OpenFile(last.name, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return nil, fmt.Errorf("journal: open %s: %w", last.name, err)
		}
		l.active = f
	}
	l.lastSeq = l.segs[len(l.segs)-1].lastSeq
	l.durable = l.lastSeq
	if o.Mode == ModeAsync {
		l.kick = make(chan struct{}, 1)
		l.full = make(chan struct{}, 1)
		l.stop = make(chan struct{})
		l.done = make(chan struct{})
		go l.flusher()
	}
	return l, nil
}

// Recovered reports what Open found and repaired.
func (l *FileLog) Recovered() RecoveryInfo { return l.info }

// Mode returns the durability mode in effect.
func (l *FileLog) Mode() Mode { return l.opts.Mode }

// Dir returns the directory of the log.
func (l *FileLog) Dir() string { return l.dir }

// LastSeq returns the Seq of the last enqueued record (durable or not), or
// FirstSeq()-1 when the log is empty. O(1).
func (l *FileLog) LastSeq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastSeq
}

// DurableSeq returns the Seq of the last record known to be written and
// fsynced. O(1).
func (l *FileLog) DurableSeq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.durable
}

// FirstSeq returns the Seq of the oldest record the log can replay (the
// first seq of its oldest segment). O(1).
func (l *FileLog) FirstSeq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.segs[0].firstSeq
}

// Enqueue appends rec's frame to the in-memory buffer and returns its
// ticket. It never writes or fsyncs. In ModeAsync it may wake the
// background flusher, and it blocks while the unsynced backlog is full
// (MaxUnsyncedCommands records, or MaxUnsyncedBytes bytes of frames), so
// that a crash loses at most that much. Amortised O(len(rec.Payload)),
// allocation-free once the buffer has grown. Errors: ErrClosed, ErrFailed
// (sticky), ErrRecordTooLarge, ErrSequenceGap.
func (l *FileLog) Enqueue(rec Record) (Ticket, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(rec.Payload) > MaxPayloadBytes {
		return Ticket{}, fmt.Errorf("%w: %d bytes, limit %d", ErrRecordTooLarge, len(rec.Payload), MaxPayloadBytes)
	}
	frame := frameHeaderSize + len(rec.Payload)
	for {
		if l.closed {
			return Ticket{}, ErrClosed
		}
		if l.failed != nil {
			return Ticket{}, l.failed
		}
		if l.kick == nil || l.backlogFitsLocked(frame) {
			break
		}
		// Backpressure (ModeAsync only): the backlog is full. Make sure
		// the flusher is at work and wait for it to make room.
		l.signalFullLocked()
		l.cond.Wait()
	}
	if rec.Seq != l.lastSeq+1 {
		return Ticket{}, fmt.Errorf("%w: got seq %d, want %d", ErrSequenceGap, rec.Seq, l.lastSeq+1)
	}
	before := len(l.buf)
	l.buf = appendFrame(l.buf, rec.Seq, rec.Payload)
	l.bufRecs++
	l.lastSeq = rec.Seq
	if l.kick != nil {
		if before == 0 {
			select {
			case l.kick <- struct{}{}:
			default:
			}
		}
		if l.flushDueLocked() {
			l.signalFullLocked()
		}
	}
	return Ticket{seq: rec.Seq}, nil
}

// backlogFitsLocked reports whether a frame of n bytes fits the ModeAsync
// backlog bound: fewer than MaxUnsyncedCommands records and at most
// MaxUnsyncedBytes bytes not yet durable once it is added (or an empty
// backlog). l.mu is held.
func (l *FileLog) backlogFitsLocked(n int) bool {
	if l.lastSeq-l.durable >= uint64(l.opts.MaxUnsyncedCommands) {
		return false
	}
	pending := len(l.buf) + l.inflight
	return pending == 0 || pending+n <= l.opts.MaxUnsyncedBytes
}

// flushDueLocked reports whether ModeAsync should flush before
// FlushInterval ends: half the backlog bound (in records or bytes) or
// FlushBytes are buffered, so one batch can be written while the next
// one fills. l.mu is held.
func (l *FileLog) flushDueLocked() bool {
	return l.bufRecs >= max(1, l.opts.MaxUnsyncedCommands/2) ||
		len(l.buf) >= min(l.opts.FlushBytes, max(1, l.opts.MaxUnsyncedBytes/2))
}

// signalFullLocked wakes the ModeAsync flusher for an early flush.
func (l *FileLog) signalFullLocked() {
	select {
	case l.full <- struct{}{}:
	default:
	}
}

// Wait blocks until t's record is durable: in ModeSync and ModeGroupCommit
// it returns once the record is written and fsynced, flushing the buffer
// itself if no flush is running (so concurrent waiters share one write and
// one fsync). In ModeAsync it returns at once. Errors: the sticky
// ErrFailed error if the log failed before t's record became durable,
// ErrClosed, ErrInvalidTicket.
func (l *FileLog) Wait(t Ticket) error { return l.WaitContext(context.Background(), t) }

// WaitContext is Wait that also returns when ctx is done, with an error
// wrapping ctx.Err(); the record stays enqueued and becomes durable with
// the next flush, so cancelling never drops it. A caller that is itself
// writing a batch (the group-commit leader) finishes its write and fsync
// first: a running fsync cannot be interrupted. With a context that is
// never done it costs what Wait costs; otherwise it registers one
// context.AfterFunc for the duration of the call.
func (l *FileLog) WaitContext(ctx context.Context, t Ticket) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.seq > l.lastSeq {
		return fmt.Errorf("%w: seq %d was never enqueued", ErrInvalidTicket, t.seq)
	}
	if l.opts.Mode == ModeAsync {
		return l.failed
	}
	if ctx.Done() != nil {
		defer l.wakeOn(ctx)()
	}
	return l.waitDurableLocked(ctx, t.seq)
}

// wakeOn wakes the waiters of l.cond once ctx is done, and returns the
// function that stops it.
func (l *FileLog) wakeOn(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() {
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	})
}

// Append is Enqueue followed by Wait.
func (l *FileLog) Append(rec Record) error {
	t, err := l.Enqueue(rec)
	if err != nil {
		return err
	}
	return l.Wait(t)
}

// Sync writes and fsyncs every enqueued record, in every mode, and returns
// when they are durable. Errors: ErrFailed (sticky), ErrClosed.
func (l *FileLog) Sync() error { return l.SyncContext(context.Background()) }

// SyncContext is Sync that also returns when ctx is done, with an error
// wrapping ctx.Err() (see WaitContext).
func (l *FileLog) SyncContext(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if ctx.Done() != nil {
		defer l.wakeOn(ctx)()
	}
	return l.waitDurableLocked(ctx, l.lastSeq)
}

// waitDurableLocked waits until seq is durable, leading flushes while no
// one else does, or until ctx is done. l.mu is held.
func (l *FileLog) waitDurableLocked(ctx context.Context, seq uint64) error {
	for {
		switch {
		case l.durable >= seq:
			return nil
		case l.failed != nil:
			return l.failed
		case !l.flushing && l.active == nil:
			return ErrClosed // Close has finished
		case ctx.Err() != nil:
			return fmt.Errorf("journal: wait for seq %d: %w", seq, ctx.Err())
		case !l.flushing:
			l.gatherLocked()
			l.flushLocked()
		default:
			l.cond.Wait()
		}
	}
}

// gatherMaxYields bounds how many times a group-commit leader yields to let
// other submitters join its batch.
const gatherMaxYields = 16

// gatherLocked, in ModeGroupCommit, lets submitters that are ready to run
// add their records before the leader flushes: it holds the flushing token
// (so no one else starts a flush), yields the processor, and stops as soon
// as a yield adds nothing. Alone, a leader pays one yield, nothing next to
// an fsync; under concurrency, batches grow to the submitters that are
// running. l.mu is held on entry and exit.
func (l *FileLog) gatherLocked() {
	if l.opts.Mode != ModeGroupCommit {
		return
	}
	l.flushing = true
	for range gatherMaxYields {
		n := len(l.buf)
		l.mu.Unlock()
		runtime.Gosched()
		l.mu.Lock()
		if len(l.buf) == n {
			break
		}
	}
	l.flushing = false
}

// flushLocked takes the flushing token, writes the whole buffer without
// holding l.mu, and returns the token. l.mu is held on entry and exit.
func (l *FileLog) flushLocked() {
	if len(l.buf) == 0 {
		return
	}
	l.flushing = true
	batch := l.buf
	l.buf = l.spare[:0]
	l.bufRecs = 0
	l.inflight = len(batch)
	l.mu.Unlock()
	err := l.writeBatch(batch)
	l.mu.Lock()
	l.spare = batch[:0]
	l.inflight = 0
	l.flushing = false
	if err != nil && l.failed == nil {
		l.failed = err
	}
	l.cond.Broadcast()
}

// writeBatch writes the frames in b to the active segment, rotating
// segments as they fill. ModeSync writes and fsyncs one frame at a time;
// the other modes write as many frames as fit the segment with one write
// and one fsync. The caller holds the flushing token.
func (l *FileLog) writeBatch(b []byte) error {
	perRecord := l.opts.Mode == ModeSync
	for off := 0; off < len(b); {
		l.mu.Lock()
		size, name := l.segs[len(l.segs)-1].size, l.segs[len(l.segs)-1].name
		l.mu.Unlock()
		start := off
		var lastSeq uint64
		records := 0
		for off < len(b) {
			n := frameLen(b[off:])
			cur := size + int64(off-start)
			if cur > segmentHeaderSize && cur+int64(n) > l.opts.SegmentBytes {
				break
			}
			lastSeq = frameSeq(b[off:])
			off += n
			records++
			if perRecord {
				break
			}
		}
		if off == start {
			if err := l.rotate(); err != nil {
				return err
			}
			continue
		}
		if err := writeFull(l.active, b[start:off]); err != nil {
			return fmt.Errorf("journal: write %s: %w: %w", name, ErrFailed, err)
		}
		began := time.Now()
		if err := l.active.Sync(); err != nil {
			return fmt.Errorf("journal: fsync %s: %w: %w", name, ErrFailed, err)
		}
		took := time.Since(began)
		l.mu.Lock()
		l.stats.FsyncNanos.Observe(int64(took))
		l.stats.BatchRecords.Observe(int64(records))
		seg := &l.segs[len(l.segs)-1]
		seg.size += int64(off - start)
		seg.lastSeq = lastSeq
		l.durable = lastSeq
		l.inflight -= off - start
		l.cond.Broadcast()
		l.mu.Unlock()
	}
	return nil
}

// rotate closes the full active segment and starts the next one. The
// caller holds the flushing token; the old segment is already fsynced.
func (l *FileLog) rotate() error {
	l.mu.Lock()
	next := l.segs[len(l.segs)-1].lastSeq + 1
	l.mu.Unlock()
	if err := l.active.Close(); err != nil {
		return fmt.Errorf("journal: close segment: %w: %w", ErrFailed, err)
	}
	l.active = nil
	f, seg, err := l.createSegment(next)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFailed, err)
	}
	l.active = f
	l.mu.Lock()
	l.segs = append(l.segs, seg)
	l.mu.Unlock()
	return nil
}

// createSegment creates, writes the header of and fsyncs (file and
// directory) a new empty segment starting at firstSeq.
func (l *FileLog) createSegment(firstSeq uint64) (File, segment, error) {
	name := filepath.Join(l.dir, seqName(firstSeq, segmentSuffix))
	f, err := l.fs.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		return nil, segment{}, fmt.Errorf("journal: create %s: %w", name, err)
	}
	err = writeFull(f, appendSegmentHeader(nil, firstSeq))
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = l.fs.SyncDir(l.dir)
	}
	if err != nil {
		f.Close()
		return nil, segment{}, fmt.Errorf("journal: create %s: %w", name, err)
	}
	return f, segment{name: name, firstSeq: firstSeq, lastSeq: firstSeq - 1, size: segmentHeaderSize}, nil
}

// flusher is the ModeAsync background goroutine. After the first record
// lands in an empty buffer it waits FlushInterval (or until an early flush
// is due, see flushDueLocked, or the backlog is full) and then flushes
// everything buffered.
func (l *FileLog) flusher() {
	defer close(l.done)
	timer := time.NewTimer(l.opts.FlushInterval)
	timer.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-l.kick:
		case <-l.full:
		}
		l.mu.Lock()
		full := l.flushDueLocked()
		l.mu.Unlock()
		if !full {
			timer.Reset(l.opts.FlushInterval)
			select {
			case <-l.stop:
				timer.Stop()
				return
			case <-timer.C:
			case <-l.full:
				timer.Stop()
			}
		}
		l.mu.Lock()
		if l.failed == nil {
			_ = l.waitDurableLocked(context.Background(), l.lastSeq) // a failure is sticky and reported to callers
		}
		failed := l.failed != nil
		l.mu.Unlock()
		if failed {
			<-l.stop
			return
		}
	}
}

// Close stops the background flusher, writes and fsyncs every buffered
// record (unless the log failed), and closes the active segment. Later
// calls return ErrClosed; Close returns the sticky ErrFailed error of a
// failed log.
func (l *FileLog) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.closed = true
	l.mu.Unlock()
	if l.stop != nil {
		close(l.stop)
		<-l.done
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing {
		l.cond.Wait()
	}
	if l.failed == nil {
		l.flushLocked()
	}
	var err error
	if l.active != nil {
		err = l.active.Close()
		l.active = nil
	}
	l.cond.Broadcast()
	if l.failed != nil {
		return l.failed
	}
	if err != nil {
		return fmt.Errorf("journal: close: %w", err)
	}
	return nil
}

// Replay calls fn for every durable record with Seq >= from, in order,
// reading the segment files; records enqueued but not yet durable are not
// visited (call Sync first to include them). The Payload passed to fn is
// valid only during the call. fn may append to the log but must not call
// TruncateBefore or Close. Replay stops at fn's first error and returns it.
// Cost: O(bytes from the start of from's segment). Errors: ErrTruncated
// when from is older than FirstSeq() and records were truncated,
// *CorruptError when a file fails verification, fn's error.
func (l *FileLog) Replay(from uint64, fn func(Record) error) error {
	l.mu.Lock()
	segs := append([]segment(nil), l.segs...)
	l.mu.Unlock()
	if first := segs[0].firstSeq; from < first && first > 1 {
		return fmt.Errorf("%w: replay from %d, oldest record is %d", ErrTruncated, from, first)
	}
	for _, seg := range segs {
		if seg.lastSeq < from || seg.lastSeq < seg.firstSeq {
			continue
		}
		if err := replaySegment(l.fs, seg, from, fn); err != nil {
			return err
		}
	}
	return nil
}

// replaySegment reads seg's first seg.size bytes and calls fn for records
// with Seq >= from.
func replaySegment(fsys FS, seg segment, from uint64, fn func(Record) error) error {
	return walkSegment(fsys, seg, from, func(r RecordAt) error { return fn(r.Record) })
}

// walkSegment is replaySegment with each record's place on disk.
func walkSegment(fsys FS, seg segment, from uint64, fn func(RecordAt) error) error {
	f, err := fsys.OpenFile(seg.name, os.O_RDONLY, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: segment %s was removed", ErrTruncated, seg.name)
		}
		return fmt.Errorf("journal: open %s: %w", seg.name, err)
	}
	defer f.Close()
	r := &windowReader{f: f, size: seg.size}
	off := int64(segmentHeaderSize)
	for seq := seg.firstSeq; seq <= seg.lastSeq; seq++ {
		h, err := r.bytes(off, frameHeaderSize)
		if err != nil {
			return &CorruptError{File: seg.name, Offset: off, Seq: seq, Reason: "record missing: " + err.Error()}
		}
		n := frameLen(h)
		fr, err := r.bytes(off, n)
		if err != nil {
			return &CorruptError{File: seg.name, Offset: off, Seq: seq, Reason: "record incomplete: " + err.Error()}
		}
		if crc32c(fr[8:]) != binary.LittleEndian.Uint32(fr[4:]) || frameSeq(fr) != seq {
			return &CorruptError{File: seg.name, Offset: off, Seq: seq, Reason: "record fails verification on replay"}
		}
		if seq >= from {
			if err := fn(RecordAt{Record: Record{Seq: seq, Payload: fr[frameHeaderSize:]}, File: seg.name, Offset: off}); err != nil {
				return err
			}
		}
		off += int64(n)
	}
	return nil
}

// TruncateBefore deletes, oldest first, every segment whose records all
// have Seq < seq, so that the journal stops growing once a snapshot covers
// its prefix. The active segment is never deleted, so up to SegmentBytes
// of older records may remain. Afterwards Replay(from) works for every
// from >= FirstSeq(). O(segments). Errors: ErrClosed, the filesystem's
// error (the log itself stays usable).
func (l *FileLog) TruncateBefore(seq uint64) error {
	l.truncMu.Lock()
	defer l.truncMu.Unlock()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	n := 0
	for n < len(l.segs)-1 && l.segs[n].lastSeq < seq {
		n++
	}
	doomed := append([]segment(nil), l.segs[:n]...)
	l.segs = append(l.segs[:0:0], l.segs[n:]...)
	l.mu.Unlock()
	if n == 0 {
		return nil
	}
	for _, s := range doomed {
		if err := l.fs.Remove(s.name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("journal: remove %s: %w", s.name, err)
		}
	}
	if err := l.fs.SyncDir(l.dir); err != nil {
		return fmt.Errorf("journal: sync dir %s: %w", l.dir, err)
	}
	return nil
}
