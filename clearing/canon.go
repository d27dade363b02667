package clearing

// canonicalFlow replaces the flow on the core arcs by one that depends only
// on what the clearing has already fixed uniquely: the dual phi (the
// largest potentials, the same for every optimal flow), hence the set of
// tight core arcs, and every order's fill, hence every class's total. It
// is the maximum flow from the request classes (each supplying its fill)
// to the offer classes (each taking its fill) over the tight core arcs,
// found by Dinic's method with arcs taken in their fixed order. Which
// request trades with which offer therefore does not depend on the path
// by which the solver reached its optimum. The current flow is one such
// flow, so the maximum carries every lot; if it did not (it cannot), the
// current flow is kept.
//
// Cost: Dinic on the class and routing nodes and the tight core arcs,
// O(n²·A) in the worst case and a few breadth-first passes in practice.
func (s *solver) canonicalFlow(phi []int64) {
	g := s.g
	src, snk := int32(nodeS), int32(nodeT) // the order arcs take no part
	var total int64
	type arc struct {
		to  int32
		res int64
	}
	// Arcs in pairs (k, k^1); core arc a of g maps to coreAt[a/2].
	var arcs []arc
	var tail []int32
	add := func(u, v int32, c int64) int32 {
		k := int32(len(arcs))
		arcs = append(arcs, arc{v, c}, arc{u, 0})
		tail = append(tail, u, v)
		return k
	}
	for c := range s.rcls {
		var f int64
		for _, i := range s.rcls[c].orders {
			f += s.flow(s.rarc[i])
		}
		if f > 0 {
			add(src, g.r0+int32(c), f)
			total += f
		}
	}
	var sinkTotal int64
	for c := range s.ocls {
		var f int64
		for _, j := range s.ocls[c].orders {
			f += s.flow(s.oarc[j])
		}
		if f > 0 {
			add(g.o0+int32(c), snk, f)
			sinkTotal += f
		}
	}
	if total == 0 || total != sinkTotal {
		return
	}
	coreAt := make([]int32, (len(g.to)-s.coreFrom)/2)
	for a := s.coreFrom; a < len(g.to); a += 2 {
		coreAt[(a-s.coreFrom)/2] = -1
		u, v := g.from[a], g.to[a]
		if pu, pv := phi[u], phi[v]; pu < inf && pv < inf && g.cost[a]+pu-pv == 0 {
			coreAt[(a-s.coreFrom)/2] = add(u, v, total)
		}
	}
	// Adjacency in arc order.
	start := make([]int32, g.n+1)
	for _, u := range tail {
		start[u+1]++
	}
	for v := range g.n {
		start[v+1] += start[v]
	}
	adj := make([]int32, len(arcs))
	fill := make([]int32, g.n)
	copy(fill, start[:g.n])
	for k, u := range tail {
		adj[fill[u]] = int32(k)
		fill[u]++
	}
	level := make([]int32, g.n)
	iter := make([]int32, g.n)
	queue := make([]int32, 0, g.n)
	var dfs func(u int32, limit int64) int64
	dfs = func(u int32, limit int64) int64 {
		if u == snk {
			return limit
		}
		for ; iter[u] < start[u+1]; iter[u]++ {
			k := adj[iter[u]]
			w := arcs[k].to
			if arcs[k].res <= 0 || level[w] != level[u]+1 {
				continue
			}
			if f := dfs(w, min(limit, arcs[k].res)); f > 0 {
				arcs[k].res -= f
				arcs[k^1].res += f
				return f
			}
		}
		return 0
	}
	var flow int64
	for {
		for v := range level {
			level[v] = -1
		}
		level[src] = 0
		queue = append(queue[:0], src)
		for qi := 0; qi < len(queue); qi++ {
			u := queue[qi]
			for _, k := range adj[start[u]:start[u+1]] {
				if w := arcs[k].to; arcs[k].res > 0 && level[w] < 0 {
					level[w] = level[u] + 1
					queue = append(queue, w)
				}
			}
		}
		if level[snk] < 0 {
			break
		}
		copy(iter, start[:g.n])
		for {
			f := dfs(src, total)
			if f == 0 {
				break
			}
			flow += f
		}
	}
	if flow != total {
		return
	}
	for a := s.coreFrom; a < len(g.to); a += 2 {
		var f int64
		if k := coreAt[(a-s.coreFrom)/2]; k >= 0 {
			f = arcs[k^1].res
		}
		g.res[a^1] = f
		g.res[a] = inf - f
	}
}
