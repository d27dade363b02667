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
