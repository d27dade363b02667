package cluster

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"

	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/wire"
)

// MaxPayload is the longest command message a replica decodes; a longer
// one is rejected (ReasonTooLarge) without decoding. Every command the
// codec writes is shorter.
const MaxPayload = 64 << 10

// A command message's data is wire.AppendCommand's encoding, exactly the
// command bytes of the single-node journal's records, so that the audit
// chain of an unsharded cluster equals the single exchange's.

// chain computes h_seq = SHA-256(h_seq-1 ‖ seq ‖ len(cmd) ‖ cmd ‖ len(evs)
// ‖ events) (little endian, 8-byte seq, 4-byte lengths, events in
// wire.AppendEvent's encoding): the audit chain of the single exchange.
type chain struct {
	h   hash.Hash
	buf []byte
}

// next returns the head after command seq, whose message data is cmd and
// whose events, n of them, are encoded in events (wire.AppendEvent's
// encoding, as in an output: appendOutput).
func (c *chain) next(prev [32]byte, seq uint64, cmd []byte, n int, events []byte) [32]byte {
	if c.h == nil {
		c.h = sha256.New()
	}
	b := append(c.buf[:0], prev[:]...)
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(cmd)))
	c.h.Reset()
	c.h.Write(b)
	c.h.Write(cmd)
	b = binary.LittleEndian.AppendUint32(b[:0], uint32(n))
	c.h.Write(b)
	c.h.Write(events)
	c.buf = b
	var out [32]byte
	c.h.Sum(out[:0])
	return out
}

// outputVersion is the first byte of an output message: then the origin
// seq of a sourced global (0 for a local command), the number of events,
// and the events in wire.AppendEvent's encoding.
const outputVersion = 1

// appendOutput appends the output message of evs to dst and returns it
// with the offset in it where the events' encoding starts.
func appendOutput(dst []byte, origin uint64, evs []wire.Event) (_ []byte, events int) {
	dst = append(dst, outputVersion)
	dst = binary.AppendUvarint(dst, origin)
	dst = binary.AppendUvarint(dst, uint64(len(evs)))
	events = len(dst)
	for i := range evs {
		dst = wire.AppendEvent(dst, &evs[i])
	}
	return dst, events
}

// DecodeOutput decodes an output message's data: the origin seq of a
// global command (0 for a local one) and the events, appended to dst.
// Errors wrap ErrBadOutput.
func DecodeOutput(b []byte, dst []wire.Event) (origin uint64, _ []wire.Event, err error) {
	if len(b) == 0 || b[0] != outputVersion {
		return 0, dst, fmt.Errorf("%w: version", ErrBadOutput)
	}
	b = b[1:]
	origin, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, dst, fmt.Errorf("%w: origin", ErrBadOutput)
	}
	b = b[n:]
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return 0, dst, fmt.Errorf("%w: count", ErrBadOutput)
	}
	b = b[n:]
	for range count {
		ev, n, err := wire.DecodeEvent(b)
		if err != nil {
			return 0, dst, fmt.Errorf("%w: %w", ErrBadOutput, err)
		}
		dst = append(dst, ev)
		b = b[n:]
	}
	if len(b) != 0 {
		return 0, dst, fmt.Errorf("%w: %d trailing bytes", ErrBadOutput, len(b))
	}
	return origin, dst, nil
}

// A snapshot object is snapMagic, the shard, the shard count and the last
// global origin seq applied (4, 4 and 8 bytes, little endian), then the
// engine's state (engine.AppendState) at the snapshot's seq with the audit
// chain head.
const snapMagic = "AGORASNAP1"

func appendSnapshot(dst []byte, shard, shards uint32, lastOrigin uint64, e *engine.Engine, seq uint64, head *[32]byte) []byte {
	dst = append(dst, snapMagic...)
	dst = binary.LittleEndian.AppendUint32(dst, shard)
	dst = binary.LittleEndian.AppendUint32(dst, shards)
	dst = binary.LittleEndian.AppendUint64(dst, lastOrigin)
	return e.AppendState(dst, seq, head)
}

func decodeSnapshot(b []byte, cfg engine.Config) (e *engine.Engine, seq, lastOrigin uint64, head [32]byte, err error) {
	const hdr = len(snapMagic) + 16
	if len(b) < hdr || string(b[:len(snapMagic)]) != snapMagic {
		return nil, 0, 0, head, fmt.Errorf("%w: header", ErrBadSnapshot)
	}
	shard := binary.LittleEndian.Uint32(b[len(snapMagic):])
	shards := binary.LittleEndian.Uint32(b[len(snapMagic)+4:])
	if shard != cfg.Shard || shards != max(cfg.Shards, 1) {
		return nil, 0, 0, head, fmt.Errorf("%w: shard %d of %d, want %d of %d", ErrBadSnapshot, shard, shards, cfg.Shard, cfg.Shards)
	}
	lastOrigin = binary.LittleEndian.Uint64(b[len(snapMagic)+8:])
	e, seq, h, err := engine.RestoreState(cfg, b[hdr:])
	if err != nil {
		return nil, 0, 0, head, fmt.Errorf("%w: %w", ErrBadSnapshot, err)
	}
	if h != nil {
		head = *h
	}
	return e, seq, lastOrigin, head, nil
}
