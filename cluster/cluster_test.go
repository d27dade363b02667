package cluster

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/replog"
	"github.com/agora-exchange/agora/replog/memlog"
	"github.com/agora-exchange/agora/wire"
)

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestRendezvousMovesFewShards: a node joining or leaving moves about S/N
// owners, and only to or from that node.
func TestRendezvousMovesFewShards(t *testing.T) {
	const shards = 2000
	nodes := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	owner := func(nodes []string) []string {
		out := make([]string, shards)
		for k := range uint32(shards) {
			out[k] = Rendezvous(k, nodes, 2)[0]
		}
		return out
	}
	before := owner(nodes)
	after := owner(append(slices.Clone(nodes), "i"))
	moved := 0
	for k := range before {
		if before[k] != after[k] {
			moved++
			require.Equal(t, "i", after[k], "a shard moves only to the new node")
		}
	}
	require.InDelta(t, shards/9, moved, shards/9/4, "moved %d of %d", moved, shards)
	gone := owner(nodes[1:])
	moved = 0
	for k := range before {
		if before[k] != gone[k] {
			moved++
			require.Equal(t, "a", before[k], "only the leaving node's shards move")
		}
	}
	require.InDelta(t, shards/8, moved, shards/8/4)
	reps := Rendezvous(7, nodes, 2)
	require.Len(t, reps, 2)
	require.NotEqual(t, reps[0], reps[1])
	require.Equal(t, reps, Rendezvous(7, []string{"h", "g", "f", "e", "d", "c", "b", "a"}, 2), "independent of the list's order")
}

func TestEnsureRecordedRefusesReshard(t *testing.T) {
	ctx := context.Background()
	log := memlog.New(memlog.Options{})
	defer log.Close()
	require.NoError(t, EnsureRecorded(ctx, log, Config{Shards: 4}))
	require.NoError(t, EnsureRecorded(ctx, log, Config{Shards: 4}))
	require.ErrorIs(t, EnsureRecorded(ctx, log, Config{Shards: 5}), ErrConfigMismatch)
}

func TestMembershipTTL(t *testing.T) {
	ctx := context.Background()
	log := memlog.New(memlog.Options{})
	defer log.Close()
	clock := &testClock{now: time.Unix(100, 0)}
	m, err := NewMembership(ctx, log, Config{Clock: clock.Now})
	require.NoError(t, err)
	require.NoError(t, m.Beat(ctx, "a"))
	clock.Advance(2 * time.Second)
	require.NoError(t, m.Beat(ctx, "b"))
	live, err := m.Live(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, live)
	clock.Advance(1500 * time.Millisecond)
	live, err = m.Live(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"b"}, live, "a's heartbeat is older than the TTL")
	require.NoError(t, m.Leave(ctx, "b"))
	live, err = m.Live(ctx)
	require.NoError(t, err)
	require.Empty(t, live)
	require.ErrorIs(t, m.Beat(ctx, "bad.name"), ErrInvalidConfig)
}

type fill struct {
	key               wire.MarketKey
	taker, maker      uint64 // client order IDs
	price             int64
	qty               int64
	takerPart, makerP uint32
}

func fillsOf(evs []wire.Event, dst map[wire.MarketKey][]fill) {
	for _, ev := range evs {
		if ev.Kind == wire.EventFill {
			dst[ev.Key()] = append(dst[ev.Key()], fill{key: ev.Key(), taker: ev.ClientOrderID, maker: ev.MakerClientOrderID,
				price: int64(ev.Price), qty: int64(ev.Qty), takerPart: uint32(ev.Participant), makerP: uint32(ev.MakerParticipant)})
		}
	}
}

// TestClusterCrashes runs random commands through gateways and nodes of a
// cluster on a faulty in-memory log, crashing gateways mid-call and nodes
// at random points, over many seeds (AGORA_CLUSTER_SEEDS, default 200; CI's
// long run uses 1000). It checks that no acknowledged command is lost or
// stored twice, that every shard sees the global commands in one relative
// order, that the fills equal a single engine fed a merge of the shard
// streams, and that a fresh replica of every shard reproduces the stored
// outputs and heads.
func TestClusterCrashes(t *testing.T) {
	seeds := 200
	if s, err := strconv.Atoi(os.Getenv("AGORA_CLUSTER_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { clusterRun(t, seed, 40) })
	}
}

func clusterRun(t *testing.T, seed uint64, commands int) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := rand.New(rand.NewPCG(seed, 99))
	log := memlog.New(memlog.Options{Seed: seed})
	t.Cleanup(log.Close)
	log.SetFaults(memlog.Faults{DropRequest: 0.03, DropReply: 0.03, HoldSource: 0.3, StaleLast: 0.05})
	clock := &testClock{now: time.Unix(1_000, 0)}
	var now atomic.Int64
	cfg := Config{
		Shards: uint32(1 + seed%4), SnapshotEvery: 8, Clock: clock.Now,
		Now:   func() int64 { return now.Add(1) },
		Retry: replog.Retry{CallTimeout: 50 * time.Millisecond, Backoff: 50 * time.Microsecond, Attempts: 5000},
	}
	c, err := cfg.withDefaults()
	require.NoError(t, err)
	names := []string{"n0", "n1", "n2"}
	nodes := map[string]*Node{}
	var dead []*Node
	start := func(name string) {
		n, err := NewNode(ctx, log, cfg, name)
		require.NoError(t, err)
		nodes[name] = n
	}
	syncAll := func() {
		for _, name := range names {
			if n := nodes[name]; n != nil {
				_, err := n.Sync(ctx)
				require.NoError(t, err)
			}
		}
	}
	for _, name := range names {
		start(name)
	}
	syncAll()
	t.Cleanup(func() {
		for _, n := range nodes {
			n.Crash()
		}
	})
	gw := func() *Gateway {
		g, err := NewGateway(ctx, log, cfg)
		require.NoError(t, err)
		return g
	}
	st, err := openStreams(ctx, log, &c)
	require.NoError(t, err)
	history := make([][]replog.Msg, c.Shards)
	record := func(k uint32, upto uint64) {
		for uint64(len(history[k])) < upto {
			var msgs []replog.Msg
			err := c.Retry.Do(ctx, func(ctx context.Context) error {
				var err error
				msgs, err = st.cmds[k].Read(ctx, uint64(len(history[k]))+1, int(upto)-len(history[k]))
				return err
			})
			require.NoError(t, err, "shard %d: the recorder fell behind a purge", k)
			history[k] = append(history[k], msgs...)
		}
	}
	g := newGen(t, seed, 6)
	gateway := gw()
	for i := range commands {
		switch x := r.IntN(100); {
		case x < 6 && len(nodes) > 1: // crash a node
			live := slices.Sorted(func(yield func(string) bool) {
				for n := range nodes {
					if !yield(n) {
						return
					}
				}
			})
			name := live[r.IntN(len(live))]
			nodes[name].Crash()
			dead = append(dead, nodes[name])
			delete(nodes, name)
			clock.Advance(c.TTL + time.Second)
			syncAll()
		case x < 10: // restart the crashed nodes
			for _, name := range names {
				if nodes[name] == nil {
					start(name)
				}
			}
			syncAll()
		}
		cmd := g.next()
		req := fmt.Sprint("q", i)
		if r.IntN(10) == 0 { // the gateway crashes during the call
			short, cancel := context.WithTimeout(ctx, time.Duration(r.IntN(300))*time.Microsecond)
			_, _ = gateway.Submit(short, req, cmd)
			cancel()
			gateway = gw()
		}
		ack, err := gateway.Submit(ctx, req, cmd)
		require.NoError(t, err)
		if r.IntN(10) == 0 { // the ack was lost: the client retries
			again, err := gw().Submit(ctx, req, cmd)
			require.NoError(t, err)
			require.Equal(t, ack, again, "a retry within the window is the same command")
		}
		res, err := gateway.Wait(ctx, ack)
		require.NoError(t, err)
		if ack.Global {
			for k, at := range ack.At {
				record(uint32(k), at)
				require.Equal(t, ack.Seq, history[k][at-1].Origin.Seq)
			}
			g.learn(cmd, res.ByShard[0])
		} else {
			record(ack.Shard, ack.Seq)
			require.Equal(t, "c."+req, history[ack.Shard][ack.Seq-1].ID, "the acked command is at its seq")
			g.learn(cmd, res.Events)
		}
	}
	log.SetFaults(memlog.Faults{})
	for _, n := range dead {
		require.Empty(t, n.Errors())
	}
	for _, n := range nodes {
		require.Empty(t, n.Errors(), "no replica stopped")
	}
	for k := range c.Shards {
		info, err := st.cmds[k].Info(ctx)
		require.NoError(t, err)
		record(k, info.Last)
	}

	// Exactly once, and globals in one order.
	seen := map[string]bool{}
	for k, h := range history {
		var origin uint64
		for _, m := range h {
			if m.Origin.Seq != 0 {
				require.Equal(t, origin+1, m.Origin.Seq, "shard %d: globals in global order", k)
				origin = m.Origin.Seq
				continue
			}
			require.True(t, strings.HasPrefix(m.ID, "c."), m.ID)
			require.False(t, seen[m.ID], "%s stored twice", m.ID)
			seen[m.ID] = true
		}
	}

	// Outputs: every seq has one, and a fresh replica reproduces them.
	clusterFills := map[wire.MarketKey][]fill{}
	cidOf := map[wire.OrderID]uint64{}
	for k := range c.Shards {
		fresh, err := NewReplica(ctx, log, cfg, k)
		require.NoError(t, err)
		if fresh.Seq() == 0 { // a snapshot is not required: replay from 1
			for fresh.Seq() < uint64(len(history[k])) {
				_, err := fresh.Step(ctx, 100)
				require.NoError(t, err)
			}
		}
		for fresh.Seq() < uint64(len(history[k])) {
			_, err := fresh.Step(ctx, 100)
			require.NoError(t, err, "a fresh replica agrees with every stored output")
		}
		for seq := uint64(1); seq <= uint64(len(history[k])); seq++ {
			msgs, err := st.outs[k].Read(ctx, seq, 1)
			require.NoError(t, err)
			_, evs, err := DecodeOutput(msgs[0].Data, nil)
			require.NoError(t, err)
			fillsOf(evs, clusterFills)
			for _, ev := range evs {
				if ev.Kind == wire.EventAccepted && ev.Command == wire.CmdPlace {
					cidOf[ev.OrderID] = ev.ClientOrderID
				}
			}
		}
	}

	// The reference: one engine fed the shard streams merged at the
	// globals.
	ref, err := engine.New(engine.Config{})
	require.NoError(t, err)
	refID := map[uint64]wire.OrderID{}
	refFills := map[wire.MarketKey][]fill{}
	var refSeq uint64
	apply := func(m replog.Msg) {
		cmd, _, err := wire.DecodeCommand(m.Data)
		require.NoError(t, err)
		if cmd.Kind == wire.CmdCancel || cmd.Kind == wire.CmdAmend {
			cmd.OrderID = refID[cidOf[cmd.OrderID]]
		}
		refSeq++
		evs, _ := ref.Apply(refSeq, &cmd, nil)
		for _, ev := range evs {
			if ev.Kind == wire.EventAccepted && cmd.Kind == wire.CmdPlace {
				refID[ev.ClientOrderID] = ev.OrderID
			}
		}
		fillsOf(evs, refFills)
	}
	idx := make([]int, c.Shards)
	for {
		progressed := false
		for k := range history {
			for idx[k] < len(history[k]) && history[k][idx[k]].Origin.Seq == 0 {
				apply(history[k][idx[k]])
				idx[k]++
				progressed = true
			}
		}
		if idx[0] == len(history[0]) {
			for k := range history {
				require.Equal(t, len(history[k]), idx[k], "shard %d holds a global that shard 0 lacks", k)
			}
			break
		}
		head := history[0][idx[0]]
		for k := range history {
			require.Less(t, idx[k], len(history[k]))
			require.Equal(t, head.Origin.Seq, history[k][idx[k]].Origin.Seq, "shard %d: one relative order of globals", k)
			idx[k]++
		}
		apply(head)
		_ = progressed
	}
	require.Equal(t, refFills, clusterFills, "fills equal the single-engine reference")
}
