package durable

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/matching"
)

// SnapshotHistory is implemented by a SnapshotStore that can list and load
// the snapshots it still keeps, not only the newest. With it, Store.Feed
// rebuilds outputs older than the newest snapshot from an older one.
// FileSnapshots implements it.
type SnapshotHistory interface {
	// Seqs returns the sequence numbers of the snapshots kept, oldest
	// first.
	Seqs() ([]uint64, error)
	// LoadAt loads and verifies the snapshot of the state after seq.
	LoadAt(seq uint64) (journal.Snapshot, error)
}

var _ SnapshotHistory = FileSnapshots{}

// Seqs implements SnapshotHistory with journal.ListSnapshots.
func (f FileSnapshots) Seqs() ([]uint64, error) {
	files, err := journal.ListSnapshots(f.fs(), f.Dir)
	if err != nil {
		return nil, err
	}
	seqs := make([]uint64, len(files))
	for i, s := range files {
		seqs[i] = s.Seq
	}
	return seqs, nil
}

// LoadAt implements SnapshotHistory with journal.ReadSnapshot.
func (f FileSnapshots) LoadAt(seq uint64) (journal.Snapshot, error) {
	files, err := journal.ListSnapshots(f.fs(), f.Dir)
	if err != nil {
		return journal.Snapshot{}, err
	}
	for _, s := range files {
		if s.Seq == seq {
			payload, err := journal.ReadSnapshot(f.fs(), s)
			if err != nil {
				return journal.Snapshot{}, err
			}
			return journal.Snapshot{Seq: s.Seq, File: s.File, Payload: payload}, nil
		}
	}
	return journal.Snapshot{}, fmt.Errorf("%w: none at seq %d in %s", journal.ErrNoSnapshot, seq, f.Dir)
}

// historyBatch is the most outputs a FeedReader rebuilds from the journal
// per pass over it.
const historyBatch = 4096

// Feed returns a reader of the exchange's ordered output feed positioned
// at sequence number from (at least 1), which serves outputs older than
// the exchange's in-memory feed too (see matching.Exchange.Feed): those
// are rebuilt from the journal. The reader restores the newest snapshot
// at or before from-1 into an engine of its own and replays the journal
// from there; the engine is deterministic, so a rebuilt output is the one
// the exchange produced, byte for byte. Once it reaches what the
// in-memory feed holds, it reads that. A reader is not safe for
// concurrent use; any number may exist.
//
// Errors of Next: matching.ErrFeedTruncated (a *matching.FeedTruncatedError
// naming the oldest output still rebuildable) when no snapshot and no
// journal record reach back to the output asked for, or the snapshots
// and segments it needed were removed meanwhile; ErrNotDurable for a nil
// Store; a *journal.CorruptError or audit error for a damaged journal;
// otherwise those of matching.FeedReader.Next.
//
// Cost: a rebuilt output costs its replay; reaching it costs restoring a
// snapshot and replaying the journal from it, and each batch of 4,096
// outputs reads its journal segment from the start.
func (s *Store) Feed(from uint64) *FeedReader {
	return &FeedReader{s: s, next: max(from, 1)}
}

// FeedReader reads the ordered output feed of a durable exchange; see
// Store.Feed.
type FeedReader struct {
	s    *Store
	next uint64
	live *matching.FeedReader

	// History: the replay engine (its state follows rep.Seq()), and a
	// batch of rebuilt outputs from next on, their events in evs[at:] and
	// their event counts in counts[ci:].
	rep    *audit.Replayer
	evs    []matching.Event
	counts []int
	at, ci int
	scr    []matching.Event
}

// Pos returns the sequence number the next call to Next reads.
func (r *FeedReader) Pos() uint64 { return r.next }

// Next returns the next output: its sequence number and its events,
// appended to dst. It waits until that output is published, or ctx is
// done. See Store.Feed for the errors and the cost.
func (r *FeedReader) Next(ctx context.Context, dst []matching.Event) (uint64, []matching.Event, error) {
	if r.s == nil {
		return r.next, dst, ErrNotDurable
	}
	for {
		if r.ci < len(r.counts) {
			n := r.counts[r.ci]
			dst = append(dst, r.evs[r.at:r.at+n]...)
			r.at += n
			r.ci++
			seq := r.next
			r.next++
			return seq, dst, nil
		}
		x := r.s.x
		if r.live == nil && r.next >= x.FeedOldest() {
			r.live = x.Feed(r.next)
			r.rep = nil // the live feed takes over; drop the replay engine
		}
		if r.live != nil {
			seq, out, err := r.live.Next(ctx, dst)
			if err == nil {
				r.next = seq + 1
				return seq, out, nil
			}
			if !errors.Is(err, matching.ErrFeedTruncated) {
				return seq, out, err
			}
			// The reader fell behind the in-memory feed: rebuild from the
			// journal.
			r.live = nil
		}
		if err := ctx.Err(); err != nil {
			return r.next, dst, fmt.Errorf("durable: feed at %d: %w", r.next, err)
		}
		if err := r.rebuild(); err != nil {
			return r.next, dst, err
		}
	}
}

// errBatchFull stops a journal replay once a batch is full.
var errBatchFull = errors.New("durable: history batch full")

// rebuild fills the batch with the outputs from r.next on, replaying the
// journal.
func (r *FeedReader) rebuild() error {
	if r.rep == nil || r.rep.Seq() != r.next-1 {
		if err := r.restore(); err != nil {
			return err
		}
	}
	clear(r.evs)
	r.evs, r.counts, r.at, r.ci = r.evs[:0], r.counts[:0], 0, 0
	from := r.rep.Seq() + 1
	err := r.s.log.Replay(from, func(rec journal.Record) error {
		var err error
		start := len(r.evs)
		_, _, r.evs, err = r.rep.Apply(rec, r.evs)
		if err != nil {
			return err
		}
		r.counts = append(r.counts, len(r.evs)-start)
		if len(r.counts) == historyBatch {
			return errBatchFull
		}
		return nil
	})
	switch {
	case errors.Is(err, errBatchFull), err == nil && len(r.counts) > 0:
		for i := range r.evs {
			if len(r.evs[i].Bases) > 0 {
				r.evs[i].Bases = slices.Clone(r.evs[i].Bases) // the receiver owns it
			}
		}
		return nil
	case err == nil:
		// The journal holds nothing after the replay engine yet: the
		// output is in the in-memory feed (or not yet published), which
		// Next reads next.
		if r.next >= r.s.x.FeedOldest() || r.next > r.s.x.Seq() {
			return nil
		}
		return fmt.Errorf("durable: feed at %d: the journal ends at %d", r.next, r.rep.Seq())
	case errors.Is(err, journal.ErrTruncated):
		r.rep = nil
		return r.truncated()
	default:
		r.rep = nil
		return fmt.Errorf("durable: feed at %d: %w", r.next, err)
	}
}

// restore makes the replay engine: the newest snapshot at or before
// r.next-1 that the journal continues, or an empty engine when the
// journal starts at seq 1.
func (r *FeedReader) restore() error {
	s := r.s
	want := r.next - 1
	first := s.log.FirstSeq()
	base, snap, ok, err := s.historyBase(want, first)
	if err != nil {
		return err
	}
	if !ok {
		return r.truncated()
	}
	cfg := s.engCfg
	var eng *engine.Engine
	if snap == nil {
		eng, err = engine.New(cfg)
	} else {
		eng, _, _, err = engine.RestoreState(cfg, snap.Payload)
	}
	if err != nil {
		return fmt.Errorf("durable: feed at %d: state at %d: %w", r.next, base, err)
	}
	r.rep = audit.NewReplayer(eng, base)
	// Replay the records before r.next without keeping their outputs.
	if base < want {
		err := s.log.Replay(base+1, func(rec journal.Record) error {
			var err error
			_, _, r.scr, err = r.rep.Apply(rec, r.scr[:0])
			if err == nil && rec.Seq == want {
				return errBatchFull
			}
			return err
		})
		clear(r.scr)
		switch {
		case errors.Is(err, errBatchFull):
		case errors.Is(err, journal.ErrTruncated):
			r.rep = nil
			return r.truncated()
		case err != nil:
			r.rep = nil
			return fmt.Errorf("durable: feed at %d: %w", r.next, err)
		default:
			r.rep = nil
			return fmt.Errorf("durable: feed at %d: the journal ends before %d", r.next, want)
		}
	}
	return nil
}

// historyBase picks the state to replay from for an output after want:
// the newest snapshot at or before want whose successor the journal still
// holds (snap nil: the empty state at 0, when the journal starts at 1).
func (s *Store) historyBase(want, first uint64) (base uint64, snap *journal.Snapshot, ok bool, err error) {
	seqs, err := s.snapshotSeqs()
	if err != nil {
		return 0, nil, false, fmt.Errorf("durable: feed: list snapshots: %w", err)
	}
	for i := len(seqs) - 1; i >= 0; i-- {
		if seq := seqs[i]; seq <= want && first <= seq+1 {
			sn, err := s.loadSnapshot(seq)
			if errors.Is(err, journal.ErrNoSnapshot) {
				continue // removed meanwhile
			}
			if err != nil {
				return 0, nil, false, fmt.Errorf("durable: feed: %w", err)
			}
			return seq, &sn, true, nil
		}
	}
	if first <= 1 {
		return 0, nil, true, nil
	}
	return 0, nil, false, nil
}

// truncated returns the error of an output older than every state the
// reader can rebuild from, naming the oldest one it can.
func (r *FeedReader) truncated() error {
	oldest := r.s.x.FeedOldest()
	first := r.s.log.FirstSeq()
	if first <= 1 {
		oldest = 1
	} else if seqs, err := r.s.snapshotSeqs(); err == nil {
		for _, seq := range seqs {
			if first <= seq+1 {
				oldest = min(oldest, seq+1)
				break
			}
		}
	}
	return fmt.Errorf("durable: feed: %w", &matching.FeedTruncatedError{Want: r.next, Oldest: oldest})
}

// snapshotSeqs lists the snapshots kept, oldest first: every one with a
// SnapshotHistory store, else the newest.
func (s *Store) snapshotSeqs() ([]uint64, error) {
	if h, ok := s.snaps.(SnapshotHistory); ok {
		return h.Seqs()
	}
	sn, err := s.snaps.Load(false)
	switch {
	case errors.Is(err, journal.ErrNoSnapshot):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return []uint64{sn.Seq}, nil
}

func (s *Store) loadSnapshot(seq uint64) (journal.Snapshot, error) {
	if h, ok := s.snaps.(SnapshotHistory); ok {
		return h.LoadAt(seq)
	}
	sn, err := s.snaps.Load(false)
	if err == nil && sn.Seq != seq {
		return journal.Snapshot{}, fmt.Errorf("%w: the newest is at %d, not %d", journal.ErrNoSnapshot, sn.Seq, seq)
	}
	return sn, err
}
