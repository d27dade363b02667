package orderbook

import "math/bits"

// hashIndex maps non-zero uint64 keys (order IDs, prices) to int32 slots. It
// is an open-addressing table with linear probing and backward-shift
// deletion: a delete leaves no tombstone, so lookups of absent keys stay
// short however much the book churns (Go's built-in map slows down under
// heavy insert/delete churn as tombstones accumulate). Keys are scattered by
// Fibonacci hashing. The table holds no pointers, so the garbage collector
// never scans it.
//
// get, put and del cost O(1) expected; put allocates only when the table
// doubles (load above 3/4).
type hashIndex struct {
	slots []hashSlot
	shift uint8 // 64 - log2(len(slots))
	n     int
}

type hashSlot struct {
	key uint64 // 0 marks an empty slot
	val int32
}

const (
	fibonacci = 0x9E3779B97F4A7C15
	blockBits = 4
)

func newHashIndex(capacity int) hashIndex {
	size := 2 << blockBits
	for size*3/4 < capacity {
		size *= 2
	}
	return hashIndex{slots: make([]hashSlot, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
}

// home returns a key's preferred slot. Keys are grouped in blocks of
// 2^blockBits consecutive values; a block's position is scattered by
// Fibonacci hashing, and within it the key keeps its offset, on every other
// slot. Sequential IDs, the common case, therefore land close together
// (cache-friendly) with a free slot between neighbours, so probe runs and
// backward shifts stay short, while strided or patterned keys still spread
// across the table.
func (h *hashIndex) home(key uint64) int {
	block := ((key >> blockBits) * fibonacci) >> (h.shift + blockBits + 1)
	return int(block<<(blockBits+1) | (key&(1<<blockBits-1))<<1)
}

// Len returns the number of keys.
func (h *hashIndex) Len() int { return h.n }

func (h *hashIndex) get(key uint64) (int32, bool) {
	if key == 0 {
		return 0, false
	}
	mask := len(h.slots) - 1
	for i := h.home(key); ; i = (i + 1) & mask {
		s := &h.slots[i]
		if s.key == key {
			return s.val, true
		}
		if s.key == 0 {
			return 0, false
		}
	}
}

// put sets key to val. Key 0 is ignored (it marks empty slots).
func (h *hashIndex) put(key uint64, val int32) {
	if key == 0 {
		return
	}
	if (h.n+1)*4 > len(h.slots)*3 {
		h.grow()
	}
	mask := len(h.slots) - 1
	for i := h.home(key); ; i = (i + 1) & mask {
		s := &h.slots[i]
		if s.key == key {
			s.val = val
			return
		}
		if s.key == 0 {
			s.key, s.val = key, val
			h.n++
			return
		}
	}
}

// del removes key and reports whether it was present.
func (h *hashIndex) del(key uint64) bool {
	if key == 0 {
		return false
	}
	mask := len(h.slots) - 1
	i := h.home(key)
	for {
		s := &h.slots[i]
		if s.key == 0 {
			return false
		}
		if s.key == key {
			break
		}
		i = (i + 1) & mask
	}
	// Backward-shift: pull later entries of the probe run into the hole.
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		s := h.slots[j]
		if s.key == 0 {
			break
		}
		home := h.home(s.key)
		// Move s into the hole at i unless its home lies cyclically in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			h.slots[i] = s
			i = j
		}
	}
	h.slots[i] = hashSlot{}
	h.n--
	return true
}

func (h *hashIndex) grow() {
	old := h.slots
	*h = newHashIndex(len(old)) // capacity len(old) gives twice the slots
	for _, s := range old {
		if s.key != 0 {
			h.put(s.key, s.val)
		}
	}
}

// orderIndex maps order IDs to order slots. IDs that arrive densely, as
// the exchange's per-market counters and most callers' sequences do, are
// found by direct addressing: the ID's high bits name a page of 1<<pageBits
// consecutive IDs, and the page holds one int32 per ID. Pages are found
// through a ring directory covering a window of consecutive page numbers
// [lo, hi), allocated as IDs arrive and recycled when they empty. Because
// the window is relative to the first ID seen, a constant high part (the
// market number in an exchange ID) costs nothing. A lookup then costs one
// directory read and one page read: no hashing and no probing, and the
// pages of a million orders fill 4 MiB, an eighth of the hash table's
// footprint, so more of them stay in cache.
//
// Every other ID goes to a hashIndex: IDs below the window, far beyond it
// (a gap of more than maxGap pages), or arriving while the pages would be
// too sparse to pay for themselves. Memory is therefore bounded by the
// number of IDs held, whatever IDs a caller sends: a new page is allocated
// only while the pages in use hold at least one ID in minFill per slot on
// average, and the directory never spans more than maxDir pages (when the
// window must slide further, the IDs of its oldest page move to the hash
// index).
//
// get, put and del cost O(1); put allocates only when a page or the
// directory is first needed or the hash index grows.
type orderIndex struct {
	dir   []int32   // ring: page number & (len-1) -> pages index + 1, 0 = none
	lo    uint64    // the window: page numbers [lo, hi) map through dir
	hi    uint64    //
	pages []*idPage // allocated pages, in use or free
	free  []int32   // indices of free pages in pages
	used  int       // pages in use
	dense int       // IDs held in pages
	hash  hashIndex // every other ID
	span  uint64    // most pages the window spans: maxDir (tests lower it)
}

const (
	pageBits = 10
	pageSize = 1 << pageBits
	pageMask = pageSize - 1
	maxGap   = 16      // pages an ID may skip ahead of the window and still be paged
	maxDir   = 1 << 16 // most pages the window spans (2^26 IDs)
	minFill  = 16      // new pages only while used pages hold >= pageSize/minFill IDs each
)

type idPage struct {
	slot [pageSize]int32 // order slot + 1, 0 = absent
	live int32           // IDs held
}

func newOrderIndex(capacity int) orderIndex {
	return orderIndex{hash: newHashIndex(0), pages: make([]*idPage, 0, capacity>>pageBits), span: maxDir}
}

// Len returns the number of IDs held.
func (x *orderIndex) Len() int { return x.dense + x.hash.n }

// page returns the page holding page number p, or nil.
func (x *orderIndex) page(p uint64) *idPage {
	if p-x.lo >= x.hi-x.lo { // outside [lo, hi), as unsigned arithmetic
		return nil
	}
	pi := x.dir[p&uint64(len(x.dir)-1)]
	if pi == 0 {
		return nil
	}
	return x.pages[pi-1]
}

func (x *orderIndex) get(key uint64) (int32, bool) {
	if pg := x.page(key >> pageBits); pg != nil {
		if v := pg.slot[key&pageMask]; v != 0 {
			return v - 1, true
		}
	}
	if x.hash.n == 0 {
		return 0, false
	}
	return x.hash.get(key)
}

// put sets key to val. Key 0 is ignored, as are negative vals.
func (x *orderIndex) put(key uint64, val int32) {
	if key == 0 || val < 0 {
		return
	}
	pg := x.page(key >> pageBits)
	if pg == nil {
		first := x.used == 0
		pg = x.newPage(key >> pageBits)
		if pg != nil && first {
			x.adoptHashed(key >> pageBits)
		}
	}
	if pg == nil {
		x.hash.put(key, val)
		return
	}
	s := &pg.slot[key&pageMask]
	if *s == 0 {
		if x.hash.n > 0 {
			x.hash.del(key) // it may have been hashed before its page existed
		}
		pg.live++
		x.dense++
	}
	*s = val + 1
}

// adoptHashed moves the hashed keys of page p, which was just made, into
// it: the first orders of a book, which it hashed while it was small.
func (x *orderIndex) adoptHashed(p uint64) {
	var moved [pageSize / minFill]hashSlot
	n := 0
	for _, s := range x.hash.slots {
		if s.key != 0 && s.key>>pageBits == p && n < len(moved) {
			moved[n] = s
			n++
		}
	}
	pg := x.page(p)
	for _, s := range moved[:n] {
		x.hash.del(s.key)
		pg.slot[s.key&pageMask] = s.val + 1
		pg.live++
		x.dense++
	}
}

// del removes key and reports whether it was present.
func (x *orderIndex) del(key uint64) bool {
	p := key >> pageBits
	if pg := x.page(p); pg != nil {
		if s := &pg.slot[key&pageMask]; *s != 0 {
			*s = 0
			x.dense--
			if pg.live--; pg.live == 0 {
				x.freePage(p)
			}
			return true
		}
	}
	if x.hash.n == 0 {
		return false
	}
	return x.hash.del(key)
}

// newPage returns a fresh page for page number p, extending the window if
// needed, or nil if p is not to be paged.
func (x *orderIndex) newPage(p uint64) *idPage {
	if x.used > 0 && x.dense < (x.used-1)*(pageSize/minFill) {
		return nil // the pages in use are too sparse
	}
	if x.used == 0 && x.hash.n < pageSize/minFill {
		// A small book stays small: its first orders go to the hash
		// index, and a page is made only once it holds a few.
		return nil
	}
	switch {
	case x.lo == x.hi:
		// An empty window starts at p.
		x.lo, x.hi = p, p
	case p < x.lo:
		return nil
	case p >= x.hi && p-x.hi > maxGap:
		return nil
	}
	if p >= x.hi {
		for p+1-x.lo > x.span {
			x.evictOldest()
			if x.lo == x.hi {
				x.lo, x.hi = p, p
			}
		}
		if need := p + 1 - x.lo; need > uint64(len(x.dir)) {
			x.growDir(need)
		}
		x.hi = p + 1
	}
	var pi int32
	if n := len(x.free); n > 0 {
		pi = x.free[n-1]
		x.free = x.free[:n-1]
	} else {
		x.pages = append(x.pages, new(idPage))
		pi = int32(len(x.pages) - 1)
	}
	pg := x.pages[pi]
	x.dir[p&uint64(len(x.dir)-1)] = pi + 1
	x.used++
	return pg
}

// growDir doubles the directory ring until it covers need pages.
func (x *orderIndex) growDir(need uint64) {
	size := max(len(x.dir), 16)
	for uint64(size) < need {
		size *= 2
	}
	dir := make([]int32, size)
	for p := x.lo; p < x.hi; p++ {
		dir[p&uint64(size-1)] = x.dir[p&uint64(len(x.dir)-1)]
	}
	x.dir = dir
}

// freePage releases the empty page holding page number p and shrinks the
// window past leading absent pages.
func (x *orderIndex) freePage(p uint64) {
	i := p & uint64(len(x.dir)-1)
	pi := x.dir[i]
	x.dir[i] = 0
	x.free = append(x.free, pi-1)
	x.used--
	for x.lo < x.hi && x.dir[x.lo&uint64(len(x.dir)-1)] == 0 {
		x.lo++
	}
}

// evictOldest moves the IDs of the window's first page to the hash index
// and frees the page. The window must not be empty.
func (x *orderIndex) evictOldest() {
	p := x.lo
	if pg := x.page(p); pg != nil {
		for off, v := range pg.slot {
			if v != 0 {
				pg.slot[off] = 0
				x.hash.put(p<<pageBits|uint64(off), v-1)
			}
		}
		x.dense -= int(pg.live)
		pg.live = 0
		x.freePage(p)
		return
	}
	x.lo++ // unreachable: the first page of a non-empty window is in use
}
