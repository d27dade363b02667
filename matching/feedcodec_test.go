package matching

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// randomEvent sets each field of an Event at random (about half of them
// zero), Bases included.
func randomEvent(r *rand.Rand) Event {
	var e Event
	v := reflect.ValueOf(&e).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if r.IntN(2) == 0 {
			continue
		}
		switch f.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f.SetInt(int64(r.Uint64()) >> r.IntN(64))
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			f.SetUint(r.Uint64() >> r.IntN(64))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			bases := make([]catalog.BasisID, r.IntN(4))
			for j := range bases {
				bases[j] = catalog.BasisID(r.Uint32())
			}
			f.Set(reflect.ValueOf(bases))
		}
	}
	return e
}

// TestFeedCodecRoundTrip: every event decodes from the feed's form to an
// equal Event, field for field, nil and empty Bases kept apart.
func TestFeedCodecRoundTrip(t *testing.T) {
	// The word view relies on Bases being the one pointer-holding field.
	ty := reflect.TypeFor[Event]()
	for i := range ty.NumField() {
		f := ty.Field(i)
		switch f.Type.Kind() {
		case reflect.Slice, reflect.Pointer, reflect.String, reflect.Map, reflect.Interface, reflect.Struct, reflect.Array, reflect.Func, reflect.Chan:
			require.Equal(t, "Bases", f.Name, "Event field %s holds a pointer or a composite: the feed's word form (feedcodec.go) must handle it", f.Name)
		}
	}
	require.Equal(t, uintptr(basesWord*8), unsafe.Offsetof(Event{}.Bases))

	r := rand.New(rand.NewPCG(1, 2))
	var buf []byte
	for i := range 20000 {
		evs := []Event{randomEvent(r), {}, {Bases: []catalog.BasisID{}}, randomEvent(r)}
		buf = buf[:0]
		for j := range evs {
			buf = appendFeedEvent(buf, &evs[j])
		}
		out := buf
		for j := range evs {
			var got Event
			n, err := readFeedEvent(out, &got)
			require.NoError(t, err, "case %d event %d", i, j)
			require.Equal(t, evs[j], got, "case %d event %d", i, j)
			require.Equal(t, evs[j].Bases == nil, got.Bases == nil)
			out = out[n:]
		}
		require.Empty(t, out)
	}
}

// FuzzFeedCodec: no bytes make the feed's decoder panic, and an event it
// accepts encodes to a form that decodes to the same event.
func FuzzFeedCodec(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 8 {
		e := randomEvent(r)
		f.Add(appendFeedEvent(nil, &e))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var e Event
		n, err := readFeedEvent(b, &e)
		if err != nil {
			return
		}
		require.LessOrEqual(t, n, len(b))
		enc := appendFeedEvent(nil, &e)
		var again Event
		m, err := readFeedEvent(enc, &again)
		require.NoError(t, err)
		require.Equal(t, len(enc), m)
		require.Equal(t, e, again)
	})
}

// TestFeedCodecAllocs: writing an order's events into the feed's form
// allocates nothing once the buffer has room.
func TestFeedCodecAllocs(t *testing.T) {
	e := Event{Seq: 9, Time: 100, Kind: EventFill, Participant: 3, OrderID: 1 << 40, Price: 500_000, Qty: 10, MakerParticipant: 4}
	buf := make([]byte, 0, 256)
	require.Zero(t, testing.AllocsPerRun(100, func() { buf = appendFeedEvent(buf[:0], &e) }))
	var got Event
	require.Zero(t, testing.AllocsPerRun(100, func() { _, _ = readFeedEvent(buf, &got) }))
}

// BenchmarkFeedEncode compares the feed's form of a fill with its wire
// encoding (wire.AppendEvent), per event.
func BenchmarkFeedEncode(b *testing.B) {
	e := Event{Seq: 9, Time: 100, Kind: EventFill, Command: CmdPlace, Participant: 3, Category: 5, Basis: 2, OrderID: 1<<40 | 7, Side: Buy,
		Price: 500_000, Qty: 10, Remaining: 5, MakerParticipant: 4, MakerOrderID: 1<<40 | 3, MakerRemaining: 0}
	buf := make([]byte, 0, 256)
	b.Run("feed", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			buf = appendFeedEvent(buf[:0], &e)
		}
		b.ReportMetric(float64(len(buf)), "bytes/event")
	})
	b.Run("wire", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			buf = AppendEvent(buf[:0], &e)
		}
		b.ReportMetric(float64(len(buf)), "bytes/event")
	})
}
