package clearing

// This file keeps the first solver, the class-pair network with the
// primal-dual method, as a reference implementation for the differential
// tests: refClear must agree with Clear on every instance.

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/agora-exchange/agora/catalog"
)

// refRclass is a request class: requests with the same compatibility
// attributes (and, for a company on both sides, the same owner).
type refRclass struct {
	cat       catalog.CategoryID
	accept    []catalog.BasisID // sorted, unique
	deliver   catalog.BasisID
	minGrade  catalog.Grade
	maxLead   int32
	minRating uint8
	company   catalog.ParticipantID // 0 unless the owner also sells
	orders    []int32               // request indexes, in priority order
	node      int
}

type refOclass struct {
	cat     catalog.CategoryID
	basis   catalog.BasisID
	grade   catalog.Grade
	diff    catalog.Price
	lead    int32
	rating  uint8
	company catalog.ParticipantID
	orders  []int32
	node    int
}

type refPairArc struct {
	r, o      int32
	arc       int32
	transport catalog.Price
}

type refSolver struct {
	data Data
	reqs []Request
	offs []Offer
	// rank of every order in the merged priority order: requests then
	// offers by index into reqs/offs.
	rrank, orank []int32
	rcls         []refRclass
	ocls         []refOclass
	rof, oof     []int32 // class of every request / offer
	pairs        []refPairArc
	g            *refNetwork
	rarc, oarc   []int32 // arc of every request / offer
	coverCache   map[[2]catalog.CategoryID]bool
}

// refClear clears a pool: it chooses the lots traded between every compatible
// request and offer so as to maximise total surplus, prices every trade at
// buyer-optimal competitive prices, and explains every order that did not
// fill. It is a pure function of its arguments: the same input always gives
// the same Result, whatever the order of the input slices.
//
// Compatibility. A request and an offer are compatible when the offer's
// leaf is in the request's category subtree; the offer's grade is at least
// the request's MinGrade; its lead time is at most MaxLead (when set); its
// rating is at least MinRating; its basis is one the request accepts or
// one the transport table connects to the request's Deliver basis; and the
// two owners differ (self-trade prevention). The surplus of a lot traded
// between them is request.Limit + D − offer.Limit − T, where D is the
// differential of the offer's grade from par and T the cheapest transport
// (zero from an accepted basis).
//
// Objective, in lexicographic order: (1) the largest total surplus; (2)
// among the trades that reach it, earlier orders filled first: the vector
// of lots filled per order, taken in priority order (Priority, then
// requests before offers, then ID), is lexicographically largest. Rule (2)
// fixes every order's filled quantity uniquely; it also makes the volume
// the largest of all surplus-maximal trades, so orders whose limits meet
// exactly trade as they do in a call auction. Lots are divisible: any
// integer split is allowed.
//
// Prices are the buyer-optimal competitive prices: the lowest request
// prices and offer prices of all competitive (Walrasian) equilibria, the
// point of the core of the assignment game best for buyers (Shapley and
// Shubik). All requests of one class (same category, bases, minimum grade,
// lead time and rating) pay one price and all offers of one class one
// price. At these prices no order pays above or receives below its limit,
// no order could do better with another compatible counterparty (envy
// free), every order priced strictly inside its limit is filled completely,
// and an order priced strictly outside it trades nothing. Prices are sums
// and differences of limits, differentials and transport costs, so they are
// on tick when those are.
//
// Errors (wrapped with the side and ID of the order at fault): ErrNoCatalog,
// ErrTooMany, ErrBadOrder, ErrDuplicateID, ErrBadQty, ErrBadPrice,
// ErrAllOrNone, ErrOverflow, catalog.ErrUnknownCategory, catalog.ErrNotLeaf,
// catalog.ErrUnknownGrade, catalog.ErrUnknownBasis, catalog.ErrNoRoute (a
// request whose only basis is one no route reaches), catalog.ErrOffTick.
//
// Cost: with R request classes, O offer classes, P compatible class pairs
// and N orders, building the refNetwork is O(N log N + R·O); the flow is
// O(phases · (N + P) log(R + O)), where phases is at most the number of
// distinct surplus values of a path; the priority pass is O(M · P) for M
// orders at the margin. refClear allocates the Result and its scratch space.
func refClear(data Data, requests []Request, offers []Offer) (Result, error) {
	s := &refSolver{data: data, reqs: requests, offs: offers, coverCache: map[[2]catalog.CategoryID]bool{}}
	if err := s.validate(); err != nil {
		return Result{}, err
	}
	s.rank()
	s.classes()
	s.buildNetwork()
	s.g.minCost(0, 1)
	phi := s.g.distances(0, 1)
	s.priorityPass(phi)
	return s.result(phi)
}

func refReqErr(r *Request, err error, format string, args ...any) error {
	return fmt.Errorf("%w: request %d: %s", err, r.ID, fmt.Sprintf(format, args...))
}

func refOffErr(o *Offer, err error, format string, args ...any) error {
	return fmt.Errorf("%w: offer %d: %s", err, o.ID, fmt.Sprintf(format, args...))
}

func (s *refSolver) tick(cat catalog.CategoryID) catalog.Price {
	// A group's orders must be on the tick of every leaf below it: the
	// least common multiple of their ticks, capped at MaxPrice+1.
	t := s.data.Taxonomy
	if c, ok := t.ByID(cat); ok && t.IsLeaf(cat) {
		return c.Tick
	}
	l := catalog.Price(1)
	for id := range t.Descendants(cat) {
		if !t.IsLeaf(id) {
			continue
		}
		c, _ := t.ByID(id)
		if c.Tick <= 0 {
			continue
		}
		a, b := l, c.Tick
		for b != 0 {
			a, b = b, a%b
		}
		l = l / a * c.Tick
		if l > MaxPrice {
			return MaxPrice + 1
		}
	}
	return l
}

func (s *refSolver) validate() error {
	d := s.data
	if d.Taxonomy == nil || d.Taxonomy.Len() == 0 {
		return ErrNoCatalog
	}
	if len(s.reqs)+len(s.offs) > MaxOrders {
		return fmt.Errorf("%w: %d requests and %d offers, at most %d in all", ErrTooMany, len(s.reqs), len(s.offs), MaxOrders)
	}
	ticks := map[catalog.CategoryID]catalog.Price{}
	tickOf := func(c catalog.CategoryID) catalog.Price {
		if t, ok := ticks[c]; ok {
			return t
		}
		t := s.tick(c)
		ticks[c] = t
		return t
	}
	basisOK := func(b catalog.BasisID) bool {
		if b == 0 {
			return false
		}
		if d.Bases == nil {
			return true
		}
		_, ok := d.Bases.ByID(b)
		return ok
	}
	seen := make(map[OrderID]struct{}, len(s.reqs))
	for i := range s.reqs {
		r := &s.reqs[i]
		switch {
		case r.ID == 0:
			return refReqErr(r, ErrBadOrder, "zero ID")
		case r.Owner == 0:
			return refReqErr(r, ErrBadOrder, "no owner")
		case r.MinQty != 0:
			return refReqErr(r, ErrAllOrNone, "MinQty %d", r.MinQty)
		case r.Qty <= 0 || r.Qty > MaxQty:
			return refReqErr(r, ErrBadQty, "qty %d, want 1..%d", r.Qty, MaxQty)
		case r.Limit <= 0 || r.Limit > MaxPrice:
			return refReqErr(r, ErrBadPrice, "limit %d, want 1..%d", r.Limit, MaxPrice)
		case r.MaxLead < 0 || r.MaxLead > MaxLead:
			return refReqErr(r, ErrBadOrder, "max lead %d", r.MaxLead)
		case r.MinRating > catalog.MaxRating:
			return refReqErr(r, ErrBadOrder, "min rating %d above %d", r.MinRating, catalog.MaxRating)
		case len(r.Accept) == 0 && r.Deliver == 0:
			return refReqErr(r, ErrBadOrder, "no accepted basis and no delivery basis")
		}
		if _, dup := seen[r.ID]; dup {
			return refReqErr(r, ErrDuplicateID, "")
		}
		seen[r.ID] = struct{}{}
		if _, ok := d.Taxonomy.ByID(r.Category); !ok {
			return refReqErr(r, catalog.ErrUnknownCategory, "category %d", r.Category)
		}
		if tk := tickOf(r.Category); r.Limit%tk != 0 {
			return refReqErr(r, catalog.ErrOffTick, "limit %d, tick %d", r.Limit, tk)
		}
		if r.MinGrade != 0 {
			if _, err := d.Grades.Grade(r.Category, r.MinGrade); err != nil {
				return refReqErr(r, err, "min grade")
			}
		}
		for _, b := range r.Accept {
			if !basisOK(b) {
				return refReqErr(r, catalog.ErrUnknownBasis, "accepted basis %d", b)
			}
		}
		if r.Deliver != 0 {
			if !basisOK(r.Deliver) {
				return refReqErr(r, catalog.ErrUnknownBasis, "delivery basis %d", r.Deliver)
			}
			if len(r.Accept) == 0 && !s.reachable(r.Deliver) {
				return refReqErr(r, catalog.ErrNoRoute, "nothing can be delivered to basis %d", r.Deliver)
			}
		}
	}
	clear(seen)
	for i := range s.offs {
		o := &s.offs[i]
		switch {
		case o.ID == 0:
			return refOffErr(o, ErrBadOrder, "zero ID")
		case o.Owner == 0:
			return refOffErr(o, ErrBadOrder, "no owner")
		case o.MinQty != 0:
			return refOffErr(o, ErrAllOrNone, "MinQty %d", o.MinQty)
		case o.Qty <= 0 || o.Qty > MaxQty:
			return refOffErr(o, ErrBadQty, "qty %d, want 1..%d", o.Qty, MaxQty)
		case o.Limit <= 0 || o.Limit > MaxPrice:
			return refOffErr(o, ErrBadPrice, "limit %d, want 1..%d", o.Limit, MaxPrice)
		case o.Lead < 0 || o.Lead > MaxLead:
			return refOffErr(o, ErrBadOrder, "lead %d", o.Lead)
		case o.Rating > catalog.MaxRating:
			return refOffErr(o, ErrBadOrder, "rating %d above %d", o.Rating, catalog.MaxRating)
		case !basisOK(o.Basis):
			return refOffErr(o, catalog.ErrUnknownBasis, "basis %d", o.Basis)
		}
		if _, dup := seen[o.ID]; dup {
			return refOffErr(o, ErrDuplicateID, "")
		}
		seen[o.ID] = struct{}{}
		c, err := d.Taxonomy.Tradable(o.Category)
		if err != nil {
			return refOffErr(o, err, "category %d", o.Category)
		}
		if o.Limit%c.Tick != 0 {
			return refOffErr(o, catalog.ErrOffTick, "limit %d, tick %d", o.Limit, c.Tick)
		}
		if d.Grades.Len(o.Category) > 0 || o.Grade != 0 {
			gi, err := d.Grades.Grade(o.Category, o.Grade)
			if err != nil {
				return refOffErr(o, err, "grade")
			}
			if gi.Diff > MaxPrice || gi.Diff < -MaxPrice {
				return refOffErr(o, ErrBadPrice, "grade differential %d out of range", gi.Diff)
			}
		}
	}
	return nil
}

// reachable reports whether any basis, itself included, delivers to b.
func (s *refSolver) reachable(b catalog.BasisID) bool {
	if _, ok := s.data.Transport.Cost(b, b); ok {
		return true
	}
	if s.data.Bases != nil {
		for x := range s.data.Bases.All() {
			if _, ok := s.data.Transport.Cost(x.ID, b); ok {
				return true
			}
		}
		return false
	}
	return true
}

// rank sorts the orders into the merged priority order.
func (s *refSolver) rank() {
	type key struct {
		prio uint64
		side Side
		id   OrderID
		idx  int32
	}
	keys := make([]key, 0, len(s.reqs)+len(s.offs))
	for i := range s.reqs {
		keys = append(keys, key{s.reqs[i].Priority, SideRequest, s.reqs[i].ID, int32(i)})
	}
	for i := range s.offs {
		keys = append(keys, key{s.offs[i].Priority, SideOffer, s.offs[i].ID, int32(i)})
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.prio, b.prio), cmp.Compare(a.side, b.side), cmp.Compare(a.id, b.id))
	})
	s.rrank = make([]int32, len(s.reqs))
	s.orank = make([]int32, len(s.offs))
	for k, x := range keys {
		if x.side == SideRequest {
			s.rrank[x.idx] = int32(k)
		} else {
			s.orank[x.idx] = int32(k)
		}
	}
}

func (s *refSolver) byRank(side Side) []int32 {
	var idx []int32
	var rk []int32
	if side == SideRequest {
		idx, rk = make([]int32, len(s.reqs)), s.rrank
	} else {
		idx, rk = make([]int32, len(s.offs)), s.orank
	}
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { return cmp.Compare(rk[a], rk[b]) })
	return idx
}

func (s *refSolver) classes() {
	buyers := map[catalog.ParticipantID]bool{}
	for i := range s.reqs {
		buyers[s.reqs[i].Owner] = true
	}
	both := map[catalog.ParticipantID]bool{}
	for i := range s.offs {
		if buyers[s.offs[i].Owner] {
			both[s.offs[i].Owner] = true
		}
	}
	var sb strings.Builder
	rkeys := map[string]int32{}
	s.rof = make([]int32, len(s.reqs))
	for _, i := range s.byRank(SideRequest) {
		r := &s.reqs[i]
		acc := slices.Clone(r.Accept)
		slices.Sort(acc)
		acc = slices.Compact(acc)
		var company catalog.ParticipantID
		if both[r.Owner] {
			company = r.Owner
		}
		sb.Reset()
		for _, x := range []uint64{uint64(r.Category), uint64(r.Deliver), uint64(r.MinGrade), uint64(r.MaxLead), uint64(r.MinRating), uint64(company)} {
			sb.WriteString(strconv.FormatUint(x, 36))
			sb.WriteByte(',')
		}
		for _, b := range acc {
			sb.WriteString(strconv.FormatUint(uint64(b), 36))
			sb.WriteByte(';')
		}
		k := sb.String()
		c, ok := rkeys[k]
		if !ok {
			c = int32(len(s.rcls))
			rkeys[k] = c
			s.rcls = append(s.rcls, refRclass{cat: r.Category, accept: acc, deliver: r.Deliver, minGrade: r.MinGrade,
				maxLead: r.MaxLead, minRating: r.MinRating, company: company})
		}
		s.rcls[c].orders = append(s.rcls[c].orders, i)
		s.rof[i] = c
	}
	type okey struct {
		cat     catalog.CategoryID
		basis   catalog.BasisID
		grade   catalog.Grade
		lead    int32
		rating  uint8
		company catalog.ParticipantID
	}
	okeys := map[okey]int32{}
	s.oof = make([]int32, len(s.offs))
	for _, j := range s.byRank(SideOffer) {
		o := &s.offs[j]
		var company catalog.ParticipantID
		if both[o.Owner] {
			company = o.Owner
		}
		k := okey{o.Category, o.Basis, o.Grade, o.Lead, o.Rating, company}
		c, ok := okeys[k]
		if !ok {
			c = int32(len(s.ocls))
			okeys[k] = c
			var diff catalog.Price
			if o.Grade != 0 {
				gi, _ := s.data.Grades.Grade(o.Category, o.Grade)
				diff = gi.Diff
			}
			s.ocls = append(s.ocls, refOclass{cat: o.Category, basis: o.Basis, grade: o.Grade, diff: diff,
				lead: o.Lead, rating: o.Rating, company: company})
		}
		s.ocls[c].orders = append(s.ocls[c].orders, j)
		s.oof[j] = c
	}
}

func (s *refSolver) covers(group, leaf catalog.CategoryID) bool {
	k := [2]catalog.CategoryID{group, leaf}
	v, ok := s.coverCache[k]
	if !ok {
		v = s.data.Taxonomy.Covers(group, leaf)
		s.coverCache[k] = v
	}
	return v
}

// failures reports, for a request class and an offer class in a compatible
// category, which constraints fail and the transport cost when none does.
func (s *refSolver) failures(rc *refRclass, oc *refOclass) (grade, basis, lead, rating, company bool, cost catalog.Price) {
	grade = oc.grade < rc.minGrade
	lead = rc.maxLead != 0 && oc.lead > rc.maxLead
	rating = oc.rating < rc.minRating
	company = rc.company != 0 && rc.company == oc.company
	basis = true
	if _, ok := slices.BinarySearch(rc.accept, oc.basis); ok {
		basis, cost = false, 0
	} else if rc.deliver != 0 {
		if c, ok := s.data.Transport.Cost(oc.basis, rc.deliver); ok {
			basis, cost = false, c
		}
	}
	return
}

func (s *refSolver) buildNetwork() {
	// Nodes: 0 source, 1 sink, then request classes, then offer classes.
	n := 2 + len(s.rcls) + len(s.ocls)
	for c := range s.rcls {
		s.rcls[c].node = 2 + c
	}
	for c := range s.ocls {
		s.ocls[c].node = 2 + len(s.rcls) + c
	}
	for r := range s.rcls {
		rc := &s.rcls[r]
		for o := range s.ocls {
			oc := &s.ocls[o]
			if !s.covers(rc.cat, oc.cat) {
				continue
			}
			g, b, l, ra, co, cost := s.failures(rc, oc)
			if g || b || l || ra || co {
				continue
			}
			s.pairs = append(s.pairs, refPairArc{r: int32(r), o: int32(o), transport: cost})
		}
	}
	g := refNewNetwork(n, len(s.reqs)+len(s.offs)+len(s.pairs))
	s.rarc = make([]int32, len(s.reqs))
	s.oarc = make([]int32, len(s.offs))
	for c := range s.rcls {
		for _, i := range s.rcls[c].orders {
			s.rarc[i] = int32(g.addArc(0, s.rcls[c].node, s.reqs[i].Qty, -int64(s.reqs[i].Limit)))
		}
	}
	for k := range s.pairs {
		p := &s.pairs[k]
		p.arc = int32(g.addArc(s.rcls[p.r].node, s.ocls[p.o].node, refInf, int64(p.transport)))
	}
	for c := range s.ocls {
		for _, j := range s.ocls[c].orders {
			s.oarc[j] = int32(g.addArc(s.ocls[c].node, 1, s.offs[j].Qty, int64(s.offs[j].Limit)-int64(s.ocls[c].diff)))
		}
	}
	g.build()
	// Initial potentials: shortest distances in the acyclic refNetwork
	// source → request class → offer class → sink.
	for c := range s.rcls {
		best := refInf
		for _, i := range s.rcls[c].orders {
			best = min(best, -int64(s.reqs[i].Limit))
		}
		g.pi[s.rcls[c].node] = best
	}
	for c := range s.ocls {
		g.pi[s.ocls[c].node] = refInf
	}
	for _, p := range s.pairs {
		v := s.ocls[p.o].node
		g.pi[v] = min(g.pi[v], g.pi[s.rcls[p.r].node]+int64(p.transport))
	}
	pt := refInf
	for c := range s.ocls {
		v := s.ocls[c].node
		if g.pi[v] >= refInf {
			g.pi[v] = 0 // unreachable: never scanned
			continue
		}
		for _, j := range s.ocls[c].orders {
			pt = min(pt, g.pi[v]+int64(s.offs[j].Limit)-int64(s.ocls[c].diff))
		}
	}
	if pt < refInf {
		g.pi[1] = pt
	}
	s.g = g
}

func (s *refSolver) flow(a int32) int64 { return s.g.res[a^1] }

// priorityPass moves flow inside the set of surplus-maximal solutions so
// that, taking orders in priority order, each fills as much as it can while
// every earlier order keeps its fill. Only orders at the margin (zero
// reduced cost under phi) and tight class pairs may change: that set is
// exactly the optimal face.
func (s *refSolver) priorityPass(phi []int64) {
	g := s.g
	rcost := func(a int32) int64 {
		pu, pv := phi[g.from[a]], phi[g.to[a]]
		if pu >= refInf || pv >= refInf {
			return refInf
		}
		return g.cost[a] + pu - pv
	}
	// Flexible orders per class, in priority order; frozen marks orders
	// whose fill may no longer fall (every order up to the current one).
	type flex struct {
		side Side
		idx  int32
		rank int32
	}
	var all []flex
	rflex := make([][]int32, len(s.rcls))
	oflex := make([][]int32, len(s.ocls))
	for c := range s.rcls {
		for _, i := range s.rcls[c].orders {
			if rcost(s.rarc[i]) == 0 {
				rflex[c] = append(rflex[c], i)
				all = append(all, flex{SideRequest, i, s.rrank[i]})
			}
		}
	}
	for c := range s.ocls {
		for _, j := range s.ocls[c].orders {
			if rcost(s.oarc[j]) == 0 {
				oflex[c] = append(oflex[c], j)
				all = append(all, flex{SideOffer, j, s.orank[j]})
			}
		}
	}
	if len(all) == 0 {
		return
	}
	slices.SortFunc(all, func(a, b flex) int { return cmp.Compare(a.rank, b.rank) })
	// Tight pair arcs per class node, both directions.
	nr := len(s.rcls)
	radj := make([][]int32, nr)
	oadj := make([][]int32, len(s.ocls))
	for k, p := range s.pairs {
		if rcost(p.arc) == 0 {
			radj[p.r] = append(radj[p.r], int32(k))
			oadj[p.o] = append(oadj[p.o], int32(k))
		}
	}
	// BFS state over class nodes: 0..nr-1 request classes, nr.. offer classes.
	prev := make([]int32, nr+len(s.ocls)) // pair index used to reach, -1 start, -2 unseen
	queue := make([]int32, 0, len(prev))
	for _, k := range all {
		var cur int32 // current rank threshold: orders with rank > k.rank may fall
		cur = k.rank
		for {
			var room int64
			var start int32
			if k.side == SideRequest {
				room = s.reqs[k.idx].Qty - s.flow(s.rarc[k.idx])
				start = s.rof[k.idx]
			} else {
				room = s.offs[k.idx].Qty - s.flow(s.oarc[k.idx])
				start = int32(nr) + s.oof[k.idx]
			}
			if room <= 0 {
				break
			}
			for i := range prev {
				prev[i] = -2
			}
			prev[start] = -1
			queue = append(queue[:0], start)
			target, tnode := int32(-1), int32(-1)
			for qi := 0; qi < len(queue) && target < 0; qi++ {
				u := queue[qi]
				// Is there a target at u?
				if u < int32(nr) {
					if k.side == SideRequest { // a later request here may give up lots
						for x := len(rflex[u]) - 1; x >= 0; x-- {
							i := rflex[u][x]
							if s.rrank[i] > cur && s.flow(s.rarc[i]) > 0 {
								target, tnode = i, u
								break
							}
						}
					} else { // a request here may take more
						for _, i := range rflex[u] {
							if s.flow(s.rarc[i]) < s.reqs[i].Qty {
								target, tnode = i, u
								break
							}
						}
					}
				} else {
					oc := u - int32(nr)
					if k.side == SideOffer {
						for x := len(oflex[oc]) - 1; x >= 0; x-- {
							j := oflex[oc][x]
							if s.orank[j] > cur && s.flow(s.oarc[j]) > 0 {
								target, tnode = j, u
								break
							}
						}
					} else {
						for _, j := range oflex[oc] {
							if s.flow(s.oarc[j]) < s.offs[j].Qty {
								target, tnode = j, u
								break
							}
						}
					}
				}
				if target >= 0 {
					break
				}
				// Expand. From the order's side, flow moves along arcs in the
				// direction that carries it: a request's extra lots go
				// request class → offer class (forward, unbounded) or back
				// offer class → request class (cancelling flow).
				forward := (u < int32(nr)) == (k.side == SideRequest)
				var arcs []int32
				if u < int32(nr) {
					arcs = radj[u]
				} else {
					arcs = oadj[u-int32(nr)]
				}
				for _, pk := range arcs {
					p := &s.pairs[pk]
					var v int32
					if u < int32(nr) {
						v = int32(nr) + p.o
					} else {
						v = p.r
					}
					if prev[v] != -2 {
						continue
					}
					if !forward && s.flow(p.arc) == 0 {
						continue
					}
					prev[v] = pk
					queue = append(queue, v)
				}
			}
			if target < 0 {
				break
			}
			// Bottleneck.
			amt := room
			var tarc int32
			if (tnode < int32(nr)) == (k.side == SideRequest) { // same side: target gives up
				if k.side == SideRequest {
					tarc = s.rarc[target]
				} else {
					tarc = s.oarc[target]
				}
				amt = min(amt, s.flow(tarc))
			} else {
				if k.side == SideRequest {
					tarc = s.oarc[target]
					amt = min(amt, s.offs[target].Qty-s.flow(tarc))
				} else {
					tarc = s.rarc[target]
					amt = min(amt, s.reqs[target].Qty-s.flow(tarc))
				}
			}
			for v := tnode; prev[v] >= 0; {
				p := &s.pairs[prev[v]]
				// Was the step into v forward (along the flow's direction)?
				var u int32
				if v < int32(nr) {
					u = int32(nr) + p.o
				} else {
					u = p.r
				}
				forward := (u < int32(nr)) == (k.side == SideRequest)
				if !forward {
					amt = min(amt, s.flow(p.arc))
				}
				v = u
			}
			// Apply: the order's own arc, the path, the target's arc.
			var karc int32
			if k.side == SideRequest {
				karc = s.rarc[k.idx]
			} else {
				karc = s.oarc[k.idx]
			}
			g.res[karc] -= amt
			g.res[karc^1] += amt
			for v := tnode; prev[v] >= 0; {
				p := &s.pairs[prev[v]]
				var u int32
				if v < int32(nr) {
					u = int32(nr) + p.o
				} else {
					u = p.r
				}
				// Moving toward v from u. Flow on the pair arc (r→o) grows
				// when we step r→o for a request's lots or o→r for an
				// offer's lots.
				grows := (u < int32(nr)) == (k.side == SideRequest)
				if grows {
					g.res[p.arc] -= amt
					g.res[p.arc^1] += amt
				} else {
					g.res[p.arc] += amt
					g.res[p.arc^1] -= amt
				}
				v = u
			}
			if (tnode < int32(nr)) == (k.side == SideRequest) {
				g.res[tarc] += amt
				g.res[tarc^1] -= amt
			} else {
				g.res[tarc] -= amt
				g.res[tarc^1] += amt
			}
		}
	}
}

// refMulAdd returns acc + a*b, reporting overflow.
func refMulAdd(acc, a, b int64) (int64, bool) {
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = uint64(-a)
	}
	if b < 0 {
		ub = uint64(-b)
	}
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 || lo > 1<<63-1 {
		return 0, false
	}
	p := int64(lo)
	if neg {
		p = -p
	}
	sum := acc + p
	if (p > 0 && sum < acc) || (p < 0 && sum > acc) {
		return 0, false
	}
	return sum, true
}

// This file holds the min-cost flow over the class refNetwork: successive
// shortest paths with potentials (Dijkstra on reduced costs), augmenting a
// maximum flow over the zero-reduced-cost arcs after each Dijkstra (the
// primal-dual method), until no path of negative cost (positive surplus)
// is left. Every cost and capacity is an int64; the package limits keep the
// sums in range.

const refInf = int64(1) << 62

type refNetwork struct {
	n    int
	to   []int32
	res  []int64 // residual capacity; arc a^1 is the reverse of arc a
	cost []int64
	// CSR adjacency: arcs leaving v are adj[start[v]:start[v+1]].
	start []int32
	adj   []int32
	from  []int32 // tail of every arc, used to build the CSR
	pi    []int64 // potentials: reduced cost = cost + pi[tail] − pi[head]

	// scratch
	dist  []int64
	heap  []refHeapItem
	level []int32
	iter  []int32
	queue []int32
}

type refHeapItem struct {
	d int64
	v int32
}

func refNewNetwork(n, arcs int) *refNetwork {
	return &refNetwork{n: n, to: make([]int32, 0, 2*arcs), res: make([]int64, 0, 2*arcs),
		cost: make([]int64, 0, 2*arcs), from: make([]int32, 0, 2*arcs)}
}

// addArc adds u→v and returns its index; the reverse arc is index^1.
func (g *refNetwork) addArc(u, v int, capacity, cost int64) int {
	a := len(g.to)
	g.to = append(g.to, int32(v), int32(u))
	g.from = append(g.from, int32(u), int32(v))
	g.res = append(g.res, capacity, 0)
	g.cost = append(g.cost, cost, -cost)
	return a
}

func (g *refNetwork) build() {
	g.start = make([]int32, g.n+1)
	for _, u := range g.from {
		g.start[u+1]++
	}
	for v := 0; v < g.n; v++ {
		g.start[v+1] += g.start[v]
	}
	g.adj = make([]int32, len(g.from))
	fill := make([]int32, g.n)
	copy(fill, g.start[:g.n])
	for a, u := range g.from {
		g.adj[fill[u]] = int32(a)
		fill[u]++
	}
	g.dist = make([]int64, g.n)
	g.level = make([]int32, g.n)
	g.iter = make([]int32, g.n)
	g.pi = make([]int64, g.n)
}

func (g *refNetwork) rc(a int32) int64 {
	return g.cost[a] + g.pi[g.from[a]] - g.pi[g.to[a]]
}

// dijkstra fills g.dist with reduced-cost distances from src over arcs with
// residual capacity (refInf when unreachable).
func (g *refNetwork) dijkstra(src int) {
	for i := range g.dist {
		g.dist[i] = refInf
	}
	g.dist[src] = 0
	h := g.heap[:0]
	h = append(h, refHeapItem{0, int32(src)})
	for len(h) > 0 {
		it := h[0]
		last := len(h) - 1
		h[0] = h[last]
		h = h[:last]
		refSiftDown(h, 0)
		if it.d != g.dist[it.v] {
			continue
		}
		u := it.v
		for _, a := range g.adj[g.start[u]:g.start[u+1]] {
			if g.res[a] <= 0 {
				continue
			}
			v := g.to[a]
			nd := it.d + g.rc(a)
			if nd < g.dist[v] {
				g.dist[v] = nd
				h = append(h, refHeapItem{nd, v})
				refSiftUp(h, len(h)-1)
			}
		}
	}
	g.heap = h
}

func refSiftUp(h []refHeapItem, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].d <= h[i].d {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func refSiftDown(h []refHeapItem, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].d < h[l].d {
			m = r
		}
		if h[i].d <= h[m].d {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// minCost runs the primal-dual method from s to t while the cheapest path
// has negative cost. pi must be feasible (no negative reduced cost on an arc
// with residual capacity) on entry; it stays feasible.
func (g *refNetwork) minCost(s, t int) {
	for {
		g.dijkstra(s)
		if g.dist[t] >= refInf {
			return
		}
		d := g.dist[t]
		for v := range g.pi {
			g.pi[v] += min(g.dist[v], d)
		}
		if g.pi[t]-g.pi[s] >= 0 {
			return
		}
		g.blockingFlows(s, t)
	}
}

// blockingFlows augments a maximum flow from s to t over arcs of zero
// reduced cost (Dinic's algorithm on the admissible subgraph).
func (g *refNetwork) blockingFlows(s, t int) {
	for g.levels(s, t) {
		copy(g.iter, g.start[:g.n])
		for {
			f := g.push(int32(s), int32(t), refInf)
			if f == 0 {
				break
			}
		}
	}
}

func (g *refNetwork) levels(s, t int) bool {
	for i := range g.level {
		g.level[i] = -1
	}
	g.level[s] = 0
	q := append(g.queue[:0], int32(s))
	for i := 0; i < len(q); i++ {
		u := q[i]
		for _, a := range g.adj[g.start[u]:g.start[u+1]] {
			v := g.to[a]
			if g.res[a] > 0 && g.level[v] < 0 && g.rc(a) == 0 {
				g.level[v] = g.level[u] + 1
				q = append(q, v)
			}
		}
	}
	g.queue = q
	return g.level[t] >= 0
}

func (g *refNetwork) push(u, t int32, limit int64) int64 {
	if u == t {
		return limit
	}
	for ; g.iter[u] < g.start[u+1]; g.iter[u]++ {
		a := g.adj[g.iter[u]]
		v := g.to[a]
		if g.res[a] <= 0 || g.level[v] != g.level[u]+1 || g.rc(a) != 0 {
			continue
		}
		if f := g.push(v, t, min(limit, g.res[a])); f > 0 {
			g.res[a] -= f
			g.res[a^1] += f
			return f
		}
	}
	return 0
}

// distances returns the shortest true-cost distances from s in the
// residual refNetwork extended by zero-cost arcs s→t and t→s: the pointwise
// largest potentials with phi[s] = 0 that keep every reduced cost
// non-negative (refInf where no path exists). It runs two Dijkstras and
// requires that the extended refNetwork has no negative cycle, which holds
// once minCost has returned.
func (g *refNetwork) distances(s, t int) []int64 {
	phi := make([]int64, g.n)
	g.dijkstra(s)
	for v := range phi {
		phi[v] = refInf
		if g.dist[v] < refInf {
			phi[v] = g.dist[v] - g.pi[s] + g.pi[v]
		}
	}
	g.dijkstra(t)
	for v := range phi {
		if g.dist[v] < refInf {
			phi[v] = min(phi[v], g.dist[v]-g.pi[t]+g.pi[v])
		}
	}
	return phi
}

type refChunk struct {
	req int32
	amt int64
}

func (s *refSolver) result(phi []int64) (Result, error) {
	res := Result{
		Requests: make([]OrderResult, len(s.reqs)),
		Offers:   make([]OrderResult, len(s.offs)),
	}
	// Split each request class's outflow among its requests (priority
	// order), then each offer class's inflow among its offers (priority
	// order): the north-west corner rule, twice.
	out := make([][]int32, len(s.rcls)) // pair indexes by request class
	for k, p := range s.pairs {
		if s.flow(p.arc) > 0 {
			out[p.r] = append(out[p.r], int32(k))
		}
	}
	in := make([][]refChunk, len(s.ocls))  // per offer class, in request order
	inPair := make([][]int32, len(s.ocls)) // pair of each refChunk
	for c := range s.rcls {
		arcs := out[c]
		if len(arcs) == 0 {
			continue
		}
		slices.SortFunc(arcs, func(a, b int32) int {
			return cmp.Compare(s.orank[s.ocls[s.pairs[a].o].orders[0]], s.orank[s.ocls[s.pairs[b].o].orders[0]])
		})
		ai, left := 0, s.flow(s.pairs[arcs[0]].arc)
		for _, i := range s.rcls[c].orders {
			f := s.flow(s.rarc[i])
			for f > 0 {
				m := min(f, left)
				p := s.pairs[arcs[ai]]
				in[p.o] = append(in[p.o], refChunk{i, m})
				inPair[p.o] = append(inPair[p.o], arcs[ai])
				f -= m
				left -= m
				if left == 0 && ai+1 < len(arcs) {
					ai++
					left = s.flow(s.pairs[arcs[ai]].arc)
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
	// offer class along one pair arc, in one refChunk. Sort the fills.
	rrankByID := make(map[OrderID]int32, len(s.reqs))
	for i := range s.reqs {
		rrankByID[s.reqs[i].ID] = s.rrank[i]
	}
	orankByID := make(map[OrderID]int32, len(s.offs))
	for j := range s.offs {
		orankByID[s.offs[j].ID] = s.orank[j]
	}
	slices.SortStableFunc(res.Fills, func(a, b Fill) int {
		return cmp.Or(cmp.Compare(rrankByID[a.Request], rrankByID[b.Request]), cmp.Compare(orankByID[a.Offer], orankByID[b.Offer]))
	})
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
	rcompat := make([]bool, len(s.rcls))
	ocompat := make([]bool, len(s.ocls))
	for _, p := range s.pairs {
		rcompat[p.r], ocompat[p.o] = true, true
	}
	for i := range s.reqs {
		r := &s.reqs[i]
		c := s.rof[i]
		or := &res.Requests[i]
		or.ID, or.Owner = r.ID, r.Owner
		or.Filled = s.flow(s.rarc[i])
		if rcompat[c] && phi[s.rcls[c].node] < refInf {
			or.Price, or.HasPrice = catalog.Price(-phi[s.rcls[c].node]), true
		}
		if or.Surplus, ok = refMulAdd(0, int64(r.Limit-or.Price), or.Filled); !ok {
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
		if p.Surplus, ok = refMulAdd(p.Surplus, or.Surplus, 1); !ok {
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
		if ocompat[c] && phi[oc.node] < refInf {
			or.Price, or.HasPrice = catalog.Price(int64(oc.diff)-phi[oc.node]), true
		}
		if or.Surplus, ok = refMulAdd(0, int64(or.Price-o.Limit), or.Filled); !ok {
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
		if p.Surplus, ok = refMulAdd(p.Surplus, or.Surplus, 1); !ok {
			return Result{}, fmt.Errorf("%w: surplus of participant %d", ErrOverflow, o.Owner)
		}
	}
	for _, p := range part {
		if res.Surplus, ok = refMulAdd(res.Surplus, p.Surplus, 1); !ok {
			return Result{}, fmt.Errorf("%w: total surplus", ErrOverflow)
		}
		res.Participants = append(res.Participants, *p)
	}
	slices.SortFunc(res.Participants, func(a, b ParticipantSurplus) int { return cmp.Compare(a.Owner, b.Owner) })
	return res, nil
}

// explainRequest counts, over every offer in a category the request class
// covers, the constraints that exclude it.
func (s *refSolver) explainRequest(c int32) (Constraint, int) {
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
		refCount(&n, w, g, b, l, ra, co)
	}
	return refPick(&n, cands)
}

func (s *refSolver) explainOffer(c int32) (Constraint, int) {
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
		refCount(&n, w, g, b, l, ra, co)
	}
	return refPick(&n, cands)
}

func refCount(n *[ConstraintCompany + 1]int, w int, g, b, l, ra, co bool) {
	for _, x := range [...]struct {
		c  Constraint
		on bool
	}{{ConstraintGrade, g}, {ConstraintBasis, b}, {ConstraintLead, l}, {ConstraintRating, ra}, {ConstraintCompany, co}} {
		if x.on {
			n[x.c] += w
		}
	}
}

func refPick(n *[ConstraintCompany + 1]int, cands int) (Constraint, int) {
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
