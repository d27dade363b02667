package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/wire"
)

const (
	// ChainSize is the size of an audit hash: a SHA-256 sum.
	ChainSize = engine.ChainSize
	// RecordVersion is the version byte that starts every record payload.
	RecordVersion = 1
	// RecordOverhead is the size of a record payload around its command
	// bytes: the version byte and the chain hash.
	RecordOverhead = 1 + ChainSize
)

// Hasher computes audit hashes with reusable scratch space. The zero
// value is ready to use; it is not safe for concurrent use.
type Hasher struct {
	buf []byte
}

// Next returns h_seq from prev (h_{seq-1}), the stored command bytes and
// the command's events. Cost: the SHA-256 of the command and the encoded
// events; it allocates nothing once its buffer has grown.
func (c *Hasher) Next(prev *[ChainSize]byte, seq uint64, cmd []byte, evs []wire.Event) [ChainSize]byte {
	// One buffer, one sum: whole blocks are hashed in place.
	b := append(c.buf[:0], prev[:]...)
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(cmd)))
	b = append(b, cmd...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(evs)))
	for i := range evs {
		b = wire.AppendEvent(b, &evs[i])
	}
	c.buf = b
	return sha256.Sum256(b)
}

// AppendRecord appends a record payload to dst: the version byte, the
// command bytes cmd (wire.AppendCommand encoding) and the chain hash.
func AppendRecord(dst, cmd []byte, chain *[ChainSize]byte) []byte {
	dst = append(dst, RecordVersion)
	dst = append(dst, cmd...)
	return append(dst, chain[:]...)
}

// SplitRecord splits a record payload into its command bytes (a view of
// p) and its stored chain hash. Errors: ErrBadRecord for a payload too
// short or of another version.
func SplitRecord(p []byte) (cmd []byte, chain [ChainSize]byte, err error) {
	if len(p) < RecordOverhead {
		return nil, chain, fmt.Errorf("%w: %d-byte payload", ErrBadRecord, len(p))
	}
	if p[0] != RecordVersion {
		return nil, chain, fmt.Errorf("%w: record version %d", ErrBadRecord, p[0])
	}
	copy(chain[:], p[len(p)-ChainSize:])
	return p[1 : len(p)-ChainSize], chain, nil
}

// DecodeCommand decodes the command bytes of a record, which must hold
// exactly one command. Errors: ErrBadRecord (wrapping the codec's error).
func DecodeCommand(b []byte) (wire.Command, error) {
	var cmd wire.Command
	err := DecodeCommandTo(&cmd, b)
	return cmd, err
}

// DecodeCommandTo is DecodeCommand into *cmd, which it overwrites whole.
func DecodeCommandTo(cmd *wire.Command, b []byte) error {
	n, err := wire.DecodeCommandTo(cmd, b)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadRecord, err)
	}
	if n != len(b) {
		return fmt.Errorf("%w: %d trailing bytes after the command", ErrBadRecord, len(b)-n)
	}
	return nil
}

// RecordDecoder checks that journal records follow in sequence and
// decodes their commands: the first half of Replayer.Apply, for a replay
// that decodes on one goroutine and applies on another.
type RecordDecoder struct {
	seq uint64 // the last record decoded
}

// NewRecordDecoder returns a decoder of the records after seq.
func NewRecordDecoder(seq uint64) *RecordDecoder { return &RecordDecoder{seq: seq} }

// Seq returns the sequence number of the last record decoded.
func (d *RecordDecoder) Seq() uint64 { return d.seq }

// Decode decodes record r, which must follow the last one, into *cmd, and
// returns its command bytes (a view of r.Payload) and its stored audit
// hash. Errors: ErrJournalGap for a record out of sequence, ErrBadRecord
// for one that does not decode; *cmd is unspecified then, and the next
// record expected is still r's.
func (d *RecordDecoder) Decode(r journal.Record, cmd *wire.Command) (cmdBytes []byte, stored [ChainSize]byte, err error) {
	if cmdBytes, stored, err = decodeRecord(d.seq+1, r, cmd); err == nil {
		d.seq = r.Seq
	}
	return cmdBytes, stored, err
}

// decodeRecord is Decode of record r where record want is expected.
func decodeRecord(want uint64, r journal.Record, cmd *wire.Command) (cmdBytes []byte, stored [ChainSize]byte, err error) {
	if r.Seq != want {
		return nil, stored, gapError(r.Seq, want)
	}
	cmdBytes, stored, err = SplitRecord(r.Payload)
	if err != nil {
		return nil, stored, fmt.Errorf("seq %d: %w", r.Seq, err)
	}
	if err = DecodeCommandTo(cmd, cmdBytes); err != nil {
		return nil, stored, fmt.Errorf("seq %d: %w", r.Seq, err)
	}
	return cmdBytes, stored, nil
}

// gapError is the ErrJournalGap of record got where want was expected.
func gapError(got, want uint64) error {
	return fmt.Errorf("%w: record seq %d where %d was expected", ErrJournalGap, got, want)
}

// Replayer applies journal records to an engine in sequence order, on one
// goroutine and without locks: recovery and verification run the engine
// directly.
type Replayer struct {
	eng *engine.Engine
	seq uint64 // the last record applied
	// cmd is the decoded command of the record being applied, kept here
	// so that decoding allocates nothing for the command itself.
	cmd wire.Command
}

// NewReplayer returns a replayer of the records after seq onto eng, whose
// state follows command seq.
func NewReplayer(eng *engine.Engine, seq uint64) *Replayer {
	return &Replayer{eng: eng, seq: seq}
}

// Engine returns the engine the replayer applies to.
func (p *Replayer) Engine() *engine.Engine { return p.eng }

// Seq returns the sequence number of the last record applied.
func (p *Replayer) Seq() uint64 { return p.seq }

// Apply decodes and applies record r, which must follow the last one, and
// returns its command bytes (a view of r.Payload), its stored audit hash
// and its events (appended to evs). It does not check the hash. Errors:
// ErrJournalGap for a record out of sequence, ErrBadRecord for one that
// does not decode; nothing is applied then.
func (p *Replayer) Apply(r journal.Record, evs []wire.Event) (cmdBytes []byte, stored [ChainSize]byte, _ []wire.Event, err error) {
	return p.apply(r, evs, nil)
}

// ApplyDecoded applies cmd, the command of record seq as a RecordDecoder
// decoded it, and appends its events to evs. Errors: ErrJournalGap when
// seq does not follow the last record applied; nothing is applied then.
func (p *Replayer) ApplyDecoded(seq uint64, cmd *wire.Command, evs []wire.Event) ([]wire.Event, error) {
	if want := p.seq + 1; seq != want {
		return evs, gapError(seq, want)
	}
	evs, _ = p.eng.Apply(seq, cmd, evs)
	p.seq = seq
	return evs, nil
}

// apply is Apply, calling pre (if not nil) with the decoded command just
// before the engine applies it.
func (p *Replayer) apply(r journal.Record, evs []wire.Event, pre func(*wire.Command)) (cmdBytes []byte, stored [ChainSize]byte, _ []wire.Event, err error) {
	if cmdBytes, stored, err = decodeRecord(p.seq+1, r, &p.cmd); err != nil {
		return nil, stored, evs, err
	}
	if pre != nil {
		pre(&p.cmd)
	}
	evs, err = p.ApplyDecoded(r.Seq, &p.cmd, evs)
	return cmdBytes, stored, evs, err
}

// Replay applies record r and checks it against the audit chain, which it
// advances from *chain. It returns the command's events in evs. Errors: as
// Apply, and ErrMismatch when the recomputed hash differs from the stored
// one (the record was applied; chain is unchanged).
func (p *Replayer) Replay(h *Hasher, chain *[ChainSize]byte, r journal.Record, evs []wire.Event) ([]wire.Event, error) {
	return p.replay(h, chain, r, evs, nil)
}

// replay is Replay with apply's pre hook.
func (p *Replayer) replay(h *Hasher, chain *[ChainSize]byte, r journal.Record, evs []wire.Event, pre func(*wire.Command)) ([]wire.Event, error) {
	cmdBytes, stored, evs, err := p.apply(r, evs, pre)
	if err != nil {
		return evs, err
	}
	sum := h.Next(chain, r.Seq, cmdBytes, evs)
	if sum != stored {
		return evs, fmt.Errorf("%w at seq %d", ErrMismatch, r.Seq)
	}
	*chain = sum
	return evs, nil
}
