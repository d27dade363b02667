package clearing

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/agora-exchange/agora/catalog"
)

type chunk struct {
	req int32
	amt int64
}

func (s *solver) result(phi []int64) (Result, error) {
	res := Result{
		Requests: make([]OrderResult, len(s.reqs)),
		Offers:   make([]OrderResult, len(s.offs)),
	}
	// Split each request class's outflow among its requests (priority
	// order), then each offer class's inflow among its offers (priority
	// order): the north-west corner rule, twice.
	out := make([][]int32, len(s.rcls)) // pair indexes by request class
	for k, p := range s.pairs {
		if p.flow > 0 {
			out[p.r] = append(out[p.r], int32(k))
		}
	}
	var keys [][2]int32                    // priority ranks of every fill
	in := make([][]chunk, len(s.ocls))     // per offer class, in request order
	inPair := make([][]int32, len(s.ocls)) // pair of each chunk
	for c := range s.rcls {
		arcs := out[c]
		if len(arcs) == 0 {
			continue
		}
		slices.SortFunc(arcs, func(a, b int32) int {
			return cmp.Compare(s.orank[s.ocls[s.pairs[a].o].orders[0]], s.orank[s.ocls[s.pairs[b].o].orders[0]])
		})
		ai, left := 0, s.pairs[arcs[0]].flow
		for _, i := range s.rcls[c].orders {
			f := s.flow(s.rarc[i])
			for f > 0 {
				m := min(f, left)
				p := s.pairs[arcs[ai]]
				in[p.o] = append(in[p.o], chunk{i, m})
				inPair[p.o] = append(inPair[p.o], arcs[ai])
				f -= m
				left -= m
				if left == 0 && ai+1 < len(arcs) {
					ai++
					left = s.pairs[arcs[ai]].flow
				}
			}
		}
	}
	for c := range s.ocls {
		ch := in[c]
		if len(ch) == 0 {
			continue
		}
		ord := make([]int, len(ch))
		for x := range ord {
			ord[x] = x
		}
		slices.SortStableFunc(ord, func(a, b int) int { return cmp.Compare(s.rrank[ch[a].req], s.rrank[ch[b].req]) })
		oc := &s.ocls[c]
		x := 0
		left := ch[ord[0]].amt
		for _, j := range oc.orders {
			f := s.flow(s.oarc[j])
			for f > 0 {
				m := min(f, left)
				i := ch[ord[x]].req
				p := s.pairs[inPair[c][ord[x]]]
				rc := s.rcls[s.rof[i]]
				keys = append(keys, [2]int32{s.rrank[i], s.orank[j]})
				res.Fills = append(res.Fills, Fill{
					Request: s.reqs[i].ID, Offer: s.offs[j].ID,
					Buyer: s.reqs[i].Owner, Seller: s.offs[j].Owner, Qty: m,
					BuyerPrice:  catalog.Price(-phi[rc.node]),
					SellerPrice: catalog.Price(int64(oc.diff) - phi[oc.node]),
					Transport:   p.transport, GradeDiff: oc.diff,
				})
				f -= m
				left -= m
				if left == 0 && x+1 < len(ord) {
					x++
					left = ch[ord[x]].amt
				}
			}
		}
	}
	// Each (request, offer) pair appears once: a request's lots reach an
	// offer class along one pair arc, in one chunk. Sort the fills.
	ord := make([]int32, len(res.Fills))
	for x := range ord {
		ord[x] = int32(x)
	}
	slices.SortFunc(ord, func(a, b int32) int {
		return cmp.Or(cmp.Compare(keys[a][0], keys[b][0]), cmp.Compare(keys[a][1], keys[b][1]))
	})
	if len(ord) > 0 {
		sorted := make([]Fill, len(ord))
		for x, y := range ord {
			sorted[x] = res.Fills[y]
		}
		res.Fills = sorted
	}
	// Orders.
	var ok bool
	part := map[catalog.ParticipantID]*ParticipantSurplus{}
	party := func(id catalog.ParticipantID) *ParticipantSurplus {
		p := part[id]
		if p == nil {
			p = &ParticipantSurplus{Owner: id}
			part[id] = p
		}
		return p
	}
	rcompat, ocompat := s.rcompat, s.ocompat
	for i := range s.reqs {
		r := &s.reqs[i]
		c := s.rof[i]
		or := &res.Requests[i]
		or.ID, or.Owner = r.ID, r.Owner
		or.Filled = s.flow(s.rarc[i])
		if rcompat[c] && phi[s.rcls[c].node] < inf {
			or.Price, or.HasPrice = catalog.Price(-phi[s.rcls[c].node]), true
		}
		if or.Surplus, ok = mulAdd(0, int64(r.Limit-or.Price), or.Filled); !ok {
			return Result{}, fmt.Errorf("%w: surplus of request %d", ErrOverflow, r.ID)
		}
		switch {
		case or.Filled == r.Qty:
			or.Outcome = Filled
		case !rcompat[c]:
			or.Outcome = NoCounterparty
			or.Constraint, or.Excluded = s.explainRequest(c)
		case or.Filled == 0 && r.Limit < or.Price:
			or.Outcome = PricedOut
		default:
			or.Outcome = Margin
		}
		p := party(r.Owner)
		p.Bought += or.Filled
		if p.Surplus, ok = mulAdd(p.Surplus, or.Surplus, 1); !ok {
			return Result{}, fmt.Errorf("%w: surplus of participant %d", ErrOverflow, r.Owner)
		}
		res.Volume += or.Filled
	}
	for j := range s.offs {
		o := &s.offs[j]
		c := s.oof[j]
		oc := &s.ocls[c]
		or := &res.Offers[j]
		or.ID, or.Owner = o.ID, o.Owner
		or.Filled = s.flow(s.oarc[j])
		if ocompat[c] && phi[oc.node] < inf {
			or.Price, or.HasPrice = catalog.Price(int64(oc.diff)-phi[oc.node]), true
		}
		if or.Surplus, ok = mulAdd(0, int64(or.Price-o.Limit), or.Filled); !ok {
			return Result{}, fmt.Errorf("%w: surplus of offer %d", ErrOverflow, o.ID)
		}
		switch {
		case or.Filled == o.Qty:
			or.Outcome = Filled
		case !ocompat[c]:
			or.Outcome = NoCounterparty
			or.Constraint, or.Excluded = s.explainOffer(c)
		case or.Filled == 0 && o.Limit > or.Price:
			or.Outcome = PricedOut
		default:
			or.Outcome = Margin
		}
		p := party(o.Owner)
		p.Sold += or.Filled
		if p.Surplus, ok = mulAdd(p.Surplus, or.Surplus, 1); !ok {
			return Result{}, fmt.Errorf("%w: surplus of participant %d", ErrOverflow, o.Owner)
		}
	}
	for _, p := range part {
		if res.Surplus, ok = mulAdd(res.Surplus, p.Surplus, 1); !ok {
			return Result{}, fmt.Errorf("%w: total surplus", ErrOverflow)
		}
		res.Participants = append(res.Participants, *p)
	}
	slices.SortFunc(res.Participants, func(a, b ParticipantSurplus) int { return cmp.Compare(a.Owner, b.Owner) })
	return res, nil
}

// explainRequest counts, over every offer in a category the request class
// covers, the constraints that exclude it.
func (s *solver) explainRequest(c int32) (Constraint, int) {
	rc := &s.rcls[c]
	var n [ConstraintCompany + 1]int
	cands := 0
	for o := range s.ocls {
		oc := &s.ocls[o]
		if !s.covers(rc.cat, oc.cat) {
			continue
		}
		w := len(oc.orders)
		cands += w
		g, b, l, ra, co, _ := s.failures(rc, oc)
		count(&n, w, g, b, l, ra, co)
	}
	return pick(&n, cands)
}

func (s *solver) explainOffer(c int32) (Constraint, int) {
	oc := &s.ocls[c]
	var n [ConstraintCompany + 1]int
	cands := 0
	for r := range s.rcls {
		rc := &s.rcls[r]
		if !s.covers(rc.cat, oc.cat) {
			continue
		}
		w := len(rc.orders)
		cands += w
		g, b, l, ra, co, _ := s.failures(rc, oc)
		count(&n, w, g, b, l, ra, co)
	}
	return pick(&n, cands)
}

func count(n *[ConstraintCompany + 1]int, w int, g, b, l, ra, co bool) {
	for _, x := range [...]struct {
		c  Constraint
		on bool
	}{{ConstraintGrade, g}, {ConstraintBasis, b}, {ConstraintLead, l}, {ConstraintRating, ra}, {ConstraintCompany, co}} {
		if x.on {
			n[x.c] += w
		}
	}
}

func pick(n *[ConstraintCompany + 1]int, cands int) (Constraint, int) {
	if cands == 0 {
		return ConstraintCategory, 0
	}
	best := Constraint(0)
	for _, c := range []Constraint{ConstraintGrade, ConstraintBasis, ConstraintLead, ConstraintRating} {
		if n[c] > 0 && (best == 0 || n[c] > n[best]) {
			best = c
		}
	}
	if best == 0 {
		return ConstraintCompany, n[ConstraintCompany]
	}
	return best, n[best]
}
