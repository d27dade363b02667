package journal

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func eq[T comparable](t testing.TB, got, want T, what string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func isErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v does not wrap %v", err, target)
	}
}

func truth(t testing.TB, cond bool, format string, args ...any) {
	t.Helper()
	if !cond {
		t.Fatalf(format, args...)
	}
}

// payloadFor returns the deterministic payload of seq, 1 to 60 bytes.
func payloadFor(seq uint64) []byte {
	n := 1 + int(seq*7%60)
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(seq*31 + uint64(i)*17)
	}
	return p
}

// appendRange appends records first..last with payloadFor.
func appendRange(t testing.TB, l *FileLog, first, last uint64) {
	t.Helper()
	for s := first; s <= last; s++ {
		ok(t, l.Append(Record{Seq: s, Payload: payloadFor(s)}))
	}
}

// collect replays from and copies the records.
func collect(t testing.TB, l *FileLog, from uint64) []Record {
	t.Helper()
	var out []Record
	ok(t, l.Replay(from, func(r Record) error {
		out = append(out, Record{Seq: r.Seq, Payload: bytes.Clone(r.Payload)})
		return nil
	}))
	return out
}

// checkRange asserts recs are exactly first..last with payloadFor.
func checkRange(t testing.TB, recs []Record, first, last uint64) {
	t.Helper()
	if err := rangeErr(recs, first, last); err != nil {
		t.Fatal(err)
	}
}

func rangeErr(recs []Record, first, last uint64) error {
	want := 0
	if last >= first {
		want = int(last - first + 1)
	}
	if len(recs) != want {
		return fmt.Errorf("got %d records, want %d (seqs %d..%d)", len(recs), want, first, last)
	}
	for i, r := range recs {
		s := first + uint64(i)
		if r.Seq != s || !bytes.Equal(r.Payload, payloadFor(s)) {
			return fmt.Errorf("record %d: got seq %d payload %x, want seq %d payload %x", i, r.Seq, r.Payload, s, payloadFor(s))
		}
	}
	return nil
}
