// Package replog defines the replicated logs that a sharded Agora cluster
// runs on, with no dependency on any particular log service: per-shard
// command streams, per-shard output streams, a global stream sourced into
// every shard stream, an object store for snapshots and a key-value bucket
// for liveness and configuration. Package memlog implements them in memory
// with fault injection; package replogtest is the conformance suite every
// implementation must pass; module natsjs implements them on NATS
// JetStream. Package cluster runs Agora on them.
//
// # Relation to the single-node journal
//
// The single-node journal is a local file log: one process appends
// records numbered by the exchange itself, fsyncs them, and reads them back
// at recovery. A replicated Stream plays the same role for a shard, with
// three differences: the log, not the engine, numbers the commands (the
// stream sequence is the engine sequence, so a command's place in history
// is decided before anyone applies it); an append is durable once a quorum
// of log servers holds it, not when a local fsync returns; and many
// writers append concurrently, so retries are made idempotent by message
// IDs rather than by a single writer's lock. The two are separate
// interfaces on purpose: a durable exchange owns its journal, while a
// cluster replica only reads a stream that gateways write. Neither package
// imports the other.
//
// # Streams
//
// A Stream holds messages numbered 1, 2, 3, ... with no gap. Append takes a
// message ID: an append whose ID the stream saw within its dedupe window
// (StreamConfig.Duplicates) stores nothing and returns the first append's
// sequence number with Ack.Duplicate set; after the window the same ID is a
// new message. The dedupe check comes before the expected-last-sequence
// check (AppendOptions.ExpectLast), so a retry of an append that did land
// stays idempotent even though the stream moved on. Purge removes a
// prefix; a Read that starts before the first retained message fails with
// a *TruncatedError naming both sequence numbers, never a silent skip.
//
// A stream may source others (StreamConfig.Sources): every message
// appended to a source is copied, in source order, into the stream, keeping
// its message ID and recording its origin (Msg.Origin). A copied message
// is deduplicated against the stream's own IDs like any append, so the IDs
// of different streams must be namespaced or one of them is silently lost.
//
// # Outputs
//
// PutOutput publishes output n of a shard exactly once: with expected last
// sequence n-1, so output seq = command seq, and with the audit-chain head
// of the command in Msg.Head. A replica that finds output n already there
// compares heads; a mismatch is a *DivergenceError. PutOutputs does the
// same for consecutive outputs, sent as one pipelined batch when the
// stream is a BatchAppender (natsjs's and memlog's are). A replica that
// catches up on outputs it knows are stored (at or below the stream's
// last) compares them with CompareStored instead, appending nothing: as
// heads are chained, one read of the last output's head checks them all.
//
// # Calls and failures
//
// Every call takes a context and must return when it is done. A log service
// may not answer at all (a stream without a leader), so callers give every
// call its own deadline (Retry, CallTimeout) and retry with the same
// message ID: ErrTimeout means the outcome is unknown, and the dedupe window
// makes the retry safe. A retry after the window is a new message.
package replog
