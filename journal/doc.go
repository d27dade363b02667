// Package journal is Agora's durable command log: the write-ahead journal
// and the snapshot files from which an exchange is rebuilt after a
// restart. It stores opaque payloads (the matching package encodes its
// commands into bytes) under the exchange's sequence numbers, and imports
// nothing else from Agora.
//
// # Model
//
// CommandLog is the seam the engine uses; FileLog is the implementation
// kept in segment files in one directory. The engine sequences a command,
// calls Enqueue under its own lock (so journal order is apply order),
// releases the lock, and calls Wait before it acknowledges. Enqueue only
// appends a frame to an in-memory buffer under a mutex; it never writes or
// fsyncs. Wait makes the record durable according to the Mode:
//
//   - ModeSync: every record is written and fsynced on its own.
//   - ModeGroupCommit (the default, selected by the zero Mode): a waiter
//     that finds no flush running becomes the leader, takes the whole
//     buffer, writes it with one write and one fsync per segment, and wakes
//     every waiter it covered; waiters that arrive meanwhile queue behind it
//     and are served together by the next leader. An acknowledged record is
//     always on stable storage.
//   - ModeAsync: Wait returns at once; a background goroutine writes and
//     fsyncs the buffer FlushInterval after it stops being empty, or as soon
//     as half of MaxUnsyncedCommands, half of MaxUnsyncedBytes or
//     FlushBytes are buffered. A crash loses the records enqueued since the
//     last completed write+fsync, and there are never more than
//     MaxUnsyncedCommands (default 4,096) of them, nor more than
//     MaxUnsyncedBytes (default 4 MiB) of frames unless a single record is
//     larger: Enqueue blocks until the flusher makes room. So a crash loses
//     at most MaxUnsyncedCommands acknowledged records, however slow the
//     disk. Sync and Close flush.
//
// Any write or fsync failure poisons the log: the waiters of the failed
// batch and every later Enqueue, Wait, Append and Sync get an error that
// wraps ErrFailed (and the filesystem's error), so the engine stops
// acknowledging. After an fsync failure the kernel's view of the file is
// unknown, so the only way on is to Close, Open again and let recovery
// establish what is really on disk.
//
// # Segment format
//
// The journal is a sequence of segment files named by the sequence number
// of their first record as 20 decimal digits: 00000000000000000001.wal.
// All integers are little endian. A segment starts with a 22-byte header:
//
//	magic    [8]byte  "AGORAJNL"
//	version  uint16   FormatVersion (1)
//	firstSeq uint64   equals the number in the file name
//	crc      uint32   CRC-32C (Castagnoli) of the 18 bytes above
//
// followed by records, each framed as
//
//	length   uint32   payload length in bytes (at most MaxPayloadBytes)
//	crc      uint32   CRC-32C of seq and payload, as stored
//	seq      uint64
//	payload  [length]byte
//
// Sequence numbers are contiguous within a segment and across segments:
// a segment's firstSeq is the previous segment's last seq plus one. A
// segment may hold no records. The log starts a new segment before a
// record would take the active one past Options.SegmentBytes; a new
// segment's header is fsynced, and the directory too, before records go
// into it.
//
// # Recovery
//
// Open verifies every segment in order: header, name, checksums and
// sequence contiguity. Only the end of the final segment may be damaged,
// by a crash during a write that was therefore never acknowledged, and
// only if no valid record follows the damage. Open tells such a torn
// write from a damaged complete frame by looking at the first frame that
// fails, at offset off of the final segment:
//
//   - fewer than 16 bytes (a frame header) remain: torn;
//   - every byte from off to the end of the file is zero: torn (a
//     zero-filled tail);
//   - the bytes from off to the end of the file hold the expected seq and
//     a checksum that verifies over them: a complete frame whose length
//     field is damaged;
//   - the declared length runs past the end of the file or exceeds
//     MaxPayloadBytes: torn (an incomplete frame, or garbage);
//   - the frame fits, but its last byte lies in the run of zero bytes that
//     ends the file: torn (its last sectors never reached the disk);
//   - the frame fits and ends exactly at the end of the file: a damaged
//     complete frame;
//   - the frame fits and is followed by the header of the next record (16
//     bytes or more, the next seq, a plausible length): a damaged complete
//     frame;
//   - otherwise (the frame fits, and garbage shorter or other than a
//     frame header follows it): torn.
//
// A complete frame was written whole and may have been fsynced and
// acknowledged, so its bad checksum is bit rot, not a crash. A complete
// final frame whose payload happens to end in zero bytes cannot be told
// from a torn one and counts as torn; Agora's records end with a SHA-256
// hash. Garbage that fills a torn frame's declared length exactly to the
// end of the file cannot be told from a damaged complete frame and counts
// as damaged.
//
// Open cuts a torn tail off (fsyncing the file) and reports it through
// Recovered. A final segment that holds nothing but an incomplete header
// (a crash while creating it) gets its header rewritten. Everything else
// (a damaged complete frame, a bad checksum followed by valid data, any
// bad frame in a non-final segment, a bad header, a sequence gap) makes
// Open fail with a *CorruptError that names the file and offset and wraps
// ErrCorrupt: acknowledged data is never dropped silently. Only with
// Options.TruncateDamagedTail does Open cut off a damaged complete final
// frame too, reporting RecoveryInfo.DamagedTail.
//
// TruncateBefore deletes whole segments older than a snapshot; Replay from
// an older sequence number then returns ErrTruncated.
//
// Scan applies the same verification (without TruncateDamagedTail) without
// changing any file and reports
// each record with its file and offset; with ListSnapshots and ReadSnapshot
// it lets an auditor read a journal directory without opening it for
// writing.
//
// # Snapshot format
//
// WriteSnapshot stores an opaque payload in <seq as 20 digits>.snap,
// written as .snap.tmp, fsynced, renamed, then the directory fsynced:
//
//	magic      [8]byte  "AGORASNP"
//	version    uint16   FormatVersion (1)
//	seq        uint64   last command covered, equals the file name
//	length     uint64   payload length; the file is exactly header+payload
//	payloadCRC uint32   CRC-32C of the payload
//	headerCRC  uint32   CRC-32C of the 30 bytes above
//	payload    [length]byte
//
// LoadLatestSnapshot and LoadSnapshot pick the newest valid one (falling
// back past corrupt ones only when asked to).
//
// # Concurrency
//
// Every FileLog method is safe for concurrent use. One directory must be
// open in at most one FileLog at a time. The package has no global mutable
// state, does not print, and does not panic on any input, corrupt files
// included. All file access goes through the FS interface.
package journal
