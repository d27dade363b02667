package clearing

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// world is a test catalog: cement (group 23.51, graded M400 < M500 (par)
// < M550 with differentials -30, 0, +20) with two leaves, an ungraded leaf
// elsewhere, and bases 1..nb with a transport table.
type world struct {
	d          Data
	cement     catalog.CategoryID // group
	cem1, cem2 catalog.CategoryID // leaves under cement
	sand       catalog.CategoryID // ungraded leaf
	nb         int
	tick       catalog.Price
	diffs      []catalog.Price // by grade ordinal (index 0 unused)
	m400, m500 catalog.Grade
	m550       catalog.Grade
	routes     map[[2]catalog.BasisID]catalog.Price
}

func newWorld(t testing.TB, tick catalog.Price, nb int, routes map[[2]catalog.BasisID]catalog.Price) *world {
	t.Helper()
	tax, err := catalog.LoadTaxonomyCSV(strings.NewReader(fmt.Sprintf(
		"code,name,unit,tick,lot\n08,Quarrying,,,\n08.12,Sand,t,%d,1\n23,Minerals,,,\n23.51,Cement,,,\n23.51.12,CEM I,t,%d,1\n23.51.13,CEM II,t,%d,1\n", tick, tick, tick)))
	require.NoError(t, err)
	bases := catalog.NewBases()
	for i := 1; i <= nb; i++ {
		_, err := bases.Add(fmt.Sprintf("B%d", i), fmt.Sprintf("Basis %d", i))
		require.NoError(t, err)
	}
	w := &world{nb: nb, tick: tick, routes: routes}
	c, _ := tax.ByCode("23.51")
	w.cement = c.ID
	c, _ = tax.ByCode("23.51.12")
	w.cem1 = c.ID
	c, _ = tax.ByCode("23.51.13")
	w.cem2 = c.ID
	c, _ = tax.ByCode("08.12")
	w.sand = c.ID
	g := catalog.NewGrades(tax)
	w.diffs = []catalog.Price{0, -3 * tick, 0, 2 * tick}
	for k, code := range []string{"M400", "M500", "M550"} {
		gr, err := g.Add(w.cement, code, w.diffs[k+1])
		require.NoError(t, err)
		_ = gr
	}
	w.m400, w.m500, w.m550 = 1, 2, 3
	tr := catalog.NewTransport(bases)
	for k, v := range routes {
		require.NoError(t, tr.Set(k[0], k[1], v))
	}
	w.d = Data{Taxonomy: tax, Grades: g, Transport: tr, Bases: bases}
	return w
}

// randomWorld has nb bases with random routes (about half of the pairs).
func randomWorld(t testing.TB, r *rand.Rand, tick catalog.Price, nb int) *world {
	routes := map[[2]catalog.BasisID]catalog.Price{}
	for a := 1; a <= nb; a++ {
		for b := 1; b <= nb; b++ {
			if a != b && r.IntN(2) == 0 {
				routes[[2]catalog.BasisID{catalog.BasisID(a), catalog.BasisID(b)}] = tick * catalog.Price(r.IntN(4))
			}
		}
	}
	return newWorld(t, tick, nb, routes)
}

// compatible is the reference compatibility rule, written from the
// specification independently of the solver: it reports the surplus per
// lot, the transport cost and the differential.
func (w *world) compatible(r Request, o Offer) (surplus int64, transport, diff catalog.Price, ok bool) {
	if r.Owner == o.Owner || !w.d.Taxonomy.Covers(r.Category, o.Category) {
		return 0, 0, 0, false
	}
	if o.Grade < r.MinGrade || (r.MaxLead != 0 && o.Lead > r.MaxLead) || o.Rating < r.MinRating {
		return 0, 0, 0, false
	}
	best, found := catalog.Price(0), false
	if slices.Contains(r.Accept, o.Basis) {
		best, found = 0, true
	}
	if r.Deliver != 0 {
		c, ok := w.d.Transport.Cost(o.Basis, r.Deliver)
		if ok && (!found || c < best) {
			best, found = c, true
		}
	}
	if !found {
		return 0, 0, 0, false
	}
	if o.Grade != 0 {
		diff = w.diffs[o.Grade]
	}
	return int64(r.Limit) + int64(diff) - int64(o.Limit) - int64(best), best, diff, true
}

type instance struct {
	reqs []Request
	offs []Offer
}

func (in instance) String() string {
	var b strings.Builder
	for _, r := range in.reqs {
		fmt.Fprintf(&b, "R%d{own %d cat %d acc %v del %d g>=%d lead<=%d rat>=%d q %d L %d p %d} ", r.ID, r.Owner, r.Category, r.Accept, r.Deliver, r.MinGrade, r.MaxLead, r.MinRating, r.Qty, r.Limit, r.Priority)
	}
	for _, o := range in.offs {
		fmt.Fprintf(&b, "O%d{own %d cat %d at %d g %d lead %d rat %d q %d L %d p %d} ", o.ID, o.Owner, o.Category, o.Basis, o.Grade, o.Lead, o.Rating, o.Qty, o.Limit, o.Priority)
	}
	return b.String()
}

// randomInstance draws nr requests and no offers with quantities up to
// maxQty. Prices are near 100 ticks so that many pairs have small positive
// or zero surplus, and priorities repeat to exercise the tie-breaks.
func (w *world) randomInstance(r *rand.Rand, nr, no int, maxQty int64, owners int) instance {
	var in instance
	tk := w.tick
	for i := range nr {
		q := Request{ID: OrderID(i + 1), Owner: catalog.ParticipantID(1 + r.IntN(owners)),
			Qty: 1 + r.Int64N(maxQty), Limit: tk * catalog.Price(95+r.IntN(11)), Priority: uint64(r.IntN(2 * (nr + no)))}
		switch r.IntN(4) {
		case 0:
			q.Category = w.cem1
		case 1:
			q.Category = w.cem2
		default:
			q.Category = w.cement
		}
		if r.IntN(3) == 0 {
			q.MinGrade = catalog.Grade(r.IntN(4))
		}
		if r.IntN(3) == 0 {
			q.MaxLead = int32(1 + r.IntN(10))
		}
		if r.IntN(3) == 0 {
			q.MinRating = uint8(r.IntN(60))
		}
		if r.IntN(2) == 0 {
			q.Deliver = catalog.BasisID(1 + r.IntN(w.nb))
		}
		if q.Deliver == 0 || r.IntN(3) == 0 {
			for range 1 + r.IntN(2) {
				q.Accept = append(q.Accept, catalog.BasisID(1+r.IntN(w.nb)))
			}
		}
		in.reqs = append(in.reqs, q)
	}
	for j := range no {
		o := Offer{ID: OrderID(j + 1), Owner: catalog.ParticipantID(1 + r.IntN(owners)),
			Basis: catalog.BasisID(1 + r.IntN(w.nb)), Grade: catalog.Grade(1 + r.IntN(3)),
			Lead: int32(r.IntN(12)), Rating: uint8(r.IntN(100)),
			Qty: 1 + r.Int64N(maxQty), Limit: tk * catalog.Price(95+r.IntN(11)), Priority: uint64(r.IntN(2 * (nr + no)))}
		o.Category = w.cem1
		if r.IntN(2) == 0 {
			o.Category = w.cem2
		}
		in.offs = append(in.offs, o)
	}
	return in
}

// ranks returns the merged priority order the solver documents:
// Priority, then requests before offers, then ID. Entries are +i+1 for
// request index i and -(j+1) for offer index j.
func ranks(in instance) []int {
	var keys []int
	for i := range in.reqs {
		keys = append(keys, i+1)
	}
	for j := range in.offs {
		keys = append(keys, -(j + 1))
	}
	key := func(k int) (uint64, int, OrderID) {
		if k > 0 {
			return in.reqs[k-1].Priority, 0, in.reqs[k-1].ID
		}
		return in.offs[-k-1].Priority, 1, in.offs[-k-1].ID
	}
	slices.SortFunc(keys, func(a, b int) int {
		pa, sa, ia := key(a)
		pb, sb, ib := key(b)
		return cmp.Or(cmp.Compare(pa, pb), cmp.Compare(sa, sb), cmp.Compare(ia, ib))
	})
	return keys
}

// brute enumerates every integer trade matrix of a small instance and
// returns the largest surplus and the lexicographically largest fill
// vector (in priority order) among the matrices that reach it.
func (w *world) brute(in instance) (best int64, fillsR, fillsO []int64) {
	type edge struct {
		i, j int
		s    int64
	}
	var edges []edge
	for i, r := range in.reqs {
		for j, o := range in.offs {
			if s, _, _, ok := w.compatible(r, o); ok {
				edges = append(edges, edge{i, j, s})
			}
		}
	}
	order := ranks(in)
	leftR := make([]int64, len(in.reqs))
	leftO := make([]int64, len(in.offs))
	for i, r := range in.reqs {
		leftR[i] = r.Qty
	}
	for j, o := range in.offs {
		leftO[j] = o.Qty
	}
	first := true
	var bestVec []int64
	vec := func() []int64 {
		v := make([]int64, 0, len(order))
		for _, k := range order {
			if k > 0 {
				v = append(v, in.reqs[k-1].Qty-leftR[k-1])
			} else {
				v = append(v, in.offs[-k-1].Qty-leftO[-k-1])
			}
		}
		return v
	}
	var rec func(e int, s int64)
	rec = func(e int, s int64) {
		if e == len(edges) {
			v := vec()
			if first || s > best || (s == best && slices.Compare(v, bestVec) > 0) {
				first, best, bestVec = false, s, v
			}
			return
		}
		ed := edges[e]
		for x := int64(0); x <= min(leftR[ed.i], leftO[ed.j]); x++ {
			leftR[ed.i] -= x
			leftO[ed.j] -= x
			rec(e+1, s+x*ed.s)
			leftR[ed.i] += x
			leftO[ed.j] += x
		}
	}
	rec(0, 0)
	fillsR = make([]int64, len(in.reqs))
	fillsO = make([]int64, len(in.offs))
	for x, k := range order {
		if k > 0 {
			fillsR[k-1] = bestVec[x]
		} else {
			fillsO[-k-1] = bestVec[x]
		}
	}
	return best, fillsR, fillsO
}

// check verifies every documented property of a result: fills on
// compatible pairs at the orders' prices with the price identity,
// quantity conserved, no limit broken, complementary slackness, no envy,
// dual objective equal to the surplus (a certificate that the surplus is
// the optimum), surplus accounting, and explanations. It returns an error
// message, or "".
func (w *world) check(in instance, res Result) string {
	if len(res.Requests) != len(in.reqs) || len(res.Offers) != len(in.offs) {
		return "result lengths"
	}
	ri := map[OrderID]int{}
	oi := map[OrderID]int{}
	for i, r := range in.reqs {
		ri[r.ID] = i
	}
	for j, o := range in.offs {
		oi[o.ID] = j
	}
	fr := make([]int64, len(in.reqs))
	fo := make([]int64, len(in.offs))
	var total, volume int64
	for _, f := range res.Fills {
		i, ok1 := ri[f.Request]
		j, ok2 := oi[f.Offer]
		if !ok1 || !ok2 || f.Qty <= 0 {
			return fmt.Sprintf("bad fill %+v", f)
		}
		r, o := in.reqs[i], in.offs[j]
		s, tr, diff, ok := w.compatible(r, o)
		if !ok {
			return fmt.Sprintf("fill %+v between incompatible orders", f)
		}
		if f.Transport != tr || f.GradeDiff != diff || f.Buyer != r.Owner || f.Seller != o.Owner {
			return fmt.Sprintf("fill %+v: want transport %d diff %d", f, tr, diff)
		}
		if f.BuyerPrice+f.GradeDiff != f.SellerPrice+f.Transport {
			return fmt.Sprintf("fill %+v breaks buyer + diff = seller + transport", f)
		}
		if f.BuyerPrice > r.Limit || f.SellerPrice < o.Limit {
			return fmt.Sprintf("fill %+v breaks a limit", f)
		}
		if f.BuyerPrice != res.Requests[i].Price || f.SellerPrice != res.Offers[j].Price {
			return fmt.Sprintf("fill %+v not at the orders' prices", f)
		}
		if f.BuyerPrice%w.tick != 0 || f.SellerPrice%w.tick != 0 {
			return fmt.Sprintf("fill %+v off tick", f)
		}
		fr[i] += f.Qty
		fo[j] += f.Qty
		total += s * f.Qty
		volume += f.Qty
	}
	if total != res.Surplus || volume != res.Volume {
		return fmt.Sprintf("surplus %d volume %d, fills add up to %d and %d", res.Surplus, res.Volume, total, volume)
	}
	// Per-order checks and the dual objective.
	var dual, parts int64
	u := make([]int64, len(in.reqs))
	v := make([]int64, len(in.offs))
	hasR := make([]bool, len(in.reqs))
	hasO := make([]bool, len(in.offs))
	for i, r := range in.reqs {
		for _, o := range in.offs {
			if _, _, _, ok := w.compatible(r, o); ok {
				hasR[i] = true
			}
		}
	}
	for j, o := range in.offs {
		for _, r := range in.reqs {
			if _, _, _, ok := w.compatible(r, o); ok {
				hasO[j] = true
			}
		}
	}
	for i, r := range in.reqs {
		or := res.Requests[i]
		if or.ID != r.ID || or.Filled != fr[i] || or.Filled > r.Qty {
			return fmt.Sprintf("request %d: result %+v, fills %d", r.ID, or, fr[i])
		}
		if or.HasPrice != hasR[i] {
			return fmt.Sprintf("request %d: HasPrice %v, compatible %v", r.ID, or.HasPrice, hasR[i])
		}
		if or.HasPrice {
			u[i] = max(0, int64(r.Limit-or.Price))
			if u[i] > 0 && or.Filled != r.Qty {
				return fmt.Sprintf("request %d priced inside its limit but not filled: %+v", r.ID, or)
			}
			if or.Filled > 0 && or.Price > r.Limit {
				return fmt.Sprintf("request %d filled above its limit", r.ID)
			}
			if or.Surplus != int64(r.Limit-or.Price)*or.Filled {
				return fmt.Sprintf("request %d surplus %d", r.ID, or.Surplus)
			}
		}
		if s := w.outcome(or.Filled, r.Qty, hasR[i], or.Price, r.Limit, true); s != or.Outcome {
			return fmt.Sprintf("request %d: outcome %v, want %v (%+v)", r.ID, or.Outcome, s, or)
		}
		dual += u[i] * r.Qty
		parts += or.Surplus
	}
	for j, o := range in.offs {
		or := res.Offers[j]
		if or.ID != o.ID || or.Filled != fo[j] || or.Filled > o.Qty {
			return fmt.Sprintf("offer %d: result %+v, fills %d", o.ID, or, fo[j])
		}
		if or.HasPrice != hasO[j] {
			return fmt.Sprintf("offer %d: HasPrice %v, compatible %v", o.ID, or.HasPrice, hasO[j])
		}
		if or.HasPrice {
			v[j] = max(0, int64(or.Price-o.Limit))
			if v[j] > 0 && or.Filled != o.Qty {
				return fmt.Sprintf("offer %d priced inside its limit but not filled: %+v", o.ID, or)
			}
			if or.Filled > 0 && or.Price < o.Limit {
				return fmt.Sprintf("offer %d filled below its limit", o.ID)
			}
			if or.Surplus != int64(or.Price-o.Limit)*or.Filled {
				return fmt.Sprintf("offer %d surplus %d", o.ID, or.Surplus)
			}
		}
		if s := w.outcome(or.Filled, o.Qty, hasO[j], or.Price, o.Limit, false); s != or.Outcome {
			return fmt.Sprintf("offer %d: outcome %v, want %v (%+v)", o.ID, or.Outcome, s, or)
		}
		dual += v[j] * o.Qty
		parts += or.Surplus
	}
	if parts != res.Surplus {
		return fmt.Sprintf("order surpluses add up to %d, not %d", parts, res.Surplus)
	}
	// No envy: no compatible pair could both do better trading together.
	for i, r := range in.reqs {
		for j, o := range in.offs {
			if s, _, _, ok := w.compatible(r, o); ok && u[i]+v[j] < s {
				return fmt.Sprintf("envy between request %d (u %d) and offer %d (v %d), surplus %d", r.ID, u[i], o.ID, v[j], s)
			}
		}
	}
	if dual != res.Surplus {
		return fmt.Sprintf("dual objective %d differs from surplus %d: not optimal", dual, res.Surplus)
	}
	// Participants.
	var ps int64
	for k, p := range res.Participants {
		if k > 0 && res.Participants[k-1].Owner >= p.Owner {
			return "participants not sorted"
		}
		ps += p.Surplus
	}
	if ps != res.Surplus {
		return fmt.Sprintf("participant surpluses add up to %d, not %d", ps, res.Surplus)
	}
	return ""
}

func (w *world) outcome(filled, qty int64, compat bool, price, limit catalog.Price, buyer bool) Outcome {
	switch {
	case filled == qty:
		return Filled
	case !compat:
		return NoCounterparty
	case filled == 0 && ((buyer && limit < price) || (!buyer && limit > price)):
		return PricedOut
	}
	return Margin
}
