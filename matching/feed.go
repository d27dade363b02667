package matching

import (
	"context"
	"encoding/binary"
	"errors"
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

// publish encodes the output of seq (its events: uvarint count, then each
// event's AppendEvent encoding) into scratch and publishes it. It returns
// scratch for reuse. The caller holds the lock that owns scratch.
func (x *Exchange) publish(seq uint64, evs []Event, scratch []byte) []byte {
	b := binary.AppendUvarint(scratch[:0], uint64(len(evs)))
	for i := range evs {
		b = AppendEvent(b, &evs[i])
	}
	if err := x.outputs.Publish(seq, b); err != nil {
		// Unreachable: every sequence number is taken once and published
		// once, and no more than the commands in flight are ahead.
		panic(fmt.Sprintf("matching: output feed: %v", err))
	}
	return b
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
	return &FeedReader{x: x, next: max(from, 1)}
}

// FeedReader reads the ordered output feed; see Exchange.Feed.
type FeedReader struct {
	x    *Exchange
	next uint64
	buf  []byte
}

// Next returns the next output: its sequence number and its events,
// appended to dst. It waits until that output is published, or ctx is
// done. Errors: ErrFeedTruncated (the output is no longer held; the reader
// stays where it is, see Oldest), ctx's error (wrapped), ErrFeedClosed
// (the exchange was closed before the output was published), and
// ErrBadRecord if an output does not decode (a bug, never expected).
func (r *FeedReader) Next(ctx context.Context, dst []Event) (uint64, []Event, error) {
	seq := r.next
	if err := r.x.outputs.Wait(ctx, seq); err != nil {
		return seq, dst, err
	}
	var err error
	r.buf, err = r.x.outputs.Read(seq, r.buf[:0])
	if err != nil {
		return seq, dst, err
	}
	dst, err = decodeOutput(r.buf, dst)
	if err != nil {
		return seq, dst, fmt.Errorf("%w: output %d: %w", ErrBadRecord, seq, err)
	}
	r.next++
	return seq, dst, nil
}

// Pos returns the sequence number the next call to Next reads.
func (r *FeedReader) Pos() uint64 { return r.next }

// Seek moves the reader to sequence number seq (at least 1).
func (r *FeedReader) Seek(seq uint64) { r.next = max(seq, 1) }

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

// decodeOutput appends the events of one encoded output to dst.
func decodeOutput(b []byte, dst []Event) ([]Event, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return dst, errors.New("bad event count")
	}
	b = b[k:]
	for range n {
		e, m, err := DecodeEvent(b)
		if err != nil {
			return dst, err
		}
		dst = append(dst, e)
		b = b[m:]
	}
	if len(b) != 0 {
		return dst, fmt.Errorf("%d trailing bytes", len(b))
	}
	return dst, nil
}
