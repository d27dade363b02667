package wire

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/agora-exchange/agora/catalog"
)

// CodecVersion is the version byte that AppendCommand and AppendEvent write
// first. It names the binary encoding of Commands and Events.
//
// The journal stores commands (and, for replicas and audit, events) as opaque
// payloads; AppendCommand, DecodeCommand, AppendEvent and DecodeEvent turn
// them into bytes and back. The encoding is deterministic: equal values
// always encode to the same bytes.
//
// # Format
//
// A record is one version byte (CodecVersion, currently 3) followed by every
// field of the struct in declaration order, each encoded by its kind:
//
//   - unsigned integers (IDs, enums, counts, uint8..uint64): unsigned
//     varint (encoding/binary uvarint, 1 to 10 bytes);
//   - signed integers (times, prices, quantities): zigzag varint
//     (encoding/binary varint), so small negative values stay short;
//   - bool: one byte, 0 or 1;
//   - string: uvarint byte length, at most MaxStringLen+1, then the bytes;
//   - []byte (PublicKey, Signature): uvarint byte length, at most
//     MaxKeyLen+1 or MaxSignatureLen+1, then the bytes; empty and nil
//     both decode as nil;
//   - []catalog.BasisID: uvarint count, at most MaxBases+1 in a command
//     (MaxBases in an event), then each ID as a
//     uvarint. An empty slice and a nil slice both encode as count 0 and
//     decode as nil.
//
// A string longer than MaxStringLen is written clipped to MaxStringLen+1
// bytes, and a Bases field longer than MaxBases clipped to MaxBases+1 IDs.
// The exchange refuses any command over those limits (ReasonTooLarge)
// before it reads anything else, so the clipped command, still over the
// limit, replays to the same refusal: every command the exchange sequences
// can be journaled, and the journal never holds more than a few KiB per
// record.
//
// The codec is structural: it does not validate the values. Unknown enum
// values, zero IDs and strings that are not valid UTF-8 encode and decode
// unchanged, because the journal must replay exactly what was submitted,
// including commands that the exchange rejected. Validation is the
// exchange's job.
//
// Versions: 1 is the fields up to RefPrice (Command) and Imbalance
// (Event); 2 adds, after them, the key and signature fields of a Command
// (KeyID, KeyAlgorithm, PublicKey, ValidFrom, ValidUntil, SignPolicy,
// Nonce, Signature, SignatureVerified) and KeyID, SignPolicy of an Event.
// A version 1 record decodes with those fields zero. 3 adds, after those,
// Grade of a Command and SellerPrice, Transport, GradeDiff of an Event
// (clearing pools). A command is written in version 2 unless it sets
// Grade; an event is written in version 1 unless it sets a version 2 or 3
// field, and in version 2 unless it sets a version 3 field (see
// AppendEvent). A record of a later version that sets none of its
// version's fields is not canonical and is refused, so records that older
// versions hold keep their bytes (the audit chain and the signatures
// depend on it).
//
// # Canonical form
//
// Every integer is written in its shortest varint form and a bool as 0 or 1.
// The decoders accept only that form (an over-long varint, a bool byte other
// than 0 or 1, or a varint whose value does not fit the field's type is
// corrupt), so each value has exactly one encoding: for any input b of the
// current version that decodes to v using n bytes, re-encoding v gives
// exactly b[:n].
//
// # Evolution
//
// Adding a field to Command or Event bumps CodecVersion. The new field is
// encoded after all the fields of the previous version, wherever it is
// declared; the record order of existing fields never changes. The encoders
// always write the current version, and the decoders keep reading every
// older version, leaving the fields that an older record lacks at their zero
// values (a field that is removed from the struct is still read from older
// records, and dropped). A record of a version newer than the decoder knows
// is rejected as corrupt. A codec test fills every field by reflection and
// fails if one is not round-tripped, so a new field cannot be forgotten.
const CodecVersion = 3

// Limits of the variable-size fields of a Command: the one set that both
// validation and the codec use. The exchange (New and Open alike) refuses a
// command over any of them with ReasonTooLarge, with an EventRejected and a
// sequence number; the codec clips such a field to one over the limit (see
// above), and the decoders refuse anything longer, which bounds what a
// corrupt or hostile record can make them allocate.
const (
	// MaxStringLen is the longest string field (Name, INN, KPP), in bytes.
	MaxStringLen = 4 << 10
	// MaxBases is the most delivery bases a Bases field may hold. A
	// subscription's filter holds at most MaxFilterBases of them, a rule
	// of subscriptions checked after the shape (ReasonInvalidFilter).
	MaxBases = 1024
)

// Errors of the codec. Decode errors wrap ErrCorruptCommand or
// ErrCorruptEvent with the field and the byte offset; check them with
// errors.Is.
var (
	ErrCorruptCommand = errors.New("matching: corrupt command encoding")
	ErrCorruptEvent   = errors.New("matching: corrupt event encoding")
	// ErrNotEncodable reports an event that exceeds the limits (an event
	// the exchange never emits). Every command is encodable.
	ErrNotEncodable = errors.New("matching: value exceeds the encoding limits")
)

// CheckCommandEncodable reports whether c's encoding will decode to a
// command that the exchange handles as it handles c. It always returns
// nil: a field over the limits is clipped by AppendCommand to one over the
// limit, which the exchange refuses as it refuses the original
// (ReasonTooLarge). A journal writer may call it before persisting a
// command. Cost: O(1), no allocation.
func CheckCommandEncodable(c *Command) error {
	_ = c
	return nil
}

// CheckEventEncodable is CheckCommandEncodable for an event: Bases holds at
// most MaxBases IDs.
func CheckEventEncodable(e *Event) error {
	if len(e.Bases) > MaxBases {
		return fmt.Errorf("%w: Bases holds %d IDs, limit %d", ErrNotEncodable, len(e.Bases), MaxBases)
	}
	return nil
}

// AppendCommand appends the encoding of c (see the codec format above) to
// dst and returns the extended slice. It allocates only if dst lacks room;
// a command encodes to at most a few hundred bytes plus its strings and
// bases. A string or Bases field over the limits (MaxStringLen, MaxBases)
// is written clipped to one over the limit, so the result always decodes;
// a command within the limits round-trips exactly.
func AppendCommand(dst []byte, c *Command) []byte {
	if c.Grade != 0 {
		return appendCommandV3(dst, c)
	}
	return appendCommandV2(dst, c)
}

// appendCommandV3 writes codec version 3: version 2 followed by Grade.
func appendCommandV3(dst []byte, c *Command) []byte {
	start := len(dst)
	dst = appendCommandV2(dst, c)
	dst[start] = 3
	return encInt(dst, c.Grade)
}

// appendCommandV2 writes codec version 2. AppendSigningBytes depends on
// this exact form: a new version gets a new function.
func appendCommandV2(dst []byte, c *Command) []byte {
	dst = append(dst, 2)
	dst = encInt(dst, c.Kind)
	dst = encInt(dst, c.Time)
	dst = encInt(dst, c.Participant)
	dst = encInt(dst, c.Category)
	dst = encInt(dst, c.Basis)
	dst = encInt(dst, c.OrderID)
	dst = encInt(dst, c.ClientOrderID)
	dst = encInt(dst, c.Side)
	dst = encInt(dst, c.Type)
	dst = encInt(dst, c.TIF)
	dst = encInt(dst, c.STP)
	dst = encInt(dst, c.Price)
	dst = encInt(dst, c.Qty)
	dst = encInt(dst, c.MinQty)
	dst = encInt(dst, c.ExpireAt)
	dst = encInt(dst, c.Status)
	dst = encString(dst, c.Name)
	dst = encString(dst, c.INN)
	dst = encString(dst, c.KPP)
	dst = encBases(dst, c.Bases, true)
	dst = encInt(dst, c.MaxQty)
	dst = encInt(dst, c.Subscription)
	dst = encInt(dst, c.Rating)
	dst = encInt(dst, c.Tender)
	dst = encInt(dst, c.TenderMode)
	dst = encInt(dst, c.Evaluation)
	dst = encInt(dst, c.OpenAt)
	dst = encInt(dst, c.CloseAt)
	dst = encInt(dst, c.Decrement)
	dst = encInt(dst, c.Extension)
	dst = encInt(dst, c.WeightPrice)
	dst = encInt(dst, c.WeightLeadTime)
	dst = encInt(dst, c.WeightRating)
	dst = encInt(dst, c.MinWinners)
	dst = encInt(dst, c.MaxWinners)
	dst = encBool(dst, c.SubscribersOnly)
	dst = encInt(dst, c.LeadTime)
	dst = encInt(dst, c.MarketMode)
	dst = encInt(dst, c.RefPrice)
	// Version 2.
	dst = encInt(dst, c.KeyID)
	dst = encInt(dst, c.KeyAlgorithm)
	dst = encBytes(dst, c.PublicKey, MaxKeyLen)
	dst = encInt(dst, c.ValidFrom)
	dst = encInt(dst, c.ValidUntil)
	dst = encInt(dst, c.SignPolicy)
	dst = encInt(dst, c.Nonce)
	dst = encBytes(dst, c.Signature, MaxSignatureLen)
	dst = encBool(dst, c.SignatureVerified)
	return dst
}

// DecodeCommand decodes one command from the start of b and returns it with
// the number of bytes it used; bytes after the record are not examined. The
// returned command does not alias b.
//
// Errors (wrapping ErrCorruptCommand, with the field and byte offset): b is
// truncated; the version byte is unknown; a varint is over-long, overflows
// 64 bits or does not fit its field; a bool byte is not 0 or 1; a string is
// longer than MaxStringLen+1, Bases longer than MaxBases+1, PublicKey
// longer than MaxKeyLen+1 or Signature longer than MaxSignatureLen+1. It
// reads versions 1 to 3 (see the codec format). Cost: O(len of the
// record); it allocates only the strings, Bases, PublicKey and Signature.
func DecodeCommand(b []byte) (Command, int, error) {
	var c Command
	n, err := DecodeCommandTo(&c, b)
	if err != nil {
		return Command{}, 0, err
	}
	return c, n, nil
}

// DecodeCommandTo is DecodeCommand into *c, which it overwrites whole,
// without copying a Command: the form for a decoder that reuses one.
// On an error *c is left zero.
func DecodeCommandTo(c *Command, b []byte) (int, error) { return decodeCommand(c, b, true) }

// decodeCommand is DecodeCommandTo; with zeroTail false it decodes every
// field one by one, the reference its shortcut is tested against.
func decodeCommand(c *Command, b []byte, zeroTail bool) (int, error) {
	*c = Command{}
	d := codecDecoder{b: b, corrupt: ErrCorruptCommand}
	switch v := d.version(); v {
	case 1, 2, 3:
		decodeHead(&d, c)
		if n := tailFields(v); zeroTail && d.err == nil && zeroRun(d.b[d.off:], n) {
			// A trading command: every field from Name on is zero, one
			// zero byte each, and *c already holds their zero values.
			d.off += n
		} else {
			decodeTail(&d, c, v)
		}
		decodeGrade(&d, c, v)
	default:
		d.unknownVersion(v)
	}
	if d.err != nil {
		*c = Command{}
		return 0, d.err
	}
	return d.off, nil
}

// decodeHead decodes the fields every codec version starts with, Kind to
// Status.
func decodeHead(d *codecDecoder, c *Command) {
	decInt(d, &c.Kind, "Kind")
	decInt(d, &c.Time, "Time")
	decInt(d, &c.Participant, "Participant")
	decInt(d, &c.Category, "Category")
	decInt(d, &c.Basis, "Basis")
	decInt(d, &c.OrderID, "OrderID")
	decInt(d, &c.ClientOrderID, "ClientOrderID")
	decInt(d, &c.Side, "Side")
	decInt(d, &c.Type, "Type")
	decInt(d, &c.TIF, "TIF")
	decInt(d, &c.STP, "STP")
	decInt(d, &c.Price, "Price")
	decInt(d, &c.Qty, "Qty")
	decInt(d, &c.MinQty, "MinQty")
	decInt(d, &c.ExpireAt, "ExpireAt")
	decInt(d, &c.Status, "Status")
}

// decodeGrade decodes the field that version 3 adds, Grade, which must
// not be zero there.
func decodeGrade(d *codecDecoder, c *Command, v byte) {
	if v >= 3 {
		start := d.off
		decInt(d, &c.Grade, "Grade")
		if d.err == nil && c.Grade == 0 {
			d.fail("Grade", start, "version 3 command without version 3 fields (not canonical: version 2 holds it)")
		}
	}
}

// tailFields returns the number of fields of codec version v from Name up
// to Grade: 23 in version 1, 32 from version 2 on.
func tailFields(v byte) int {
	if v == 1 {
		return 23
	}
	return 32
}

// zeroRun reports whether b starts with n zero bytes.
func zeroRun(b []byte, n int) bool {
	if len(b) < n {
		return false
	}
	b = b[:n]
	var acc uint64
	for len(b) >= 8 {
		acc |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, x := range b {
		acc |= uint64(x)
	}
	return acc == 0
}

// decodeTail decodes the fields of codec version v from Name up to Grade.
func decodeTail(d *codecDecoder, c *Command, v byte) {
	d.string(&c.Name, "Name")
	d.string(&c.INN, "INN")
	d.string(&c.KPP, "KPP")
	d.bases(&c.Bases, MaxBases+1)
	decInt(d, &c.MaxQty, "MaxQty")
	decInt(d, &c.Subscription, "Subscription")
	decInt(d, &c.Rating, "Rating")
	decInt(d, &c.Tender, "Tender")
	decInt(d, &c.TenderMode, "TenderMode")
	decInt(d, &c.Evaluation, "Evaluation")
	decInt(d, &c.OpenAt, "OpenAt")
	decInt(d, &c.CloseAt, "CloseAt")
	decInt(d, &c.Decrement, "Decrement")
	decInt(d, &c.Extension, "Extension")
	decInt(d, &c.WeightPrice, "WeightPrice")
	decInt(d, &c.WeightLeadTime, "WeightLeadTime")
	decInt(d, &c.WeightRating, "WeightRating")
	decInt(d, &c.MinWinners, "MinWinners")
	decInt(d, &c.MaxWinners, "MaxWinners")
	d.bool(&c.SubscribersOnly, "SubscribersOnly")
	decInt(d, &c.LeadTime, "LeadTime")
	decInt(d, &c.MarketMode, "MarketMode")
	decInt(d, &c.RefPrice, "RefPrice")
	if v >= 2 {
		decInt(d, &c.KeyID, "KeyID")
		decInt(d, &c.KeyAlgorithm, "KeyAlgorithm")
		d.bytes(&c.PublicKey, MaxKeyLen+1, "PublicKey")
		decInt(d, &c.ValidFrom, "ValidFrom")
		decInt(d, &c.ValidUntil, "ValidUntil")
		decInt(d, &c.SignPolicy, "SignPolicy")
		decInt(d, &c.Nonce, "Nonce")
		d.bytes(&c.Signature, MaxSignatureLen+1, "Signature")
		d.bool(&c.SignatureVerified, "SignatureVerified")
	}
}

// AppendEvent appends the encoding of e (see the codec format above) to dst
// and returns the extended slice. An event whose version 2 fields (KeyID,
// SignPolicy) are zero is written in version 1, which holds all of it: the
// audit chain of a journal hashes the re-encoded events of every record,
// so the events of an older journal must encode as they did. It allocates
// only if dst lacks room.
func AppendEvent(dst []byte, e *Event) []byte {
	v3 := e.SellerPrice != 0 || e.Transport != 0 || e.GradeDiff != 0
	v2 := v3 || e.KeyID != 0 || e.SignPolicy != 0
	switch {
	case v3:
		dst = append(dst, 3)
	case v2:
		dst = append(dst, 2)
	default:
		dst = append(dst, 1)
	}
	dst = encInt(dst, e.Seq)
	dst = encInt(dst, e.Time)
	dst = encInt(dst, e.Kind)
	dst = encInt(dst, e.Reject)
	dst = encInt(dst, e.Cancel)
	dst = encInt(dst, e.Command)
	dst = encInt(dst, e.Participant)
	dst = encInt(dst, e.Category)
	dst = encInt(dst, e.Basis)
	dst = encInt(dst, e.OrderID)
	dst = encInt(dst, e.ClientOrderID)
	dst = encInt(dst, e.Side)
	dst = encInt(dst, e.Price)
	dst = encInt(dst, e.Qty)
	dst = encInt(dst, e.Remaining)
	dst = encInt(dst, e.MakerParticipant)
	dst = encInt(dst, e.MakerOrderID)
	dst = encInt(dst, e.MakerClientOrderID)
	dst = encInt(dst, e.MakerRemaining)
	dst = encInt(dst, e.Status)
	dst = encInt(dst, e.Rating)
	dst = encInt(dst, e.MarketMode)
	dst = encInt(dst, e.Rank)
	dst = encInt(dst, e.Score)
	dst = encInt(dst, e.Subscription)
	dst = encBases(dst, e.Bases, false)
	dst = encInt(dst, e.MinQty)
	dst = encInt(dst, e.MaxQty)
	dst = encInt(dst, e.Tender)
	dst = encInt(dst, e.OpenAt)
	dst = encInt(dst, e.CloseAt)
	dst = encInt(dst, e.LeadTime)
	dst = encInt(dst, e.BestPrice)
	dst = encInt(dst, e.Imbalance)
	if v2 {
		dst = encInt(dst, e.KeyID)
		dst = encInt(dst, e.SignPolicy)
	}
	if v3 {
		dst = encInt(dst, e.SellerPrice)
		dst = encInt(dst, e.Transport)
		dst = encInt(dst, e.GradeDiff)
	}
	return dst
}

// DecodeEvent decodes one event from the start of b and returns it with the
// number of bytes it used; see DecodeCommand. Errors wrap ErrCorruptEvent.
func DecodeEvent(b []byte) (Event, int, error) {
	var e Event
	d := codecDecoder{b: b, corrupt: ErrCorruptEvent}
	switch v := d.version(); v {
	case 1, 2, 3:
		decInt(&d, &e.Seq, "Seq")
		decInt(&d, &e.Time, "Time")
		decInt(&d, &e.Kind, "Kind")
		decInt(&d, &e.Reject, "Reject")
		decInt(&d, &e.Cancel, "Cancel")
		decInt(&d, &e.Command, "Command")
		decInt(&d, &e.Participant, "Participant")
		decInt(&d, &e.Category, "Category")
		decInt(&d, &e.Basis, "Basis")
		decInt(&d, &e.OrderID, "OrderID")
		decInt(&d, &e.ClientOrderID, "ClientOrderID")
		decInt(&d, &e.Side, "Side")
		decInt(&d, &e.Price, "Price")
		decInt(&d, &e.Qty, "Qty")
		decInt(&d, &e.Remaining, "Remaining")
		decInt(&d, &e.MakerParticipant, "MakerParticipant")
		decInt(&d, &e.MakerOrderID, "MakerOrderID")
		decInt(&d, &e.MakerClientOrderID, "MakerClientOrderID")
		decInt(&d, &e.MakerRemaining, "MakerRemaining")
		decInt(&d, &e.Status, "Status")
		decInt(&d, &e.Rating, "Rating")
		decInt(&d, &e.MarketMode, "MarketMode")
		decInt(&d, &e.Rank, "Rank")
		decInt(&d, &e.Score, "Score")
		decInt(&d, &e.Subscription, "Subscription")
		d.bases(&e.Bases, MaxBases)
		decInt(&d, &e.MinQty, "MinQty")
		decInt(&d, &e.MaxQty, "MaxQty")
		decInt(&d, &e.Tender, "Tender")
		decInt(&d, &e.OpenAt, "OpenAt")
		decInt(&d, &e.CloseAt, "CloseAt")
		decInt(&d, &e.LeadTime, "LeadTime")
		decInt(&d, &e.BestPrice, "BestPrice")
		decInt(&d, &e.Imbalance, "Imbalance")
		if v >= 2 {
			start := d.off
			decInt(&d, &e.KeyID, "KeyID")
			decInt(&d, &e.SignPolicy, "SignPolicy")
			if d.err == nil && v == 2 && e.KeyID == 0 && e.SignPolicy == 0 {
				d.fail("KeyID", start, "version 2 event without version 2 fields (not canonical: version 1 holds it)")
			}
		}
		if v >= 3 {
			start := d.off
			decInt(&d, &e.SellerPrice, "SellerPrice")
			decInt(&d, &e.Transport, "Transport")
			decInt(&d, &e.GradeDiff, "GradeDiff")
			if d.err == nil && e.SellerPrice == 0 && e.Transport == 0 && e.GradeDiff == 0 {
				d.fail("SellerPrice", start, "version 3 event without version 3 fields (not canonical: version 2 holds it)")
			}
		}
	default:
		d.unknownVersion(v)
	}
	if d.err != nil {
		return Event{}, 0, d.err
	}
	return e, d.off, nil
}

// codecInteger is every integer kind a Command or Event field may have.
type codecInteger interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// codecSigned reports whether T is a signed integer type.
func codecSigned[T codecInteger]() bool {
	var x T
	x--
	return x < 0
}

// encInt appends v as a zigzag varint if T is signed, else as a uvarint.
// Most fields of a record are small, so the one-byte case (zero included)
// is written without a call; the bytes are those of binary.AppendVarint and
// binary.AppendUvarint.
func encInt[T codecInteger](dst []byte, v T) []byte {
	u := uint64(v)
	if codecSigned[T]() {
		u = uint64(int64(v)) << 1
		if int64(v) < 0 {
			u = ^u
		}
	}
	if u < 0x80 {
		return append(dst, byte(u))
	}
	return binary.AppendUvarint(dst, u)
}

func encBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func encString(dst []byte, s string) []byte {
	if len(s) > MaxStringLen {
		s = s[:MaxStringLen+1] // see "A string longer than MaxStringLen" above
	}
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// encBytes writes b clipped to limit+1 bytes (see the string rule above).
func encBytes(dst []byte, b []byte, limit int) []byte {
	if len(b) > limit {
		b = b[:limit+1]
	}
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// encBases writes bases; with clip (a command's), clipped to MaxBases+1.
func encBases(dst []byte, bases []catalog.BasisID, clip bool) []byte {
	if clip && len(bases) > MaxBases {
		bases = bases[:MaxBases+1]
	}
	dst = binary.AppendUvarint(dst, uint64(len(bases)))
	for _, b := range bases {
		dst = binary.AppendUvarint(dst, uint64(b))
	}
	return dst
}

// codecDecoder reads canonical fields from b. After the first error every read
// is a no-op, so a decode function reads all its fields unconditionally and
// checks err once.
type codecDecoder struct {
	b       []byte
	off     int
	err     error
	corrupt error // ErrCorruptCommand or ErrCorruptEvent
}

func (d *codecDecoder) fail(field string, at int, format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d: %s", d.corrupt, field, at, fmt.Sprintf(format, args...))
	}
}

// version reads the version byte; 0 with d.err set if b is empty.
func (d *codecDecoder) version() byte {
	if len(d.b) == 0 {
		d.fail("version", 0, "no data")
		return 0
	}
	d.off = 1
	return d.b[0]
}

func (d *codecDecoder) unknownVersion(v byte) {
	d.fail("version", 0, "unknown codec version %d (this decoder reads 1 to %d)", v, CodecVersion)
}

// uvarint reads a canonical (shortest-form) unsigned varint.
func (d *codecDecoder) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	if d.off < len(d.b) && d.b[d.off] < 0x80 {
		// One byte: most fields of a record are small or zero.
		d.off++
		return uint64(d.b[d.off-1])
	}
	start := d.off
	var x uint64
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if d.off >= len(d.b) {
			d.fail(field, start, "truncated")
			return 0
		}
		c := d.b[d.off]
		d.off++
		if c < 0x80 {
			switch {
			case i == binary.MaxVarintLen64-1 && c > 1:
				d.fail(field, start, "varint overflows 64 bits")
				return 0
			case c == 0 && i > 0:
				d.fail(field, start, "over-long varint")
				return 0
			}
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.fail(field, start, "varint overflows 64 bits")
	return 0
}

// decInt reads a field of integer type T written by encInt, and fails if
// the value does not fit T.
func decInt[T codecInteger](d *codecDecoder, dst *T, field string) {
	if d.err == nil && d.off < len(d.b) && d.b[d.off] < 0x80 {
		// One byte: a value every integer type holds (0..127 unsigned,
		// -64..63 signed).
		u := uint64(d.b[d.off])
		d.off++
		if codecSigned[T]() {
			v := int64(u >> 1)
			if u&1 != 0 {
				v = ^v
			}
			*dst = T(v)
			return
		}
		*dst = T(u)
		return
	}
	start := d.off
	u := d.uvarint(field)
	if d.err != nil {
		return
	}
	if codecSigned[T]() {
		v := int64(u >> 1)
		if u&1 != 0 {
			v = ^v
		}
		if int64(T(v)) != v {
			d.fail(field, start, "value %d out of range", v)
			return
		}
		*dst = T(v)
		return
	}
	if uint64(T(u)) != u {
		d.fail(field, start, "value %d out of range", u)
		return
	}
	*dst = T(u)
}

func (d *codecDecoder) bool(dst *bool, field string) {
	if d.err != nil {
		return
	}
	if d.off >= len(d.b) {
		d.fail(field, d.off, "truncated")
		return
	}
	switch d.b[d.off] {
	case 0:
		*dst = false
	case 1:
		*dst = true
	default:
		d.fail(field, d.off, "bool byte %d is not 0 or 1", d.b[d.off])
		return
	}
	d.off++
}

func (d *codecDecoder) string(dst *string, field string) {
	start := d.off
	n := d.uvarint(field)
	switch {
	case d.err != nil:
		return
	case n > MaxStringLen+1:
		d.fail(field, start, "string of %d bytes exceeds the limit of %d", n, MaxStringLen+1)
		return
	case n > uint64(len(d.b)-d.off):
		d.fail(field, start, "truncated: string of %d bytes, %d left", n, len(d.b)-d.off)
		return
	}
	*dst = string(d.b[d.off : d.off+int(n)])
	d.off += int(n)
}

// bytes reads a []byte written by encBytes, at most limit bytes; empty
// decodes as nil.
func (d *codecDecoder) bytes(dst *[]byte, limit uint64, field string) {
	start := d.off
	n := d.uvarint(field)
	switch {
	case d.err != nil || n == 0:
		return
	case n > limit:
		d.fail(field, start, "%d bytes exceed the limit of %d", n, limit)
		return
	case n > uint64(len(d.b)-d.off):
		d.fail(field, start, "truncated: %d bytes, %d left", n, len(d.b)-d.off)
		return
	}
	*dst = append([]byte(nil), d.b[d.off:d.off+int(n)]...)
	d.off += int(n)
}

func (d *codecDecoder) bases(dst *[]catalog.BasisID, limit uint64) {
	start := d.off
	n := d.uvarint("Bases")
	switch {
	case d.err != nil || n == 0:
		return
	case n > limit:
		d.fail("Bases", start, "%d bases exceed the limit of %d", n, limit)
		return
	case n > uint64(len(d.b)-d.off):
		// Each ID takes at least one byte.
		d.fail("Bases", start, "truncated: %d bases, %d bytes left", n, len(d.b)-d.off)
		return
	}
	out := make([]catalog.BasisID, n)
	for i := range out {
		decInt(d, &out[i], "Bases")
	}
	if d.err == nil {
		*dst = out
	}
}
