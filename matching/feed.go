package matching

import (
	"context"
	"fmt"
	"slices"
	"unsafe"

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

// eventBytes is the feed's measure of an event: its struct and its Bases.
func eventBytes(e *Event) int { return int(unsafe.Sizeof(*e)) + 4*len(e.Bases) }

// publishNow publishes the output of seq as the command is applied, unless
// the exchange is journaled: a journaled command's output is published once
// the journal holds it (submitJournaled), so that no reader ever sees an
// output that a crash could take back.
func (x *Exchange) publishNow(seq uint64, evs []Event, scratch []Event) []Event {
	if x.jrn != nil {
		return scratch
	}
	return x.publish(seq, evs, scratch)
}

// publish publishes the output of seq: the events Submit returns for it.
// The feed keeps copies; an event's Bases, which its receiver owns, is
// copied too (only subscription events carry one). scratch is the caller's
// reusable buffer for that, returned for reuse; the caller holds the lock
// that owns it.
func (x *Exchange) publish(seq uint64, evs []Event, scratch []Event) []Event {
	out := evs
	for i := range evs {
		if len(evs[i].Bases) > 0 {
			out = append(scratch[:0], evs...)
			for j := range out {
				out[j].Bases = slices.Clone(out[j].Bases)
			}
			scratch = out
			break
		}
	}
	if err := x.outputs.Publish(seq, out); err != nil {
		// Unreachable: every sequence number is taken once and published
		// once, and no more than the commands in flight are ahead.
		panic(fmt.Sprintf("matching: output feed: %v", err))
	}
	return scratch
}

// Feed returns a reader of the ordered output feed positioned at sequence
// number from: its first Next returns the output of command from.
//
// The feed holds the output of every command in sequence order: the events
// that Submit returned for it, byte for byte, or none when the command
// produced none. Every sequence number has exactly one output, so a reader
// sees 1, 2, 3, ... with no gap and no duplicate, whatever order concurrent
// submitters finished in. Outputs are kept in memory, newest first, up to
// Config.FeedBytes of their encoding; a reader that asks for one no longer
// held gets a *FeedTruncatedError (errors.Is ErrFeedTruncated), never a
// silent gap. Readers never slow Submit down: a slow reader falls behind,
// then catches up or gets that error.
//
// from = Seq()+1 reads from the next command on; from must be at least 1.
// Any number of readers may exist; a reader is not safe for concurrent use.
func (x *Exchange) Feed(from uint64) *FeedReader {
	return &FeedReader{x: x, next: max(from, 1), wake: feed.NewWaiter()}
}

// FeedReader reads the ordered output feed; see Exchange.Feed.
type FeedReader struct {
	x    *Exchange
	next uint64
	wake *feed.Waiter
	// A batch read ahead: the outputs from next on, their events in
	// events[at:] and their event counts in counts[ci:].
	events []Event
	counts []int
	at, ci int
}

// readAhead is the most events a reader copies from the feed at once.
const readAhead = 4096

// Next returns the next output: its sequence number and its events,
// appended to dst (copies: the caller owns them). It waits until that
// output is published, or ctx is done. Errors: ErrFeedTruncated (the output
// is no longer held; the reader stays where it is, see Seek and
// Exchange.FeedOldest), ctx's error (wrapped), ErrFeedClosed (the exchange
// was closed before the output was published). Cost: the copy; it
// allocates only to grow dst (and for the Bases of subscription events).
func (r *FeedReader) Next(ctx context.Context, dst []Event) (uint64, []Event, error) {
	seq := r.next
	if r.ci == len(r.counts) {
		if err := r.x.outputs.Wait(ctx, seq, r.wake); err != nil {
			return seq, dst, err
		}
		var err error
		r.events, r.counts, _, err = r.x.outputs.ReadRange(seq, readAhead, r.events[:0], r.counts[:0])
		r.at, r.ci = 0, 0
		if err != nil {
			return seq, dst, err
		}
	}
	n := r.counts[r.ci]
	start := len(dst)
	dst = append(dst, r.events[r.at:r.at+n]...)
	clear(r.events[r.at : r.at+n])
	r.at += n
	r.ci++
	for i := start; i < len(dst); i++ {
		if len(dst[i].Bases) > 0 {
			dst[i].Bases = slices.Clone(dst[i].Bases) // the receiver owns it
		}
	}
	r.next++
	return seq, dst, nil
}

// Pos returns the sequence number the next call to Next reads.
func (r *FeedReader) Pos() uint64 { return r.next }

// Seek moves the reader to sequence number seq (at least 1), dropping
// what it had read ahead.
func (r *FeedReader) Seek(seq uint64) {
	r.next = max(seq, 1)
	clear(r.events)
	r.events, r.counts, r.at, r.ci = r.events[:0], r.counts[:0], 0, 0
}

// Lag returns how many published outputs the reader has not read yet.
func (r *FeedReader) Lag() uint64 {
	last := r.x.outputs.Last()
	if last < r.next {
		return 0
	}
	return last - r.next + 1
}

// FeedOldest returns the oldest sequence number the feed still holds, and
// FeedLast the newest it holds (the last command whose predecessors have
// all been published).
func (x *Exchange) FeedOldest() uint64 { return x.outputs.Oldest() }

// FeedLast returns the newest sequence number a reader can read without
// waiting.
func (x *Exchange) FeedLast() uint64 { return x.outputs.Last() }
