package matching_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

func TestOnboardingCounters(t *testing.T) {
	x, err := matching.New(matching.Config{})
	require.NoError(t, err)
	var evs []matching.Event
	submit := func(c matching.Command) { evs, _ = x.Submit(c, evs[:0]) }
	submit(matching.Command{Kind: matching.CmdRegister, Name: "Alpha", INN: "7707083893"})
	p := evs[0].Participant
	submit(matching.Command{Kind: matching.CmdRegister, Name: "Beta", INN: "7736207543"})
	q := evs[0].Participant
	submit(matching.Command{Kind: matching.CmdRegister, Name: "Alpha again", INN: "7707083893"}) // duplicate: refused, names nobody
	submit(matching.Command{Kind: matching.CmdSetStatus, Participant: p, Status: catalog.StatusVerified})
	submit(matching.Command{Kind: matching.CmdSetStatus, Participant: q, Status: catalog.StatusVerified})
	submit(matching.Command{Kind: matching.CmdSetStatus, Participant: q, Status: catalog.StatusPending}) // refused: bad transition
	before := x.TotalCounters()

	// Trading does not count as onboarding.
	c, _ := x.Catalog().Taxonomy.ByCode("23.51.12")
	b, _ := x.Catalog().Bases.ByCode("MSK")
	order := matching.Command{Kind: matching.CmdPlace, Category: c.ID, Basis: b.ID, Type: matching.Limit, TIF: matching.GTC, Price: 500_000, Qty: 1}
	sell, buy := order, order
	sell.Participant, sell.Side = p, matching.Sell
	buy.Participant, buy.Side = q, matching.Buy
	submit(sell)
	submit(buy)

	o := x.OnboardingCounters()
	require.Equal(t, matching.Onboarding{Registrations: 3, StatusChanges: 3, Replies: 5}, o)
	require.EqualValues(t, 6, o.In())
	require.EqualValues(t, 5, o.Out())
	// A breakdown of the totals: every onboarding message is among them.
	require.Equal(t, o.In(), before.Other)
	require.Equal(t, o.Out(), before.Reports)
}
