package clearing

// This file holds the min-cost flow over the class network: successive
// shortest paths with potentials (Dijkstra on reduced costs), augmenting a
// maximum flow over the zero-reduced-cost arcs after each Dijkstra (the
// primal-dual method), until no path of negative cost (positive surplus)
// is left. Every cost and capacity is an int64; the package limits keep the
// sums in range.

const inf = int64(1) << 62

type network struct {
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
	heap  []heapItem
	level []int32
	iter  []int32
	queue []int32
}

type heapItem struct {
	d int64
	v int32
}

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

func (g *network) build() {
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

func (g *network) rc(a int32) int64 {
	return g.cost[a] + g.pi[g.from[a]] - g.pi[g.to[a]]
}

// dijkstra fills g.dist with reduced-cost distances from src over arcs with
// residual capacity (inf when unreachable).
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
			if g.res[a] <= 0 {
				continue
			}
			v := g.to[a]
			nd := it.d + g.rc(a)
			if nd < g.dist[v] {
				g.dist[v] = nd
				h = append(h, heapItem{nd, v})
				siftUp(h, len(h)-1)
			}
		}
	}
	g.heap = h
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
func (g *network) minCost(s, t int) {
	for {
		g.dijkstra(s)
		if g.dist[t] >= inf {
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
func (g *network) blockingFlows(s, t int) {
	for g.levels(s, t) {
		copy(g.iter, g.start[:g.n])
		for {
			f := g.push(int32(s), int32(t), inf)
			if f == 0 {
				break
			}
		}
	}
}

func (g *network) levels(s, t int) bool {
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

func (g *network) push(u, t int32, limit int64) int64 {
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
// residual network extended by zero-cost arcs s→t and t→s: the pointwise
// largest potentials with phi[s] = 0 that keep every reduced cost
// non-negative (inf where no path exists). It runs two Dijkstras and
// requires that the extended network has no negative cycle, which holds
// once minCost has returned.
func (g *network) distances(s, t int) []int64 {
	phi := make([]int64, g.n)
	g.dijkstra(s)
	for v := range phi {
		phi[v] = inf
		if g.dist[v] < inf {
			phi[v] = g.dist[v] - g.pi[s] + g.pi[v]
		}
	}
	g.dijkstra(t)
	for v := range phi {
		if g.dist[v] < inf {
			phi[v] = min(phi[v], g.dist[v]-g.pi[t]+g.pi[v])
		}
	}
	return phi
}
