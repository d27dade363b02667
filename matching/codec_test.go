package matching

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
	"github.com/agora-exchange/agora/wire"
)

// codecFillDistinct sets every field of the struct *p to a non-zero value that
// differs from every other field's, walking the fields by reflection. It
// fails the test on a field kind the codec does not know, so a new field of
// a new kind is noticed too.
func codecFillDistinct(t testing.TB, p any) {
	t.Helper()
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		n := uint64(i + 1)
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
			// Alternate signs and use every byte of the type, to exercise
			// zigzag and multi-byte varints.
			bitsz := f.Type().Bits()
			x := int64(n) << max(bitsz-9, 0) // fits: n < 128
			if i%2 == 1 {
				x = -x - int64(n)
			}
			f.SetInt(x)
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
			bitsz := f.Type().Bits()
			f.SetUint(n<<max(bitsz-8, 0) | n) // the top byte and the bottom byte
		case reflect.String:
			f.SetString(fmt.Sprintf("%s-%d-Ω\xff", sf.Name, i)) // non-ASCII and invalid UTF-8
		case reflect.Slice:
			if f.Type().Elem().Kind() == reflect.Uint8 {
				f.SetBytes([]byte(fmt.Sprintf("%s-%d-\x00\xff", sf.Name, i)))
				break
			}
			if f.Type().Elem() != reflect.TypeFor[catalog.BasisID]() {
				t.Fatalf("field %s: slice of %v: the codec handles only []catalog.BasisID; extend it", sf.Name, f.Type().Elem())
			}
			f.Set(reflect.ValueOf([]catalog.BasisID{catalog.BasisID(n), 1000 + catalog.BasisID(n), math.MaxUint32}))
		default:
			t.Fatalf("field %s has kind %v, which the codec does not handle; extend AppendX/DecodeX and bump CodecVersion", sf.Name, f.Kind())
		}
		require.False(t, f.IsZero(), "field %s", sf.Name)
	}
}

// TestCodecCommandEveryField fails when a field of Command is added without
// a codec update: every field is set, and all must survive the round trip.
func TestCodecCommandEveryField(t *testing.T) {
	var c Command
	codecFillDistinct(t, &c)
	b := AppendCommand(nil, &c)
	got, n, err := DecodeCommand(b)
	require.NoError(t, err)
	require.Equal(t, len(b), n)
	require.Equal(t, c, got, "a Command field is not encoded or decoded; update codec.go and bump CodecVersion")

	// Each field on its own changes the encoding.
	zero := AppendCommand(nil, &Command{})
	v := reflect.ValueOf(c)
	for i := range v.NumField() {
		var one Command
		reflect.ValueOf(&one).Elem().Field(i).Set(v.Field(i))
		require.NotEqual(t, zero, AppendCommand(nil, &one), "field %s is not encoded", v.Type().Field(i).Name)
	}
}

// TestCodecEventEveryField is TestCodecCommandEveryField for Event.
func TestCodecEventEveryField(t *testing.T) {
	var e Event
	codecFillDistinct(t, &e)
	b := AppendEvent(nil, &e)
	got, n, err := DecodeEvent(b)
	require.NoError(t, err)
	require.Equal(t, len(b), n)
	require.Equal(t, e, got, "an Event field is not encoded or decoded; update codec.go and bump CodecVersion")

	zero := AppendEvent(nil, &Event{})
	v := reflect.ValueOf(e)
	for i := range v.NumField() {
		var one Event
		reflect.ValueOf(&one).Elem().Field(i).Set(v.Field(i))
		require.NotEqual(t, zero, AppendEvent(nil, &one), "field %s is not encoded", v.Type().Field(i).Name)
	}
}

func codecSampleCommands() []Command {
	return []Command{
		{},
		{Kind: CmdRegister, Time: 1, Name: "ООО «Цемент»", INN: "7700000001", KPP: "770001001"},
		{Kind: CmdSetStatus, Participant: 7, Status: catalog.StatusVerified},
		{
			Kind: CmdPlace, Time: 1_700_000_000_000, Participant: 3, Category: 12, Basis: 2,
			ClientOrderID: math.MaxUint64, Side: Sell, Type: Limit, TIF: GTD, STP: STPCancelBoth,
			Price: 512_300, Qty: 40, MinQty: 20, ExpireAt: 1_700_000_060_000,
		},
		{Kind: CmdPlace, Time: -5, Participant: 3, Side: Buy, Type: Market, TIF: FOK, Qty: -1, Price: math.MinInt64},
		{Kind: CmdCancel, Participant: 3, OrderID: 1<<40 | 17},
		{Kind: CmdAmend, Participant: 3, OrderID: math.MaxUint64, Price: math.MaxInt64, Qty: 1},
		{Kind: CmdExpire, Time: math.MaxInt64},
		{Kind: CmdSubscribe, Participant: 4, Category: 3, Bases: []catalog.BasisID{1, 2, 300}, MinQty: 10, MaxQty: 1000},
		{Kind: CmdOpenTender, Participant: 4, Category: 12, Basis: 1, Qty: 500, Price: 1_000_000, OpenAt: 10, CloseAt: 20,
			TenderMode: 2, Evaluation: 2, WeightPrice: 7000, WeightLeadTime: 2000, WeightRating: 1000,
			MinWinners: 1, MaxWinners: 3, SubscribersOnly: true, Decrement: 100, Extension: 5},
		{Kind: CmdBid, Participant: 5, Tender: 9, Price: 990_000, Qty: 100, LeadTime: 14},
		{Kind: CmdSetMarketMode, Category: 12, Basis: 1, MarketMode: MarketCall},
		{Kind: CmdUncross, Time: 77, Category: 12, Basis: 1, RefPrice: 500_000},
		{Kind: 255, Side: 200, Rating: 255, Status: 9, MarketMode: 200}, // invalid values encode unchanged
	}
}

func codecSampleEvents() []Event {
	return []Event{
		{},
		{Seq: 1, Time: 5, Kind: EventRegistered, Command: CmdRegister, Participant: 1, Status: catalog.StatusPending},
		{Seq: 9, Kind: EventRejected, Reject: ReasonPriceNotOnTick, Command: CmdPlace, Participant: 2, Price: 101, Qty: 3},
		{
			Seq: math.MaxUint64, Time: -1, Kind: EventFill, Command: CmdPlace, Participant: 2, Category: 12, Basis: 1,
			OrderID: 1<<40 | 2, ClientOrderID: 77, Side: Buy, Price: 5000, Qty: 3, Remaining: 0,
			MakerParticipant: 3, MakerOrderID: 1<<40 | 1, MakerClientOrderID: 1, MakerRemaining: 7,
		},
		{Seq: 10, Kind: EventCancelled, Cancel: orderbook.CancelAmendDown, OrderID: 4, Qty: 5, Remaining: 2},
		{Seq: 11, Kind: EventSubscribed, Participant: 4, Subscription: 2, Category: 3, Bases: []catalog.BasisID{5}, MinQty: 1, MaxQty: 2},
		{Seq: 14, Kind: EventUncrossed, Category: 12, Basis: 1, MarketMode: MarketCall, Price: 500_000, Qty: 40, Remaining: 2, Imbalance: -20, BestPrice: 499_900},
		{Seq: 12, Kind: EventAwarded, Tender: 3, Participant: 5, MakerParticipant: 4, Price: 10, Qty: 20, Rank: 1, Score: 1_000_000, LeadTime: 3, OpenAt: 1, CloseAt: 2, BestPrice: 10, Rating: 100},
	}
}

func TestCodecCommandRoundTrip(t *testing.T) {
	var stream []byte
	cmds := codecSampleCommands()
	for _, c := range cmds {
		b := AppendCommand(nil, &c)
		got, n, err := DecodeCommand(b)
		require.NoError(t, err, "%+v", c)
		require.Equal(t, len(b), n)
		require.Equal(t, c, got)
		require.Equal(t, b, AppendCommand(nil, &got), "deterministic")
		stream = AppendCommand(stream, &c)
	}
	// Records are self-delimiting: a stream decodes back record by record.
	for i := 0; len(stream) > 0; i++ {
		got, n, err := DecodeCommand(stream)
		require.NoError(t, err)
		require.Equal(t, cmds[i], got)
		stream = stream[n:]
	}
}

func TestCodecEventRoundTrip(t *testing.T) {
	var stream []byte
	evs := codecSampleEvents()
	for _, e := range evs {
		b := AppendEvent(nil, &e)
		got, n, err := DecodeEvent(b)
		require.NoError(t, err, "%+v", e)
		require.Equal(t, len(b), n)
		require.Equal(t, e, got)
		stream = AppendEvent(stream, &e)
	}
	for i := 0; len(stream) > 0; i++ {
		got, n, err := DecodeEvent(stream)
		require.NoError(t, err)
		require.Equal(t, evs[i], got)
		stream = stream[n:]
	}
}

// TestCodecGolden pins the byte layouts of versions 1 and 2: journals
// written yesterday and today must decode tomorrow. A change here needs a
// new CodecVersion. A version 1 record decodes with the version 2 fields
// zero; the encoder writes version 2, which appends them.
func TestCodecGolden(t *testing.T) {
	c := Command{
		Kind: CmdPlace, Time: 1000, Participant: 3, Category: 12, Basis: 2, ClientOrderID: 300,
		Side: Sell, Type: Limit, TIF: GTC, Price: -64, Qty: 64, Name: "ab", Bases: []catalog.BasisID{1, 128},
		SubscribersOnly: true, LeadTime: -1, MarketMode: MarketCall,
	}
	want := "01" + // version
		"03" + "d00f" + "03" + "0c" + "02" + "00" + "ac02" + // Kind, Time 1000 zigzag, Participant, Category, Basis, OrderID, ClientOrderID 300
		"02" + "01" + "01" + "00" + // Side, Type, TIF, STP
		"7f" + "8001" + "00" + "00" + "00" + // Price -64, Qty 64, MinQty, ExpireAt, Status
		"026162" + "00" + "00" + // Name "ab", INN, KPP
		"02" + "01" + "8001" + // Bases [1 128]
		"00" + "00" + "00" + // MaxQty, Subscription, Rating
		"00" + "00" + "00" + "00" + "00" + "00" + "00" + // Tender, TenderMode, Evaluation, OpenAt, CloseAt, Decrement, Extension
		"00" + "00" + "00" + "00" + "00" + // weights, MinWinners, MaxWinners
		"01" + "01" + // SubscribersOnly, LeadTime -1
		"02" + "00" // MarketMode, RefPrice
	v1, err := hex.DecodeString(want)
	require.NoError(t, err)
	got, n, err := DecodeCommand(v1)
	require.NoError(t, err)
	require.Equal(t, len(v1), n)
	require.Equal(t, c, got, "a version 1 record")
	want = "02" + want[2:] + "00" + "00" + "00" + "00" + "00" + "00" + "00" + "00" + "00" // KeyID, KeyAlgorithm, PublicKey, ValidFrom, ValidUntil, SignPolicy, Nonce, Signature, SignatureVerified
	require.Equal(t, want, hex.EncodeToString(AppendCommand(nil, &c)))

	e := Event{Seq: 1, Time: 2, Kind: EventFill, Participant: 3, OrderID: 1 << 40, Price: 100, Qty: -3, Rank: 1, Imbalance: -2}
	want = "01" + "01" + "04" + "03" + "00" + "00" + "00" + // version, Seq, Time, Kind, Reject, Cancel, Command
		"03" + "00" + "00" + "808080808020" + "00" + "00" + // Participant, Category, Basis, OrderID 1<<40, ClientOrderID, Side
		"c801" + "05" + "00" + // Price 100, Qty -3, Remaining
		"00" + "00" + "00" + "00" + "00" + // Maker*, Status
		"00" + "00" + "01" + "00" + // Rating, MarketMode, Rank, Score
		"00" + "00" + "00" + "00" + // Subscription, Bases, MinQty, MaxQty
		"00" + "00" + "00" + "00" + "00" + "03" // Tender, OpenAt, CloseAt, LeadTime, BestPrice, Imbalance -2
	v1, err = hex.DecodeString(want)
	require.NoError(t, err)
	gotE, n, err := DecodeEvent(v1)
	require.NoError(t, err)
	require.Equal(t, len(v1), n)
	require.Equal(t, e, gotE, "a version 1 record")
	require.Equal(t, want, hex.EncodeToString(AppendEvent(nil, &e)), "an event without version 2 fields stays in version 1")
	e.KeyID, e.SignPolicy = 5, SignRequired
	want = "02" + want[2:] + "05" + "02" // KeyID, SignPolicy
	require.Equal(t, want, hex.EncodeToString(AppendEvent(nil, &e)))
	_, _, err = DecodeEvent(codecSplice(v1, 0, 2))
	require.ErrorIs(t, err, ErrCorruptEvent, "version 2 needs its fields")
}

func TestCodecTrailingBytes(t *testing.T) {
	c := codecSampleCommands()[3]
	b := AppendCommand(nil, &c)
	got, n, err := DecodeCommand(append(bytes.Clone(b), 0xff, 0x00, 0x17))
	require.NoError(t, err)
	require.Equal(t, len(b), n)
	require.Equal(t, c, got)

	e := codecSampleEvents()[3]
	eb := AppendEvent(nil, &e)
	gotE, n, err := DecodeEvent(append(bytes.Clone(eb), 0x01))
	require.NoError(t, err)
	require.Equal(t, len(eb), n)
	require.Equal(t, e, gotE)
}

func TestCodecEmptyBasesDecodeNil(t *testing.T) {
	a := AppendCommand(nil, &Command{Kind: CmdSubscribe, Bases: []catalog.BasisID{}})
	b := AppendCommand(nil, &Command{Kind: CmdSubscribe})
	require.Equal(t, a, b)
	got, _, err := DecodeCommand(a)
	require.NoError(t, err)
	require.Nil(t, got.Bases)
}

func TestCodecStringLimit(t *testing.T) {
	c := Command{Kind: CmdRegister, Name: strings.Repeat("я", MaxStringLen/2)} // exactly MaxStringLen bytes
	require.NoError(t, CheckCommandEncodable(&c))
	got, _, err := DecodeCommand(AppendCommand(nil, &c))
	require.NoError(t, err)
	require.Equal(t, c, got)

	// Over the limit, a field is written clipped to one over the limit,
	// which still decodes (and which the exchange refuses as it refuses
	// the original: see TestLimitsSameInNewAndOpen).
	for _, extra := range []int{1, 2, 4 << 20} {
		c.Name = strings.Repeat("я", MaxStringLen/2) + strings.Repeat("x", extra)
		require.NoError(t, CheckCommandEncodable(&c))
		enc := AppendCommand(nil, &c)
		require.Less(t, len(enc), MaxStringLen+64)
		got, n, err := DecodeCommand(enc)
		require.NoError(t, err)
		require.Equal(t, len(enc), n)
		require.Equal(t, c.Name[:MaxStringLen+1], got.Name)
		require.Equal(t, enc, AppendCommand(nil, &got), "the clipped form is canonical")
	}

	c = Command{Kind: CmdSubscribe, Bases: make([]catalog.BasisID, MaxBases)}
	require.NoError(t, CheckCommandEncodable(&c))
	got, _, err = DecodeCommand(AppendCommand(nil, &c))
	require.NoError(t, err)
	require.Equal(t, c, got)
	c.Bases = make([]catalog.BasisID, 2000)
	require.NoError(t, CheckCommandEncodable(&c))
	got, _, err = DecodeCommand(AppendCommand(nil, &c))
	require.NoError(t, err)
	require.Len(t, got.Bases, MaxBases+1)

	e := Event{Bases: make([]catalog.BasisID, MaxBases+1)}
	require.ErrorIs(t, CheckEventEncodable(&e), ErrNotEncodable)
	_, _, err = DecodeEvent(AppendEvent(nil, &e))
	require.ErrorIs(t, err, ErrCorruptEvent)
	e.Bases = e.Bases[:MaxBases]
	require.NoError(t, CheckEventEncodable(&e))
}

// codecFieldOffset returns the offset of the field that set changes in the
// encoding of a zero value: the first byte that differs.
func codecFieldOffset(t *testing.T, zero, marked []byte) int {
	t.Helper()
	for i := range zero {
		if i >= len(marked) || zero[i] != marked[i] {
			return i
		}
	}
	t.Fatal("marker did not change the encoding")
	return 0
}

// codecSplice replaces the single byte at off in b with repl.
func codecSplice(b []byte, off int, repl ...byte) []byte {
	out := append([]byte(nil), b[:off]...)
	out = append(out, repl...)
	return append(out, b[off+1:]...)
}

func TestDecodeCommandCorrupt(t *testing.T) {
	zero := AppendCommand(nil, &Command{})
	at := func(set func(*Command)) int {
		var c Command
		set(&c)
		return codecFieldOffset(t, zero, AppendCommand(nil, &c))
	}
	kind := at(func(c *Command) { c.Kind = 1 })
	timeOff := at(func(c *Command) { c.Time = 1 })
	name := at(func(c *Command) { c.Name = "x" })
	bases := at(func(c *Command) { c.Bases = []catalog.BasisID{1} })
	rating := at(func(c *Command) { c.Rating = 1 })
	weight := at(func(c *Command) { c.WeightPrice = 1 })
	participant := at(func(c *Command) { c.Participant = 1 })
	subOnly := at(func(c *Command) { c.SubscribersOnly = true })
	require.Equal(t, 1, kind)

	tests := []struct {
		name string
		in   []byte
		want string // a fragment of the error
	}{
		{"empty", nil, "version at byte 0: no data"},
		{"version 0", codecSplice(zero, 0, 0), "unknown codec version 0"},
		{"version 4", codecSplice(zero, 0, 4), "unknown codec version 4"},
		{"version 255", codecSplice(zero, 0, 255), "unknown codec version 255"},
		{"only the version", zero[:1], "Kind at byte 1: truncated"},
		{"over-long varint", codecSplice(zero, kind, 0x81, 0x00), "over-long varint"},
		{"over-long zero", codecSplice(zero, timeOff, 0x80, 0x00), "over-long varint"},
		{"varint of 11 bytes", codecSplice(zero, timeOff, bytes.Repeat([]byte{0xff}, 10)...), "overflows 64 bits"},
		{"varint over 64 bits", codecSplice(zero, timeOff, append(bytes.Repeat([]byte{0xff}, 9), 0x02)...), "overflows 64 bits"},
		{"kind out of uint8", codecSplice(zero, kind, 0x80, 0x02), "Kind at byte 1: value 256 out of range"},
		{"rating out of uint8", codecSplice(zero, rating, 0x80, 0x02), "Rating"},
		{"weight out of uint16", codecSplice(zero, weight, 0x80, 0x80, 0x04), "WeightPrice"},
		{"participant out of uint32", codecSplice(zero, participant, 0x80, 0x80, 0x80, 0x80, 0x10), "Participant"},
		{"string too long", codecSplice(zero, name, 0x82, 0x20), "string of 4098 bytes exceeds"},
		{"string past the end", append(zero[:name:name], 0x05, 'a', 'b'), "truncated: string of 5 bytes, 2 left"},
		{"too many bases", codecSplice(zero, bases, 0x82, 0x08), "1026 bases exceed"},
		{"bases missing", zero[:bases], "Bases at byte"},
		{"bases count past the end", append(zero[:bases:bases], 0x03, 0x01), "truncated: 3 bases"},
		{"bool 2", codecSplice(zero, subOnly, 2), "bool byte 2"},
		{"bool missing", zero[:subOnly], "SubscribersOnly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, n, err := DecodeCommand(tt.in)
			require.ErrorIs(t, err, ErrCorruptCommand)
			require.NotErrorIs(t, err, ErrCorruptEvent)
			require.Contains(t, err.Error(), tt.want)
			require.Zero(t, n)
			require.Equal(t, Command{}, c)
		})
	}

	// Every strict prefix of a valid record is truncated.
	var full Command
	codecFillDistinct(t, &full)
	b := AppendCommand(nil, &full)
	for i := range len(b) {
		_, n, err := DecodeCommand(b[:i])
		require.ErrorIs(t, err, ErrCorruptCommand, "prefix %d", i)
		require.Zero(t, n)
	}
}

func TestDecodeEventCorrupt(t *testing.T) {
	zero := AppendEvent(nil, &Event{})
	var e Event
	e.Rank = 1
	rank := codecFieldOffset(t, zero, AppendEvent(nil, &e))
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", []byte{}, "no data"},
		{"version 4", codecSplice(zero, 0, 4), "unknown codec version 4"},
		{"version 2 without its fields", append(codecSplice(zero, 0, 2), 0, 0), "not canonical"},
		{"over-long", codecSplice(zero, 1, 0xff, 0x00), "Seq at byte 1: over-long varint"},
		{"kind out of range", codecSplice(zero, 3, 0x80, 0x04), "Kind"},
		{"rank out of uint32", codecSplice(zero, rank, 0x80, 0x80, 0x80, 0x80, 0x10), "Rank"},
		{"truncated", zero[:len(zero)-1], "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := DecodeEvent(tt.in)
			require.ErrorIs(t, err, ErrCorruptEvent)
			require.NotErrorIs(t, err, ErrCorruptCommand)
			require.Contains(t, err.Error(), tt.want)
			require.Zero(t, n)
			require.Equal(t, Event{}, got)
		})
	}
	var full Event
	codecFillDistinct(t, &full)
	b := AppendEvent(nil, &full)
	for i := range len(b) {
		_, _, err := DecodeEvent(b[:i])
		require.ErrorIs(t, err, ErrCorruptEvent, "prefix %d", i)
	}
}

func TestCodecAllocs(t *testing.T) {
	cmds := codecSampleCommands()
	evs := codecSampleEvents()
	buf := make([]byte, 0, 4096)
	for i := range cmds {
		c := &cmds[i]
		require.Zero(t, testing.AllocsPerRun(100, func() { buf = AppendCommand(buf[:0], c) }), "AppendCommand %+v", *c)
	}
	for i := range evs {
		e := &evs[i]
		require.Zero(t, testing.AllocsPerRun(100, func() { buf = AppendEvent(buf[:0], e) }), "AppendEvent %+v", *e)
	}
	// Decoding allocates only strings and bases.
	place := AppendCommand(nil, &cmds[3])
	require.Zero(t, testing.AllocsPerRun(100, func() { _, _, _ = DecodeCommand(place) }))
	fill := AppendEvent(nil, &evs[3])
	require.Zero(t, testing.AllocsPerRun(100, func() { _, _, _ = DecodeEvent(fill) }))
}

// checkCommandDecode is the property of FuzzDecodeCommand: decoding never
// panics; a failure wraps ErrCorruptCommand; a success is canonical, so
// re-encoding gives back exactly the bytes consumed, and decodes to the same
// command.
func checkCommandDecode(t *testing.T, b []byte) {
	c, n, err := DecodeCommand(b)
	// Decoding into a reused command gives the same, whatever it held.
	var into Command
	codecFillDistinct(t, &into)
	nInto, errInto := wire.DecodeCommandTo(&into, b)
	require.Equal(t, err, errInto)
	require.Equal(t, n, nInto)
	require.Equal(t, c, into)
	if err != nil {
		require.ErrorIs(t, err, ErrCorruptCommand)
		require.Zero(t, n)
		return
	}
	require.Positive(t, n)
	require.LessOrEqual(t, n, len(b))
	require.NoError(t, CheckCommandEncodable(&c))
	re := AppendCommand(nil, &c)
	if b[0] == 1 {
		// A version 1 record re-encodes in version 2: the same fields,
		// then the version 2 fields, zero.
		require.Equal(t, append([]byte{2}, b[1:n]...), re[:n], "not canonical")
		require.Equal(t, make([]byte, 9), re[n:], "version 2 fields of a version 1 record")
		n = len(re)
	} else {
		require.Equal(t, b[:n], re, "not canonical")
	}
	c2, n2, err := DecodeCommand(re)
	require.NoError(t, err)
	require.Equal(t, n, n2)
	require.Equal(t, c, c2)
}

func checkEventDecode(t *testing.T, b []byte) {
	e, n, err := DecodeEvent(b)
	if err != nil {
		require.ErrorIs(t, err, ErrCorruptEvent)
		require.Zero(t, n)
		return
	}
	require.Positive(t, n)
	require.LessOrEqual(t, n, len(b))
	re := AppendEvent(nil, &e)
	require.Equal(t, b[:n], re, "not canonical")
	e2, n2, err := DecodeEvent(re)
	require.NoError(t, err)
	require.Equal(t, n, n2)
	require.Equal(t, e, e2)
}

func FuzzDecodeCommand(f *testing.F) {
	for _, c := range codecSampleCommands() {
		f.Add(AppendCommand(nil, &c))
	}
	var full Command
	codecFillDistinct(f, &full)
	f.Add(AppendCommand(nil, &full))
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{2, 0, 0})
	f.Add(bytes.Repeat([]byte{0x80}, 64))
	f.Fuzz(checkCommandDecode)
}

func FuzzDecodeEvent(f *testing.F) {
	for _, e := range codecSampleEvents() {
		f.Add(AppendEvent(nil, &e))
	}
	var full Event
	codecFillDistinct(f, &full)
	f.Add(AppendEvent(nil, &full))
	f.Add([]byte{})
	f.Add([]byte{1, 0xff})
	f.Fuzz(checkEventDecode)
}
