package orderbook

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// TestCheckSteps covers the tick and lot checks of Config.CheckOrder, Check
// and Place, and their place in the check order.
func TestCheckSteps(t *testing.T) {
	cfg := Config{Tick: 5, Lot: 10}
	ok := lim(10, 5, Buy, 100, 30)
	with := func(f func(*Order)) Order { o := ok; f(&o); return o }
	cases := []struct {
		name string
		o    Order
		want error
	}{
		{"on steps", ok, nil},
		{"min qty on lot", with(func(o *Order) { o.MinQty = 20 }), nil},
		{"market on steps", with(func(o *Order) { o.Type, o.TIF, o.Price = Market, IOC, 0 }), nil},
		{"price off tick", with(func(o *Order) { o.Price = 101 }), ErrPriceNotOnTick},
		{"qty off lot", with(func(o *Order) { o.Qty = 31 }), ErrQtyNotOnLot},
		{"min qty off lot", with(func(o *Order) { o.MinQty = 15 }), ErrQtyNotOnLot},
		{"market qty off lot", with(func(o *Order) { o.Type, o.TIF, o.Price, o.Qty = Market, IOC, 0, 7 }), ErrQtyNotOnLot},
		// Order: tick before lot before overflow; expiry before all three.
		{"tick before lot", with(func(o *Order) { o.Price, o.Qty = 101, 31 }), ErrPriceNotOnTick},
		{"lot before overflow", with(func(o *Order) { o.Price, o.Qty = math.MaxInt64/5*5, 31 }), ErrQtyNotOnLot},
		{"expiry before tick", with(func(o *Order) { o.Price, o.TIF, o.ExpireAt = 101, GTD, 50 }), ErrExpired},
		{"price before tick", with(func(o *Order) { o.Price = -3 }), ErrInvalidPrice},
		{"overflow on steps", with(func(o *Order) { o.Price, o.Qty = math.MaxInt64/5*5, 10 }), ErrOverflow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.want == nil {
				require.NoError(t, cfg.CheckOrder(c.o, 100))
			} else {
				require.ErrorIs(t, cfg.CheckOrder(c.o, 100), c.want)
			}
			b := newBook(t, cfg)
			err := b.Check(c.o, 100)
			_, _, perr := b.Place(c.o, 100, nil)
			if c.want == nil {
				require.NoError(t, err)
				require.NoError(t, perr)
				return
			}
			require.ErrorIs(t, err, c.want)
			require.ErrorIs(t, perr, c.want)
			require.Zero(t, b.Len())
		})
	}
	// The zero config takes any price and quantity.
	require.NoError(t, Config{}.CheckOrder(with(func(o *Order) { o.Price, o.Qty, o.MinQty = 101, 31, 7 }), 100))
}

func TestConfigValidateSteps(t *testing.T) {
	for _, cfg := range []Config{{Tick: -1}, {Lot: -1}, {MaxOrders: -1}, {MaxOrders: math.MaxInt32 + 1}} {
		_, err := New(cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, "%+v", cfg)
	}
}

// TestCheckAmend covers CheckAmend's table and that Amend returns the same
// errors, with the book unchanged.
func TestCheckAmend(t *testing.T) {
	cases := []struct {
		name  string
		id    OrderID
		owner catalog.ParticipantID
		price catalog.Price
		qty   catalog.Qty
		want  error
	}{
		{"valid", 1, 1, 95, 20, nil},
		{"zero qty", 1, 1, 95, 0, ErrInvalidQty},
		{"zero price", 1, 1, 0, 20, ErrInvalidPrice},
		{"qty before price", 1, 1, 0, 0, ErrInvalidQty},
		{"off tick", 1, 1, 96, 20, ErrPriceNotOnTick},
		{"off lot", 1, 1, 95, 25, ErrQtyNotOnLot},
		{"overflow", 1, 1, math.MaxInt64 / 5 * 5, 20, ErrOverflow},
		{"steps before unknown", 99, 1, 96, 20, ErrPriceNotOnTick},
		{"unknown", 99, 1, 95, 20, ErrUnknownOrder},
		{"not owner", 1, 2, 95, 20, ErrNotOwner},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBook(t, Config{Tick: 5, Lot: 10})
			place(t, b, lim(1, 1, Buy, 100, 30), 1)
			err := b.CheckAmend(c.id, c.owner, c.price, c.qty)
			before := snapshot(b)
			_, _, aerr := b.Amend(c.id, c.owner, c.price, c.qty, 1, nil)
			if c.want == nil {
				require.NoError(t, err)
				require.NoError(t, aerr)
				return
			}
			require.ErrorIs(t, err, c.want)
			require.ErrorIs(t, aerr, c.want)
			require.Equal(t, before, snapshot(b))
		})
	}
}

// TestCapacity fills a book to Config.MaxOrders: a further order that could
// rest gets ErrCapacity from Check, Place and Restore, with no panic and the
// book unchanged; orders that never rest still trade, and a cancel makes
// room again.
func TestCapacity(t *testing.T) {
	b := newBook(t, Config{MaxOrders: 3})
	place(t, b, lim(1, 1, Buy, 99, 10), 1)
	place(t, b, lim(2, 1, Buy, 98, 10), 1)
	place(t, b, lim(3, 2, Sell, 101, 10), 1)
	next := lim(4, 1, Buy, 97, 10)
	require.ErrorIs(t, b.Check(next, 1), ErrCapacity)
	before := snapshot(b)
	_, _, err := b.Place(next, 1, nil)
	require.ErrorIs(t, err, ErrCapacity)
	gtd := next
	gtd.TIF, gtd.ExpireAt = GTD, 10
	_, _, err = b.Place(gtd, 1, nil)
	require.ErrorIs(t, err, ErrCapacity)
	// Crossing in full still needs a free slot: it could have rested.
	_, _, err = b.Place(lim(5, 3, Sell, 99, 10), 1, nil)
	require.ErrorIs(t, err, ErrCapacity)
	err = b.Restore(OrderInfo{ID: 6, Owner: 1, Side: Buy, TIF: GTC, Price: 90, Qty: 1, Original: 1})
	require.ErrorIs(t, err, ErrCapacity)
	require.Equal(t, before, snapshot(b))

	// An IOC order never rests, so it needs no slot.
	ev, res, err := b.Place(Order{ID: 7, Owner: 3, Side: Sell, Type: Limit, TIF: IOC, Price: 99, Qty: 4}, 1, nil)
	require.NoError(t, err)
	require.Equal(t, catalog.Qty(4), res.Filled)
	require.Len(t, ev, 1)
	_, _, err = b.Place(Order{ID: 8, Owner: 3, Side: Sell, Type: Market, TIF: FOK, Qty: 1}, 1, nil)
	require.NoError(t, err)

	_, err = b.Cancel(2, 1, 1, nil)
	require.NoError(t, err)
	require.NoError(t, b.Check(next, 1))
	place(t, b, next, 1)
	require.Equal(t, 3, b.Len())
	require.NoError(t, b.CheckInvariants())
}
