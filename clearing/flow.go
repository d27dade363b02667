package clearing

// This file holds the network and the fallback min-cost flow: successive
// shortest paths with potentials (Dijkstra on reduced costs), augmenting a
// maximum flow over the zero-reduced-cost arcs after each Dijkstra (the
// primal-dual method), until no path of negative cost (positive surplus) is
// left. Every cost and capacity is an int64; the package limits keep the
// sums in range. The default solver, cost scaling, is in scale.go.
//
// The network has a source s, a sink t, one node per request class and per
// offer class, and routing nodes between them. Arcs are of two kinds. Order
// arcs join s to a request class (one per request) and an offer class to t
// (one per offer); core arcs join request classes, routing nodes and offer
// classes, are unbounded and carry the transport cost. During the phases
// flow on an order arc only grows (a shortest path never re-enters s or
// leaves t), and parallel order arcs into one class fill in cost order, so
// the phases look only at the cheapest unsaturated order arc of each class
// through a pointer that only moves forward: a phase costs time in the core
// arcs and the classes, not in the orders.

const inf = int64(1) << 62

type network struct {
	n    int
	to   []int32
	from []int32
	res  []int64 // residual capacity; arc a^1 is the reverse of arc a
	cost []int64
	pi   []int64 // potentials: reduced cost = cost + pi[tail] − pi[head]

	// Full CSR adjacency over every arc: arcs leaving v are
	// adj[start[v]:start[v+1]].
	start, adj []int32
	// CSR adjacency over the core arcs and their reverses only.
	cstart, cadj []int32

	coreFrom int // first core arc; order arcs come before it
	// Node ranges: request classes are r0 ≤ v < o0, offer classes o0 ≤ v < x0.
	r0, o0, x0 int32
	// Order arcs per request class (s → class) and per offer class (class →
	// t), each in ascending cost; sptr and tptr point at the first arc
	// with residual capacity.
	src, sink  [][]int32
	sptr, tptr []int32

	// scratch
	dist  []int64
	heap  []heapItem
	level []int32 // distance labels of the maximum flow
	cnt   []int32 // nodes per label value
	iter  []int32
	siter int32 // current class of s
	path  []int32
	queue []int32
}

type heapItem struct {
	d int64
	v int32
}

const (
	nodeS = 0
	nodeT = 1
)

func newNetwork(n, arcs int) *network {
	return &network{n: n, to: make([]int32, 0, 2*arcs), res: make([]int64, 0, 2*arcs),
		cost: make([]int64, 0, 2*arcs), from: make([]int32, 0, 2*arcs)}
}

// addArc adds u→v and returns its index; the reverse arc is index^1.
func (g *network) addArc(u, v int, capacity, cost int64) int {
	a := len(g.to)
	g.to = append(g.to, int32(v), int32(u))
	g.from = append(g.from, int32(u), int32(v))
	g.res = append(g.res, capacity, 0)
	g.cost = append(g.cost, cost, -cost)
	return a
}

// csr builds an adjacency over the arcs for which keep is true.
func (g *network) csr(keep func(a int) bool) (start, adj []int32) {
	start = make([]int32, g.n+1)
	for a, u := range g.from {
		if keep(a) {
			start[u+1]++
		}
	}
	for v := 0; v < g.n; v++ {
		start[v+1] += start[v]
	}
	adj = make([]int32, start[g.n])
	fill := make([]int32, g.n)
	copy(fill, start[:g.n])
	for a, u := range g.from {
		if keep(a) {
			adj[fill[u]] = int32(a)
			fill[u]++
		}
	}
	return start, adj
}

// build freezes the arcs. coreFrom is the index of the first core arc:
// order arcs come before it, core arcs from it on.
func (g *network) build(coreFrom int) {
	g.coreFrom = coreFrom
	g.start, g.adj = g.csr(func(int) bool { return true })
	g.cstart, g.cadj = g.csr(func(a int) bool { return a >= coreFrom })
	g.dist = make([]int64, g.n)
	g.level = make([]int32, g.n)
	g.cnt = make([]int32, g.n+1)
	g.iter = make([]int32, g.n)
	g.pi = make([]int64, g.n)
	g.sptr = make([]int32, len(g.src))
	g.tptr = make([]int32, len(g.sink))
}

func (g *network) rc(a int32) int64 {
	return g.cost[a] + g.pi[g.from[a]] - g.pi[g.to[a]]
}

func (g *network) isOffer(v int32) bool { return v >= g.o0 && v < g.x0 }

// srcArc returns the cheapest request arc of class c with residual
// capacity, or -1.
func (g *network) srcArc(c int) int32 {
	if p := g.sptr[c]; int(p) < len(g.src[c]) {
		return g.src[c][p]
	}
	return -1
}

func (g *network) sinkArc(o int32) int32 {
	c := o - g.o0
	if p := g.tptr[c]; int(p) < len(g.sink[c]) {
		return g.sink[c][p]
	}
	return -1
}

// relax lowers dist[v] to nd and queues v.
func (g *network) relax(h []heapItem, v int32, nd int64) []heapItem {
	if nd < g.dist[v] {
		g.dist[v] = nd
		h = append(h, heapItem{nd, v})
		siftUp(h, len(h)-1)
	}
	return h
}

// shortest fills g.dist with the reduced-cost distances from s up to that
// of t: it stops when t is settled, so nodes farther than t keep an upper
// bound at least dist[t]. Only the phases call it.
func (g *network) shortest() {
	for i := range g.dist {
		g.dist[i] = inf
	}
	g.dist[nodeS] = 0
	h := g.heap[:0]
	for c := range g.src {
		if a := g.srcArc(c); a >= 0 {
			h = g.relax(h, g.to[a], g.rc(a))
		}
	}
	for len(h) > 0 {
		it := h[0]
		last := len(h) - 1
		h[0] = h[last]
		h = h[:last]
		siftDown(h, 0)
		if it.d != g.dist[it.v] {
			continue
		}
		u := it.v
		if u == nodeT {
			break
		}
		if g.isOffer(u) {
			if a := g.sinkArc(u); a >= 0 {
				h = g.relax(h, nodeT, it.d+g.rc(a))
			}
		}
		for _, a := range g.cadj[g.cstart[u]:g.cstart[u+1]] {
			if g.res[a] > 0 {
				h = g.relax(h, g.to[a], it.d+g.rc(a))
			}
		}
	}
	g.heap = h[:0]
}

// dijkstra fills g.dist with reduced-cost distances from src over every
// arc with residual capacity (inf when unreachable).
func (g *network) dijkstra(src int) {
	for i := range g.dist {
		g.dist[i] = inf
	}
	g.dist[src] = 0
	h := g.heap[:0]
	h = append(h, heapItem{0, int32(src)})
	for len(h) > 0 {
		it := h[0]
		last := len(h) - 1
		h[0] = h[last]
		h = h[:last]
		siftDown(h, 0)
		if it.d != g.dist[it.v] {
			continue
		}
		u := it.v
		for _, a := range g.adj[g.start[u]:g.start[u+1]] {
			if g.res[a] > 0 {
				h = g.relax(h, g.to[a], it.d+g.rc(a))
			}
		}
	}
	g.heap = h[:0]
}

func siftUp(h []heapItem, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].d <= h[i].d {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func siftDown(h []heapItem, i int) {
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
func (g *network) minCost() {
	for {
		g.shortest()
		if g.dist[nodeT] >= inf {
			return
		}
		d := g.dist[nodeT]
		for v := range g.pi {
			g.pi[v] += min(g.dist[v], d)
		}
		if g.pi[nodeT]-g.pi[nodeS] >= 0 {
			return
		}
		g.blockingFlows()
	}
}

// blockingFlows augments a maximum flow from s to t over arcs of zero
// reduced cost (the admissible subgraph), by shortest augmenting paths with
// distance labels (ISAP): one backward breadth-first search from t labels
// every node with its distance to t, paths advance along arcs that lower
// the label by one, a dead end raises its node's label, and the search
// stops as soon as some label value has no node left (a gap), which proves
// that no augmenting path is left.
func (g *network) blockingFlows() {
	n := int32(g.n)
	d := g.level
	for i := range d {
		d[i] = n
	}
	d[nodeT] = 0
	q := g.queue[:0]
	for c := range g.sink {
		v := g.o0 + int32(c)
		if a := g.sinkArc(v); a >= 0 && g.rc(a) == 0 {
			d[v] = 1
			q = append(q, v)
		}
	}
	for i := 0; i < len(q); i++ {
		v := q[i]
		for _, b := range g.cadj[g.cstart[v]:g.cstart[v+1]] {
			u, a := g.to[b], b^1 // a is u→v
			if d[u] == n && g.res[a] > 0 && g.rc(a) == 0 {
				d[u] = d[v] + 1
				q = append(q, u)
			}
		}
	}
	g.queue = q
	d[nodeS] = g.relabelS()
	if d[nodeS] >= n {
		return
	}
	cnt := g.cnt
	clear(cnt)
	for _, x := range d {
		cnt[x]++
	}
	copy(g.iter, g.cstart[:g.n])
	g.siter = 0
	path := g.path[:0]
	u := int32(nodeS)
	for d[nodeS] < n {
		if u == nodeT {
			f := inf
			for _, a := range path {
				f = min(f, g.res[a])
			}
			for _, a := range path {
				g.res[a] -= f
				g.res[a^1] += f
			}
			if a := path[0]; g.res[a] == 0 {
				g.sptr[g.to[a]-g.r0]++
			}
			if a := path[len(path)-1]; g.res[a] == 0 {
				g.tptr[g.from[a]-g.o0]++
			}
			path, u = path[:0], nodeS
			continue
		}
		if a := g.advance(u); a >= 0 {
			path = append(path, a)
			u = g.to[a]
			continue
		}
		// Dead end: raise the label of u.
		old := d[u]
		if cnt[old]--; cnt[old] == 0 {
			break // a gap: nothing above it reaches t
		}
		var m int32
		if u == nodeS {
			m = g.relabelS()
			g.siter = 0
		} else {
			m = g.relabel(u)
			g.iter[u] = g.cstart[u]
		}
		d[u] = m
		cnt[m]++
		if u != nodeS {
			a := path[len(path)-1]
			path = path[:len(path)-1]
			u = g.from[a]
		}
	}
	g.path = path[:0]
}

// advance returns an admissible arc out of u that lowers the label by one,
// moving u's current-arc pointer, or -1.
func (g *network) advance(u int32) int32 {
	d := g.level
	if u == nodeS {
		for ; int(g.siter) < len(g.src); g.siter++ {
			c := int(g.siter)
			if a := g.srcArc(c); a >= 0 && d[g.to[a]]+1 == d[nodeS] && g.rc(a) == 0 {
				return a
			}
		}
		return -1
	}
	if g.isOffer(u) && d[u] == 1 {
		if a := g.sinkArc(u); a >= 0 && g.rc(a) == 0 {
			return a
		}
	}
	for end := g.cstart[u+1]; g.iter[u] < end; g.iter[u]++ {
		a := g.cadj[g.iter[u]]
		if g.res[a] > 0 && d[g.to[a]]+1 == d[u] && g.rc(a) == 0 {
			return a
		}
	}
	return -1
}

// relabel returns one more than the lowest label among the heads of u's
// admissible arcs (n when there is none).
func (g *network) relabel(u int32) int32 {
	d := g.level
	m := int32(g.n)
	if g.isOffer(u) {
		if a := g.sinkArc(u); a >= 0 && g.rc(a) == 0 {
			return 1
		}
	}
	for _, a := range g.cadj[g.cstart[u]:g.cstart[u+1]] {
		if g.res[a] > 0 && d[g.to[a]]+1 < m && g.rc(a) == 0 {
			m = d[g.to[a]] + 1
		}
	}
	return m
}

func (g *network) relabelS() int32 {
	d := g.level
	m := int32(g.n)
	for c := range g.src {
		if a := g.srcArc(c); a >= 0 && d[g.to[a]]+1 < m && g.rc(a) == 0 {
			m = d[g.to[a]] + 1
		}
	}
	return m
}

// distances returns the shortest true-cost distances from s in the
// residual network extended by zero-cost arcs s→t and t→s: the pointwise
// largest potentials with phi[s] = 0 that keep every reduced cost
// non-negative (inf where no path exists). It runs two Dijkstras and
// requires that the extended network has no negative cycle, which holds
// once minCost has returned.
func (g *network) distances() []int64 {
	phi := make([]int64, g.n)
	g.dijkstra(nodeS)
	for v := range phi {
		phi[v] = inf
		if g.dist[v] < inf {
			phi[v] = g.dist[v] - g.pi[nodeS] + g.pi[v]
		}
	}
	g.dijkstra(nodeT)
	for v := range phi {
		if g.dist[v] < inf {
			phi[v] = min(phi[v], g.dist[v]-g.pi[nodeT]+g.pi[v])
		}
	}
	return phi
}
