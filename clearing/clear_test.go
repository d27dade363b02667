package clearing

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// TestWorkedExample: par M500, premium 20 for M550; a buyer's limit of 700
// delivered at par to Moscow; a seller's M550 ex works Tula at 600;
// transport Tula to Moscow 50. The surplus is 700 + 20 − 600 − 50 = 70 a
// lot.
func TestWorkedExample(t *testing.T) {
	const msk, tula = 1, 2
	w := newWorld(t, 10, 2, map[[2]catalog.BasisID]catalog.Price{{tula, msk}: 50})
	w.diffs[w.m550] = 20 // newWorld set 2 ticks = 20 already
	in := instance{
		reqs: []Request{{ID: 1, Owner: 1, Category: w.cement, Deliver: msk, MinGrade: w.m500, Qty: 400, Limit: 700, Priority: 1}},
		offs: []Offer{{ID: 1, Owner: 2, Category: w.cem1, Basis: tula, Grade: w.m550, Lead: 7, Qty: 1000, Limit: 600, Priority: 2}},
	}
	res, err := Clear(w.d, in.reqs, in.offs)
	require.NoError(t, err)
	require.Empty(t, w.check(in, res))
	require.Equal(t, int64(70*400), res.Surplus)
	require.Equal(t, int64(400), res.Volume)
	require.Len(t, res.Fills, 1)
	f := res.Fills[0]
	// Buyer-optimal: the seller, whose offer is not used up, gets its
	// limit; the buyer keeps the whole surplus.
	require.Equal(t, Fill{Request: 1, Offer: 1, Buyer: 1, Seller: 2, Qty: 400, BuyerPrice: 630, SellerPrice: 600, Transport: 50, GradeDiff: 20}, f)
	require.Equal(t, catalog.Price(650), f.Paid())
	require.Equal(t, Filled, res.Requests[0].Outcome)
	require.Equal(t, Margin, res.Offers[0].Outcome)
	require.Equal(t, []ParticipantSurplus{{Owner: 1, Bought: 400, Surplus: 70 * 400}, {Owner: 2, Sold: 400}}, res.Participants)

	// With less on offer than wanted, the buyer is at the margin and the
	// seller gets the whole surplus instead.
	in.offs[0].Qty = 300
	res, err = Clear(w.d, in.reqs, in.offs)
	require.NoError(t, err)
	require.Empty(t, w.check(in, res))
	require.Equal(t, int64(70*300), res.Surplus)
	require.Equal(t, catalog.Price(700), res.Fills[0].BuyerPrice)
	require.Equal(t, catalog.Price(670), res.Fills[0].SellerPrice)
	require.Equal(t, Margin, res.Requests[0].Outcome)
}

// TestOracle compares the optimum and the fill of every order with a brute
// force over every integer trade matrix, and checks the equilibrium and
// no-envy properties, on thousands of random small instances.
func TestOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 1313))
	iters := 4000
	if testing.Short() {
		iters = 500
	}
	for it := range iters {
		w := randomWorld(t, r, catalog.Price(1+r.IntN(3)), 1+r.IntN(3))
		in := w.randomInstance(r, 1+r.IntN(3), 1+r.IntN(3), 3, 2+r.IntN(3))
		res, err := Clear(w.d, in.reqs, in.offs)
		require.NoError(t, err, "iteration %d: %v", it, in)
		require.Empty(t, w.check(in, res), "iteration %d: %v", it, in)
		best, fr, fo := w.brute(in)
		require.Equal(t, best, res.Surplus, "iteration %d: %v", it, in)
		for i := range in.reqs {
			require.Equal(t, fr[i], res.Requests[i].Filled, "iteration %d: request %d: %v", it, in.reqs[i].ID, in)
		}
		for j := range in.offs {
			require.Equal(t, fo[j], res.Offers[j].Filled, "iteration %d: offer %d: %v", it, in.offs[j].ID, in)
		}
	}
}

// TestProperties checks the equilibrium and optimality certificate on
// larger random instances, and that shuffling the input changes nothing
// but the order of the per-order results.
func TestProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 77))
	iters := 400
	if testing.Short() {
		iters = 60
	}
	for it := range iters {
		w := randomWorld(t, r, catalog.Price(1+r.IntN(5)), 1+r.IntN(5))
		in := w.randomInstance(r, 1+r.IntN(25), 1+r.IntN(25), 20, 2+r.IntN(10))
		res, err := Clear(w.d, in.reqs, in.offs)
		require.NoError(t, err, "iteration %d", it)
		require.Empty(t, w.check(in, res), "iteration %d: %v", it, in)

		perm := instance{reqs: append([]Request(nil), in.reqs...), offs: append([]Offer(nil), in.offs...)}
		r.Shuffle(len(perm.reqs), func(a, b int) { perm.reqs[a], perm.reqs[b] = perm.reqs[b], perm.reqs[a] })
		r.Shuffle(len(perm.offs), func(a, b int) { perm.offs[a], perm.offs[b] = perm.offs[b], perm.offs[a] })
		res2, err := Clear(w.d, perm.reqs, perm.offs)
		require.NoError(t, err)
		require.Equal(t, res.Fills, res2.Fills, "iteration %d: input order changed the fills", it)
		require.Equal(t, res.Surplus, res2.Surplus)
		require.Equal(t, res.Participants, res2.Participants)
		byID := map[OrderID]OrderResult{}
		for _, x := range res.Requests {
			byID[x.ID] = x
		}
		for _, x := range res2.Requests {
			require.Equal(t, byID[x.ID], x)
		}
	}
}
