// Package cmdgen generates random but valid-looking command streams over
// every kind of command, for the tests of the exchange and of durable mode:
// the same stream runs through both, so their results can be compared.
// It learns order, participant, subscription and tender IDs from the
// events it observes; its output depends only on its seed and on those
// events.
package cmdgen

import (
	"fmt"
	"math/rand/v2"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/wire"
)

// INN returns the valid legal-entity INN whose first nine digits are prefix
// and n (mod 10^7, as seven digits). prefix must be two digits of a region
// (not "00").
func INN(prefix string, n int) string {
	inn, err := catalog.LegalEntityINN(fmt.Sprintf("%s%07d", prefix, n%10_000_000))
	if err != nil {
		panic(err) // a test's own constant prefix is wrong
	}
	return inn
}

type market struct {
	key  wire.MarketKey
	tick catalog.Price
	lot  catalog.Qty
}

type order struct {
	id    wire.OrderID
	owner catalog.ParticipantID
}

type tender struct {
	id      wire.TenderID
	buyer   catalog.ParticipantID
	closeAt int64
	m       int
	qty     catalog.Qty
}

// Gen generates a random but valid-looking command stream over every
// kind of command, learning order, participant, subscription and tender
// IDs from the events it observes. Its output depends only on its seed and
// on the events fed to observe, so the same stream can be run against two
// exchanges.
type Gen struct {
	r       *rand.Rand
	now     int64
	nINN    int
	markets []market
	parts   []catalog.ParticipantID
	pending []catalog.ParticipantID
	status  map[catalog.ParticipantID]catalog.Status
	live    []order
	liveAt  map[wire.OrderID]int
	subs    []engine.Subscription
	tenders []tender
	tax     *catalog.Taxonomy
}

// New returns a generator over five leaf categories of cat, two bases
// each, seeded with seed.
func New(cat *catalog.Catalog, seed uint64) *Gen {
	g := &Gen{
		r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: 1000,
		nINN: int(seed%1000) * 10_000, status: map[catalog.ParticipantID]catalog.Status{},
		liveAt: map[wire.OrderID]int{}, tax: cat.Taxonomy,
	}
	var leaves []catalog.Category
	for c := range cat.Taxonomy.All() {
		if cat.Taxonomy.IsLeaf(c.ID) && c.Tick > 0 && c.Lot > 0 {
			leaves = append(leaves, c)
		}
	}
	for i := range 5 {
		c := leaves[(int(seed)+i*7)%len(leaves)]
		for b := range 2 {
			g.markets = append(g.markets, market{key: wire.MarketKey{Category: c.ID, Basis: catalog.BasisID(1 + (i+b)%cat.Bases.Len())}, tick: c.Tick, lot: c.Lot})
		}
	}
	return g
}

// Registry is what Adopt reads of an exchange: its participants by ID.
type Registry interface {
	Participant(id catalog.ParticipantID) (catalog.Participant, bool)
}

// Adopt learns the participants of x (for a stream continued on a
// recovered exchange).
func (g *Gen) Adopt(x Registry) {
	for id := catalog.ParticipantID(1); ; id++ {
		p, ok := x.Participant(id)
		if !ok {
			return
		}
		g.parts = append(g.parts, id)
		g.status[id] = p.Status
	}
}

func (g *Gen) pct(n int) bool { return g.r.IntN(1000) < n*10 }

func (g *Gen) part() catalog.ParticipantID {
	if len(g.parts) == 0 || g.pct(1) {
		return catalog.ParticipantID(g.r.IntN(50))
	}
	return g.parts[g.r.IntN(len(g.parts))]
}

func (g *Gen) price(m *market) catalog.Price {
	return m.tick * catalog.Price(1000+g.r.IntN(21)-10)
}

func (g *Gen) qty(m *market) catalog.Qty { return m.lot * catalog.Qty(1+g.r.IntN(10)) }

// Observe learns from the events of one command.
func (g *Gen) Observe(evs []wire.Event) {
	for i := range evs {
		e := &evs[i]
		switch e.Kind {
		case wire.EventRegistered:
			g.parts = append(g.parts, e.Participant)
			g.status[e.Participant] = catalog.StatusPending
			if g.r.IntN(10) < 9 {
				g.pending = append(g.pending, e.Participant)
			}
		case wire.EventStatusChanged:
			g.status[e.Participant] = e.Status
		case wire.EventAccepted:
			g.liveAt[e.OrderID] = len(g.live)
			g.live = append(g.live, order{id: e.OrderID, owner: e.Participant})
		case wire.EventDone, wire.EventExpired:
			g.forget(e.OrderID)
		case wire.EventCancelled:
			if e.Remaining == 0 {
				g.forget(e.OrderID)
			}
		case wire.EventSubscribed:
			g.subs = append(g.subs, engine.Subscription{ID: e.Subscription, Owner: e.Participant})
		case wire.EventTenderOpened:
			g.tenders = append(g.tenders, tender{id: e.Tender, buyer: e.Participant, closeAt: e.CloseAt, qty: e.Qty, m: g.marketOf(e.Key())})
		case wire.EventTenderExtended:
			for j := range g.tenders {
				if g.tenders[j].id == e.Tender {
					g.tenders[j].closeAt = e.CloseAt
				}
			}
		}
	}
}

func (g *Gen) marketOf(k wire.MarketKey) int {
	for i := range g.markets {
		if g.markets[i].key == k {
			return i
		}
	}
	return 0
}

func (g *Gen) forget(id wire.OrderID) {
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

// Next returns the next command.
func (g *Gen) Next() wire.Command {
	g.now += int64(g.r.IntN(3))
	c := wire.Command{Time: g.now}
	if g.pct(2) {
		c.Time -= int64(g.r.IntN(20)) // late command: market clocks never go back
	}
	if len(g.pending) > 0 && g.pct(50) {
		c.Kind, c.Participant, c.Status = wire.CmdSetStatus, g.pending[0], catalog.StatusVerified
		g.pending = g.pending[1:]
		return c
	}
	mi := g.r.IntN(len(g.markets))
	m := &g.markets[mi]
	switch p := g.r.IntN(1000); {
	case p < 12 || len(g.parts) < 4:
		g.nINN++
		c.Kind, c.Name, c.INN = wire.CmdRegister, fmt.Sprintf("Company %d", g.nINN), INN("50", g.nINN)
		if g.pct(5) {
			c.INN = "1234567890"
		}
		if g.pct(10) {
			c.KPP = "773301001"
		}
	case p < 45:
		c.Kind, c.Participant = wire.CmdSetStatus, g.part()
		for range 3 {
			if g.status[c.Participant] != catalog.StatusVerified {
				break
			}
			c.Participant = g.part() // prefer reinstating: keep most traders verified
		}
		switch g.status[c.Participant] {
		case catalog.StatusVerified:
			c.Status = catalog.StatusSuspended
		default:
			c.Status = catalog.StatusVerified
		}
		if g.pct(10) {
			c.Status = catalog.Status(g.r.IntN(5))
		}
	case p < 55:
		c.Kind, c.Participant, c.Rating = wire.CmdSetRating, g.part(), uint8(g.r.IntN(110))
	case p < 63:
		c.Kind, c.Category, c.Basis, c.MarketMode = wire.CmdSetMarketMode, m.key.Category, m.key.Basis, wire.MarketCall
		if g.pct(50) {
			c.MarketMode = wire.MarketContinuous
		}
		if g.pct(3) {
			c.MarketMode = wire.MarketMode(g.r.IntN(5))
		}
	case p < 75:
		c.Kind, c.Category, c.Basis, c.RefPrice = wire.CmdUncross, m.key.Category, m.key.Basis, g.price(m)
	case p < 520:
		c.Kind, c.Participant, c.Category, c.Basis = wire.CmdPlace, g.part(), m.key.Category, m.key.Basis
		if g.pct(1) {
			c.Category = 9999
		}
		c.Side = wire.Side(1 + g.r.IntN(2))
		c.Type, c.Price, c.Qty = wire.Limit, g.price(m), g.qty(m)
		switch r := g.r.IntN(100); {
		case r < 55:
			c.TIF = wire.GTC
		case r < 75:
			c.TIF, c.ExpireAt = wire.GTD, g.now+int64(1+g.r.IntN(60))
		case r < 90:
			c.TIF = wire.IOC
		default:
			c.TIF = wire.FOK
		}
		if g.pct(6) {
			c.Type, c.Price, c.TIF, c.ExpireAt = wire.Market, 0, wire.IOC+wire.TimeInForce(g.r.IntN(2)), 0
		}
		if g.pct(20) {
			c.MinQty = catalog.Qty(1+g.r.Int64N(int64(c.Qty/m.lot))) * m.lot
		}
		if g.pct(20) {
			c.STP = wire.STP(g.r.IntN(4))
		}
		if g.pct(30) {
			c.ClientOrderID = uint64(1 + g.r.IntN(6))
		}
		if g.pct(1) {
			c.Price++ // off the tick (rejected) unless the tick is 1
		}
	case p < 700:
		c.Kind = wire.CmdCancel
		if p >= 610 {
			c.Kind = wire.CmdAmend
			c.Price, c.Qty = g.price(m), g.qty(m)
		}
		if len(g.live) == 0 || g.pct(3) {
			c.Participant = g.part()
			c.OrderID = wire.OrderID(g.r.IntN(len(g.markets)+2))<<wire.OrderMarketShift | wire.OrderID(g.r.IntN(3000))
		} else {
			o := g.live[g.r.IntN(len(g.live))]
			c.OrderID, c.Participant = o.id, o.owner
			if g.pct(5) {
				c.Participant = g.part()
			}
		}
	case p < 740:
		c.Kind, c.Category, c.Basis = wire.CmdExpire, m.key.Category, m.key.Basis
		c.Time += int64(g.r.IntN(30))
	case p < 750:
		c.Kind = wire.CmdExpire
	case p < 780:
		c.Kind, c.Participant, c.Category = wire.CmdSubscribe, g.part(), m.key.Category
		if g.pct(50) {
			if cat, ok := g.parent(m.key.Category); ok {
				c.Category = cat
			}
		}
		if g.pct(40) {
			c.Bases = []catalog.BasisID{m.key.Basis, catalog.BasisID(1 + g.r.IntN(5))}
		}
		if g.pct(30) {
			c.MinQty, c.MaxQty = m.lot, m.lot*catalog.Qty(g.r.IntN(12))
		}
	case p < 795:
		c.Kind, c.Participant = wire.CmdUnsubscribe, g.part()
		if len(g.subs) > 0 {
			s := g.subs[g.r.IntN(len(g.subs))]
			c.Subscription = s.ID
			if g.pct(90) {
				c.Participant = s.Owner
			}
		}
	case p < 800:
		c.Kind, c.Participant = wire.CmdListSubscriptions, g.part()
	case p < 830:
		c.Kind, c.Participant, c.Category, c.Basis = wire.CmdOpenTender, g.part(), m.key.Category, m.key.Basis
		c.Qty = m.lot * catalog.Qty(1+g.r.IntN(20))
		if g.pct(50) {
			c.Price = m.tick * 1005
		}
		c.CloseAt = g.now + int64(30+g.r.IntN(150))
		if g.pct(30) {
			c.OpenAt = g.now + int64(g.r.IntN(5))
		}
		c.TenderMode, c.Evaluation = wire.TenderSealed, wire.EvalLowestPrice
		if g.pct(50) {
			c.TenderMode, c.Decrement, c.Extension = wire.TenderAuction, m.tick, int64(g.r.IntN(4))
		}
		if g.pct(50) {
			c.Evaluation, c.WeightPrice, c.WeightLeadTime, c.WeightRating = wire.EvalWeighted, 5000, 3000, 2000
		}
		c.MinWinners, c.MaxWinners = uint16(g.r.IntN(3)), uint16(g.r.IntN(4))
		c.SubscribersOnly = g.pct(20)
	case p < 930:
		c.Kind, c.Participant = wire.CmdBid, g.part()
		if len(g.tenders) > 0 {
			t := g.tenders[max(0, len(g.tenders)-1-g.r.IntN(4))]
			tm := &g.markets[t.m]
			c.Tender = t.id
			c.Price = tm.tick * catalog.Price(990+g.r.IntN(20))
			c.Qty = tm.lot * catalog.Qty(1+g.r.Int64N(int64(max(t.qty/tm.lot, 1))))
			c.LeadTime = int64(1 + g.r.IntN(10))
		}
	case p < 975:
		c.Kind = wire.CmdCloseTender
		if len(g.tenders) > 0 {
			t := g.tenders[max(0, len(g.tenders)-1-g.r.IntN(6))]
			c.Tender = t.id
			if g.pct(70) {
				c.Participant = t.buyer
			}
			if g.pct(70) && t.closeAt > c.Time {
				c.Time = t.closeAt
			}
		}
	case p < 990:
		c.Kind = wire.CmdCancelTender
		if len(g.tenders) > 0 {
			t := g.tenders[g.r.IntN(len(g.tenders))]
			c.Tender, c.Participant = t.id, t.buyer
		}
	default:
		c.Kind = wire.CommandKind(g.r.IntN(2)) * (wire.MaxCommandKind + 1 + wire.CommandKind(g.r.IntN(5)))
		c.Participant = g.part()
	}
	if c.Time > g.now {
		g.now = c.Time
	}
	return c
}

// parent returns a category's parent, for subtree subscriptions.
func (g *Gen) parent(id catalog.CategoryID) (catalog.CategoryID, bool) {
	c, ok := g.tax.ByID(id)
	return c.Parent, ok && c.Parent != 0
}
