package matching

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// TestGTDExpiryBehindMarketClock: a market's clock never goes backwards, so
// a GTD order whose command time is older than the market's latest time
// must be rejected (ReasonExpired) when its expiry is not after that
// clock. The exchange validated ExpireAt only against the command's own
// time, so the book refused the "validated" order and Submit panicked.
func TestGTDExpiryBehindMarketClock(t *testing.T) {
	x, err := New(Config{})
	require.NoError(t, err)
	cement, ok := x.Catalog().Taxonomy.ByCode("23.51.12")
	require.True(t, ok)
	msk, ok := x.Catalog().Bases.ByCode("MSK")
	require.True(t, ok)
	var dst []Event
	submit := func(c Command) error {
		dst, err = x.Submit(c, dst[:0])
		return err
	}
	require.NoError(t, submit(Command{Kind: CmdRegister, Time: 1, Name: "Buyer", INN: fzINN(1)}))
	require.NoError(t, submit(Command{Kind: CmdSetStatus, Time: 1, Participant: 1, Status: catalog.StatusVerified}))
	order := Command{
		Kind: CmdPlace, Participant: 1, Category: cement.ID, Basis: msk.ID,
		Side: Buy, Type: Limit, TIF: GTC, Price: 500_000, Qty: 1,
	}
	order.Time = 1010 // the market's clock is now 1010
	require.NoError(t, submit(order))

	order.Time, order.TIF, order.ExpireAt = 1000, GTD, 1005 // after the command, before the clock
	require.NotPanics(t, func() { err = submit(order) })
	require.ErrorIs(t, err, ErrExpired)
	require.Len(t, dst, 1)
	require.Equal(t, EventRejected, dst[0].Kind)
	require.Equal(t, ReasonExpired, dst[0].Reject)
	require.NoError(t, x.CheckInvariants())
}

// TestTenderDeadlineHoldsAgainstOlderTime: a bid refused as closed at a
// time past the deadline must leave the tender's clock there, so that a bid
// sent later with an older Time is refused too, and the close is due. The
// refused bid returned before the clock advanced, so a bid at 999 after one
// at 1500 was accepted, and a close at 900 was "not due".
func TestTenderDeadlineHoldsAgainstOlderTime(t *testing.T) {
	f := newPrFix(t)
	buyer, s := f.trader("Buyer"), f.trader("Supplier")
	open := f.tenderCmd(buyer, TenderSealed, 100, 0)
	open.CloseAt = 1000
	id := f.open(open)

	late := prBidCmd(s, id, 500000, 100, 1)
	late.Time = 1500
	f.reject(late, ReasonTenderClosed)

	early := prBidCmd(s, id, 500000, 100, 1)
	early.Time = 999
	f.reject(early, ReasonTenderClosed) // checks the rejection is stamped 1500

	evs := f.must(Command{Kind: CmdCloseTender, Participant: buyer, Tender: id, Time: 900})
	require.Equal(t, EventTenderFailed, evs[len(evs)-1].Kind) // no bids
	for _, e := range evs {
		require.Equal(t, int64(1500), e.Time, "%v carries the tender's clock", e.Kind)
	}
	info, ok := f.x.Tender(id)
	require.True(t, ok)
	require.Equal(t, TenderFailed, info.State)
	// The tender's clock survives a snapshot.
	st, err := f.x.MarshalState()
	require.NoError(t, err)
	y, err := RestoreState(Config{}, st)
	require.NoError(t, err)
	yi, ok := y.Tender(id)
	require.True(t, ok)
	require.Equal(t, int64(1500), yi.Clock)
	f.replay()
}

// TestEventsCarryEffectiveTime: an order whose Time is older than its
// market's clock is handled at the clock, and its events say so; a refused
// command advances the market's clock as an accepted one does.
func TestEventsCarryEffectiveTime(t *testing.T) {
	f := newPrFix(t)
	p, q := f.trader("Buyer"), f.trader("Seller")
	cem := MarketKey{Category: f.cid("23.51.12"), Basis: f.bid("MSK")}
	lim := func(p catalog.ParticipantID, side Side, price catalog.Price, time int64) Command {
		c := exLimit(p, cem, side, price, 1)
		c.Time = time
		return c
	}
	f.must(lim(p, Buy, 500_000, 100))
	evs := f.must(lim(q, Sell, 500_000, 50)) // older than the market's clock
	require.Equal(t, []EventKind{EventAccepted, EventFill, EventDone, EventDone}, prKinds(evs))
	for _, e := range evs {
		require.Equal(t, int64(100), e.Time, "%v", e.Kind)
	}

	// A GTD order expiring at 300; a refused order at 400 expires it and
	// leaves the clock at 400.
	gtd := lim(p, Buy, 400_000, 200)
	gtd.TIF, gtd.ExpireAt = GTD, 300
	id := f.must(gtd)[0].OrderID
	bad := lim(q, Sell, 400_000, 400)
	bad.Side = 0
	evs, err := f.submit(bad)
	require.ErrorIs(t, err, ErrInvalidSide)
	require.Equal(t, []EventKind{EventExpired, EventRejected}, prKinds(evs))
	require.Equal(t, id, evs[0].OrderID)
	for _, e := range evs {
		require.Equal(t, int64(400), e.Time, "%v", e.Kind)
	}
	// An amend with an invalid quantity and a cancel of an unknown order
	// on the market, both older: stamped with the clock.
	for _, c := range []Command{
		{Kind: CmdAmend, Participant: p, OrderID: id, Price: 400_000, Qty: 0, Time: 350},
		{Kind: CmdCancel, Participant: p, OrderID: id, Time: 10},
		{Kind: CmdUncross, Category: cem.Category, Basis: cem.Basis, Time: 20},
		{Kind: CmdSetMarketMode, Category: cem.Category, Basis: cem.Basis, MarketMode: 9, Time: 30},
	} {
		evs, err := f.submit(c)
		require.Error(t, err)
		require.Len(t, evs, 1)
		require.Equal(t, int64(400), evs[0].Time, "%v", c.Kind)
	}
	require.Equal(t, int64(400), f.x.Clock(cem))

	// The clock survives a snapshot.
	st, err := f.x.MarshalState()
	require.NoError(t, err)
	y, err := RestoreState(Config{}, st)
	require.NoError(t, err)
	evs, err = y.Submit(lim(q, Sell, 600_000, 5), nil)
	require.NoError(t, err)
	require.Equal(t, int64(400), evs[0].Time)
	f.replay()
}

// TestContradictoryFieldsRefused: a cancel or amend naming another market
// than its order's, and a command that sets a field its kind does not
// read, are refused with a typed reason and change nothing. Both were
// executed.
func TestContradictoryFieldsRefused(t *testing.T) {
	v := newValFix(t)
	before := exSnapshot(t, v.x)
	for _, tc := range []struct {
		cmd  Command
		want RejectReason
	}{
		{Command{Kind: CmdCancel, Participant: v.alice, OrderID: v.aliceBid, Category: v.rebar.Category, Basis: v.rebar.Basis}, ReasonWrongMarket},
		{Command{Kind: CmdCancel, Participant: v.alice, OrderID: v.aliceBid, Basis: v.cementNew.Basis}, ReasonWrongMarket},
		{Command{Kind: CmdAmend, Participant: v.alice, OrderID: v.aliceBid, Category: v.rebar.Category, Basis: v.cement.Basis, Price: 50_000, Qty: 5}, ReasonWrongMarket},
		{Command{Kind: CmdRegister, Name: "Acme LLC", INN: exINN(77), Price: 100, Side: Buy}, ReasonUnreadField},
		{Command{Kind: CmdCancel, Participant: v.alice, OrderID: v.aliceBid, Qty: 5}, ReasonUnreadField},
		{func() Command { c := exLimit(v.alice, v.cement, Buy, 50_000, 1); c.Name = "my order"; return c }(), ReasonUnreadField},
		{func() Command { c := exLimit(v.alice, v.cement, Buy, 50_000, 1); c.Tender = 1; return c }(), ReasonUnreadField},
		{Command{Kind: CmdSetStatus, Participant: v.pending, Status: catalog.StatusVerified, Rating: 5}, ReasonUnreadField},
	} {
		evs, err := v.submit(tc.cmd)
		require.ErrorIs(t, err, tc.want.Err(), "%+v", tc.cmd)
		require.Len(t, evs, 1)
		require.Equal(t, tc.want, evs[0].Reject)
		require.Equal(t, before, exSnapshot(t, v.x))
	}
	// Naming the right market is fine.
	v.must(Command{Kind: CmdCancel, Participant: v.alice, OrderID: v.aliceBid, Category: v.cement.Category, Basis: v.cement.Basis})
}

// TestBidAtReserveAccepted: a bid exactly at the reserve price is within
// it; one tick above is not.
func TestBidAtReserveAccepted(t *testing.T) {
	f := newPrFix(t)
	buyer, s := f.trader("Buyer"), f.trader("Supplier")
	open := f.tenderCmd(buyer, TenderSealed, 100, 50)
	open.Price = 600_000
	id := f.open(open)
	f.reject(prBidCmd(s, id, 600_100, 100, 1), ReasonAboveReserve)
	e := f.placeBid(s, id, 600_000, 100, 1)
	require.Equal(t, catalog.Price(600_000), e.Price)
}

// TestWeightedTieGoesToEarlierBid: two bids with equal weighted scores
// rank by sequence: the earlier first, at the close and in the standing.
func TestWeightedTieGoesToEarlierBid(t *testing.T) {
	f := newPrFix(t)
	buyer, a, b := f.trader("Buyer"), f.trader("A"), f.trader("B")
	open := f.tenderCmd(buyer, TenderAuction, 100, 50)
	open.Evaluation, open.WeightPrice, open.WeightLeadTime = EvalWeighted, 5000, 5000
	id := f.open(open)
	f.placeBid(b, id, 500_000, 100, 5) // earlier
	second := f.placeBid(a, id, 500_000, 100, 5)
	require.Equal(t, uint32(2), second.Rank, "the later of two equal bids ranks second")
	rank, _, ok := f.x.TenderStanding(id, b)
	require.True(t, ok)
	require.Equal(t, uint32(1), rank)
	f.now += 100
	evs := f.must(Command{Kind: CmdCloseTender, Participant: buyer, Tender: id})
	aw := prOnly(evs, EventAwarded)
	require.Len(t, aw, 1)
	require.Equal(t, b, aw[0].Participant, "the earlier bid wins the tie")
	bids := f.x.TenderBids(id, nil)
	require.Equal(t, b, bids[0].Bidder)
	require.Equal(t, bids[0].Score, bids[1].Score, "a real tie")
	require.Equal(t, []uint32{1, 2}, []uint32{bids[0].Rank, bids[1].Rank})
}

// TestPricePriorityAcrossLevels: an incoming order takes the best price
// level first, whatever the arrival order of the levels.
func TestPricePriorityAcrossLevels(t *testing.T) {
	f := newExFixture(t, Config{})
	buyer, s1, s2, s3 := f.trader("B"), f.trader("S1"), f.trader("S2"), f.trader("S3")
	k := f.key("23.51.12", "MSK")
	worse, _ := f.place(s1, k, Sell, 52_000, 1)
	best, _ := f.place(s2, k, Sell, 50_000, 1)
	mid, _ := f.place(s3, k, Sell, 51_000, 1)
	evs := f.must(exLimit(buyer, k, Buy, 52_000, 3))
	var makers []OrderID
	var prices []catalog.Price
	for _, e := range evs {
		if e.Kind == EventFill {
			makers, prices = append(makers, e.MakerOrderID), append(prices, e.Price)
		}
	}
	require.Equal(t, []OrderID{best, mid, worse}, makers)
	require.Equal(t, []catalog.Price{50_000, 51_000, 52_000}, prices)

	// Bids too: the highest first, level after level.
	lo, _ := f.place(s1, k, Buy, 40_000, 1)
	hi, _ := f.place(s2, k, Buy, 42_000, 1)
	mid, _ = f.place(s1, k, Buy, 41_000, 1)
	low, _ := f.place(s2, k, Buy, 39_000, 1)
	evs = f.must(exLimit(s3, k, Sell, 40_000, 3))
	makers, prices = nil, nil
	for _, e := range evs {
		if e.Kind == EventFill {
			makers, prices = append(makers, e.MakerOrderID), append(prices, e.Price)
		}
	}
	require.Equal(t, []OrderID{hi, mid, lo}, makers)
	require.Equal(t, []catalog.Price{42_000, 41_000, 40_000}, prices)
	_, ok := f.x.Order(low)
	require.True(t, ok)
}

// TestPartialFillQuantity: a fill reports the quantity traded and both
// remainders.
func TestPartialFillQuantity(t *testing.T) {
	f := newExFixture(t, Config{})
	buyer, seller := f.trader("B"), f.trader("S")
	k := f.key("23.51.12", "MSK")
	ask, _ := f.place(seller, k, Sell, 50_000, 10)
	evs := f.must(exLimit(buyer, k, Buy, 50_000, 4))
	require.Equal(t, []EventKind{EventAccepted, EventFill, EventDone}, exKinds(evs))
	fill := evs[1]
	require.Equal(t, catalog.Qty(4), fill.Qty)
	require.Equal(t, catalog.Qty(0), fill.Remaining)
	require.Equal(t, ask, fill.MakerOrderID)
	require.Equal(t, catalog.Qty(6), fill.MakerRemaining)
	info, ok := f.x.Order(ask)
	require.True(t, ok)
	require.Equal(t, catalog.Qty(6), info.Qty)
}

// TestAmendSamePriceAndQtyKeepsPriority: an amend that changes nothing
// keeps the order's place in its queue.
func TestAmendSamePriceAndQtyKeepsPriority(t *testing.T) {
	f := newExFixture(t, Config{})
	a, b, c := f.trader("A"), f.trader("B"), f.trader("C")
	k := f.key("23.51.12", "MSK")
	first, _ := f.place(a, k, Sell, 50_000, 5)
	f.place(b, k, Sell, 50_000, 5)
	f.must(Command{Kind: CmdAmend, Participant: a, OrderID: first, Price: 50_000, Qty: 5})
	evs := f.must(exLimit(c, k, Buy, 50_000, 5))
	require.Equal(t, EventFill, evs[1].Kind)
	require.Equal(t, first, evs[1].MakerOrderID, "the amended order is still first")
}

// TestAmendOfAnotherCompanysOrder: the exchange itself refuses the amend
// with ReasonNotOwner (the book is never asked), and the order is intact.
func TestAmendOfAnotherCompanysOrder(t *testing.T) {
	f := newExFixture(t, Config{})
	a, b := f.trader("A"), f.trader("B")
	k := f.key("23.51.12", "MSK")
	id, _ := f.place(a, k, Sell, 50_000, 5)
	var evs []Event
	var err error
	require.NotPanics(t, func() {
		evs, err = f.submit(Command{Kind: CmdAmend, Participant: b, OrderID: id, Price: 60_000, Qty: 7})
	})
	require.ErrorIs(t, err, ErrNotOwner)
	require.Len(t, evs, 1)
	require.Equal(t, ReasonNotOwner, evs[0].Reject)
	info, ok := f.x.Order(id)
	require.True(t, ok)
	require.Equal(t, a, info.Owner)
	require.Equal(t, catalog.Price(50_000), info.Price)
	require.Equal(t, catalog.Qty(5), info.Qty)
}
