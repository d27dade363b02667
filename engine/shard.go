package engine

import "github.com/agora-exchange/agora/wire"

// MaxShards is the most shards Config.Shards may name.
const MaxShards = 1 << 16

// idLayout numbers the markets and tenders of an engine that applies shard
// shard of shards: the k-th one it opens (k from 1) gets index or ID
// (k-1)*shards + shard + 1. With one shard that is k, the unsharded layout.
type idLayout struct{ shards, shard uint64 }

func newIDLayout(c Config) idLayout {
	return idLayout{shards: uint64(max(c.Shards, 1)), shard: uint64(c.Shard)}
}

// global returns the index or ID of the k-th market or tender (k >= 1).
func (l idLayout) global(k uint64) uint64 { return (k-1)*l.shards + l.shard + 1 }

// local returns k for an index or ID issued by this layout, and false for
// zero or one of another shard.
func (l idLayout) local(i uint64) (uint64, bool) {
	if i == 0 || (i-1)%l.shards != l.shard {
		return 0, false
	}
	return (i-1)/l.shards + 1, true
}

// ShardOfOrder returns the shard (0-based) of an engine configured with
// Shards = shards that issued order id: the index of its market, minus
// one, modulo shards. Zero shards means 1; an ID with market index 0 (no
// engine issues one) is shard 0. It reads no state. Cost: O(1).
func ShardOfOrder(id wire.OrderID, shards uint32) uint32 {
	return shardOf(MarketIndexOf(id), shards)
}

// ShardOfTender returns the shard (0-based) of an engine configured with
// Shards = shards that issued tender id; like ShardOfOrder. Cost: O(1).
func ShardOfTender(id wire.TenderID, shards uint32) uint32 {
	return shardOf(uint64(id), shards)
}

func shardOf(i uint64, shards uint32) uint32 {
	if i == 0 || shards <= 1 {
		return 0
	}
	return uint32((i - 1) % uint64(shards))
}
