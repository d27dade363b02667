package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// Bounds of the command language, as the tests iterate them.
const (
	marketShift = OrderMarketShift
	cmdEnd      = MaxCommandKind + 1
	eventEnd    = MaxEventKind + 1
	reasonEnd   = MaxRejectReason + 1
)

// exINN returns a valid 10-digit legal-entity INN derived from n: the prefix
// "77" and n as seven digits, followed by the official check digit.
func exINN(n int) string { return innOf("77", n) }

// innOf returns the valid legal-entity INN whose first nine digits are
// prefix and n (mod 10^7, as seven digits).
func innOf(prefix string, n int) string {
	inn, err := catalog.LegalEntityINN(fmt.Sprintf("%s%07d", prefix, n%10_000_000))
	if err != nil {
		panic(err)
	}
	return inn
}

// exFixture is an exchange on the sample catalog with a reusable event
// buffer and a clock that the helpers advance by one per command.
type exFixture struct {
	t    testing.TB
	x    *Exchange
	cat  *catalog.Catalog
	now  int64
	nINN int
	dst  []Event
}

func newExFixture(t testing.TB, cfg Config) *exFixture {
	t.Helper()
	x, err := New(cfg)
	require.NoError(t, err)
	return &exFixture{t: t, x: x, cat: x.Catalog(), now: 1000}
}

// leaf returns the ID of tradable category code.
func (f *exFixture) leaf(code string) catalog.CategoryID {
	f.t.Helper()
	c, ok := f.cat.Taxonomy.ByCode(code)
	require.True(f.t, ok, "category %s", code)
	return c.ID
}

// category returns category code.
func (f *exFixture) category(code string) catalog.Category {
	f.t.Helper()
	c, ok := f.cat.Taxonomy.ByCode(code)
	require.True(f.t, ok, "category %s", code)
	return c
}

// basis returns the ID of basis code.
func (f *exFixture) basis(code string) catalog.BasisID {
	f.t.Helper()
	b, ok := f.cat.Bases.ByCode(code)
	require.True(f.t, ok, "basis %s", code)
	return b.ID
}

// key returns the market of category code at basis code.
func (f *exFixture) key(cat, basis string) MarketKey {
	return MarketKey{Category: f.leaf(cat), Basis: f.basis(basis)}
}

// submit runs cmd at the fixture's current time unless cmd.Time is set,
// and returns a copy of its events.
func (f *exFixture) submit(cmd Command) ([]Event, error) {
	f.t.Helper()
	if cmd.Time == 0 {
		cmd.Time = f.now
	}
	var err error
	f.dst, err = f.x.Submit(cmd, f.dst[:0])
	return append([]Event(nil), f.dst...), err
}

// must runs cmd and fails the test if it is rejected.
func (f *exFixture) must(cmd Command) []Event {
	f.t.Helper()
	evs, err := f.submit(cmd)
	require.NoError(f.t, err, "%+v", cmd)
	return evs
}

// register registers a company and returns its ID (pending).
func (f *exFixture) register(name string) catalog.ParticipantID {
	f.t.Helper()
	f.nINN++
	evs := f.must(Command{Kind: CmdRegister, Name: name, INN: exINN(f.nINN)})
	require.Len(f.t, evs, 1)
	require.Equal(f.t, EventRegistered, evs[0].Kind)
	return evs[0].Participant
}

// setStatus moves p to st.
func (f *exFixture) setStatus(p catalog.ParticipantID, st catalog.Status) []Event {
	f.t.Helper()
	return f.must(Command{Kind: CmdSetStatus, Participant: p, Status: st})
}

// trader registers and verifies a company.
func (f *exFixture) trader(name string) catalog.ParticipantID {
	f.t.Helper()
	p := f.register(name)
	f.setStatus(p, catalog.StatusVerified)
	return p
}

// limit returns a GTC limit order command.
func exLimit(p catalog.ParticipantID, k MarketKey, side Side, price catalog.Price, qty catalog.Qty) Command {
	return Command{
		Kind: CmdPlace, Participant: p, Category: k.Category, Basis: k.Basis,
		Side: side, Type: Limit, TIF: GTC, Price: price, Qty: qty,
	}
}

// place places a GTC limit order and returns its ID and events.
func (f *exFixture) place(p catalog.ParticipantID, k MarketKey, side Side, price catalog.Price, qty catalog.Qty) (OrderID, []Event) {
	f.t.Helper()
	evs := f.must(exLimit(p, k, side, price, qty))
	require.Equal(f.t, EventAccepted, evs[0].Kind)
	return evs[0].OrderID, evs
}

// exKinds lists the kinds of evs.
func exKinds(evs []Event) []EventKind {
	out := make([]EventKind, len(evs))
	for i := range evs {
		out[i] = evs[i].Kind
	}
	return out
}

// exOnly returns the events of kind k.
func exOnly(evs []Event, k EventKind) []Event {
	var out []Event
	for _, e := range evs {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// exBook is one market's observable state.
type exBook struct {
	Key    MarketKey
	Bids   []Level
	Asks   []Level
	Orders []OrderInfo // bids best first, then asks best first; FIFO within a level
}

// exState is the observable state of an exchange apart from its sequence
// number and counters.
type exState struct {
	Markets      []MarketKey
	Books        []exBook
	Participants []catalog.Participant
}

// exSnapshot reads the whole observable state of x through its public
// queries, and checks that Order agrees with the per-level iteration.
func exSnapshot(t testing.TB, x *Exchange) exState {
	t.Helper()
	s := exState{Markets: x.Markets()}
	for _, k := range s.Markets {
		b := exBook{Key: k}
		b.Bids = x.Depth(k, Buy, math.MaxInt, nil)
		b.Asks = x.Depth(k, Sell, math.MaxInt, nil)
		for _, side := range [2]Side{Buy, Sell} {
			lvls := b.Bids
			if side == Sell {
				lvls = b.Asks
			}
			for _, lv := range lvls {
				at := x.OrdersAt(k, side, lv.Price, nil)
				require.Len(t, at, lv.Orders, "market %v %v level %d", k, side, lv.Price)
				var sum catalog.Qty
				for _, o := range at {
					sum += o.Qty
					got, ok := x.Order(o.ID)
					require.True(t, ok, "order %d listed at a level but unknown to Order", o.ID)
					require.Equal(t, o, got)
					mk, ok := x.MarketOf(o.ID)
					require.True(t, ok)
					require.Equal(t, k, mk)
				}
				require.Equal(t, lv.Qty, sum, "market %v %v level %d total", k, side, lv.Price)
				b.Orders = append(b.Orders, at...)
			}
		}
		s.Books = append(s.Books, b)
	}
	for id := catalog.ParticipantID(1); ; id++ {
		p, ok := x.Participant(id)
		if !ok {
			break
		}
		s.Participants = append(s.Participants, p)
	}
	return s
}

// exRequireRejected checks that evs is exactly one rejection for reason and
// that err matches it.
func exRequireRejected(t testing.TB, evs []Event, err error, reason RejectReason, cmd Command, seq uint64) {
	t.Helper()
	want := reason.Err()
	require.NotNil(t, want, "reason %d has no sentinel", reason)
	require.ErrorIs(t, err, want)
	require.Len(t, evs, 1, "events: %+v", evs)
	e := evs[0]
	require.Equal(t, EventRejected, e.Kind)
	require.Equal(t, reason, e.Reject, "got %v, want %v", e.Reject, reason)
	require.ErrorIs(t, e.Err(), want)
	require.Equal(t, seq, e.Seq)
	require.Equal(t, cmd.Kind, e.Command)
	require.Equal(t, cmd.Participant, e.Participant)
	require.Equal(t, cmd.OrderID, e.OrderID)
	require.Equal(t, cmd.ClientOrderID, e.ClientOrderID)
}

// exMarket is a market used by the generated scripts.
type exMarket struct {
	key  MarketKey
	cat  catalog.Category
	mid  catalog.Price
	open bool
}

// exLive is an order the generator may cancel or amend.
type exLive struct {
	id    OrderID
	owner catalog.ParticipantID
	m     int
}

// exGen generates a seeded stream of commands, valid and invalid, over a
// few markets and participants. It learns order IDs and statuses only from
// the events it is shown, so the stream is a function of the seed and the
// exchange's (deterministic) answers.
type exGen struct {
	f       *exFixture
	r       *rand.Rand
	now     int64
	parts   []catalog.ParticipantID // the last one stays pending
	status  map[catalog.ParticipantID]catalog.Status
	markets []exMarket
	live    []exLive
	liveAt  map[OrderID]int
	setup   []Command
	// restingMinQty lets resting (GTC, GTD) orders carry a MinQty.
	restingMinQty bool
}

// exMarketSpecs are the sample markets the generator trades on, with a mid
// price in kopecks.
var exMarketSpecs = []struct {
	cat, basis string
	mid        catalog.Price
}{
	{"23.51.12", "MSK", 500_000},       // cement: tick 100, lot 1
	{"24.10.62.110", "MSK", 7_000_000}, // rebar: tick 100, lot 20
	{"19.20.21.110", "SPB", 5_000},     // petrol: tick 1, lot 1000
	{"52.10.19", "KZN", 100},           // warehousing: tick 1, lot 1
	{"23.51.12", "SPB", 510_000},
	{"19.20.21.310", "EKB", 6_000_000}, // diesel: tick 100, lot 60
}

// newExGen registers nParts companies (all verified but the last) through
// f and prepares nMarkets markets.
func newExGen(f *exFixture, seed uint64, nParts, nMarkets int) *exGen {
	g := &exGen{
		f: f, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: 1000,
		status: map[catalog.ParticipantID]catalog.Status{}, liveAt: map[OrderID]int{},
	}
	for i := range nParts {
		c := Command{Kind: CmdRegister, Time: g.now, Name: fmt.Sprintf("Company %d LLC", i+1), INN: exINN(1000 + i)}
		evs := g.do(c)
		p := evs[0].Participant
		g.parts = append(g.parts, p)
		if i < nParts-1 {
			g.do(Command{Kind: CmdSetStatus, Time: g.now, Participant: p, Status: catalog.StatusVerified})
		}
	}
	for _, s := range exMarketSpecs[:nMarkets] {
		g.markets = append(g.markets, exMarket{key: f.key(s.cat, s.basis), cat: f.category(s.cat), mid: s.mid})
	}
	return g
}

func (g *exGen) do(c Command) []Event {
	g.f.t.Helper()
	evs := g.f.must(c)
	g.observe(c, evs)
	g.setup = append(g.setup, c)
	return evs
}

// observe learns from the events of c.
func (g *exGen) observe(c Command, evs []Event) {
	for _, e := range evs {
		switch e.Kind {
		case EventRegistered, EventStatusChanged:
			g.status[e.Participant] = e.Status
		case EventAccepted:
			for i := range g.markets {
				if g.markets[i].key == e.Key() {
					g.markets[i].open = true
					g.liveAt[e.OrderID] = len(g.live)
					g.live = append(g.live, exLive{id: e.OrderID, owner: e.Participant, m: i})
				}
			}
		case EventDone, EventExpired:
			g.forget(e.OrderID)
		case EventCancelled:
			if e.Remaining == 0 {
				g.forget(e.OrderID)
			}
		}
	}
}

func (g *exGen) forget(id OrderID) {
	i, ok := g.liveAt[id]
	if !ok {
		return
	}
	last := len(g.live) - 1
	g.live[i] = g.live[last]
	g.liveAt[g.live[i].id] = i
	g.live = g.live[:last]
	delete(g.liveAt, id)
}

func (g *exGen) pct(n int) bool { return g.r.IntN(100) < n }

// trader picks a participant: usually a tradeable one.
func (g *exGen) trader() catalog.ParticipantID {
	if g.pct(3) {
		switch g.r.IntN(3) {
		case 0:
			return 999
		case 1:
			return g.parts[len(g.parts)-1] // pending
		}
	}
	return g.parts[g.r.IntN(len(g.parts)-1)]
}

func (g *exGen) price(m *exMarket) catalog.Price {
	p := m.mid + catalog.Price(g.r.IntN(13)-6)*m.cat.Tick
	if g.pct(2) && m.cat.Tick > 1 {
		p++ // off the tick
	}
	return max(p, m.cat.Tick)
}

func (g *exGen) qty(m *exMarket) catalog.Qty {
	q := catalog.Qty(1+g.r.IntN(20)) * m.cat.Lot
	switch {
	case g.pct(1):
		return 0
	case g.pct(1) && m.cat.Lot > 1:
		return q + 1
	}
	return q
}

// next returns the next command.
func (g *exGen) next() Command {
	g.now += int64(g.r.IntN(3))
	c := Command{Time: g.now}
	m := &g.markets[g.r.IntN(len(g.markets))]
	switch p := g.r.IntN(1000); {
	case p < 560:
		c.Kind, c.Participant, c.Category, c.Basis = CmdPlace, g.trader(), m.key.Category, m.key.Basis
		switch {
		case g.pct(1):
			c.Category = 9999
		case g.pct(1):
			c.Basis = 999
		}
		c.Side = Side(1 + g.r.IntN(2))
		c.Type, c.Price = Limit, g.price(m)
		switch r := g.r.IntN(100); {
		case r < 55:
			c.TIF = GTC
		case r < 75:
			c.TIF, c.ExpireAt = GTD, g.now+int64(g.r.IntN(60))
		case r < 90:
			c.TIF = IOC
		default:
			c.TIF = FOK
		}
		if g.pct(8) {
			c.Type, c.Price, c.TIF, c.ExpireAt = Market, 0, IOC+TimeInForce(g.r.IntN(2)), 0
		}
		c.Qty = g.qty(m)
		if g.pct(25) && c.Qty >= m.cat.Lot && (g.restingMinQty || c.TIF == IOC || c.TIF == FOK) {
			c.MinQty = catalog.Qty(1+g.r.Int64N(int64(c.Qty/m.cat.Lot))) * m.cat.Lot
		}
		if g.pct(20) {
			c.STP = STP(g.r.IntN(4))
		}
		if g.pct(20) {
			c.ClientOrderID = uint64(1 + g.r.IntN(4))
		}
	case p < 760, p < 900:
		c.Kind = CmdCancel
		if p >= 760 {
			c.Kind = CmdAmend
		}
		if len(g.live) == 0 || g.pct(3) {
			c.Participant = g.trader()
			c.OrderID = OrderID(g.r.IntN(len(g.markets)+2))<<marketShift | OrderID(g.r.IntN(5000))
		} else {
			o := g.live[g.r.IntN(len(g.live))]
			c.OrderID, c.Participant = o.id, o.owner
			if g.pct(5) {
				c.Participant = g.trader()
			}
			m = &g.markets[o.m]
		}
		if c.Kind == CmdAmend {
			c.Qty = g.qty(m)
			c.Price = g.price(m)
			if info, ok := g.f.x.Order(c.OrderID); ok && g.pct(40) {
				c.Price = info.Price
				if g.pct(50) && info.Qty > m.cat.Lot {
					c.Qty = info.Qty - m.cat.Lot
				}
			}
		}
	case p < 930:
		c.Kind, c.Category, c.Basis = CmdExpire, m.key.Category, m.key.Basis
	case p < 940:
		c.Kind = CmdExpire
	case p < 950:
		c.Kind = CmdSetStatus
		c.Participant = g.parts[g.r.IntN(len(g.parts)-1)]
		c.Status = catalog.StatusSuspended
		if g.status[c.Participant] == catalog.StatusSuspended {
			c.Status = catalog.StatusVerified
		}
		if g.pct(10) {
			c.Status = catalog.Status(g.r.IntN(5))
		}
	case p < 955:
		c.Kind = CommandKind(g.r.IntN(2)) * (cmdEnd + CommandKind(g.r.IntN(5)))
		c.Participant = g.trader()
	case p < 960:
		c.Kind, c.Name, c.INN = CmdRegister, "Late LLC", exINN(1000+g.r.IntN(len(g.parts)+3))
	default:
		// Reinstate anyone suspended, so that trading goes on.
		for _, p := range g.parts[:len(g.parts)-1] {
			if g.status[p] == catalog.StatusSuspended {
				return Command{Kind: CmdSetStatus, Time: g.now, Participant: p, Status: catalog.StatusVerified}
			}
		}
		return g.next()
	}
	return c
}
