package cluster

import (
	"encoding/binary"
	"hash/fnv"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/wire"
)

// ShardOf returns the shard (0-based) of a market among shards: FNV-1a 64
// of "agora/shard/v1", the category ID and the basis ID (each 4 bytes,
// little endian), modulo shards. This is part of the format: a market never
// moves between shards, and TestShardOfGolden freezes it. Zero or one
// shards give 0. Cost: O(1), no allocation.
func ShardOf(key wire.MarketKey, shards uint32) uint32 {
	if shards <= 1 {
		return 0
	}
	h := fnv.New64a()
	var b [len(shardTag) + 8]byte
	copy(b[:], shardTag)
	binary.LittleEndian.PutUint32(b[len(shardTag):], uint32(key.Category))
	binary.LittleEndian.PutUint32(b[len(shardTag)+4:], uint32(key.Basis))
	h.Write(b[:])
	return uint32(h.Sum64() % uint64(shards))
}

const shardTag = "agora/shard/v1"

// Route is where a command goes: the global stream (sourced into every
// shard) or one shard's stream.
type Route struct {
	Global bool
	Shard  uint32 // when not Global
}

// routeBy tells how each command kind finds its shard; TestRoutesComplete
// checks that every kind has an entry.
type routeBy uint8

const (
	byMarket      routeBy = 1 + iota // the shard of Category and Basis
	byOrder                          // the shard of OrderID (engine.ShardOfOrder)
	byTender                         // the shard of Tender (engine.ShardOfTender)
	byParticipant                    // Participant modulo shards
	global                           // every shard, through the global stream
)

var routes = [...]routeBy{
	wire.CmdRegister:          global,
	wire.CmdSetStatus:         global,
	wire.CmdPlace:             byMarket,
	wire.CmdCancel:            byOrder,
	wire.CmdAmend:             byOrder,
	wire.CmdExpire:            byMarket, // global when it names no market
	wire.CmdSubscribe:         global,
	wire.CmdUnsubscribe:       global,
	wire.CmdListSubscriptions: byParticipant,
	wire.CmdSetRating:         global,
	wire.CmdOpenTender:        byMarket,
	wire.CmdBid:               byTender,
	wire.CmdCloseTender:       byTender,
	wire.CmdCancelTender:      byTender,
	wire.CmdSetMarketMode:     byMarket,
	wire.CmdUncross:           byMarket,
	wire.CmdRegisterKey:       global,
	wire.CmdConfirmKey:        global,
	wire.CmdRotateKey:         global,
	wire.CmdRevokeKey:         global,
	wire.CmdSetSignPolicy:     global,
	wire.CmdOpenPool:          byMarket,
	wire.CmdClearPool:         byMarket,
}

// Route returns the route of cmd in a cluster of this config: RouteOf,
// except that a command opening or naming a market (CmdPlace, CmdExpire
// naming a market, CmdSetMarketMode, CmdUncross, CmdOpenPool,
// CmdClearPool) whose category lies in the subtree of one of
// Engine.PoolRoots goes to the shard of that pool, ShardOf((root, 0)): the
// pool and every book that could conflict with it live on one shard, and
// each placement of the subtree reaches the pool. Gateways and replicas
// route with it. Cost: O(1) without pool roots; O(roots × depth) for those
// commands with them (plus loading catalog.Sample when Engine.Catalog is
// nil, as it is not in a Config the cluster's constructors returned).
func (c *Config) Route(cmd *wire.Command) Route {
	rt := RouteOf(cmd, c.Shards)
	if len(c.Engine.PoolRoots) == 0 || rt.Global || c.Shards <= 1 {
		return rt
	}
	switch cmd.Kind {
	case wire.CmdPlace, wire.CmdExpire, wire.CmdSetMarketMode, wire.CmdUncross, wire.CmdOpenPool, wire.CmdClearPool:
		cat := c.Engine.Catalog
		if cat == nil {
			// A Config not through a constructor: the engines' default.
			var err error
			if cat, err = catalog.Sample(); err != nil {
				return rt
			}
		}
		if root, ok := engine.PoolRootOf(cat.Taxonomy, c.Engine.PoolRoots, cmd.Category); ok {
			return Route{Shard: ShardOf(wire.MarketKey{Category: root}, c.Shards)}
		}
	}
	return rt
}

// RouteOf returns the route of cmd among shards. The commands that change
// what every shard reads (engine.ScopeAll: registration, moderation,
// ratings, subscriptions, an expiry of every market) are global; a market
// command goes to its market's shard, a cancel or amend to its order's, a
// tender command to its tender's (an open-tender to the shard of its
// market), a subscription listing to its participant's, and a command of
// unknown kind to shard 0, which rejects it. Cost: O(1).
func RouteOf(cmd *wire.Command, shards uint32) Route {
	if engine.ScopeOf(cmd) == engine.ScopeAll {
		return Route{Global: true}
	}
	if int(cmd.Kind) >= len(routes) {
		return Route{}
	}
	switch routes[cmd.Kind] {
	case byMarket:
		return Route{Shard: ShardOf(cmd.Key(), shards)}
	case byOrder:
		return Route{Shard: engine.ShardOfOrder(cmd.OrderID, shards)}
	case byTender:
		return Route{Shard: engine.ShardOfTender(cmd.Tender, shards)}
	case byParticipant:
		if shards <= 1 {
			return Route{}
		}
		return Route{Shard: uint32(uint64(cmd.Participant) % uint64(shards))}
	}
	return Route{}
}
