package matching

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// auFix is a market of M500 cement at MSK in call mode with traders.
type auFix struct {
	*prFix
	key   MarketKey
	users []catalog.ParticipantID
}

func newAuFix(t testing.TB, traders int) *auFix {
	f := &auFix{prFix: newPrFix(t)}
	f.key = MarketKey{Category: f.cid("23.51.12"), Basis: f.bid("MSK")}
	for range traders {
		f.users = append(f.users, f.trader("T"))
	}
	evs := f.must(Command{Kind: CmdSetMarketMode, Category: f.key.Category, Basis: f.key.Basis, MarketMode: MarketCall})
	require.Equal(t, EventMarketMode, evs[0].Kind)
	require.Equal(t, MarketCall, evs[0].MarketMode)
	require.Equal(t, MarketCall, f.x.Mode(f.key))
	return f
}

// order places a GTC limit order with client order ID tag and returns its
// ID; in call mode it never trades.
func (f *auFix) order(p catalog.ParticipantID, side Side, price catalog.Price, qty catalog.Qty, tag uint64) OrderID {
	f.t.Helper()
	cmd := prLimit(p, f.key.Category, f.key.Basis, side, price, qty)
	cmd.ClientOrderID = tag
	evs := f.must(cmd)
	require.Equal(f.t, EventAccepted, evs[0].Kind)
	require.Empty(f.t, prOnly(evs, EventFill), "call mode never matches on entry")
	return evs[0].OrderID
}

func (f *auFix) uncross(ref catalog.Price) []Event {
	f.t.Helper()
	return f.must(Command{Kind: CmdUncross, Category: f.key.Category, Basis: f.key.Basis, RefPrice: ref})
}

// TestUncrossWorkedExample: a hand-computed uniform-price auction with a
// tie on volume and on imbalance, decided by the reference price.
//
//	buys:  B1 100 @ 105, B2 200 @ 103, B3 100 @ 101
//	sells: S1 150 @ 100, S2 100 @ 102, S3 200 @ 104
//
//	price  buy>=p  sell<=p  volume  imbalance
//	 100     400     150      150      +250
//	 101     400     150      150      +250
//	 102     300     250      250       +50
//	 103     300     250      250       +50
//	 104     100     450      100      -350
//	 105     100     450      100      -350
//
// 102 and 103 tie on volume (250) and imbalance (50): a reference of 110
// picks 103, a reference of 100 picks 102. At 103, price-time priority
// fills B1 100 and B2 150 against S1 150 and S2 100.
func TestUncrossWorkedExample(t *testing.T) {
	const k = 100 // prices in the table are in ticks of 100 kopecks
	for _, c := range []struct {
		ref, price catalog.Price
	}{{110, 103}, {100, 102}, {103, 103}, {102, 102}} {
		c.ref, c.price = c.ref*k, c.price*k
		f := newAuFix(t, 6)
		u := f.users
		b1 := f.order(u[0], Buy, 105*k, 100, 11)
		b2 := f.order(u[1], Buy, 103*k, 200, 12)
		f.order(u[2], Buy, 101*k, 100, 13)
		s1 := f.order(u[3], Sell, 100*k, 150, 21)
		s2 := f.order(u[4], Sell, 102*k, 100, 22)
		f.order(u[5], Sell, 104*k, 200, 23)

		ind, ok := f.x.Indicative(f.key, c.ref)
		require.True(t, ok)
		require.Equal(t, Uncross{Price: c.price, Volume: 250, BuyQty: 300, SellQty: 250, Imbalance: 50}, ind)

		evs := f.uncross(c.ref)
		fills := prOnly(evs, EventFill)
		require.Len(t, fills, 3)
		type pair struct {
			buy, sell OrderID
			qty       catalog.Qty
		}
		var got []pair
		for _, e := range fills {
			require.Equal(t, c.price, e.Price, "one uniform price")
			require.Equal(t, Sell, e.Side, "OrderID is the sell order, Maker* the buy order")
			got = append(got, pair{e.MakerOrderID, e.OrderID, e.Qty})
		}
		require.Equal(t, []pair{{b1, s1, 100}, {b2, s1, 50}, {b2, s2, 100}}, got)
		require.Equal(t, uint64(11), fills[0].MakerClientOrderID)
		require.Equal(t, uint64(21), fills[0].ClientOrderID, "the sell order's client order ID")
		require.Equal(t, uint64(22), fills[2].ClientOrderID)
		require.Len(t, prOnly(evs, EventDone), 3) // B1, S1, S2
		last := evs[len(evs)-1]
		require.Equal(t, EventUncrossed, last.Kind)
		require.Equal(t, c.price, last.Price)
		require.Equal(t, catalog.Qty(250), last.Qty)
		require.Equal(t, catalog.Qty(50), last.Imbalance)
		require.Equal(t, c.ref, last.BestPrice)

		// The market stays in call mode, uncrossed.
		require.Equal(t, MarketCall, f.x.Mode(f.key))
		_, ok = f.x.Indicative(f.key, c.ref)
		require.False(t, ok)
		o, ok := f.x.Order(b2)
		require.True(t, ok)
		require.Equal(t, catalog.Qty(50), o.Qty)
		require.NoError(t, f.x.CheckInvariants())
		f.replay()
	}
}

// TestUncrossImbalanceTie: every candidate clears 100; the smallest
// imbalance (50 at 100 and 101, against 100 at 102 and 103) wins over the
// price closest to the reference (103), then the reference picks 101.
//
//	buys:  100 @ 103, 50 @ 101
//	sells: 100 @ 100, 100 @ 102
//
//	price  buy>=p  sell<=p  volume  imbalance
//	 100     150     100      100       +50
//	 101     150     100      100       +50
//	 102     100     200      100      -100
//	 103     100     200      100      -100
func TestUncrossImbalanceTie(t *testing.T) {
	const k = 100 // ticks
	f := newAuFix(t, 4)
	u := f.users
	f.order(u[0], Buy, 103*k, 100, 0)
	f.order(u[1], Buy, 101*k, 50, 0)
	f.order(u[2], Sell, 100*k, 100, 0)
	f.order(u[3], Sell, 102*k, 100, 0)
	evs := f.uncross(103 * k)
	last := evs[len(evs)-1]
	require.Equal(t, catalog.Price(101*k), last.Price)
	require.Equal(t, catalog.Qty(100), last.Qty)
	require.Equal(t, catalog.Qty(50), last.Imbalance)
	fills := prOnly(evs, EventFill)
	require.Len(t, fills, 1)
	require.Equal(t, u[0], fills[0].MakerParticipant, "the best bid fills first")
	require.Equal(t, u[2], fills[0].Participant)
}

func TestMarketModeRules(t *testing.T) {
	f := newAuFix(t, 2)
	u := f.users
	// IOC in call mode is cancelled; GTC rests even when crossing.
	cmd := prLimit(u[0], f.key.Category, f.key.Basis, Buy, 200, 10)
	cmd.TIF = IOC
	evs := f.must(cmd)
	require.Equal(t, EventCancelled, evs[len(evs)-1].Kind)
	f.order(u[0], Buy, 200, 10, 0)
	f.order(u[1], Sell, 100, 10, 0)

	// Back to continuous needs an uncrossed book.
	mode := Command{Kind: CmdSetMarketMode, Category: f.key.Category, Basis: f.key.Basis, MarketMode: MarketContinuous}
	evs, err := f.submit(mode)
	require.ErrorIs(t, err, ErrCrossed)
	require.Equal(t, ReasonCrossed, evs[len(evs)-1].Reject)
	require.Equal(t, MarketCall, f.x.Mode(f.key))
	f.reject(Command{Kind: CmdSetMarketMode, Category: f.key.Category, Basis: f.key.Basis, MarketMode: 9}, ReasonInvalidMode)
	f.reject(Command{Kind: CmdSetMarketMode, Category: f.key.Category, Basis: f.key.Basis}, ReasonInvalidMode)
	f.reject(Command{Kind: CmdSetMarketMode, Category: f.cid("23.51"), Basis: f.key.Basis, MarketMode: MarketCall}, ReasonNotLeaf)
	f.reject(Command{Kind: CmdSetMarketMode, Category: f.key.Category, Basis: 999, MarketMode: MarketCall}, ReasonUnknownBasis)
	f.reject(Command{Kind: CmdUncross, Category: f.key.Category, Basis: f.key.Basis}, ReasonInvalidPrice)
	f.reject(Command{Kind: CmdUncross, Category: 9999, Basis: f.key.Basis, RefPrice: 1}, ReasonUnknownCategory)

	ind, _ := f.x.Indicative(f.key, 150)
	require.Equal(t, catalog.Price(100), ind.Price, "equally close to the reference: the lower price")
	evs = f.uncross(180)
	require.Equal(t, catalog.Price(200), evs[len(evs)-1].Price, "both limits are candidates; the reference decides")
	f.must(mode)
	require.Equal(t, MarketContinuous, f.x.Mode(f.key))
	f.order(u[0], Buy, 100, 5, 0)
	evs = f.must(prLimit(u[1], f.key.Category, f.key.Basis, Sell, 100, 5))
	require.Len(t, prOnly(evs, EventFill), 1, "continuous again")

	// An uncross of a market with nothing crossed trades nothing.
	evs = f.uncross(100)
	require.Equal(t, []EventKind{EventUncrossed}, []EventKind{evs[0].Kind})
	require.Zero(t, evs[0].Qty)
	f.replay()
}

// TestUncrossRandom checks random call phases against a brute force over
// all candidate prices: the uncross volume is the maximum, the price obeys
// the rule (volume, imbalance, distance to the reference, lower price), the
// book is not crossed afterwards and quantity is conserved.
func TestUncrossRandom(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		f := newAuFix(t, 6)
		type ord struct {
			side  Side
			price catalog.Price
			qty   catalog.Qty
		}
		var orders []ord
		for range 1 + rng.IntN(12) {
			o := ord{side: Side(1 + rng.IntN(2)), price: catalog.Price(100 * (1 + rng.IntN(8))), qty: catalog.Qty(1 + rng.IntN(20))}
			// One owner per side, so that no pair is a self-trade.
			p := f.users[rng.IntN(3)]
			if o.side == Sell {
				p = f.users[3+rng.IntN(3)]
			}
			f.order(p, o.side, o.price, o.qty, 0)
			orders = append(orders, o)
		}
		ref := catalog.Price(100 * (1 + rng.IntN(9)))
		// Brute force over every limit price in the book.
		var best Uncross
		found := false
		for _, c := range orders {
			var buy, sell catalog.Qty
			for _, o := range orders {
				if o.side == Buy && o.price >= c.price {
					buy += o.qty
				}
				if o.side == Sell && o.price <= c.price {
					sell += o.qty
				}
			}
			cand := Uncross{Price: c.price, Volume: min(buy, sell), BuyQty: buy, SellQty: sell, Imbalance: buy - sell}
			if cand.Volume == 0 {
				continue
			}
			abs := func(q catalog.Qty) catalog.Qty { return max(q, -q) }
			dist := func(p catalog.Price) catalog.Price { return max(p-ref, ref-p) }
			better := !found || cand.Volume > best.Volume ||
				(cand.Volume == best.Volume && (abs(cand.Imbalance) < abs(best.Imbalance) ||
					(abs(cand.Imbalance) == abs(best.Imbalance) && (dist(cand.Price) < dist(best.Price) ||
						(dist(cand.Price) == dist(best.Price) && cand.Price < best.Price)))))
			if better {
				best, found = cand, true
			}
		}
		ind, ok := f.x.Indicative(f.key, ref)
		require.Equal(t, found, ok, "seed %d", seed)
		if found {
			require.Equal(t, best, ind, "seed %d", seed)
		}
		evs := f.uncross(ref)
		var traded catalog.Qty
		for _, e := range prOnly(evs, EventFill) {
			require.Equal(t, best.Price, e.Price)
			traded += e.Qty
		}
		last := evs[len(evs)-1]
		require.Equal(t, best.Volume, traded, "seed %d", seed)
		require.Equal(t, best.Volume, last.Qty)
		_, ok = f.x.Indicative(f.key, ref)
		require.False(t, ok, "seed %d: crossed after the uncross", seed)
		require.NoError(t, f.x.CheckInvariants())
		var open catalog.Qty
		for _, side := range [2]Side{Buy, Sell} {
			for _, lv := range f.x.Depth(f.key, side, 100, nil) {
				open += lv.Qty
			}
		}
		var total catalog.Qty
		for _, o := range orders {
			total += o.qty
		}
		require.Equal(t, total, open+2*traded, "seed %d: quantity conserved", seed)
		f.replay()
	}
}
