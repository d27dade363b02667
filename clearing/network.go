package clearing

import (
	"cmp"
	"slices"

	"github.com/agora-exchange/agora/catalog"
)

// ogroup is the offer classes of one leaf at one basis. A request reaches
// them all at one transport cost, so compatibility inside a group is only
// the three thresholds: grade at least, lead time at most, rating at
// least. A grid of routing nodes answers them. Its axes are the
// thresholds that the requests reaching the group use (minimum grades,
// maximum lead times with "any" last, minimum ratings); the node (g, l, r)
// stands for "grade ≥ grades[g], lead ≤ leads[l], rating ≥ ratings[r]" and
// has zero-cost arcs to (g+1, l, r), (g, l−1, r), (g, l, r+1), the next
// stricter thresholds, and to the offer classes for which it is the
// strictest combination they pass. A request enters the node of its
// thresholds and reaches exactly the offer classes it is compatible with,
// whatever their number, through one arc.
type ogroup struct {
	cat     catalog.CategoryID
	basis   catalog.BasisID
	ocls    []int32 // offer classes, in class order
	grades  []catalog.Grade
	leads   []int32
	ratings []uint8
	// grid is false when the grid would be larger than the group deserves;
	// requests then get one arc per compatible offer class instead.
	grid     bool
	base     int32  // node of grid cell 0
	nonempty []bool // cell reaches an offer class
}

func (gr *ogroup) cells() int { return len(gr.grades) * len(gr.leads) * len(gr.ratings) }

// cell numbers (gi, li, ri) so that every arc of the grid goes from a
// lower cell to a higher one: grades ascending, leads descending, ratings
// ascending.
func (gr *ogroup) cell(gi, li, ri int) int {
	nl, nr := len(gr.leads), len(gr.ratings)
	return (gi*nl+(nl-1-li))*nr + ri
}

// anyLead is the lead-time axis value of a request without a maximum.
const anyLead = MaxLead + 1

func leadKey(maxLead int32) int32 {
	if maxLead == 0 {
		return anyLead
	}
	return maxLead
}

// thresholds returns the cell a request with these limits enters; the
// axes hold the limits of every request that enters the grid.
func (gr *ogroup) thresholds(minGrade catalog.Grade, maxLead int32, minRating uint8) int {
	gi, _ := slices.BinarySearch(gr.grades, minGrade)
	li, _ := slices.BinarySearch(gr.leads, leadKey(maxLead))
	ri, _ := slices.BinarySearch(gr.ratings, minRating)
	return gr.cell(gi, li, ri)
}

// upper returns the index of the last element of xs at most v, or -1.
func upper[T cmp.Ordered](xs []T, v T) int {
	i, found := slices.BinarySearch(xs, v)
	if found {
		return i
	}
	return i - 1
}

// index returns the cell of an offer class: the strictest thresholds of
// the axes it passes. It reports false when it passes none on some axis,
// so that no request entering the grid can take it.
func (gr *ogroup) index(oc *oclass) (gi, li, ri int, ok bool) {
	gi = upper(gr.grades, oc.grade)
	li, _ = slices.BinarySearch(gr.leads, oc.lead)
	ri = upper(gr.ratings, oc.rating)
	return gi, li, ri, gi >= 0 && li < len(gr.leads) && ri >= 0
}

func sortedUnique[T cmp.Ordered](xs []T) []T {
	slices.Sort(xs)
	return slices.Compact(xs)
}

// buildNetwork lays out the flow network. Nodes: 0 the source, 1 the sink,
// then the request classes, the offer classes and the grid cells of every
// offer group. Arcs: the order arcs (source → request class, capacity the
// quantity, cost −limit; offer class → sink, cost limit − differential),
// then the core arcs, all unbounded: request class → grid cell or offer
// class (cost the transport), grid cell → grid cell or offer class (cost
// zero). A path from a request class to an offer class exists exactly when
// the two are compatible, and its cost is then the transport between them,
// so the network has the optimum, the dual and the optimal set of orders'
// fills of the network with one arc per compatible class pair, with far
// fewer arcs.
func (s *solver) buildNetwork() {
	// Offer groups.
	type gkey struct {
		cat   catalog.CategoryID
		basis catalog.BasisID
	}
	gidx := map[gkey]int32{}
	var groups []ogroup
	for o := range s.ocls {
		oc := &s.ocls[o]
		k := gkey{oc.cat, oc.basis}
		x, ok := gidx[k]
		if !ok {
			x = int32(len(groups))
			gidx[k] = x
			groups = append(groups, ogroup{cat: oc.cat, basis: oc.basis})
		}
		gr := &groups[x]
		gr.ocls = append(gr.ocls, int32(o))
	}
	// Which groups every request class reaches, at what transport cost;
	// the thresholds of the requests that may use a grid make its axes.
	type entry struct {
		r, x int32
		cost catalog.Price
	}
	var entries []entry
	for r := range s.rcls {
		rc := &s.rcls[r]
		for x := range groups {
			gr := &groups[x]
			if !s.covers(rc.cat, gr.cat) {
				continue
			}
			var cost catalog.Price
			if _, ok := slices.BinarySearch(rc.accept, gr.basis); ok {
				cost = 0
			} else if c, ok := s.data.Transport.Cost(gr.basis, rc.deliver); rc.deliver != 0 && ok {
				cost = c
			} else {
				continue
			}
			entries = append(entries, entry{int32(r), int32(x), cost})
			if rc.company == 0 {
				gr.grades = append(gr.grades, rc.minGrade)
				gr.leads = append(gr.leads, leadKey(rc.maxLead))
				gr.ratings = append(gr.ratings, rc.minRating)
			}
		}
	}
	nr, no := len(s.rcls), len(s.ocls)
	n := 2 + nr + no
	for x := range groups {
		gr := &groups[x]
		gr.grades = sortedUnique(gr.grades)
		gr.leads = sortedUnique(gr.leads)
		gr.ratings = sortedUnique(gr.ratings)
		// A grid of at most four cells per offer class (plus a constant)
		// keeps the network linear in the classes.
		if gr.cells() > 0 && gr.cells() <= 4*len(gr.ocls)+64 {
			gr.grid = true
			gr.base = int32(n)
			n += gr.cells()
		}
	}
	for c := range s.rcls {
		s.rcls[c].node = 2 + c
	}
	for c := range s.ocls {
		s.ocls[c].node = 2 + nr + c
	}
	g := newNetwork(n, len(s.reqs)+len(s.offs)+2*no)
	g.r0, g.o0, g.x0 = 2, int32(2+nr), int32(2+nr+no)

	// Order arcs, each class's in ascending cost (ties in priority order).
	s.rarc = make([]int32, len(s.reqs))
	s.oarc = make([]int32, len(s.offs))
	g.src = make([][]int32, nr)
	for c := range s.rcls {
		ord := slices.Clone(s.rcls[c].orders)
		slices.SortStableFunc(ord, func(a, b int32) int { return cmp.Compare(s.reqs[b].Limit, s.reqs[a].Limit) })
		arcs := make([]int32, len(ord))
		for k, i := range ord {
			a := int32(g.addArc(nodeS, s.rcls[c].node, s.reqs[i].Qty, -int64(s.reqs[i].Limit)))
			s.rarc[i], arcs[k] = a, a
		}
		g.src[c] = arcs
	}
	g.sink = make([][]int32, no)
	for c := range s.ocls {
		ord := slices.Clone(s.ocls[c].orders)
		slices.SortStableFunc(ord, func(a, b int32) int { return cmp.Compare(s.offs[a].Limit, s.offs[b].Limit) })
		arcs := make([]int32, len(ord))
		for k, j := range ord {
			a := int32(g.addArc(s.ocls[c].node, nodeT, s.offs[j].Qty, int64(s.offs[j].Limit)-int64(s.ocls[c].diff)))
			s.oarc[j], arcs[k] = a, a
		}
		g.sink[c] = arcs
	}
	s.coreFrom = len(g.to)

	// Grid arcs, for cells that reach an offer class.
	for x := range groups {
		gr := &groups[x]
		if !gr.grid {
			continue
		}
		at := make([][]int32, gr.cells())
		ng, nl, nrt := len(gr.grades), len(gr.leads), len(gr.ratings)
		gr.nonempty = make([]bool, gr.cells())
		for _, o := range gr.ocls {
			if gi, li, ri, ok := gr.index(&s.ocls[o]); ok {
				k := gr.cell(gi, li, ri)
				at[k] = append(at[k], o)
			}
		}
		type step struct{ gi, li, ri int }
		next := func(gi, li, ri int) [3]step {
			return [3]step{{gi + 1, li, ri}, {gi, li - 1, ri}, {gi, li, ri + 1}}
		}
		valid := func(st step) bool {
			return st.gi < ng && st.li >= 0 && st.ri < nrt
		}
		// Cells in descending order: successors first.
		for gi := ng - 1; gi >= 0; gi-- {
			for li := 0; li < nl; li++ {
				for ri := nrt - 1; ri >= 0; ri-- {
					k := gr.cell(gi, li, ri)
					ne := len(at[k]) > 0
					for _, st := range next(gi, li, ri) {
						if valid(st) && gr.nonempty[gr.cell(st.gi, st.li, st.ri)] {
							ne = true
						}
					}
					gr.nonempty[k] = ne
				}
			}
		}
		for gi := range ng {
			for li := nl - 1; li >= 0; li-- {
				for ri := range nrt {
					k := gr.cell(gi, li, ri)
					if !gr.nonempty[k] {
						continue
					}
					u := int(gr.base) + k
					for _, st := range next(gi, li, ri) {
						if valid(st) {
							if k2 := gr.cell(st.gi, st.li, st.ri); gr.nonempty[k2] {
								g.addArc(u, int(gr.base)+k2, inf, 0)
							}
						}
					}
					for _, o := range at[k] {
						g.addArc(u, s.ocls[o].node, inf, 0)
					}
				}
			}
		}
	}

	// Request arcs.
	s.rcompat = make([]bool, nr)
	for _, e := range entries {
		r, rc, gr, cost := e.r, &s.rcls[e.r], &groups[e.x], e.cost
		if gr.grid && rc.company == 0 {
			if k := gr.thresholds(rc.minGrade, rc.maxLead, rc.minRating); gr.nonempty[k] {
				g.addArc(rc.node, int(gr.base)+k, inf, int64(cost))
				s.rcompat[r] = true
			}
			continue
		}
		for _, o := range gr.ocls {
			oc := &s.ocls[o]
			if oc.grade < rc.minGrade || (rc.maxLead != 0 && oc.lead > rc.maxLead) || oc.rating < rc.minRating ||
				(rc.company != 0 && rc.company == oc.company) {
				continue
			}
			g.addArc(rc.node, oc.node, inf, int64(cost))
			s.rcompat[r] = true
		}
	}
	g.build(s.coreFrom)

	// Initial potentials: shortest distances in the acyclic network, in
	// topological order (request classes, grid cells, offer classes).
	for v := range g.pi {
		g.pi[v] = inf
	}
	g.pi[nodeS] = 0
	for c := range s.rcls {
		g.pi[s.rcls[c].node] = g.cost[g.src[c][0]] // the highest limit
	}
	relaxFrom := func(u int) {
		if g.pi[u] >= inf {
			return
		}
		for _, a := range g.cadj[g.cstart[u]:g.cstart[u+1]] {
			if a&1 == 0 {
				v := g.to[a]
				g.pi[v] = min(g.pi[v], g.pi[u]+g.cost[a])
			}
		}
	}
	for u := int(g.r0); u < int(g.o0); u++ {
		relaxFrom(u)
	}
	for u := int(g.x0); u < n; u++ {
		relaxFrom(u)
	}
	s.ocompat = make([]bool, no)
	pt := inf
	for c := range s.ocls {
		v := s.ocls[c].node
		if g.pi[v] >= inf {
			continue
		}
		s.ocompat[c] = true
		pt = min(pt, g.pi[v]+g.cost[g.sink[c][0]])
	}
	for v := range g.pi {
		if g.pi[v] >= inf {
			g.pi[v] = 0 // unreachable: never scanned
		}
	}
	g.pi[nodeT] = 0
	if pt < inf {
		g.pi[nodeT] = pt
	}
	s.g = g
}
