package durable

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/matching"
)

// Store is the durable side of an exchange made by Open: its log, its
// snapshots, its audit chain and its metrics. It is the exchange's
// matching.Journal. Get it with Of. All its methods are safe for
// concurrent use, and safe on a nil *Store (they report ErrNotDurable or
// zero values).
type Store struct {
	x     *matching.Exchange
	eng   *engine.Engine // the exchange's; read only inside x.Exclusive
	log   Log
	snaps SnapshotStore
	dir   string
	opts  Options
	lg    *slog.Logger
	rec   Recovery
	// engCfg configures the engines the history feed replays on.
	engCfg engine.Config

	// Under the exchange's journal lock (Append, and Exclusive callers).
	chain   [audit.ChainSize]byte
	hasher  audit.Hasher
	payload []byte

	failed    atomic.Pointer[error] // sticky; Err
	snapSince atomic.Uint64         // commands journaled since the last snapshot
	snapDue   atomic.Bool
	snapping  atomic.Bool

	// snapMu serialises Snapshot and Close; it guards the fields below.
	snapMu   sync.Mutex
	lastSnap uint64
	snapErr  error // the last automatic snapshot's failure
	closed   bool

	m counters
}

var _ matching.Journal = (*Store)(nil)

// Of returns the Store of an exchange made by Open, nil for any other
// exchange (and for nil).
func Of(x *matching.Exchange) *Store {
	if x == nil {
		return nil
	}
	s, _ := x.Journal().(*Store)
	return s
}

// Err implements matching.Journal: the log's sticky failure, or
// journal.ErrClosed after Close.
func (s *Store) Err() error {
	if p := s.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// fail records the log's first failure and logs it.
func (s *Store) fail(err error) {
	if s.failed.CompareAndSwap(nil, &err) && !errors.Is(err, journal.ErrClosed) {
		s.lg.Error("durable: journal failed; no more commands are acknowledged", "dir", s.dir, "err", err)
	}
}

// Append implements matching.Journal: it computes the command's audit
// hash, frames the record and enqueues it in the log. Called under the
// exchange's journal lock.
func (s *Store) Append(seq uint64, kind matching.CommandKind, enc []byte, evs []matching.Event) (uint64, error) {
	s.chain = s.hasher.Next(&s.chain, seq, enc, evs)
	s.payload = audit.AppendRecord(s.payload[:0], enc, &s.chain)
	t, err := s.log.Enqueue(journal.Record{Seq: seq, Payload: s.payload})
	if err != nil {
		s.fail(err)
		return 0, err
	}
	s.m.count(kind, evs)
	if n := s.snapSince.Add(1); s.opts.SnapshotEvery > 0 && n >= s.opts.SnapshotEvery {
		s.snapDue.Store(true)
	}
	return t.Seq(), nil
}

// Wait implements matching.Journal: it waits for the record to be durable,
// then takes the automatic snapshot if one is due.
func (s *Store) Wait(ctx context.Context, ticket uint64) error {
	if err := s.log.WaitContext(ctx, journal.NewTicket(ticket)); err != nil {
		if cause := ctx.Err(); cause == nil || !errors.Is(err, cause) {
			s.fail(err)
		}
		return err
	}
	if s.snapDue.Load() && s.snapping.CompareAndSwap(false, true) {
		if err := s.snapshot(ctx, true); err != nil && ctx.Err() == nil {
			s.snapMu.Lock()
			s.snapErr = err
			s.snapMu.Unlock()
		}
		s.snapping.Store(false)
	}
	return nil
}

// Snapshot is SnapshotContext with a context that is never done.
func (s *Store) Snapshot() error { return s.SnapshotContext(context.Background()) }

// SnapshotContext writes the exchange's complete state, with the audit
// chain head, as a snapshot (atomically: with FileSnapshots a temp file,
// fsync, rename, directory fsync), then removes what recovery no longer
// needs: snapshots older than the previous one, and journal records that
// precede it. The previous snapshot and the records after it are kept, so
// that recovery can fall back to it.
//
// Commands wait while the state is encoded (every lock is held, O(state));
// they proceed while the log is synced and the snapshot written. When ctx
// ends first, SnapshotContext returns an error wrapping ctx.Err() and no
// snapshot is written: nothing changes. Errors: ErrNotDurable, ErrJournal
// (the log had failed, or failed to sync), the store's errors wrapped with
// the file name (the exchange goes on working; the previous snapshot stays
// valid).
func (s *Store) SnapshotContext(ctx context.Context) error {
	if s == nil {
		return ErrNotDurable
	}
	return s.snapshot(ctx, false)
}

// snapshot is SnapshotContext. An automatic one (auto) is skipped when
// another snapshot was taken since it was found due: only one snapshot is
// due per interval.
func (s *Store) snapshot(ctx context.Context, auto bool) error {
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	if err := s.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrJournal, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("durable: snapshot: %w", err)
	}
	began := time.Now()
	var seq, since uint64
	var payload []byte
	skip := false
	_ = s.x.Exclusive(func(at uint64) error {
		since = s.snapSince.Load()
		if auto && since < s.opts.SnapshotEvery || at == s.lastSnap {
			skip = true
			return nil
		}
		seq = at
		chain := s.chain
		payload = s.eng.AppendState(nil, seq, &chain)
		return nil
	})
	if skip {
		s.snapDue.Store(false)
		return nil
	}
	// The journal must hold every record up to seq before a snapshot
	// covers them: recovery continues the journal from seq+1.
	if err := s.log.SyncContext(ctx); err != nil {
		if cause := ctx.Err(); cause != nil && errors.Is(err, cause) {
			return fmt.Errorf("durable: snapshot: %w", err)
		}
		s.fail(err)
		return fmt.Errorf("%w: %w", ErrJournal, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("durable: snapshot: %w", err)
	}
	if err := s.snaps.Write(seq, payload); err != nil {
		s.m.snapFailures.Add(1)
		s.lg.Error("durable: snapshot failed", "dir", s.dir, "seq", seq, "err", err)
		return fmt.Errorf("durable: snapshot: %w", err)
	}
	s.snapSince.Add(-since) // the commands after the cut still count
	s.snapDue.Store(s.opts.SnapshotEvery > 0 && s.snapSince.Load() >= s.opts.SnapshotEvery)
	took := time.Since(began)
	s.m.snapshot(seq, took)
	s.lg.Info("durable: snapshot written", "dir", s.dir, "seq", seq, "bytes", len(payload), "duration", took)
	prev := s.lastSnap
	s.lastSnap = seq
	if prev == 0 {
		return nil
	}
	if err := s.snaps.RemoveBefore(prev); err != nil {
		s.lg.Error("durable: snapshot cleanup failed", "dir", s.dir, "err", err)
		return fmt.Errorf("durable: snapshot cleanup: %w", err)
	}
	if err := s.log.TruncateBefore(prev + 1); err != nil {
		s.lg.Error("durable: journal truncation failed", "dir", s.dir, "err", err)
		return fmt.Errorf("durable: journal truncation: %w", err)
	}
	return nil
}

// Close flushes and closes the log. Afterwards Submit returns ErrJournal
// (wrapping journal.ErrClosed); queries still work. It returns the log's
// failure if it had failed, and the error of the last failed automatic
// snapshot. A second Close returns nil. Errors: ErrNotDurable for a nil
// Store.
func (s *Store) Close() error {
	if s == nil {
		return ErrNotDurable
	}
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	_ = s.x.Exclusive(func(uint64) error {
		err = s.log.Close()
		s.fail(journal.ErrClosed)
		return nil
	})
	return errors.Join(err, s.snapErr)
}

// Recovery reports what Open found and did; the zero value for a nil
// Store.
func (s *Store) Recovery() Recovery {
	if s == nil {
		return Recovery{}
	}
	return s.rec
}

// AuditHead returns the sequence number of the last journaled command and
// the audit chain head after it. Publishing the pair somewhere the
// exchange's operator cannot rewrite (a notary, a regulator, a public
// ledger) anchors the journal: any later change to a record before seq
// changes every hash after it. ok is false for a nil Store. Cost: it
// takes every lock of the exchange for a moment (O(markets)).
func (s *Store) AuditHead() (seq uint64, head [audit.ChainSize]byte, ok bool) {
	if s == nil {
		return 0, head, false
	}
	_ = s.x.Exclusive(func(at uint64) error {
		seq, head = at, s.chain
		return nil
	})
	return seq, head, true
}

// Dir returns the directory Open was given.
func (s *Store) Dir() string {
	if s == nil {
		return ""
	}
	return s.dir
}
