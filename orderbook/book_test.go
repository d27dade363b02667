package orderbook

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// state is everything observable about a book, for before/after comparisons.
type state struct {
	Bids, Asks       []Level
	BidOrds, AskOrds []OrderInfo
	Len              int
	Now              int64
}

func snapshot(b *Book) state {
	return state{
		Bids: slices.Collect(b.Levels(Buy)), Asks: slices.Collect(b.Levels(Sell)),
		BidOrds: slices.Collect(b.Orders(Buy)), AskOrds: slices.Collect(b.Orders(Sell)),
		Len: b.Len(), Now: b.Now(),
	}
}

func newBook(t *testing.T, cfg Config) *Book {
	t.Helper()
	b, err := New(cfg)
	require.NoError(t, err)
	return b
}

// lim is a GTC limit order.
func lim(id OrderID, owner catalog.ParticipantID, side Side, price catalog.Price, qty catalog.Qty) Order {
	return Order{ID: id, Owner: owner, Side: side, Type: Limit, TIF: GTC, Price: price, Qty: qty}
}

// place places o and requires success.
func place(t *testing.T, b *Book, o Order, now int64) ([]Event, Result) {
	t.Helper()
	ev, res, err := b.Place(o, now, nil)
	require.NoError(t, err)
	require.NoError(t, b.CheckInvariants())
	return ev, res
}

func fill(maker OrderID, makerOwner catalog.ParticipantID, side Side, price catalog.Price, qty, rem catalog.Qty, taker OrderID, takerOwner catalog.ParticipantID, takerRem catalog.Qty) Event {
	return Event{Kind: EventFill, Side: side, Owner: makerOwner, OrderID: maker, Price: price, Qty: qty, Remaining: rem, TakerID: taker, TakerOwner: takerOwner, TakerRemaining: takerRem}
}

func cancelEv(reason CancelReason, id OrderID, owner catalog.ParticipantID, side Side, price catalog.Price, qty catalog.Qty) Event {
	return Event{Kind: EventCancel, Reason: reason, Side: side, Owner: owner, OrderID: id, Price: price, Qty: qty}
}

// seeded returns a book with a few resting orders on both sides, including
// a GTD order, at time 100.
func seeded(t *testing.T) *Book {
	b := newBook(t, Config{})
	place(t, b, lim(1, 1, Buy, 99, 10), 100)
	place(t, b, lim(2, 2, Buy, 98, 5), 100)
	place(t, b, lim(3, 1, Sell, 101, 7), 100)
	o := lim(4, 3, Sell, 102, 4)
	o.TIF, o.ExpireAt = GTD, 500
	place(t, b, o, 100)
	return b
}

func TestPlaceValidation(t *testing.T) {
	ok := lim(10, 5, Buy, 100, 10)
	with := func(f func(*Order)) Order { o := ok; f(&o); return o }
	cases := []struct {
		name string
		o    Order
		now  int64
		want error
	}{
		{"zero id", with(func(o *Order) { o.ID = 0 }), 100, ErrInvalidID},
		{"zero owner", with(func(o *Order) { o.Owner = 0 }), 100, ErrInvalidOwner},
		{"zero side", with(func(o *Order) { o.Side = 0 }), 100, ErrInvalidSide},
		{"side 3", with(func(o *Order) { o.Side = 3 }), 100, ErrInvalidSide},
		{"zero type", with(func(o *Order) { o.Type = 0 }), 100, ErrInvalidType},
		{"type 3", with(func(o *Order) { o.Type = 3 }), 100, ErrInvalidType},
		{"zero tif", with(func(o *Order) { o.TIF = 0 }), 100, ErrInvalidTIF},
		{"tif 5", with(func(o *Order) { o.TIF = 5 }), 100, ErrInvalidTIF},
		{"market GTC", with(func(o *Order) { o.Type, o.Price = Market, 0 }), 100, ErrInvalidTIF},
		{"market GTD", with(func(o *Order) { o.Type, o.Price, o.TIF, o.ExpireAt = Market, 0, GTD, 200 }), 100, ErrInvalidTIF},
		{"ExpireAt on GTC", with(func(o *Order) { o.ExpireAt = 200 }), 100, ErrInvalidTIF},
		{"ExpireAt on IOC", with(func(o *Order) { o.TIF, o.ExpireAt = IOC, 200 }), 100, ErrInvalidTIF},
		{"ExpireAt on FOK", with(func(o *Order) { o.TIF, o.ExpireAt = FOK, 200 }), 100, ErrInvalidTIF},
		{"ExpireAt on market IOC", with(func(o *Order) { o.Type, o.Price, o.TIF, o.ExpireAt = Market, 0, IOC, 200 }), 100, ErrInvalidTIF},
		{"zero price", with(func(o *Order) { o.Price = 0 }), 100, ErrInvalidPrice},
		{"negative price", with(func(o *Order) { o.Price = -1 }), 100, ErrInvalidPrice},
		{"market with price", with(func(o *Order) { o.Type, o.TIF = Market, IOC }), 100, ErrInvalidPrice},
		{"zero qty", with(func(o *Order) { o.Qty = 0 }), 100, ErrInvalidQty},
		{"negative qty", with(func(o *Order) { o.Qty = -5 }), 100, ErrInvalidQty},
		{"negative min", with(func(o *Order) { o.MinQty = -1 }), 100, ErrInvalidMinQty},
		{"min above qty", with(func(o *Order) { o.MinQty = 11 }), 100, ErrInvalidMinQty},
		{"stp 4", with(func(o *Order) { o.STP = stpEnd }), 100, ErrInvalidSTP},
		{"stp 200", with(func(o *Order) { o.STP = 200 }), 100, ErrInvalidSTP},
		{"GTD at now", with(func(o *Order) { o.TIF, o.ExpireAt = GTD, 100 }), 100, ErrExpired},
		{"GTD in the past", with(func(o *Order) { o.TIF, o.ExpireAt = GTD, 50 }), 100, ErrExpired},
		{"GTD before book clock", with(func(o *Order) { o.TIF, o.ExpireAt = GTD, 100 }), 60, ErrExpired},
		{"GTD without ExpireAt", with(func(o *Order) { o.TIF = GTD }), 100, ErrExpired},
		{"overflow", with(func(o *Order) { o.Price, o.Qty = math.MaxInt64/2, 3 }), 100, ErrOverflow},
		{"overflow max", with(func(o *Order) { o.Price, o.Qty = math.MaxInt64, math.MaxInt64 }), 100, ErrOverflow},
		{"duplicate", with(func(o *Order) { o.ID = 1 }), 100, ErrDuplicateID},
		{"duplicate other side", with(func(o *Order) { o.ID, o.Side, o.Price = 3, Sell, 150 }), 100, ErrDuplicateID},
		// Validation order: the first failed check wins.
		{"id before owner", Order{}, 100, ErrInvalidID},
		{"type before qty", with(func(o *Order) { o.Qty, o.Type = 0, 0 }), 100, ErrInvalidType},
		{"tif before stp", with(func(o *Order) { o.TIF, o.STP = 0, 9 }), 100, ErrInvalidTIF},
		{"stp before qty", with(func(o *Order) { o.STP, o.Qty = 9, 0 }), 100, ErrInvalidSTP},
		{"stp before price", with(func(o *Order) { o.STP, o.Price = 9, 0 }), 100, ErrInvalidSTP},
		{"tif before price", with(func(o *Order) { o.Price, o.TIF = 0, 0 }), 100, ErrInvalidTIF},
		{"min qty before price", with(func(o *Order) { o.MinQty, o.Price = 11, 0 }), 100, ErrInvalidMinQty},
		{"price before expiry", with(func(o *Order) { o.Price, o.TIF, o.ExpireAt = 0, GTD, 1 }), 100, ErrInvalidPrice},
		{"expiry before overflow", with(func(o *Order) { o.Price, o.Qty, o.TIF, o.ExpireAt = math.MaxInt64, 2, GTD, 1 }), 100, ErrExpired},
		{"overflow before book clock", with(func(o *Order) { o.Price, o.Qty, o.TIF, o.ExpireAt = math.MaxInt64, 2, GTD, 100 }), 60, ErrOverflow},
		{"expiry before duplicate", with(func(o *Order) { o.ID, o.TIF, o.ExpireAt = 1, GTD, 1 }), 100, ErrExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := seeded(t)
			before := snapshot(b)
			require.ErrorIs(t, b.Check(c.o, c.now), c.want, "Check agrees with Place")
			require.Equal(t, before, snapshot(b), "Check changes nothing")
			dst := make([]Event, 1, 4)
			ev, res, err := b.Place(c.o, c.now, dst)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, Result{}, res)
			require.Equal(t, dst, ev, "dst returned unchanged")
			require.Equal(t, before, snapshot(b), "state unchanged")
			require.NoError(t, b.CheckInvariants())
			// The reference agrees.
			r := refFromBook(b)
			_, _, rerr := r.Place(c.o, c.now)
			require.ErrorIs(t, rerr, c.want)
		})
	}
}

// refFromBook returns a reference book holding b's orders, in b's priority.
func refFromBook(b *Book) *refBook {
	r := newRefBook(b.cfg.DefaultSTP)
	r.now = b.Now()
	for _, side := range [2]Side{Buy, Sell} {
		for o := range b.Orders(side) {
			r.insert(&refOrder{info: o})
		}
	}
	return r
}

func TestCancelValidation(t *testing.T) {
	cases := []struct {
		name  string
		id    OrderID
		owner catalog.ParticipantID
		want  error
	}{
		{"unknown", 42, 1, ErrUnknownOrder},
		{"zero id", 0, 1, ErrUnknownOrder},
		{"foreign", 1, 2, ErrNotOwner},
		{"zero owner", 3, 0, ErrNotOwner},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := seeded(t)
			before := snapshot(b)
			ev, err := b.Cancel(c.id, c.owner, 100, nil)
			require.ErrorIs(t, err, c.want)
			require.Empty(t, ev)
			require.Equal(t, before, snapshot(b))
		})
	}
	t.Run("dead order", func(t *testing.T) {
		b := seeded(t)
		_, err := b.Cancel(1, 1, 100, nil)
		require.NoError(t, err)
		before := snapshot(b)
		_, err = b.Cancel(1, 1, 100, nil)
		require.ErrorIs(t, err, ErrUnknownOrder)
		require.Equal(t, before, snapshot(b))
	})
	t.Run("just expired", func(t *testing.T) {
		b := seeded(t)
		ev, err := b.Cancel(4, 3, 500, nil)
		require.ErrorIs(t, err, ErrUnknownOrder)
		require.Equal(t, []Event{{Kind: EventExpire, Side: Sell, Owner: 3, OrderID: 4, Price: 102, Qty: 4}}, ev)
		_, ok := b.Order(4)
		require.False(t, ok)
	})
}

func TestAmendValidation(t *testing.T) {
	cases := []struct {
		name  string
		id    OrderID
		owner catalog.ParticipantID
		price catalog.Price
		qty   catalog.Qty
		want  error
	}{
		{"zero qty", 1, 1, 99, 0, ErrInvalidQty},
		{"negative qty", 1, 1, 99, -1, ErrInvalidQty},
		{"zero price", 1, 1, 0, 5, ErrInvalidPrice},
		{"negative price", 1, 1, -99, 5, ErrInvalidPrice},
		{"overflow", 1, 1, math.MaxInt64 / 2, 3, ErrOverflow},
		{"unknown", 42, 1, 99, 5, ErrUnknownOrder},
		{"foreign", 1, 2, 99, 5, ErrNotOwner},
		{"qty checked before the order", 42, 2, 99, 0, ErrInvalidQty},
		{"price checked before the order", 42, 2, 0, 1, ErrInvalidPrice},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := seeded(t)
			before := snapshot(b)
			ev, res, err := b.Amend(c.id, c.owner, c.price, c.qty, 100, nil)
			require.ErrorIs(t, err, c.want)
			require.Empty(t, ev)
			require.Equal(t, Result{}, res)
			require.Equal(t, before, snapshot(b))
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{}, {DefaultSTP: STPCancelResting}, {DefaultSTP: STPCancelBoth, InitialOrders: 1000}} {
		require.NoError(t, c.Validate())
		_, err := New(c)
		require.NoError(t, err)
	}
	for _, c := range []Config{{DefaultSTP: stpEnd}, {DefaultSTP: 255}, {InitialOrders: -1}, {InitialOrders: math.MaxInt32 + 1}} {
		require.ErrorIs(t, c.Validate(), ErrInvalidConfig)
		b, err := New(c)
		require.ErrorIs(t, err, ErrInvalidConfig)
		require.True(t, b == nil)
	}
}

func TestPartialFillsAcrossLevels(t *testing.T) {
	b := newBook(t, Config{})
	place(t, b, lim(1, 1, Sell, 101, 5), 1)
	place(t, b, lim(2, 2, Sell, 101, 5), 1)
	place(t, b, lim(3, 1, Sell, 102, 5), 1)
	place(t, b, lim(4, 2, Sell, 104, 5), 1)
	ev, res := place(t, b, lim(9, 3, Buy, 103, 12), 2)
	// Best price first, FIFO within a price, each at the resting price; the
	// rest of the taker rests at its limit.
	require.Equal(t, []Event{
		fill(1, 1, Sell, 101, 5, 0, 9, 3, 7),
		fill(2, 2, Sell, 101, 5, 0, 9, 3, 2),
		fill(3, 1, Sell, 102, 2, 3, 9, 3, 0),
	}, ev)
	require.Equal(t, Result{Filled: 12}, res)
	require.Equal(t, []Level{{Price: 102, Qty: 3, Orders: 1}, {Price: 104, Qty: 5, Orders: 1}}, b.Depth(Sell, 10, nil))
	info, ok := b.Order(3)
	require.True(t, ok)
	require.Equal(t, OrderInfo{ID: 3, Owner: 1, Side: Sell, TIF: GTC, Price: 102, Qty: 3, Original: 5, Filled: 2, STP: STPCancelIncoming}, info)

	ev, res = place(t, b, lim(10, 3, Buy, 103, 5), 3)
	require.Equal(t, []Event{fill(3, 1, Sell, 102, 3, 0, 10, 3, 2)}, ev)
	require.Equal(t, Result{Filled: 3, Resting: 2}, res)
	p, q, ok := b.BestBid()
	require.True(t, ok)
	require.Equal(t, catalog.Price(103), p)
	require.Equal(t, catalog.Qty(2), q)
}

func TestPriceTimePriorityAndRestingPrice(t *testing.T) {
	b := newBook(t, Config{})
	place(t, b, lim(1, 1, Buy, 100, 3), 1)
	place(t, b, lim(2, 2, Buy, 101, 3), 2)
	place(t, b, lim(3, 3, Buy, 101, 3), 3)
	place(t, b, lim(4, 4, Buy, 100, 3), 4)
	ev, res := place(t, b, lim(5, 5, Sell, 90, 10), 5)
	require.Equal(t, []Event{
		fill(2, 2, Buy, 101, 3, 0, 5, 5, 7),
		fill(3, 3, Buy, 101, 3, 0, 5, 5, 4),
		fill(1, 1, Buy, 100, 3, 0, 5, 5, 1),
		fill(4, 4, Buy, 100, 1, 2, 5, 5, 0),
	}, ev)
	require.Equal(t, Result{Filled: 10}, res)
}

func TestMinQty(t *testing.T) {
	t.Run("resting order below its minimum is skipped and keeps its place", func(t *testing.T) {
		b := newBook(t, Config{})
		o := lim(1, 1, Sell, 100, 10)
		o.MinQty = 6
		place(t, b, o, 1)
		place(t, b, lim(2, 2, Sell, 100, 10), 1)
		ev, _ := place(t, b, lim(3, 3, Buy, 100, 4), 2)
		require.Equal(t, []Event{fill(2, 2, Sell, 100, 4, 6, 3, 3, 0)}, ev)
		ids := []OrderID{}
		for o := range b.OrdersAt(Sell, 100) {
			ids = append(ids, o.ID)
		}
		require.Equal(t, []OrderID{1, 2}, ids)
	})
	t.Run("incoming minimum skips small resting orders", func(t *testing.T) {
		b := newBook(t, Config{})
		place(t, b, lim(1, 1, Sell, 100, 2), 1)
		place(t, b, lim(2, 2, Sell, 101, 8), 1)
		o := lim(3, 3, Buy, 101, 8)
		o.MinQty, o.TIF = 5, IOC
		ev, res := place(t, b, o, 2)
		require.Equal(t, []Event{fill(2, 2, Sell, 101, 8, 0, 3, 3, 0)}, ev)
		require.Equal(t, Result{Filled: 8}, res)
	})
	t.Run("whole remainder below the minimum may trade", func(t *testing.T) {
		b := newBook(t, Config{})
		// Maker: 10 with minimum 6, partly filled down to 4 by a big taker.
		o := lim(1, 1, Sell, 100, 10)
		o.MinQty = 6
		place(t, b, o, 1)
		ev, _ := place(t, b, lim(2, 2, Buy, 100, 6), 2)
		require.Equal(t, []Event{fill(1, 1, Sell, 100, 6, 4, 2, 2, 0)}, ev)
		// Now 3 < min(6, 4): refused; 4 = its whole remainder: allowed.
		ioc := lim(3, 3, Buy, 100, 3)
		ioc.TIF = IOC
		ev, _ = place(t, b, ioc, 3)
		require.Equal(t, []Event{cancelEv(CancelIOC, 3, 3, Buy, 100, 3)}, ev)
		ev, res := place(t, b, lim(4, 3, Buy, 100, 9), 4)
		require.Equal(t, []Event{fill(1, 1, Sell, 100, 4, 0, 4, 3, 5)}, ev)
		require.Equal(t, Result{Filled: 4, Resting: 5}, res)
	})
	t.Run("incoming remainder below its minimum takes a whole small order", func(t *testing.T) {
		b := newBook(t, Config{})
		place(t, b, lim(1, 1, Sell, 100, 7), 1)
		place(t, b, lim(2, 2, Sell, 100, 3), 1)
		o := lim(3, 3, Buy, 100, 10)
		o.MinQty = 5
		ev, res := place(t, b, o, 2)
		// After 7, the taker's remainder 3 < 5: it may take all of order 2.
		require.Equal(t, []Event{fill(1, 1, Sell, 100, 7, 0, 3, 3, 3), fill(2, 2, Sell, 100, 3, 0, 3, 3, 0)}, ev)
		require.Equal(t, Result{Filled: 10}, res)
	})
	t.Run("all-or-none", func(t *testing.T) {
		b := newBook(t, Config{})
		o := lim(1, 1, Sell, 100, 10)
		o.MinQty = 10
		place(t, b, o, 1)
		ev, _ := place(t, b, Order{ID: 2, Owner: 2, Side: Buy, Type: Limit, TIF: IOC, Price: 100, Qty: 9}, 2)
		require.Equal(t, []Event{cancelEv(CancelIOC, 2, 2, Buy, 100, 9)}, ev)
		ev, res := place(t, b, Order{ID: 3, Owner: 2, Side: Buy, Type: Limit, TIF: IOC, Price: 100, Qty: 12}, 2)
		require.Equal(t, []Event{fill(1, 1, Sell, 100, 10, 0, 3, 2, 2), cancelEv(CancelIOC, 3, 2, Buy, 100, 2)}, ev)
		require.Equal(t, Result{Filled: 10, Cancelled: 2}, res)
	})
}

// TestMinQtyKeepsBookUncrossed: an incoming limit order whose MinQty rules
// forbid every execution at the crossing prices must not rest through the
// opposite best price; its remainder is cancelled with CancelWouldCross.
func TestMinQtyKeepsBookUncrossed(t *testing.T) {
	t.Run("incoming minimum", func(t *testing.T) {
		b := newBook(t, Config{})
		place(t, b, lim(1, 1, Buy, 101, 1), 1)
		o := lim(2, 2, Sell, 96, 10)
		o.MinQty = 8
		ev, res, err := b.Place(o, 2, nil)
		require.NoError(t, err)
		require.Equal(t, []Event{{Kind: EventCancel, Reason: CancelWouldCross, Side: Sell, Owner: 2, OrderID: 2, Price: 96, Qty: 10}}, ev)
		require.Equal(t, Result{Cancelled: 10}, res)
		require.NoError(t, b.CheckInvariants())
		_, ok := b.Order(2)
		require.False(t, ok)
	})
	t.Run("resting all-or-none", func(t *testing.T) {
		b := newBook(t, Config{})
		o := lim(1, 1, Sell, 100, 10)
		o.MinQty = 10
		place(t, b, o, 1)
		ev, res, err := b.Place(lim(2, 2, Buy, 100, 5), 2, nil)
		require.NoError(t, err)
		require.Equal(t, []Event{{Kind: EventCancel, Reason: CancelWouldCross, Side: Buy, Owner: 2, OrderID: 2, Price: 100, Qty: 5}}, ev)
		require.Equal(t, Result{Cancelled: 5}, res)
		require.NoError(t, b.CheckInvariants())
	})
	t.Run("partial fill then would cross", func(t *testing.T) {
		b := newBook(t, Config{})
		place(t, b, lim(1, 1, Sell, 99, 3), 1)
		o := lim(2, 2, Sell, 100, 10)
		o.MinQty = 10
		place(t, b, o, 1)
		ev, res, err := b.Place(lim(3, 3, Buy, 100, 5), 2, nil)
		require.NoError(t, err)
		require.Len(t, ev, 2)
		require.Equal(t, EventFill, ev[0].Kind)
		require.Equal(t, catalog.Qty(3), ev[0].Qty)
		require.Equal(t, Event{Kind: EventCancel, Reason: CancelWouldCross, Side: Buy, Owner: 3, OrderID: 3, Price: 100, Qty: 2}, ev[1])
		require.Equal(t, Result{Filled: 3, Cancelled: 2}, res)
		require.NoError(t, b.CheckInvariants())
	})
	t.Run("amend to a crossing price", func(t *testing.T) {
		b := newBook(t, Config{})
		o := lim(1, 1, Sell, 100, 10)
		o.MinQty = 10
		place(t, b, o, 1)
		place(t, b, lim(2, 2, Buy, 90, 5), 1)
		ev, res, err := b.Amend(2, 2, 100, 5, 2, nil)
		require.NoError(t, err)
		require.Equal(t, []Event{{Kind: EventCancel, Reason: CancelWouldCross, Side: Buy, Owner: 2, OrderID: 2, Price: 100, Qty: 5}}, ev)
		require.Equal(t, Result{Cancelled: 5}, res)
		require.NoError(t, b.CheckInvariants())
	})
}

func TestFOK(t *testing.T) {
	b := newBook(t, Config{})
	place(t, b, lim(1, 1, Sell, 100, 5), 1)
	o := lim(2, 2, Sell, 101, 5)
	o.MinQty = 5
	place(t, b, o, 1)
	before := snapshot(b)
	fok := Order{ID: 3, Owner: 3, Side: Buy, Type: Limit, TIF: FOK, Price: 101, Qty: 7}
	ev, res, err := b.Place(fok, 2, nil)
	require.NoError(t, err)
	// 5 at 100, then 2 from an all-or-none 5: not fillable; no side effects.
	require.Equal(t, []Event{cancelEv(CancelFOK, 3, 3, Buy, 101, 7)}, ev)
	require.Equal(t, Result{Cancelled: 7}, res)
	require.Equal(t, before.Bids, snapshot(b).Bids)
	require.Equal(t, before.Asks, snapshot(b).Asks)
	require.Equal(t, before.AskOrds, snapshot(b).AskOrds)

	fok.Qty = 10
	ev, res, err = b.Place(fok, 2, nil)
	require.NoError(t, err)
	require.Equal(t, []Event{fill(1, 1, Sell, 100, 5, 0, 3, 3, 5), fill(2, 2, Sell, 101, 5, 0, 3, 3, 0)}, ev)
	require.Equal(t, Result{Filled: 10}, res)
	require.Equal(t, 0, b.Len())

	t.Run("self-trade kills", func(t *testing.T) {
		b := newBook(t, Config{})
		place(t, b, lim(1, 1, Sell, 100, 5), 1)
		place(t, b, lim(2, 2, Sell, 100, 5), 1)
		ev, _, err := b.Place(Order{ID: 3, Owner: 1, Side: Buy, Type: Market, TIF: FOK, Qty: 5}, 2, nil)
		require.NoError(t, err)
		require.Equal(t, []Event{cancelEv(CancelFOK, 3, 1, Buy, 0, 5)}, ev)
		require.Equal(t, 2, b.Len())
	})
}

func TestIOCAndMarket(t *testing.T) {
	b := newBook(t, Config{})
	place(t, b, lim(1, 1, Sell, 100, 5), 1)
	place(t, b, lim(2, 1, Sell, 105, 5), 1)
	place(t, b, lim(3, 1, Sell, 900, 5), 1)
	ev, res := place(t, b, Order{ID: 4, Owner: 2, Side: Buy, Type: Limit, TIF: IOC, Price: 101, Qty: 8}, 2)
	require.Equal(t, []Event{fill(1, 1, Sell, 100, 5, 0, 4, 2, 3), cancelEv(CancelIOC, 4, 2, Buy, 101, 3)}, ev)
	require.Equal(t, Result{Filled: 5, Cancelled: 3}, res)
	ev, res = place(t, b, Order{ID: 5, Owner: 2, Side: Buy, Type: Market, TIF: IOC, Qty: 12}, 3)
	require.Equal(t, []Event{
		fill(2, 1, Sell, 105, 5, 0, 5, 2, 7),
		fill(3, 1, Sell, 900, 5, 0, 5, 2, 2),
		cancelEv(CancelIOC, 5, 2, Buy, 0, 2),
	}, ev)
	require.Equal(t, Result{Filled: 10, Cancelled: 2}, res)
	require.Equal(t, 0, b.Len())
	// A market order on an empty side is cancelled whole.
	ev, res = place(t, b, Order{ID: 6, Owner: 2, Side: Sell, Type: Market, TIF: IOC, Qty: 1}, 3)
	require.Equal(t, []Event{cancelEv(CancelIOC, 6, 2, Sell, 0, 1)}, ev)
	require.Equal(t, Result{Cancelled: 1}, res)
}

func TestSelfTradePrevention(t *testing.T) {
	setup := func(t *testing.T, def STP) *Book {
		b := newBook(t, Config{DefaultSTP: def})
		place(t, b, lim(1, 2, Sell, 100, 3), 1)
		place(t, b, lim(2, 1, Sell, 100, 3), 1) // owner 1's own offer
		place(t, b, lim(3, 2, Sell, 100, 3), 1)
		return b
	}
	in := lim(9, 1, Buy, 100, 9)
	t.Run("cancel resting", func(t *testing.T) {
		b := setup(t, STPDefault)
		o := in
		o.STP = STPCancelResting
		ev, res := place(t, b, o, 2)
		require.Equal(t, []Event{
			fill(1, 2, Sell, 100, 3, 0, 9, 1, 6),
			cancelEv(CancelSelfTrade, 2, 1, Sell, 100, 3),
			fill(3, 2, Sell, 100, 3, 0, 9, 1, 3),
		}, ev)
		require.Equal(t, Result{Filled: 6, Resting: 3}, res)
	})
	for _, c := range []struct {
		name     string
		def, stp STP
	}{
		{"cancel incoming", STPDefault, STPCancelIncoming},
		{"default is cancel incoming", STPDefault, STPDefault},
		{"book default", STPCancelIncoming, STPDefault},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := setup(t, c.def)
			o := in
			o.STP = c.stp
			ev, res := place(t, b, o, 2)
			require.Equal(t, []Event{
				fill(1, 2, Sell, 100, 3, 0, 9, 1, 6),
				cancelEv(CancelSelfTrade, 9, 1, Buy, 100, 6),
			}, ev)
			require.Equal(t, Result{Filled: 3, Cancelled: 6}, res)
			require.Equal(t, 2, b.Len())
		})
	}
	t.Run("cancel both", func(t *testing.T) {
		b := setup(t, STPCancelBoth) // through the book default
		ev, res := place(t, b, in, 2)
		require.Equal(t, []Event{
			fill(1, 2, Sell, 100, 3, 0, 9, 1, 6),
			cancelEv(CancelSelfTrade, 2, 1, Sell, 100, 3),
			cancelEv(CancelSelfTrade, 9, 1, Buy, 100, 6),
		}, ev)
		require.Equal(t, Result{Filled: 3, Cancelled: 6}, res)
		require.Equal(t, []Level{{Price: 100, Qty: 3, Orders: 1}}, b.Depth(Sell, 5, nil))
	})
}

func TestAmend(t *testing.T) {
	t.Run("reduce at the same price keeps priority", func(t *testing.T) {
		b := newBook(t, Config{})
		place(t, b, lim(1, 1, Buy, 100, 10), 1)
		place(t, b, lim(2, 2, Buy, 100, 10), 1)
		ev, res, err := b.Amend(1, 1, 100, 4, 2, nil)
		require.NoError(t, err)
		require.Equal(t, []Event{{Kind: EventCancel, Reason: CancelAmendDown, Side: Buy, Owner: 1, OrderID: 1, Price: 100, Qty: 6, Remaining: 4}}, ev)
		require.Equal(t, Result{Resting: 4}, res)
		require.Equal(t, []OrderID{1, 2}, idsAt(b, Buy, 100))
		info, _ := b.Order(1)
		require.Equal(t, OrderInfo{ID: 1, Owner: 1, Side: Buy, TIF: GTC, Price: 100, Qty: 4, Original: 10, Cancelled: 6, STP: STPCancelIncoming}, info)
		// The same quantity is a no-op.
		ev, res, err = b.Amend(1, 1, 100, 4, 2, nil)
		require.NoError(t, err)
		require.Empty(t, ev)
		require.Equal(t, Result{Resting: 4}, res)
	})
	t.Run("increase loses priority", func(t *testing.T) {
		b := newBook(t, Config{})
		place(t, b, lim(1, 1, Buy, 100, 10), 1)
		place(t, b, lim(2, 2, Buy, 100, 10), 1)
		ev, res, err := b.Amend(1, 1, 100, 12, 2, nil)
		require.NoError(t, err)
		require.Empty(t, ev)
		require.Equal(t, Result{Resting: 12}, res)
		require.Equal(t, []OrderID{2, 1}, idsAt(b, Buy, 100))
		info, _ := b.Order(1)
		require.Equal(t, catalog.Qty(12), info.Original)
	})
	t.Run("price change loses priority", func(t *testing.T) {
		b := newBook(t, Config{})
		place(t, b, lim(1, 1, Buy, 100, 10), 1)
		place(t, b, lim(2, 2, Buy, 99, 10), 1)
		_, _, err := b.Amend(1, 1, 99, 10, 2, nil)
		require.NoError(t, err)
		require.Equal(t, []OrderID{2, 1}, idsAt(b, Buy, 99))
		require.Equal(t, []Level{{Price: 99, Qty: 20, Orders: 2}}, b.Depth(Buy, 5, nil))
	})
	t.Run("price change crosses and trades", func(t *testing.T) {
		b := newBook(t, Config{})
		place(t, b, lim(1, 1, Buy, 100, 10), 1)
		place(t, b, lim(2, 2, Sell, 102, 4), 1)
		ev, res, err := b.Amend(1, 1, 103, 6, 2, nil)
		require.NoError(t, err)
		require.Equal(t, []Event{
			{Kind: EventCancel, Reason: CancelAmendDown, Side: Buy, Owner: 1, OrderID: 1, Price: 100, Qty: 4, Remaining: 6},
			fill(2, 2, Sell, 102, 4, 0, 1, 1, 2),
		}, ev)
		require.Equal(t, Result{Filled: 4, Resting: 2}, res)
		info, _ := b.Order(1)
		require.Equal(t, OrderInfo{ID: 1, Owner: 1, Side: Buy, TIF: GTC, Price: 103, Qty: 2, Original: 10, Filled: 4, Cancelled: 4, STP: STPCancelIncoming}, info)
	})
	// These two used to panic: remove() unlinked an order that Amend had
	// already taken out of its level.
	t.Run("price change fills completely", func(t *testing.T) {
		b := newBook(t, Config{})
		o := lim(1, 1, Buy, 100, 4)
		o.TIF, o.ExpireAt = GTD, 50
		place(t, b, o, 1)
		place(t, b, lim(2, 2, Sell, 102, 9), 1)
		ev, res, err := b.Amend(1, 1, 102, 4, 2, nil)
		require.NoError(t, err)
		require.Equal(t, []Event{fill(2, 2, Sell, 102, 4, 5, 1, 1, 0)}, ev)
		require.Equal(t, Result{Filled: 4}, res)
		_, ok := b.Order(1)
		require.False(t, ok)
		require.Equal(t, 0, b.LevelCount(Buy))
		require.NoError(t, b.CheckInvariants())
		// The slot is reusable.
		place(t, b, lim(1, 1, Buy, 100, 4), 3)
		require.Empty(t, b.Expire(60, nil))
	})
	t.Run("price change stopped by self-trade prevention", func(t *testing.T) {
		b := newBook(t, Config{})
		place(t, b, lim(1, 1, Buy, 100, 4), 1)
		place(t, b, lim(2, 1, Sell, 102, 9), 1)
		ev, res, err := b.Amend(1, 1, 102, 4, 2, nil)
		require.NoError(t, err)
		require.Equal(t, []Event{cancelEv(CancelSelfTrade, 1, 1, Buy, 102, 4)}, ev)
		require.Equal(t, Result{Cancelled: 4}, res)
		require.Equal(t, 1, b.Len())
		require.NoError(t, b.CheckInvariants())
	})
}

func idsAt(b *Book, side Side, p catalog.Price) []OrderID {
	var ids []OrderID
	for o := range b.OrdersAt(side, p) {
		ids = append(ids, o.ID)
	}
	return ids
}

func TestGTDExpiry(t *testing.T) {
	b := newBook(t, Config{})
	gtd := func(id OrderID, price catalog.Price, at int64) Order {
		o := lim(id, 1, Sell, price, 5)
		o.TIF, o.ExpireAt = GTD, at
		return o
	}
	place(t, b, gtd(3, 100, 20), 1)
	place(t, b, gtd(1, 101, 20), 1)
	place(t, b, gtd(2, 102, 10), 1)
	place(t, b, lim(4, 2, Sell, 103, 5), 1)
	// Expiry happens before matching, oldest (ExpireAt, ID) first.
	ev, res := place(t, b, lim(5, 3, Buy, 103, 5), 20)
	require.Equal(t, []Event{
		{Kind: EventExpire, Side: Sell, Owner: 1, OrderID: 2, Price: 102, Qty: 5},
		{Kind: EventExpire, Side: Sell, Owner: 1, OrderID: 1, Price: 101, Qty: 5},
		{Kind: EventExpire, Side: Sell, Owner: 1, OrderID: 3, Price: 100, Qty: 5},
		fill(4, 2, Sell, 103, 5, 0, 5, 3, 0),
	}, ev)
	require.Equal(t, Result{Filled: 5}, res)
	// The clock never goes backwards.
	require.Equal(t, int64(20), b.Now())
	_, _, err := b.Place(gtd(6, 100, 15), 5, nil)
	require.ErrorIs(t, err, ErrExpired)
	require.Empty(t, b.Expire(3, nil))
	require.Equal(t, int64(20), b.Now())
	place(t, b, gtd(7, 100, 21), 5)
	require.Equal(t, []Event{{Kind: EventExpire, Side: Sell, Owner: 1, OrderID: 7, Price: 100, Qty: 5}}, b.Expire(21, nil))
}

func TestQueries(t *testing.T) {
	b := newBook(t, Config{})
	_, _, ok := b.BestBid()
	require.False(t, ok)
	_, _, ok = b.BestAsk()
	require.False(t, ok)
	place(t, b, lim(1, 1, Buy, 99, 3), 1)
	place(t, b, lim(2, 2, Buy, 99, 4), 1)
	place(t, b, lim(3, 1, Buy, 97, 5), 1)
	place(t, b, lim(4, 1, Sell, 101, 6), 1)
	place(t, b, lim(5, 1, Sell, 104, 1), 1)
	p, q, ok := b.BestBid()
	require.True(t, ok)
	require.Equal(t, []any{catalog.Price(99), catalog.Qty(7)}, []any{p, q})
	p, q, ok = b.BestAsk()
	require.True(t, ok)
	require.Equal(t, []any{catalog.Price(101), catalog.Qty(6)}, []any{p, q})
	require.Equal(t, []Level{{99, 7, 2}, {97, 5, 1}}, b.Depth(Buy, 10, nil))
	require.Equal(t, []Level{{99, 7, 2}}, b.Depth(Buy, 1, nil))
	require.Empty(t, b.Depth(Buy, 0, nil))
	require.Empty(t, b.Depth(0, 5, nil))
	require.Equal(t, []Level{{101, 6, 1}, {104, 1, 1}}, b.Depth(Sell, 10, make([]Level, 0, 1)))
	require.Equal(t, 2, b.LevelCount(Buy))
	require.Equal(t, 0, b.LevelCount(7))
	require.Equal(t, []OrderID{1, 2}, idsAt(b, Buy, 99))
	require.Empty(t, idsAt(b, Buy, 98))
	require.Empty(t, idsAt(b, 0, 99))
	var all []OrderID
	for o := range b.Orders(Buy) {
		all = append(all, o.ID)
	}
	require.Equal(t, []OrderID{1, 2, 3}, all)
	// Early stop of every iterator.
	for range b.Orders(Sell) {
		break
	}
	for range b.Levels(Sell) {
		break
	}
	for range b.OrdersAt(Buy, 99) {
		break
	}
	require.Equal(t, 5, b.Len())
	_, ok = b.Order(42)
	require.False(t, ok)
}
