package orderbook

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

const allocRuns = 2000

// warmBook returns a book that has held 4×allocRuns resting orders on
// each side and holds half of them again, so its slab, free lists, B-tree
// node free list and index map are at working size.
func warmBook(t *testing.T) (*Book, []Event) {
	b := newBook(t, Config{})
	dst := make([]Event, 0, 64)
	id := OrderID(1)
	for round := 0; round < 2; round++ {
		first := id
		for i := 0; i < 4*allocRuns; i++ {
			side, price := Buy, catalog.Price(900+i%50)
			if i%2 == 1 {
				side, price = Sell, catalog.Price(1100+i%50)
			}
			var err error
			dst, _, err = b.Place(lim(id, catalog.ParticipantID(1+i%7), side, price, 10), 1, dst[:0])
			require.NoError(t, err)
			id++
		}
		for c := first; c < id; c++ {
			if round == 1 && (c-first)%4 >= 2 {
				continue // keep half of each side
			}
			info, _ := b.Order(c)
			var err error
			dst, err = b.Cancel(c, info.Owner, 1, dst[:0])
			require.NoError(t, err)
		}
	}
	require.NoError(t, b.CheckInvariants())
	return b, dst
}

func TestAllocsSteadyState(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are only meaningful without instrumentation")
	}
	b, dst := warmBook(t)
	next := OrderID(1 << 32)
	var ids []OrderID
	ids = make([]OrderID, 0, allocRuns+1)

	placeRest := testing.AllocsPerRun(allocRuns, func() {
		var err error
		dst, _, err = b.Place(lim(next, 3, Buy, catalog.Price(950+int(next)%40), 5), 2, dst[:0])
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, next)
		next++
	})
	require.Zero(t, placeRest, "resting Place allocates")

	i := 0
	cancel := testing.AllocsPerRun(allocRuns, func() {
		var err error
		dst, err = b.Cancel(ids[i], 3, 2, dst[:0])
		if err != nil {
			t.Fatal(err)
		}
		i++
	})
	require.Zero(t, cancel, "Cancel allocates")

	// A crossing Place that fills one resting ask completely and rests
	// nothing, and one that fills partly and rests its remainder.
	cross := testing.AllocsPerRun(allocRuns, func() {
		ask, _, _ := b.BestAsk()
		var err error
		dst, _, err = b.Place(Order{ID: next, Owner: 99, Side: Buy, Type: Limit, TIF: IOC, Price: ask, Qty: 4}, 2, dst[:0])
		if err != nil || len(dst) == 0 || dst[0].Kind != EventFill {
			t.Fatal(err, dst)
		}
		next++
	})
	require.Zero(t, cross, "crossing Place allocates")

	// Each run: a maker bid on a fresh best level, a sell that fills it
	// and rests its remainder on a fresh ask level, and the remainder's
	// cancellation, so the book returns to its shape.
	crossRest := testing.AllocsPerRun(allocRuns, func() {
		maker, taker := next, next+1
		next += 2
		var err error
		if dst, _, err = b.Place(lim(maker, 97, Buy, 1050, 10), 2, dst[:0]); err != nil {
			t.Fatal(err)
		}
		dst, _, err = b.Place(lim(taker, 98, Sell, 1050, 12), 2, dst[:0])
		if err != nil || len(dst) != 1 || dst[0].Kind != EventFill {
			t.Fatal(err, dst)
		}
		if dst, err = b.Cancel(taker, 98, 2, dst[:0]); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, crossRest, "crossing Place with a resting remainder allocates")
	require.NoError(t, b.CheckInvariants())
}

// TestAllocsLongChurn counts every allocation, not the per-run average that
// AllocsPerRun rounds down, over a long place/cancel churn with fresh IDs:
// it is where occasional growth of the index map (tombstones left by
// deletes) would show. It runs twice: as the warm book is, where cancels
// unlink at once, and with cancels leaving their orders linked as in a
// book of buryFrom orders, where the cancelled orders must reach a steady
// number too.
func TestAllocsLongChurn(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled || invariantsEnabled {
		// With -tags invariants every operation also runs the O(n) full
		// check: 600,000 of them on this book take minutes, and the
		// allocation count is the plain build's to measure.
		t.Skip("allocation counts are only meaningful without instrumentation")
	}
	for _, bury := range []bool{false, true} {
		b, dst := warmBook(t)
		if bury {
			// An order resting at the head of each level the churn
			// uses, so that its cancels fall in the middle of queues.
			b.buryFrom = 0
			for p := range 30 {
				var err error
				dst, _, err = b.Place(lim(OrderID(1<<39+p), 6, Sell, catalog.Price(1200+p), 3), 3, dst[:0])
				require.NoError(t, err)
			}
		}
		next := OrderID(1 << 40)
		const window = 1000 // orders resting at once, beyond the warm book
		churn := func(n int) {
			for i := 0; i < n; i++ {
				var err error
				dst, _, err = b.Place(lim(next, 5, Sell, catalog.Price(1200+int(next)%30), 3), 3, dst[:0])
				if err != nil {
					t.Fatal(err)
				}
				if dst, err = b.Cancel(next-window, 5, 3, dst[:0]); err != nil && i >= window {
					t.Fatal(err)
				}
				next++
			}
		}
		churn(2 * window)
		if bury {
			require.Positive(t, b.dead, "cancels left orders linked")
		}
		// MemStats counts the whole process, so a stray runtime allocation
		// (a GC cycle starting, say) can land in a window now and then. A
		// real allocation on the book's path would show in every window,
		// hundreds of thousands of times, so the quietest of three windows
		// must show none.
		least := uint64(1 << 63)
		for range 3 {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			churn(200_000)
			runtime.ReadMemStats(&after)
			least = min(least, after.Mallocs-before.Mallocs)
		}
		require.Equal(t, uint64(0), least, "allocations over 200,000 place+cancel pairs (cancelled orders linked: %v)", bury)
		require.NoError(t, b.CheckInvariants())
	}
}
