package matching

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/agora-exchange/agora/engine"
)

// Errors of a journaled exchange (see NewJournaled) and of cancellation.
var (
	// ErrJournal reports that the command log failed (a write, an fsync,
	// a full disk) or was closed. It is sticky: the command that met the
	// failure and every later one return it, with no events, and nothing
	// is acknowledged any more. Close the log and open it again to recover
	// what is on disk (package durable).
	ErrJournal = errors.New("matching: journal failed")
	// ErrBadRecord reports an output of the ordered feed that does not
	// decode (a bug, never expected).
	ErrBadRecord = errors.New("matching: undecodable record")
)

// CanceledError is the error of a SubmitContext whose context ended
// before the command was acknowledged. It wraps the context's error
// (errors.Is(err, context.Canceled) or context.DeadlineExceeded).
//
// Seq is 0 when the command took no sequence number: nothing was applied.
// Otherwise the command was applied as Seq, and only the wait for its
// durability was cut short: it is never half-applied and never dropped from
// the journal's queue; its output appears in the ordered feed once the
// journal holds it: read it with Feed(Seq). It is durable once any later command is acknowledged or
// the log is synced, unless the log fails first (then ErrJournal).
type CanceledError struct {
	Seq uint64
	Err error
}

func (e *CanceledError) Error() string {
	if e.Seq == 0 {
		return "matching: submit cancelled before the command was applied: " + e.Err.Error()
	}
	return fmt.Sprintf("matching: seq %d applied, cancelled before it was durable: %v", e.Seq, e.Err)
}

func (e *CanceledError) Unwrap() error { return e.Err }

// Journal is the seam between a journaled exchange and its command log
// (package durable implements it on a file journal; a replicated log can
// too). The exchange calls Err and Append under its journal lock, which
// serialises the commands of a journaled exchange, so journal order is
// apply order; it calls Wait after it releases the lock.
type Journal interface {
	// Err returns the failure that stopped the log, nil while it works.
	// Once it is non-nil the exchange applies no more commands: Submit
	// returns ErrJournal wrapping it. It is called before every command,
	// and must be cheap.
	Err() error
	// Append journals the command of kind kind that the engine has just
	// applied as seq with the events evs; enc is the command's
	// AppendCommand encoding. It must not keep enc or evs after it returns, and should not wait for I/O: it
	// returns a ticket for Wait. A failure is sticky: the exchange returns
	// ErrJournal wrapping it, for this command and every later one.
	Append(seq uint64, kind CommandKind, enc []byte, evs []Event) (ticket uint64, err error)
	// Wait blocks until the record of ticket is durable, the log failed
	// (the exchange then stops, as for Append), or ctx is done: then it
	// returns an error wrapping ctx.Err() and leaves the record queued.
	Wait(ctx context.Context, ticket uint64) error
}

// NewJournaled returns an exchange that journals every command through j
// before acknowledging it. eng holds the state after command seq (a fresh
// engine and 0, or what recovery rebuilt); the exchange owns it from now
// on, and the caller may touch it only inside Exclusive. cfg is as for
// New (its Catalog and DefaultSTP must be those eng was made with; only
// FeedBytes is read here). Package durable builds durable exchanges on it;
// most callers want durable.Open.
//
// On a journaled exchange Submit applies one command at a time under the
// journal lock, then calls j.Append and, after the lock, j.Wait: commands
// of different markets no longer run in parallel, and throughput is bound
// by the log. Errors: ErrInvalidConfig.
func NewJournaled(eng *engine.Engine, seq uint64, cfg Config, j Journal) (*Exchange, error) {
	if eng == nil || j == nil {
		return nil, fmt.Errorf("%w: NewJournaled needs an engine and a journal", ErrInvalidConfig)
	}
	if cfg.FeedBytes < 0 {
		return nil, fmt.Errorf("%w: FeedBytes %d", ErrInvalidConfig, cfg.FeedBytes)
	}
	x, err := newExchange(eng, seq, cfg.FeedBytes, cfg)
	if err != nil {
		return nil, err
	}
	x.jrn = j
	return x, nil
}

// Journal returns the journal of an exchange made by NewJournaled, nil for
// one made by New or RestoreState.
func (x *Exchange) Journal() Journal { return x.jrn }

// SubmitContext is Submit that gives up when ctx is done: before the
// command is applied (nothing changes; a *CanceledError with Seq 0), or,
// on a journaled exchange, while it waits for the command to be durable
// (a *CanceledError carrying the command's Seq; see CanceledError). Either
// way the error wraps ctx.Err() and no events are returned. Waiting for a
// lock is not interrupted: locks are held only while a command is applied
// and enqueued. With a context that is never done it costs what Submit
// costs.
func (x *Exchange) SubmitContext(ctx context.Context, cmd Command, dst []Event) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return dst, &CanceledError{Err: err}
	}
	if !x.sig.trust && cmd.Signed() {
		x.Verify(&cmd) // before sequencing, outside every lock: see sign.go
	}
	if x.jrn != nil {
		return x.submitJournaled(ctx, &cmd, dst)
	}
	return x.apply(&cmd, dst)
}

// submitJournaled applies cmd under the journal lock, hands it to the
// journal with its events, and returns the events only once the journal
// says the record is durable.
func (x *Exchange) submitJournaled(ctx context.Context, cmd *Command, dst []Event) ([]Event, error) {
	if err := CheckCommandEncodable(cmd); err != nil {
		return dst, err // it could not be replayed: refuse it before it takes a seq
	}
	start := len(dst)
	x.jmu.Lock()
	if x.jerr == nil {
		x.jerr = x.jrn.Err()
	}
	if err := x.jerr; err != nil {
		x.jmu.Unlock()
		return dst, fmt.Errorf("%w: %w", ErrJournal, err)
	}
	enc := AppendCommand(x.jbuf[:0], cmd)
	x.jbuf = enc
	dst, cerr := x.apply(cmd, dst)
	seq := x.seq.Load()
	t, err := x.jrn.Append(seq, cmd.Kind, enc, dst[start:])
	if err != nil {
		// The command changed the state but is not journaled: stop
		// acknowledging for good.
		x.jerr = err
		x.jmu.Unlock()
		return dst[:start], fmt.Errorf("%w: %w", ErrJournal, err)
	}
	x.jmu.Unlock()
	if err := x.jrn.Wait(ctx, t); err != nil {
		if cause := ctx.Err(); cause != nil && errors.Is(err, cause) {
			// The command stays queued: publish its output once the
			// journal holds it, for the caller to read in the feed.
			evs := slices.Clone(dst[start:])
			go func() {
				if x.jrn.Wait(context.Background(), t) == nil {
					x.publishUnlocked(seq, evs)
				}
			}()
			return dst[:start], &CanceledError{Seq: seq, Err: err}
		}
		x.jmu.Lock()
		if x.jerr == nil {
			x.jerr = err
		}
		x.jmu.Unlock()
		return dst[:start], fmt.Errorf("%w: %w", ErrJournal, err)
	}
	// Durable: readers of the feed may see it now. Outputs of concurrent
	// submitters arrive in any order; the feed serves them in sequence.
	x.publishUnlocked(seq, dst[start:])
	return dst, cerr
}

// Exclusive calls fn with no command in progress: on a journaled exchange
// it holds the journal lock, and on any exchange every market lock, so
// fn sees the state after command seq exactly and may read the engine that
// NewJournaled was given (package durable encodes its snapshots there).
// fn must not call the exchange. It returns fn's error. Cost: O(markets)
// to lock, plus fn; every command waits meanwhile.
func (x *Exchange) Exclusive(fn func(seq uint64) error) error {
	if x.jrn != nil {
		x.jmu.Lock()
		defer x.jmu.Unlock()
	}
	n := x.lockAll()
	defer x.unlockAll(n)
	return fn(x.seq.Load())
}
