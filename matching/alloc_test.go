package matching

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

const exAllocRuns = 1000

// TestAllocsSteadyState holds Submit at zero allocations for resting
// places, cancels, amends and crossing places, once the exchange is warm:
// participants verified, the market open, its book at working size,
// counters created, and dst reused with room to spare.
func TestAllocsSteadyState(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("allocation counts are only meaningful without instrumentation")
	}
	f := newExFixture(t, Config{})
	x := f.x
	alice := f.trader("Alice LLC")
	bob := f.trader("Bob LLC")
	k := f.key("23.51.12", "MSK")
	dst := make([]Event, 0, 64)
	submit := func(c Command) []Event {
		var err error
		dst, err = x.Submit(c, dst[:0])
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		return dst
	}
	place := func(p catalog.ParticipantID, side Side, price catalog.Price, qty catalog.Qty) OrderID {
		return submit(exLimit(p, k, side, price, qty))[0].OrderID
	}

	// Warm up: grow the book to several times the working size on both
	// sides, then cancel it all, and trade once so that every counter
	// exists.
	var ids []OrderID
	for i := range 4 * exAllocRuns {
		ids = append(ids, place(alice, Buy, catalog.Price(40_000+100*(i%50)), 10))
		ids = append(ids, place(bob, Sell, catalog.Price(60_000+100*(i%50)), 10))
	}
	for i, id := range ids {
		owner := alice
		if i%2 == 1 {
			owner = bob
		}
		submit(Command{Kind: CmdCancel, Participant: owner, OrderID: id})
	}
	place(bob, Sell, 50_000, 1)
	require.Len(t, submit(exLimit(alice, k, Buy, 50_000, 1)), 4)
	// Supply for the crossing places below.
	for range exAllocRuns + 1 {
		place(bob, Sell, 55_000, 3)
	}
	require.NoError(t, x.CheckInvariants())

	ids = ids[:0]
	price := catalog.Price(40_000)
	placeRest := testing.AllocsPerRun(exAllocRuns, func() {
		evs := submit(exLimit(alice, k, Buy, price, 10))
		ids = append(ids, evs[0].OrderID)
		price += 100
		if price == 45_000 {
			price = 40_000
		}
	})
	require.Zero(t, placeRest, "resting place allocates")

	i := 0
	amend := testing.AllocsPerRun(exAllocRuns, func() {
		// Down keeps priority; up loses it and re-enters the level.
		qty := catalog.Qty(5)
		if i%2 == 1 {
			qty = 12
		}
		info, _ := x.Order(ids[i/2])
		submit(Command{Kind: CmdAmend, Participant: alice, OrderID: ids[i/2], Price: info.Price, Qty: qty})
		i++
	})
	require.Zero(t, amend, "amend allocates")

	i = 0
	cancel := testing.AllocsPerRun(exAllocRuns, func() {
		submit(Command{Kind: CmdCancel, Participant: alice, OrderID: ids[i]})
		i++
	})
	require.Zero(t, cancel, "cancel allocates")

	cross := testing.AllocsPerRun(exAllocRuns, func() {
		evs := submit(exLimit(alice, k, Buy, 55_000, 3))
		if len(evs) != 4 || evs[1].Kind != EventFill {
			t.Fatalf("crossing place: %v", exKinds(evs))
		}
	})
	require.Zero(t, cross, "crossing place allocates")

	expire := testing.AllocsPerRun(exAllocRuns, func() {
		submit(Command{Kind: CmdExpire, Time: f.now, Category: k.Category, Basis: k.Basis})
	})
	require.Zero(t, expire, "expire of one market allocates")

	reject := testing.AllocsPerRun(exAllocRuns, func() {
		var err error
		dst, err = x.Submit(Command{Kind: CmdCancel, Participant: bob, OrderID: ids[0]}, dst[:0])
		if err == nil {
			t.Fatal("cancel of a cancelled order accepted")
		}
	})
	require.Zero(t, reject, "rejection allocates")
	require.NoError(t, x.CheckInvariants())
}
