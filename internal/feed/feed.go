// Package feed is Agora's ordered output buffer: the outputs of consecutive
// sequence numbers (each the encoded events of one command), kept in memory
// bounded in bytes, served to any number of readers from any sequence
// number still held.
//
// # Model
//
// Every sequence number has exactly one output, a byte string (empty is
// allowed). Writers publish outputs in any order, each into a lane of their
// choosing; a Cursor merges the lanes and returns outputs in sequence order,
// 1, 2, 3, ..., with no gap and no duplicate, waiting for an output whose
// sequence number was taken but not yet published.
//
// The lanes share one byte budget: an output counts its length, at least
// 1. Publishing never waits for readers. When the budget is full, the
// publishing lane drops the oldest outputs held, a chunk of the budget at
// a time (a 16th of it over all the lanes), from whichever lane holds
// them; an output larger than the whole budget is held alone.
// Oldest is one past the greatest sequence number ever dropped: a reader
// behind it gets a *TruncatedError, never a silent gap.
//
// # Concurrency
//
// A Buffer is safe for concurrent use; a Cursor serves one goroutine. Each
// lane has its own mutex, and writers on different lanes share no memory
// but the budget, which a lane reserves in chunks: writers that keep to
// their own lanes (the markets of one core) run without contention: a
// lane takes another's lock only to free a chunk of the budget. Readers
// poll the lanes; writers never wake them. Publish and Cursor.Next allocate
// nothing once the lanes and the cursor have grown to their working size.
package feed

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	// ErrClosed reports a read that would wait on a closed buffer.
	ErrClosed = errors.New("feed: closed")
)

// TruncatedError is the error of a read older than what is held.
type TruncatedError struct {
	Want   uint64 // the sequence number asked for
	Oldest uint64 // the oldest sequence number still held
}

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("feed: output %d no longer held (oldest held: %d)", e.Want, e.Oldest)
}

// Unwrap makes errors.Is(err, ErrTruncated) true.
func (e *TruncatedError) Unwrap() error { return ErrTruncated }

// MaxPoll is the longest a waiting reader sleeps between two polls.
const MaxPoll = time.Millisecond

// spins is how many times a reader polls, yielding between polls, before
// it sleeps between polls.
const spins = 4

// scanBatch is the most entries a cursor takes from one lane per pass.
const scanBatch = 1024

// Buffer is the ordered, bounded output buffer. The zero value is not
// usable; call New.
type Buffer struct {
	lanes []lane
	mask  int
	start uint64 // the first sequence number that may be published

	// pool is the part of the budget no lane has reserved; it goes below
	// zero only while an output larger than the budget is held.
	pool  atomic.Int64
	chunk int // the least a lane reserves at once

	closed atomic.Bool

	// The sequence number up to which every output was published, as
	// last computed by Last, which merges the lanes under lastMu.
	lastMu sync.Mutex
	track  merger
}

// lane is one writer lane: its held outputs in publication order, their
// bytes in a ring. Fields other than the atomics are guarded by mu.
type lane struct {
	mu sync.Mutex
	// pub counts the outputs ever published in the lane: lane index pub
	// is the next. Readers load it to learn that there is news.
	pub atomic.Uint64
	// front is the sequence number of the oldest output held (by
	// position), or math.MaxUint64 when none is.
	front atomic.Uint64
	// dropped is the greatest sequence number this lane has dropped.
	dropped atomic.Uint64

	first    uint64  // lane index of the oldest output held
	entries  []entry // lane index i at i&(len-1); len is a power of two
	data     []byte  // ring of the held outputs' bytes
	writeAt  int     // where the next output's bytes go
	held     int     // bytes of data held
	used     int     // budget used: the held outputs' counted sizes
	reserved int     // budget reserved from the pool; used <= reserved
	lastDrop uint64  // greatest sequence number dropped, settled or not

	_ [64]byte // keep lanes on their own cache lines
}

// entry locates one held output.
type entry struct {
	seq    uint64
	off, n int // data[off : off+n]
	size   int // counted size, max(n, 1)
}

// New returns an empty buffer of the given number of lanes (rounded up to
// a power of two), whose first published sequence number must be after+1,
// holding at most budget bytes of outputs (the newest output always).
// budget and lanes must be positive.
func New(budget, lanes int, after uint64) (*Buffer, error) {
	if budget <= 0 {
		return nil, fmt.Errorf("feed: budget %d must be positive", budget)
	}
	if lanes <= 0 || lanes > 1<<16 {
		return nil, fmt.Errorf("feed: %d lanes: must be 1 to 65536", lanes)
	}
	n := 1
	for n < lanes {
		n <<= 1
	}
	b := &Buffer{
		lanes: make([]lane, n),
		mask:  n - 1,
		start: after + 1,
		// Lanes keep at most a chunk each that they do not use: a 16th
		// of the budget in all.
		chunk: max(1, budget/(16*n)),
	}
	b.pool.Store(int64(budget))
	for i := range b.lanes {
		ln := &b.lanes[i]
		ln.front.Store(math.MaxUint64)
		ln.entries = make([]entry, 16)
	}
	b.track.init(b, b.start)
	return b, nil
}

// Lanes returns the number of lanes.
func (b *Buffer) Lanes() int { return len(b.lanes) }

// Publish records the output of seq in lane (taken modulo Lanes), copying
// p. Each sequence number from after+1 on must be published exactly once;
// the buffer does not check it. Cost: the copy, O(1) amortised, plus
// O(Lanes) each time the lane's drops free a chunk of the budget.
func (b *Buffer) Publish(lane int, seq uint64, p []byte) {
	ln := &b.lanes[lane&b.mask]
	size := max(len(p), 1)
	ln.mu.Lock()
	b.makeRoom(ln, size)
	off := ln.place(len(p))
	copy(ln.data[off:off+len(p)], p)
	ln.writeAt = off + len(p)
	count := int(ln.pub.Load() - ln.first)
	if count == len(ln.entries) {
		ln.growEntries()
	}
	idx := ln.first + uint64(count)
	ln.entries[int(idx)&(len(ln.entries)-1)] = entry{seq: seq, off: off, n: len(p), size: size}
	ln.held += len(p)
	ln.used += size
	if count == 0 {
		ln.front.Store(seq)
	}
	ln.pub.Store(idx + 1)
	ln.mu.Unlock()
}

// makeRoom reserves budget, freeing some when the pool has none, until ln
// can hold size more bytes. The caller holds ln.mu.
func (b *Buffer) makeRoom(ln *lane, size int) {
	for ln.used+size > ln.reserved {
		short := ln.used + size - ln.reserved
		if got := b.take(short); got > 0 {
			ln.reserved += got
			continue
		}
		if !b.free(ln, max(short, b.chunk)) {
			// Nothing is held anywhere: the output alone is larger
			// than the budget. Hold it anyway.
			b.pool.Add(-int64(short))
			ln.reserved += short
		}
	}
}

// take reserves up to want bytes of the pool (a chunk at least, when the
// pool has it) and returns how many it reserved.
func (b *Buffer) take(want int) int {
	want = max(want, b.chunk)
	for {
		p := b.pool.Load()
		if p <= 0 {
			return 0
		}
		g := min(p, int64(want))
		if b.pool.CompareAndSwap(p, p-g) {
			return int(g)
		}
	}
}

// free drops at least want bytes of the oldest outputs held: each round
// drops from the lane whose oldest output is the oldest held, up to what
// is still wanted, so that a lane's lock is taken once per chunk, not per
// output. What self drops stays reserved by self; what other lanes drop
// goes back to the pool. It reports false when nothing is held anywhere.
// The caller holds self.mu. Cost: O(Lanes) per round.
func (b *Buffer) free(self *lane, want int) bool {
	freed := 0
	for freed < want {
		var victim *lane
		front := uint64(math.MaxUint64)
		for i := range b.lanes {
			if f := b.lanes[i].front.Load(); f < front {
				victim, front = &b.lanes[i], f
			}
		}
		switch {
		case victim == nil:
			return freed > 0
		case victim == self:
			for freed < want && self.count() > 0 {
				freed += self.dropOldest()
			}
			self.settle()
		case victim.mu.TryLock():
			got := 0
			for freed+got < want && victim.count() > 0 {
				got += victim.dropOldest()
			}
			victim.settle()
			b.release(victim)
			victim.mu.Unlock()
			freed += got
		case self.count() > 0:
			// The victim's writer is busy (lanes never wait for each
			// other's locks): drop an own output instead.
			freed += self.dropOldest()
			self.settle()
		default:
			runtime.Gosched()
		}
	}
	return true
}

// release returns the budget ln does not use to the pool, and its memory
// when it holds nothing. The caller holds ln.mu.
func (b *Buffer) release(ln *lane) {
	if spare := ln.reserved - ln.used; spare > 0 {
		b.pool.Add(int64(spare))
		ln.reserved = ln.used
	}
	if ln.count() == 0 && len(ln.data) > 4*b.chunk {
		ln.data = nil // the memory follows the budget to the lanes in use
	}
}

// count returns the outputs ln holds. The caller holds ln.mu.
func (ln *lane) count() int { return int(ln.pub.Load() - ln.first) }

// dropOldest drops ln's oldest output and returns its counted size. It
// leaves front and dropped, which readers load without the lock, to
// settle, so that a run of drops publishes them once. The caller holds
// ln.mu; ln holds an output.
func (ln *lane) dropOldest() int {
	e := ln.entries[int(ln.first)&(len(ln.entries)-1)]
	ln.first++
	ln.held -= e.n
	ln.used -= e.size
	ln.lastDrop = max(ln.lastDrop, e.seq)
	if ln.count() == 0 {
		ln.writeAt = 0
	}
	return e.size
}

// settle publishes the drops since the last settle: dropped, the greatest
// sequence number dropped, and front, the oldest held. The caller holds
// ln.mu and settles before it releases it.
func (ln *lane) settle() {
	if ln.lastDrop > ln.dropped.Load() {
		ln.dropped.Store(ln.lastDrop)
	}
	front := uint64(math.MaxUint64)
	if ln.count() > 0 {
		front = ln.entries[int(ln.first)&(len(ln.entries)-1)].seq
	}
	if ln.front.Load() != front {
		ln.front.Store(front)
	}
}

// place returns the ring offset where the next n bytes go: after the held
// bytes, or wrapped to the start of the ring, or, when neither has room,
// in a ring grown (by doubling) and compacted. The caller holds ln.mu.
func (ln *lane) place(n int) int {
	for {
		if ln.count() == 0 {
			ln.writeAt = 0
			if len(ln.data) < n {
				ln.data = make([]byte, max(n, 2*len(ln.data), 256))
			}
			return 0
		}
		first := ln.entries[int(ln.first)&(len(ln.entries)-1)].off
		wrapped := first > ln.writeAt || (first == ln.writeAt && ln.held > 0)
		if !wrapped {
			switch {
			case ln.writeAt+n <= len(ln.data):
				return ln.writeAt
			case n <= first:
				return 0
			}
		} else if ln.writeAt+n <= first {
			return ln.writeAt
		}
		// No contiguous room: compact into a larger ring. The held bytes
		// are bounded by the budget, so the ring is too.
		ln.grow(ln.held + n)
	}
}

// grow reallocates the ring with room for at least need bytes, moving the
// held outputs to its start. The caller holds ln.mu.
func (ln *lane) grow(need int) {
	r := make([]byte, max(need, 2*len(ln.data)))
	at := 0
	m := len(ln.entries) - 1
	for i := ln.first; i < ln.pub.Load(); i++ {
		e := &ln.entries[int(i)&m]
		copy(r[at:at+e.n], ln.data[e.off:e.off+e.n])
		e.off = at
		at += e.n
	}
	ln.data, ln.writeAt = r, at
}

// growEntries doubles the entry ring. The caller holds ln.mu.
func (ln *lane) growEntries() {
	e := make([]entry, 2*len(ln.entries))
	om, nm := len(ln.entries)-1, len(e)-1
	for i := ln.first; i < ln.pub.Load(); i++ {
		e[int(i)&nm] = ln.entries[int(i)&om]
	}
	ln.entries = e
}

// Oldest returns the oldest sequence number still held: one past the
// greatest one dropped (after+1 before any drop). Outputs older than it
// may still be in memory, but a reader gets ErrTruncated for them: from
// Oldest on, no output has been dropped. Cost: O(Lanes), no lock.
func (b *Buffer) Oldest() uint64 {
	o := b.start
	for i := range b.lanes {
		o = max(o, b.lanes[i].dropped.Load()+1)
	}
	return o
}

// Last returns the greatest sequence number up to which every output has
// been published (after when none has), or, should the budget be too small
// to hold the outputs in flight, Oldest()-1 when that is greater. Cost:
// O(Lanes) plus O(log) per run of consecutive outputs a lane published
// since the last call.
func (b *Buffer) Last() uint64 {
	b.lastMu.Lock()
	defer b.lastMu.Unlock()
	t := &b.track
	for {
		for len(t.refs) > 0 && t.refs[0].seq <= t.next {
			t.next = max(t.next, t.refs[0].seq+t.refs[0].n)
			t.pop()
		}
		if t.scan() {
			continue
		}
		if o := b.Oldest(); t.next < o {
			// Its outputs were dropped before this count saw them.
			t.next = o
			continue
		}
		return t.next - 1
	}
}

// Bytes returns the budget the held outputs use. Cost: O(Lanes) locks.
func (b *Buffer) Bytes() int {
	n := 0
	for i := range b.lanes {
		ln := &b.lanes[i]
		ln.mu.Lock()
		n += ln.used
		ln.mu.Unlock()
	}
	return n
}

// Close makes reads that would wait return ErrClosed (within MaxPoll).
// Held outputs can still be read, and published.
func (b *Buffer) Close() { b.closed.Store(true) }

// ref locates a run of n outputs of consecutive sequence numbers that a
// lane holds one after the other: seq to seq+n-1 at lane indices idx to
// idx+n-1.
type ref struct {
	seq  uint64
	lane int
	idx  uint64
	n    uint64
}

// merger finds the outputs of the lanes in sequence order: it takes what
// each lane published since it last looked into a min-heap by sequence
// number, as runs of consecutive outputs (a market publishing alone in its
// lane makes one run per look, not one heap entry per output).
type merger struct {
	b    *Buffer
	next uint64   // the sequence number wanted next
	seen []uint64 // per lane: the lane index it has looked up to
	refs []ref    // min-heap by seq of outputs from next on
}

func (m *merger) init(b *Buffer, next uint64) {
	m.b, m.next = b, next
	m.seen = make([]uint64, len(b.lanes))
	m.refs = m.refs[:0]
}

// reset moves the merger to next, forgetting what it found.
func (m *merger) reset(next uint64) {
	m.next = next
	clear(m.seen)
	m.refs = m.refs[:0]
}

// scan takes into the heap what the lanes published since it last looked,
// at most scanBatch entries of each, skipping outputs before next, in runs.
// It reports whether any lane had news.
func (m *merger) scan() bool {
	news := false
	for i := range m.b.lanes {
		ln := &m.b.lanes[i]
		if ln.pub.Load() == m.seen[i] {
			continue
		}
		news = true
		ln.mu.Lock()
		at, end := max(m.seen[i], ln.first), ln.pub.Load()
		end = min(end, at+scanBatch)
		mask := len(ln.entries) - 1
		var run ref
		for idx := at; idx < end; idx++ {
			s := ln.entries[int(idx)&mask].seq
			switch {
			case s < m.next:
			case run.n > 0 && s == run.seq+run.n && idx == run.idx+run.n:
				run.n++
			default:
				if run.n > 0 {
					m.push(run)
				}
				run = ref{seq: s, lane: i, idx: idx, n: 1}
			}
		}
		if run.n > 0 {
			m.push(run)
		}
		ln.mu.Unlock()
		m.seen[i] = end
	}
	return news
}

func (m *merger) push(r ref) {
	m.refs = append(m.refs, r)
	h := m.refs
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].seq <= h[i].seq {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (m *merger) pop() {
	h := m.refs
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, s := 2*i+1, i
		if l < n && h[l].seq < h[s].seq {
			s = l
		}
		if r := l + 1; r < n && h[r].seq < h[s].seq {
			s = r
		}
		if s == i {
			break
		}
		h[s], h[i] = h[i], h[s]
		i = s
	}
	m.refs = h
}

// Cursor reads the buffer's outputs in sequence order from a sequence
// number of its choosing. It serves one goroutine at a time.
type Cursor struct {
	m     merger
	run   []ref // consecutive outputs found, copied together
	timer *time.Timer
}

// Cursor returns a cursor whose first Next returns the output of from.
func (b *Buffer) Cursor(from uint64) *Cursor {
	c := &Cursor{timer: time.NewTimer(time.Hour)}
	c.timer.Stop()
	c.m.init(b, from)
	return c
}

// Pos returns the sequence number Next returns next.
func (c *Cursor) Pos() uint64 { return c.m.next }

// Seek moves the cursor to seq.
func (c *Cursor) Seek(seq uint64) { c.m.reset(seq) }

// Next appends outputs to dst from the cursor's position on, in sequence
// order, as many consecutive ones as are published and fit in limit bytes
// (at least one, whatever its size), and appends the length of each to
// sizes. It returns the sequence number of the first, dst and sizes. It
// waits for the first to be published, polling the lanes (yielding, then
// sleeping from 50µs doubling up to MaxPoll), until ctx is done or the
// buffer is closed.
//
// Errors: a *TruncatedError (errors.Is ErrTruncated) when the output at
// the position is no longer held (the cursor stays there), ctx's error
// (wrapped), ErrClosed. Cost: the copy, plus O(log) per run of
// consecutive outputs that one lane holds one after the other (a market
// publishing alone in its lane makes one per look), to merge the lanes,
// and one lane lock per such run; it allocates only to grow dst, sizes
// and its own merge heap.
func (c *Cursor) Next(ctx context.Context, limit int, dst []byte, sizes []int) (uint64, []byte, []int, error) {
	m := &c.m
	b := m.b
	first := m.next
	for i := 0; ; i++ {
		for len(m.refs) > 0 && m.refs[0].seq < m.next {
			r := m.refs[0]
			m.pop() // published twice: the first stands
			if k := m.next - r.seq; k < r.n {
				m.push(ref{seq: m.next, lane: r.lane, idx: r.idx + k, n: r.n - k})
			}
		}
		if len(m.refs) > 0 && m.refs[0].seq == m.next {
			dst, sizes = c.copyRun(limit, dst, sizes)
			if m.next > first {
				return first, dst, sizes, nil
			}
			// Dropped before it could be copied.
			return first, dst, sizes, &TruncatedError{Want: first, Oldest: b.Oldest()}
		}
		if m.scan() {
			i = -1
			continue
		}
		if o := b.Oldest(); m.next < o {
			return first, dst, sizes, &TruncatedError{Want: m.next, Oldest: o}
		}
		if b.closed.Load() {
			return first, dst, sizes, ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return first, dst, sizes, fmt.Errorf("feed: waiting for %d: %w", m.next, err)
		}
		if i < spins {
			runtime.Gosched()
			continue
		}
		c.timer.Reset(min(50*time.Microsecond<<min(i-spins, 10), MaxPoll))
		select {
		case <-c.timer.C:
		case <-ctx.Done():
			c.timer.Stop()
		}
	}
}

// copyRun copies the consecutive outputs at the top of the heap, up to
// limit bytes (at least one), to dst and their lengths to sizes, taking
// each lane's lock once per run of its outputs, and advances past those it
// copied. An output dropped before its copy ends the run; what was not
// copied goes back into the heap.
func (c *Cursor) copyRun(limit int, dst []byte, sizes []int) ([]byte, []int) {
	m := &c.m
	c.run = c.run[:0]
	var total uint64
	for len(m.refs) > 0 && m.refs[0].seq == m.next+total && total < scanBatch {
		c.run = append(c.run, m.refs[0])
		total += m.refs[0].n
		m.pop()
	}
	bytes, copied := 0, 0
	k, used := 0, uint64(0) // c.run[k] is being copied, used of it done
	var locked *lane
	for k < len(c.run) {
		r := &c.run[k]
		if ln := &m.b.lanes[r.lane]; ln != locked {
			if locked != nil {
				locked.mu.Unlock()
			}
			locked = ln
			ln.mu.Lock()
		}
		idx := r.idx + used
		if idx < locked.first {
			break // dropped
		}
		e := locked.entries[int(idx)&(len(locked.entries)-1)]
		if copied > 0 && bytes+e.n > limit {
			break
		}
		bytes += e.n
		dst = append(dst, locked.data[e.off:e.off+e.n]...)
		sizes = append(sizes, e.n)
		copied++
		m.next++
		if used++; used == r.n {
			k, used = k+1, 0
		}
	}
	if locked != nil {
		locked.mu.Unlock()
	}
	if k < len(c.run) {
		r := c.run[k]
		m.push(ref{seq: r.seq + used, lane: r.lane, idx: r.idx + used, n: r.n - used})
		for _, r := range c.run[k+1:] {
			m.push(r)
		}
	}
	return dst, sizes
}
