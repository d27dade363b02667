package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/cluster"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/replog/memlog"
	"github.com/agora-exchange/agora/wire"
)

// poolCluster is a sharded cluster on the in-memory log, one node applying
// every shard, and a gateway.
type poolCluster struct {
	t   *testing.T
	ctx context.Context
	cfg cluster.Config
	g   *cluster.Gateway
	n   int // request IDs
}

func newPoolCluster(t *testing.T, cfg cluster.Config) *poolCluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	log := memlog.New(memlog.Options{})
	t.Cleanup(log.Close)
	cfg.Heartbeat, cfg.TTL = 50*time.Millisecond, time.Second
	node, err := cluster.NewNode(ctx, log, cfg, "node-a")
	require.NoError(t, err)
	nctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- node.Run(nctx, 0) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("node: %v", err)
		}
	})
	g, err := cluster.NewGateway(ctx, log, cfg)
	require.NoError(t, err)
	return &poolCluster{t: t, ctx: ctx, cfg: cfg, g: g}
}

// submit submits cmd and returns its shard and its events.
func (c *poolCluster) submit(cmd wire.Command) (uint32, []wire.Event) {
	c.t.Helper()
	c.n++
	ack, err := c.g.Submit(c.ctx, fmt.Sprint("req-", c.n), cmd)
	require.NoError(c.t, err)
	res, err := c.g.Wait(c.ctx, ack)
	require.NoError(c.t, err)
	return ack.Shard, res.Events
}

// poolTrade is a pool fill without its IDs, which depend on the shard
// layout.
type poolTrade struct {
	buyer, seller                     catalog.ParticipantID
	qty                               catalog.Qty
	price, sellerPrice, transport, gd catalog.Price
}

func poolOutcome(evs []wire.Event) (trades []poolTrade, notified []catalog.ParticipantID, rejected []wire.RejectReason) {
	for _, e := range evs {
		switch e.Kind {
		case wire.EventPoolFill:
			trades = append(trades, poolTrade{e.Participant, e.MakerParticipant, e.Qty, e.Price, e.SellerPrice, e.Transport, e.GradeDiff})
		case wire.EventNotified:
			notified = append(notified, e.Participant)
		case wire.EventRejected:
			rejected = append(rejected, e.Reject)
		}
	}
	return trades, notified, rejected
}

// TestShardedPool: in a 3-shard cluster whose engines declare the cement
// group as a pool root, every placement of the group's leaves reaches the
// pool on the pool's shard, whatever shard its own category and basis hash
// to, and the cluster trades, notifies and refuses exactly what a single
// exchange does on the same commands. An undeclared root is refused.
func TestShardedPool(t *testing.T) {
	d, err := catalog.SampleCement()
	require.NoError(t, err)
	group, _ := d.Taxonomy.ByCode("23.51")
	cem1, _ := d.Taxonomy.ByCode("23.51.12")
	cem2, _ := d.Taxonomy.ByCode("23.51.13")
	minerals, _ := d.Taxonomy.ByCode("23")
	basis := func(code string) catalog.BasisID {
		b, ok := d.Bases.ByCode(code)
		require.True(t, ok, code)
		return b.ID
	}
	grade := func(code string) catalog.Grade {
		g, err := d.Grades.ByCode(group.ID, code)
		require.NoError(t, err)
		return g.Grade
	}
	msk, tul, rzn, vrn := basis("MSK"), basis("TUL"), basis("RZN"), basis("VRN")
	eng := engine.Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport}
	cfg := cluster.Config{Shards: 3, Engine: eng}
	cfg.Engine.PoolRoots = []catalog.CategoryID{group.ID}
	c := newPoolCluster(t, cfg)
	x, err := matching.New(matching.Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport})
	require.NoError(t, err)

	poolShard := cluster.ShardOf(wire.MarketKey{Category: group.ID}, cfg.Shards)
	elsewhere := 0 // placements whose own market hashes to another shard
	var all []wire.Event
	// both submits cmd to the cluster and to the single exchange and
	// checks that they agree on its outcome.
	both := func(cmd wire.Command) []wire.Event {
		t.Helper()
		shard, evs := c.submit(cmd)
		want, _ := x.Submit(cmd, nil)
		gt, gn, gr := poolOutcome(evs)
		wt, wn, wr := poolOutcome(want)
		require.Equal(t, wt, gt, "%v: trades", cmd.Kind)
		require.Equal(t, wn, gn, "%v: notified", cmd.Kind)
		require.Equal(t, wr, gr, "%v: rejections", cmd.Kind)
		require.Equal(t, len(want), len(evs), "%v: events", cmd.Kind)
		if cmd.Kind == wire.CmdPlace {
			require.Equal(t, poolShard, shard, "a placement of the pool's subtree")
			if cluster.ShardOf(cmd.Key(), cfg.Shards) != poolShard {
				elsewhere++
			}
		}
		all = append(all, evs...)
		return evs
	}
	var parts []catalog.ParticipantID
	for i := range 6 {
		inn, err := catalog.LegalEntityINN(fmt.Sprintf("77%07d", i+1))
		require.NoError(t, err)
		evs := both(wire.Command{Kind: wire.CmdRegister, Name: fmt.Sprint("Company ", i+1), INN: inn})
		parts = append(parts, evs[len(evs)-1].Participant)
		both(wire.Command{Kind: wire.CmdSetStatus, Participant: parts[i], Status: catalog.StatusVerified})
	}
	buyer1, buyer2, plant1, plant2, plant3, watcher := parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]
	both(wire.Command{Kind: wire.CmdSubscribe, Participant: watcher, Category: group.ID})

	// An undeclared root is refused; the declared one opens on its shard.
	_, evs := c.submit(wire.Command{Kind: wire.CmdOpenPool, Category: minerals.ID})
	_, _, rej := poolOutcome(evs)
	require.Equal(t, []wire.RejectReason{wire.ReasonPoolConflict}, rej, "an undeclared root")
	x.Submit(wire.Command{Kind: wire.CmdOpenPool, Category: group.ID}, nil)
	shard, evs := c.submit(wire.Command{Kind: wire.CmdOpenPool, Category: group.ID})
	require.Equal(t, poolShard, shard)
	require.Equal(t, wire.EventPoolOpened, evs[len(evs)-1].Kind)

	offer := func(p catalog.ParticipantID, cat catalog.CategoryID, b catalog.BasisID, price catalog.Price, qty catalog.Qty, g string) wire.Command {
		return wire.Command{Kind: wire.CmdPlace, Participant: p, Category: cat, Basis: b, Side: wire.Sell, Price: price, Qty: qty, Grade: grade(g)}
	}
	request := func(p catalog.ParticipantID, cat catalog.CategoryID, b catalog.BasisID, price catalog.Price, qty catalog.Qty, g string, bases ...catalog.BasisID) wire.Command {
		return wire.Command{Kind: wire.CmdPlace, Participant: p, Category: cat, Basis: b, Bases: bases, Side: wire.Buy, Price: price, Qty: qty, Grade: grade(g)}
	}
	both(offer(plant1, cem1.ID, tul, 60_000, 300, "M550"))
	both(offer(plant2, cem2.ID, rzn, 58_000, 200, "M500"))
	both(offer(plant3, cem1.ID, vrn, 55_000, 500, "M400"))
	both(offer(plant3, cem2.ID, msk, 0, 10, "M500")) // refused: no price
	both(request(buyer1, group.ID, msk, 70_000, 400, "M500"))
	both(request(buyer2, cem2.ID, 0, 66_000, 250, "M400", rzn, tul))
	both(request(buyer2, cem1.ID, vrn, 62_000, 100, "M400"))
	require.Positive(t, elsewhere, "no placement's own market hashes away from the pool's shard: the test routes nothing")

	// A cancel and an amend find the pool by the order ID's shard.
	_, evs = c.submit(request(buyer1, cem1.ID, msk, 50_000, 5, "M500"))
	x.Submit(request(buyer1, cem1.ID, msk, 50_000, 5, "M500"), nil)
	id := evs[0].OrderID
	require.Equal(t, poolShard, engine.ShardOfOrder(id, cfg.Shards))
	shard, evs = c.submit(wire.Command{Kind: wire.CmdCancel, Participant: buyer1, OrderID: id})
	require.Equal(t, poolShard, shard)
	require.Equal(t, wire.EventCancelled, evs[len(evs)-1].Kind)

	evs = both(wire.Command{Kind: wire.CmdClearPool, Category: group.ID})
	trades, _, _ := poolOutcome(evs)
	require.NotEmpty(t, trades)
	var notified int
	for _, e := range all {
		if e.Kind == wire.EventNotified {
			require.Equal(t, watcher, e.Participant)
			notified++
		}
	}
	require.Positive(t, notified)

	// A book market outside the pool still goes to its own shard.
	rt := cfg.Route(&wire.Command{Kind: wire.CmdPlace, Category: minerals.ID, Basis: msk})
	require.Equal(t, cluster.ShardOf(wire.MarketKey{Category: minerals.ID, Basis: msk}, cfg.Shards), rt.Shard)
}

// TestShardedPoolNeedsDeclaredRoots: without Engine.PoolRoots a sharded
// cluster refuses CmdOpenPool (its placements would scatter over shards);
// a cluster with overlapping roots is an invalid config.
func TestShardedPoolNeedsDeclaredRoots(t *testing.T) {
	d, err := catalog.SampleCement()
	require.NoError(t, err)
	group, _ := d.Taxonomy.ByCode("23.51")
	cem1, _ := d.Taxonomy.ByCode("23.51.12")
	eng := engine.Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport}
	c := newPoolCluster(t, cluster.Config{Shards: 2, Engine: eng})
	_, evs := c.submit(wire.Command{Kind: wire.CmdOpenPool, Category: group.ID})
	_, _, rej := poolOutcome(evs)
	require.Equal(t, []wire.RejectReason{wire.ReasonPoolConflict}, rej)

	eng.PoolRoots = []catalog.CategoryID{group.ID, cem1.ID}
	_, err = cluster.NewGateway(context.Background(), memlog.New(memlog.Options{}), cluster.Config{Shards: 2, Engine: eng})
	require.ErrorIs(t, err, cluster.ErrInvalidConfig)
}
