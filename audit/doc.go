// Package audit is Agora's tamper-evident audit chain: the SHA-256 hash
// chain over every journaled command and its outcome, the format of the
// journal record that carries it, and Verify, which re-executes a journal
// on the deterministic engine and names the first record that does not
// match.
//
// # Record payload
//
// A journal record (package journal frames it with its length, the CRC-32C
// of seq and payload, and seq) holds
//
//	version  uint8      RecordVersion (1)
//	command  []byte     wire.AppendCommand encoding of the command
//	chain    [32]byte   the audit hash h_seq of this record
//
// # The chain
//
// h_0 is 32 zero bytes and
//
//	h_seq = SHA-256(h_{seq-1} ‖ seq ‖ len(command) ‖ command ‖ n ‖ events)
//
// where seq is a uint64, len(command) and n (the number of events) are
// uint32, all little endian, command is the record's command bytes as
// stored and events is the wire.AppendEvent encoding of the command's
// events, in order. Covering the command bytes as well as the events means
// that a change to any byte of a record is detected, even one that does
// not change the command's outcome. Publishing a (seq, head) pair where the
// operator cannot rewrite it anchors the journal: any later change to a
// record before seq changes every hash after it.
//
// # Concurrency
//
// A Hasher and a Replayer are for one goroutine. Verify runs on the
// caller's goroutine, applies records to a private engine without locks,
// and changes no file.
package audit
