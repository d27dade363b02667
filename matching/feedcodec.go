package matching

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/agora-exchange/agora/catalog"
)

// The ordered feed keeps each event in a private, compact form that costs
// little to write on the submit path: the event seen as 8-byte words, a
// mask of the non-zero words, then those words, then the Bases IDs. An
// event has mostly zero fields, so an order's events take about 90 bytes
// (the struct is 240). The form never leaves the process: the feed's
// readers decode it back into the same Event, field for field.
//
// Bases is the one field that holds a pointer. Its three words (pointer,
// length, capacity) are never written into the bytes; its IDs follow the
// words, and decoding gives the event a fresh slice (nil stays nil).

const (
	eventSize  = unsafe.Sizeof(Event{})
	eventWords = int(eventSize / 8)
	basesWord  = int(unsafe.Offsetof(Event{}.Bases) / 8)
	// basesMask covers the words of the Bases slice header.
	basesMask = uint64(7) << basesWord
)

// The word view needs an Event made of whole 8-byte words, at most 64 of
// them, and the Bases header on a word boundary. These fail to compile
// otherwise.
var (
	_ [eventSize % 8]struct{}                      // eventSize is a multiple of 8
	_ [64 - eventSize/8]struct{}                   // at most 64 words
	_ [unsafe.Offsetof(Event{}.Bases) % 8]struct{} // Bases is word-aligned
)

var errFeedCodec = errors.New("matching: feed: damaged output")

// eventWordsOf returns the words of e.
func eventWordsOf(e *Event) *[eventSize / 8]uint64 {
	return (*[eventSize / 8]uint64)(unsafe.Pointer(e))
}

// appendFeedEvent appends the feed's form of e to dst. Cost: one pass over
// the words; it allocates only if dst lacks room.
func appendFeedEvent(dst []byte, e *Event) []byte {
	w := eventWordsOf(e)
	dst = slices.Grow(dst, 8*(eventWords+1))
	at := len(dst)
	buf := dst[at : at+8*(eventWords+1)]
	off := 8
	var mask uint64
	for i, v := range w[:basesWord] {
		if v != 0 {
			mask |= 1 << i
			binary.LittleEndian.PutUint64(buf[off:], v)
			off += 8
		}
	}
	for i := basesWord + 3; i < eventWords; i++ {
		if v := w[i]; v != 0 {
			mask |= 1 << i
			binary.LittleEndian.PutUint64(buf[off:], v)
			off += 8
		}
	}
	binary.LittleEndian.PutUint64(buf, mask)
	dst = dst[:at+off]
	// 0: nil; n+1: n IDs (a non-nil empty Bases stays non-nil).
	var n uint64
	if e.Bases != nil {
		n = uint64(len(e.Bases)) + 1
	}
	dst = binary.AppendUvarint(dst, n)
	for _, b := range e.Bases {
		dst = binary.AppendUvarint(dst, uint64(b))
	}
	return dst
}

// readFeedEvent decodes one event in the feed's form from the start of b
// into e and returns the bytes it used. Errors: errFeedCodec for bytes that
// appendFeedEvent did not write.
func readFeedEvent(b []byte, e *Event) (int, error) {
	*e = Event{}
	if len(b) < 8 {
		return 0, errFeedCodec
	}
	mask := binary.LittleEndian.Uint64(b)
	if mask&basesMask != 0 || mask>>eventWords != 0 || len(b) < 8+8*bits.OnesCount64(mask) {
		return 0, errFeedCodec
	}
	w := eventWordsOf(e)
	off := 8
	for m := mask; m != 0; m &= m - 1 {
		w[bits.TrailingZeros64(m)] = binary.LittleEndian.Uint64(b[off:])
		off += 8
	}
	n, k := binary.Uvarint(b[off:])
	if k <= 0 || n > uint64(len(b)-off)+1 {
		return 0, errFeedCodec
	}
	off += k
	if n > 0 {
		e.Bases = make([]catalog.BasisID, n-1)
		for i := range e.Bases {
			v, k := binary.Uvarint(b[off:])
			if k <= 0 || v > uint64(^catalog.BasisID(0)) {
				return 0, errFeedCodec
			}
			e.Bases[i] = catalog.BasisID(v)
			off += k
		}
	}
	return off, nil
}
