// Package cluster runs Agora as several nodes on a replicated log
// (package replog): markets sharded over nodes, each shard's commands in
// one replicated stream, deterministic replicas, failover without loss. It
// holds no network code: module natsjs provides the log on NATS
// JetStream, and package memlog one in memory for tests.
//
// # Shards
//
// A cluster has Config.Shards shards, fixed when it is created and
// recorded in KV (EnsureRecorded); resharding is not supported. A market's
// shard is ShardOf its key, a frozen hash that is part of the format, so
// markets never move between shards; shards move between nodes. Each
// shard's engine numbers its markets and tenders in the engine's sharded
// layout (engine.Config.Shards), so order and tender IDs name their shard
// and are unique across the cluster. With one shard the layout, the
// command bytes, the audit chain and the engine state are exactly those of
// a single exchange.
//
// Clearing pools: a pool is one market keyed (root, 0), but its placements
// name their own leaf and basis, which hash elsewhere. So a sharded
// cluster opens pools only on the roots its engines declare
// (engine.Config.PoolRoots, the same on every node for the cluster's
// life), and Config.Route sends every market command of a declared root's
// subtree to the shard of (root, 0): the pool, its placements and any book
// that could conflict with it live in one engine, as in a single exchange.
//
// # Streams
//
// Each shard has a command stream and an output stream; exchange-wide
// commands (RouteOf: registration, moderation, ratings, subscriptions, an
// expiry of every market) go to one global stream, sourced into every
// shard's command stream, so each shard applies each global command once,
// in global order, at its own position. Message IDs are namespaced ("c."
// for a shard's commands, "g." for globals, "o." for outputs, "t." for
// ticks): a sourced message keeps its ID and would otherwise be silently
// dropped as a duplicate of a local one. A replica checks the origin seq
// of every sourced global and stops with a *GlobalOrderError on a gap or
// a repeat.
//
// # Replicas
//
// A Replica applies its shard's stream through engine.Engine.Apply in
// stream order, so engine seq = stream seq; submission order means
// nothing. The events of command n go into output n, published with
// expected last seq n-1 and the audit-chain head (replog.PutOutputs: the
// outputs of each read of the stream go out as one pipelined batch); a
// replica that finds output n already there compares heads, and a
// mismatch stops it with a *replog.DivergenceError: the live determinism
// check. A replica catching up on outputs that the output stream holds
// already compares them without appending them again
// (replog.CompareStored), up to 4,096 at a time, and always before it
// appends an output of its own or writes a snapshot. On a busy shard
// (commands read in batches), a replica of a node that does not own the
// shard leaves the publishing to the owner: its outputs wait up to 100 ms
// and are then compared in one go, and any the owner has not published
// are put. At low load it puts each output at once, racing the owner, and
// the first one stored serves the Waits. Undecodable, truncated or
// oversized payloads take their seq and are refused identically by every
// replica.
//
// # Nodes and ownership
//
// A Node beats in KV (Config.Heartbeat, TTL) and runs a replica of each
// shard it is among the top Config.Replicas live nodes of by Rendezvous
// hash; the first is the owner. Ownership is soft: correctness never
// depends on it. The owner ticks (expiry is a command in the log),
// snapshots the shard to the object store every SnapshotEvery commands or
// SnapshotInterval, keeps the newest two snapshots and purges the command
// stream before the older one. A new replica restores the newest
// snapshot and reads from the seq after it.
//
// # Gateway
//
// Gateway.Submit stamps the time, encodes and routes the command and
// appends it under the client's request ID; it returns an Ack once the log
// holds it durably (a global once every shard's output holds it). The
// appends of concurrent Submits to one stream go out together: while one
// batch is on its way, those that arrive queue up and are sent as the
// next (pipelined, up to 256 in one round trip).
// Gateway.Wait returns its events. A Submit retried within the dedupe
// window (Config.Duplicates) under the same request ID is applied once; a
// retry after the window is a new command.
//
// Every log call has its own deadline and is retried under the same
// message ID (Config.Retry): a stream without a leader does not answer.
package cluster
