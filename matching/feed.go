package matching

import (
	"context"
	"fmt"

	"github.com/agora-exchange/agora/internal/feed"
)

// Errors of the ordered output feed.
var (
	// ErrFeedTruncated reports a read of an output older than the feed
	// still holds; errors.As gives a *FeedTruncatedError with both
	// sequence numbers.
	ErrFeedTruncated = feed.ErrTruncated
	// ErrFeedClosed reports a read that would wait on a closed exchange.
	ErrFeedClosed = feed.ErrClosed
)

// FeedTruncatedError is the error of a read older than the feed holds: Want
// is the sequence number asked for, Oldest the oldest one still held.
type FeedTruncatedError = feed.TruncatedError

// publishNow publishes the output of seq into lane as the command is
// applied, unless the exchange is journaled: a journaled command's output is
// published once the journal holds it (submitJournaled), so that no reader
// ever sees an output that a crash could take back.
func (x *Exchange) publishNow(lane int, seq uint64, evs []Event, scratch []byte) []byte {
	if x.jrn != nil {
		return scratch
	}
	return x.publish(lane, seq, evs, scratch)
}

// publish publishes the output of seq into lane of the feed: the events
// Submit returns for it, in the feed's compact form (feedcodec.go) in
// scratch, the caller's reusable buffer, which is returned for reuse (the
// caller holds the lock that owns it). The feed keeps a copy of the bytes,
// and its readers decode them on their own goroutines. Every sequence
// number is taken once and published once.
func (x *Exchange) publish(lane int, seq uint64, evs []Event, scratch []byte) []byte {
	enc := scratch[:0]
	for i := range evs {
		enc = appendFeedEvent(enc, &evs[i])
	}
	x.outputs.Publish(lane, seq, enc)
	return enc
}

// publishUnlocked publishes the output of seq for a caller that holds no
// lock (a journaled command, once durable), encoding it in a pooled
// buffer. Such outputs spread over the lanes by sequence number.
func (x *Exchange) publishUnlocked(seq uint64, evs []Event) {
	p, _ := x.pubScratch.Get().(*[]byte)
	if p == nil {
		p = new([]byte)
	}
	*p = x.publish(int(seq%feedLanes), seq, evs, *p)
	x.pubScratch.Put(p)
}

// Feed returns a reader of the ordered output feed positioned at sequence
// number from: its first Next returns the output of command from.
//
// The feed holds the output of every command in sequence order: the events
// that Submit returned for it, byte for byte, or none when the command
// produced none. Every sequence number has exactly one output, so a reader
// sees 1, 2, 3, ... with no gap and no duplicate, whatever order concurrent
// submitters finished in. Outputs are kept in memory up to Config.FeedBytes
// of their encoding, the newest kept; a reader that asks for one no longer
// held gets a *FeedTruncatedError (errors.Is ErrFeedTruncated), never a
// silent gap. Readers never slow Submit down: a slow reader falls behind,
// then catches up or gets that error.
//
// from = Seq()+1 reads from the next command on; from must be at least 1.
// Any number of readers may exist; a reader is not safe for concurrent use.
func (x *Exchange) Feed(from uint64) *FeedReader {
	return &FeedReader{x: x, cur: x.outputs.Cursor(max(from, 1))}
}

// FeedReader reads the ordered output feed; see Exchange.Feed.
type FeedReader struct {
	x   *Exchange
	cur *feed.Cursor
	// A batch read ahead: the outputs from next on, their encoded events
	// in data[at:] and their sizes in bytes in sizes[si:].
	next   uint64
	data   []byte
	sizes  []int
	at, si int
}

// readAhead is the most bytes of encoded outputs a reader copies from the
// feed at once (at least one output, whatever its size).
const readAhead = 256 << 10

// Next returns the next output: its sequence number and its events,
// appended to dst (copies: the caller owns them). It waits until that
// output is published, or ctx is done. Errors: ErrFeedTruncated (the output
// is no longer held; the reader stays where it is, see Seek and
// Exchange.FeedOldest), ctx's error (wrapped), ErrFeedClosed (the exchange
// was closed before the output was published). Cost: decoding the output
// (the feed holds it encoded); it allocates only to grow dst (and for the
// Bases of subscription events).
func (r *FeedReader) Next(ctx context.Context, dst []Event) (uint64, []Event, error) {
	if r.si == len(r.sizes) {
		var err error
		r.next, r.data, r.sizes, err = r.cur.Next(ctx, readAhead, r.data[:0], r.sizes[:0])
		r.at, r.si = 0, 0
		if err != nil {
			r.sizes = r.sizes[:0]
			return r.next, dst, err
		}
	}
	seq := r.next
	out := r.data[r.at : r.at+r.sizes[r.si]]
	start := len(dst)
	for len(out) > 0 {
		dst = append(dst, Event{})
		n, err := readFeedEvent(out, &dst[len(dst)-1])
		if err != nil {
			// The feed holds what publish wrote; a failure here is a
			// defect, reported rather than skipped.
			return seq, dst[:start], fmt.Errorf("matching: output feed at %d: %w", seq, err)
		}
		out = out[n:]
	}
	r.at += r.sizes[r.si]
	r.si++
	r.next++
	return seq, dst, nil
}

// Pos returns the sequence number the next call to Next reads.
func (r *FeedReader) Pos() uint64 {
	if r.si == len(r.sizes) {
		return r.cur.Pos()
	}
	return r.next
}

// Seek moves the reader to sequence number seq (at least 1), dropping
// what it had read ahead.
func (r *FeedReader) Seek(seq uint64) {
	r.cur.Seek(max(seq, 1))
	r.data, r.sizes, r.at, r.si = r.data[:0], r.sizes[:0], 0, 0
}

// Lag returns how many published outputs the reader has not read yet.
func (r *FeedReader) Lag() uint64 {
	last, pos := r.x.outputs.Last(), r.Pos()
	if last < pos {
		return 0
	}
	return last - pos + 1
}

// FeedOldest returns the oldest sequence number the feed still holds, and
// FeedLast the newest it holds (the last command whose predecessors have
// all been published).
func (x *Exchange) FeedOldest() uint64 { return x.outputs.Oldest() }

// FeedLast returns the newest sequence number a reader can read without
// waiting.
func (x *Exchange) FeedLast() uint64 { return x.outputs.Last() }
