package cluster

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/wire"
)

// gen generates random commands over the sample catalog: registrations,
// moderation, ratings and subscriptions (global), and places, cancels and
// amends on a few markets. Client order IDs are unique across the run, so
// an order is named by it in every layout.
type gen struct {
	r       *rand.Rand
	markets []wire.MarketKey
	parts   []catalog.ParticipantID
	orders  []placed // orders that may rest
	nextCID uint64
	nINN    int
}

type placed struct {
	p   catalog.ParticipantID
	cid uint64
	id  wire.OrderID
}

func newGen(t testing.TB, seed uint64, nMarkets int) *gen {
	cat, err := catalog.Sample()
	require.NoError(t, err)
	g := &gen{r: rand.New(rand.NewPCG(seed, 7))}
	var leaves []catalog.CategoryID
	for id := catalog.CategoryID(1); id < 200 && len(leaves) < 4; id++ {
		if _, err := cat.Taxonomy.Tradable(id); err == nil {
			leaves = append(leaves, id)
		}
	}
	var bases []catalog.BasisID
	for id := catalog.BasisID(1); id < 20; id++ {
		if _, ok := cat.Bases.ByID(id); ok {
			bases = append(bases, id)
		}
	}
	require.NotEmpty(t, leaves)
	require.NotEmpty(t, bases)
	for _, c := range leaves {
		for _, b := range bases {
			if len(g.markets) < nMarkets {
				g.markets = append(g.markets, wire.MarketKey{Category: c, Basis: b})
			}
		}
	}
	return g
}

func (g *gen) inn() string {
	g.nINN++
	inn, err := catalog.LegalEntityINN(fmt.Sprintf("77%07d", g.nINN))
	if err != nil {
		panic(err)
	}
	return inn
}

// next returns the next command. learn must be called with its events.
func (g *gen) next() wire.Command {
	switch x := g.r.IntN(100); {
	case len(g.parts) < 2 || x < 5:
		return wire.Command{Kind: wire.CmdRegister, Name: fmt.Sprintf("Company %d", g.nINN+1), INN: g.inn()}
	case x < 12:
		st := catalog.Status(2)
		if g.r.IntN(6) == 0 {
			st = 3
		}
		return wire.Command{Kind: wire.CmdSetStatus, Participant: g.parts[g.r.IntN(len(g.parts))], Status: st}
	case x < 15:
		m := g.markets[g.r.IntN(len(g.markets))]
		return wire.Command{Kind: wire.CmdSubscribe, Participant: g.parts[g.r.IntN(len(g.parts))], Category: m.Category}
	case x < 17:
		return wire.Command{Kind: wire.CmdSetRating, Participant: g.parts[g.r.IntN(len(g.parts))], Rating: uint8(g.r.IntN(5) + 1)}
	case x < 27 && len(g.orders) > 0:
		o := g.orders[g.r.IntN(len(g.orders))]
		return wire.Command{Kind: wire.CmdCancel, Participant: o.p, OrderID: o.id}
	case x < 32 && len(g.orders) > 0:
		o := g.orders[g.r.IntN(len(g.orders))]
		return wire.Command{Kind: wire.CmdAmend, Participant: o.p, OrderID: o.id, Price: catalog.Price(90+g.r.IntN(21)) * 10_000, Qty: catalog.Qty(1 + g.r.IntN(5))}
	}
	m := g.markets[g.r.IntN(len(g.markets))]
	g.nextCID++
	side := wire.Buy
	if g.r.IntN(2) == 0 {
		side = wire.Sell
	}
	return wire.Command{Kind: wire.CmdPlace, Participant: g.parts[g.r.IntN(len(g.parts))], Category: m.Category, Basis: m.Basis,
		ClientOrderID: g.nextCID, Side: side, Type: wire.Limit, TIF: wire.GTC,
		Price: catalog.Price(90+g.r.IntN(21)) * 10_000, Qty: catalog.Qty(1 + g.r.IntN(10))}
}

func (g *gen) learn(cmd wire.Command, evs []wire.Event) {
	for _, ev := range evs {
		switch {
		case ev.Kind == wire.EventRegistered:
			g.parts = append(g.parts, ev.Participant)
		case ev.Kind == wire.EventAccepted && cmd.Kind == wire.CmdPlace:
			g.orders = append(g.orders, placed{p: ev.Participant, cid: ev.ClientOrderID, id: ev.OrderID})
		}
	}
	if len(g.orders) > 200 {
		g.orders = g.orders[100:]
	}
}

// encodeEvents is the events' byte image, to compare outputs.
func encodeEvents(evs []wire.Event) []byte {
	var b []byte
	for i := range evs {
		b = wire.AppendEvent(b, &evs[i])
	}
	return b
}
