package durable

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/matching"
)

// Log is the command log a durable exchange journals to: records appended
// by sequence number, waited for, replayed and truncated. journal.FileLog
// implements it; a replicated log can too.
//
// The exchange calls Enqueue with its journal lock held, in sequence
// order, so Enqueue must not wait for I/O (it may apply backpressure); it
// calls WaitContext without locks. A failure is sticky: once Enqueue,
// WaitContext or SyncContext failed (other than for the context), the
// exchange acknowledges nothing more.
type Log interface {
	// Enqueue adds rec (rec.Seq = LastSeq()+1) and returns a ticket at
	// once; it copies the payload.
	Enqueue(rec journal.Record) (journal.Ticket, error)
	// WaitContext blocks until t's record is durable, the log failed, or
	// ctx is done (an error wrapping ctx.Err(); the record stays queued).
	WaitContext(ctx context.Context, t journal.Ticket) error
	// SyncContext makes every enqueued record durable, or gives up when
	// ctx is done.
	SyncContext(ctx context.Context) error
	// Replay calls fn for every durable record with Seq >= from, in
	// order, and stops at fn's first error, returning it. Open calls it on
	// a goroutine of its own, no other method running meanwhile; a record
	// passed to fn need stay valid only until fn returns.
	Replay(from uint64, fn func(journal.Record) error) error
	// TruncateBefore lets the log drop records with Seq < seq (a snapshot
	// covers them); it may keep some.
	TruncateBefore(seq uint64) error
	// FirstSeq and LastSeq bound the records the log holds (LastSeq is the
	// last enqueued).
	FirstSeq() uint64
	LastSeq() uint64
	// Close flushes and releases the log.
	Close() error
}

var _ Log = (*journal.FileLog)(nil)

// SnapshotStore keeps the snapshots of a durable exchange. FileSnapshots
// keeps them as files beside the journal; another store (an object store,
// a replicated bucket) can plug in.
type SnapshotStore interface {
	// Load returns the newest snapshot that verifies; with fallback, a
	// damaged newer one is passed over (listed in Skipped). Errors: one
	// wrapping journal.ErrNoSnapshot when there is none, a
	// *journal.CorruptError for a damaged one, the store's errors.
	Load(fallback bool) (journal.Snapshot, error)
	// Write stores payload as the snapshot of the state after seq,
	// atomically: a crash leaves the old snapshots or the new one.
	Write(seq uint64, payload []byte) error
	// RemoveBefore deletes the snapshots older than seq.
	RemoveBefore(seq uint64) error
}

// FileSnapshots is the SnapshotStore of snapshot files in the journal's
// directory (the format is package journal's).
type FileSnapshots struct {
	FS  journal.FS // nil means journal.OSFS
	Dir string
}

func (f FileSnapshots) fs() journal.FS {
	if f.FS == nil {
		return journal.OSFS{}
	}
	return f.FS
}

// Load implements SnapshotStore with journal.LoadSnapshot.
func (f FileSnapshots) Load(fallback bool) (journal.Snapshot, error) {
	return journal.LoadSnapshot(f.fs(), f.Dir, fallback)
}

// Write implements SnapshotStore with journal.WriteSnapshot (temp file,
// fsync, rename, directory fsync).
func (f FileSnapshots) Write(seq uint64, payload []byte) error {
	return journal.WriteSnapshot(f.fs(), f.Dir, seq, payload)
}

// RemoveBefore implements SnapshotStore with journal.RemoveSnapshotsBefore.
func (f FileSnapshots) RemoveBefore(seq uint64) error {
	return journal.RemoveSnapshotsBefore(f.fs(), f.Dir, seq)
}

// Options configures Open. The zero value is valid: a file journal in
// group-commit mode, snapshot files beside it, no fallback, snapshots only
// when asked for, no logging.
type Options struct {
	// Journal configures the file journal: durability mode (zero means
	// group commit), flush policy, segment size and the filesystem seam,
	// which FileSnapshots use too. Ignored, but for FS, when Log is set.
	Journal journal.Options
	// Log, when non-nil, is the command log to use instead of a file
	// journal in dir. Open takes it over: it closes it when it fails, and
	// Store.Close closes it.
	Log Log
	// Snapshots, when non-nil, stores the snapshots; nil means
	// FileSnapshots in dir on Journal.FS.
	Snapshots SnapshotStore
	// FallbackSnapshot lets recovery pass over a snapshot that fails its
	// checksum and use the previous one (or replay the journal from the
	// start when it still holds every record). Without it, a damaged
	// snapshot makes Open fail with an error naming the file.
	FallbackSnapshot bool
	// SnapshotEvery makes the exchange take a snapshot once this many
	// commands were journaled since the last one; zero means only when
	// Store.Snapshot is called. The snapshot is taken by a submitter that
	// finds it due, after its command is durable and before its Submit
	// returns; one snapshot is written per interval, however many
	// submitters find it due at once.
	SnapshotEvery uint64
	// Logger, when non-nil, receives what recovery found (snapshot,
	// replayed records, a torn tail cut off, snapshots passed over), every
	// snapshot written or failed, and the first failure of the log. Nothing
	// is logged per command.
	Logger *slog.Logger
}

// Validate reports whether o is usable; errors wrap
// matching.ErrInvalidConfig (and journal.ErrInvalidOptions for bad journal
// options).
func (o Options) Validate() error {
	if o.Log == nil {
		if err := o.Journal.Validate(); err != nil {
			return fmt.Errorf("%w: %w", matching.ErrInvalidConfig, err)
		}
	}
	return nil
}
