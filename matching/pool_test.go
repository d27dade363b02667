package matching

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/clearing"
	"github.com/agora-exchange/agora/engine"
)

// poolFixture is an exchange on the sample cement catalog, its grades and
// transport table, with a pool open on the cement group.
type poolFixture struct {
	*exFixture
	d                *catalog.Differentials
	root, cem1       catalog.CategoryID
	msk, tul, rzn    catalog.BasisID
	m400, m500, m550 catalog.Grade
}

func newPoolFixture(t *testing.T) *poolFixture {
	t.Helper()
	d, err := catalog.SampleCement()
	require.NoError(t, err)
	f := &poolFixture{exFixture: newExFixture(t, Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport}), d: d}
	f.root, f.cem1 = f.leafOrGroup("23.51"), f.leaf("23.51.12")
	f.msk, f.tul, f.rzn = f.basis("MSK"), f.basis("TUL"), f.basis("RZN")
	grade := func(code string) catalog.Grade {
		g, err := d.Grades.ByCode(f.root, code)
		require.NoError(t, err)
		return g.Grade
	}
	f.m400, f.m500, f.m550 = grade("M400"), grade("M500"), grade("M550")
	evs := f.must(Command{Kind: CmdOpenPool, Category: f.root})
	require.Equal(t, []EventKind{EventPoolOpened}, exKinds(evs))
	return f
}

func (f *poolFixture) leafOrGroup(code string) catalog.CategoryID { return f.category(code).ID }

func (f *poolFixture) request(p catalog.ParticipantID, limit catalog.Price, qty catalog.Qty, minGrade catalog.Grade) Command {
	return Command{Kind: CmdPlace, Participant: p, Category: f.root, Basis: f.msk, Side: Buy, Price: limit, Qty: qty, Grade: minGrade}
}

func (f *poolFixture) offer(p catalog.ParticipantID, basis catalog.BasisID, limit catalog.Price, qty catalog.Qty, grade catalog.Grade) Command {
	return Command{Kind: CmdPlace, Participant: p, Category: f.cem1, Basis: basis, Side: Sell, Price: limit, Qty: qty, Grade: grade}
}

// TestPoolWorkedExample: par M500, a premium of 20 for M550, a buyer at 700
// delivered to Moscow, a seller of M550 at 600 ex works Tula, transport 50:
// 700 + 20 − 600 − 50 = 70 a tonne, through Exchange.Submit.
func TestPoolWorkedExample(t *testing.T) {
	f := newPoolFixture(t)
	buyer, plant := f.trader("buyer"), f.trader("plant")
	rq := f.must(f.request(buyer, 70_000, 400, f.m500))
	of := f.must(f.offer(plant, f.tul, 60_000, 1_000, f.m550))
	require.Equal(t, EventAccepted, rq[0].Kind)
	require.Equal(t, EventAccepted, of[0].Kind)

	ind, err := f.x.IndicativeClearing(f.root)
	require.NoError(t, err)
	require.Equal(t, int64(7_000*400), ind.Surplus)

	evs := f.must(Command{Kind: CmdClearPool, Category: f.root})
	fills := exOnly(evs, EventPoolFill)
	require.Len(t, fills, 1)
	fl := fills[0]
	require.Equal(t, rq[0].OrderID, fl.OrderID)
	require.Equal(t, of[0].OrderID, fl.MakerOrderID)
	require.Equal(t, catalog.Qty(400), fl.Qty)
	require.Equal(t, catalog.Price(5_000), fl.Transport)
	require.Equal(t, catalog.Price(2_000), fl.GradeDiff)
	require.Equal(t, fl.SellerPrice+fl.Transport, fl.Price+fl.GradeDiff)
	require.LessOrEqual(t, fl.Price, catalog.Price(70_000))
	require.GreaterOrEqual(t, fl.SellerPrice, catalog.Price(60_000))
	require.Equal(t, catalog.Qty(0), fl.Remaining)
	require.Equal(t, catalog.Qty(600), fl.MakerRemaining)
	cl := exOnly(evs, EventPoolCleared)
	require.Len(t, cl, 1)
	require.Equal(t, catalog.Price(7_000*400), cl[0].BestPrice)
	require.Len(t, exOnly(evs, EventDone), 1)
	require.NoError(t, f.x.CheckInvariants())

	// The offer's rest still rests; the request is gone.
	ind, err = f.x.IndicativeClearing(f.root)
	require.NoError(t, err)
	require.Empty(t, ind.Requests)
	require.Len(t, ind.Offers, 1)
	_, err = f.submit(Command{Kind: CmdCancel, Participant: buyer, OrderID: rq[0].OrderID})
	require.ErrorIs(t, err, ErrUnknownOrder)
	// A second clearing trades the offer's open 600 t.
	f.must(f.request(f.trader("second"), 70_000, 1_000, f.m500))
	evs = f.must(Command{Kind: CmdClearPool, Category: f.root})
	fills = exOnly(evs, EventPoolFill)
	require.Len(t, fills, 1)
	require.Equal(t, catalog.Qty(600), fills[0].Qty)
	require.Equal(t, catalog.Qty(0), fills[0].MakerRemaining)
	require.Equal(t, catalog.Qty(400), fills[0].Remaining)
}

// TestPoolEqualsClearing: a pool cleared through the exchange trades what
// clearing.Clear trades on the same orders, at the same prices and surplus,
// and self-trade prevention holds.
func TestPoolEqualsClearing(t *testing.T) {
	f := newPoolFixture(t)
	a, b, c := f.trader("a"), f.trader("b"), f.trader("c")
	cmds := []Command{
		f.request(a, 70_000, 300, f.m500),
		f.request(b, 66_000, 200, f.m400),
		{Kind: CmdPlace, Participant: c, Category: f.root, Bases: []catalog.BasisID{f.rzn}, Side: Buy, Price: 64_000, Qty: 100, Rating: 0},
		f.offer(a, f.tul, 55_000, 250, f.m550), // a's own request gets no edge from it
		f.offer(c, f.rzn, 58_000, 300, f.m500),
		f.offer(b, f.tul, 61_000, 100, f.m400),
	}
	var reqs []clearing.Request
	var offs []clearing.Offer
	for _, cmd := range cmds {
		evs := f.must(cmd)
		id := clearing.OrderID(evs[0].OrderID)
		if cmd.Side == Buy {
			reqs = append(reqs, clearing.Request{ID: id, Owner: cmd.Participant, Category: cmd.Category, Accept: cmd.Bases, Deliver: cmd.Basis,
				MinGrade: cmd.Grade, MinRating: cmd.Rating, Qty: int64(cmd.Qty), Limit: cmd.Price, Priority: evs[0].Seq})
		} else {
			offs = append(offs, clearing.Offer{ID: id, Owner: cmd.Participant, Category: cmd.Category, Basis: cmd.Basis, Grade: cmd.Grade,
				Qty: int64(cmd.Qty), Limit: cmd.Price, Priority: evs[0].Seq})
		}
	}
	want, err := clearing.Clear(clearing.FromCatalog(f.d), reqs, offs)
	require.NoError(t, err)
	require.Positive(t, want.Volume)
	evs := f.must(Command{Kind: CmdClearPool, Category: f.root})
	fills := exOnly(evs, EventPoolFill)
	require.Len(t, fills, len(want.Fills))
	var surplus int64
	for i, w := range want.Fills {
		g := fills[i]
		require.Equal(t, OrderID(w.Request), g.OrderID)
		require.Equal(t, OrderID(w.Offer), g.MakerOrderID)
		require.Equal(t, catalog.Qty(w.Qty), g.Qty)
		require.Equal(t, w.BuyerPrice, g.Price)
		require.Equal(t, w.SellerPrice, g.SellerPrice)
		require.Equal(t, w.Transport, g.Transport)
		require.Equal(t, w.GradeDiff, g.GradeDiff)
		require.NotEqual(t, g.Participant, g.MakerParticipant, "self-trade")
	}
	for _, r := range want.Requests {
		surplus += r.Surplus
	}
	for _, o := range want.Offers {
		surplus += o.Surplus
	}
	require.Equal(t, want.Surplus, surplus)
	require.Equal(t, catalog.Price(want.Surplus), exOnly(evs, EventPoolCleared)[0].BestPrice)
	require.NoError(t, f.x.CheckInvariants())
}

// TestPoolRejections: every pool refusal is typed and changes nothing.
func TestPoolRejections(t *testing.T) {
	f := newPoolFixture(t)
	buyer, plant := f.trader("buyer"), f.trader("plant")
	pending := f.register("pending")
	suspended := f.trader("suspended")
	f.setStatus(suspended, catalog.StatusSuspended)
	f.must(f.request(buyer, 70_000, 10, f.m500))
	cases := []struct {
		name   string
		cmd    Command
		reason RejectReason
	}{
		{"min qty", func() Command { c := f.request(buyer, 70_000, 10, 0); c.MinQty = 5; return c }(), ReasonAllOrNonePool},
		{"fok", func() Command { c := f.request(buyer, 70_000, 10, 0); c.TIF = FOK; return c }(), ReasonAllOrNonePool},
		{"ioc", func() Command { c := f.request(buyer, 70_000, 10, 0); c.TIF = IOC; return c }(), ReasonInvalidTIF},
		{"unknown grade", f.offer(plant, f.tul, 60_000, 10, 9), ReasonUnknownGrade},
		{"off tick", f.offer(plant, f.tul, 60_050, 10, f.m500), ReasonPriceNotOnTick},
		{"no qty", f.offer(plant, f.tul, 60_000, 0, f.m500), ReasonInvalidQty},
		{"group offer", func() Command { c := f.offer(plant, f.tul, 60_000, 10, f.m500); c.Category = f.root; return c }(), ReasonNotLeaf},
		{"offer rating", func() Command { c := f.offer(plant, f.tul, 60_000, 10, f.m500); c.Rating = 5; return c }(), ReasonInvalidRating},
		{"not verified", f.offer(pending, f.tul, 60_000, 10, f.m500), ReasonNotVerified},
		{"suspended", f.offer(suspended, f.tul, 60_000, 10, f.m500), ReasonSuspended},
		{"no basis", func() Command { c := f.request(buyer, 70_000, 10, 0); c.Basis = 0; return c }(), ReasonUnknownBasis},
		{"unknown basis", func() Command { c := f.request(buyer, 70_000, 10, 0); c.Bases = []catalog.BasisID{99}; return c }(), ReasonUnknownBasis},
		{"lead", func() Command { c := f.request(buyer, 70_000, 10, 0); c.LeadTime = -1; return c }(), ReasonInvalidLeadTime},
		{"clear a book", Command{Kind: CmdUncross, Category: f.root, RefPrice: 1}, ReasonInvalidMode},
		{"open twice", Command{Kind: CmdOpenPool, Category: f.root}, ReasonPoolConflict},
		{"nested pool", Command{Kind: CmdOpenPool, Category: f.cem1}, ReasonPoolConflict},
		{"book under pool", Command{Kind: CmdSetMarketMode, Category: f.cem1, Basis: f.msk, MarketMode: MarketCall}, ReasonPoolConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, err := f.x.MarshalState()
			require.NoError(t, err)
			evs, err := f.submit(tc.cmd)
			require.ErrorIs(t, err, tc.reason.Err())
			require.Len(t, evs, 1)
			require.Equal(t, EventRejected, evs[0].Kind)
			require.Equal(t, tc.reason, evs[0].Reject)
			after, err := f.x.MarshalState()
			require.NoError(t, err)
			// Only the message counters move.
			y, err := RestoreState(Config{Grades: f.d.Grades, Transport: f.d.Transport}, before)
			require.NoError(t, err)
			_, _ = y.Submit(tc.cmd, nil)
			again, err := y.MarshalState()
			require.NoError(t, err)
			require.Equal(t, after, again)
			ind, err := f.x.IndicativeClearing(f.root)
			require.NoError(t, err)
			require.Len(t, ind.Requests, 1)
			require.Empty(t, ind.Offers)
		})
	}
	// Pool attributes on a book order outside a pool.
	g := newExFixture(t, Config{})
	p := g.trader("p")
	_, err := g.submit(Command{Kind: CmdPlace, Participant: p, Category: g.leaf("23.51.12"), Basis: g.basis("MSK"), Side: Buy, Price: 100, Qty: 1, LeadTime: 3})
	require.ErrorIs(t, err, ErrNotPool)
	_, err = g.submit(Command{Kind: CmdClearPool, Category: g.leaf("23.51.12")})
	require.ErrorIs(t, err, ErrNotPool)
	_, err = f.x.IndicativeClearing(f.cem1)
	require.ErrorIs(t, err, engine.ErrNotPool)
	require.NoError(t, f.x.CheckInvariants())
}

// TestPoolCancelAmendExpireSuspend covers the life of pool orders and a
// snapshot round trip that replays to the same bytes.
func TestPoolCancelAmendExpireSuspend(t *testing.T) {
	f := newPoolFixture(t)
	buyer, plant, other := f.trader("buyer"), f.trader("plant"), f.trader("other")
	var log []Command
	run := func(c Command) []Event {
		f.now += 10
		c.Time = f.now
		log = append(log, c)
		evs, _ := f.submit(c)
		require.NoError(t, f.x.CheckInvariants())
		return evs
	}
	r1 := run(f.request(buyer, 70_000, 400, f.m500))[0].OrderID
	gtd := f.offer(plant, f.tul, 60_000, 100, f.m550)
	gtd.TIF, gtd.ExpireAt = GTD, f.now+45
	o1 := run(gtd)[0].OrderID
	o2 := run(f.offer(other, f.rzn, 61_000, 50, f.m500))[0].OrderID

	evs := run(Command{Kind: CmdAmend, Participant: buyer, OrderID: r1, Price: 71_000, Qty: 300})
	require.Equal(t, EventAmended, evs[0].Kind)
	require.Equal(t, catalog.Qty(300), evs[0].Remaining)
	require.Equal(t, catalog.Price(71_000), evs[0].Price)
	evs = run(Command{Kind: CmdCancel, Participant: plant, OrderID: o2})
	require.Equal(t, RejectReason(ReasonNotOwner), evs[0].Reject)
	evs = run(Command{Kind: CmdExpire, Category: f.root}) // due: o1
	require.Equal(t, []EventKind{EventExpired}, exKinds(evs))
	require.Equal(t, o1, evs[0].OrderID)
	evs = run(Command{Kind: CmdSetStatus, Participant: other, Status: catalog.StatusSuspended})
	require.Contains(t, exKinds(evs), EventCancelled)
	ind, err := f.x.IndicativeClearing(f.root)
	require.NoError(t, err)
	require.Len(t, ind.Requests, 1)
	require.Empty(t, ind.Offers)
	require.Equal(t, clearing.NoCounterparty, ind.Requests[0].Outcome)
	run(f.offer(plant, f.tul, 60_000, 100, f.m550))
	evs = run(Command{Kind: CmdCancel, Participant: buyer, OrderID: r1})
	require.Equal(t, EventCancelled, evs[0].Kind)
	run(f.request(buyer, 70_000, 40, f.m500))

	// Snapshot round trip, then replay from the log: identical bytes.
	st, err := f.x.MarshalState()
	require.NoError(t, err)
	y, err := RestoreState(Config{Grades: f.d.Grades, Transport: f.d.Transport}, st)
	require.NoError(t, err)
	require.NoError(t, y.CheckInvariants())
	st2, err := y.MarshalState()
	require.NoError(t, err)
	require.Equal(t, st, st2)

	g := newPoolFixture(t)
	g.trader("buyer")
	g.trader("plant")
	g.trader("other")
	for _, c := range log {
		_, _ = g.submit(c)
	}
	st3, err := g.x.MarshalState()
	require.NoError(t, err)
	require.Equal(t, st, st3)

	// The restored exchange clears like the original.
	a := f.must(Command{Kind: CmdClearPool, Category: f.root, Time: f.now + 10})
	b, err := y.Submit(Command{Kind: CmdClearPool, Category: f.root, Time: f.now + 10}, nil)
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.Len(t, exOnly(a, EventPoolFill), 1)
}

// poolFuzzOrder is the harness's view of a resting pool order.
type poolFuzzOrder struct {
	owner catalog.ParticipantID
	side  Side
	price catalog.Price
	open  catalog.Qty
}

// runPoolFuzz turns data into pool commands (placements with random
// attributes, cancels, amends, expiries, suspensions, clearings) on a
// pool exchange. After every command it checks the invariants; after
// every clearing that the fills conserve quantity, break no limit, keep
// BuyerPrice + GradeDiff = SellerPrice + Transport, never pair one company
// with itself, and sum to the surplus reported. Then it replays the
// commands, each encoded and decoded, on a second exchange, which must give
// the same events, and round-trips the state.
func runPoolFuzz(t *testing.T, data []byte) (fills int) {
	f := newPoolFixture(t)
	parts := []catalog.ParticipantID{f.trader("a"), f.trader("b"), f.trader("c"), f.register("pending")}
	bases := []catalog.BasisID{f.msk, f.tul, f.rzn, f.basis("VRN"), f.basis("BEL")}
	grades := []catalog.Grade{0, f.m400, f.m500, f.m550, 7}
	leaves := []catalog.CategoryID{f.cem1, f.leaf("23.51.13"), f.root}
	orders := map[OrderID]*poolFuzzOrder{}
	var ids []OrderID
	var cmds []Command
	var all []Event
	pos := 0
	next := func() byte {
		if pos >= len(data) {
			pos++
			return 0
		}
		pos++
		return data[pos-1]
	}
	for n := 0; pos < len(data) && n < 300; n++ {
		op, a, b, c, d := next(), next(), next(), next(), next()
		f.now += int64(a % 4)
		cmd := Command{Time: f.now}
		switch op % 8 {
		case 0, 1, 2:
			cmd.Kind, cmd.Participant = CmdPlace, parts[int(a)%len(parts)]
			cmd.Side = Buy
			if b&1 == 1 {
				cmd.Side = Sell
			}
			cmd.Category = leaves[int(b>>1)%len(leaves)]
			cmd.Basis = bases[int(b>>3)%len(bases)]
			cmd.Grade = grades[int(c)%len(grades)]
			cmd.Price = catalog.Price(50_000 + 1_000*int64(c>>3%16))
			cmd.Qty = catalog.Qty(1 + d%20)
			cmd.LeadTime = int64(d >> 5)
			if cmd.Side == Buy {
				if d&0x10 != 0 {
					cmd.Bases = []catalog.BasisID{bases[int(d)%len(bases)]}
				}
				cmd.Rating = c >> 6
			}
			if op&0x80 != 0 {
				cmd.TIF, cmd.ExpireAt = GTD, f.now+int64(op>>4&7)
			}
			if op&0x40 != 0 && op&0x20 != 0 {
				cmd.MinQty = 1
			}
		case 3, 4:
			cmd.Kind = CmdCancel
			if op%8 == 4 {
				cmd.Kind, cmd.Price, cmd.Qty = CmdAmend, catalog.Price(50_000+1_000*int64(c%16)), catalog.Qty(d%10)
			}
			if len(ids) > 0 {
				cmd.OrderID = ids[int(a)%len(ids)]
				if o := orders[cmd.OrderID]; o != nil && b&3 != 0 {
					cmd.Participant = o.owner
				}
			}
			if cmd.Participant == 0 {
				cmd.Participant = parts[int(b)%len(parts)]
			}
		case 5:
			cmd.Kind, cmd.Category = CmdExpire, f.root
			if a&1 == 1 {
				cmd.Category = 0
			}
		case 6:
			cmd.Kind, cmd.Participant, cmd.Status = CmdSetStatus, parts[int(a)%3], catalog.StatusSuspended
			if b&1 == 1 {
				cmd.Status = catalog.StatusVerified
			}
			if b&6 != 0 { // mostly clear instead: suspensions are rare
				cmd = Command{Time: f.now, Kind: CmdClearPool, Category: f.root}
			}
		case 7:
			cmd.Kind, cmd.Category = CmdClearPool, f.root
		}
		cmds = append(cmds, cmd)
		evs, _ := f.submit(cmd)
		all = append(all, evs...)
		require.NoError(t, f.x.CheckInvariants(), "after %+v", cmd)
		var surplus int64
		filled := map[OrderID]catalog.Qty{}
		for _, e := range evs {
			switch e.Kind {
			case EventAccepted:
				orders[e.OrderID] = &poolFuzzOrder{owner: e.Participant, side: e.Side, price: e.Price, open: e.Qty}
				ids = append(ids, e.OrderID)
			case EventAmended:
				orders[e.OrderID].price, orders[e.OrderID].open = e.Price, e.Qty
			case EventCancelled, EventExpired, EventDone:
				delete(orders, e.OrderID)
			case EventPoolFill:
				fills++
				rq, of := orders[e.OrderID], orders[e.MakerOrderID]
				require.NotNil(t, rq)
				require.NotNil(t, of)
				require.Equal(t, Buy, rq.side)
				require.Equal(t, Sell, of.side)
				require.NotEqual(t, rq.owner, of.owner, "self-trade")
				require.LessOrEqual(t, e.Price, rq.price, "buyer above its limit")
				require.GreaterOrEqual(t, e.SellerPrice, of.price, "seller below its limit")
				require.Equal(t, e.SellerPrice+e.Transport, e.Price+e.GradeDiff)
				filled[e.OrderID] += e.Qty
				filled[e.MakerOrderID] += e.Qty
				require.LessOrEqual(t, filled[e.OrderID], rq.open)
				require.LessOrEqual(t, filled[e.MakerOrderID], of.open)
				require.Equal(t, rq.open-filled[e.OrderID], e.Remaining)
				require.Equal(t, of.open-filled[e.MakerOrderID], e.MakerRemaining)
				surplus += int64(e.Qty) * int64(rq.price+e.GradeDiff-of.price-e.Transport)
			case EventPoolCleared:
				require.Equal(t, catalog.Price(surplus), e.BestPrice)
				for id, q := range filled {
					if o := orders[id]; o != nil {
						o.open -= q
					}
				}
			}
		}
	}
	// Replay through the codec.
	g := newPoolFixture(t)
	g.trader("a")
	g.trader("b")
	g.trader("c")
	g.register("pending")
	var again []Event
	for _, c := range cmds {
		dec, _, err := DecodeCommand(AppendCommand(nil, &c))
		require.NoError(t, err)
		evs, _ := g.submit(dec)
		again = append(again, evs...)
	}
	require.Equal(t, len(all), len(again))
	for i := range all {
		require.Equal(t, AppendEvent(nil, &all[i]), AppendEvent(nil, &again[i]), "event %d", i)
	}
	st, err := f.x.MarshalState()
	require.NoError(t, err)
	st2, err := g.x.MarshalState()
	require.NoError(t, err)
	require.Equal(t, st, st2)
	y, err := RestoreState(Config{Grades: f.d.Grades, Transport: f.d.Transport}, st)
	require.NoError(t, err)
	require.NoError(t, y.CheckInvariants())
	st3, err := y.MarshalState()
	require.NoError(t, err)
	require.Equal(t, st, st3)
	return fills
}

func FuzzPool(f *testing.F) {
	f.Add([]byte{0, 0, 0, 16, 5, 1, 1, 1, 0, 5, 7, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 16, 5, 1, 1, 9, 24, 5, 4, 0, 0, 3, 3, 3, 0, 0, 0, 0, 7, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) { runPoolFuzz(t, data) })
}

// TestPoolRandomized runs the pool harness over random input from fixed
// seeds, and checks that it reaches clearings with fills.
func TestPoolRandomized(t *testing.T) {
	fills := 0
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 13))
		data := make([]byte, 1_500)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		fills += runPoolFuzz(t, data)
	}
	require.Positive(t, fills)
}

// TestPoolCodecVersion3: a command with a Grade and an event with a pool
// fill's prices are written in version 3 and round-trip; every other record
// keeps its older version, and a version 3 record without version 3 fields
// is refused as not canonical.
func TestPoolCodecVersion3(t *testing.T) {
	c := Command{Kind: CmdPlace, Participant: 1, Category: 2, Basis: 3, Side: Buy, Price: 700, Qty: 4, Grade: 2, LeadTime: 14, Rating: 60, Bases: []catalog.BasisID{5}}
	b := AppendCommand(nil, &c)
	require.Equal(t, byte(3), b[0])
	got, n, err := DecodeCommand(b)
	require.NoError(t, err)
	require.Equal(t, len(b), n)
	require.Equal(t, c, got)
	c.Grade = 0
	require.Equal(t, byte(2), AppendCommand(nil, &c)[0])
	bad := append([]byte{3}, AppendCommand(nil, &c)[1:]...)
	bad = append(bad, 0) // Grade 0
	_, _, err = DecodeCommand(bad)
	require.ErrorIs(t, err, ErrCorruptCommand)
	require.ErrorContains(t, err, "not canonical")

	e := Event{Seq: 9, Kind: EventPoolFill, Price: 6_030, SellerPrice: 6_000, Transport: 50, GradeDiff: 20, Qty: 600}
	eb := AppendEvent(nil, &e)
	require.Equal(t, byte(3), eb[0])
	ge, n, err := DecodeEvent(eb)
	require.NoError(t, err)
	require.Equal(t, len(eb), n)
	require.Equal(t, e, ge)
	e.SellerPrice, e.Transport, e.GradeDiff = 0, 0, 0
	require.Equal(t, byte(1), AppendEvent(nil, &e)[0])
	e.KeyID = 3
	v2 := AppendEvent(nil, &e)
	require.Equal(t, byte(2), v2[0])
	badEv := append(append([]byte{3}, v2[1:]...), 0, 0, 0)
	_, _, err = DecodeEvent(badEv)
	require.ErrorIs(t, err, ErrCorruptEvent)
	require.ErrorContains(t, err, "not canonical")
}

// TestPoolSignedGrade: the signature of a pool order covers its grade.
func TestPoolSignedGrade(t *testing.T) {
	c := Command{Kind: CmdPlace, Participant: 1, Category: 2, Basis: 3, Side: Sell, Price: 700, Qty: 4, Grade: 2, KeyID: 1, Nonce: 1}
	a := AppendSigningBytes(nil, &c)
	c.Grade = 3
	require.NotEqual(t, a, AppendSigningBytes(nil, &c))
	c.Grade = 0
	require.Equal(t, byte(2), AppendSigningBytes(nil, &c)[len(SigningContext)], "a command without Grade signs its version 2 bytes")
}

// TestPoolMatchesCallAuction: orders with identical attributes at one
// basis clear in a pool to the volume that a call market's uniform-price
// uncross trades on the same orders.
func TestPoolMatchesCallAuction(t *testing.T) {
	type o struct {
		side  Side
		price catalog.Price
		qty   catalog.Qty
	}
	books := [][]o{
		{{Buy, 70_000, 10}, {Buy, 69_000, 5}, {Sell, 68_000, 8}, {Sell, 69_000, 9}, {Sell, 71_000, 4}},
		{{Buy, 65_000, 3}, {Sell, 66_000, 3}},
		{{Buy, 70_000, 7}, {Buy, 70_000, 2}, {Sell, 60_000, 4}, {Sell, 60_000, 4}, {Sell, 70_000, 20}},
	}
	for i, book := range books {
		f := newPoolFixture(t)
		g := newExFixture(t, Config{Catalog: f.d.Catalog})
		leaf := f.leaf("23.51.12")
		call := MarketKey{Category: leaf, Basis: g.basis("MSK")}
		g.must(Command{Kind: CmdSetMarketMode, Category: call.Category, Basis: call.Basis, MarketMode: MarketCall})
		var ps, qs []catalog.ParticipantID
		for k := range book {
			ps = append(ps, f.trader(fmt.Sprint("p", k)))
			qs = append(qs, g.trader(fmt.Sprint("p", k)))
		}
		for k, x := range book {
			c := Command{Kind: CmdPlace, Participant: ps[k], Category: leaf, Basis: f.msk, Side: x.side, Price: x.price, Qty: x.qty, Grade: f.m500}
			if x.side == Buy {
				c.Category, c.Bases, c.Basis = f.root, []catalog.BasisID{f.msk}, 0
			}
			f.must(c)
			g.must(Command{Kind: CmdPlace, Participant: qs[k], Category: call.Category, Basis: call.Basis, Side: x.side, Type: Limit, TIF: GTC, Price: x.price, Qty: x.qty})
		}
		u, ok := g.x.Indicative(call, 1)
		evs := f.must(Command{Kind: CmdClearPool, Category: f.root})
		vol := exOnly(evs, EventPoolCleared)[0].Qty
		if !ok {
			require.Zero(t, vol, "book %d", i)
			continue
		}
		require.Equal(t, u.Volume, vol, "book %d", i)
		require.Positive(t, vol, "book %d", i)
	}
}

// TestPoolConcurrentSubmitters: pool and book commands from several
// goroutines (run it with -race) replay in sequence order to the same
// state: each pool command ran under the pool's lock alone.
func TestPoolConcurrentSubmitters(t *testing.T) {
	f := newPoolFixture(t)
	var ps []catalog.ParticipantID
	for k := range 4 {
		ps = append(ps, f.trader(fmt.Sprint("c", k)))
	}
	type entry struct {
		seq uint64
		cmd Command
	}
	var mu sync.Mutex
	var log []entry
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst []Event
			for k := range 200 {
				p := ps[w]
				var c Command
				switch k % 5 {
				case 0:
					c = f.request(p, catalog.Price(60_000+1_000*(k%10)), catalog.Qty(1+k%7), f.m500)
				case 1:
					c = f.offer(p, f.tul, catalog.Price(55_000+1_000*(k%10)), catalog.Qty(1+k%5), f.m550)
				case 2:
					c = Command{Kind: CmdPlace, Participant: p, Category: f.leaf("23.51.13"), Basis: f.msk, Side: Side(1 + k%2), Type: Limit, TIF: GTC, Price: 50_000, Qty: 1}
				case 3:
					c = Command{Kind: CmdClearPool, Category: f.root}
				case 4: // an order of the pool (market 1), often another's
					c = Command{Kind: CmdCancel, Participant: p, OrderID: OrderID(1<<OrderMarketShift | uint64(1+k/2))}
				}
				c.Time = 2_000
				var err error
				dst, err = f.x.Submit(c, dst[:0])
				_ = err
				mu.Lock()
				log = append(log, entry{dst[0].Seq, c})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(log, func(a, b entry) int { return cmp.Compare(a.seq, b.seq) })
	g := newPoolFixture(t)
	for k := range 4 {
		g.trader(fmt.Sprint("c", k))
	}
	for _, e := range log {
		evs, _ := g.x.Submit(e.cmd, nil)
		require.Equal(t, e.seq, evs[0].Seq)
	}
	a, err := f.x.MarshalState()
	require.NoError(t, err)
	b, err := g.x.MarshalState()
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.NoError(t, f.x.CheckInvariants())
}

// TestPoolCapacity: Config.MaxOrdersPerMarket bounds a pool's resting
// orders too.
func TestPoolCapacity(t *testing.T) {
	d, err := catalog.SampleCement()
	require.NoError(t, err)
	f := &poolFixture{exFixture: newExFixture(t, Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport, MaxOrdersPerMarket: 2}), d: d}
	f.root, f.msk = f.category("23.51").ID, f.basis("MSK")
	f.must(Command{Kind: CmdOpenPool, Category: f.root})
	p := f.trader("p")
	f.must(f.request(p, 70_000, 1, 0))
	f.must(f.request(p, 70_000, 1, 0))
	_, err = f.submit(f.request(p, 70_000, 1, 0))
	require.ErrorIs(t, err, ErrCapacity)
}

// BenchmarkPoolIndicative measures an indicative clearing of a pool of n
// orders on the cement sample (random bases, grades and limits), under the
// pool's lock.
func BenchmarkPoolIndicative(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			d, err := catalog.SampleCement()
			require.NoError(b, err)
			f := &poolFixture{exFixture: newExFixture(b, Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport}), d: d}
			f.root, f.cem1 = f.category("23.51").ID, f.leaf("23.51.12")
			f.must(Command{Kind: CmdOpenPool, Category: f.root})
			var ps []catalog.ParticipantID
			for k := range 50 {
				ps = append(ps, f.trader(fmt.Sprint("c", k)))
			}
			var bases []catalog.BasisID
			for bs := range d.Bases.All() {
				bases = append(bases, bs.ID)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for k := range n {
				c := Command{Kind: CmdPlace, Participant: ps[rng.IntN(len(ps))], Basis: bases[rng.IntN(len(bases))], Qty: catalog.Qty(1 + rng.IntN(50)),
					Grade: catalog.Grade(1 + rng.IntN(3)), Price: catalog.Price(55_000 + 100*rng.IntN(150))}
				if k%2 == 0 {
					c.Side, c.Category = Buy, f.root
				} else {
					c.Side, c.Category = Sell, f.cem1
				}
				f.must(c)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := f.x.IndicativeClearing(f.root); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestPoolNotifiesSubscribers: a pool order notifies subscribers as a book
// order does: a subscription covering the order's category, at its basis
// or at any basis, or at one of the bases where a request takes the goods,
// gets one EventNotified; one at another basis, the poster's own and an
// unverified subscriber's get none.
func TestPoolNotifiesSubscribers(t *testing.T) {
	f := newPoolFixture(t)
	buyer, plant := f.trader("buyer"), f.trader("plant")
	anyBasis, atTula, atRyazan, atMoscow := f.trader("any"), f.trader("tula"), f.trader("ryazan"), f.trader("moscow")
	leafOnly := f.trader("leaf")
	sub := func(p catalog.ParticipantID, cat catalog.CategoryID, bases ...catalog.BasisID) SubscriptionID {
		evs := f.must(Command{Kind: CmdSubscribe, Participant: p, Category: cat, Bases: bases})
		return exOnly(evs, EventSubscribed)[0].Subscription
	}
	subAny := sub(anyBasis, f.root)
	subTula := sub(atTula, f.root, f.tul)
	subRyazan := sub(atRyazan, f.cem1, f.rzn)
	subMoscow := sub(atMoscow, f.root, f.msk)
	sub(leafOnly, f.cem1) // below a request on the group: not covering it
	sub(buyer, f.root)    // the poster's own
	sub(plant, f.root)

	type got struct {
		who catalog.ParticipantID
		sub SubscriptionID
	}
	notified := func(evs []Event) []got {
		var g []got
		for _, e := range exOnly(evs, EventNotified) {
			g = append(g, got{e.Participant, e.Subscription})
		}
		return g
	}

	// An offer of the leaf shipped from Tula.
	of := f.must(f.offer(plant, f.tul, 60_000, 100, f.m550))
	require.Equal(t, []got{{buyer, 6}, {anyBasis, subAny}, {atTula, subTula}, {leafOnly, 5}}, notified(of))
	for _, e := range exOnly(of, EventNotified) {
		require.Equal(t, of[0].OrderID, e.OrderID)
		require.Equal(t, f.cem1, e.Category)
		require.Equal(t, f.tul, e.Basis)
		require.Equal(t, Sell, e.Side)
		require.Equal(t, catalog.Price(60_000), e.Price)
		require.Equal(t, catalog.Qty(100), e.Qty)
		require.Equal(t, CmdPlace, e.Command)
	}

	// A request on the group, delivered to Moscow or taken at Ryazan: the
	// Ryazan subscription is on the leaf, below the request's group.
	rq := f.request(buyer, 70_000, 40, f.m500)
	rq.Bases, rq.LeadTime = []catalog.BasisID{f.rzn}, 7
	evs := f.must(rq)
	require.Equal(t, []got{{plant, 7}, {anyBasis, subAny}, {atMoscow, subMoscow}}, notified(evs))
	for _, e := range exOnly(evs, EventNotified) {
		require.Equal(t, []catalog.BasisID{f.rzn}, e.Bases)
		require.Equal(t, int64(7), e.LeadTime)
		require.Equal(t, f.root, e.Category)
		require.Equal(t, f.msk, e.Basis)
	}

	// A request on the leaf taken at Ryazan reaches the Ryazan subscriber
	// once, though two of its bases pass the filter of others.
	rq = Command{Kind: CmdPlace, Participant: buyer, Category: f.cem1, Side: Buy, Price: 70_000, Qty: 10,
		Bases: []catalog.BasisID{f.rzn, f.tul}}
	evs = f.must(rq)
	require.Equal(t, []got{{plant, 7}, {anyBasis, subAny}, {atTula, subTula}, {atRyazan, subRyazan}, {leafOnly, 5}}, notified(evs))

	// A suspended subscriber is told nothing.
	f.setStatus(atTula, catalog.StatusSuspended)
	evs = f.must(f.offer(plant, f.tul, 61_000, 5, f.m500))
	require.NotContains(t, notified(evs), got{atTula, subTula})
	require.NoError(t, f.x.CheckInvariants())
}

// TestPoolRootsConfig: Config.PoolRoots reaches the engine: a pool opens
// on a declared root only.
func TestPoolRootsConfig(t *testing.T) {
	d, err := catalog.SampleCement()
	require.NoError(t, err)
	group, _ := d.Taxonomy.ByCode("23.51")
	minerals, _ := d.Taxonomy.ByCode("23")
	x, err := New(Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport, PoolRoots: []catalog.CategoryID{group.ID}})
	require.NoError(t, err)
	_, err = x.Submit(Command{Kind: CmdOpenPool, Category: minerals.ID}, nil)
	require.ErrorIs(t, err, ErrPoolConflict)
	_, err = x.Submit(Command{Kind: CmdOpenPool, Category: group.ID}, nil)
	require.NoError(t, err)
}
