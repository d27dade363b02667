package clearing

// This file holds the cost-scaling solver (Goldberg and Tarjan's
// push-relabel method with ε-scaling and global price updates), the
// default solver of the network; minCost in flow.go is the fallback.

// scaleStep is the factor by which each refinement divides ε.
const scaleStep = 16

// potLimit bounds every potential of the cost-scaling solver, so that a
// reduced cost (a scaled cost plus two potentials) stays inside an int64.
const potLimit = int64(1) << 61

type scaler struct {
	g     *network
	alpha int64 // cost multiplier: n+1
	// Adjacency with t merged into s: the arcs out of v are
	// adj[start[v]:start[v+1]], with, per slot, the head (t read as s) and
	// the scaled cost cost / unit · alpha.
	start  []int32
	adj    []int32
	hd     []int32
	cs     []int64
	unit   int64   // costs are in units of unit, their greatest common divisor
	pi     []int64 // potentials in scaled units; s and t share one
	excess []int64
	cur    []int32 // current slot of every node in adj
	queue  []int32
	inq    []bool
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
//
// It reports false and leaves the network as it found it when the
// quantities or costs are too large for its arithmetic to stay inside an
// int64 (quantities near MaxQty on many orders, costs near MaxPrice in
// very large networks, or a potential beyond ±limit, which is potLimit
// except in tests); minCost then solves the network instead. On
// success g.pi holds exact feasible potentials and core arcs are again
// unbounded.
func (g *network) costScale(limit int64) bool {
	n := int64(g.n)
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
	// Every arc carries at most u lots and an excess is at most a node's
	// degree times u.
	u := min(sumR, sumO)
	deg := int64(g.start[nodeS+1] - g.start[nodeS] + g.start[nodeT+1] - g.start[nodeT])
	for v := 2; v < g.n; v++ {
		deg = max(deg, int64(g.start[v+1]-g.start[v]))
	}
	const lim = int64(1) << 60
	if u <= 0 || u > lim/(2*deg) || cmax > (lim>>3)/(n+1) {
		return false
	}
	saved := make([]int64, len(g.res))
	copy(saved, g.res)
	// Core arcs get capacity u for the duration.
	for a := g.coreFrom; a < len(g.to); a += 2 {
		g.res[a] = u
	}
	sc := &scaler{g: g, alpha: n + 1, pi: make([]int64, g.n), excess: make([]int64, g.n),
		cur: make([]int32, g.n), queue: make([]int32, 0, g.n), inq: make([]bool, g.n), limit: limit, unit: unit}
	sc.start = make([]int32, g.n+1)
	sc.adj = make([]int32, 0, len(g.adj))
	for v := range g.n {
		if v != nodeT {
			sc.adj = append(sc.adj, g.adj[g.start[v]:g.start[v+1]]...)
		}
		if v == nodeS {
			sc.adj = append(sc.adj, g.adj[g.start[nodeT]:g.start[nodeT+1]]...)
		}
		sc.start[v+1] = int32(len(sc.adj))
	}
	sc.hd = make([]int32, len(sc.adj))
	sc.cs = make([]int64, len(sc.adj))
	for k, a := range sc.adj {
		sc.hd[k] = g.to[a]
		if sc.hd[k] == nodeT {
			sc.hd[k] = nodeS
		}
		sc.cs[k] = g.cost[a] / unit * sc.alpha
	}
	ok := sc.run(cmax * sc.alpha)
	for v := 0; ok && v < g.n; v++ {
		q := sc.pi[v] / sc.alpha
		ok = q <= potLimit/unit && q >= -potLimit/unit // in cost units, too
	}
	if !ok {
		copy(g.res, saved)
		return false
	}
	for a := g.coreFrom; a < len(g.to); a += 2 {
		g.res[a] = inf - g.res[a^1]
	}
	g.exactPotentials(sc.pi, sc.alpha, unit)
	return true
}

func (sc *scaler) run(eps int64) bool {
	g := sc.g
	for eps > 1 {
		if eps /= scaleStep; eps < 4 {
			eps = 1 // a refinement at ε = 2 or 3 would save the last one little
		}
		sc.eps = eps
		// Saturate every arc of negative reduced cost.
		for v := range int32(g.n) {
			for k := sc.start[v]; k < sc.start[v+1]; k++ {
				a := sc.adj[k]
				if g.res[a] > 0 && sc.cs[k]+sc.pi[v]-sc.pi[sc.hd[k]] < 0 {
					f := g.res[a]
					g.res[a] = 0
					g.res[a^1] += f
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
				if relabels++; relabels >= g.n {
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
	}
	return true
}

// discharge pushes the excess of v along admissible arcs (negative reduced
// cost) from its current arc on, until the excess is gone or the arcs are.
func (sc *scaler) discharge(v int32) {
	g := sc.g
	k, end := sc.cur[v], sc.start[v+1]
	if k < sc.start[v] {
		k = sc.start[v]
	}
	pv := sc.pi[v]
	for ; k < end; k++ {
		a := sc.adj[k]
		if g.res[a] <= 0 || sc.cs[k]+pv-sc.pi[sc.hd[k]] >= 0 {
			continue
		}
		f := min(sc.excess[v], g.res[a])
		w := sc.hd[k]
		g.res[a] -= f
		g.res[a^1] += f
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
	g := sc.g
	best := -inf
	for k := sc.start[v]; k < sc.start[v+1]; k++ {
		if g.res[sc.adj[k]] > 0 {
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
	g := sc.g
	d := g.dist
	for i := range d {
		d[i] = inf
	}
	maxD := int64(g.n)
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
				if g.res[sc.adj[j]^1] <= 0 { // the arc u → v
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
