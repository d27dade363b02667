package matching

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
)

func TestAcceptFillDone(t *testing.T) {
	f := newExFixture(t, Config{})
	alice := f.trader("Alice Cement LLC")
	bob := f.trader("Bob Concrete JSC")
	k := f.key("23.51.12", "MSK")
	require.Empty(t, f.x.Markets())

	ask1 := exLimit(bob, k, Sell, 60_000, 10)
	ask1.ClientOrderID = 11
	evs := f.must(ask1)
	require.Len(t, evs, 1)
	a1 := evs[0].OrderID
	require.NotZero(t, a1)
	require.Equal(t, Event{
		Seq: f.x.Seq(), Time: f.now, Kind: EventAccepted, Command: CmdPlace,
		Participant: bob, Category: k.Category, Basis: k.Basis,
		OrderID: a1, ClientOrderID: 11, Side: Sell, Price: 60_000, Qty: 10, Remaining: 10,
	}, evs[0])
	mk, ok := f.x.MarketOf(a1)
	require.True(t, ok)
	require.Equal(t, k, mk)
	require.Equal(t, []MarketKey{k}, f.x.Markets())

	a2, _ := f.place(bob, k, Sell, 61_000, 5)
	require.NotEqual(t, a1, a2)

	bid := exLimit(alice, k, Buy, 62_000, 12)
	bid.ClientOrderID = 21
	f.now++
	evs = f.must(bid)
	seq := f.x.Seq()
	b1 := evs[0].OrderID
	base := Event{Seq: seq, Time: f.now, Command: CmdPlace, Category: k.Category, Basis: k.Basis}
	ev := func(mod func(e *Event)) Event { e := base; mod(&e); return e }
	require.Equal(t, []Event{
		ev(func(e *Event) {
			e.Kind, e.Participant, e.OrderID, e.ClientOrderID = EventAccepted, alice, b1, 21
			e.Side, e.Price, e.Qty, e.Remaining = Buy, 62_000, 12, 12
		}),
		// Execution at the maker's price; taker fields are alice's.
		ev(func(e *Event) {
			e.Kind, e.Participant, e.OrderID, e.ClientOrderID = EventFill, alice, b1, 21
			e.Side, e.Price, e.Qty, e.Remaining = Buy, 60_000, 10, 2
			e.MakerParticipant, e.MakerOrderID, e.MakerClientOrderID, e.MakerRemaining = bob, a1, 11, 0
		}),
		ev(func(e *Event) {
			e.Kind, e.Participant, e.OrderID, e.ClientOrderID = EventDone, bob, a1, 11
			e.Side, e.Price = Sell, 60_000
		}),
		ev(func(e *Event) {
			e.Kind, e.Participant, e.OrderID, e.ClientOrderID = EventFill, alice, b1, 21
			e.Side, e.Price, e.Qty, e.Remaining = Buy, 61_000, 2, 0
			e.MakerParticipant, e.MakerOrderID, e.MakerRemaining = bob, a2, 3
		}),
		ev(func(e *Event) {
			e.Kind, e.Participant, e.OrderID, e.ClientOrderID = EventDone, alice, b1, 21
			e.Side, e.Price = Buy, 61_000
		}),
	}, evs)

	require.Equal(t, []Level{{Price: 61_000, Qty: 3, Orders: 1}}, f.x.Depth(k, Sell, 10, nil))
	require.Empty(t, f.x.Depth(k, Buy, 10, nil))
	info, ok := f.x.Order(a2)
	require.True(t, ok)
	require.Equal(t, OrderInfo{ID: a2, Owner: bob, Side: Sell, TIF: GTC, Price: 61_000, Qty: 3, Original: 5, Filled: 2, STP: STPCancelIncoming}, info)
	_, ok = f.x.Order(a1)
	require.False(t, ok, "a filled order has left the book")
	_, ok = f.x.Order(b1)
	require.False(t, ok)
	p, q, ok := f.x.BestAsk(k)
	require.True(t, ok)
	require.Equal(t, catalog.Price(61_000), p)
	require.Equal(t, catalog.Qty(3), q)
	_, _, ok = f.x.BestBid(k)
	require.False(t, ok)

	// A second market gets its own market index in the order IDs.
	k2 := f.key("23.51.12", "SPB")
	o2, _ := f.place(alice, k2, Buy, 50_000, 1)
	mk, ok = f.x.MarketOf(o2)
	require.True(t, ok)
	require.Equal(t, k2, mk)
	require.Equal(t, []MarketKey{k, k2}, f.x.Markets())
	_, ok = f.x.MarketOf(o2 + 1<<marketShift)
	require.False(t, ok)
	_, ok = f.x.MarketOf(0)
	require.False(t, ok)
	require.NoError(t, f.x.CheckInvariants())
}

func TestIOCFOKMarketTerminalEvents(t *testing.T) {
	f := newExFixture(t, Config{})
	alice := f.trader("Alice LLC")
	bob := f.trader("Bob LLC")
	k := f.key("52.10.19", "KZN") // tick 1, lot 1
	f.place(bob, k, Sell, 100, 5)
	f.place(bob, k, Sell, 101, 5)

	ioc := exLimit(alice, k, Buy, 100, 8)
	ioc.TIF = IOC
	evs := f.must(ioc)
	require.Equal(t, []EventKind{EventAccepted, EventFill, EventDone, EventCancelled}, exKinds(evs))
	c := evs[3]
	require.Equal(t, orderbook.CancelIOC, c.Cancel)
	require.Equal(t, catalog.Qty(3), c.Qty)
	require.Zero(t, c.Remaining)
	require.Equal(t, evs[0].OrderID, c.OrderID)

	fok := exLimit(alice, k, Buy, 101, 6)
	fok.TIF = FOK
	evs = f.must(fok)
	require.Equal(t, []EventKind{EventAccepted, EventCancelled}, exKinds(evs))
	require.Equal(t, orderbook.CancelFOK, evs[1].Cancel)
	require.Equal(t, catalog.Qty(6), evs[1].Qty)

	mkt := Command{Kind: CmdPlace, Participant: alice, Category: k.Category, Basis: k.Basis, Side: Buy, Type: Market, TIF: FOK, Qty: 5}
	evs = f.must(mkt)
	require.Equal(t, []EventKind{EventAccepted, EventFill, EventDone, EventDone}, exKinds(evs))
	require.Equal(t, catalog.Price(101), evs[1].Price)
	require.Zero(t, evs[0].Price)

	mkt.TIF, mkt.Side = IOC, Sell
	evs = f.must(mkt)
	require.Equal(t, []EventKind{EventAccepted, EventCancelled}, exKinds(evs))
	require.Equal(t, orderbook.CancelIOC, evs[1].Cancel)
	require.NoError(t, f.x.CheckInvariants())
}

func TestCancelAuthority(t *testing.T) {
	f := newExFixture(t, Config{})
	alice := f.trader("Alice LLC")
	bob := f.trader("Bob LLC")
	k := f.key("23.51.12", "MSK")
	c := exLimit(alice, k, Buy, 50_000, 10)
	c.ClientOrderID = 5
	id := f.must(c)[0].OrderID

	_, err := f.submit(Command{Kind: CmdCancel, Participant: bob, OrderID: id})
	require.ErrorIs(t, err, ErrNotOwner)
	_, err = f.submit(Command{Kind: CmdAmend, Participant: bob, OrderID: id, Price: 40_000, Qty: 10})
	require.ErrorIs(t, err, ErrNotOwner)
	info, ok := f.x.Order(id)
	require.True(t, ok)
	require.Equal(t, catalog.Price(50_000), info.Price)

	evs := f.must(Command{Kind: CmdCancel, Participant: alice, OrderID: id})
	require.Equal(t, []Event{{
		Seq: f.x.Seq(), Time: f.now, Kind: EventCancelled, Cancel: orderbook.CancelRequested, Command: CmdCancel,
		Participant: alice, Category: k.Category, Basis: k.Basis,
		OrderID: id, ClientOrderID: 5, Side: Buy, Price: 50_000, Qty: 10,
	}}, evs)
	_, ok = f.x.Order(id)
	require.False(t, ok)
	_, err = f.submit(Command{Kind: CmdCancel, Participant: alice, OrderID: id})
	require.ErrorIs(t, err, ErrUnknownOrder)
	_, err = f.submit(Command{Kind: CmdAmend, Participant: alice, OrderID: id, Price: 50_000, Qty: 1})
	require.ErrorIs(t, err, ErrUnknownOrder)
	require.Empty(t, f.x.Depth(k, Buy, 10, nil))
}

func TestAmendPriority(t *testing.T) {
	f := newExFixture(t, Config{})
	alice := f.trader("Alice LLC")
	bob := f.trader("Bob LLC")
	carol := f.trader("Carol LLC")
	k := f.key("23.51.12", "MSK")
	queue := func(price catalog.Price) []OrderID {
		var ids []OrderID
		for _, o := range f.x.OrdersAt(k, Buy, price, nil) {
			ids = append(ids, o.ID)
		}
		return ids
	}
	c := exLimit(alice, k, Buy, 50_000, 10)
	c.ClientOrderID = 9
	a := f.must(c)[0].OrderID
	b, _ := f.place(bob, k, Buy, 50_000, 10)
	require.Equal(t, []OrderID{a, b}, queue(50_000))

	// Reducing the quantity keeps priority.
	evs := f.must(Command{Kind: CmdAmend, Participant: alice, OrderID: a, Price: 50_000, Qty: 6})
	require.Equal(t, []EventKind{EventAmended, EventCancelled}, exKinds(evs))
	require.Equal(t, catalog.Qty(6), evs[0].Remaining)
	require.Equal(t, uint64(9), evs[0].ClientOrderID)
	require.Equal(t, orderbook.CancelAmendDown, evs[1].Cancel)
	require.Equal(t, catalog.Qty(4), evs[1].Qty)
	require.Equal(t, catalog.Qty(6), evs[1].Remaining)
	require.Equal(t, []OrderID{a, b}, queue(50_000))

	// The same quantity and price changes nothing.
	evs = f.must(Command{Kind: CmdAmend, Participant: alice, OrderID: a, Price: 50_000, Qty: 6})
	require.Equal(t, []EventKind{EventAmended}, exKinds(evs))
	require.Equal(t, []OrderID{a, b}, queue(50_000))

	// Increasing it loses priority.
	evs = f.must(Command{Kind: CmdAmend, Participant: alice, OrderID: a, Price: 50_000, Qty: 8})
	require.Equal(t, []EventKind{EventAmended}, exKinds(evs))
	require.Equal(t, []OrderID{b, a}, queue(50_000))

	// A price change loses priority too.
	f.must(Command{Kind: CmdAmend, Participant: bob, OrderID: b, Price: 49_000, Qty: 10})
	f.must(Command{Kind: CmdAmend, Participant: bob, OrderID: b, Price: 50_000, Qty: 10})
	require.Equal(t, []OrderID{a, b}, queue(50_000))

	// An amend that crosses trades at once, as the taker.
	ask, _ := f.place(carol, k, Sell, 52_000, 5)
	evs = f.must(Command{Kind: CmdAmend, Participant: alice, OrderID: a, Price: 52_000, Qty: 8})
	require.Equal(t, []EventKind{EventAmended, EventFill, EventDone}, exKinds(evs))
	fill := evs[1]
	require.Equal(t, a, fill.OrderID)
	require.Equal(t, alice, fill.Participant)
	require.Equal(t, uint64(9), fill.ClientOrderID)
	require.Equal(t, Buy, fill.Side)
	require.Equal(t, ask, fill.MakerOrderID)
	require.Equal(t, carol, fill.MakerParticipant)
	require.Equal(t, catalog.Price(52_000), fill.Price)
	require.Equal(t, catalog.Qty(5), fill.Qty)
	require.Equal(t, catalog.Qty(3), fill.Remaining)
	require.Equal(t, ask, evs[2].OrderID)
	info, ok := f.x.Order(a)
	require.True(t, ok)
	require.Equal(t, OrderInfo{
		ID: a, Owner: alice, Side: Buy, TIF: GTC, Price: 52_000, Qty: 3,
		Original: 12, Filled: 5, Cancelled: 4, STP: STPCancelIncoming, Tag: 9,
	}, info)

	// An amend that fills completely ends with the amended order's Done.
	f.place(carol, k, Sell, 53_000, 3)
	evs = f.must(Command{Kind: CmdAmend, Participant: alice, OrderID: a, Price: 53_000, Qty: 3})
	require.Equal(t, []EventKind{EventAmended, EventFill, EventDone, EventDone}, exKinds(evs))
	require.Equal(t, a, evs[3].OrderID)
	require.Equal(t, uint64(9), evs[3].ClientOrderID)
	_, ok = f.x.Order(a)
	require.False(t, ok)
	// Its client order ID is free again.
	f.must(c)
	require.NoError(t, f.x.CheckInvariants())
}

func TestGTDExpiry(t *testing.T) {
	f := newExFixture(t, Config{})
	alice := f.trader("Alice LLC")
	bob := f.trader("Bob LLC")
	k1 := f.key("23.51.12", "MSK")
	k2 := f.key("24.10.62.110", "EKB")
	gtd := func(k MarketKey, side Side, price catalog.Price, qty catalog.Qty, at int64) OrderID {
		c := exLimit(alice, k, side, price, qty)
		c.TIF, c.ExpireAt, c.ClientOrderID = GTD, at, uint64(at)
		evs := f.must(c)
		return evs[0].OrderID
	}
	f.now = 1000
	g1 := gtd(k1, Sell, 60_000, 10, 2000)
	g2 := gtd(k2, Sell, 7_000_000, 40, 3000)
	g3 := gtd(k1, Buy, 50_000, 10, 4000)
	gtc, _ := f.place(alice, k1, Sell, 61_000, 10)

	// Partly filled GTD orders expire with their open quantity.
	f.place(bob, k1, Buy, 60_000, 4)

	expire := func(k MarketKey, at int64) ([]Event, error) {
		return f.submit(Command{Kind: CmdExpire, Category: k.Category, Basis: k.Basis, Time: at})
	}
	evs, err := expire(k1, 1999)
	require.NoError(t, err)
	require.Empty(t, evs)
	evs, err = expire(k1, 2000)
	require.NoError(t, err)
	require.Equal(t, []Event{{
		Seq: f.x.Seq(), Time: 2000, Kind: EventExpired, Command: CmdExpire,
		Participant: alice, Category: k1.Category, Basis: k1.Basis,
		OrderID: g1, ClientOrderID: 2000, Side: Sell, Price: 60_000, Qty: 6,
	}}, evs)
	_, ok := f.x.Order(g2)
	require.True(t, ok, "expiry of one market leaves the others")

	// A market that never traded has nothing to expire.
	before := f.x.Seq()
	evs, err = expire(f.key("23.51.13", "MSK"), 5000)
	require.NoError(t, err)
	require.Empty(t, evs)
	require.Equal(t, before+1, f.x.Seq())

	// Expire of all markets.
	evs, err = f.submit(Command{Kind: CmdExpire, Time: 3000})
	require.NoError(t, err)
	require.Equal(t, []EventKind{EventExpired}, exKinds(evs))
	require.Equal(t, g2, evs[0].OrderID)
	require.Equal(t, catalog.Qty(40), evs[0].Qty)
	require.Equal(t, f.x.Seq(), evs[0].Seq)

	// A later command's time expires due orders before it acts.
	f.now = 4000
	evs = f.must(exLimit(bob, k1, Sell, 50_000, 1))
	require.Equal(t, []EventKind{EventExpired, EventAccepted}, exKinds(evs))
	require.Equal(t, g3, evs[0].OrderID)
	require.Equal(t, CmdPlace, evs[0].Command)
	require.Equal(t, evs[1].Seq, evs[0].Seq)
	_, ok = f.x.Order(gtc)
	require.True(t, ok)

	// ... even when the command is then rejected.
	g4 := gtd(k1, Buy, 40_000, 1, 4500)
	f.now = 4600
	evs, err = f.submit(Command{Kind: CmdCancel, Participant: bob, OrderID: gtc})
	require.ErrorIs(t, err, ErrNotOwner)
	require.Equal(t, []EventKind{EventExpired, EventRejected}, exKinds(evs))
	require.Equal(t, g4, evs[0].OrderID)
	require.Equal(t, evs[1].Seq, evs[0].Seq)

	// A cancel at the expiry time finds the order gone.
	g5 := gtd(k1, Buy, 40_000, 1, 4700)
	f.now = 4700
	evs, err = f.submit(Command{Kind: CmdCancel, Participant: alice, OrderID: g5})
	require.ErrorIs(t, err, ErrUnknownOrder)
	require.Equal(t, []EventKind{EventExpired, EventRejected}, exKinds(evs))
	require.NoError(t, f.x.CheckInvariants())
}

// TestGTDBehindMarketClock: a market's clock never goes backwards, so a GTD
// order whose command time is older than the market's latest time must
// expire after the market's time, not only after its own.
func TestGTDBehindMarketClock(t *testing.T) {
	f := newExFixture(t, Config{})
	alice := f.trader("Alice LLC")
	k := f.key("23.51.12", "MSK")
	f.place(alice, k, Sell, 60_000, 1)
	f.must(Command{Kind: CmdExpire, Category: k.Category, Basis: k.Basis, Time: 5000})

	before := exSnapshot(t, f.x)
	c := exLimit(alice, k, Buy, 50_000, 1)
	c.Time, c.TIF, c.ExpireAt = 4000, GTD, 4500
	var evs []Event
	var err error
	require.NotPanics(t, func() { evs, err = f.submit(c) })
	exRequireRejected(t, evs, err, ReasonExpired, c, f.x.Seq())
	require.Equal(t, before, exSnapshot(t, f.x))

	// After the market's time it is accepted, and expires at its time.
	c.ExpireAt = 5001
	evs = f.must(c)
	require.Equal(t, []EventKind{EventAccepted}, exKinds(evs))
	evs = f.must(Command{Kind: CmdExpire, Time: 5001})
	require.Equal(t, []EventKind{EventExpired}, exKinds(evs))
	require.NoError(t, f.x.CheckInvariants())
}

// TestMinQtyKeepsBookUncrossed: a market is never crossed. An order that
// may not trade with a better-priced opposite order because of a minimum
// quantity (its own or the resting order's) does not rest through that
// price: its remainder is cancelled with CancelWouldCross.
func TestMinQtyKeepsBookUncrossed(t *testing.T) {
	type restSpec struct{ qty, min catalog.Qty }
	for _, tc := range []struct {
		name                string
		rests               []restSpec // bids at 10,000 in time order
		inQty, inMin        catalog.Qty
		inPrice             catalog.Price
		wantFilled, wantCxl catalog.Qty
	}{
		{"resting all-or-none", []restSpec{{100, 100}}, 10, 0, 9_900, 0, 10},
		{"incoming minimum", []restSpec{{20, 0}}, 60, 50, 9_900, 0, 60},
		{"incoming minimum at the same price", []restSpec{{20, 0}}, 60, 50, 10_000, 0, 60},
		{"partial fill, then a resting minimum", []restSpec{{3, 0}, {100, 100}}, 10, 0, 9_900, 3, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newExFixture(t, Config{})
			a := f.trader("A LLC")
			b := f.trader("B LLC")
			k := f.key("23.51.12", "MSK")
			for _, r := range tc.rests {
				c := exLimit(a, k, Buy, 10_000, r.qty)
				c.MinQty = r.min
				f.must(c)
			}
			in := exLimit(b, k, Sell, tc.inPrice, tc.inQty)
			in.MinQty = tc.inMin
			var evs []Event
			require.NotPanics(t, func() { evs = f.must(in) })
			var filled catalog.Qty
			for _, e := range exOnly(evs, EventFill) {
				filled += e.Qty
			}
			require.Equal(t, tc.wantFilled, filled)
			cx := exOnly(evs, EventCancelled)
			require.Len(t, cx, 1)
			require.Equal(t, orderbook.CancelWouldCross, cx[0].Cancel)
			require.Equal(t, evs[0].OrderID, cx[0].OrderID)
			require.Equal(t, tc.wantCxl, cx[0].Qty)
			require.Zero(t, cx[0].Remaining)
			bid, _, okb := f.x.BestBid(k)
			ask, _, oka := f.x.BestAsk(k)
			if okb && oka {
				require.Less(t, bid, ask, "market crossed")
			}
			require.NoError(t, f.x.CheckInvariants())
		})
	}

	// An amend that re-enters through a price it may not trade at is
	// cancelled the same way.
	f := newExFixture(t, Config{})
	a := f.trader("A LLC")
	b := f.trader("B LLC")
	k := f.key("23.51.12", "MSK")
	rest := exLimit(a, k, Buy, 10_000, 100)
	rest.MinQty = 100
	f.must(rest)
	id, _ := f.place(b, k, Sell, 10_500, 10)
	evs := f.must(Command{Kind: CmdAmend, Participant: b, OrderID: id, Price: 9_900, Qty: 10})
	require.Equal(t, []EventKind{EventAmended, EventCancelled}, exKinds(evs))
	require.Equal(t, orderbook.CancelWouldCross, evs[1].Cancel)
	require.Zero(t, evs[1].Remaining)
	_, ok := f.x.Order(id)
	require.False(t, ok)
	require.NoError(t, f.x.CheckInvariants())
}

func TestSuspension(t *testing.T) {
	f := newExFixture(t, Config{})
	alice := f.trader("Alice LLC")
	bob := f.trader("Bob LLC")
	k1 := f.key("23.51.12", "MSK")
	k2 := f.key("23.51.12", "SPB")
	a1, _ := f.place(alice, k1, Sell, 60_000, 10)
	b1, _ := f.place(bob, k1, Sell, 62_000, 10)
	tagged := exLimit(alice, k1, Buy, 50_000, 10)
	tagged.ClientOrderID = 77
	a2 := f.must(tagged)[0].OrderID
	g := exLimit(alice, k2, Buy, 55_000, 3)
	g.TIF, g.ExpireAt = GTD, f.now+1000
	a3 := f.must(g)[0].OrderID
	f.place(bob, k2, Buy, 54_000, 3)

	f.now++
	evs := f.setStatus(alice, catalog.StatusSuspended)
	seq := f.x.Seq()
	require.Equal(t, []EventKind{EventStatusChanged, EventCancelled, EventCancelled, EventCancelled}, exKinds(evs))
	require.Equal(t, Event{Seq: seq, Time: f.now, Kind: EventStatusChanged, Command: CmdSetStatus, Participant: alice, Status: catalog.StatusSuspended}, evs[0])
	var ids []OrderID
	for _, e := range evs[1:] {
		require.Equal(t, seq, e.Seq)
		require.Equal(t, alice, e.Participant)
		require.Equal(t, orderbook.CancelSuspended, e.Cancel)
		require.Zero(t, e.Remaining)
		ids = append(ids, e.OrderID)
	}
	require.Equal(t, []OrderID{a1, a2, a3}, ids)
	require.Equal(t, uint64(77), evs[2].ClientOrderID)
	for _, id := range ids {
		_, ok := f.x.Order(id)
		require.False(t, ok)
	}
	_, ok := f.x.Order(b1)
	require.True(t, ok)
	p, _ := f.x.Participant(alice)
	require.Equal(t, catalog.StatusSuspended, p.Status)

	// A suspended participant cannot trade, and is not traded with.
	_, err := f.submit(exLimit(alice, k1, Buy, 62_000, 1))
	require.ErrorIs(t, err, ErrSuspended)
	_, err = f.submit(exLimit(alice, f.key("23.51.13", "MSK"), Buy, 62_000, 1))
	require.ErrorIs(t, err, ErrSuspended)
	require.Len(t, f.x.Markets(), 2, "a rejected order opens no market")
	evs = f.must(exLimit(bob, k1, Buy, 60_000, 1))
	require.Equal(t, []EventKind{EventAccepted}, exKinds(evs))

	// Reinstated, it trades again, and its client order ID is free.
	evs = f.setStatus(alice, catalog.StatusVerified)
	require.Equal(t, []EventKind{EventStatusChanged}, exKinds(evs))
	tagged.Price = 60_000
	evs = f.must(tagged)
	require.Equal(t, []EventKind{EventAccepted}, exKinds(evs))
	evs = f.must(exLimit(alice, k1, Sell, 60_000, 1))
	require.Equal(t, []EventKind{EventAccepted, EventFill, EventDone, EventDone}, exKinds(evs))
	require.Equal(t, bob, evs[1].MakerParticipant)
	require.Equal(t, alice, evs[1].Participant)
	evs = f.must(exLimit(bob, k1, Sell, 60_000, 10))
	require.Equal(t, []EventKind{EventAccepted, EventFill, EventDone, EventDone}, exKinds(evs))
	require.Equal(t, alice, evs[1].MakerParticipant)
	require.Equal(t, uint64(77), evs[1].MakerClientOrderID)

	// Refusing a pending company suspends it without events for orders.
	pend := f.register("Pending LLC")
	evs = f.setStatus(pend, catalog.StatusSuspended)
	require.Equal(t, []EventKind{EventStatusChanged}, exKinds(evs))
	require.NoError(t, f.x.CheckInvariants())
}

func TestSelfTradePrevention(t *testing.T) {
	type outcome struct{ restingCancelled, incomingCancelled bool }
	effect := map[STP]outcome{
		STPCancelResting:  {true, false},
		STPCancelIncoming: {false, true},
		STPCancelBoth:     {true, true},
	}
	for _, def := range []STP{STPDefault, STPCancelResting, STPCancelIncoming, STPCancelBoth} {
		for _, own := range []STP{STPDefault, STPCancelResting, STPCancelIncoming, STPCancelBoth} {
			eff := own
			if eff == STPDefault {
				eff = def
			}
			if eff == STPDefault {
				eff = STPCancelIncoming
			}
			t.Run(def.String()+"/"+own.String(), func(t *testing.T) {
				f := newExFixture(t, Config{DefaultSTP: def})
				alice := f.trader("Alice LLC")
				bob := f.trader("Bob LLC")
				k := f.key("52.10.19", "MSK")
				mine, _ := f.place(alice, k, Sell, 100, 10)
				theirs, _ := f.place(bob, k, Sell, 100, 10)
				in := exLimit(alice, k, Buy, 100, 15)
				in.STP = own
				evs := f.must(in)
				id := evs[0].OrderID
				want := effect[eff]
				var got outcome
				for _, e := range evs {
					require.False(t, e.Kind == EventFill && e.MakerParticipant == e.Participant, "self-trade")
					if e.Kind == EventCancelled {
						require.Equal(t, orderbook.CancelSelfTrade, e.Cancel)
						switch e.OrderID {
						case mine:
							got.restingCancelled = true
							require.Equal(t, catalog.Qty(10), e.Qty)
						case id:
							got.incomingCancelled = true
						}
					}
				}
				require.Equal(t, want, got, "events %v", exKinds(evs))
				_, ok := f.x.Order(mine)
				require.Equal(t, !want.restingCancelled, ok)
				if want.restingCancelled && !want.incomingCancelled {
					// It went on to trade with bob and rests the rest.
					require.Equal(t, []EventKind{EventAccepted, EventCancelled, EventFill, EventDone}, exKinds(evs))
					require.Equal(t, theirs, evs[2].MakerOrderID)
					info, ok := f.x.Order(id)
					require.True(t, ok)
					require.Equal(t, catalog.Qty(5), info.Qty)
					require.Equal(t, eff, info.STP)
				} else {
					_, ok := f.x.Order(theirs)
					require.True(t, ok)
					_, ok = f.x.Order(id)
					require.False(t, ok)
				}
				require.NoError(t, f.x.CheckInvariants())
			})
		}
	}
}

// exExpectedCounters derives the counters from the commands and their
// events: one message in per command (registration and moderation count in
// the total only), one out per event addressed to a participant, and a
// fill for each of its two sides.
func exExpectedCounters(cmds []Command, evs [][]Event) (map[catalog.ParticipantID]*Counters, Counters) {
	by := map[catalog.ParticipantID]*Counters{}
	of := func(p catalog.ParticipantID) *Counters {
		if by[p] == nil {
			by[p] = new(Counters)
		}
		return by[p]
	}
	var total Counters
	for i, c := range cmds {
		bump := func(x *Counters) {
			switch c.Kind {
			case CmdPlace:
				x.Postings++
			case CmdCancel:
				x.Cancels++
			case CmdAmend:
				x.Amends++
			default:
				x.Other++
			}
		}
		bump(&total)
		if c.Participant != 0 && c.Kind != CmdRegister && c.Kind != CmdSetStatus {
			bump(of(c.Participant))
		}
		for _, e := range evs[i] {
			if e.Participant == 0 {
				continue
			}
			switch e.Kind {
			case EventFill:
				total.Fills += 2
				of(e.Participant).Fills++
				of(e.MakerParticipant).Fills++
				continue
			case EventNotified:
				total.Notifications++
				of(e.Participant).Notifications++
				continue
			}
			total.Reports++
			of(e.Participant).Reports++
		}
	}
	return by, total
}

func TestCountersSequenceAndDeterminism(t *testing.T) {
	cmds := exScript(t, 7, 3000)
	run := func(dstCap int) ([][]Event, []error, *Exchange) {
		x, err := New(Config{})
		require.NoError(t, err)
		var all [][]Event
		var errs []error
		dst := make([]Event, 0, dstCap)
		for _, c := range cmds {
			before := x.Seq()
			dst, err = x.Submit(c, dst[:0])
			require.Equal(t, before+1, x.Seq(), "one sequence number per command")
			for _, e := range dst {
				require.Equal(t, before+1, e.Seq)
				require.Equal(t, c.Time, e.Time)
				require.Equal(t, c.Kind, e.Command)
			}
			if err != nil {
				require.NotEmpty(t, dst)
				last := dst[len(dst)-1]
				require.Equal(t, EventRejected, last.Kind)
				require.ErrorIs(t, err, last.Err())
				for _, e := range dst[:len(dst)-1] {
					require.Equal(t, EventExpired, e.Kind, "only expiries precede a rejection")
				}
			}
			all = append(all, append([]Event(nil), dst...))
			errs = append(errs, err)
		}
		return all, errs, x
	}
	evs1, errs1, x1 := run(0)
	evs2, errs2, x2 := run(256)
	require.Equal(t, evs1, evs2, "the same commands give the same events")
	require.Equal(t, errs1, errs2)
	require.Equal(t, exSnapshot(t, x1), exSnapshot(t, x2))
	require.Equal(t, x1.TotalCounters(), x2.TotalCounters())

	// The script exercises every kind of command and event.
	kinds := map[EventKind]int{}
	rejects := map[RejectReason]int{}
	for _, evs := range evs1 {
		for _, e := range evs {
			kinds[e.Kind]++
			rejects[e.Reject]++
		}
	}
	for k := EventAccepted; k <= EventStatusChanged; k++ {
		require.Positive(t, kinds[k], "no %v event", k)
	}
	require.GreaterOrEqual(t, len(rejects), 8, "reject reasons: %v", rejects)

	by, total := exExpectedCounters(cmds, evs1)
	got := x1.TotalCounters()
	require.Equal(t, total, got)
	require.Equal(t, uint64(len(cmds)), got.In())
	require.Zero(t, got.Notifications)
	var sum Counters
	for p, want := range by {
		if _, known := x1.Participant(p); !known {
			// Made-up IDs count only in the totals.
			require.Equal(t, Counters{}, x1.Counters(p), "participant %d", p)
			continue
		}
		require.Equal(t, *want, x1.Counters(p), "participant %d", p)
		sum = sum.Add(*want)
	}
	// Per-participant fills add up to the total; reports differ only by
	// those addressed to nobody.
	require.Equal(t, total.Fills, sum.Fills)
	require.Equal(t, Counters{}, x1.Counters(12345))
}

func TestCountersSimple(t *testing.T) {
	f := newExFixture(t, Config{})
	alice := f.trader("Alice LLC")
	bob := f.trader("Bob LLC")
	k := f.key("23.51.12", "MSK")
	// Registration and moderation: 4 commands in, addressed to the company.
	require.Equal(t, Counters{Other: 4, Reports: 4}, f.x.TotalCounters())
	require.Equal(t, Counters{Reports: 2}, f.x.Counters(alice))

	a, _ := f.place(alice, k, Sell, 60_000, 10)
	f.place(bob, k, Buy, 60_000, 4) // accepted, fill, done
	f.must(Command{Kind: CmdAmend, Participant: alice, OrderID: a, Price: 60_000, Qty: 5})
	f.must(Command{Kind: CmdCancel, Participant: alice, OrderID: a})
	_, err := f.submit(Command{Kind: CmdCancel, Participant: bob, OrderID: a})
	require.ErrorIs(t, err, ErrUnknownOrder)

	// alice: accepted, amended, cancelled (amend down), cancelled; bob:
	// accepted, done, rejected; one fill for each side.
	require.Equal(t, Counters{Postings: 1, Cancels: 1, Amends: 1, Reports: 2 + 4, Fills: 1}, f.x.Counters(alice))
	require.Equal(t, Counters{Postings: 1, Cancels: 1, Reports: 2 + 3, Fills: 1}, f.x.Counters(bob))
	tot := f.x.TotalCounters()
	require.Equal(t, Counters{Postings: 2, Cancels: 2, Amends: 1, Other: 4, Reports: 4 + 7, Fills: 2}, tot)
	require.Equal(t, uint64(9), tot.In())
	require.Equal(t, uint64(13), tot.Out())
}

// exScript returns n commands for a fresh exchange on the sample catalog:
// registrations and verifications first, then a seeded mix of valid and
// invalid commands over a few markets. Order IDs are predicted from the
// exchange's numbering (market index << 40 | local number), so the script
// does not depend on the events.
func exScript(t testing.TB, seed uint64, n int) []Command {
	f := newExFixture(t, Config{})
	g := newExGen(f, seed, 6, 4)
	g.restingMinQty = true
	cmds := append([]Command(nil), g.setup...)
	for len(cmds) < n {
		c := g.next()
		evs, _ := f.submit(c)
		g.observe(c, evs)
		cmds = append(cmds, c)
	}
	return cmds
}

func TestDeterminismAcrossDstCapacity(t *testing.T) {
	cmds := exScript(t, 99, 1500)
	x1, _ := New(Config{})
	x2, _ := New(Config{})
	var d1 []Event
	d2 := make([]Event, 0, 1)
	var all1, all2 []Event
	for _, c := range cmds {
		var e1, e2 error
		d1, e1 = x1.Submit(c, d1[:0])
		// Appending after existing content leaves the prefix alone.
		d2 = append(d2[:0], Event{Kind: EventDone, OrderID: math.MaxUint64})
		d2, e2 = x2.Submit(c, d2)
		require.Equal(t, e1, e2)
		require.Equal(t, Event{Kind: EventDone, OrderID: math.MaxUint64}, d2[0])
		require.Equal(t, d1, d2[1:])
		all1 = append(all1, d1...)
		all2 = append(all2, d2[1:]...)
	}
	require.Equal(t, all1, all2)
}

// exLedger follows one accepted order through its events.
type exLedger struct {
	key       MarketKey
	owner     catalog.ParticipantID
	side      Side
	typ       OrderType
	tif       TimeInForce
	price     catalog.Price
	minQty    catalog.Qty
	expireAt  int64
	orig      catalog.Qty // accepted quantity plus amend increases
	filled    catalog.Qty
	cancelled catalog.Qty // all cancellations, amend-downs included
	amendDown catalog.Qty
	expired   catalog.Qty
	open      catalog.Qty
	terminal  int
}

// exChecker checks the events of each command against the rules, keeps a
// ledger per order, and compares it with the exchange. Its checks are
// plain conditions, cheap enough to run after every command.
type exChecker struct {
	t       testing.TB
	x       *Exchange
	keys    []MarketKey
	orders  map[OrderID]*exLedger
	status  map[catalog.ParticipantID]catalog.Status
	touched map[OrderID]bool
	cmd     Command
	fills   int
	minFill int // fills in which a MinQty was binding
	// wouldCross counts remainders cancelled rather than rested across
	// the book.
	wouldCross int
}

func newExChecker(t testing.TB, x *Exchange, keys []MarketKey) *exChecker {
	return &exChecker{
		t: t, x: x, keys: keys, orders: map[OrderID]*exLedger{},
		status: map[catalog.ParticipantID]catalog.Status{}, touched: map[OrderID]bool{},
	}
}

// ensure fails the test with the command in context unless cond holds.
func (k *exChecker) ensure(cond bool, format string, args ...any) {
	if !cond {
		k.t.Helper()
		k.t.Fatalf("after %+v: "+format, append([]any{k.cmd}, args...)...)
	}
}

func (k *exChecker) live(id OrderID, e *Event) *exLedger {
	o := k.orders[id]
	k.ensure(o != nil, "event for unknown order %d: %+v", id, e)
	k.ensure(o.terminal == 0, "event after the terminal event of order %d: %+v", id, e)
	k.ensure(o.key == e.Key(), "order %d is in market %v, its event in %v", id, o.key, e.Key())
	k.touched[id] = true
	return o
}

// apply checks the outcome of one command, whose sequence number is seq.
func (k *exChecker) apply(c Command, evs []Event, err error, seq uint64) {
	k.cmd = c
	clear(k.touched)
	if err != nil {
		k.ensure(len(evs) > 0, "error %v without events", err)
		last := &evs[len(evs)-1]
		k.ensure(last.Kind == EventRejected && errors.Is(err, last.Err()), "error %v, last event %+v", err, last)
		evs = evs[:len(evs)-1]
		for i := range evs {
			k.ensure(evs[i].Kind == EventExpired, "a rejection preceded by %+v", evs[i])
		}
	}
	var taker OrderID
	if c.Kind == CmdAmend && err == nil {
		taker = c.OrderID
	}
	for i := range evs {
		e := &evs[i]
		k.ensure(e.Seq == seq && e.Time == c.Time && e.Command == c.Kind, "event %+v: want seq %d", e, seq)
		switch e.Kind {
		case EventRegistered:
			k.status[e.Participant] = catalog.StatusPending
		case EventStatusChanged:
			k.status[e.Participant] = e.Status
		case EventAccepted:
			k.ensure(c.Kind == CmdPlace && taker == 0, "unexpected %+v", e)
			_, dup := k.orders[e.OrderID]
			k.ensure(!dup, "order ID %d issued twice", e.OrderID)
			mk, ok := k.x.MarketOf(e.OrderID)
			k.ensure(ok && mk == c.Key(), "order %d in market %v", e.OrderID, mk)
			k.ensure(e.Participant == c.Participant && e.Qty == c.Qty && e.Remaining == c.Qty && e.Price == c.Price && e.Side == c.Side && e.ClientOrderID == c.ClientOrderID, "accepted %+v", e)
			k.ensure(k.status[c.Participant] == catalog.StatusVerified, "accepted from a %v participant", k.status[c.Participant])
			taker = e.OrderID
			k.orders[taker] = &exLedger{
				key: c.Key(), owner: c.Participant, side: c.Side, typ: c.Type, tif: c.TIF,
				price: c.Price, minQty: c.MinQty, expireAt: c.ExpireAt, orig: c.Qty, open: c.Qty,
			}
			k.touched[taker] = true
		case EventFill:
			k.ensure(taker != 0 && taker == e.OrderID, "fill %+v: the taker is not the command's order %d", e, taker)
			tk, mk := k.live(e.OrderID, e), k.live(e.MakerOrderID, e)
			k.ensure(tk.owner == e.Participant && mk.owner == e.MakerParticipant, "fill %+v: owners", e)
			k.ensure(e.Participant != e.MakerParticipant, "self-trade %+v", e)
			k.ensure(tk.side == e.Side && mk.side == tk.side.Opposite(), "fill %+v: sides", e)
			k.ensure(e.Price == mk.price, "fill %+v not at the maker's price %d", e, mk.price)
			if tk.typ == Limit {
				k.ensure(tk.side == Buy && e.Price <= tk.price || tk.side == Sell && e.Price >= tk.price, "fill %+v breaks the limit %d", e, tk.price)
			}
			k.ensure(e.Qty > 0, "fill %+v", e)
			k.ensure(e.Qty >= min(tk.minQty, tk.open), "fill %+v below the taker's MinQty %d (open %d)", e, tk.minQty, tk.open)
			k.ensure(e.Qty >= min(mk.minQty, mk.open), "fill %+v below the maker's MinQty %d (open %d)", e, mk.minQty, mk.open)
			if tk.minQty > 0 || mk.minQty > 0 {
				k.minFill++
			}
			tk.open -= e.Qty
			tk.filled += e.Qty
			mk.open -= e.Qty
			mk.filled += e.Qty
			k.ensure(tk.open >= 0 && mk.open >= 0, "fill %+v overfills", e)
			k.ensure(tk.open == e.Remaining && mk.open == e.MakerRemaining, "fill %+v: remaining %d and %d expected", e, tk.open, mk.open)
			k.ensure(k.status[mk.owner] == catalog.StatusVerified, "fill %+v with a %v maker", e, k.status[mk.owner])
			k.fills++
		case EventCancelled:
			o := k.live(e.OrderID, e)
			k.ensure(o.owner == e.Participant && e.Qty > 0, "cancel %+v", e)
			o.open -= e.Qty
			o.cancelled += e.Qty
			k.ensure(o.open >= 0 && o.open == e.Remaining, "cancel %+v: %d open expected", e, o.open)
			switch e.Cancel {
			case orderbook.CancelRequested:
				k.ensure(c.Kind == CmdCancel && c.OrderID == e.OrderID, "cancel %+v", e)
			case orderbook.CancelSuspended:
				k.ensure(c.Kind == CmdSetStatus && c.Participant == o.owner, "cancel %+v", e)
			case orderbook.CancelAmendDown:
				k.ensure(c.Kind == CmdAmend && c.OrderID == e.OrderID && e.Remaining > 0, "cancel %+v", e)
				o.amendDown += e.Qty
			case orderbook.CancelIOC:
				k.ensure(taker == e.OrderID && (o.typ == Market || o.tif == IOC), "cancel %+v of a %v %v", e, o.typ, o.tif)
			case orderbook.CancelFOK:
				k.ensure(taker == e.OrderID && o.tif == FOK && o.filled == 0, "cancel %+v", e)
			case orderbook.CancelSelfTrade:
				k.ensure(taker != 0, "cancel %+v", e)
			case orderbook.CancelWouldCross:
				k.ensure(taker == e.OrderID && o.typ == Limit && (o.tif == GTC || o.tif == GTD), "cancel %+v of a %v %v", e, o.typ, o.tif)
				k.wouldCross++
			default:
				k.ensure(false, "cancel reason %v", e.Cancel)
			}
			if e.Remaining == 0 {
				o.terminal++
			}
		case EventExpired:
			o := k.live(e.OrderID, e)
			k.ensure(o.tif == GTD && o.expireAt <= c.Time && o.open == e.Qty, "expired %+v: %+v", e, o)
			o.expired += e.Qty
			o.open = 0
			o.terminal++
		case EventAmended:
			o := k.live(e.OrderID, e)
			k.ensure(c.Kind == CmdAmend && c.OrderID == e.OrderID && e.Price == c.Price && e.Remaining == c.Qty, "amended %+v", e)
			o.price = e.Price
			if e.Remaining > o.open {
				o.orig += e.Remaining - o.open
				o.open = e.Remaining
			}
		case EventDone:
			o := k.live(e.OrderID, e)
			k.ensure(o.open == 0, "done %+v with %d open", e, o.open)
			o.terminal++
		default:
			k.ensure(false, "unexpected event %+v", e)
		}
	}
	for id := range k.touched {
		k.checkOrder(id)
	}
	if c.Kind == CmdSetStatus && err == nil && c.Status == catalog.StatusSuspended {
		for id, o := range k.orders {
			k.ensure(o.owner != c.Participant || o.open == 0, "order %d of a suspended participant is still open", id)
		}
	}
	if err := k.x.CheckInvariants(); err != nil {
		k.ensure(false, "%v", err)
	}
	for _, key := range k.keys {
		bid, _, okb := k.x.BestBid(key)
		ask, _, oka := k.x.BestAsk(key)
		k.ensure(!okb || !oka || bid < ask, "market %v crossed: bid %d, ask %d", key, bid, ask)
	}
}

// checkOrder compares an order's ledger with the exchange.
func (k *exChecker) checkOrder(id OrderID) {
	o := k.orders[id]
	k.ensure(o.orig == o.filled+o.cancelled+o.expired+o.open, "order %d does not conserve quantity: %+v", id, o)
	info, ok := k.x.Order(id)
	if o.open == 0 {
		k.ensure(o.terminal == 1, "order %d has %d terminal events", id, o.terminal)
		k.ensure(!ok, "order %d rests with nothing open", id)
		return
	}
	k.ensure(o.terminal == 0 && ok, "order %d with %d open is not in the book", id, o.open)
	want := OrderInfo{
		ID: id, Owner: o.owner, Side: o.side, TIF: o.tif, Price: o.price, Qty: o.open,
		MinQty: o.minQty, Original: o.orig, Filled: o.filled, Cancelled: o.amendDown,
		ExpireAt: o.expireAt, STP: info.STP, Tag: info.Tag,
	}
	k.ensure(info == want, "order %d is %+v, want %+v", id, info, want)
}

// checkAll compares every ledger and the markets' depth with the exchange.
func (k *exChecker) checkAll() {
	type sideKey struct {
		key  MarketKey
		side Side
	}
	open := map[sideKey]catalog.Qty{}
	count := map[sideKey]int{}
	for id, o := range k.orders {
		k.checkOrder(id)
		if o.open > 0 {
			open[sideKey{o.key, o.side}] += o.open
			count[sideKey{o.key, o.side}]++
		}
	}
	for _, key := range k.x.Markets() {
		for _, side := range [2]Side{Buy, Sell} {
			var q catalog.Qty
			n := 0
			for _, lv := range k.x.Depth(key, side, math.MaxInt, nil) {
				q += lv.Qty
				n += lv.Orders
			}
			sk := sideKey{key, side}
			k.ensure(open[sk] == q && count[sk] == n, "market %v %v: depth %d in %d orders, ledger %d in %d", key, side, q, n, open[sk], count[sk])
		}
	}
}

func TestRandomizedInvariants(t *testing.T) {
	n := 30_000
	if testing.Short() {
		n = 5_000
	}
	f := newExFixture(t, Config{})
	g := newExGen(f, 20240611, 8, len(exMarketSpecs))
	g.restingMinQty = true
	var keys []MarketKey
	for _, m := range g.markets {
		keys = append(keys, m.key)
	}
	k := newExChecker(t, f.x, keys)
	for p, st := range g.status {
		k.status[p] = st
	}
	rejects := map[RejectReason]int{}
	kinds := map[EventKind]int{}
	var dst []Event
	for i := range n {
		c := g.next()
		before := f.x.Seq()
		var err error
		dst, err = f.x.Submit(c, dst[:0])
		require.Equal(t, before+1, f.x.Seq())
		k.apply(c, dst, err, before+1)
		g.observe(c, dst)
		for _, e := range dst {
			kinds[e.Kind]++
			rejects[e.Reject]++
		}
		if i%2000 == 0 {
			k.checkAll()
		}
	}
	k.checkAll()
	for kind := EventAccepted; kind <= EventStatusChanged; kind++ {
		require.Positive(t, kinds[kind], "no %v event", kind)
	}
	require.Greater(t, k.fills, n/10)
	require.Positive(t, k.minFill)
	require.Positive(t, k.wouldCross)
	require.GreaterOrEqual(t, len(rejects)-1, 12, "reject reasons: %v", rejects)
	t.Logf("%d commands, %d orders, %d fills (%d with a MinQty), %d would-cross cancels, events %v, rejects %v",
		n, len(k.orders), k.fills, k.minFill, k.wouldCross, kinds, rejects)
}
