package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/replog"
	"github.com/agora-exchange/agora/wire"
)

// Replica applies one shard's command stream through the engine, in
// stream order (engine seq = stream seq), and publishes each command's
// events as output seq exactly once (replog.PutOutputs), comparing audit
// heads with any output already there. It is not safe for concurrent use:
// one goroutine calls Step (or Run) and the owner duties.
type Replica struct {
	cfg     Config
	shard   uint32
	log     replog.Log
	st      *streams
	objs    replog.Objects
	eng     *engine.Engine
	seq     uint64
	head    [32]byte
	origin  uint64 // the last global origin seq applied
	chain   chain
	evs     []wire.Event
	pending []replog.Output // outputs applied, not yet known stored; consecutive
	// stored is the output stream's last seq as last read: the outputs up
	// to it are stored already (by another replica, or before a restart),
	// so flush compares them instead of appending them.
	stored uint64
	err    error // set for good by divergence or a global order error
	// trailing is set by Run while another node owns the shard. A
	// trailing replica that reads commands in batches (a busy shard) is
	// deferring: its outputs wait up to trailFor (or until compareEvery)
	// to be compared in one go with those the owner published, instead
	// of being put batch by batch. One that reads them one at a time puts
	// each at once, racing the owner: the first output stored serves the
	// Waits. pendingSince is when the oldest pending output was applied.
	trailing, deferring bool
	pendingSince        time.Time

	lastSnap   uint64
	lastSnapAt int64 // Clock().UnixNano() of the last snapshot
	// purgeBefore is where the last snapshot asked the command stream to
	// be purged, purged where this replica last purged it.
	purgeBefore, purged uint64
}

// NewReplica returns the replica of shard, restored from the shard's
// newest snapshot if there is one (handover and recovery: snapshot, then
// the stream from the seq after it). Errors: ErrInvalidConfig, ErrBadSnapshot,
// the log's errors.
func NewReplica(ctx context.Context, log replog.Log, cfg Config, shard uint32) (*Replica, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if shard >= c.Shards {
		return nil, fmt.Errorf("%w: shard %d of %d", ErrInvalidConfig, shard, c.Shards)
	}
	st, err := openStreams(ctx, log, &c)
	if err != nil {
		return nil, err
	}
	objs, err := log.Objects(ctx, c.snapshotBucket())
	if err != nil {
		return nil, err
	}
	r := &Replica{cfg: c, shard: shard, log: log, st: st, objs: objs}
	if err := r.restore(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// Shard returns the replica's shard.
func (r *Replica) Shard() uint32 { return r.shard }

// Seq returns the seq of the last command applied.
func (r *Replica) Seq() uint64 { return r.seq }

// Head returns the audit-chain head after Seq.
func (r *Replica) Head() [32]byte { return r.head }

// Engine returns the shard's engine, for queries between Steps.
func (r *Replica) Engine() *engine.Engine { return r.eng }

// Err returns the error that stopped the replica for good, or nil.
func (r *Replica) Err() error { return r.err }

func (r *Replica) snapshots(ctx context.Context) ([]string, error) {
	var names []string
	err := r.cfg.Retry.Do(ctx, func(ctx context.Context) error {
		all, err := r.objs.List(ctx)
		names = names[:0]
		for _, n := range all {
			if strings.HasPrefix(n, snapshotName(r.shard, 0)[:len("shard-00000-")]) {
				names = append(names, n)
			}
		}
		return err
	})
	return names, err
}

// restore loads the newest snapshot, or a fresh engine.
func (r *Replica) restore(ctx context.Context) error {
	names, err := r.snapshots(ctx)
	if err != nil {
		return err
	}
	ecfg := r.cfg.engineConfig(r.shard)
	if len(names) == 0 {
		e, err := engine.New(ecfg)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		r.eng, r.seq, r.head, r.origin = e, 0, [32]byte{}, 0
		return nil
	}
	var b []byte
	name := names[len(names)-1]
	if err := r.cfg.Retry.Do(ctx, func(ctx context.Context) error {
		var err error
		b, err = r.objs.Get(ctx, name)
		return err
	}); err != nil {
		return err
	}
	e, seq, origin, head, err := decodeSnapshot(b, ecfg)
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", name, err)
	}
	if r.eng != nil && seq <= r.seq {
		return nil // never go back
	}
	r.eng, r.seq, r.head, r.origin = e, seq, head, origin
	r.lastSnap = seq
	r.pending = nil
	return nil
}

// Step reads up to max commands after Seq, applies them and publishes
// their outputs (in one batch: replog.PutOutputs), and returns how many it
// applied. It waits for a command until ctx is done. Outputs whose put
// timed out are kept and retried first by the next Step, so no command is
// applied twice. Outputs that another replica has stored already (a
// replica catching up) are compared with them in batches of up to
// compareEvery, possibly at a later Step: before any output of this
// replica is appended, and before a snapshot, the ones before it are
// compared.
//
// Errors: *replog.DivergenceError (ErrDivergence) or *GlobalOrderError
// (ErrGlobalOrder), after which every call returns ErrStopped wrapping it;
// *replog.TruncatedError if the stream no longer holds Seq+1 and no
// snapshot covers it (a newer snapshot is restored automatically); the
// log's and the context's errors.
func (r *Replica) Step(ctx context.Context, max int) (int, error) {
	if r.err != nil {
		return 0, fmt.Errorf("%w: %w", ErrStopped, r.err)
	}
	if err := r.flushDue(ctx); err != nil {
		return 0, err
	}
	rctx := ctx
	if r.deferring && len(r.pending) > 0 {
		// Wait for commands no longer than the outputs may wait.
		var cancel context.CancelFunc
		rctx, cancel = context.WithDeadline(ctx, r.pendingSince.Add(trailFor))
		defer cancel()
	}
	var msgs []replog.Msg
	err := r.cfg.Retry.Do(rctx, func(ctx context.Context) error {
		var err error
		msgs, err = r.st.cmds[r.shard].Read(ctx, r.seq+1, max)
		return err
	})
	if err != nil && rctx != ctx && rctx.Err() != nil && ctx.Err() == nil {
		return 0, r.flushDue(ctx) // the trailing outputs are due
	}
	var te *replog.TruncatedError
	if errors.As(err, &te) {
		// Another replica snapshotted and purged: catch up from its
		// snapshot if it covers the gap, once the outputs applied are
		// compared.
		if ferr := r.flush(ctx); ferr != nil {
			return 0, ferr
		}
		if rerr := r.restore(ctx); rerr != nil {
			return 0, rerr
		}
		if r.seq+1 < te.First {
			return 0, err
		}
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	r.deferring = r.trailing && len(msgs) > 1
	n := 0
	for i := range msgs {
		if err := r.apply(&msgs[i]); err != nil {
			r.err = err
			_ = r.flush(ctx) // the outputs before it, if it can
			return n, err
		}
		n++
	}
	if err := r.flushDue(ctx); err != nil {
		return n, err
	}
	return n, nil
}

// compareEvery is how many outputs stored by another replica a catching-up
// replica compares at once (one read of the last: see flush).
const compareEvery = 4096

// trailFor is how long a trailing replica's outputs wait to be compared
// with the owner's (or put, if the owner has not published them): the
// delay of a shard's outputs while its owner is down and not yet replaced.
const trailFor = 100 * time.Millisecond

// flushDue flushes the pending outputs unless they are all stored already
// and fewer than compareEvery: those wait for more to compare in one go.
// A deferring replica's outputs wait for trailFor or compareEvery, then
// are compared after one look at how far the output stream reaches.
func (r *Replica) flushDue(ctx context.Context) error {
	if r.deferring && len(r.pending) > 0 {
		if len(r.pending) < compareEvery && time.Since(r.pendingSince) < trailFor {
			return nil
		}
		r.learnStoredNow(ctx)
		return r.flushKnown(ctx)
	}
	r.learnStored(ctx)
	if n := len(r.pending); n > 0 && n < compareEvery && r.storedPending() == n {
		return nil
	}
	return r.flushKnown(ctx)
}

// apply applies one command message and leaves its output pending.
func (r *Replica) apply(m *replog.Msg) error {
	if m.Seq != r.seq+1 {
		return fmt.Errorf("%w: shard %d: message %d after %d", replog.ErrOutputGap, r.shard, m.Seq, r.seq)
	}
	isGlobal := m.Origin.Seq != 0
	if isGlobal {
		if m.Origin.Stream != r.cfg.globalName() || m.Origin.Seq != r.origin+1 {
			return &GlobalOrderError{Shard: r.shard, Seq: m.Seq, Want: r.origin + 1, Got: m.Origin.Seq}
		}
	}
	cmd, ok := r.decode(m.Data)
	if ok {
		rt := r.cfg.Route(&cmd)
		tick := !isGlobal && cmd.Kind == wire.CmdExpire && cmd.Category == 0 && cmd.Basis == 0
		if !tick && (rt.Global != isGlobal || !isGlobal && rt.Shard != r.shard) {
			// A misrouted command: every replica refuses it the same way.
			cmd, ok = wire.Command{}, false
		}
	}
	r.evs, _ = r.eng.Apply(m.Seq, &cmd, r.evs[:0])
	evs := r.evs
	// One allocation for the output of a typical command: an event's
	// encoding takes 30 to 60 bytes.
	data, at := appendOutput(make([]byte, 0, 16+64*len(evs)), m.Origin.Seq, evs)
	r.head = r.chain.next(r.head, m.Seq, m.Data, len(evs), data[at:])
	r.seq = m.Seq
	if isGlobal {
		r.origin = m.Origin.Seq
	}
	head := r.head
	if len(r.pending) == 0 {
		r.pendingSince = time.Now()
	}
	r.pending = append(r.pending, replog.Output{Seq: m.Seq, Head: head[:], Data: data})
	return nil
}

// decode decodes a command message. A payload over MaxPayload becomes a
// command the engine refuses with ReasonTooLarge, an undecodable one a
// command it refuses with ReasonInvalidCommand: each takes its seq and is
// refused identically on every replica.
func (r *Replica) decode(b []byte) (wire.Command, bool) {
	if len(b) > MaxPayload {
		return wire.Command{Name: tooLargeName}, false
	}
	cmd, n, err := wire.DecodeCommand(b)
	if err != nil || n != len(b) {
		return wire.Command{}, false
	}
	return cmd, true
}

var tooLargeName = strings.Repeat("x", wire.MaxStringLen+1)

// flush publishes the pending outputs. Those the output stream is known
// to hold already (a replica catching up) are compared with the stored
// ones (replog.CompareStored: one read of the last) and not appended
// again; the rest are put with replog.PutOutputs, which compares any it
// finds there.
func (r *Replica) flush(ctx context.Context) error {
	r.learnStored(ctx)
	return r.flushKnown(ctx)
}

// flushKnown is flush once stored is as up to date as learnStored makes
// it.
func (r *Replica) flushKnown(ctx context.Context) error {
	for len(r.pending) > 0 {
		err := r.cfg.Retry.Do(ctx, func(ctx context.Context) error {
			var done int
			var err error
			if k := r.storedPending(); k > 0 {
				done, err = replog.CompareStored(ctx, r.st.outs[r.shard], r.pending[:k])
			} else {
				done, err = replog.PutOutputs(ctx, r.st.outs[r.shard], r.pending)
			}
			r.pending = r.pending[done:]
			if errors.Is(err, replog.ErrTruncated) {
				// Aged out: nothing left to compare, up to the first
				// output retained when the error says which.
				skip := 1
				var te *replog.TruncatedError
				if errors.As(err, &te) {
					for skip < len(r.pending) && r.pending[skip].Seq < te.First {
						skip++
					}
				}
				r.pending = r.pending[skip:]
				return nil
			}
			if errors.Is(err, replog.ErrOutputGap) {
				// The output before is stored (this replica put it, or
				// the snapshot restored after it), so a stream answering
				// that it holds fewer is a stale server: a former leader
				// cut off by a partition answers until it learns it lost
				// the lead. Retry.
				return fmt.Errorf("%w: %w", replog.ErrTimeout, err)
			}
			return err
		})
		if errors.Is(err, replog.ErrDivergence) {
			r.err = err
		}
		if err != nil {
			return err
		}
	}
	r.pending = nil
	return nil
}

// catchUpOutputs is how many pending outputs make flush ask the output
// stream how far it reaches (one Info call): a batch that large comes from
// a backlog of commands, whose outputs another replica may have published.
const catchUpOutputs = 16

// learnStored reads the output stream's last seq into stored when the
// pending outputs are a backlog that goes beyond it. On an error it
// leaves stored as it is: PutOutputs then compares what it finds there.
func (r *Replica) learnStored(ctx context.Context) {
	if len(r.pending) < catchUpOutputs {
		return
	}
	r.learnStoredNow(ctx)
}

// learnStoredNow reads the output stream's last seq into stored unless
// stored covers the pending outputs already.
func (r *Replica) learnStoredNow(ctx context.Context) {
	if len(r.pending) == 0 || r.pending[len(r.pending)-1].Seq <= r.stored {
		return
	}
	var info replog.Info
	if err := r.cfg.Retry.Do(ctx, func(ctx context.Context) error {
		var err error
		info, err = r.st.outs[r.shard].Info(ctx)
		return err
	}); err == nil {
		r.stored = max(r.stored, info.Last)
	}
}

// storedPending returns how many of the pending outputs, from the first,
// are at or below stored.
func (r *Replica) storedPending() int {
	if len(r.pending) == 0 || r.pending[0].Seq > r.stored {
		return 0
	}
	return int(min(r.stored-r.pending[0].Seq+1, uint64(len(r.pending))))
}

// stepBatch is how many commands Run's Steps read at most: as many as a
// catching-up replica applies between two reads (a read returns what is
// there, so it costs a replica that keeps up nothing).
const stepBatch = 1024

// Run calls Step until ctx is done or Step fails with anything but a
// timeout; with owner set it also runs the owner duties (MaybeSnapshot)
// after every Step, whose commands it then bounds so that a snapshot falls
// due no later than SnapshotEvery commands after the last. While owner
// returns false (another node owns the shard) and commands come in
// batches, outputs that the owner publishes are compared rather than put
// again: each waits up to 100 ms (trailFor), then the pending ones are
// compared in one go and any not stored yet are put, so a shard whose
// owner is down still gets its outputs. It returns the error that ended
// it.
func (r *Replica) Run(ctx context.Context, owner func() bool) error {
	defer func() { r.trailing, r.deferring = false, false }()
	for {
		n := stepBatch
		r.trailing = owner != nil && !owner()
		if !r.trailing && owner != nil {
			n = r.untilSnapshot()
		}
		_, err := r.Step(ctx, n)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && !errors.Is(err, replog.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		if owner != nil && owner() {
			if _, err := r.MaybeSnapshot(ctx); err != nil && !errors.Is(err, replog.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
		}
	}
}

// untilSnapshot returns how many commands the owner may apply before a
// snapshot falls due by SnapshotEvery: 1 to stepBatch.
func (r *Replica) untilSnapshot() int {
	done := r.seq - r.lastSnap
	if done >= r.cfg.SnapshotEvery {
		return 1
	}
	return int(min(r.cfg.SnapshotEvery-done, stepBatch))
}

// MaybeSnapshot takes a snapshot if SnapshotEvery commands or
// SnapshotInterval passed since the last one; see Snapshot. Otherwise it
// does the purge of the last snapshot if that failed.
func (r *Replica) MaybeSnapshot(ctx context.Context) (bool, error) {
	now := r.cfg.Clock().UnixNano()
	if r.lastSnapAt == 0 {
		r.lastSnapAt = now
	}
	if r.seq == r.lastSnap || r.seq-r.lastSnap < r.cfg.SnapshotEvery && now-r.lastSnapAt < int64(r.cfg.SnapshotInterval) {
		return false, r.purge(ctx)
	}
	return true, r.Snapshot(ctx)
}

// Snapshot writes the shard's state at Seq to the object store (the
// owner's duty; any replica may), keeps the newest two snapshots, and
// purges the command stream before the seq after the older of them, so
// that recovery can fall back to it. Cost: O(state) plus the log calls.
func (r *Replica) Snapshot(ctx context.Context) error {
	if err := r.flush(ctx); err != nil {
		return err
	}
	b := appendSnapshot(nil, r.shard, r.cfg.Shards, r.origin, r.eng, r.seq, &r.head)
	name := snapshotName(r.shard, r.seq)
	if err := r.cfg.Retry.Do(ctx, func(ctx context.Context) error { return r.objs.Put(ctx, name, b) }); err != nil {
		return err
	}
	r.lastSnap, r.lastSnapAt = r.seq, r.cfg.Clock().UnixNano()
	names, err := r.snapshots(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(names, name) {
		// A listing may lag a put it follows (JetStream answers it from
		// a consumer that a follower can serve): the snapshot just
		// written is there all the same.
		names = append(names, name)
		slices.Sort(names)
	}
	if len(names) < 2 {
		return nil
	}
	for _, old := range names[:len(names)-2] {
		if err := r.cfg.Retry.Do(ctx, func(ctx context.Context) error { return r.objs.Delete(ctx, old) }); err != nil {
			return err
		}
	}
	var older uint64
	if _, err := fmt.Sscanf(names[len(names)-2], "shard-%05d-%020d", new(uint32), &older); err != nil {
		return fmt.Errorf("%w: name %s", ErrBadSnapshot, names[len(names)-2])
	}
	r.purgeBefore = max(r.purgeBefore, older+1)
	return r.purge(ctx)
}

// purge purges the command stream before purgeBefore, if a snapshot
// asked for it and it has not been done: MaybeSnapshot tries again after
// a purge that failed.
func (r *Replica) purge(ctx context.Context) error {
	if r.purgeBefore <= r.purged {
		return nil
	}
	before := r.purgeBefore
	if err := r.cfg.Retry.Do(ctx, func(ctx context.Context) error { return r.st.cmds[r.shard].Purge(ctx, before) }); err != nil {
		return err
	}
	r.purged = before
	return nil
}

// Tick appends an expiry of every market of the shard at time Now() to
// the shard's stream (the owner's ticker: expiry is a command in the log).
// Two owners ticking at the same time append one command (the message ID
// is the shard and the time).
func (r *Replica) Tick(ctx context.Context) (replog.Ack, error) {
	now := r.cfg.Now()
	b := wire.AppendCommand(nil, &wire.Command{Kind: wire.CmdExpire, Time: now})
	id := fmt.Sprintf("t.%d.%d", r.shard, now)
	var ack replog.Ack
	err := r.cfg.Retry.Do(ctx, func(ctx context.Context) error {
		var err error
		ack, err = r.st.cmds[r.shard].Append(ctx, b, replog.AppendOptions{ID: id})
		return err
	})
	return ack, err
}
