package durable_test

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	. "github.com/agora-exchange/agora/matching"
)

// The command generator and fixtures of these tests follow those of
// package matching's tests, so that the same streams run through both.

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

// duINN returns a valid 10-digit INN derived from n (prefix "50").
func duINN(n int) string { return innOf("50", n) }

type duMarket struct {
	key  MarketKey
	tick catalog.Price
	lot  catalog.Qty
}

type duOrder struct {
	id    OrderID
	owner catalog.ParticipantID
}

type duTender struct {
	id      TenderID
	buyer   catalog.ParticipantID
	closeAt int64
	m       int
	qty     catalog.Qty
}

// duGen generates a random but valid-looking command stream over every
// kind of command, learning order, participant, subscription and tender
// IDs from the events it observes. Its output depends only on its seed and
// on the events fed to observe, so the same stream can be run against two
// exchanges.
type duGen struct {
	r       *rand.Rand
	now     int64
	nINN    int
	markets []duMarket
	parts   []catalog.ParticipantID
	pending []catalog.ParticipantID
	status  map[catalog.ParticipantID]catalog.Status
	live    []duOrder
	liveAt  map[OrderID]int
	subs    []Subscription
	tenders []duTender
	tax     *catalog.Taxonomy
}

func newDuGen(cat *catalog.Catalog, seed uint64) *duGen {
	g := &duGen{
		r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: 1000,
		nINN: int(seed%1000) * 10_000, status: map[catalog.ParticipantID]catalog.Status{},
		liveAt: map[OrderID]int{}, tax: cat.Taxonomy,
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
			g.markets = append(g.markets, duMarket{key: MarketKey{Category: c.ID, Basis: catalog.BasisID(1 + (i+b)%cat.Bases.Len())}, tick: c.Tick, lot: c.Lot})
		}
	}
	return g
}

// adopt learns the participants of x (for a stream continued on a
// recovered exchange).
func (g *duGen) adopt(x *Exchange) {
	for id := catalog.ParticipantID(1); ; id++ {
		p, ok := x.Participant(id)
		if !ok {
			return
		}
		g.parts = append(g.parts, id)
		g.status[id] = p.Status
	}
}

func (g *duGen) pct(n int) bool { return g.r.IntN(1000) < n*10 }

func (g *duGen) part() catalog.ParticipantID {
	if len(g.parts) == 0 || g.pct(1) {
		return catalog.ParticipantID(g.r.IntN(50))
	}
	return g.parts[g.r.IntN(len(g.parts))]
}

func (g *duGen) price(m *duMarket) catalog.Price {
	return m.tick * catalog.Price(1000+g.r.IntN(21)-10)
}

func (g *duGen) qty(m *duMarket) catalog.Qty { return m.lot * catalog.Qty(1+g.r.IntN(10)) }

// observe learns from the events of one command.
func (g *duGen) observe(evs []Event) {
	for i := range evs {
		e := &evs[i]
		switch e.Kind {
		case EventRegistered:
			g.parts = append(g.parts, e.Participant)
			g.status[e.Participant] = catalog.StatusPending
			if g.r.IntN(10) < 9 {
				g.pending = append(g.pending, e.Participant)
			}
		case EventStatusChanged:
			g.status[e.Participant] = e.Status
		case EventAccepted:
			g.liveAt[e.OrderID] = len(g.live)
			g.live = append(g.live, duOrder{id: e.OrderID, owner: e.Participant})
		case EventDone, EventExpired:
			g.forget(e.OrderID)
		case EventCancelled:
			if e.Remaining == 0 {
				g.forget(e.OrderID)
			}
		case EventSubscribed:
			g.subs = append(g.subs, Subscription{ID: e.Subscription, Owner: e.Participant})
		case EventTenderOpened:
			g.tenders = append(g.tenders, duTender{id: e.Tender, buyer: e.Participant, closeAt: e.CloseAt, qty: e.Qty, m: g.marketOf(e.Key())})
		case EventTenderExtended:
			for j := range g.tenders {
				if g.tenders[j].id == e.Tender {
					g.tenders[j].closeAt = e.CloseAt
				}
			}
		}
	}
}

func (g *duGen) marketOf(k MarketKey) int {
	for i := range g.markets {
		if g.markets[i].key == k {
			return i
		}
	}
	return 0
}

func (g *duGen) forget(id OrderID) {
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

// next returns the next command.
func (g *duGen) next() Command {
	g.now += int64(g.r.IntN(3))
	c := Command{Time: g.now}
	if g.pct(2) {
		c.Time -= int64(g.r.IntN(20)) // late command: market clocks never go back
	}
	if len(g.pending) > 0 && g.pct(50) {
		c.Kind, c.Participant, c.Status = CmdSetStatus, g.pending[0], catalog.StatusVerified
		g.pending = g.pending[1:]
		return c
	}
	mi := g.r.IntN(len(g.markets))
	m := &g.markets[mi]
	switch p := g.r.IntN(1000); {
	case p < 12 || len(g.parts) < 4:
		g.nINN++
		c.Kind, c.Name, c.INN = CmdRegister, fmt.Sprintf("Company %d", g.nINN), duINN(g.nINN)
		if g.pct(5) {
			c.INN = "1234567890"
		}
		if g.pct(10) {
			c.KPP = "773301001"
		}
	case p < 45:
		c.Kind, c.Participant = CmdSetStatus, g.part()
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
		c.Kind, c.Participant, c.Rating = CmdSetRating, g.part(), uint8(g.r.IntN(110))
	case p < 63:
		c.Kind, c.Category, c.Basis, c.MarketMode = CmdSetMarketMode, m.key.Category, m.key.Basis, MarketCall
		if g.pct(50) {
			c.MarketMode = MarketContinuous
		}
		if g.pct(3) {
			c.MarketMode = MarketMode(g.r.IntN(5))
		}
	case p < 75:
		c.Kind, c.Category, c.Basis, c.RefPrice = CmdUncross, m.key.Category, m.key.Basis, g.price(m)
	case p < 520:
		c.Kind, c.Participant, c.Category, c.Basis = CmdPlace, g.part(), m.key.Category, m.key.Basis
		if g.pct(1) {
			c.Category = 9999
		}
		c.Side = Side(1 + g.r.IntN(2))
		c.Type, c.Price, c.Qty = Limit, g.price(m), g.qty(m)
		switch r := g.r.IntN(100); {
		case r < 55:
			c.TIF = GTC
		case r < 75:
			c.TIF, c.ExpireAt = GTD, g.now+int64(1+g.r.IntN(60))
		case r < 90:
			c.TIF = IOC
		default:
			c.TIF = FOK
		}
		if g.pct(6) {
			c.Type, c.Price, c.TIF, c.ExpireAt = Market, 0, IOC+TimeInForce(g.r.IntN(2)), 0
		}
		if g.pct(20) {
			c.MinQty = catalog.Qty(1+g.r.Int64N(int64(c.Qty/m.lot))) * m.lot
		}
		if g.pct(20) {
			c.STP = STP(g.r.IntN(4))
		}
		if g.pct(30) {
			c.ClientOrderID = uint64(1 + g.r.IntN(6))
		}
		if g.pct(1) {
			c.Price++ // off the tick (rejected) unless the tick is 1
		}
	case p < 700:
		c.Kind = CmdCancel
		if p >= 610 {
			c.Kind = CmdAmend
			c.Price, c.Qty = g.price(m), g.qty(m)
		}
		if len(g.live) == 0 || g.pct(3) {
			c.Participant = g.part()
			c.OrderID = OrderID(g.r.IntN(len(g.markets)+2))<<OrderMarketShift | OrderID(g.r.IntN(3000))
		} else {
			o := g.live[g.r.IntN(len(g.live))]
			c.OrderID, c.Participant = o.id, o.owner
			if g.pct(5) {
				c.Participant = g.part()
			}
		}
	case p < 740:
		c.Kind, c.Category, c.Basis = CmdExpire, m.key.Category, m.key.Basis
		c.Time += int64(g.r.IntN(30))
	case p < 750:
		c.Kind = CmdExpire
	case p < 780:
		c.Kind, c.Participant, c.Category = CmdSubscribe, g.part(), m.key.Category
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
		c.Kind, c.Participant = CmdUnsubscribe, g.part()
		if len(g.subs) > 0 {
			s := g.subs[g.r.IntN(len(g.subs))]
			c.Subscription = s.ID
			if g.pct(90) {
				c.Participant = s.Owner
			}
		}
	case p < 800:
		c.Kind, c.Participant = CmdListSubscriptions, g.part()
	case p < 830:
		c.Kind, c.Participant, c.Category, c.Basis = CmdOpenTender, g.part(), m.key.Category, m.key.Basis
		c.Qty = m.lot * catalog.Qty(1+g.r.IntN(20))
		if g.pct(50) {
			c.Price = m.tick * 1005
		}
		c.CloseAt = g.now + int64(30+g.r.IntN(150))
		if g.pct(30) {
			c.OpenAt = g.now + int64(g.r.IntN(5))
		}
		c.TenderMode, c.Evaluation = TenderSealed, EvalLowestPrice
		if g.pct(50) {
			c.TenderMode, c.Decrement, c.Extension = TenderAuction, m.tick, int64(g.r.IntN(4))
		}
		if g.pct(50) {
			c.Evaluation, c.WeightPrice, c.WeightLeadTime, c.WeightRating = EvalWeighted, 5000, 3000, 2000
		}
		c.MinWinners, c.MaxWinners = uint16(g.r.IntN(3)), uint16(g.r.IntN(4))
		c.SubscribersOnly = g.pct(20)
	case p < 930:
		c.Kind, c.Participant = CmdBid, g.part()
		if len(g.tenders) > 0 {
			t := g.tenders[max(0, len(g.tenders)-1-g.r.IntN(4))]
			tm := &g.markets[t.m]
			c.Tender = t.id
			c.Price = tm.tick * catalog.Price(990+g.r.IntN(20))
			c.Qty = tm.lot * catalog.Qty(1+g.r.Int64N(int64(max(t.qty/tm.lot, 1))))
			c.LeadTime = int64(1 + g.r.IntN(10))
		}
	case p < 975:
		c.Kind = CmdCloseTender
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
		c.Kind = CmdCancelTender
		if len(g.tenders) > 0 {
			t := g.tenders[g.r.IntN(len(g.tenders))]
			c.Tender, c.Participant = t.id, t.buyer
		}
	default:
		c.Kind = CommandKind(g.r.IntN(2)) * (MaxCommandKind + 1 + CommandKind(g.r.IntN(5)))
		c.Participant = g.part()
	}
	if c.Time > g.now {
		g.now = c.Time
	}
	return c
}

// parent returns a category's parent, for subtree subscriptions.
func (g *duGen) parent(id catalog.CategoryID) (catalog.CategoryID, bool) {
	c, ok := g.tax.ByID(id)
	return c.Parent, ok && c.Parent != 0
}

// duDrive runs n generated commands on x and returns them.
func duDrive(t testing.TB, x *Exchange, g *duGen, n int) []Command {
	t.Helper()
	cmds := make([]Command, 0, n)
	var evs []Event
	for range n {
		c := g.next()
		evs, _ = x.Submit(c, evs[:0])
		g.observe(evs)
		cmds = append(cmds, c)
	}
	return cmds
}

func duMarshal(t testing.TB, x *Exchange) []byte {
	t.Helper()
	b, err := x.MarshalState()
	require.NoError(t, err)
	return b
}

// duFixCRC recomputes the trailing checksum of a state encoding.
func duFixCRC(b []byte) {
	if len(b) < 4 {
		return
	}
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crc32.MakeTable(crc32.Castagnoli)))
}
