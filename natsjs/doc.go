// Package natsjs implements Agora's replicated logs (package replog) on
// NATS JetStream, so that a sharded cluster (package cluster) runs on a
// NATS cluster that operators already run.
//
// # Mapping
//
//   - A replog.Stream is a JetStream stream of Options.Replicas (R3 by
//     default) on subject "<SubjectPrefix>.<name>", file storage, direct
//     get on. An append is one publish; its ack means 2 of 3 servers
//     hold it (durability comes from the R3 acks, not from fsync).
//     The cluster runtime creates one command stream and one output
//     stream per shard and one global stream sourced into every command
//     stream.
//   - Message IDs are JetStream's Nats-Msg-Id; the dedupe window is the
//     stream's Duplicates (replog.StreamConfig.Duplicates, JetStream's
//     default 2 minutes). A retry within the window is a duplicate and
//     returns the first append's seq; a retry after the window is a new
//     command. JetStream checks the ID before the expected last sequence,
//     so a retry of an append that landed stays idempotent.
//   - A sourced message keeps its Nats-Msg-Id, and the target stream
//     deduplicates it against its own IDs: callers namespace IDs by
//     stream (the cluster runtime uses "c.", "g.", "o." and "t.").
//     Msg.Origin comes from the Nats-Stream-Source header.
//   - An output's audit-chain head travels in the Agora-Head header.
//   - Snapshots go to an Object Store bucket (a KV value is capped at
//     1 MiB); liveness and configuration to a KV bucket keeping one
//     revision. Its reads go to the stream leader, so that a read sees
//     every acknowledged write: the bucket's stream has direct gets off
//     (JetStream lets a lagging follower answer those), Get asks for a
//     key's last message and Keys for the stream's subjects, instead of
//     a listing consumer that JetStream may place on a follower. Log.KV
//     binds a bucket that exists (turning its direct gets off) and
//     creates one that does not.
//
// # Failures
//
// A JetStream request gets no answer while its stream has no leader. Every
// request therefore has its own deadline (Options.CallTimeout) and is
// sent again, under the same message ID, after Options.Backoff, until the
// caller's context is done; then the call fails with replog.ErrTimeout
// (the outcome is unknown: retry under the same ID).
//
// An ordered consumer silently starts at the first retained message when
// its start was purged, so every Read checks sequence numbers itself and
// reports a *replog.TruncatedError naming the requested and the first
// retained seq. For seconds after a partition heals, JetStream may refuse
// to start consumers, or start one that delivers nothing, while the
// stream still answers direct gets: a Read that starts a reader gives it
// half of its time, then reads what is stored by direct gets.
//
// Each reader is one ephemeral ordered consumer on the server, and
// JetStream allows 1,000 consumers per stream by default. A stream keeps
// at most Options.Cursors idle readers; a reader that stops (beyond that
// number, after a failed read, or at Log.Close) deletes its consumer,
// and a consumer whose delete failed goes 30 s after its last pull. A
// one-message Read of a stored message is a direct get (tried again for
// up to about 60 ms while a follower that has not stored it yet answers),
// and starts a reader only when those gets fail.
//
// AppendBatch (replog.BatchAppender) sends a batch as asynchronous
// publishes before awaiting the first answer; the cluster runtime
// publishes a replica's outputs that way.
//
// # Connections
//
// The caller owns the connection: Connect takes a *nats.Conn and New a
// jetstream.JetStream, with whatever servers, TLS, credentials and
// reconnect options the caller chose. Importing natsjs does not pull in
// the NATS server.
package natsjs
