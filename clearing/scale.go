package clearing

// This file holds the cost-scaling solver (Goldberg and Tarjan's
// push-relabel method with ε-scaling and global price updates), the
// default solver of the network; minCost in flow.go is the fallback.

// scaleStep is the factor by which each refinement divides ε.
const scaleStep = 10

// potLimit bounds every potential of the cost-scaling solver, so that a
// reduced cost (a scaled cost plus two potentials) stays inside an int64.
const potLimit = int64(1) << 61

type scaler struct {
	g     *network
	n     int   // nodes: those of g, then the hubs
	alpha int64 // cost multiplier: n+1
	// Adjacency with t merged into s and the order arcs moved to the hubs:
	// the arcs out of v are adj[start[v]:start[v+1]], with, per slot, the
	// head and the scaled cost cost / unit · alpha. Arc numbers below
	// len(g.res) are those of g; the hub arcs follow.
	start  []int32
	adj    []int32
	hd     []int32
	cs     []int64
	res    []int64 // residual capacities, g's arcs then the hub arcs
	unit   int64   // costs are in units of unit, their greatest common divisor
	pi     []int64 // potentials in scaled units; s and t share one
	excess []int64
	cur    []int32 // current slot of every node in adj
	queue  []int32
	inq    []bool
	dist   []int64 // distances of the price update, in ε-steps
	eps    int64
	limit  int64 // bound on |potential|: potLimit, lower in tests
	// buckets of the price update, by distance in ε-steps
	buckets [][]int32
}

// costScale solves the same problem as minCost: s and t are merged, which
// turns the problem into a minimum-cost circulation; every refinement
// divides the slack ε by which a reduced cost may be negative, saturating
// the arcs of negative reduced cost and then pushing excess along arcs of
// negative reduced cost and raising potentials at dead ends (with a global
// price update at the start and after every n relabels). Costs are
// divided by their greatest common divisor (the tick, in practice) and
// multiplied by n+1, so the circulation is optimal once ε reaches 1.
// Usually it is optimal much earlier: after every refinement with ε below
// n+1, a bounded search for exact potentials (optimal) proves it so, and
// the remaining refinements, the most expensive ones, are skipped.
//
// The merged s and t would carry every order arc, and each of its
// relabels and discharges would scan them all. Instead every class gets a
// hub node for the duration: s → hub (cost zero) → request class along
// the class's request arcs, offer class → hub along its offer arcs → s
// (cost zero). The hub arcs' capacities are the class's quantity (at most
// the flow bound), so every circulation of one network is one of the
// other at the same cost, and s scans one arc per class.
//
// It reports false and leaves the network as it found it when the
// quantities or costs are too large for its arithmetic to stay inside an
// int64 (quantities near MaxQty on many orders, costs near MaxPrice in
// very large networks, or a potential beyond ±limit, which is potLimit
// except in tests); minCost then solves the network instead. On
// success g.pi holds exact feasible potentials and core arcs are again
// unbounded.
func (g *network) costScale(limit int64) bool {
	sc, cmax := newScaler(g, limit)
	if sc == nil {
		return false
	}
	ok := sc.run(cmax * sc.alpha)
	for v := 0; ok && v < g.n; v++ {
		q := sc.pi[v] / sc.alpha
		ok = q <= potLimit/sc.unit && q >= -potLimit/sc.unit // in cost units, too
	}
	if !ok {
		return false
	}
	m := len(g.res)
	copy(g.res, sc.res[:m])
	for a := g.coreFrom; a < m; a += 2 {
		g.res[a] = inf - g.res[a^1]
	}
	g.exactPotentials(sc.pi[:g.n], sc.alpha, sc.unit)
	return true
}

// newScaler lays out the network with hubs for costScale, with zero
// potentials and the flow of g, and returns it with the largest cost in
// units; it returns nil when the arithmetic would not fit in an int64.
// It does not change g.
func newScaler(g *network, limit int64) (*scaler, int64) {
	var sumR, sumO, cmax int64
	for c := range g.src {
		for _, a := range g.src[c] {
			sumR += g.res[a]
		}
	}
	for c := range g.sink {
		for _, a := range g.sink[c] {
			sumO += g.res[a]
		}
	}
	var unit int64
	for _, c := range g.cost {
		c = max(c, -c)
		cmax = max(cmax, c)
		for x := c; x != 0; {
			unit, x = x, unit%x
		}
	}
	if unit == 0 {
		unit = 1
	}
	cmax /= unit
	u := min(sumR, sumO)
	nr, no := len(g.src), len(g.sink)
	n := g.n + nr + no // hub of request class c: g.n+c; of offer class c: g.n+nr+c
	m := len(g.res)    // first hub arc: 2c for request class c, 2(nr+c) for offer class c
	sc := &scaler{g: g, n: n, alpha: int64(n) + 1, pi: make([]int64, n), excess: make([]int64, n),
		cur: make([]int32, n), queue: make([]int32, 0, n), inq: make([]bool, n), dist: make([]int64, n),
		limit: limit, unit: unit}
	sc.res = make([]int64, m+2*(nr+no))
	copy(sc.res, g.res)
	// Core arcs get capacity u for the duration.
	for a := g.coreFrom; a < m; a += 2 {
		sc.res[a] = u
	}
	// Hub arcs: capacity the class's quantity, capped at u; the flow on
	// them is the flow on the class's order arcs.
	hubArc := func(arcs []int32) (fwd, rev int64) {
		var capacity int64
		for _, a := range arcs {
			capacity += g.res[a] + g.res[a^1]
			rev += g.res[a^1]
		}
		return max(min(capacity, u), rev) - rev, rev
	}
	for c := range nr {
		sc.res[m+2*c], sc.res[m+2*c+1] = hubArc(g.src[c])
	}
	for c := range no {
		sc.res[m+2*(nr+c)], sc.res[m+2*(nr+c)+1] = hubArc(g.sink[c])
	}
	slots := len(g.adj) + 2*(nr+no)
	sc.start = make([]int32, n+1)
	sc.adj = make([]int32, 0, slots)
	sc.hd = make([]int32, 0, slots)
	sc.cs = make([]int64, 0, slots)
	add := func(a, head int32, cost int64) {
		sc.adj = append(sc.adj, a)
		sc.hd = append(sc.hd, head)
		sc.cs = append(sc.cs, cost/unit*sc.alpha)
	}
	for v := range n {
		switch {
		case v == nodeS:
			for c := range nr {
				add(int32(m+2*c), int32(g.n+c), 0)
			}
			for c := range no {
				add(int32(m+2*(nr+c)+1), int32(g.n+nr+c), 0)
			}
		case v == nodeT:
		case v < g.n:
			for _, a := range g.adj[g.start[v]:g.start[v+1]] {
				w := g.to[a]
				switch w {
				case nodeS: // reverse of a request arc
					w = int32(g.n) + int32(v) - g.r0
				case nodeT: // an offer arc
					w = int32(g.n+nr) + int32(v) - g.o0
				}
				add(a, w, g.cost[a])
			}
		case v < g.n+nr:
			c := v - g.n
			add(int32(m+2*c+1), nodeS, 0)
			for _, a := range g.src[c] {
				add(a, g.to[a], g.cost[a])
			}
		default:
			c := v - g.n - nr
			add(int32(m+2*(nr+c)), nodeS, 0)
			for _, a := range g.sink[c] {
				add(a^1, g.from[a], g.cost[a^1])
			}
		}
		sc.start[v+1] = int32(len(sc.adj))
	}
	// Every arc carries at most u lots and an excess is at most a node's
	// degree times u.
	var deg int64
	for v := range n {
		deg = max(deg, int64(sc.start[v+1]-sc.start[v]))
	}
	const lim = int64(1) << 60
	if u <= 0 || u > lim/(2*deg) || cmax > (lim>>3)/(int64(n)+1) {
		return nil, 0
	}
	return sc, cmax
}

func (sc *scaler) run(eps int64) bool {
	for eps > 1 {
		if eps /= scaleStep; eps < 4 {
			eps = 1 // a refinement at ε = 2 or 3 would save the last one little
		}
		sc.eps = eps
		// Saturate every arc of negative reduced cost.
		for v := range int32(sc.n) {
			for k := sc.start[v]; k < sc.start[v+1]; k++ {
				a := sc.adj[k]
				if sc.res[a] > 0 && sc.cs[k]+sc.pi[v]-sc.pi[sc.hd[k]] < 0 {
					f := sc.res[a]
					sc.res[a] = 0
					sc.res[a^1] += f
					sc.excess[v] -= f
					sc.excess[sc.hd[k]] += f
				}
			}
		}
		if !sc.priceUpdate() {
			return false
		}
		sc.queue = sc.queue[:0]
		for v, x := range sc.excess {
			if x > 0 && v != nodeT {
				sc.queue = append(sc.queue, int32(v))
				sc.inq[v] = true
			}
		}
		clear(sc.cur)
		relabels := 0
		for qi := 0; qi < len(sc.queue); qi++ {
			v := sc.queue[qi]
			sc.inq[v] = false
			for sc.excess[v] > 0 {
				sc.discharge(v)
				if sc.excess[v] == 0 {
					break
				}
				if !sc.relabel(v) {
					return false
				}
				if relabels++; relabels >= sc.n {
					relabels = 0
					if !sc.priceUpdate() {
						return false
					}
					clear(sc.cur)
				}
			}
			if qi > 1<<16 && 2*qi > len(sc.queue) { // drop the consumed prefix
				sc.queue = append(sc.queue[:0], sc.queue[qi+1:]...)
				qi = -1
			}
		}
		if eps > 1 && eps < sc.alpha && sc.optimal() {
			return true
		}
	}
	return true
}

// optimal reports whether the circulation of a finished refinement is
// already of minimum cost, so that the remaining refinements can be
// skipped: it looks for exact potentials, in cost units, under which no
// residual arc has a negative reduced cost (they exist exactly when the
// residual network has no negative cycle), by Bellman-Ford with a queue
// from the current potentials rounded down, and gives up after four
// passes' worth of arc scans. On success it replaces the potentials by
// the ones found, in scaled units. Core arcs count as unbounded, as they
// are outside costScale.
func (sc *scaler) optimal() bool {
	g := sc.g
	p := sc.dist
	for v := range sc.n {
		p[v] = sc.pi[v] / sc.alpha
		if sc.pi[v]%sc.alpha != 0 && sc.pi[v] < 0 {
			p[v]--
		}
	}
	q := sc.queue[:0]
	for v := range sc.n {
		if v != nodeT {
			q = append(q, int32(v))
			sc.inq[v] = true
		}
	}
	core0, core1 := int32(g.coreFrom), int32(len(g.res))
	budget := 4 * len(sc.adj)
	ok := true
	for qi := 0; qi < len(q); qi++ {
		u := q[qi]
		sc.inq[u] = false
		if !ok {
			continue
		}
		for k := sc.start[u]; k < sc.start[u+1]; k++ {
			a := sc.adj[k]
			if sc.res[a] <= 0 && (a < core0 || a >= core1 || a&1 != 0) {
				continue
			}
			w := sc.hd[k]
			if nd := p[u] + sc.cs[k]/sc.alpha; nd < p[w] {
				p[w] = nd
				if !sc.inq[w] {
					sc.inq[w] = true
					q = append(q, w)
				}
			}
		}
		if budget -= int(sc.start[u+1] - sc.start[u]); budget < 0 {
			ok = false
		}
		if qi > 1<<16 && 2*qi > len(q) {
			q = append(q[:0], q[qi+1:]...)
			qi = -1
		}
	}
	sc.queue = q[:0]
	if !ok {
		return false
	}
	for v := range sc.n {
		if p[v] > sc.limit/sc.alpha || p[v] < -sc.limit/sc.alpha {
			return false
		}
	}
	for v := range sc.n {
		sc.pi[v] = p[v] * sc.alpha
	}
	sc.pi[nodeT] = sc.pi[nodeS]
	return true
}

// discharge pushes the excess of v along admissible arcs (negative reduced
// cost) from its current arc on, until the excess is gone or the arcs are.
func (sc *scaler) discharge(v int32) {
	k, end := sc.cur[v], sc.start[v+1]
	if k < sc.start[v] {
		k = sc.start[v]
	}
	pv := sc.pi[v]
	for ; k < end; k++ {
		a := sc.adj[k]
		if sc.res[a] <= 0 || sc.cs[k]+pv-sc.pi[sc.hd[k]] >= 0 {
			continue
		}
		f := min(sc.excess[v], sc.res[a])
		w := sc.hd[k]
		sc.res[a] -= f
		sc.res[a^1] += f
		sc.excess[v] -= f
		sc.excess[w] += f
		if sc.excess[w] > 0 && !sc.inq[w] && w != v {
			sc.inq[w] = true
			sc.queue = append(sc.queue, w)
		}
		if sc.excess[v] == 0 {
			break
		}
	}
	sc.cur[v] = k
}

// relabel lowers the potential of v as far as ε-optimality allows: to ε
// below the largest value that keeps every residual arc out of v at
// reduced cost ≥ 0. It reports false when the potential would leave
// ±limit.
func (sc *scaler) relabel(v int32) bool {
	best := -inf
	for k := sc.start[v]; k < sc.start[v+1]; k++ {
		if sc.res[sc.adj[k]] > 0 {
			best = max(best, sc.pi[sc.hd[k]]-sc.cs[k])
		}
	}
	p := best - sc.eps
	if p < -sc.limit || p > sc.limit {
		return false
	}
	sc.pi[v] = p
	if v == nodeS {
		sc.pi[nodeT] = p
	}
	sc.cur[v] = sc.start[v]
	return true
}

// priceUpdate is the global price update: it finds, for every node, the
// least number of ε-steps to a node with a deficit (an arc of reduced cost
// r counts ⌊r/ε⌋ + 1 steps, never negative under ε-optimality) and lowers
// the node's potential by ε per step, which keeps the circulation
// ε-optimal and makes paths to the deficits admissible at once. The search
// (Dial's buckets, up to n steps) stops once every node with an excess is
// scanned; the nodes not scanned, at least as far as the last node
// scanned, are lowered by that distance. It reports false when a potential
// would leave ±limit.
func (sc *scaler) priceUpdate() bool {
	d := sc.dist
	for i := range d {
		d[i] = inf
	}
	maxD := int64(sc.n)
	if len(sc.buckets) == 0 {
		sc.buckets = make([][]int32, maxD+1)
	}
	for k := range sc.buckets {
		sc.buckets[k] = sc.buckets[k][:0]
	}
	active := 0
	for v, x := range sc.excess {
		switch {
		case v == nodeT:
		case x < 0:
			d[v] = 0
			sc.buckets[0] = append(sc.buckets[0], int32(v))
		case x > 0:
			active++
		}
	}
	var far int64
	for k := int64(0); k <= maxD && active > 0; k++ {
		for i := 0; i < len(sc.buckets[k]) && active > 0; i++ {
			v := sc.buckets[k][i]
			if d[v] != k {
				continue
			}
			far = k
			if sc.excess[v] > 0 {
				active--
			}
			pv := sc.pi[v]
			for j := sc.start[v]; j < sc.start[v+1]; j++ {
				if sc.res[sc.adj[j]^1] <= 0 { // the arc u → v
					continue
				}
				u := sc.hd[j]
				r := -sc.cs[j] + sc.pi[u] - pv
				steps := r/sc.eps + 1
				if r < 0 && r%sc.eps != 0 {
					steps--
				}
				if nd := k + steps; nd < d[u] && nd <= maxD {
					d[u] = nd
					sc.buckets[nd] = append(sc.buckets[nd], u)
				}
			}
		}
		if active > 0 {
			far = k
		}
	}
	for v := range sc.pi {
		if v == nodeT {
			continue
		}
		k := min(d[v], far)
		if k > 0 {
			if k > (sc.limit+sc.pi[v])/sc.eps {
				return false
			}
			sc.pi[v] -= sc.eps * k
		}
	}
	sc.pi[nodeT] = sc.pi[nodeS]
	return true
}

// exactPotentials turns the ε-optimal potentials of costScale (in costs
// divided by unit and multiplied by alpha) into exact ones for the residual network: it starts
// from the scaled-down potentials, which are within one unit of feasible,
// and relaxes arcs with a queue (Bellman-Ford) until every residual arc
// has a non-negative reduced cost. The residual network of an optimal flow
// has no negative cycle, so it terminates.
func (g *network) exactPotentials(p []int64, alpha, unit int64) {
	for v := range g.pi {
		q := p[v] / alpha
		if p[v]%alpha != 0 && p[v] < 0 {
			q--
		}
		g.pi[v] = q * unit
	}
	inq := make([]bool, g.n)
	queue := make([]int32, 0, g.n)
	for v := range g.n {
		queue = append(queue, int32(v))
		inq[v] = true
	}
	for qi := 0; qi < len(queue); qi++ {
		u := queue[qi]
		inq[u] = false
		for _, a := range g.adj[g.start[u]:g.start[u+1]] {
			if g.res[a] <= 0 {
				continue
			}
			v := g.to[a]
			if nd := g.pi[u] + g.cost[a]; nd < g.pi[v] {
				g.pi[v] = nd
				if !inq[v] {
					inq[v] = true
					queue = append(queue, v)
				}
			}
		}
		if qi > 1<<16 && 2*qi > len(queue) {
			queue = append(queue[:0], queue[qi+1:]...)
			qi = -1
		}
	}
}
