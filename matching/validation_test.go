package matching

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// valFix is an exchange with traders in every moderation status, two open
// markets with resting orders, and the IDs of orders that have left the
// book.
type valFix struct {
	*exFixture
	alice, bob, carol catalog.ParticipantID // verified
	pending           catalog.ParticipantID
	suspended         catalog.ParticipantID

	cement    MarketKey // open: tick 100, lot 1
	cementNew MarketKey // same category at a basis that has not traded
	rebar     MarketKey // open: tick 100, lot 20
	rebarNew  MarketKey

	aliceBid   OrderID // alice buys cement, ClientOrderID 7
	bobAsk     OrderID
	aliceRebar OrderID
	filled     OrderID // carol's sell, filled completely
	cancelled  OrderID // bob's buy, cancelled
}

func newValFix(t testing.TB) *valFix {
	t.Helper()
	v := &valFix{exFixture: newExFixture(t, Config{})}
	v.alice = v.trader("Alice Cement LLC")
	v.bob = v.trader("Bob Concrete JSC")
	v.carol = v.trader("Carol Steel LLC")
	v.pending = v.register("Pending Trade LLC")
	v.suspended = v.trader("Suspended Trade LLC")
	v.setStatus(v.suspended, catalog.StatusSuspended)

	v.cement = v.key("23.51.12", "MSK")
	v.cementNew = v.key("23.51.12", "SPB")
	v.rebar = v.key("24.10.62.110", "MSK")
	v.rebarNew = v.key("24.10.62.110", "SPB")

	c := exLimit(v.alice, v.cement, Buy, 50_000, 100)
	c.ClientOrderID = 7
	v.aliceBid = v.must(c)[0].OrderID
	v.bobAsk, _ = v.place(v.bob, v.cement, Sell, 60_000, 10)
	var evs []Event
	v.filled, evs = v.place(v.carol, v.cement, Sell, 50_000, 5)
	require.Equal(t, []EventKind{EventAccepted, EventFill, EventDone}, exKinds(evs))
	v.cancelled, _ = v.place(v.bob, v.cement, Buy, 40_000, 1)
	v.must(Command{Kind: CmdCancel, Participant: v.bob, OrderID: v.cancelled})
	v.aliceRebar, _ = v.place(v.alice, v.rebar, Sell, 7_000_000, 40)
	require.NoError(t, v.x.CheckInvariants())
	return v
}

type valCase struct {
	name   string
	cmd    func(v *valFix) Command
	reason RejectReason
}

// runValCases submits each case's command to a fresh fixture and checks the
// rejection and that the state did not change.
func runValCases(t *testing.T, cases []valCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newValFix(t)
			cmd := tc.cmd(v)
			before := exSnapshot(t, v.x)
			seq := v.x.Seq()
			totals := v.x.TotalCounters()
			var mine Counters
			if cmd.Participant != 0 {
				mine = v.x.Counters(cmd.Participant)
			}

			evs, err := v.submit(cmd)
			if cmd.Time == 0 {
				cmd.Time = v.now
			}
			exRequireRejected(t, evs, err, tc.reason, cmd, seq+1)
			require.Equal(t, cmd.Time, evs[0].Time)
			require.Equal(t, seq+1, v.x.Seq())

			require.Equal(t, before, exSnapshot(t, v.x), "state changed by a rejected %v", cmd.Kind)
			require.NoError(t, v.x.CheckInvariants())

			// One message in; one report out when the command names a
			// participant.
			after := v.x.TotalCounters()
			require.Equal(t, totals.In()+1, after.In())
			wantOut := totals.Out()
			if cmd.Participant != 0 {
				wantOut++
				got := v.x.Counters(cmd.Participant)
				if _, known := v.x.Participant(cmd.Participant); !known {
					// Made-up IDs count only in the totals.
					require.Equal(t, Counters{}, got)
				} else {
					require.Equal(t, mine.Reports+1, got.Reports)
					require.Equal(t, mine.Fills, got.Fills)
					if cmd.Kind != CmdRegister && cmd.Kind != CmdSetStatus {
						require.Equal(t, mine.In()+1, got.In())
					}
				}
			}
			require.Equal(t, wantOut, after.Out())
		})
	}
}

// placeMods are rejections that depend only on the command, so they are
// checked both on an open market and on one that has never traded (which
// must not open).
var placeMods = []struct {
	name   string
	mod    func(v *valFix, c *Command)
	reason RejectReason
}{
	{"side zero", func(_ *valFix, c *Command) { c.Side = 0 }, ReasonInvalidSide},
	{"side out of range", func(_ *valFix, c *Command) { c.Side = 3 }, ReasonInvalidSide},
	{"type zero", func(_ *valFix, c *Command) { c.Type = 0 }, ReasonInvalidType},
	{"type out of range", func(_ *valFix, c *Command) { c.Type = 3 }, ReasonInvalidType},
	{"tif zero", func(_ *valFix, c *Command) { c.TIF = 0 }, ReasonInvalidTIF},
	{"tif out of range", func(_ *valFix, c *Command) { c.TIF = FOK + 1 }, ReasonInvalidTIF},
	{"market GTC", func(_ *valFix, c *Command) { c.Type, c.Price, c.TIF = Market, 0, GTC }, ReasonInvalidTIF},
	{"market GTD", func(_ *valFix, c *Command) {
		c.Type, c.Price, c.TIF, c.ExpireAt = Market, 0, GTD, c.Time+100
	}, ReasonInvalidTIF},
	{"expiry on GTC", func(_ *valFix, c *Command) { c.ExpireAt = c.Time + 100 }, ReasonInvalidTIF},
	{"expiry on IOC", func(_ *valFix, c *Command) { c.TIF, c.ExpireAt = IOC, c.Time+100 }, ReasonInvalidTIF},
	{"expiry on FOK", func(_ *valFix, c *Command) { c.TIF, c.ExpireAt = FOK, c.Time+100 }, ReasonInvalidTIF},
	{"stp out of range", func(_ *valFix, c *Command) { c.STP = STPCancelBoth + 1 }, ReasonInvalidSTP},
	{"stp max", func(_ *valFix, c *Command) { c.STP = 255 }, ReasonInvalidSTP},
	{"qty zero", func(_ *valFix, c *Command) { c.Qty, c.MinQty = 0, 0 }, ReasonInvalidQty},
	{"qty negative", func(_ *valFix, c *Command) { c.Qty = -10 }, ReasonInvalidQty},
	{"qty min int", func(_ *valFix, c *Command) { c.Qty = math.MinInt64 }, ReasonInvalidQty},
	{"limit price zero", func(_ *valFix, c *Command) { c.Price = 0 }, ReasonInvalidPrice},
	{"limit price negative", func(_ *valFix, c *Command) { c.Price = -100 }, ReasonInvalidPrice},
	{"market with price", func(_ *valFix, c *Command) { c.Type, c.TIF = Market, IOC }, ReasonInvalidPrice},
	{"price off tick", func(_ *valFix, c *Command) { c.Price = 50_050 }, ReasonPriceNotOnTick},
	{"price below tick", func(_ *valFix, c *Command) { c.Price = 1 }, ReasonPriceNotOnTick},
	{"min qty negative", func(_ *valFix, c *Command) { c.MinQty = -1 }, ReasonMinQtyExceedsQty},
	{"min qty above qty", func(_ *valFix, c *Command) { c.MinQty = c.Qty + 1 }, ReasonMinQtyExceedsQty},
	{"gtd expiring now", func(_ *valFix, c *Command) { c.TIF, c.ExpireAt = GTD, c.Time }, ReasonExpired},
	{"gtd expired", func(_ *valFix, c *Command) { c.TIF, c.ExpireAt = GTD, c.Time-1 }, ReasonExpired},
	{"gtd without expiry", func(_ *valFix, c *Command) { c.TIF = GTD }, ReasonExpired},
	{"notional overflow", func(_ *valFix, c *Command) {
		c.Price = catalog.Price(math.MaxInt64/c.Qty/100+1) * 100
	}, ReasonOverflow},
	{"notional overflow max price", func(_ *valFix, c *Command) {
		c.Price = math.MaxInt64 / 100 * 100
	}, ReasonOverflow},
	{"notional overflow max qty", func(_ *valFix, c *Command) { c.Qty = math.MaxInt64 }, ReasonOverflow},
	{"participant zero", func(_ *valFix, c *Command) { c.Participant = 0 }, ReasonUnknownParticipant},
	{"participant unknown", func(_ *valFix, c *Command) { c.Participant = 999 }, ReasonUnknownParticipant},
	{"participant pending", func(v *valFix, c *Command) { c.Participant = v.pending }, ReasonNotVerified},
	{"participant suspended", func(v *valFix, c *Command) { c.Participant = v.suspended }, ReasonSuspended},
}

func TestRejectPlace(t *testing.T) {
	var cases []valCase
	for _, open := range []bool{true, false} {
		suffix := "/open market"
		if !open {
			suffix = "/new market"
		}
		for _, m := range placeMods {
			cases = append(cases, valCase{
				name: m.name + suffix,
				cmd: func(v *valFix) Command {
					k := v.cement
					if !open {
						k = v.cementNew
					}
					c := exLimit(v.carol, k, Buy, 50_000, 10)
					c.Time = v.now
					m.mod(v, &c)
					return c
				},
				reason: m.reason,
			})
		}
	}
	cases = append(cases, []valCase{
		{"qty off lot/open market", func(v *valFix) Command {
			return exLimit(v.carol, v.rebar, Buy, 7_000_000, 30)
		}, ReasonQtyNotOnLot},
		{"qty off lot/new market", func(v *valFix) Command {
			return exLimit(v.carol, v.rebarNew, Buy, 7_000_000, 30)
		}, ReasonQtyNotOnLot},
		{"qty below lot", func(v *valFix) Command {
			return exLimit(v.carol, v.rebar, Buy, 7_000_000, 1)
		}, ReasonQtyNotOnLot},
		{"min qty off lot/open market", func(v *valFix) Command {
			c := exLimit(v.carol, v.rebar, Buy, 7_000_000, 40)
			c.MinQty = 30
			return c
		}, ReasonQtyNotOnLot},
		{"min qty off lot/new market", func(v *valFix) Command {
			c := exLimit(v.carol, v.rebarNew, Buy, 7_000_000, 40)
			c.MinQty = 10
			return c
		}, ReasonQtyNotOnLot},
		{"market order qty off lot", func(v *valFix) Command {
			c := exLimit(v.carol, v.rebar, Buy, 0, 30)
			c.Type, c.TIF = Market, IOC
			return c
		}, ReasonQtyNotOnLot},
		{"unknown category", func(v *valFix) Command {
			return exLimit(v.carol, MarketKey{Category: 9999, Basis: v.cement.Basis}, Buy, 50_000, 10)
		}, ReasonUnknownCategory},
		{"category zero", func(v *valFix) Command {
			return exLimit(v.carol, MarketKey{Basis: v.cement.Basis}, Buy, 50_000, 10)
		}, ReasonUnknownCategory},
		{"non-leaf category", func(v *valFix) Command {
			return exLimit(v.carol, MarketKey{Category: v.category("23.51").ID, Basis: v.cement.Basis}, Buy, 50_000, 10)
		}, ReasonNotLeaf},
		{"root category", func(v *valFix) Command {
			return exLimit(v.carol, MarketKey{Category: v.category("23").ID, Basis: v.cement.Basis}, Buy, 50_000, 10)
		}, ReasonNotLeaf},
		{"unknown basis", func(v *valFix) Command {
			return exLimit(v.carol, MarketKey{Category: v.cement.Category, Basis: 999}, Buy, 50_000, 10)
		}, ReasonUnknownBasis},
		{"basis zero", func(v *valFix) Command {
			return exLimit(v.carol, MarketKey{Category: v.cement.Category}, Buy, 50_000, 10)
		}, ReasonUnknownBasis},
		{"duplicate client order id", func(v *valFix) Command {
			c := exLimit(v.alice, v.cement, Buy, 45_000, 3)
			c.ClientOrderID = 7
			return c
		}, ReasonDuplicateClientOrderID},
		{"duplicate client order id on the other side", func(v *valFix) Command {
			c := exLimit(v.alice, v.cement, Sell, 70_000, 3)
			c.ClientOrderID = 7
			return c
		}, ReasonDuplicateClientOrderID},
		{"duplicate client order id of a crossing IOC", func(v *valFix) Command {
			c := exLimit(v.alice, v.cement, Buy, 60_000, 3)
			c.TIF, c.ClientOrderID = IOC, 7
			return c
		}, ReasonDuplicateClientOrderID},
	}...)
	runValCases(t, cases)
}

func TestRejectCancelAmend(t *testing.T) {
	neverIssued := func(v *valFix) OrderID {
		mk, ok := v.x.MarketOf(v.aliceBid)
		require.True(v.t, ok)
		require.Equal(v.t, v.cement, mk)
		return v.aliceBid + 1000 // same market, local number not issued yet
	}
	noMarket := func(v *valFix) OrderID { return OrderID(77)<<marketShift | 1 }
	ids := []struct {
		name string
		id   func(v *valFix) OrderID
	}{
		{"zero id", func(*valFix) OrderID { return 0 }},
		{"never issued", neverIssued},
		{"market index not open", noMarket},
		{"max id", func(*valFix) OrderID { return math.MaxUint64 }},
		{"filled order", func(v *valFix) OrderID { return v.filled }},
		{"cancelled order", func(v *valFix) OrderID { return v.cancelled }},
	}
	var cases []valCase
	for _, c := range ids {
		owner := func(v *valFix) catalog.ParticipantID {
			switch c.name {
			case "filled order":
				return v.carol
			case "cancelled order":
				return v.bob
			}
			return v.alice
		}
		cases = append(cases,
			valCase{"cancel " + c.name, func(v *valFix) Command {
				return Command{Kind: CmdCancel, Participant: owner(v), OrderID: c.id(v)}
			}, ReasonUnknownOrder},
			valCase{"amend " + c.name, func(v *valFix) Command {
				return Command{Kind: CmdAmend, Participant: owner(v), OrderID: c.id(v), Price: 50_000, Qty: 5}
			}, ReasonUnknownOrder},
		)
	}
	cases = append(cases, []valCase{
		{"cancel not owner", func(v *valFix) Command {
			return Command{Kind: CmdCancel, Participant: v.bob, OrderID: v.aliceBid}
		}, ReasonNotOwner},
		{"amend not owner", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: v.bob, OrderID: v.aliceBid, Price: 50_000, Qty: 5}
		}, ReasonNotOwner},
		{"cancel by pending not owner", func(v *valFix) Command {
			return Command{Kind: CmdCancel, Participant: v.pending, OrderID: v.aliceBid}
		}, ReasonNotOwner},
		{"cancel by unknown participant", func(v *valFix) Command {
			return Command{Kind: CmdCancel, Participant: 999, OrderID: v.aliceBid}
		}, ReasonUnknownParticipant},
		{"cancel by participant zero", func(v *valFix) Command {
			return Command{Kind: CmdCancel, OrderID: v.aliceBid}
		}, ReasonUnknownParticipant},
		{"amend by unknown participant", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: 999, OrderID: v.aliceBid, Price: 50_000, Qty: 5}
		}, ReasonUnknownParticipant},
		{"amend by pending", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: v.pending, OrderID: v.aliceBid, Price: 50_000, Qty: 5}
		}, ReasonNotVerified},
		{"amend by suspended", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: v.suspended, OrderID: v.aliceBid, Price: 50_000, Qty: 5}
		}, ReasonSuspended},
		{"amend qty zero", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: v.alice, OrderID: v.aliceBid, Price: 50_000}
		}, ReasonInvalidQty},
		{"amend qty negative", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: v.alice, OrderID: v.aliceBid, Price: 50_000, Qty: -5}
		}, ReasonInvalidQty},
		{"amend price zero", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: v.alice, OrderID: v.aliceBid, Qty: 5}
		}, ReasonInvalidPrice},
		{"amend price negative", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: v.alice, OrderID: v.aliceBid, Price: -100, Qty: 5}
		}, ReasonInvalidPrice},
		{"amend price off tick", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: v.alice, OrderID: v.aliceBid, Price: 50_001, Qty: 5}
		}, ReasonPriceNotOnTick},
		{"amend qty off lot", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: v.alice, OrderID: v.aliceRebar, Price: 7_000_000, Qty: 30}
		}, ReasonQtyNotOnLot},
		{"amend overflow", func(v *valFix) Command {
			return Command{Kind: CmdAmend, Participant: v.alice, OrderID: v.aliceBid, Price: math.MaxInt64 / 100 * 100, Qty: 2}
		}, ReasonOverflow},
	}...)
	runValCases(t, cases)
}

func TestRejectAdmin(t *testing.T) {
	const goodINN = "7707083893"
	require.NoError(t, catalog.ValidateINN(goodINN))
	require.NoError(t, catalog.ValidateINN("500100732259"))
	reg := func(name, inn, kpp string) func(*valFix) Command {
		return func(*valFix) Command { return Command{Kind: CmdRegister, Name: name, INN: inn, KPP: kpp} }
	}
	set := func(p func(v *valFix) catalog.ParticipantID, st catalog.Status) func(*valFix) Command {
		return func(v *valFix) Command { return Command{Kind: CmdSetStatus, Participant: p(v), Status: st} }
	}
	alice := func(v *valFix) catalog.ParticipantID { return v.alice }
	pending := func(v *valFix) catalog.ParticipantID { return v.pending }
	suspended := func(v *valFix) catalog.ParticipantID { return v.suspended }
	cases := []valCase{
		{"invalid command kind zero", func(v *valFix) Command { return Command{Participant: v.alice} }, ReasonInvalidCommand},
		{"invalid command kind", func(v *valFix) Command {
			return Command{Kind: cmdEnd, Participant: v.alice, OrderID: v.aliceBid}
		}, ReasonInvalidCommand},
		{"invalid command kind max", func(*valFix) Command { return Command{Kind: 255} }, ReasonInvalidCommand},

		{"register INN short", reg("Acme LLC", "77070838", ""), ReasonInvalidINN},
		{"register INN check digit", reg("Acme LLC", "7707083894", ""), ReasonInvalidINN},
		{"register INN 12 check digit", reg("Acme IE", "500100732258", ""), ReasonInvalidINN},
		{"register INN letters", reg("Acme LLC", "77070838A3", ""), ReasonInvalidINN},
		{"register INN empty", reg("Acme LLC", "", ""), ReasonInvalidINN},
		{"register INN all zero", reg("Acme LLC", "0000000000", ""), ReasonInvalidINN},
		{"register INN 12 all zero", reg("Acme IE", "000000000000", ""), ReasonInvalidINN},
		{"register INN region 00", reg("Acme LLC", "0077070836", ""), ReasonInvalidINN},
		{"register KPP short", reg("Acme LLC", goodINN, "77360100"), ReasonInvalidKPP},
		{"register KPP lowercase reason", reg("Acme LLC", goodINN, "7736ab001"), ReasonInvalidKPP},
		{"register KPP for individual", reg("Acme IE", "500100732259", "773601001"), ReasonInvalidKPP},
		{"register empty name", reg("", goodINN, ""), ReasonInvalidName},
		{"register blank name", reg(" \t ", goodINN, ""), ReasonInvalidName},
		{"register name not UTF-8", reg("Acme\xff", goodINN, ""), ReasonInvalidName},
		{"register duplicate INN", func(*valFix) Command {
			return Command{Kind: CmdRegister, Name: "Alice again", INN: exINN(1)}
		}, ReasonDuplicateParticipant},

		{"status verified to verified", set(alice, catalog.StatusVerified), ReasonBadTransition},
		{"status verified to pending", set(alice, catalog.StatusPending), ReasonBadTransition},
		{"status pending to pending", set(pending, catalog.StatusPending), ReasonBadTransition},
		{"status suspended to pending", set(suspended, catalog.StatusPending), ReasonBadTransition},
		{"status suspended to suspended", set(suspended, catalog.StatusSuspended), ReasonBadTransition},
		{"status zero", set(alice, 0), ReasonBadTransition},
		{"status out of range", set(pending, catalog.StatusSuspended+1), ReasonBadTransition},
		{"status unknown participant", set(func(*valFix) catalog.ParticipantID { return 999 }, catalog.StatusVerified), ReasonUnknownParticipant},
		{"status participant zero", set(func(*valFix) catalog.ParticipantID { return 0 }, catalog.StatusSuspended), ReasonUnknownParticipant},

		{"expire unknown category", func(v *valFix) Command {
			return Command{Kind: CmdExpire, Category: 9999, Basis: v.cement.Basis}
		}, ReasonUnknownCategory},
		{"expire category zero", func(v *valFix) Command {
			return Command{Kind: CmdExpire, Basis: v.cement.Basis}
		}, ReasonUnknownCategory},
		{"expire unknown basis", func(v *valFix) Command {
			return Command{Kind: CmdExpire, Category: v.cement.Category, Basis: 999}
		}, ReasonUnknownBasis},
		{"expire basis zero", func(v *valFix) Command {
			return Command{Kind: CmdExpire, Category: v.cement.Category}
		}, ReasonUnknownBasis},
		{"expire group category", func(v *valFix) Command {
			return Command{Kind: CmdExpire, Category: v.category("23.51").ID, Basis: v.cement.Basis}
		}, ReasonNotLeaf},
	}
	runValCases(t, cases)
}

// TestRejectReasonsCovered checks that every reason has a distinct sentinel
// and a name, and that the table tests above reach all of them except
// ReasonCapacity (2^24 markets or 2^40 orders in one market).
func TestRejectReasonsCovered(t *testing.T) {
	seen := map[error]RejectReason{}
	for r := ReasonNone + 1; r < reasonEnd; r++ {
		err := r.Err()
		require.NotNil(t, err, "reason %d", r)
		_, dup := seen[err]
		require.False(t, dup, "reason %d shares its sentinel", r)
		seen[err] = r
		require.NotContains(t, r.String(), "RejectReason(")
		require.False(t, errors.Is(err, ErrInvalidConfig))
	}
	// Each description says what was wrong, and no two names or
	// descriptions are the same.
	texts := map[string]RejectReason{}
	for r := ReasonNone + 1; r < reasonEnd; r++ {
		for _, text := range []string{r.String(), r.Description()} {
			prev, dup := texts[text]
			require.False(t, dup, "%d and %d share the text %q", prev, r, text)
			texts[text] = r
		}
	}
	for r, want := range map[RejectReason]string{
		ReasonNotOwner:          "order belongs",
		ReasonNotTenderBuyer:    "tender's buyer",
		ReasonNotSubscriber:     "subscription belongs",
		ReasonBidQtyAboveTender: "exceeds the tender's quantity",
		ReasonInvalidQty:        "quantity must be positive",
		ReasonTooLarge:          "exceeds its limit",
		ReasonUnreadField:       "does not read",
		ReasonWrongMarket:       "another market",
	} {
		require.Contains(t, r.Description(), want, "reason %d", r)
	}
	require.Nil(t, ReasonNone.Err())
	require.Nil(t, reasonEnd.Err())
	require.Equal(t, "none", ReasonNone.String())
	require.Equal(t, "RejectReason(200)", RejectReason(200).String())
}

func TestClientOrderIDReuse(t *testing.T) {
	v := newValFix(t)
	tagged := func(p catalog.ParticipantID, k MarketKey, side Side, price catalog.Price, qty catalog.Qty, tag uint64) Command {
		c := exLimit(p, k, side, price, qty)
		c.ClientOrderID = tag
		return c
	}

	// The same ID is free for another participant, and in another market.
	v.must(tagged(v.bob, v.cement, Buy, 45_000, 1, 7))
	v.must(tagged(v.alice, v.cementNew, Buy, 45_000, 1, 7))

	// Reuse after a cancel.
	id := v.must(tagged(v.carol, v.cement, Buy, 41_000, 1, 100))[0].OrderID
	_, err := v.submit(tagged(v.carol, v.cement, Buy, 41_000, 1, 100))
	require.ErrorIs(t, err, ErrDuplicateClientOrderID)
	v.must(Command{Kind: CmdCancel, Participant: v.carol, OrderID: id})
	v.must(tagged(v.carol, v.cement, Buy, 41_000, 1, 100))

	// Reuse after a complete fill, as maker and as taker: alice's buy takes
	// bob's ask at 60,000 and carol's at 65,000.
	v.must(tagged(v.carol, v.cement, Sell, 65_000, 2, 200))
	_, err = v.submit(tagged(v.carol, v.cement, Sell, 66_000, 2, 200))
	require.ErrorIs(t, err, ErrDuplicateClientOrderID)
	evs := v.must(tagged(v.alice, v.cement, Buy, 65_000, 12, 400))
	require.Equal(t, []EventKind{EventAccepted, EventFill, EventDone, EventFill, EventDone, EventDone}, exKinds(evs))
	require.Equal(t, uint64(200), evs[4].ClientOrderID)
	require.Equal(t, uint64(400), evs[5].ClientOrderID)
	v.must(tagged(v.carol, v.cement, Sell, 65_000, 2, 200))
	v.must(tagged(v.alice, v.cement, Buy, 30_000, 2, 400))

	// An IOC that does not rest frees its ID at once.
	c := tagged(v.alice, v.cement, Sell, 90_000, 1, 500)
	c.TIF = IOC
	evs = v.must(c)
	require.Equal(t, []EventKind{EventAccepted, EventCancelled}, exKinds(evs))
	v.must(c)

	// Reuse after expiry.
	g := tagged(v.alice, v.cement, Sell, 90_000, 1, 600)
	g.TIF, g.ExpireAt = GTD, v.now+10
	v.must(g)
	_, err = v.submit(g)
	require.ErrorIs(t, err, ErrDuplicateClientOrderID)
	v.now += 10
	g.ExpireAt = v.now + 10
	evs = v.must(g)
	require.Equal(t, []EventKind{EventExpired, EventAccepted}, exKinds(evs))
	require.Equal(t, uint64(600), evs[0].ClientOrderID)
	require.NoError(t, v.x.CheckInvariants())
}

func TestRegisterBranches(t *testing.T) {
	f := newExFixture(t, Config{})
	inn := exINN(42)
	evs := f.must(Command{Kind: CmdRegister, Name: "Head office", INN: inn, KPP: "770101001"})
	a := evs[0].Participant
	evs = f.must(Command{Kind: CmdRegister, Name: "Branch", INN: inn, KPP: "770102001"})
	b := evs[0].Participant
	require.NotEqual(t, a, b)
	_, err := f.submit(Command{Kind: CmdRegister, Name: "Branch", INN: inn, KPP: "770102001"})
	require.ErrorIs(t, err, ErrDuplicateParticipant)
	// Without a KPP the INN is a different key.
	f.must(Command{Kind: CmdRegister, Name: "No KPP", INN: inn})
	p, ok := f.x.Participant(b)
	require.True(t, ok)
	require.Equal(t, catalog.Participant{ID: b, Name: "Branch", INN: inn, KPP: "770102001", Status: catalog.StatusPending}, p)
}

func TestConfigValidate(t *testing.T) {
	good, err := catalog.Sample()
	require.NoError(t, err)
	require.NoError(t, Config{}.Validate())
	require.NoError(t, Config{Catalog: good, DefaultSTP: STPCancelBoth}.Validate())

	empty := &catalog.Catalog{Taxonomy: catalog.NewTaxonomy(), Bases: catalog.NewBases()}
	noLeaf := catalog.NewTaxonomy()
	_, err = noLeaf.Add("23", "Group", "", 0, 0)
	require.NoError(t, err)
	bases := catalog.NewBases()
	_, err = bases.Add("MSK", "Moscow")
	require.NoError(t, err)
	badLeaf := catalog.NewTaxonomy()
	_, err = badLeaf.Add("23", "Leaf without tick", "t", 0, 1)
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		cfg  Config
		also error
	}{
		{"stp out of range", Config{DefaultSTP: STPCancelBoth + 1}, nil},
		{"stp max", Config{DefaultSTP: 255}, nil},
		{"catalog without taxonomy", Config{Catalog: &catalog.Catalog{Bases: good.Bases}}, nil},
		{"catalog without bases", Config{Catalog: &catalog.Catalog{Taxonomy: good.Taxonomy}}, nil},
		{"empty catalog", Config{Catalog: empty}, catalog.ErrIncomplete},
		{"no bases", Config{Catalog: &catalog.Catalog{Taxonomy: good.Taxonomy, Bases: catalog.NewBases()}}, catalog.ErrIncomplete},
		{"only a group without unit", Config{Catalog: &catalog.Catalog{Taxonomy: noLeaf, Bases: bases}}, catalog.ErrBadUnit},
		{"leaf without tick", Config{Catalog: &catalog.Catalog{Taxonomy: badLeaf, Bases: bases}}, catalog.ErrBadTick},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			require.ErrorIs(t, err, ErrInvalidConfig)
			if tc.also != nil {
				require.ErrorIs(t, err, tc.also)
			}
			x, err := New(tc.cfg)
			require.Nil(t, x)
			require.ErrorIs(t, err, ErrInvalidConfig)
		})
	}

	x, err := New(Config{Catalog: good})
	require.NoError(t, err)
	require.Same(t, good, x.Catalog())
	require.Zero(t, x.Seq())
	require.Empty(t, x.Markets())
	require.Equal(t, Counters{}, x.TotalCounters())
}
