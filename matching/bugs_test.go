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
	require.Equal(t, int64(1500), y.tenders.get(id).clock)
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
	m := f.x.table.Load().byKey[cem]
	require.Equal(t, int64(400), m.book.Now())

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
