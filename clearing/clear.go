package clearing

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/agora-exchange/agora/catalog"
)

// Data is the reference data a clearing reads: the taxonomy (required), the
// grade scales and the transport table (each may be nil: no scales, and
// delivery only within a basis). It is only read.
type Data struct {
	Taxonomy  *catalog.Taxonomy
	Grades    *catalog.Grades
	Transport *catalog.Transport
	// Bases, when set, is checked for every basis an order names.
	Bases *catalog.Bases
}

// FromCatalog returns the Data of d.
func FromCatalog(d *catalog.Differentials) Data {
	if d == nil || d.Catalog == nil {
		return Data{}
	}
	return Data{Taxonomy: d.Taxonomy, Grades: d.Grades, Transport: d.Transport, Bases: d.Bases}
}

// rclass is a request class: requests with the same compatibility
// attributes (and, for a company on both sides, the same owner).
type rclass struct {
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

type oclass struct {
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

// pairArc is the flow between a request class and an offer class, read
// off the network once it is solved.
type pairArc struct {
	r, o      int32
	transport catalog.Price
	flow      int64
}

type solver struct {
	data Data
	reqs []Request
	offs []Offer
	// rank of every order in the merged priority order: requests then
	// offers by index into reqs/offs.
	rrank, orank []int32
	rcls         []rclass
	ocls         []oclass
	rof, oof     []int32 // class of every request / offer
	pairs        []pairArc
	g            *network
	rarc, oarc   []int32 // arc of every request / offer
	coreFrom     int     // first core arc of g
	rcompat      []bool  // request class has a compatible offer class
	ocompat      []bool  // offer class has a compatible request class
	coverCache   map[[2]catalog.CategoryID]bool
}

// Clear clears a pool: it chooses the lots traded between every compatible
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
// When several splits of the lots among individual orders give every
// order the same fill, which request trades with which offer is fixed but
// not otherwise specified: each class's lots go to its orders in priority
// order, and the lots between classes are a function of the orders' fills
// and the prices alone (a maximum flow over the class pairs priced at the
// margin, taken in a fixed order), not of the path by which the optimum
// was found.
//
// Cost: with N orders, R request classes, O offer classes in B groups (a
// leaf at a basis) and A core arcs (request class to grid or offer class,
// grid to grid or offer class; typically a few per class), building the
// network is O(N log N + R·B + A); the flow takes O(log(nC)) refinements
// of push-relabel work on the n nodes and the A + N arcs (C the largest
// cost per lot over its common divisor), each in practice a few dozen
// passes over the arcs; the dual costs O((A + N) log n), the priority pass
// O(M · A) for M orders at the margin, the split between classes a
// maximum flow on the n nodes and at most A arcs (Dinic, a few passes in
// practice), and the explanation of an order
// without counterparties O(O) or O(R). Clear allocates the Result and its
// scratch space.
func Clear(data Data, requests []Request, offers []Offer) (Result, error) {
	return clearWith(data, requests, offers, true)
}

// clearWith is Clear; scaling false skips the cost-scaling solver and
// solves the network by the primal-dual method alone.
func clearWith(data Data, requests []Request, offers []Offer, scaling bool) (Result, error) {
	s := &solver{data: data, reqs: requests, offs: offers, coverCache: map[[2]catalog.CategoryID]bool{}}
	if err := s.validate(); err != nil {
		return Result{}, err
	}
	s.rank()
	s.classes()
	s.buildNetwork()
	if !scaling || !s.g.costScale(potLimit) {
		s.g.minCost()
	}
	phi := s.g.distances()
	s.priorityPass(phi)
	s.canonicalFlow(phi)
	s.pairFlows()
	return s.result(phi)
}

func reqErr(r *Request, err error, format string, args ...any) error {
	return fmt.Errorf("%w: request %d: %s", err, r.ID, fmt.Sprintf(format, args...))
}

func offErr(o *Offer, err error, format string, args ...any) error {
	return fmt.Errorf("%w: offer %d: %s", err, o.ID, fmt.Sprintf(format, args...))
}

func (s *solver) tick(cat catalog.CategoryID) catalog.Price {
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

func (s *solver) validate() error {
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
			return reqErr(r, ErrBadOrder, "zero ID")
		case r.Owner == 0:
			return reqErr(r, ErrBadOrder, "no owner")
		case r.MinQty != 0:
			return reqErr(r, ErrAllOrNone, "MinQty %d", r.MinQty)
		case r.Qty <= 0 || r.Qty > MaxQty:
			return reqErr(r, ErrBadQty, "qty %d, want 1..%d", r.Qty, MaxQty)
		case r.Limit <= 0 || r.Limit > MaxPrice:
			return reqErr(r, ErrBadPrice, "limit %d, want 1..%d", r.Limit, MaxPrice)
		case r.MaxLead < 0 || r.MaxLead > MaxLead:
			return reqErr(r, ErrBadOrder, "max lead %d", r.MaxLead)
		case r.MinRating > catalog.MaxRating:
			return reqErr(r, ErrBadOrder, "min rating %d above %d", r.MinRating, catalog.MaxRating)
		case len(r.Accept) == 0 && r.Deliver == 0:
			return reqErr(r, ErrBadOrder, "no accepted basis and no delivery basis")
		}
		if _, dup := seen[r.ID]; dup {
			return reqErr(r, ErrDuplicateID, "")
		}
		seen[r.ID] = struct{}{}
		if _, ok := d.Taxonomy.ByID(r.Category); !ok {
			return reqErr(r, catalog.ErrUnknownCategory, "category %d", r.Category)
		}
		if tk := tickOf(r.Category); r.Limit%tk != 0 {
			return reqErr(r, catalog.ErrOffTick, "limit %d, tick %d", r.Limit, tk)
		}
		if r.MinGrade != 0 {
			if _, err := d.Grades.Grade(r.Category, r.MinGrade); err != nil {
				return reqErr(r, err, "min grade")
			}
		}
		for _, b := range r.Accept {
			if !basisOK(b) {
				return reqErr(r, catalog.ErrUnknownBasis, "accepted basis %d", b)
			}
		}
		if r.Deliver != 0 {
			if !basisOK(r.Deliver) {
				return reqErr(r, catalog.ErrUnknownBasis, "delivery basis %d", r.Deliver)
			}
			if len(r.Accept) == 0 && !s.reachable(r.Deliver) {
				return reqErr(r, catalog.ErrNoRoute, "nothing can be delivered to basis %d", r.Deliver)
			}
		}
	}
	clear(seen)
	for i := range s.offs {
		o := &s.offs[i]
		switch {
		case o.ID == 0:
			return offErr(o, ErrBadOrder, "zero ID")
		case o.Owner == 0:
			return offErr(o, ErrBadOrder, "no owner")
		case o.MinQty != 0:
			return offErr(o, ErrAllOrNone, "MinQty %d", o.MinQty)
		case o.Qty <= 0 || o.Qty > MaxQty:
			return offErr(o, ErrBadQty, "qty %d, want 1..%d", o.Qty, MaxQty)
		case o.Limit <= 0 || o.Limit > MaxPrice:
			return offErr(o, ErrBadPrice, "limit %d, want 1..%d", o.Limit, MaxPrice)
		case o.Lead < 0 || o.Lead > MaxLead:
			return offErr(o, ErrBadOrder, "lead %d", o.Lead)
		case o.Rating > catalog.MaxRating:
			return offErr(o, ErrBadOrder, "rating %d above %d", o.Rating, catalog.MaxRating)
		case !basisOK(o.Basis):
			return offErr(o, catalog.ErrUnknownBasis, "basis %d", o.Basis)
		}
		if _, dup := seen[o.ID]; dup {
			return offErr(o, ErrDuplicateID, "")
		}
		seen[o.ID] = struct{}{}
		c, err := d.Taxonomy.Tradable(o.Category)
		if err != nil {
			return offErr(o, err, "category %d", o.Category)
		}
		if o.Limit%c.Tick != 0 {
			return offErr(o, catalog.ErrOffTick, "limit %d, tick %d", o.Limit, c.Tick)
		}
		if d.Grades.Len(o.Category) > 0 || o.Grade != 0 {
			gi, err := d.Grades.Grade(o.Category, o.Grade)
			if err != nil {
				return offErr(o, err, "grade")
			}
			if gi.Diff > MaxPrice || gi.Diff < -MaxPrice {
				return offErr(o, ErrBadPrice, "grade differential %d out of range", gi.Diff)
			}
		}
	}
	return nil
}

// reachable reports whether any basis, itself included, delivers to b.
func (s *solver) reachable(b catalog.BasisID) bool {
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
func (s *solver) rank() {
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

func (s *solver) byRank(side Side) []int32 {
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

func (s *solver) classes() {
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
			s.rcls = append(s.rcls, rclass{cat: r.Category, accept: acc, deliver: r.Deliver, minGrade: r.MinGrade,
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
			s.ocls = append(s.ocls, oclass{cat: o.Category, basis: o.Basis, grade: o.Grade, diff: diff,
				lead: o.Lead, rating: o.Rating, company: company})
		}
		s.ocls[c].orders = append(s.ocls[c].orders, j)
		s.oof[j] = c
	}
}

func (s *solver) covers(group, leaf catalog.CategoryID) bool {
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
func (s *solver) failures(rc *rclass, oc *oclass) (grade, basis, lead, rating, company bool, cost catalog.Price) {
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

// mulAdd returns acc + a*b, reporting overflow.
func mulAdd(acc, a, b int64) (int64, bool) {
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
