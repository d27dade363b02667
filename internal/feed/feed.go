// Package feed is Agora's ordered output buffer: the outputs of consecutive
// sequence numbers (each a slice of items, the events of one command), kept
// in a ring bounded in bytes, served to any number of readers from any
// sequence number still held.
//
// # Model
//
// Every sequence number has exactly one output, a slice of items (empty is
// allowed). Writers publish outputs in any order: an output whose
// predecessors are not all published yet is staged, and becomes visible
// when the gap before it closes, so readers always see 1, 2, 3, ... with no
// gap and no duplicate.
//
// The ring holds the newest outputs whose total size fits in the byte
// budget (the newest one always, even when it alone exceeds the budget); an
// item's size is given by the Size function of the buffer. Publishing never
// waits for readers: a reader that falls behind the ring gets ErrTruncated,
// never a silent gap.
//
// # Concurrency
//
// A Buffer is safe for concurrent use. Publish and Read take one short
// mutex; Last is a single atomic load, which Wait polls: writers never wake
// readers. Publish and Read allocate nothing once the ring and the staging
// area have grown to their working size.
package feed

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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

// spins is how many times Wait polls for a publication, yielding between
// polls, before it sleeps between polls.
const spins = 4

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

// entry locates one held output in the ring of items.
type entry struct {
	off, n int // items ring[off : off+n]
	bytes  int // their size
}

// staged is an output published ahead of its turn.
type staged[T any] struct {
	seq   uint64
	ok    bool
	items []T // reused once the output is pushed
}

// Buffer is the ordered, bounded output buffer of items T. The zero value
// is not usable; call New.
type Buffer[T any] struct {
	mu     sync.Mutex
	budget int
	size   func(*T) int

	// The held outputs are oldest..last, entries[(head+i)%len(entries)]
	// locating output oldest+i in ring; len(entries) is a power of two.
	ring    []T
	entries []entry
	head    int
	count   int
	oldest  uint64 // sequence number of entries[head]; last+1 when empty
	last    atomic.Uint64
	used    int // bytes held
	items   int // items held
	writeAt int // next free item in ring

	// stage holds the outputs published ahead of last+1, at seq modulo
	// its length; staged counts them.
	stage  []staged[T]
	staged int

	closed atomic.Bool
}

// New returns an empty buffer whose first published sequence number must
// be after+1, holding at most budget bytes of outputs (the newest output
// always), where size gives the bytes of one item (at least 1 is counted
// per item; nil counts every item as 1 byte, as for a Buffer[byte]).
// budget must be positive.
func New[T any](budget int, after uint64, size func(*T) int) (*Buffer[T], error) {
	if budget <= 0 {
		return nil, fmt.Errorf("feed: budget %d must be positive", budget)
	}
	b := &Buffer[T]{
		budget:  budget,
		size:    size,
		entries: make([]entry, 64),
		oldest:  after + 1,
	}
	b.last.Store(after)
	return b, nil
}

// Last returns the last sequence number published with all its
// predecessors: readers may read up to it. It takes no lock.
func (b *Buffer[T]) Last() uint64 { return b.last.Load() }

// Oldest returns the oldest sequence number still held; Last()+1 when
// nothing is held.
func (b *Buffer[T]) Oldest() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.oldest
}

// Bytes returns the bytes of outputs held now.
func (b *Buffer[T]) Bytes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Publish records the output of seq, copying the items (a shallow copy:
// the caller must not change what they point to). Outputs may be published
// in any order; each becomes readable once every earlier one is. Cost: the
// copy, plus O(1) amortised per output staged ahead of its turn. Errors:
// ErrDuplicate, ErrTooFar.
func (b *Buffer[T]) Publish(seq uint64, items []T) error {
	b.mu.Lock()
	last := b.last.Load()
	switch {
	case seq <= last:
		b.mu.Unlock()
		return fmt.Errorf("%w: %d (last %d)", ErrDuplicate, seq, last)
	case seq-last > MaxPending:
		b.mu.Unlock()
		return fmt.Errorf("%w: %d (last %d)", ErrTooFar, seq, last)
	}
	if seq != last+1 {
		i := b.stageSlot(seq, last)
		if b.stage[i].ok {
			b.mu.Unlock()
			return fmt.Errorf("%w: %d (staged)", ErrDuplicate, seq)
		}
		b.stage[i] = staged[T]{seq: seq, ok: true, items: append(b.stage[i].items[:0], items...)}
		b.staged++
		b.mu.Unlock()
		return nil
	}
	b.push(items)
	for b.staged > 0 {
		next := b.last.Load() + 1
		i := int(next & uint64(len(b.stage)-1))
		p := &b.stage[i]
		if !p.ok || p.seq != next {
			break
		}
		b.push(p.items)
		clear(p.items)
		p.ok = false
		b.staged--
	}
	b.mu.Unlock()
	return nil
}

// stageSlot returns the staging slot of seq, ahead of last, growing the
// staging ring (a power of two, indexed by seq) until every staged output
// and seq fit in it. The caller holds mu. Cost: O(1) amortised.
func (b *Buffer[T]) stageSlot(seq, last uint64) int {
	for uint64(len(b.stage)) < seq-last {
		old := b.stage
		b.stage = make([]staged[T], max(64, 2*len(old)))
		for _, p := range old {
			if p.ok {
				b.stage[p.seq&uint64(len(b.stage)-1)] = p
			}
		}
	}
	return int(seq & uint64(len(b.stage)-1))
}

// push appends the output of last+1 to the ring, dropping the oldest
// outputs until it fits the budget. The caller holds mu.
func (b *Buffer[T]) push(items []T) {
	n := len(items)
	bytes := n
	if b.size != nil {
		bytes = 0
		for i := range items {
			bytes += max(b.size(&items[i]), 1)
		}
	}
	bytes = max(bytes, 1) // an empty output counts too, so the ring stays bounded
	for b.count > 0 && b.used+bytes > b.budget {
		b.dropOldest()
	}
	off := b.place(n)
	copy(b.ring[off:off+n], items)
	b.writeAt = off + n
	if b.count == len(b.entries) {
		b.growEntries()
	}
	b.entries[(b.head+b.count)&(len(b.entries)-1)] = entry{off: off, n: n, bytes: bytes}
	b.count++
	b.used += bytes
	b.items += n
	b.last.Add(1)
}

// place returns the ring offset where the next n items go: after the held
// items, or wrapped to the start of the ring, or, when neither has room,
// in a ring grown (by doubling) and compacted. The caller holds mu.
func (b *Buffer[T]) place(n int) int {
	for {
		if b.count == 0 {
			b.writeAt = 0
			if len(b.ring) < n {
				b.ring = make([]T, max(n, 2*len(b.ring), 64))
			}
			return 0
		}
		first := b.entries[b.head].off
		wrapped := first > b.writeAt || (first == b.writeAt && b.heldItems() > 0)
		if !wrapped {
			switch {
			case b.writeAt+n <= len(b.ring):
				return b.writeAt
			case n <= first:
				return 0
			}
		} else if b.writeAt+n <= first {
			return b.writeAt
		}
		// No contiguous room: compact into a larger ring. The held items
		// are bounded by the byte budget, so the ring is too.
		b.grow(b.heldItems() + n)
	}
}

// heldItems returns the number of items held. The caller holds mu.
func (b *Buffer[T]) heldItems() int { return b.items }

// grow reallocates the ring with room for at least need items, moving the
// held outputs to its start. The caller holds mu.
func (b *Buffer[T]) grow(need int) {
	r := make([]T, max(need, 2*len(b.ring)))
	at := 0
	for i := 0; i < b.count; i++ {
		e := &b.entries[(b.head+i)&(len(b.entries)-1)]
		copy(r[at:at+e.n], b.ring[e.off:e.off+e.n])
		e.off = at
		at += e.n
	}
	b.ring, b.writeAt = r, at
}

func (b *Buffer[T]) growEntries() {
	e := make([]entry, 2*len(b.entries))
	for i := 0; i < b.count; i++ {
		e[i] = b.entries[(b.head+i)&(len(b.entries)-1)]
	}
	b.entries, b.head = e, 0
}

func (b *Buffer[T]) dropOldest() {
	// The dropped items stay in the ring until overwritten: what they
	// reference lives at most one ring's length longer.
	e := b.entries[b.head]
	b.used -= e.bytes
	b.items -= e.n
	b.head = (b.head + 1) & (len(b.entries) - 1)
	b.count--
	b.oldest++
	if b.count == 0 {
		b.writeAt = 0
	}
}

// Read appends the items of output seq to dst and returns it, without
// waiting. Errors: a *TruncatedError (errors.Is ErrTruncated) when seq is
// older than what is held; ErrNotYet when seq is after Last(). Cost: the
// copy.
func (b *Buffer[T]) Read(seq uint64, dst []T) ([]T, error) {
	if seq > b.last.Load() {
		return dst, ErrNotYet
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if seq < b.oldest {
		return dst, &TruncatedError{Want: seq, Oldest: b.heldOldest()}
	}
	e := b.entries[(b.head+int(seq-b.oldest))&(len(b.entries)-1)]
	return append(dst, b.ring[e.off:e.off+e.n]...), nil
}

// ReadRange appends the items of the outputs from seq on, as many as are
// published and fit in max items (at least one output, whatever its size),
// to dst, and the item count of each output to counts. It returns both and
// the number of outputs read, without waiting. Errors as Read. Cost: the
// copy, under one lock, so a reader that is behind pays the lock once per
// batch.
func (b *Buffer[T]) ReadRange(seq uint64, maxItems int, dst []T, counts []int) ([]T, []int, int, error) {
	last := b.last.Load()
	if seq > last {
		return dst, counts, 0, ErrNotYet
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if seq < b.oldest {
		return dst, counts, 0, &TruncatedError{Want: seq, Oldest: b.heldOldest()}
	}
	n, got := 0, 0
	for s := seq; s <= last; s++ {
		e := b.entries[(b.head+int(s-b.oldest))&(len(b.entries)-1)]
		if n > 0 && got+e.n > maxItems {
			break
		}
		got += e.n
		dst = append(dst, b.ring[e.off:e.off+e.n]...)
		counts = append(counts, e.n)
		n++
	}
	return dst, counts, n, nil
}

func (b *Buffer[T]) heldOldest() uint64 {
	if b.count == 0 {
		return 0
	}
	return b.oldest
}

// Waiter is a reader's reusable timer for Wait, so that waiting allocates
// nothing. A Waiter serves one goroutine at a time.
type Waiter struct{ t *time.Timer }

// NewWaiter returns a Waiter.
func NewWaiter() *Waiter {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Waiter{t: t}
}

// Wait blocks until seq is published (Last() >= seq), ctx is done, or the
// buffer is closed. It returns nil, ctx.Err() wrapped, or ErrClosed.
//
// A waiting reader costs the writers nothing: Wait polls Last, first
// yielding the processor a few times, then sleeping between polls, from
// 50µs doubling up to MaxPoll. So an output is seen at most MaxPoll after
// it is published, and a writer never has to wake a reader. w is the
// caller's Waiter (nil: one is made for the call). It allocates nothing
// with a Waiter.
func (b *Buffer[T]) Wait(ctx context.Context, seq uint64, w *Waiter) error {
	for i := 0; ; i++ {
		if b.last.Load() >= seq {
			return nil
		}
		if b.closed.Load() {
			return ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("feed: waiting for %d: %w", seq, err)
		}
		if i < spins {
			runtime.Gosched()
			continue
		}
		if w == nil {
			w = NewWaiter()
		}
		w.t.Reset(min(50*time.Microsecond<<min(i-spins, 10), MaxPoll))
		select {
		case <-w.t.C:
		case <-ctx.Done():
			w.t.Stop()
		}
	}
}

// MaxPoll is the longest a waiting reader sleeps between two polls.
const MaxPoll = time.Millisecond

// Close makes Waits that would block return ErrClosed (within MaxPoll).
// Reads of held outputs still work.
func (b *Buffer[T]) Close() { b.closed.Store(true) }
