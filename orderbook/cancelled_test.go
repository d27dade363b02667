package orderbook

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// ids returns the IDs of orders.
func ids(orders []OrderInfo) []OrderID {
	out := make([]OrderID, len(orders))
	for i, o := range orders {
		out[i] = o.ID
	}
	return out
}

// cancel cancels order id of owner at time 0 and requires success and the
// invariants.
func cancel(t *testing.T, b *Book, id OrderID, owner catalog.ParticipantID) {
	t.Helper()
	_, err := b.Cancel(id, owner, 0, nil)
	require.NoError(t, err)
	require.NoError(t, b.CheckInvariants())
}

// TestSmallBookUnlinksAtOnce checks that a book below buryFrom orders
// unlinks a cancelled order at once.
func TestSmallBookUnlinksAtOnce(t *testing.T) {
	b := newBook(t, Config{})
	for id := OrderID(1); id <= 10; id++ {
		place(t, b, lim(id, 1, Sell, 100, 2), 0)
	}
	cancel(t, b, 5, 1)
	require.Zero(t, b.dead)
	require.Equal(t, 9, b.slots.Len())
}

// TestCancelledOrdersStayLinked checks that a cancel in the middle of a
// deep level leaves the order linked (one cache line written instead of
// three), and that nothing a caller sees tells it apart from an unlinked
// one: Len, Order, OrdersAt, the level's figures, a second cancel, an
// amend, and the fills, which pass over it in time priority and unlink it.
func TestCancelledOrdersStayLinked(t *testing.T) {
	b := newBook(t, Config{})
	b.buryFrom = 0 // see buryFrom
	for id := OrderID(1); id <= 10; id++ {
		place(t, b, lim(id, catalog.ParticipantID(1+id%2), Sell, 100, 2), 0)
	}
	for _, id := range []OrderID{3, 5, 7} {
		cancel(t, b, id, catalog.ParticipantID(1+id%2))
	}
	li := b.findLevel(Sell, 100)
	require.Equal(t, 3, b.dead, "the three cancels left their orders linked")
	require.EqualValues(t, 3, b.levels[li].dead)
	require.Equal(t, 7, b.Len())
	require.Equal(t, []Level{{Price: 100, Qty: 14, Orders: 7}}, slices.Collect(b.Levels(Sell)))
	require.Equal(t, []OrderID{1, 2, 4, 6, 8, 9, 10}, ids(slices.Collect(b.OrdersAt(Sell, 100))))
	require.Equal(t, []OrderID{1, 2, 4, 6, 8, 9, 10}, ids(slices.Collect(b.Orders(Sell))))
	_, ok := b.Order(5)
	require.False(t, ok)
	_, err := b.Cancel(5, 2, 0, nil)
	require.ErrorIs(t, err, ErrUnknownOrder)
	require.ErrorIs(t, b.CheckAmend(5, 2, 100, 1), ErrUnknownOrder)
	_, _, err = b.Amend(5, 2, 100, 1, 0, nil)
	require.ErrorIs(t, err, ErrUnknownOrder)
	require.NoError(t, b.CheckInvariants())

	// A buy of 8 takes 1, 2, 4 and 6, in that order, and unlinks 3 and 5,
	// which it passes, and 7, right behind the last order it fills.
	ev, res := place(t, b, lim(11, 3, Buy, 100, 8), 0)
	require.Equal(t, catalog.Qty(8), res.Filled)
	require.Equal(t, []Event{
		fill(1, 2, Sell, 100, 2, 0, 11, 3, 6),
		fill(2, 1, Sell, 100, 2, 0, 11, 3, 4),
		fill(4, 1, Sell, 100, 2, 0, 11, 3, 2),
		fill(6, 1, Sell, 100, 2, 0, 11, 3, 0),
	}, ev)
	require.Zero(t, b.dead)
	require.Equal(t, 3, b.slots.Len())
	require.Equal(t, []OrderID{8, 9, 10}, ids(slices.Collect(b.Orders(Sell))))
}

// TestCancelledIDReused checks that an order may take the ID of a
// cancelled order still linked: the old one is unlinked first, and the new
// one rests at the tail of its own level.
func TestCancelledIDReused(t *testing.T) {
	b := newBook(t, Config{})
	b.buryFrom = 0 // see buryFrom
	for id := OrderID(1); id <= 4; id++ {
		place(t, b, lim(id, 1, Buy, 50, 1), 0)
	}
	cancel(t, b, 2, 1)
	require.Equal(t, 1, b.dead)
	place(t, b, lim(2, 2, Buy, 50, 5), 0)
	require.Zero(t, b.dead)
	require.Equal(t, []OrderID{1, 3, 4, 2}, ids(slices.Collect(b.OrdersAt(Buy, 50))))
	got, ok := b.Order(2)
	require.True(t, ok)
	require.Equal(t, catalog.ParticipantID(2), got.Owner)
	require.Equal(t, catalog.Qty(5), got.Qty)
}

// TestCancelledOrdersBounded drives a level with cancels, amends away and
// fills chosen to pile up cancelled orders, and requires after every
// operation that no level links more cancelled orders than live ones (the
// invariants), so the book never holds more than twice its resting
// orders, whatever the sequence.
func TestCancelledOrdersBounded(t *testing.T) {
	b := newBook(t, Config{})
	b.buryFrom = 0 // see buryFrom
	r := rand.New(rand.NewPCG(5, 11))
	next := OrderID(1)
	live := []OrderID{}
	most := 0
	for range 20_000 {
		switch k := r.IntN(10); {
		case k < 4 || len(live) < 2:
			place(t, b, lim(next, 1, Sell, 100, 3), 0)
			live = append(live, next)
			next++
		case k < 7: // cancel in the middle
			i := r.IntN(len(live))
			cancel(t, b, live[i], 1)
			live = slices.Delete(live, i, i+1)
		case k < 9: // amend away, and cancel it there
			i := r.IntN(len(live))
			_, _, err := b.Amend(live[i], 1, 200, 3, 0, nil)
			require.NoError(t, err)
			require.NoError(t, b.CheckInvariants())
			cancel(t, b, live[i], 1)
			live = slices.Delete(live, i, i+1)
		default: // a fill of the head
			place(t, b, Order{ID: next, Owner: 2, Side: Buy, Type: Market, TIF: IOC, Qty: 3}, 0)
			next++
			live = live[1:]
		}
		require.Equal(t, len(live), b.Len())
		require.LessOrEqual(t, b.slots.Len(), 2*max(b.Len(), 1))
		most = max(most, b.dead)
	}
	require.Greater(t, most, 5, "the sequence left cancelled orders linked")
	require.Equal(t, live, ids(slices.Collect(b.Orders(Sell))))
}

// TestCancelledOrdersAtCapacity checks that cancelled orders still linked
// never take the room of resting ones: a book of MaxOrders 8 with one of
// them accepts its eighth resting order, unlinking it, and refuses a ninth.
func TestCancelledOrdersAtCapacity(t *testing.T) {
	b := newBook(t, Config{MaxOrders: 8})
	b.buryFrom = 0 // see buryFrom
	for id := OrderID(1); id <= 3; id++ {
		place(t, b, lim(id, 1, Sell, 100, 1), 0)
	}
	cancel(t, b, 2, 1) // 3 slots held, below MaxOrders/2: stays linked
	require.Equal(t, 1, b.dead)
	for id := OrderID(4); id <= 8; id++ {
		place(t, b, lim(id, 1, Sell, 100, 1), 0)
	}
	require.Equal(t, 7, b.Len())
	require.Equal(t, 8, b.slots.Len())
	place(t, b, lim(9, 1, Sell, 100, 1), 0)
	require.Zero(t, b.dead)
	require.Equal(t, 8, b.Len())
	_, _, err := b.Place(lim(10, 1, Sell, 100, 1), 0, nil)
	require.ErrorIs(t, err, ErrCapacity)
	// At MaxOrders/2 and beyond, a cancel unlinks at once.
	cancel(t, b, 5, 1)
	require.Zero(t, b.dead)
}

// TestExpiredOrdersStayLinked checks that an expiry, like a cancel, leaves
// its order linked, and that the level's last live order leaving takes the
// cancelled ones with it.
func TestExpiredOrdersStayLinked(t *testing.T) {
	b := newBook(t, Config{})
	b.buryFrom = 0 // see buryFrom
	for id := OrderID(1); id <= 6; id++ {
		o := lim(id, 1, Buy, 40, 1)
		if id == 2 || id == 4 {
			o.TIF, o.ExpireAt = GTD, 10
		}
		place(t, b, o, 0)
	}
	ev := b.Expire(10, nil)
	require.Len(t, ev, 2)
	require.Equal(t, 2, b.dead)
	require.NoError(t, b.CheckInvariants())
	require.Equal(t, []OrderID{1, 3, 5, 6}, ids(slices.Collect(b.Orders(Buy))))
	for _, id := range []OrderID{1, 3, 5, 6} {
		cancel(t, b, id, 1)
	}
	require.Zero(t, b.dead)
	require.Zero(t, b.slots.Len())
	require.Zero(t, b.LevelCount(Buy))
}

// TestUncrossPassesCancelledOrders checks that an uncross pairs the live
// orders of a level in time priority past the cancelled ones, which leave
// with the order before them: a queue's head is never a cancelled order.
func TestUncrossPassesCancelledOrders(t *testing.T) {
	b := newBook(t, Config{})
	b.buryFrom = 0 // see buryFrom
	_, err := b.SetMode(Call, 0, nil)
	require.NoError(t, err)
	for id := OrderID(1); id <= 8; id++ {
		place(t, b, lim(id, 1, Buy, 100, 1), 0)
	}
	cancel(t, b, 2, 1)
	cancel(t, b, 3, 1)
	require.Equal(t, 2, b.dead)
	place(t, b, lim(9, 2, Sell, 100, 2), 0)
	ev, u, err := b.Uncross(100, 0, nil)
	require.NoError(t, err)
	require.NoError(t, b.CheckInvariants())
	require.Equal(t, catalog.Qty(2), u.Volume)
	require.Len(t, ev, 2)
	require.Equal(t, []OrderID{1, 4}, []OrderID{ev[0].OrderID, ev[1].OrderID})
	require.Zero(t, b.dead, "2 and 3 left with 1, the order before them")
	require.Equal(t, []OrderID{5, 6, 7, 8}, ids(slices.Collect(b.Orders(Buy))))
}

// TestLeavingOrderTakesCancelledNeighbours checks that an order leaving
// its queue unlinks the cancelled orders next to it, on both sides: a run
// of recent orders cancelled oldest first leaves with the tail's cancel,
// and an amend that loses priority takes the cancelled orders around it.
func TestLeavingOrderTakesCancelledNeighbours(t *testing.T) {
	b := newBook(t, Config{})
	b.buryFrom = 0 // see buryFrom
	for id := OrderID(1); id <= 20; id++ {
		place(t, b, lim(id, 1, Sell, 100, 1), 0)
	}
	for id := OrderID(15); id <= 19; id++ {
		cancel(t, b, id, 1)
	}
	require.Equal(t, 5, b.dead, "15-19 sit between 14 and 20")
	cancel(t, b, 20, 1) // the tail leaves at once, 19 back to 15 with it
	require.Zero(t, b.dead)
	require.Equal(t, 14, b.slots.Len())

	for _, id := range []OrderID{6, 7, 9, 10} {
		cancel(t, b, id, 1)
	}
	require.Equal(t, 4, b.dead)
	_, _, err := b.Amend(8, 1, 100, 2, 0, nil) // 8 leaves for the tail: 6, 7, 9 and 10 with it
	require.NoError(t, err)
	require.NoError(t, b.CheckInvariants())
	require.Zero(t, b.dead)
	require.Equal(t, []OrderID{1, 2, 3, 4, 5, 11, 12, 13, 14, 8}, ids(slices.Collect(b.Orders(Sell))))
}

// TestPlaceCancelChurnHoldsSlots checks that a deep book whose recent
// orders are placed and cancelled in batches, new IDs every time, holds
// no more slots after long churn than once its window of pages settled:
// the cancelled orders leave with the tail instead of accumulating toward
// the bound dead <= count.
func TestPlaceCancelChurnHoldsSlots(t *testing.T) {
	b := newBook(t, Config{})
	b.buryFrom = 0 // see buryFrom
	rng := rand.New(rand.NewPCG(1, 2))
	resting := func(id OrderID) Order {
		if rng.IntN(2) == 0 {
			return lim(id, 1, Buy, catalog.Price(999-rng.IntN(20)), 1)
		}
		return lim(id, 2, Sell, catalog.Price(1001+rng.IntN(20)), 1)
	}
	const depth, batch = 4000, 100
	for id := OrderID(1); id <= depth; id++ {
		place(t, b, resting(id), 0)
	}
	id := OrderID(depth)
	var nslots int32
	for round := range 500 {
		first := id + 1
		owners := make([]catalog.ParticipantID, batch)
		for j := range owners {
			id++
			o := resting(id)
			owners[j] = o.Owner
			_, _, err := b.Place(o, 0, nil)
			require.NoError(t, err)
		}
		for j, owner := range owners {
			_, err := b.Cancel(first+OrderID(j), owner, 0, nil)
			require.NoError(t, err)
		}
		require.NoError(t, b.CheckInvariants())
		require.Zero(t, b.dead, "round %d", round)
		if round == 50 { // the window of pages has settled
			nslots = b.slots.nslots
		}
	}
	require.Equal(t, depth, b.Len())
	require.Equal(t, nslots, b.slots.nslots, "the slab stayed put")
}

// TestCancelledOrdersLeaveThinningBlocks checks that cancelled orders
// never keep a page's block of slots that would otherwise thin: the cancel
// that would leave the page fewer than thinPage orders not cancelled
// unlinks the page's cancelled ones, and the page thins at the next
// insert, as it would have with every cancel unlinked at once.
func TestCancelledOrdersLeaveThinningBlocks(t *testing.T) {
	b := newBook(t, Config{})
	b.buryFrom = 0
	b.slots.small = 0
	for id := OrderID(pageSize); id < 16*pageSize; id++ {
		place(t, b, lim(id, 1, Sell, 100, 1), 0)
	}
	page := uint64(1) // IDs pageSize..2*pageSize-1
	cancelled := 0
	for id := OrderID(pageSize + 1); cancelled < pageSize-thinPage; id++ {
		cancel(t, b, id, 1)
		cancelled++
	}
	require.Equal(t, pageSize-thinPage, b.dead)
	require.EqualValues(t, pageSize-thinPage, b.slots.page(page).dead)
	cancel(t, b, OrderID(pageSize+1+cancelled), 1)
	require.Zero(t, b.dead, "the page's cancelled orders were unlinked")
	require.EqualValues(t, thinPage-1, b.slots.page(page).live)
	place(t, b, lim(16*pageSize, 1, Sell, 100, 1), 0) // thins the page
	require.Nil(t, b.slots.page(page))
	require.Equal(t, 15*pageSize-pageSize+thinPage, b.Len())
}
