package cluster

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/replog/memlog"
	"github.com/agora-exchange/agora/wire"
)

// TestTickExpires: the owner's ticker is a command in the shard's log. A
// Tick expires the GTD orders due at the clock's time, in every replica's
// output alike, and two owners ticking at one time append one command.
func TestTickExpires(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{Seed: 5})
	t.Cleanup(log.Close)
	var clock atomic.Int64
	cfg := testConfig(2)
	cfg.Now = func() int64 { return clock.Load() }
	gw, err := NewGateway(ctx, log, cfg)
	require.NoError(t, err)
	a := runReplica(t, log, cfg, 0)
	b := runReplica(t, log, cfg, 0)
	runReplica(t, log, cfg, 1)

	submit := func(id string, cmd wire.Command) Result {
		t.Helper()
		ack, err := gw.Submit(ctx, id, cmd)
		require.NoError(t, err)
		res, err := gw.Wait(ctx, ack)
		require.NoError(t, err)
		return res
	}
	clock.Store(10)
	g := newGen(t, 1, 8)
	reg := submit("reg", wire.Command{Kind: wire.CmdRegister, Name: "Cement Works JSC", INN: g.inn()})
	p := reg.Events[0].Participant
	submit("ver", wire.Command{Kind: wire.CmdSetStatus, Participant: p, Status: catalog.StatusVerified})
	// A GTD order on a market of shard 0, due at 100.
	var key wire.MarketKey
	for _, m := range g.markets {
		if ShardOf(m, 2) == 0 {
			key = m
			break
		}
	}
	require.NotZero(t, key.Category, "a market of shard 0")
	placedRes := submit("gtd", wire.Command{Kind: wire.CmdPlace, Participant: p, Category: key.Category, Basis: key.Basis,
		Side: wire.Sell, Type: wire.Limit, TIF: wire.GTD, ExpireAt: 100, Price: 1_000_000, Qty: 1})
	require.Equal(t, wire.EventAccepted, placedRes.Events[0].Kind)
	order := placedRes.Events[0].OrderID

	// Before the due time a tick expires nothing.
	clock.Store(50)
	early, err := a.Tick(ctx)
	require.NoError(t, err)
	res, err := gw.Wait(ctx, Ack{Shard: 0, Seq: early.Seq})
	require.NoError(t, err)
	require.Empty(t, res.Events)

	// At 100 both owners tick: one command, which expires the order.
	clock.Store(100)
	t1, err := a.Tick(ctx)
	require.NoError(t, err)
	t2, err := b.Tick(ctx)
	require.NoError(t, err)
	require.Equal(t, t1.Seq, t2.Seq, "the second tick at one time is the same command")
	require.True(t, t2.Duplicate)
	res, err = gw.Wait(ctx, Ack{Shard: 0, Seq: t1.Seq})
	require.NoError(t, err)
	require.Len(t, res.Events, 1)
	require.Equal(t, wire.EventExpired, res.Events[0].Kind)
	require.Equal(t, order, res.Events[0].OrderID)
	require.Equal(t, int64(100), res.Events[0].Time)

	st, err := testStreams(ctx, log, cfg)
	require.NoError(t, err)
	info, err := st.cmds[0].Info(ctx)
	require.NoError(t, err)
	require.Equal(t, t1.Seq, info.Last, "no command after the tick")
	// Both replicas published the same output there (the output stream
	// holds one message per seq, and neither stopped with a divergence).
	outs, err := st.outs[0].Read(ctx, t1.Seq, 1)
	require.NoError(t, err)
	require.Len(t, outs, 1)
}
