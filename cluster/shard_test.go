package cluster

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/wire"
)

// TestShardOfGolden freezes the shard hash: a change moves markets between
// shards of existing clusters, which is a format change.
func TestShardOfGolden(t *testing.T) {
	// Every (category, basis) in 0..63 x 0..15 for 1..16 shards, hashed.
	h := sha256.New()
	for s := uint32(1); s <= 16; s++ {
		for c := range uint32(64) {
			for b := range uint32(16) {
				h.Write(binary.LittleEndian.AppendUint32(nil, ShardOf(wire.MarketKey{Category: catalog.CategoryID(c), Basis: catalog.BasisID(b)}, s)))
			}
		}
	}
	require.Equal(t, shardGolden, hex.EncodeToString(h.Sum(nil)))
	spot := fmt.Sprint(ShardOf(wire.MarketKey{Category: 12, Basis: 1}, 4), ShardOf(wire.MarketKey{Category: 12, Basis: 2}, 4),
		ShardOf(wire.MarketKey{Category: 7, Basis: 3}, 8), ShardOf(wire.MarketKey{Category: 1, Basis: 1}, 1))
	require.Equal(t, shardSpot, spot)
}

func TestShardOfSpreads(t *testing.T) {
	const shards = 8
	var n [shards]int
	for c := range 100 {
		for b := range 10 {
			n[ShardOf(wire.MarketKey{Category: catalog.CategoryID(c), Basis: catalog.BasisID(b)}, shards)]++
		}
	}
	for k, c := range n {
		require.InDelta(t, 1000/shards, c, 40, "shard %d", k)
	}
}

func TestRoutesComplete(t *testing.T) {
	for k := wire.CommandKind(1); k <= wire.MaxCommandKind; k++ {
		require.Less(t, int(k), len(routes), "kind %v", k)
		require.NotZero(t, routes[k], "kind %v has no route", k)
	}
}

// TestRouteEveryKind routes every command kind.
func TestRouteEveryKind(t *testing.T) {
	const shards = 5
	key := wire.MarketKey{Category: 12, Basis: 2}
	ks := ShardOf(key, shards)
	order := wire.OrderID(8<<wire.OrderMarketShift | 1) // market 8: shard 2
	for _, c := range []struct {
		cmd  wire.Command
		want Route
	}{
		{wire.Command{Kind: wire.CmdRegister}, Route{Global: true}},
		{wire.Command{Kind: wire.CmdSetStatus, Participant: 3}, Route{Global: true}},
		{wire.Command{Kind: wire.CmdSubscribe, Participant: 3, Category: 12}, Route{Global: true}},
		{wire.Command{Kind: wire.CmdUnsubscribe, Participant: 3}, Route{Global: true}},
		{wire.Command{Kind: wire.CmdSetRating, Participant: 3}, Route{Global: true}},
		{wire.Command{Kind: wire.CmdExpire}, Route{Global: true}},
		{wire.Command{Kind: wire.CmdExpire, Category: key.Category, Basis: key.Basis}, Route{Shard: ks}},
		{wire.Command{Kind: wire.CmdPlace, Category: key.Category, Basis: key.Basis}, Route{Shard: ks}},
		{wire.Command{Kind: wire.CmdSetMarketMode, Category: key.Category, Basis: key.Basis}, Route{Shard: ks}},
		{wire.Command{Kind: wire.CmdUncross, Category: key.Category, Basis: key.Basis}, Route{Shard: ks}},
		{wire.Command{Kind: wire.CmdOpenTender, Category: key.Category, Basis: key.Basis}, Route{Shard: ks}},
		{wire.Command{Kind: wire.CmdCancel, OrderID: order, Category: 99, Basis: 99}, Route{Shard: 2}},
		{wire.Command{Kind: wire.CmdAmend, OrderID: order}, Route{Shard: 2}},
		{wire.Command{Kind: wire.CmdBid, Tender: 9}, Route{Shard: 3}},
		{wire.Command{Kind: wire.CmdCloseTender, Tender: 9}, Route{Shard: 3}},
		{wire.Command{Kind: wire.CmdCancelTender, Tender: 9}, Route{Shard: 3}},
		{wire.Command{Kind: wire.CmdListSubscriptions, Participant: 7}, Route{Shard: 2}},
		// A pool is the market (root, 0); a sharded engine refuses to open
		// one, so its commands reach the shard that refuses them.
		{wire.Command{Kind: wire.CmdOpenPool, Category: key.Category}, Route{Shard: ShardOf(wire.MarketKey{Category: key.Category}, shards)}},
		{wire.Command{Kind: wire.CmdClearPool, Category: key.Category}, Route{Shard: ShardOf(wire.MarketKey{Category: key.Category}, shards)}},
		{wire.Command{Kind: 0}, Route{}},
		{wire.Command{Kind: wire.MaxCommandKind + 1}, Route{}},
	} {
		require.Equal(t, c.want, RouteOf(&c.cmd, shards), "%v", c.cmd.Kind)
		require.Equal(t, Route{Global: c.want.Global}, RouteOf(&c.cmd, 1), "%v unsharded", c.cmd.Kind)
	}
	// The engine of the order's shard issued it.
	e, err := engine.New(engine.Config{Shards: shards, Shard: 2})
	require.NoError(t, err)
	_ = e
	require.Equal(t, uint32(2), engine.ShardOfOrder(order, shards))
}
