// Package audit is Agora's tamper-evident audit chain: the SHA-256 hash
// chain over every journaled command and its outcome, the format of the
// journal record that carries it, Verify, which re-executes a journal on
// the deterministic engine and names the first record that does not
// match, and VerifySignatures, which also re-verifies every signature of
// the journal with the keys valid at each sequence number.
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
// # Signatures
//
// VerifySignatures runs Verify and, in the same replay, the signature
// check: it is an option of the audit, not a change to the chain, whose
// check and format stay those of Verify, and an unsigned journal passes it
// unchanged. Each journal record stores the command's wire encoding, which
// carries KeyID, Nonce, Signature and the SignatureVerified flag; the
// replay applies the commands through the engine in sequence order, so the
// check reads each command's key as the exchange knew it just before the
// command (registered, confirmed, retired by a rotation, revoked, and its
// validity window), and verifies the signature over
// wire.AppendSigningBytes with that key's public key. A key keeps its
// public key for ever: a key rotated out or revoked after a command still
// verifies that command. Verification runs on several goroutines while the
// replay looks the keys up in order; the first failing record, in sequence
// order, is the one named.
//
// What it proves, given the journal and the Verifiers for its algorithms:
//
//   - every command the exchange accepted as signed carries a signature
//     that the holder of the private key of the key its KeyID named made
//     over exactly that command's signing bytes (all fields but Time),
//     under a key the operator had confirmed and not revoked;
//   - no command is flagged SignatureVerified without a valid signature,
//     so a replica or an exchange that trusted a gateway's flag
//     (matching.Config.TrustVerified) did not accept a forged one;
//   - with Verify, that the journal was not changed after it was written,
//     up to an anchored chain head.
//
// What it does not prove:
//
//   - that a key belongs to the company named as its owner: the operator
//     registers and confirms keys and could register a key of its own.
//     Compare the keys' fingerprints (Fingerprint) with the companies out
//     of band, or pass SignatureOptions.Trust built from the public keys
//     they handed over: then it proves that those companies signed;
//   - that the journal is complete: a command the exchange never
//     journaled, or records after the last anchored head that the
//     operator dropped, leave no trace;
//   - anything about the records covered by the start snapshot (at or
//     before Report.StartSeq) when the journal no longer holds them: the
//     check starts from the keys in that snapshot's state. Keep the
//     journal from seq 1 for a check of every signature.
//
// The validity window is checked by the replayed engine at its effective
// clock; the signature check checks again that an accepted command's own
// Time lies before the key's end of validity. cmd/agora-audit runs both
// checks from the command line for a third party.
//
// # Concurrency
//
// A Hasher and a Replayer are for one goroutine. Verify runs on the
// caller's goroutine, applies records to a private engine without locks,
// and changes no file. VerifySignatures does too, and verifies signatures
// on SignatureOptions.Workers further goroutines, which it waits for
// before it returns; OnSigner and Trust run on the caller's goroutine.
package audit
