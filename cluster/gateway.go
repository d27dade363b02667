package cluster

import (
	"context"
	"errors"
	"fmt"

	"github.com/agora-exchange/agora/replog"
	"github.com/agora-exchange/agora/wire"
)

// Gateway is the front door of a cluster: Submit appends a command to its
// stream, Wait returns its events. It holds no state of its own beyond the
// stream handles, per shard one reader of the outputs that serves all its
// Waits (running only while someone waits), and per stream the appends
// queued behind the batch on its way (a sender runs only while any are
// queued), so any number of gateways may run, and a crashed one is
// replaced by another with nothing lost: an append it had queued was
// never acknowledged. It is safe for concurrent use.
type Gateway struct {
	cfg     Config
	st      *streams
	tails   []*outputTail
	cmdQ    []*appendQueue // per shard stream
	globalQ *appendQueue
}

// Ack is the acknowledgement of a submitted command: it is durable in the
// log. A local command is command Seq of shard Shard. A global one is
// message Seq of the global stream, and command At[k] of every shard k.
type Ack struct {
	Global bool
	Shard  uint32
	Seq    uint64
	At     []uint64
}

// Result is the outcome of an acknowledged command. Events are the events
// of a local command, or of a global one at shard 0; ByShard holds a
// global command's events at every shard (each shard applies it to its
// own markets: a suspension cancels that shard's orders).
type Result struct {
	Events  []wire.Event
	ByShard [][]wire.Event
}

// NewGateway returns a gateway on log. Errors: ErrInvalidConfig, the log's.
func NewGateway(ctx context.Context, log replog.Log, cfg Config) (*Gateway, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	st, err := openStreams(ctx, log, &c)
	if err != nil {
		return nil, err
	}
	g := &Gateway{cfg: c, st: st, tails: make([]*outputTail, len(st.outs)), cmdQ: make([]*appendQueue, len(st.cmds))}
	for k, s := range st.outs {
		g.tails[k] = newOutputTail(s, c.Retry)
	}
	for k, s := range st.cmds {
		g.cmdQ[k] = newAppendQueue(s, c.Retry)
	}
	g.globalQ = newAppendQueue(st.global, c.Retry)
	return g, nil
}

// Submit stamps cmd.Time with Now(), encodes it (nothing undecodable is
// ever appended), routes it (RouteOf) and appends it under a message ID
// made of requestID, namespaced by stream ("c." for a shard stream, "g."
// for the global stream, so a sourced global never collides with a local
// command). It returns once the append is durable in the log; a global
// command returns only once every shard's output holds it, so a command
// submitted after it can never overtake it at any shard. Concurrent
// Submits to one stream share round trips: their appends are sent in
// pipelined batches (group commit), each answered on its own.
//
// Request IDs are chosen by the client, unique per command. A Submit
// retried under the same requestID within the dedupe window
// (Config.Duplicates) returns the first one's Ack and is applied once; a
// retry after the window is a new command.
//
// Errors: ErrInvalidRequest (empty requestID, a command that does not
// encode within MaxPayload), replog.ErrTimeout when the log did not answer
// within the retries (the outcome is unknown: retry), the context's.
func (g *Gateway) Submit(ctx context.Context, requestID string, cmd wire.Command) (Ack, error) {
	if requestID == "" {
		return Ack{}, fmt.Errorf("%w: empty request ID", ErrInvalidRequest)
	}
	cmd.Time = g.cfg.Now()
	b := wire.AppendCommand(nil, &cmd)
	if len(b) > MaxPayload {
		return Ack{}, fmt.Errorf("%w: %d bytes", ErrInvalidRequest, len(b))
	}
	if _, n, err := wire.DecodeCommand(b); err != nil || n != len(b) {
		return Ack{}, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	rt := g.cfg.Route(&cmd)
	if !rt.Global {
		ack, err := g.append(ctx, g.cmdQ[rt.Shard], b, "c."+requestID)
		if err != nil {
			return Ack{}, err
		}
		return Ack{Shard: rt.Shard, Seq: ack.Seq}, nil
	}
	// Where to look for the global at each shard: after the shard's end
	// before the append (from the start for a retry).
	from := make([]uint64, g.cfg.Shards)
	for k, s := range g.st.cmds {
		info, err := g.info(ctx, s)
		if err != nil {
			return Ack{}, err
		}
		from[k] = info.Last + 1
	}
	ack, err := g.append(ctx, g.globalQ, b, "g."+requestID)
	if err != nil {
		return Ack{}, err
	}
	if ack.Duplicate {
		for k, s := range g.st.cmds {
			info, err := g.info(ctx, s)
			if err != nil {
				return Ack{}, err
			}
			from[k] = info.First
		}
	}
	out := Ack{Global: true, Seq: ack.Seq, At: make([]uint64, g.cfg.Shards)}
	for k := range g.st.cmds {
		at, err := g.findGlobal(ctx, uint32(k), from[k], ack.Seq)
		if err != nil {
			return Ack{}, err
		}
		out.At[k] = at
		if _, err := g.output(ctx, uint32(k), at); err != nil {
			return Ack{}, err
		}
	}
	return out, nil
}

func (g *Gateway) append(ctx context.Context, q *appendQueue, b []byte, id string) (replog.Ack, error) {
	var ack replog.Ack
	err := g.cfg.Retry.Do(ctx, func(ctx context.Context) error {
		var err error
		ack, err = q.append(ctx, b, id)
		return err
	})
	return ack, err
}

func (g *Gateway) info(ctx context.Context, s replog.Stream) (replog.Info, error) {
	var info replog.Info
	err := g.cfg.Retry.Do(ctx, func(ctx context.Context) error {
		var err error
		info, err = s.Info(ctx)
		return err
	})
	return info, err
}

// findGlobal returns the seq of global message origin in shard k's stream,
// scanning from seq from. A later global found first means it was lost
// there (a *GlobalOrderError).
func (g *Gateway) findGlobal(ctx context.Context, k uint32, from, origin uint64) (uint64, error) {
	for {
		var msgs []replog.Msg
		err := g.cfg.Retry.Do(ctx, func(ctx context.Context) error {
			var err error
			msgs, err = g.st.cmds[k].Read(ctx, from, 256)
			return err
		})
		var te *replog.TruncatedError
		if errors.As(err, &te) && te.First > from {
			from = te.First
			continue
		}
		if err != nil {
			return 0, err
		}
		for _, m := range msgs {
			if m.Origin.Seq == origin {
				return m.Seq, nil
			}
			if m.Origin.Seq > origin {
				return 0, &GlobalOrderError{Shard: k, Seq: m.Seq, Want: origin, Got: m.Origin.Seq}
			}
			from = m.Seq + 1
		}
	}
}

// output waits for output seq of shard k.
func (g *Gateway) output(ctx context.Context, k uint32, seq uint64) (replog.Msg, error) {
	return g.tails[k].wait(ctx, seq)
}

// Wait waits until the output of ack is published, or ctx is done, and
// returns its events. Waits on one shard share one reader of its outputs,
// which keeps the last 1,024 it read for Waits that come after it: a
// client's Wait often follows its output. Errors: ErrBadOutput,
// *replog.TruncatedError (the output aged out, see Config.OutputMaxAge,
// unless it is among those kept), the log's errors, and ctx's wrapped in
// replog.ErrTimeout.
func (g *Gateway) Wait(ctx context.Context, ack Ack) (Result, error) {
	if !ack.Global {
		if ack.Shard >= g.cfg.Shards {
			return Result{}, fmt.Errorf("%w: shard %d", ErrInvalidRequest, ack.Shard)
		}
		m, err := g.output(ctx, ack.Shard, ack.Seq)
		if err != nil {
			return Result{}, err
		}
		_, evs, err := DecodeOutput(m.Data, nil)
		return Result{Events: evs}, err
	}
	if len(ack.At) != int(g.cfg.Shards) {
		return Result{}, fmt.Errorf("%w: global ack for %d shards", ErrInvalidRequest, len(ack.At))
	}
	res := Result{ByShard: make([][]wire.Event, g.cfg.Shards)}
	for k, at := range ack.At {
		m, err := g.output(ctx, uint32(k), at)
		if err != nil {
			return Result{}, err
		}
		origin, evs, err := DecodeOutput(m.Data, nil)
		if err != nil {
			return Result{}, err
		}
		if origin != ack.Seq {
			return Result{}, fmt.Errorf("%w: shard %d output %d holds global %d, not %d", ErrBadOutput, k, at, origin, ack.Seq)
		}
		res.ByShard[k] = evs
	}
	res.Events = res.ByShard[0]
	return res, nil
}
