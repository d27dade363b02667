package contacts_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/bench/contacts"
	"github.com/agora-exchange/agora/matching"
)

func TestSeedExample(t *testing.T) {
	r, err := contacts.Run(contacts.Config{Buyers: 5, Sellers: 5, Seed: 1})
	require.NoError(t, err)
	for _, name := range []string{"exhaustive", "informed"} {
		o, ok := r.Outcome(name)
		require.True(t, ok, name)
		require.EqualValues(t, 25, o.Inquiries, name)
		require.EqualValues(t, 50, o.Contacts, name)
	}
	require.EqualValues(t, 10, r.ExchangePostings())
	require.EqualValues(t, 5, r.ExchangeBuyPostings)
	require.EqualValues(t, 5, r.ExchangeSellPostings)
	require.EqualValues(t, 28, r.ExchangeMessages())
	require.Equal(t, contacts.OnboardingCounters{Registrations: 10, StatusChanges: 10, Replies: 20}, r.Onboarding)
	require.EqualValues(t, 68, r.AllMessages())
	require.EqualValues(t, 25, r.PossiblePairs)
}

func TestTwoMarkets(t *testing.T) {
	// Markets of 3 buyers × 2 sellers and 1 buyer × 4 sellers: informed
	// 3·2 + 1·4 = 10 inquiries; exhaustive 4 buyers × 6 sellers = 24.
	m, err := contacts.FromLayout([]int{3, 1}, []int{2, 4}, contacts.Config{Seed: 7})
	require.NoError(t, err)
	r, err := m.Count()
	require.NoError(t, err)
	in, _ := r.Outcome("informed")
	ex, _ := r.Outcome("exhaustive")
	require.EqualValues(t, 10, in.Inquiries)
	require.EqualValues(t, 20, in.Contacts)
	require.EqualValues(t, 24, ex.Inquiries)
	require.EqualValues(t, 48, ex.Contacts)
	require.EqualValues(t, 10, r.ExchangePostings())
	require.Equal(t, 2, r.Markets)
	require.Len(t, m.Keys, 2)
	require.NotEqual(t, m.Keys[0], m.Keys[1])
}

func TestUninformedIsBS(t *testing.T) {
	for _, c := range []contacts.Config{
		{Buyers: 7, Sellers: 3, Markets: 4},
		{Buyers: 1000, Sellers: 10, Markets: 50, Zipf: 1.2, Bases: 5},
		{Buyers: 0, Sellers: 9},
		{Buyers: 40, Sellers: 60, Markets: 9, Activity: 3, Depth: 1},
	} {
		r, err := contacts.Run(c)
		require.NoError(t, err)
		bs := uint64(c.Buyers) * uint64(c.Sellers)
		ex, _ := r.Outcome("exhaustive")
		require.Equal(t, bs, ex.Inquiries, "%+v", c)
		require.Equal(t, 2*bs, ex.Contacts, "%+v", c)
		require.Equal(t, bs, r.PossiblePairs, "%+v", c)
		a := uint64(max(c.Activity, 1))
		require.Equal(t, a*uint64(c.Buyers+c.Sellers), r.ExchangePostings(), "%+v", c)
	}
}

// Informed search asks each (buyer, seller) pair that shares a market
// once, however many markets they share; counted here by brute force over
// the orders.
func TestInformedMatchesLayout(t *testing.T) {
	for _, c := range []contacts.Config{
		{Buyers: 300, Sellers: 200, Markets: 20, Zipf: 1, Activity: 2, Seed: 3},
		{Buyers: 60, Sellers: 50, Markets: 6, Activity: 3, Seed: 4},
		{Buyers: 80, Sellers: 70, Markets: 30, Zipf: 0.7, Seed: 5},
	} {
		m, err := contacts.Generate(c)
		require.NoError(t, err)
		r, err := m.Count()
		require.NoError(t, err)
		pairs := map[[2]int32]bool{}
		for _, b := range m.Orders {
			for _, s := range m.Orders {
				if b.Side == matching.Buy && s.Side == matching.Sell && b.Market == s.Market {
					pairs[[2]int32{b.Trader, s.Trader}] = true
				}
			}
		}
		in, _ := r.Outcome("informed")
		require.EqualValues(t, len(pairs), in.Inquiries, "%+v", c)
		ex, _ := r.Outcome("exhaustive")
		require.LessOrEqual(t, in.Contacts, ex.Contacts, "%+v", c)
	}
	// Everyone in both of two markets: informed is exhaustive, 25 pairs,
	// not 2·25.
	r, err := contacts.Run(contacts.Config{Buyers: 5, Sellers: 5, Markets: 2, Activity: 2, Seed: 1})
	require.NoError(t, err)
	in, _ := r.Outcome("informed")
	require.EqualValues(t, 25, in.Inquiries)
	require.EqualValues(t, 50, in.Contacts)
}

// The exchange figures come from running the engine: every order is one
// posting, every execution is reported to both sides, and the messages are
// everything in plus everything out.
func TestExchangeCountFromEngine(t *testing.T) {
	for _, c := range []contacts.Config{
		{Buyers: 5, Sellers: 5, Seed: 1},
		{Buyers: 500, Sellers: 400, Markets: 12, Bases: 3, Zipf: 0.8, Seed: 2},
		{Buyers: 300, Sellers: 300, Compat: 1, Seed: 3},
	} {
		r, err := contacts.Run(c)
		require.NoError(t, err)
		x := r.Counters
		require.EqualValues(t, c.Buyers+c.Sellers, x.Postings, "%+v", c)
		require.Equal(t, x.Postings, x.In, "only postings come in: onboarding is excluded")
		require.Positive(t, r.Exchange.Trades, "%+v", c)
		require.Equal(t, 2*r.Exchange.Trades, x.Fills)
		require.Equal(t, x.In+x.Reports+x.Fills+x.Notifications, r.ExchangeMessages())
		// Onboarding: one registration and one verification per
		// participant, each answered.
		n := uint64(c.Buyers + c.Sellers)
		require.Equal(t, contacts.OnboardingCounters{Registrations: n, StatusChanges: n, Replies: 2 * n}, r.Onboarding)
		require.Equal(t, r.ExchangeMessages()+4*n, r.AllMessages())
		require.Greater(t, r.ExchangeMessages(), x.Postings+x.Fills, "messages include the postings, the reports and the fills")
		// Priority arrival: the exchange finds the price-priority matching.
		require.Equal(t, r.DirectTrades, r.Exchange.Trades, "%+v", c)
		require.Equal(t, r.MaxSurplus, r.Exchange.Surplus, "%+v", c)
		e, ok := r.Efficiency(&r.Exchange)
		require.True(t, ok)
		require.InDelta(t, 1, e, 1e-12)
		// Each posting is acknowledged and each one-lot order that fills
		// is done: reports = postings + 2·trades.
		require.Equal(t, x.Postings+2*r.Exchange.Trades, x.Reports)
	}
	// Everything compatible: min(B, S) trades.
	r, err := contacts.Run(contacts.Config{Buyers: 30, Sellers: 20, Compat: 1})
	require.NoError(t, err)
	require.EqualValues(t, 20, r.Exchange.Trades)
	// Nothing compatible: no trade.
	r, err = contacts.Run(contacts.Config{Buyers: 30, Sellers: 20, Compat: contacts.NoCompat})
	require.NoError(t, err)
	require.Zero(t, r.Exchange.Trades)
	require.Zero(t, r.DirectTrades)
	require.Zero(t, r.MaxSurplus)
	_, ok := r.Efficiency(&r.Exchange)
	require.False(t, ok, "no efficiency when nothing can trade")
}

// maxMatching returns the largest number of one-lot trades between
// compatible pairs in each market, summed: the bound no arrival order can
// beat. Per market, with bids and asks ascending, each bid takes the
// cheapest ask still free if it can pay it.
func maxMatching(m *contacts.Market) uint64 {
	bids := make([][]int64, len(m.Keys))
	asks := make([][]int64, len(m.Keys))
	for _, o := range m.Orders {
		if o.Side == matching.Buy {
			bids[o.Market] = append(bids[o.Market], int64(o.Price))
		} else {
			asks[o.Market] = append(asks[o.Market], int64(o.Price))
		}
	}
	var n uint64
	for k := range m.Keys {
		slices.Sort(bids[k])
		slices.Sort(asks[k])
		j := 0
		for _, b := range bids[k] {
			if j < len(asks[k]) && b >= asks[k][j] {
				n++
				j++
			}
		}
	}
	return n
}

// Random arrival trades continuously: it may execute more pairs than the
// price-priority matching (extra-marginal trades) or fewer, but never more
// than the maximum matching, and it never changes the market itself.
func TestRandomArrival(t *testing.T) {
	for seed := range uint64(5) {
		c := contacts.Config{Buyers: 200, Sellers: 200, Markets: 3, Arrival: contacts.ArrivalRandom, Seed: seed}
		m, err := contacts.Generate(c)
		require.NoError(t, err)
		r, err := m.Count()
		require.NoError(t, err)
		limit := maxMatching(m)
		require.LessOrEqual(t, r.Exchange.Trades, limit)
		require.LessOrEqual(t, r.Exchange.Surplus, r.MaxSurplus)
		require.LessOrEqual(t, r.DirectTrades, limit)
		c.Arrival = contacts.ArrivalPriority
		p, err := contacts.Run(c)
		require.NoError(t, err)
		require.Equal(t, p.DirectTrades, r.DirectTrades, "the arrival order does not change the market")
		require.Equal(t, p.DirectTrades, p.Exchange.Trades)
		require.Equal(t, p.Search, r.Search, "the arrival order does not change direct search")
	}
}

// With sellers subscribed to their markets, the exchange notifies each of
// them of every request that rests (and of competing offers), so the
// notifications grow with b_k·s_k again.
func TestSubscriptionsCountNotifications(t *testing.T) {
	const b, s = 40, 30
	c := contacts.Config{Buyers: b, Sellers: s, Subscribe: contacts.SubscribeSellers, Seed: 4}
	r, err := contacts.Run(c)
	require.NoError(t, err)
	x := r.Counters
	require.EqualValues(t, s, r.ExchangeSubscriptions)
	require.Equal(t, x.Postings+r.ExchangeSubscriptions, x.In)
	resting := uint64(b) - r.Exchange.Trades // requests left in the book
	require.GreaterOrEqual(t, x.Notifications, resting*s, "each resting request reaches every seller")
	require.LessOrEqual(t, x.Notifications, resting*s+s*(s-1), "at most: also every competing offer")
	require.Equal(t, x.In+x.Out, r.ExchangeMessages())

	none, err := contacts.Run(contacts.Config{Buyers: b, Sellers: s, Seed: 4})
	require.NoError(t, err)
	require.Zero(t, none.Counters.Notifications)
	// Each subscription is one message in and its acknowledgement one out.
	require.Equal(t, none.ExchangeMessages()+2*r.ExchangeSubscriptions+x.Notifications, r.ExchangeMessages())
}

// The share of compatible pairs follows Compat.
func TestCompatShare(t *testing.T) {
	for _, c := range []float64{0.05, 0.25, 0.5, 0.8, 1} {
		m, err := contacts.Generate(contacts.Config{Buyers: 400, Sellers: 400, Compat: c, Seed: 11})
		require.NoError(t, err)
		var ok, all float64
		for _, b := range m.Orders {
			for _, s := range m.Orders {
				if b.Side == matching.Buy && s.Side == matching.Sell {
					all++
					if b.Price >= s.Price {
						ok++
					}
				}
			}
		}
		require.InDelta(t, c, ok/all, 0.03, "compat %v", c)
	}
}

func TestDeterministicCSV(t *testing.T) {
	csv := func(seed uint64) string {
		var results []contacts.Result
		for _, c := range []contacts.Config{
			{Buyers: 5, Sellers: 5},
			{Buyers: 2000, Sellers: 1500, Markets: 40, Bases: 4, Zipf: 1.1, Activity: 2},
			{Buyers: 800, Sellers: 800, Markets: 10, Arrival: contacts.ArrivalRandom, Subscribe: contacts.SubscribeAll},
		} {
			c.Seed = seed
			r, err := contacts.Run(c)
			require.NoError(t, err)
			results = append(results, r)
		}
		var buf bytes.Buffer
		require.NoError(t, contacts.WriteCSV(&buf, results))
		return buf.String()
	}
	a := csv(42)
	require.Equal(t, a, csv(42))
	require.NotEqual(t, a, csv(43))
	require.Regexp(t, "^"+contacts.CSVHeader+"\n[^,]+,5,5,1,1,3,0,1,0.5,priority,none,\"exhaustive,informed\",0,42,exhaustive,5,5,50,25,", a)
	rows := strings.Count(a, "\n")
	require.Equal(t, 1+3*2, rows, "one row per (run, search model)")
}

func TestSweepSlopes(t *testing.T) {
	s, err := contacts.RunSweep(context.Background(), contacts.SweepConfig{
		Sizes: contacts.DefaultSizes(5, 2000), Seeds: 3, Base: contacts.Config{Seed: 1},
	})
	require.NoError(t, err)
	require.Len(t, s.Results, 9*3)
	fits := map[string]contacts.Fit{}
	for _, f := range s.Fits {
		fits[f.Model] = f
	}
	for model, want := range map[string][2]float64{
		"contacts:exhaustive": {1.9, 2.1},
		"contacts:informed":   {1.9, 2.1},
		"exchange_postings":   {0.9, 1.15},
		"exchange_messages":   {0.9, 1.15},
		"all_messages":        {0.9, 1.15},
	} {
		f := fits[model]
		require.Equal(t, 27, f.Points, model)
		require.GreaterOrEqual(t, f.Slope, want[0], model)
		require.LessOrEqual(t, f.Slope, want[1], model)
		require.Greater(t, f.R2, 0.99, model)
		require.GreaterOrEqual(t, f.SlopeMin, want[0], model)
		require.LessOrEqual(t, f.SlopeMax, want[1], model)
		require.LessOrEqual(t, f.CILow, f.Slope+1e-9, model)
		require.GreaterOrEqual(t, f.CIHigh, f.Slope-1e-9, model)
		require.GreaterOrEqual(t, f.CILow, f.SlopeMin-1e-9, model)
		require.LessOrEqual(t, f.CIHigh, f.SlopeMax+1e-9, model)
		require.Len(t, f.Local, 8, model)
		require.Equal(t, contacts.LocalSlope{From: 1000, To: 2000, Slope: f.Local[7].Slope}, f.Local[7])
	}
	// Exhaustive contacts are 2·N² exactly: every local slope is 2.
	for _, l := range fits["contacts:exhaustive"].Local {
		require.InDelta(t, 2, l.Slope, 1e-9, "%+v", l)
	}
	// Same sweep, one worker: same results.
	one, err := contacts.RunSweep(context.Background(), contacts.SweepConfig{
		Sizes: contacts.DefaultSizes(5, 200), Seeds: 2, Workers: 1, Base: contacts.Config{Seed: 1},
	})
	require.NoError(t, err)
	for _, r := range one.Results {
		i := slices.IndexFunc(s.Results, func(q contacts.Result) bool { return q.Buyers == r.Buyers && q.Seed == r.Seed })
		require.GreaterOrEqual(t, i, 0)
		require.Equal(t, s.Results[i], r)
	}
}

func TestLeastSquares(t *testing.T) {
	xs := []float64{0, 1, 2, 3}
	slope, icpt, r2 := contacts.LeastSquares(xs, []float64{1, 3, 5, 7})
	require.InDelta(t, 2, slope, 1e-12)
	require.InDelta(t, 1, icpt, 1e-12)
	require.InDelta(t, 1, r2, 1e-12)
	_, _, r2 = contacts.LeastSquares(xs, []float64{1, 3, 4, 7})
	require.Less(t, r2, 1.0)
	slope, _, _ = contacts.LeastSquares([]float64{1}, []float64{1})
	require.True(t, math.IsNaN(slope))
}

func TestDefaultSizes(t *testing.T) {
	require.Equal(t, []int{5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000}, contacts.DefaultSizes(5, 100000))
	require.Equal(t, []int{3, 5, 10, 20, 30}, contacts.DefaultSizes(3, 30))
	require.Equal(t, []int{7}, contacts.DefaultSizes(7, 7))
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []contacts.Config{
		{Buyers: -1},
		{Sellers: -5},
		{Markets: -1},
		{Markets: contacts.MaxMarkets + 1},
		{Markets: 3, Bases: 4},
		{Depth: contacts.MaxDepth + 1},
		{Zipf: -1},
		{Zipf: math.NaN()},
		{Activity: 2},
		{Compat: 1.5},
		{Compat: -0.5},
		{Arrival: 9},
		{Subscribe: 9},
		{Buyers: contacts.MaxParticipants, Sellers: 1},
		{Markets: 20, Activity: contacts.MaxActivity + 1},
		{ContactCost: -1},
		{Search: []contacts.SearchModel{}},
		{Search: []contacts.SearchModel{{Kind: contacts.SearchSample}}},
		{Search: []contacts.SearchModel{{Kind: contacts.SearchSequential, N: contacts.MaxSearchN + 1}}},
		{Search: []contacts.SearchModel{{Kind: contacts.SearchInformed}, {Kind: contacts.SearchInformed}}},
		{Search: []contacts.SearchModel{{Kind: 9}}},
	} {
		_, err := contacts.Run(c)
		require.ErrorIs(t, err, contacts.ErrInvalidConfig, "%+v", c)
	}
	_, err := contacts.FromLayout([]int{1}, []int{1, 2}, contacts.Config{})
	require.ErrorIs(t, err, contacts.ErrInvalidConfig)
	_, err = contacts.FromLayout([]int{1, -1}, []int{1, 2}, contacts.Config{})
	require.ErrorIs(t, err, contacts.ErrInvalidConfig)
	_, err = contacts.RunSweep(context.Background(), contacts.SweepConfig{Sizes: []int{0}})
	require.ErrorIs(t, err, contacts.ErrInvalidConfig)
	_, err = contacts.RunSweep(context.Background(), contacts.SweepConfig{Ratio: -1})
	require.ErrorIs(t, err, contacts.ErrInvalidConfig)
	require.False(t, errors.Is(contacts.Config{}.Validate(), contacts.ErrInvalidConfig))
}

func TestTaxonomyShape(t *testing.T) {
	m, err := contacts.Generate(contacts.Config{Buyers: 1, Sellers: 1, Markets: 1000, Bases: 10, Depth: 3})
	require.NoError(t, err)
	require.Len(t, m.Keys, 1000)
	seen := map[matching.MarketKey]bool{}
	for _, k := range m.Keys {
		require.False(t, seen[k])
		seen[k] = true
		c, err := m.Catalog.Taxonomy.Tradable(k.Category)
		require.NoError(t, err)
		require.Equal(t, 3, c.Depth)
	}
	require.Equal(t, 10, m.Catalog.Bases.Len())
	require.NoError(t, m.Catalog.Validate())
}
