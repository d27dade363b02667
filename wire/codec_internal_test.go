package wire

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

// decodeSlow is DecodeCommandTo without the zero-tail shortcut: every
// field decoded one by one.
func decodeSlow(c *Command, b []byte) (int, error) { return decodeCommand(c, b, false) }

// checkSameDecode fails unless DecodeCommandTo and decodeSlow agree on b:
// the command, the length and the error text.
func checkSameDecode(t *testing.T, b []byte) {
	t.Helper()
	var fast, slow Command
	nf, ef := DecodeCommandTo(&fast, b)
	ns, es := decodeSlow(&slow, b)
	if nf != ns || (ef == nil) != (es == nil) || (ef != nil && ef.Error() != es.Error()) || !reflect.DeepEqual(fast, slow) {
		t.Fatalf("decode of %x: got (%d, %v, %+v), want (%d, %v, %+v)", b, nf, ef, fast, ns, es, slow)
	}
}

// randomCommand returns a command whose fields are each zero with
// probability 3/4, small or large otherwise.
func randomCommand(r *rand.Rand) Command {
	n := func() uint64 {
		switch r.IntN(8) {
		case 0:
			return uint64(r.IntN(100))
		case 1:
			return r.Uint64() >> r.IntN(64)
		}
		return 0
	}
	s := func() string {
		if r.IntN(6) == 0 {
			return "ООО Ромашка"[:r.IntN(8)]
		}
		return ""
	}
	c := Command{
		Kind: CommandKind(n()), Time: int64(n()), Participant: catalog.ParticipantID(n()), Category: catalog.CategoryID(n()),
		Basis: catalog.BasisID(n()), OrderID: OrderID(n()), ClientOrderID: n(), Price: catalog.Price(int64(n())), Qty: catalog.Qty(n()),
		MinQty: catalog.Qty(n()), ExpireAt: int64(n()), Name: s(), INN: s(), KPP: s(), MaxQty: catalog.Qty(n()),
		Tender: TenderID(n()), OpenAt: int64(n()), RefPrice: catalog.Price(int64(n())), KeyID: KeyID(n()),
		Nonce: n(), Grade: catalog.Grade(n()), SubscribersOnly: r.IntN(8) == 0, SignatureVerified: r.IntN(8) == 0,
	}
	if r.IntN(8) == 0 {
		c.Signature = []byte{1, 2, 3}
	}
	if r.IntN(8) == 0 {
		c.Bases = []catalog.BasisID{catalog.BasisID(n()), 7}
	}
	return c
}

// TestDecodeZeroTailMatchesFieldByField holds the decoder's shortcut for
// commands whose fields from Name on are zero to the field-by-field
// decode: on encoded commands of every version, mostly trading ones, and
// on their truncations and single-byte corruptions.
func TestDecodeZeroTailMatchesFieldByField(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		c := randomCommand(r)
		if r.IntN(2) == 0 {
			// A trading command: only the head is set.
			head := c
			c = Command{Kind: head.Kind, Time: head.Time, Participant: head.Participant, Category: head.Category, Basis: head.Basis,
				OrderID: head.OrderID, Price: head.Price, Qty: head.Qty, Grade: head.Grade}
		}
		enc := AppendCommand(nil, &c)
		checkSameDecode(t, enc)
		for i := range len(enc) {
			checkSameDecode(t, enc[:i])
			m := append([]byte(nil), enc...)
			m[i] ^= byte(1 + r.IntN(255))
			checkSameDecode(t, m)
		}
	}
}

// TestTailFieldsCountsTheFieldsAfterStatus pins tailFields to the codec:
// a command whose fields from Name on are zero encodes them as exactly
// that many zero bytes, in version 2, in version 3 before Grade, and in
// version 1 (version 2 without its last 9 fields).
func TestTailFieldsCountsTheFieldsAfterStatus(t *testing.T) {
	c := Command{Kind: CmdPlace, Time: 1 << 40, Participant: 3, Category: 200, Basis: 1, Price: 12_345, Qty: 7, Status: 1}
	head := len(AppendCommand(nil, &Command{Kind: c.Kind, Time: c.Time, Participant: c.Participant, Category: c.Category,
		Basis: c.Basis, Price: c.Price, Qty: c.Qty, Status: c.Status})) - tailFields(2)
	v2 := AppendCommand(nil, &c)
	if v2[0] != 2 || len(v2) != head+tailFields(2) || !zeroRun(v2[head:], tailFields(2)) {
		t.Fatalf("version 2 encoding %x: want %d head bytes then %d zero bytes", v2, head, tailFields(2))
	}
	// Setting the first and the last tail field makes the tail non-zero at
	// its two ends.
	for _, set := range []func(*Command){func(c *Command) { c.Name = "x" }, func(c *Command) { c.SignatureVerified = true }} {
		d := c
		set(&d)
		if enc := AppendCommand(nil, &d); zeroRun(enc[head:], tailFields(2)) {
			t.Fatalf("%x: a set tail field left the tail zero", enc)
		}
	}
	g := c
	g.Grade = 5
	v3 := AppendCommand(nil, &g)
	if v3[0] != 3 || len(v3) != head+tailFields(3)+1 || !zeroRun(v3[head:], tailFields(3)) {
		t.Fatalf("version 3 encoding %x: want %d head bytes, %d zero bytes and Grade", v3, head, tailFields(3))
	}
	v1 := append([]byte{1}, v2[1:head+tailFields(1)]...)
	var got Command
	n, err := DecodeCommandTo(&got, v1)
	if err != nil || n != len(v1) || !reflect.DeepEqual(got, c) {
		t.Fatalf("version 1 record %x: got (%d, %v, %+v), want (%d, nil, %+v)", v1, n, err, got, len(v1), c)
	}
	checkSameDecode(t, v1)
}

// FuzzDecodeCommand holds the decoder's zero-tail shortcut to the
// field-by-field decode on any input, and a decoded command to a round
// trip through AppendCommand.
func FuzzDecodeCommand(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 16 {
		c := randomCommand(r)
		f.Add(AppendCommand(nil, &c))
	}
	f.Add(AppendCommand(nil, &Command{Kind: CmdCancel, OrderID: 1 << 33}))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkSameDecode(t, b)
		var c Command
		n, err := DecodeCommandTo(&c, b)
		if err != nil {
			return
		}
		var back Command
		if _, err := DecodeCommandTo(&back, AppendCommand(nil, &c)); err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("%x (%d bytes read): re-encoded command decodes to (%+v, %v), want %+v", b, n, back, err, c)
		}
	})
}
