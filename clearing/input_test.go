package clearing

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// TestRejections: bad input gets a typed error.
func TestRejections(t *testing.T) {
	w := newWorld(t, 10, 3, map[[2]catalog.BasisID]catalog.Price{{2, 1}: 50})
	require.NoError(t, w.d.Transport.SetNotDeliverable(3, 3))
	goodR := Request{ID: 1, Owner: 1, Category: w.cement, Deliver: 1, Qty: 5, Limit: 700}
	goodO := Offer{ID: 1, Owner: 2, Category: w.cem1, Basis: 2, Grade: w.m500, Qty: 5, Limit: 600}
	_, err := Clear(w.d, []Request{goodR}, []Offer{goodO})
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		r    func(*Request)
		o    func(*Offer)
		want error
	}{
		{"all or none request", func(r *Request) { r.MinQty = r.Qty }, nil, ErrAllOrNone},
		{"min qty offer", nil, func(o *Offer) { o.MinQty = 2 }, ErrAllOrNone},
		{"unknown min grade", func(r *Request) { r.MinGrade = 9 }, nil, catalog.ErrUnknownGrade},
		{"min grade on an ungraded category", func(r *Request) { r.Category, r.MinGrade = w.sand, 1 }, nil, catalog.ErrUnknownGrade},
		{"unknown offer grade", nil, func(o *Offer) { o.Grade = 4 }, catalog.ErrUnknownGrade},
		{"graded leaf without a grade", nil, func(o *Offer) { o.Grade = 0 }, catalog.ErrUnknownGrade},
		{"grade on an ungraded leaf", nil, func(o *Offer) { o.Category = w.sand }, catalog.ErrUnknownGrade},
		{"delivery basis no route reaches", func(r *Request) { r.Deliver = 3 }, nil, catalog.ErrNoRoute},
		{"unknown delivery basis", func(r *Request) { r.Deliver = 7 }, nil, catalog.ErrUnknownBasis},
		{"unknown accepted basis", func(r *Request) { r.Accept = []catalog.BasisID{1, 8} }, nil, catalog.ErrUnknownBasis},
		{"unknown offer basis", nil, func(o *Offer) { o.Basis = 0 }, catalog.ErrUnknownBasis},
		{"no basis at all", func(r *Request) { r.Deliver = 0 }, nil, ErrBadOrder},
		{"zero ID", func(r *Request) { r.ID = 0 }, nil, ErrBadOrder},
		{"no owner", nil, func(o *Offer) { o.Owner = 0 }, ErrBadOrder},
		{"negative lead", nil, func(o *Offer) { o.Lead = -1 }, ErrBadOrder},
		{"rating above max", func(r *Request) { r.MinRating = 101 }, nil, ErrBadOrder},
		{"zero qty", func(r *Request) { r.Qty = 0 }, nil, ErrBadQty},
		{"huge qty", nil, func(o *Offer) { o.Qty = MaxQty + 1 }, ErrBadQty},
		{"negative price", func(r *Request) { r.Limit = -10 }, nil, ErrBadPrice},
		{"huge price", nil, func(o *Offer) { o.Limit = MaxPrice + 10 }, ErrBadPrice},
		{"off tick", func(r *Request) { r.Limit = 705 }, nil, catalog.ErrOffTick},
		{"offer off tick", nil, func(o *Offer) { o.Limit = 601 }, catalog.ErrOffTick},
		{"offer on a group", nil, func(o *Offer) { o.Category = w.cement }, catalog.ErrNotLeaf},
		{"unknown category", func(r *Request) { r.Category = 99 }, nil, catalog.ErrUnknownCategory},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, o := goodR, goodO
			if tc.r != nil {
				tc.r(&r)
			}
			if tc.o != nil {
				tc.o(&o)
			}
			_, err := Clear(w.d, []Request{r}, []Offer{o})
			require.ErrorIs(t, err, tc.want)
		})
	}
	_, err = Clear(w.d, []Request{goodR, goodR}, nil)
	require.ErrorIs(t, err, ErrDuplicateID)
	_, err = Clear(w.d, nil, []Offer{goodO, goodO})
	require.ErrorIs(t, err, ErrDuplicateID)
	_, err = Clear(Data{}, nil, nil)
	require.ErrorIs(t, err, ErrNoCatalog)
	// A negative transport cost never reaches the solver: the table refuses it.
	require.ErrorIs(t, w.d.Transport.Set(1, 2, -50), catalog.ErrNegativeCost)
	// An empty pool clears to nothing.
	res, err := Clear(w.d, nil, nil)
	require.NoError(t, err)
	require.Zero(t, res.Volume)
}

// TestExplanations: the constraint named for an order without a compatible
// counterparty is the one that excluded the most candidates, ties going to
// grade, basis, lead time, rating.
func TestExplanations(t *testing.T) {
	w := newWorld(t, 10, 3, map[[2]catalog.BasisID]catalog.Price{{2, 1}: 50})
	req := Request{ID: 1, Owner: 1, Category: w.cement, Deliver: 1, MinGrade: w.m550, MaxLead: 10, MinRating: 50, Qty: 5, Limit: 700}
	off := func(id OrderID, basis catalog.BasisID, g catalog.Grade, lead int32, rating uint8) Offer {
		return Offer{ID: id, Owner: 2, Category: w.cem1, Basis: basis, Grade: g, Lead: lead, Rating: rating, Qty: 1, Limit: 600}
	}
	for _, tc := range []struct {
		name string
		offs []Offer
		want Constraint
		n    int
	}{
		{"grade", []Offer{off(1, 1, w.m500, 1, 90), off(2, 1, w.m400, 1, 90), off(3, 3, w.m550, 1, 90)}, ConstraintGrade, 2},
		{"basis beats lead", []Offer{off(1, 3, w.m550, 20, 90), off(2, 3, w.m550, 1, 90), off(3, 1, w.m550, 20, 90)}, ConstraintBasis, 2},
		{"tie goes to grade", []Offer{off(1, 3, w.m550, 1, 90), off(2, 1, w.m500, 1, 90)}, ConstraintGrade, 1},
		{"tie goes to lead over rating", []Offer{off(1, 1, w.m550, 20, 90), off(2, 1, w.m550, 1, 10)}, ConstraintLead, 1},
		{"rating", []Offer{off(1, 1, w.m550, 1, 10)}, ConstraintRating, 1},
		{"no candidates", []Offer{{ID: 1, Owner: 2, Category: w.sand, Basis: 1, Qty: 1, Limit: 600}}, ConstraintCategory, 0},
		{"own company", []Offer{{ID: 1, Owner: 1, Category: w.cem1, Basis: 1, Grade: w.m550, Lead: 1, Rating: 90, Qty: 1, Limit: 600}}, ConstraintCompany, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Clear(w.d, []Request{req}, tc.offs)
			require.NoError(t, err)
			got := res.Requests[0]
			require.Equal(t, NoCounterparty, got.Outcome)
			require.False(t, got.HasPrice)
			require.Equal(t, tc.want, got.Constraint, "%v", got.Constraint)
			require.Equal(t, tc.n, got.Excluded)
			for _, o := range res.Offers {
				require.Equal(t, NoCounterparty, o.Outcome)
			}
		})
	}
	// Priced out versus at the margin.
	offs := []Offer{off(1, 1, w.m550, 1, 90)}
	offs[0].Qty = 5
	reqs := []Request{req, req, req}
	reqs[1].ID, reqs[1].Limit, reqs[1].Priority = 2, 500, 1 // 500+20 < 600: priced out
	reqs[2].ID, reqs[2].Owner, reqs[2].Priority = 3, 3, 2   // same as 1, later: margin
	res, err := Clear(w.d, reqs, offs)
	require.NoError(t, err)
	require.Equal(t, Filled, res.Requests[0].Outcome)
	require.Equal(t, PricedOut, res.Requests[1].Outcome)
	require.Equal(t, Margin, res.Requests[2].Outcome)
	require.Equal(t, catalog.Price(700), res.Requests[1].Price)
	require.Equal(t, Outcome(0).String(), "Outcome(0)")
	require.Equal(t, "priced out", PricedOut.String())
	require.Equal(t, "lead time", ConstraintLead.String())
	require.Equal(t, "offer", SideOffer.String())
}

// TestOverflow: surpluses that do not fit in an int64 are reported.
func TestOverflow(t *testing.T) {
	w := newWorld(t, 1, 1, nil)
	reqs := []Request{{ID: 1, Owner: 1, Category: w.sand, Accept: []catalog.BasisID{1}, Qty: MaxQty, Limit: MaxPrice}}
	offs := []Offer{{ID: 1, Owner: 2, Category: w.sand, Basis: 1, Qty: MaxQty, Limit: 1}}
	var many []Request
	for i := range 300 {
		r := reqs[0]
		r.ID = OrderID(i + 1)
		r.Owner = catalog.ParticipantID(10 + i)
		many = append(many, r)
	}
	var moreOffs []Offer
	for i := range 300 {
		o := offs[0]
		o.ID = OrderID(i + 1)
		o.Owner = catalog.ParticipantID(1000 + i)
		moreOffs = append(moreOffs, o)
	}
	_, err := Clear(w.d, many, moreOffs)
	require.True(t, errors.Is(err, ErrOverflow), "%v", err)
	// One pair at the bounds overflows too: (2^36 - 1) * 2^40 lots.
	_, err = Clear(w.d, reqs, offs)
	require.ErrorIs(t, err, ErrOverflow)
	reqs[0].Qty = 1 << 20
	res, err := Clear(w.d, reqs, offs)
	require.NoError(t, err)
	require.Equal(t, int64(MaxPrice-1)<<20, res.Surplus)
}

// FuzzClear turns bytes into a small instance and checks the invariants,
// the optimality certificate and, when small enough, the brute force.
func FuzzClear(f *testing.F) {
	f.Add(uint64(1), uint64(2), uint8(3), uint8(3))
	f.Add(uint64(99), uint64(7), uint8(1), uint8(6))
	f.Fuzz(func(t *testing.T, seed1, seed2 uint64, nr, no uint8) {
		r := rand.New(rand.NewPCG(seed1, seed2))
		w := randomWorld(t, r, catalog.Price(1+r.IntN(3)), 1+r.IntN(4))
		in := w.randomInstance(r, 1+int(nr%8), 1+int(no%8), 1+r.Int64N(6), 2+r.IntN(4))
		res, err := Clear(w.d, in.reqs, in.offs)
		if err != nil {
			t.Fatalf("%v: %v", err, in)
		}
		if msg := w.check(in, res); msg != "" {
			t.Fatalf("%s: %v", msg, in)
		}
		want, err := refClear(w.d, in.reqs, in.offs)
		if err != nil {
			t.Fatalf("reference: %v: %v", err, in)
		}
		pd, err := clearWith(w.d, in.reqs, in.offs, false)
		if err != nil {
			t.Fatalf("primal-dual: %v: %v", err, in)
		}
		for _, got := range []Result{res, pd} {
			if !reflect.DeepEqual(want.Requests, got.Requests) || !reflect.DeepEqual(want.Offers, got.Offers) ||
				!reflect.DeepEqual(want.Participants, got.Participants) || want.Surplus != got.Surplus || want.Volume != got.Volume {
				t.Fatalf("differs from the reference solver: %v", in)
			}
		}
		if len(in.reqs)*len(in.offs) <= 6 {
			best, _, _ := w.brute(in)
			if best != res.Surplus {
				t.Fatalf("surplus %d, brute force %d: %v", res.Surplus, best, in)
			}
		}
	})
}
