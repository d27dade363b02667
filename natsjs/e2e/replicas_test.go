package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/cluster"
	"github.com/agora-exchange/agora/replog"
	"github.com/agora-exchange/agora/wire"
)

// setup starts a cluster of cfg with the named Agora nodes on urls (all
// servers when ""), a gateway and registered participants.
func setup(t *testing.T, ctx context.Context, c *Cluster, cfg cluster.Config, urls string, names ...string) (map[string]*Node, *cluster.Gateway, []uint32) {
	t.Helper()
	if urls == "" {
		urls = c.URLs()
	}
	nodes := map[string]*Node{}
	for _, name := range names {
		nd, err := StartNode(ctx, urls, name, cfg)
		require.NoError(t, err)
		nodes[name] = nd
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("node %s errors: %v", name, nd.Node.Errors())
			}
			require.NoError(t, nd.Crash(), "node %s ran until the test stopped it", name)
		})
	}
	g, closeG, err := Gateway(ctx, urls, cfg)
	require.NoError(t, err)
	t.Cleanup(closeG)
	ps, err := Register(ctx, g, 4)
	require.NoError(t, err)
	parts := make([]uint32, len(ps))
	for i, p := range ps {
		parts[i] = uint32(p)
	}
	return nodes, g, parts
}

// TestReplicaDeterminism: two Agora nodes apply the same shard and publish
// identical outputs (each compares its heads with the stored ones), and
// two more replicas started from scratch reach the same head.
func TestReplicaDeterminism(t *testing.T) {
	t.Parallel() // each test runs its own cluster
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg := testConfig("DET", 1)
	nodes, g, parts := setup(t, ctx, c, cfg, "", "a", "b")
	var progress atomic.Int64
	acks := submitAll(t, ctx, g, parts, 1500, 16, &progress)
	res := verify(t, ctx, newLog(t, connect(t, c)), cfg, acks, 0)
	require.Positive(t, res.fills)
	for name, nd := range nodes {
		require.Empty(t, nd.Node.Errors(), "node %s agrees with every stored output", name)
	}
	var heads [][32]byte
	for i := range 2 {
		l := newLog(t, connect(t, c))
		r, err := cluster.NewReplica(ctx, l, cfg, 0)
		require.NoError(t, err)
		info, err := l.Stream(ctx, replog.StreamConfig{Name: "DET_CMD_0", Duplicates: cfg.Duplicates, Sources: []string{"DET_GLOBAL"}})
		require.NoError(t, err)
		in, err := info.Info(ctx)
		require.NoError(t, err)
		for r.Seq() < in.Last {
			_, err := r.Step(ctx, 256)
			require.NoError(t, err, "replica %d", i)
		}
		heads = append(heads, r.Head())
	}
	require.Equal(t, heads[0], heads[1])
	require.NotEqual(t, [32]byte{}, heads[0])
}

// TestRestartCatchUp: an Agora node that crashed catches up from the
// stream after a restart, and a replica started after the owner
// snapshotted and purged the stream restores the snapshot and catches up;
// a read from seq 1 then names the truncation.
func TestRestartCatchUp(t *testing.T) {
	t.Parallel() // each test runs its own cluster
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg := testConfig("RST", 2)
	cfg.Replicas = 1
	cfg.SnapshotEvery = 300
	nodes, g, parts := setup(t, ctx, c, cfg, "", "a", "b")
	var progress atomic.Int64
	acks := submitAll(t, ctx, g, parts, 600, 16, &progress)
	require.NoError(t, nodes["a"].Crash())
	more := submitAllFrom(t, ctx, g, parts, 600, 1200, 16)
	for k, v := range more {
		acks[k] = v
	}
	a, err := StartNode(ctx, c.URLs(), "a", cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Crash() })
	more = submitAllFrom(t, ctx, g, parts, 1200, 1800, 16)
	for k, v := range more {
		acks[k] = v
	}
	l := newLog(t, connect(t, c))
	// Snapshots were taken and the streams purged before the older one.
	objs, err := l.Objects(ctx, "RST_SNAPSHOTS")
	require.NoError(t, err)
	waitFor(t, 20*time.Second, "snapshots of both shards", func() bool {
		names, err := objs.List(ctx)
		return err == nil && strings.Count(strings.Join(names, " "), "shard-00000") >= 2 && strings.Count(strings.Join(names, " "), "shard-00001") >= 2
	})
	for k := range cfg.Shards {
		s, err := l.Stream(ctx, replog.StreamConfig{Name: fmt.Sprintf("RST_CMD_%d", k), Duplicates: cfg.Duplicates, Sources: []string{"RST_GLOBAL"}})
		require.NoError(t, err)
		var info replog.Info
		deadline := time.Now().Add(30 * time.Second)
		for {
			info, err = s.Info(ctx)
			if err == nil && info.First > 1 {
				break
			}
			if time.Now().After(deadline) {
				names, lerr := objs.List(ctx)
				t.Fatalf("shard %d: no purge: info %+v, %v; snapshots %v, %v; node errors %v %v %v", k, info, err, names, lerr,
					nodes["a"].Node.Errors(), nodes["b"].Node.Errors(), a.Node.Errors())
			}
			time.Sleep(20 * time.Millisecond)
		}
		_, err = s.Read(ctx, 1, 10)
		var te *replog.TruncatedError
		require.ErrorAs(t, err, &te)
		require.Equal(t, uint64(1), te.Requested)
		require.GreaterOrEqual(t, te.First, info.First)
		// A new replica restores the newest snapshot and catches up.
		r, err := cluster.NewReplica(ctx, l, cfg, k)
		require.NoError(t, err)
		require.Greater(t, r.Seq(), uint64(0), "restored from a snapshot")
		for r.Seq() < info.Last {
			_, err := r.Step(ctx, 256)
			require.NoError(t, err)
		}
		out, err := l.Stream(ctx, replog.StreamConfig{Name: fmt.Sprintf("RST_OUT_%d", k), Duplicates: cfg.Duplicates, MaxAge: 24 * time.Hour})
		require.NoError(t, err)
		var m []replog.Msg
		waitFor(t, 20*time.Second, "the output of the last command", func() bool {
			m, err = out.Read(ctx, r.Seq(), 1)
			return err == nil
		})
		head := r.Head()
		require.Equal(t, head[:], m[0].Head, "shard %d: the caught-up replica's head is the stored one", k)
	}
	// Every acked command is in its stream at its seq (from the retained
	// part), once.
	for k := range cfg.Shards {
		s, err := l.Stream(ctx, replog.StreamConfig{Name: fmt.Sprintf("RST_CMD_%d", k), Duplicates: cfg.Duplicates, Sources: []string{"RST_GLOBAL"}})
		require.NoError(t, err)
		info, err := s.Info(ctx)
		require.NoError(t, err)
		msgs, err := ReadAll(ctx, s, info.First, info.Last)
		require.NoError(t, err)
		for req, ack := range acks {
			if ack.Shard == k && ack.Seq >= info.First {
				require.Equal(t, "c."+req, msgs[ack.Seq-info.First].ID)
			}
		}
	}
	for name, nd := range nodes {
		require.Empty(t, nd.Node.Errors(), name)
	}
	require.Empty(t, a.Node.Errors())
}

// submitAllFrom submits commands from..to-1 of the crossing flow.
func submitAllFrom(t *testing.T, ctx context.Context, g *cluster.Gateway, parts []uint32, from, to, workers int) map[string]cluster.Ack {
	t.Helper()
	markets, err := Markets(8)
	require.NoError(t, err)
	acks := map[string]cluster.Ack{}
	for i := int64(from); i < int64(to); i++ {
		req := fmt.Sprintf("q%d", i)
		cmd := Place(partOf(parts, i), markets[i%int64(len(markets))], uint64(i+1), i/8%2 == 1)
		var ack cluster.Ack
		for attempt := 0; ; attempt++ {
			ack, err = g.Submit(ctx, req, cmd)
			if err == nil || ctx.Err() != nil || attempt == 50 {
				break
			}
		}
		require.NoError(t, err, req)
		acks[req] = ack
	}
	return acks
}

// TestPartition isolates the NATS leader of a shard's command stream
// through the route proxies: appends through it are not acknowledged,
// service continues on the majority, and after healing nothing acked is
// lost, nothing is stored twice and nothing diverges.
func TestPartition(t *testing.T) {
	// Not in parallel with the others: on a loaded machine the healed
	// streams were seen to stay behind for over a minute.
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cfg := testConfig("PART", 2)
	began, last := time.Now(), time.Now()
	phase := func(name string) { // where the time went, when a run is slow
		t.Logf("%s: %v (%v in all)", name, time.Since(last).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
		last = time.Now()
	}
	// Create the streams, then find the leader of shard 0's.
	g0, close0, err := Gateway(ctx, c.URLs(), cfg)
	require.NoError(t, err)
	close0()
	_ = g0
	l := newLog(t, connect(t, c))
	leader, err := StreamLeader(ctx, l.JetStream(), c, "PART_CMD_0")
	require.NoError(t, err)
	var majority []string
	for i := range c.N() {
		if i != leader {
			majority = append(majority, c.URL(i))
		}
	}
	urls := strings.Join(majority, ",")
	nodes, g, parts := setup(t, ctx, c, cfg, urls, "a", "b")
	acks := submitAllFrom(t, ctx, g, parts, 0, 300, 1)
	phase("setup and 300 commands")

	// A gateway on the leader alone.
	iso, closeIso, err := Gateway(ctx, c.URL(leader), cfg)
	require.NoError(t, err)
	defer closeIso()
	require.NoError(t, c.Partition(leader))
	markets, err := Markets(8)
	require.NoError(t, err)
	// Find a market of shard 0 for the isolated appends.
	var m0 wire.MarketKey
	for _, m := range markets {
		if cluster.ShardOf(m, cfg.Shards) == 0 {
			m0 = m
			break
		}
	}
	require.NotZero(t, m0)
	for i := range 3 {
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := iso.Submit(short, fmt.Sprintf("iso%d", i), Place(catalog.ParticipantID(parts[0]), m0, uint64(900_000+i), false))
		cancel()
		require.Error(t, err, "an append through the isolated leader is not acknowledged")
	}
	phase("3 appends through the isolated leader refused")
	// The majority serves (a new leader within the failover allowance).
	more := submitAllFrom(t, ctx, g, parts, 300, 600, 1)
	phase("300 commands through the majority")
	for k, v := range more {
		acks[k] = v
	}
	require.NoError(t, c.Heal(leader))
	more = submitAllFrom(t, ctx, g, parts, 600, 700, 1)
	for k, v := range more {
		acks[k] = v
	}
	phase("healed, 100 commands")
	res := verify(t, ctx, l, cfg, acks, 0)
	phase("verified")
	require.Equal(t, 700, res.commands)
	for name, nd := range nodes {
		require.Empty(t, nd.Node.Errors(), name)
	}
}

// TestGlobalFanOut: global commands reach every shard, in one order,
// while the leaders of the global stream and of a shard stream are
// killed (the global stream's leader; with AGORA_E2E_LONG set also a
// shard stream's: each costs JetStream a source recovery of about 10 s);
// then a local message whose ID collides with a global's is
// caught: the shard loses the sourced global, and its replica stops with
// a global order error instead of absorbing the loss.
func TestGlobalFanOut(t *testing.T) {
	t.Parallel() // each test runs its own cluster
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cfg := testConfig("FAN", 3)
	nodes, g, parts := setup(t, ctx, c, cfg, "", "a", "b")
	l := newLog(t, connect(t, c))
	acks := map[string]cluster.Ack{}
	submitGlobal := func(req string, p uint32, rating uint8) {
		var ack cluster.Ack
		var err error
		for attempt := 0; attempt < 50; attempt++ {
			actx, cancel := context.WithTimeout(ctx, 10*time.Second)
			ack, err = g.Submit(actx, req, wire.Command{Kind: wire.CmdSetRating, Participant: catalog.ParticipantID(p), Rating: rating})
			cancel()
			if err == nil || ctx.Err() != nil {
				break
			}
			for k := range cfg.Shards {
				s, _ := l.JetStream().Stream(ctx, fmt.Sprintf("FAN_CMD_%d", k))
				if s != nil {
					in, _ := s.Info(ctx)
					if in != nil {
						t.Logf("%s attempt %d: %v; shard %d state %+v sources %+v", req, attempt, err, k, in.State.LastSeq, in.Sources[0])
					}
				}
			}
		}
		require.NoError(t, err, req)
		require.True(t, ack.Global)
		acks[req] = ack
	}
	for i := range 60 {
		switch i {
		case 20, 40:
			if i == 40 && os.Getenv("AGORA_E2E_LONG") == "" {
				break // a shard leader's kill costs another source recovery
			}
			name := "FAN_GLOBAL"
			if i == 40 {
				name = "FAN_CMD_2"
			}
			leader, err := StreamLeader(ctx, l.JetStream(), c, name)
			require.NoError(t, err)
			c.Stop(leader)
			t.Logf("stopped %s, leader of %s", Name(leader), name)
			defer func() { require.NoError(t, c.Restart(leader)) }()
		case 30, 50:
			for j := range c.N() {
				if c.URL(j) == "" {
					require.NoError(t, c.Restart(j))
				}
			}
		}
		submitGlobal(fmt.Sprintf("r%d", i), parts[i%len(parts)], uint8(1+i%5))
	}
	res := verify(t, ctx, l, cfg, acks, 0, 1, 2)
	require.Equal(t, 0, res.commands)
	for name, nd := range nodes {
		require.Empty(t, nd.Node.Errors(), name)
	}

	// The collision: a local message on shard 1 under the ID the next
	// global will carry.
	s1, err := l.Stream(ctx, replog.StreamConfig{Name: "FAN_CMD_1", Duplicates: cfg.Duplicates, Sources: []string{"FAN_GLOBAL"}})
	require.NoError(t, err)
	_, err = s1.Append(ctx, []byte("colliding"), replog.AppendOptions{ID: "g.collide"})
	require.NoError(t, err)
	short, cancelShort := context.WithTimeout(ctx, 3*time.Second)
	_, err = g.Submit(short, "collide", wire.Command{Kind: wire.CmdSetRating, Participant: catalog.ParticipantID(parts[0]), Rating: 3})
	cancelShort()
	require.Error(t, err, "the global never reaches shard 1, so it is never acknowledged")
	short, cancelShort = context.WithTimeout(ctx, 3*time.Second)
	_, _ = g.Submit(short, "after", wire.Command{Kind: wire.CmdSetRating, Participant: catalog.ParticipantID(parts[1]), Rating: 4})
	cancelShort()
	waitFor(t, 20*time.Second, "the global order error", func() bool {
		for _, nd := range nodes {
			for _, err := range nd.Node.Errors() {
				var ge *cluster.GlobalOrderError
				if errors.As(err, &ge) && ge.Shard == 1 && ge.Got > ge.Want {
					return true
				}
			}
		}
		return false
	})
}
