package orderbook

import "fmt"

// orderSlots holds a book's resting orders: the slab of order slots and
// the index from order ID to slot.
//
// IDs that arrive densely, as the exchange's per-market counters and most
// callers' sequences do, are placed by their ID: the ID's high bits name a
// page of pageSize consecutive IDs, each page owns a block of pageSize
// consecutive slots, and the order with ID k rests in slot base+(k mod
// pageSize) of its page's block. Pages are found through a ring directory
// covering a window of consecutive page numbers [lo, hi), made as IDs
// arrive and recycled, block and all, when they empty. Because the window
// is relative to the first ID seen, a constant high part (the market
// number in an exchange ID) costs nothing. Finding an order then reads the
// directory and the page's header, both small enough to stay in cache, and
// the order's own slot: one cache miss in a deep book, where an index
// holding slot numbers would add a second.
//
// Every other ID goes to a hashIndex of slot numbers, its order to a loose
// slot from a free list: IDs below the window or far beyond it (more than
// maxGap pages), IDs of a book too small to pay for a page (its first
// smallBook orders), and IDs arriving while the pages in use are too
// sparse. Memory therefore stays bounded by the number of orders held,
// whatever IDs a caller sends: a new page is made only while the pages in
// use hold at least pageSize/minFill orders each on average, and the
// directory never spans more than maxDir pages (when the window must slide
// further, the orders of its oldest page move to loose slots and are
// hashed, and its block serves the next page). A page whose orders fall
// below thinPage is queued, and the next insert moves its orders the same
// way, so a block of pageSize slots never stays for a few long-lived
// orders. Orders move only during an insert, when the book holds no slot
// number, and moved reports each move so the book can mend its links.
//
// The slab grows in chunks of chunkSize slots, so a large book never copies
// the orders it holds; the first chunk grows by doubling, so a small book
// stays small. A pointer from ord is valid until the next insert.
//
// find and release cost O(1), insert O(1) amortised (it may move the
// orders of one thin page, or of the page leaving the window: at most
// pageSize). insert allocates only when the slab, a page, the directory or
// the hash index grows, release only when the queue of thin pages does.
type orderSlots struct {
	orders [][]order     // slot oi at orders[oi>>chunkBits][oi&(chunkSize-1)]
	cold   [][]orderCold // the cold halves, chunked alike
	nslots int32         // slots made so far
	free   int32         // free list of loose slots, linked through next

	dir   []int32  // ring: page number & (len-1) -> pages index + 1, 0 = none
	lo    uint64   // the window: page numbers [lo, hi) map through dir
	hi    uint64   //
	pages []idPage // page headers, in use or free
	spare []int32  // indices of free headers in pages
	used  int      // pages in use
	dense int      // orders held in page blocks
	hash  hashIndex
	span  uint64 // most pages the window spans: maxDir (tests lower it)
	small int    // hashed orders before the first page: smallBook (tests lower it)
	// hashTop is one past the greatest page number of an ID ever hashed:
	// a new ID of a later page need not be looked for in the hash index.
	hashTop uint64
	thin    []uint64 // a queue, from thinAt: pages whose orders fell below thinPage
	thinAt  int

	checked []uint64 // check's scratch

	// moved is told that the order in slot from now rests in slot to,
	// so that the owner of the links into the slab (levels, the expiry
	// heap, the neighbours in the queue) can mend them; nil means none.
	moved func(from, to int32)
}

// idPage is the header of one page of IDs.
type idPage struct {
	base int32 // first slot of the page's block
	live int32 // orders held in the block
	dead int32 // of them, cancelled orders still linked (see bury)
}

// Orders live in chunks of chunkSize slots; pages cover pageSize IDs.
const (
	chunkBits = 12
	chunkSize = 1 << chunkBits

	pageBits  = 6
	pageSize  = 1 << pageBits
	pageMask  = pageSize - 1
	maxGap    = 256     // pages an ID may skip ahead of the window and still be paged
	maxDir    = 1 << 16 // most pages the window spans (2^22 IDs)
	minFill   = 16      // new pages only while used pages hold >= pageSize/minFill orders each
	smallBook = 64      // a book's first orders are hashed: no page until it holds this many
	thinPage  = 8       // a page whose orders fall below this many gives them to the hash index
)

func newOrderSlots(capacity int) orderSlots {
	s := orderSlots{free: none, hash: newHashIndex(0), span: maxDir, small: smallBook}
	if capacity > 0 {
		s.orders = append(s.orders, make([]order, 0, min(capacity, chunkSize)))
		s.cold = append(s.cold, make([]orderCold, 0, min(capacity, chunkSize)))
		for range (capacity - 1) / chunkSize {
			s.orders = append(s.orders, make([]order, chunkSize))
			s.cold = append(s.cold, make([]orderCold, chunkSize))
		}
		s.pages = make([]idPage, 0, capacity>>pageBits)
	}
	return s
}

// ord returns the hot part of order slot oi.
func (s *orderSlots) ord(oi int32) *order { return &s.orders[oi>>chunkBits][oi&(chunkSize-1)] }

// coldOf returns the cold part of order slot oi.
func (s *orderSlots) coldOf(oi int32) *orderCold { return &s.cold[oi>>chunkBits][oi&(chunkSize-1)] }

// Len returns the number of orders held.
func (s *orderSlots) Len() int { return s.dense + s.hash.n }

// page returns the header of page number p, or nil.
func (s *orderSlots) page(p uint64) *idPage {
	if p-s.lo >= s.hi-s.lo { // outside [lo, hi), as unsigned arithmetic
		return nil
	}
	pi := s.dir[p&uint64(len(s.dir)-1)]
	if pi == 0 {
		return nil
	}
	return &s.pages[pi-1]
}

// find returns the slot of the order with ID id.
func (s *orderSlots) find(id OrderID) (int32, bool) {
	if id == 0 {
		return 0, false
	}
	if pg := s.page(uint64(id) >> pageBits); pg != nil {
		// A block's slot holds its own ID or nothing (ID 0); an ID of
		// the page hashed before the page was made rests elsewhere.
		if oi := pg.base + int32(id&pageMask); s.ord(oi).id == id {
			return oi, true
		}
		if uint64(id)>>pageBits >= s.hashTop {
			return 0, false // no hashed ID is of this page or a later one
		}
	}
	if s.hash.n == 0 {
		return 0, false
	}
	return s.hash.get(uint64(id))
}

// insert returns the slot for a new order with ID id, which must be
// non-zero and not held; the caller fills the slot, its id included.
func (s *orderSlots) insert(id OrderID) int32 {
	if s.thinAt < len(s.thin) {
		s.thinOut()
	}
	p := uint64(id) >> pageBits
	pg := s.page(p)
	if pg == nil {
		pg = s.newPage(p)
	}
	if pg != nil {
		pg.live++
		s.dense++
		return pg.base + int32(id&pageMask)
	}
	oi := s.loose()
	s.hashed(id, oi)
	return oi
}

// hashed records in the hash index that order id rests in loose slot oi.
func (s *orderSlots) hashed(id OrderID, oi int32) {
	s.hash.put(uint64(id), oi)
	s.hashTop = max(s.hashTop, uint64(id)>>pageBits+1)
}

// release frees slot oi, whose order leaves the book.
func (s *orderSlots) release(oi int32) {
	o := s.ord(oi)
	p := uint64(o.id) >> pageBits
	if pg := s.page(p); pg != nil && pg.base+int32(o.id&pageMask) == oi {
		*o = order{prev: none, next: none, level: none, heapIdx: none}
		s.dense--
		switch pg.live--; pg.live {
		case 0:
			s.freePage(p)
		case thinPage - 1:
			s.thin = append(s.thin, p)
		}
		return
	}
	s.hash.del(uint64(o.id))
	*o = order{next: s.free, prev: none, level: none, heapIdx: none}
	s.free = oi
}

// blockPage returns the header of the page whose block holds slot oi, or
// nil for a loose slot.
func (s *orderSlots) blockPage(oi int32) *idPage {
	id := s.ord(oi).id
	if pg := s.page(uint64(id) >> pageBits); pg != nil && pg.base+int32(id&pageMask) == oi {
		return pg
	}
	return nil
}

// bury counts the order of slot oi, which stays held, as cancelled (a
// cancelled order the book leaves linked). It counts nothing and returns
// false, with the base of the block, when oi is in a block whose page
// would then hold fewer than thinPage orders that are not cancelled: the
// book then unlinks the page's cancelled orders and removes this one, so
// that cancelled orders never keep a block that would otherwise thin or
// free. Cost: O(1).
//
// id is the order's ID: the caller's copy, so that finding the page need
// not wait for the order's cache line.
func (s *orderSlots) bury(id OrderID, oi int32) (ok bool, base int32) {
	pg := s.page(uint64(id) >> pageBits)
	if pg == nil || pg.base+int32(id&pageMask) != oi {
		return true, 0 // a loose slot
	}
	if pg.live-pg.dead-1 < thinPage {
		return false, pg.base
	}
	pg.dead++
	return true, 0
}

// unbury undoes bury for slot oi, whose cancelled order is about to be
// released.
func (s *orderSlots) unbury(oi int32) {
	if pg := s.blockPage(oi); pg != nil {
		pg.dead--
	}
}

// loose returns a free loose slot.
func (s *orderSlots) loose() int32 {
	if s.free != none {
		oi := s.free
		s.free = s.ord(oi).next
		return oi
	}
	s.extend(s.nslots + 1)
	return s.nslots - 1
}

// extend makes slots up to n-1.
func (s *orderSlots) extend(n int32) {
	for s.nslots < n {
		c := int(s.nslots >> chunkBits)
		if c == len(s.orders) {
			if c == 0 {
				s.orders, s.cold = append(s.orders, nil), append(s.cold, nil)
			} else {
				s.orders = append(s.orders, make([]order, chunkSize))
				s.cold = append(s.cold, make([]orderCold, chunkSize))
			}
		}
		end := min(n, int32(c+1)<<chunkBits)
		if c == 0 {
			// The first chunk grows by appending, doubling its capacity.
			k := int(end) - len(s.orders[0])
			s.orders[0] = append(s.orders[0], make([]order, k)...)
			s.cold[0] = append(s.cold[0], make([]orderCold, k)...)
		}
		s.nslots = end
	}
}

// newPage returns the header of a fresh page for page number p, its block
// empty, extending the window if needed, or nil if p is not to be paged.
func (s *orderSlots) newPage(p uint64) *idPage {
	if s.used > 0 && s.dense < (s.used-1)*(pageSize/minFill) {
		return nil // the pages in use are too sparse
	}
	if s.used == 0 && s.hash.n < s.small {
		return nil // a small book stays small
	}
	switch {
	case s.lo == s.hi:
		// An empty window starts at p.
		s.lo, s.hi = p, p
	case p < s.lo:
		return nil
	case p >= s.hi && p-s.hi > maxGap:
		return nil
	}
	if p >= s.hi {
		for p+1-s.lo > s.span {
			s.evictOldest()
			if s.lo == s.hi {
				s.lo, s.hi = p, p
			}
		}
		if need := p + 1 - s.lo; need > uint64(len(s.dir)) {
			s.growDir(need)
		}
		s.hi = p + 1
	}
	var pi int32
	if n := len(s.spare); n > 0 {
		pi = s.spare[n-1]
		s.spare = s.spare[:n-1]
	} else {
		// A new header with a block of its own: the next pageSize
		// slots, made empty.
		s.pages = append(s.pages, idPage{base: s.nslots})
		s.extend(s.nslots + pageSize)
		pi = int32(len(s.pages) - 1)
	}
	pg := &s.pages[pi]
	s.dir[p&uint64(len(s.dir)-1)] = pi + 1
	s.used++
	return pg
}

// growDir doubles the directory ring until it covers need pages.
func (s *orderSlots) growDir(need uint64) {
	size := max(len(s.dir), 16)
	for uint64(size) < need {
		size *= 2
	}
	dir := make([]int32, size)
	for p := s.lo; p < s.hi; p++ {
		dir[p&uint64(size-1)] = s.dir[p&uint64(len(s.dir)-1)]
	}
	s.dir = dir
}

// freePage releases the empty page p, keeping its header and block for
// the next page made, and shrinks the window past leading absent pages.
func (s *orderSlots) freePage(p uint64) {
	i := p & uint64(len(s.dir)-1)
	pi := s.dir[i]
	s.dir[i] = 0
	s.spare = append(s.spare, pi-1)
	s.used--
	for s.lo < s.hi && s.dir[s.lo&uint64(len(s.dir)-1)] == 0 {
		s.lo++
	}
}

// thinOut hashes the orders of the oldest page queued as thin, if it still
// holds fewer than thinPage, so that a block of pageSize slots never stays
// to hold a few long-lived orders. It runs as a book inserts an order,
// when no caller holds a slot number, and moves fewer than thinPage orders
// for every page queued: O(1) amortised per release.
func (s *orderSlots) thinOut() {
	p := s.thin[s.thinAt]
	if s.thinAt++; s.thinAt == len(s.thin) {
		s.thin, s.thinAt = s.thin[:0], 0
	} else if s.thinAt >= 64 && 2*s.thinAt >= len(s.thin) {
		s.thin, s.thinAt = s.thin[:copy(s.thin, s.thin[s.thinAt:])], 0
	}
	if pg := s.page(p); pg != nil && pg.live < thinPage {
		s.hashPage(p)
	}
}

// evictOldest hashes the orders of the window's first page (see hashPage).
// The window must not be empty.
func (s *orderSlots) evictOldest() {
	if s.page(s.lo) == nil {
		s.lo++ // unreachable: the first page of a non-empty window is in use
		return
	}
	s.hashPage(s.lo)
}

// hashPage moves the orders of page p, which is in use, to loose slots,
// hashed, and frees the page, keeping its block for the next page made.
func (s *orderSlots) hashPage(p uint64) {
	pg := s.page(p)
	base := pg.base
	for from := base; from < base+pageSize; from++ {
		id := s.ord(from).id
		if id == 0 {
			continue
		}
		to := s.loose() // may grow the slab: no pointer survives it
		*s.ord(to), *s.coldOf(to) = *s.ord(from), *s.coldOf(from)
		*s.ord(from) = order{prev: none, next: none, level: none, heapIdx: none}
		s.hashed(id, to)
		if s.moved != nil {
			s.moved(from, to)
		}
	}
	pg = s.page(p)
	s.dense -= int(pg.live)
	pg.live, pg.dead = 0, 0
	s.freePage(p)
}

// check reports whether the slots' accounting agrees with their contents:
// every order in a page's block belongs to that page, at its offset; every
// hashed ID rests in its slot, outside any page's block; the free list
// holds only empty loose slots; and the counts add up. (An ID both paged
// and hashed rests in two slots, which Book.CheckInvariants finds: find
// names one of them for both orders.) Cost: O(slots).
func (s *orderSlots) check() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: order slots: %s", ErrInvariant, fmt.Sprintf(format, args...))
	}
	// The slots of page blocks, in a bitset kept for the next check, so
	// that checking allocates nothing once it has run.
	n := int(s.nslots+63) / 64
	if cap(s.checked) < n {
		s.checked = make([]uint64, n)
	}
	blocks := s.checked[:n]
	clear(blocks)
	mark := func(oi int32) { blocks[oi/64] |= 1 << (oi % 64) }
	inBlock := func(oi int32) bool { return blocks[oi/64]&(1<<(oi%64)) != 0 }
	dense, used := 0, 0
	for p := s.lo; p < s.hi; p++ {
		pg := s.page(p)
		if pg == nil {
			continue
		}
		used++
		if pg.base < 0 || pg.base+pageSize > s.nslots {
			return fail("page %d has block %d of %d slots", p, pg.base, s.nslots)
		}
		live, dead := 0, 0
		for off := int32(0); off < pageSize; off++ {
			oi := pg.base + off
			mark(oi)
			id := s.ord(oi).id
			if id == 0 {
				continue
			}
			live++
			if o := s.ord(oi); o.qty == 0 && o.level != none {
				dead++
			}
			if uint64(id)>>pageBits != p || int32(id&pageMask) != off {
				return fail("order %d rests in page %d at %d", id, p, off)
			}
		}
		if int(pg.live) != live || live == 0 {
			return fail("page %d counts %d orders, holds %d", p, pg.live, live)
		}
		if int(pg.dead) != dead {
			return fail("page %d counts %d cancelled orders, holds %d", p, pg.dead, dead)
		}
		dense += live
	}
	for _, pi := range s.spare {
		if pg := s.pages[pi]; pg.live != 0 || pg.dead != 0 {
			return fail("free page header %d counts %d orders, %d cancelled", pi, pg.live, pg.dead)
		} else {
			if pg.base < 0 || pg.base+pageSize > s.nslots {
				return fail("free page header %d has block %d of %d slots", pi, pg.base, s.nslots)
			}
			for oi := pg.base; oi < pg.base+pageSize; oi++ {
				mark(oi)
				if s.ord(oi).id != 0 {
					return fail("free page's slot %d holds order %d", oi, s.ord(oi).id)
				}
			}
		}
	}
	for _, h := range s.hash.slots {
		if h.key == 0 {
			continue
		}
		if h.val < 0 || h.val >= s.nslots || inBlock(h.val) || uint64(s.ord(h.val).id) != h.key || h.key>>pageBits >= s.hashTop {
			return fail("hashed order %d at slot %d", h.key, h.val)
		}
	}
	freed := 0
	for oi := s.free; oi != none; oi = s.ord(oi).next {
		if oi < 0 || oi >= s.nslots || inBlock(oi) || s.ord(oi).id != 0 {
			return fail("free list holds slot %d", oi)
		}
		if freed++; freed > int(s.nslots) {
			return fail("free list loops")
		}
	}
	switch {
	case dense != s.dense || used != s.used:
		return fail("counts %d orders in %d pages, holds %d in %d", s.dense, s.used, dense, used)
	case len(s.pages) != used+len(s.spare):
		return fail("%d page headers, %d in use and %d free", len(s.pages), used, len(s.spare))
	case s.hi-s.lo > s.span:
		return fail("window of %d pages", s.hi-s.lo)
	}
	return nil
}
