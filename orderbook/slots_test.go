package orderbook

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// put inserts an order of ID id into s, as Book.add does, and returns its
// slot.
func (s *orderSlots) put(id OrderID) int32 {
	oi := s.insert(id)
	*s.ord(oi) = order{id: id, prev: none, next: none, level: none, heapIdx: none}
	return oi
}

// del releases the order of ID id, reporting whether s held it.
func (s *orderSlots) del(id OrderID) bool {
	oi, ok := s.find(id)
	if ok {
		s.release(oi)
	}
	return ok
}

// checkOrderSlots requires s to hold exactly m (ID -> slot), each order in
// its own slot, and its accounting to agree with its contents.
func checkOrderSlots(t *testing.T, s *orderSlots, m map[OrderID]int32) {
	t.Helper()
	require.Equal(t, len(m), s.Len())
	seen := make(map[int32]OrderID, len(m))
	for id, oi := range m {
		got, ok := s.find(id)
		require.True(t, ok, "ID %d", id)
		require.Equal(t, oi, got, "ID %d", id)
		require.Equal(t, id, s.ord(oi).id)
		other, dup := seen[oi]
		require.False(t, dup, "IDs %d and %d share slot %d", id, other, oi)
		seen[oi] = id
	}
	require.NoError(t, s.check())
}

// TestOrderSlotsAgainstMap drives the order slots and a Go map with the
// same inserts and releases of dense IDs under a constant high part, IDs
// far beyond and below the dense window, and arbitrary uint64s, and
// requires identical contents, the map following the moves the slots
// report.
func TestOrderSlotsAgainstMap(t *testing.T) {
	for _, base := range []uint64{0, 7 << 40, 1<<64 - 1<<20} {
		r := rand.New(rand.NewPCG(9, base))
		s := newOrderSlots(0)
		m := map[OrderID]int32{}
		s.moved = func(from, to int32) {
			id := s.ord(to).id
			require.Equal(t, from, m[id], "ID %d moved from a slot it was not in", id)
			m[id] = to
		}
		next := base + 1
		var live []OrderID
		for i := range 40_000 {
			var k uint64
			switch c := r.IntN(10); {
			case c < 5:
				k, next = next, next+1+uint64(r.IntN(3)) // dense, with small holes
			case c < 6:
				k = next + uint64(r.IntN(1<<20)) // ahead of the window
			case c < 7:
				k = base - uint64(r.IntN(1<<20)) // below it
			case c < 8:
				k = r.Uint64()
			default:
				if len(live) > 0 {
					j := r.IntN(len(live))
					id := live[j]
					live[j] = live[len(live)-1]
					live = live[:len(live)-1]
					require.True(t, s.del(id))
					delete(m, id)
					require.False(t, s.del(id), "ID %d released twice", id)
				}
				continue
			}
			id := OrderID(k)
			if _, dup := m[id]; dup || id == 0 {
				continue
			}
			live = append(live, id)
			m[id] = s.put(id)
			if i%9973 == 0 {
				checkOrderSlots(t, &s, m)
			}
		}
		checkOrderSlots(t, &s, m)
		for _, id := range live {
			require.True(t, s.del(id))
			delete(m, id)
		}
		checkOrderSlots(t, &s, m)
		require.Zero(t, s.used)
		_, ok := s.find(0)
		require.False(t, ok)
	}
}

// TestOrderSlotsDenseIDsArePaged checks that sequential IDs under a
// constant high part, as the exchange issues them, rest where their IDs
// say (the page's block base plus the ID's offset) and never reach the
// hash index, but for a small book's first orders.
func TestOrderSlotsDenseIDsArePaged(t *testing.T) {
	s := newOrderSlots(0)
	const base = 3 << 40
	for i := OrderID(1); i <= 100_000; i++ {
		s.put(base | i)
	}
	require.Equal(t, smallBook, s.hash.Len(), "only the first orders are hashed")
	require.Equal(t, 100_000, s.Len())
	oi, ok := s.find(base | 4242)
	require.True(t, ok)
	require.Equal(t, s.page((base|4242)>>pageBits).base+4242&pageMask, oi)
	_, ok = s.find(base | 100_001)
	require.False(t, ok)
	_, ok = s.find(0)
	require.False(t, ok)
	require.NoError(t, s.check())
}

// TestOrderSlotsMemoryBounded sends IDs spaced one page apart and one huge
// ID: the pages made stay within minFill times the orders held, the slots
// within a page's block per page plus one per hashed order, and the
// directory within maxDir.
func TestOrderSlotsMemoryBounded(t *testing.T) {
	s := newOrderSlots(0)
	m := map[OrderID]int32{}
	for i := OrderID(1); i <= 20_000; i++ {
		k := i << pageBits
		m[k] = s.put(k)
	}
	m[1<<63] = s.put(1 << 63)
	require.LessOrEqual(t, len(s.pages), 2+len(m)*minFill/pageSize)
	require.LessOrEqual(t, int(s.nslots), len(s.pages)*pageSize+s.hash.Len())
	require.LessOrEqual(t, len(s.dir), maxDir)
	checkOrderSlots(t, &s, m)
}

// TestOrderSlotsWindowSlides issues a long monotonic run of IDs, keeping a
// few long-lived ones: the window slides past its span (lowered here from
// maxDir), the old orders move to hashed slots and stay found, the
// evicted pages' blocks are reused, and churn allocates nothing.
func TestOrderSlotsWindowSlides(t *testing.T) {
	s := newOrderSlots(0)
	s.span = 64
	m := map[OrderID]bool{}
	const keepEvery = 1 << 13
	next := OrderID(1)
	const window = 2000
	churn := func(n int) {
		for range n {
			s.put(next)
			if next%keepEvery == 0 {
				m[next] = true
			}
			if old := next - window; next > window && old%keepEvery != 0 && !s.del(old) {
				t.Fatalf("ID %d not found", old)
			}
			next++
		}
	}
	churn(int(s.span*20)<<pageBits + keepEvery/2)
	require.NotZero(t, s.hash.Len(), "the window slid past long-lived IDs")
	require.Equal(t, len(m)+window, s.Len())
	for id := range m {
		oi, ok := s.find(id)
		require.True(t, ok)
		require.Equal(t, id, s.ord(oi).id)
		_, hashed := s.hash.get(uint64(id))
		require.True(t, hashed, "ID %d left the window but is not hashed", id)
	}
	require.LessOrEqual(t, len(s.dir), 64)
	require.NoError(t, s.check())
	slots := s.nslots
	allocs := testing.AllocsPerRun(10_000, func() { churn(1) })
	require.Zero(t, allocs)
	require.Equal(t, slots, s.nslots, "churn reuses slots")
	require.NoError(t, s.check())
}

// TestSmallBookStaysSmall: a book's first orders are hashed, so a book of
// a few orders holds no page; once it holds more, new dense IDs rest in a
// page, and every order is found.
func TestSmallBookStaysSmall(t *testing.T) {
	s := newOrderSlots(0)
	const base = 5 << 40
	for i := OrderID(1); i <= smallBook; i++ {
		s.put(base | i)
	}
	require.Zero(t, s.used, "no page for a small book")
	require.Equal(t, int32(smallBook), s.nslots, "one slot per order")
	for i := OrderID(smallBook + 1); i <= 200; i++ {
		s.put(base | i)
	}
	require.NotZero(t, s.used)
	require.Equal(t, smallBook, s.hash.Len(), "only the first orders are hashed")
	for i := OrderID(1); i <= 200; i++ {
		oi, ok := s.find(base | i)
		require.True(t, ok, "%d", i)
		require.Equal(t, base|i, s.ord(oi).id)
	}
	require.True(t, s.del(base|3))
	_, ok := s.find(base | 3)
	require.False(t, ok)
	require.True(t, s.del(base|150))
	_, ok = s.find(base | 150)
	require.False(t, ok)
	require.NoError(t, s.check())
}

// TestBookWindowSlidesPastRestingOrders runs a book whose ID window (its
// span lowered from maxDir) slides past long-lived orders: GTC and GTD
// orders at the head, middle and tail of shared levels. Each eviction
// moves them to loose slots; the book's queues, expiry heap and invariants
// must follow, and every long-lived order must then trade, cancel and
// expire as if it had never moved.
func TestBookWindowSlidesPastRestingOrders(t *testing.T) {
	b, err := New(Config{})
	require.NoError(t, err)
	b.slots.span = 8
	const keepEvery = 97
	var kept []Order
	var dst []Event
	next := OrderID(1)
	for next < 40*pageSize*8 {
		id := next
		next++
		o := lim(id, 1, Buy, catalog.Price(100+int(id)%3), 2)
		if id%keepEvery == 0 {
			if id%2 == 0 {
				o.TIF, o.ExpireAt = GTD, 1_000_000+int64(id)
			}
			kept = append(kept, o)
		}
		dst, _, err = b.Place(o, 1, dst[:0])
		require.NoError(t, err)
		if old := id - 300; id > 300 && old%keepEvery != 0 {
			dst, err = b.Cancel(old, 1, 1, dst[:0])
			require.NoError(t, err, "cancel %d", old)
		}
		if id%1009 == 0 {
			require.NoError(t, b.CheckInvariants())
		}
	}
	require.NoError(t, b.CheckInvariants())
	require.NotZero(t, b.slots.hash.Len(), "the window slid past long-lived orders")
	for _, o := range kept {
		info, ok := b.Order(o.ID)
		require.True(t, ok, "order %d", o.ID)
		require.Equal(t, o.Price, info.Price)
	}
	// The GTD half expires, in ID order (their ExpireAt), then a sell
	// sweeps the book: the long-lived GTC orders fill in time priority.
	dst = b.Expire(2_000_000, dst[:0])
	var expired []OrderID
	for _, e := range dst {
		require.Equal(t, EventExpire, e.Kind)
		expired = append(expired, e.OrderID)
	}
	var wantExpired, gtc []OrderID
	for _, o := range kept {
		if o.TIF == GTD {
			wantExpired = append(wantExpired, o.ID)
		} else {
			gtc = append(gtc, o.ID)
		}
	}
	require.Equal(t, wantExpired, expired)
	require.NoError(t, b.CheckInvariants())
	for i := next - 300; i < next; i++ {
		if i%keepEvery != 0 {
			_, err = b.Cancel(i, 1, 2_000_000, nil)
			require.NoError(t, err, "cancel %d", i)
		}
	}
	require.Equal(t, len(gtc), b.Len())
	dst, _, err = b.Place(Order{ID: next, Owner: 2, Side: Sell, Type: Market, TIF: IOC, Qty: catalog.Qty(2 * len(gtc))}, 2_000_000, dst[:0])
	require.NoError(t, err)
	var filled []OrderID
	for _, e := range dst {
		if e.Kind == EventFill {
			filled = append(filled, e.OrderID)
		}
	}
	// Price priority (102, 101, 100), then time (ID) within a price.
	var want []OrderID
	for p := catalog.Price(102); p >= 100; p-- {
		for _, id := range gtc {
			if catalog.Price(100+int(id)%3) == p {
				want = append(want, id)
			}
		}
	}
	require.Equal(t, want, filled)
	require.Zero(t, b.Len())
	require.NoError(t, b.CheckInvariants())
}
