// Package feed is Agora's ordered output buffer: the encoded outputs of
// consecutive sequence numbers, kept in a ring bounded in bytes, served to
// any number of readers from any sequence number still held.
//
// # Model
//
// Every sequence number has exactly one output, an opaque byte string (the
// encoded events of one command; empty is allowed). Writers publish outputs
// in any order: an output whose predecessors are not all published yet is
// staged, and becomes visible when the gap before it closes, so readers
// always see 1, 2, 3, ... with no gap and no duplicate.
//
// The ring holds the newest outputs whose total size fits in the byte
// budget (the newest one always, even when it alone exceeds the budget).
// Publishing never waits for readers: a reader that falls behind the ring
// gets ErrTruncated, never a silent gap.
//
// # Concurrency
//
// A Buffer is safe for concurrent use. Publish, Read and Wait take one
// short mutex; Wait blocks outside it. Publish allocates nothing once the
// ring and the staging area have grown to their working size.
package feed

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

var (
	// ErrTruncated reports a read of a sequence number older than the
	// oldest output the buffer still holds. Errors wrap it in a
	// *TruncatedError carrying both numbers.
	ErrTruncated = errors.New("feed: output no longer held")
	// ErrNotYet reports a read of a sequence number not yet published.
	ErrNotYet = errors.New("feed: output not yet published")
	// ErrDuplicate reports a second publication of one sequence number,
	// or a publication at or before the first sequence number.
	ErrDuplicate = errors.New("feed: sequence number already published")
	// ErrTooFar reports a publication more than MaxPending sequence
	// numbers beyond the last contiguous one.
	ErrTooFar = errors.New("feed: sequence number too far ahead")
	// ErrClosed reports a Wait on a closed buffer.
	ErrClosed = errors.New("feed: closed")
)

// MaxPending bounds how far ahead of the contiguous prefix an output may be
// published: the number of commands that may be in flight at once.
const MaxPending = 1 << 20

// TruncatedError is the error of a read older than what is held.
type TruncatedError struct {
	Want   uint64 // the sequence number asked for
	Oldest uint64 // the oldest sequence number still held (0: none yet)
}

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("feed: output %d no longer held (oldest held: %d)", e.Want, e.Oldest)
}

// Unwrap makes errors.Is(err, ErrTruncated) true.
func (e *TruncatedError) Unwrap() error { return ErrTruncated }

// entry locates one held output in the ring's byte buffer.
type entry struct {
	off, n int
}

// staged is an output published ahead of its turn.
type staged struct {
	seq uint64
	buf []byte
}

// Buffer is the ordered, bounded output buffer. The zero value is not
// usable; call New.
type Buffer struct {
	mu     sync.Mutex
	budget int

	// The held outputs are oldest..last, entries[(head+i)%len(entries)]
	// locating output oldest+i in data.
	data    []byte
	entries []entry
	head    int
	count   int
	oldest  uint64 // sequence number of entries[head]; last+1 when empty
	last    uint64 // last contiguous published sequence number
	used    int    // bytes of data held by entries
	writeAt int    // next free byte in data

	pending []staged // outputs ahead of last+1, unordered
	spare   [][]byte // reusable staging buffers

	waiters map[chan struct{}]struct{}
	closed  bool
}

// New returns an empty buffer whose next output is after, that is whose
// first published sequence number must be after+1, holding at most budget
// bytes of outputs (the newest output always). budget must be positive.
func New(budget int, after uint64) (*Buffer, error) {
	if budget <= 0 {
		return nil, fmt.Errorf("feed: budget %d must be positive", budget)
	}
	return &Buffer{
		budget:  budget,
		data:    make([]byte, 0, min(budget, 1<<16)),
		entries: make([]entry, 64),
		oldest:  after + 1,
		last:    after,
		waiters: map[chan struct{}]struct{}{},
	}, nil
}

// Last returns the last sequence number published with all its
// predecessors: readers may read up to it.
func (b *Buffer) Last() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// Oldest returns the oldest sequence number still held; Last()+1 when
// nothing is held.
func (b *Buffer) Oldest() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.oldest
}

// Bytes returns the bytes of outputs held now.
func (b *Buffer) Bytes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Publish records the output of seq, copying out. Outputs may be published
// in any order; each becomes readable once every earlier one is. Cost: the
// copy, plus O(p) in the outputs staged ahead of their turn.
// Errors: ErrDuplicate, ErrTooFar.
func (b *Buffer) Publish(seq uint64, out []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case seq <= b.last:
		return fmt.Errorf("%w: %d (last %d)", ErrDuplicate, seq, b.last)
	case seq-b.last > MaxPending:
		return fmt.Errorf("%w: %d (last %d)", ErrTooFar, seq, b.last)
	}
	if seq != b.last+1 {
		for i := range b.pending {
			if b.pending[i].seq == seq {
				return fmt.Errorf("%w: %d (staged)", ErrDuplicate, seq)
			}
		}
		var buf []byte
		if n := len(b.spare); n > 0 {
			buf, b.spare = b.spare[n-1][:0], b.spare[:n-1]
		}
		b.pending = append(b.pending, staged{seq: seq, buf: append(buf, out...)})
		return nil
	}
	b.push(out)
	for len(b.pending) > 0 {
		i := b.stagedIndex(b.last + 1)
		if i < 0 {
			break
		}
		p := b.pending[i]
		b.push(p.buf)
		last := len(b.pending) - 1
		b.pending[i] = b.pending[last]
		b.pending[last] = staged{}
		b.pending = b.pending[:last]
		b.spare = append(b.spare, p.buf)
	}
	for ch := range b.waiters {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	return nil
}

func (b *Buffer) stagedIndex(seq uint64) int {
	for i := range b.pending {
		if b.pending[i].seq == seq {
			return i
		}
	}
	return -1
}

// push appends the output of last+1 to the ring, dropping the oldest
// outputs until it fits the budget. The caller holds mu.
func (b *Buffer) push(out []byte) {
	n := len(out)
	for b.count > 0 && b.used+n > b.budget {
		b.dropOldest()
	}
	off := b.place(n)
	if len(b.data) < off+n {
		b.data = b.data[:off+n]
	}
	copy(b.data[off:off+n], out)
	b.writeAt = off + n
	if b.count == len(b.entries) {
		b.growEntries()
	}
	b.entries[(b.head+b.count)%len(b.entries)] = entry{off: off, n: n}
	b.count++
	b.used += n
	b.last++
}

// place returns the offset in data where the next n bytes go, dropping the
// oldest outputs whose bytes are in the way. The held bytes run from the
// oldest entry's offset to writeAt, possibly wrapping round the end of
// data; data grows up to the budget (or to n, for one output larger than
// the budget). The caller holds mu.
func (b *Buffer) place(n int) int {
	for {
		if b.count == 0 {
			b.writeAt = 0
			if cap(b.data) < n {
				b.data = make([]byte, 0, max(n, min(b.budget, 2*cap(b.data))))
			}
			return 0
		}
		first := b.entries[b.head].off
		wrapped := first > b.writeAt || (first == b.writeAt && b.used > 0)
		if !wrapped {
			switch {
			case b.writeAt+n <= cap(b.data):
				return b.writeAt
			case b.writeAt+n <= b.budget:
				b.grow(b.writeAt + n)
				return b.writeAt
			case n <= first:
				return 0
			}
		} else if b.writeAt+n <= first {
			return b.writeAt
		}
		b.dropOldest()
	}
}

// grow extends data's capacity to at least need bytes, keeping its
// contents. The caller holds mu.
func (b *Buffer) grow(need int) {
	c := max(need, min(b.budget, 2*cap(b.data)))
	d := make([]byte, len(b.data), c)
	copy(d, b.data)
	b.data = d
}

func (b *Buffer) growEntries() {
	e := make([]entry, 2*len(b.entries))
	for i := 0; i < b.count; i++ {
		e[i] = b.entries[(b.head+i)%len(b.entries)]
	}
	b.entries, b.head = e, 0
}

func (b *Buffer) dropOldest() {
	b.used -= b.entries[b.head].n
	b.head = (b.head + 1) % len(b.entries)
	b.count--
	b.oldest++
	if b.count == 0 {
		b.writeAt = 0
	}
}

// Read appends the output of seq to dst and returns it, without waiting.
// Errors: a *TruncatedError (errors.Is ErrTruncated) when seq is older than
// what is held; ErrNotYet when seq is after Last(). Cost: the copy.
func (b *Buffer) Read(seq uint64, dst []byte) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case seq > b.last:
		return dst, ErrNotYet
	case seq < b.oldest:
		return dst, &TruncatedError{Want: seq, Oldest: b.heldOldest()}
	}
	e := b.entries[(b.head+int(seq-b.oldest))%len(b.entries)]
	return append(dst, b.data[e.off:e.off+e.n]...), nil
}

func (b *Buffer) heldOldest() uint64 {
	if b.count == 0 {
		return 0
	}
	return b.oldest
}

// Wait blocks until seq is published (Last() >= seq), ctx is done, or the
// buffer is closed. It returns nil, ctx.Err() wrapped, or ErrClosed.
func (b *Buffer) Wait(ctx context.Context, seq uint64) error {
	var ch chan struct{}
	for {
		b.mu.Lock()
		if b.last >= seq {
			if ch != nil {
				delete(b.waiters, ch)
			}
			b.mu.Unlock()
			return nil
		}
		if b.closed {
			b.mu.Unlock()
			return ErrClosed
		}
		if ch == nil {
			ch = make(chan struct{}, 1)
			b.waiters[ch] = struct{}{}
		}
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			b.mu.Lock()
			delete(b.waiters, ch)
			b.mu.Unlock()
			return fmt.Errorf("feed: waiting for %d: %w", seq, ctx.Err())
		}
	}
}

// Close wakes every waiter with ErrClosed; later Waits that would block
// return ErrClosed. Reads of held outputs still work.
func (b *Buffer) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for ch := range b.waiters {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
