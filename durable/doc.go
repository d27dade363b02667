// Package durable is Agora's durable mode: an exchange whose every command
// is journaled before it is acknowledged, recovered after a crash from its
// snapshots and journal, and chained by the audit hash of package audit.
//
// It is built on the deterministic engine (package engine), on the
// journaled front door (matching.NewJournaled) and on two seams: a Log of
// records by sequence number (journal.FileLog implements it; a replicated
// log can too) and a SnapshotStore (FileSnapshots keeps files beside the
// journal). Imports run one way: durable imports matching, audit, engine
// and journal; none of them imports durable.
//
// # Use
//
// Open(dir, cfg, opts) returns a *matching.Exchange: submit to it, query
// it and read its feed as any other. Of(x) gives its *Store, which owns
// what only a durable exchange has: Snapshot and SnapshotContext, Close,
// Recovery, AuditHead, Metrics and Feed. Verify checks a directory's audit
// chain without changing it.
//
// Store.Feed reads the ordered output feed from any sequence number the
// journal still reaches: outputs older than the exchange's in-memory feed
// are rebuilt by replaying the journal from the newest snapshot before
// them, on an engine of the reader's own, so they are byte for byte what
// Submit returned. The snapshots kept (the newest two) and the journal
// segments after the older one bound how far back that reaches; older
// reads get a *matching.FeedTruncatedError naming the oldest output left.
//
// # Durability
//
// A durable exchange applies commands one at a time: Submit takes the
// exchange's journal lock, applies the command, computes its audit hash,
// enqueues the record (command bytes and hash) under the command's
// sequence number, releases the lock and waits for the log. What an
// acknowledgement (a Submit that returns without an ErrJournal error)
// promises depends on the file journal's Mode (Options.Journal.Mode):
//
//   - ModeSync: the record was written and fsynced on its own.
//   - ModeGroupCommit (the default): the record was fsynced, together with
//     the records of every submitter that waited at the same time (one
//     write and one fsync per batch).
//   - ModeAsync: nothing; Submit returns at once and a background flusher
//     writes and fsyncs FlushInterval (10ms) after a record arrives, or
//     sooner once half the backlog bound or FlushBytes (1 MiB) are
//     buffered. The backlog of acknowledged records not yet fsynced is
//     bounded: at most journal.Options.MaxUnsyncedCommands (default 4,096)
//     records and MaxUnsyncedBytes (default 4 MiB) of frames; Submit waits
//     while it is full. A crash of the process or the machine loses at most
//     MaxUnsyncedCommands acknowledged commands (however slow the disk);
//     the state recovered is still a consistent prefix. Use it only where
//     an acknowledgement is not a promise.
//
// In the first two modes an acknowledged command is never lost. A failed
// write, fsync or full disk makes the exchange fail for good: that command
// and every later one return ErrJournal (wrapping the cause) with no
// events, so nothing unjournaled is ever acknowledged; Close and Open again
// to continue from what the disk holds. Throughput is bounded by the
// journal (see the durability benchmarks); a non-durable exchange runs
// markets in parallel.
//
// # Context
//
// matching.Exchange.SubmitContext bounds the wait for durability: a caller
// whose context ends gets a *matching.CanceledError wrapping ctx.Err() and
// carrying the command's sequence number; the command was applied, is in
// the ordered feed, and stays queued in the journal (it becomes durable
// with the next flush, unless the log fails first). A group-commit leader
// finishes the write and fsync it started. SnapshotContext gives up before
// the snapshot is written, changing nothing.
//
// # Snapshots
//
// Snapshot writes the whole state (see matching.Exchange.MarshalState for
// the versioned, sectioned format) with the audit chain head, atomically,
// then deletes the snapshots older than the previous one and the journal
// segments before the previous snapshot, so the directory stays bounded;
// the previous snapshot is kept so that recovery can fall back to it.
// Options.SnapshotEvery takes snapshots automatically.
//
// # Recovery
//
// Open loads the newest valid snapshot, opens the journal, and replays the
// records after the snapshot on the single-threaded engine, without locks,
// checking contiguous sequence numbers and the audit chain. A torn final
// record (a crash during its write, so never acknowledged) is cut off and
// reported in Recovery; package journal documents how a torn write is told
// from a damaged complete final frame, which may have been acknowledged
// and, like any other damage, fails Open (unless
// journal.Options.TruncateDamagedTail). Any other damage, in the middle of
// the journal or in a snapshot, fails Open with an error naming the file
// and offset (*journal.CorruptError) or the seq (ErrAuditMismatch,
// ErrBadRecord), the first in the journal where there are several: nothing
// is dropped silently. Replay runs on three goroutines, one reading and
// decoding the journal (through Log.Replay), the caller's applying, one
// hashing; Open returns once all three have stopped. With
// Options.FallbackSnapshot a damaged snapshot is passed over for the
// previous one. The recovered state is that after the last complete
// record: it holds every acknowledged command and equals a replay of the
// journal into a fresh exchange, event for event and byte for byte.
//
// # Audit chain
//
// Every journal record carries h_seq = SHA-256(h_seq-1 ‖ seq ‖ command
// bytes ‖ encoded events), with h_0 = 32 zero bytes (package audit gives
// the exact layout), so each record's hash covers its command, everything
// the command caused, and the whole history before it. Verify re-executes
// the journal and reports the first record whose hash does not match
// (seq, file, offset); a changed byte anywhere is found even if its
// CRC-32C was fixed up. The chain proves nothing against someone who
// rewrites the whole journal from the changed record on, unless its head
// was recorded elsewhere: publish Store.AuditHead (seq and head)
// periodically to a party the operator does not control (a notary, a
// regulator, a timestamping service, the counterparties), and compare
// audit.Report.Head at that seq. When old segments were removed,
// verification starts from a snapshot and trusts its stored head; the
// anchors cover the records before it. Verify fails wherever Open (without
// FallbackSnapshot) fails: on a damaged newest snapshot, a journal that
// does not reach it, or a damaged record.
//
// # Logging and metrics
//
// Options.Logger (a *slog.Logger; nil logs nothing) receives recovery's
// findings, every snapshot written or failed, and the log's first failure;
// nothing is logged per command. Store.Metrics returns counters of
// commands and rejections by kind and reason, the file journal's fsync
// latency histogram, batch sizes and queue depth, snapshot count and
// durations, and the lag of the feed readers passed to it.
package durable
