package clearing

import (
	"cmp"
	"slices"

	"github.com/agora-exchange/agora/catalog"
)

func (s *solver) flow(a int32) int64 { return s.g.res[a^1] }

// priorityPass moves flow inside the set of surplus-maximal solutions so
// that, taking orders in priority order, each fills as much as it can while
// every earlier order keeps its fill. Only orders at the margin (zero
// reduced cost under phi) and tight core arcs may change: that set is
// exactly the optimal face.
//
// For an order at the margin it searches, breadth first over the tight
// core arcs, for a path from the order's class to a class where a later
// order of the same side can give up lots or an order of the other side
// can take more, and augments along it until there is none. Lots of a
// request travel along the arcs (more flow) or against arcs that carry
// flow (less flow); lots of an offer the other way round.
func (s *solver) priorityPass(phi []int64) {
	g := s.g
	rcost := func(a int32) int64 {
		pu, pv := phi[g.from[a]], phi[g.to[a]]
		if pu >= inf || pv >= inf {
			return inf
		}
		return g.cost[a] + pu - pv
	}
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

	// Tight core arcs incident to every node, in CSR form.
	tstart := make([]int32, g.n+1)
	for a := int32(s.coreFrom); int(a) < len(g.to); a += 2 {
		if rcost(a) == 0 {
			tstart[g.from[a]+1]++
			tstart[g.to[a]+1]++
		}
	}
	for v := 0; v < g.n; v++ {
		tstart[v+1] += tstart[v]
	}
	tadj := make([]int32, tstart[g.n])
	fill := slices.Clone(tstart[:g.n])
	for a := int32(s.coreFrom); int(a) < len(g.to); a += 2 {
		if rcost(a) == 0 {
			u, v := g.from[a], g.to[a]
			tadj[fill[u]] = a
			fill[u]++
			tadj[fill[v]] = a
			fill[v]++
		}
	}

	r0, o0, x0 := g.r0, g.o0, g.x0
	prev := make([]int32, g.n) // arc used to reach a node; -1 at the start
	seen := make([]int32, g.n) // BFS stamp
	stamp := int32(0)
	queue := make([]int32, 0, g.n)
	for _, k := range all {
		cur := k.rank // orders with a later rank may give up lots
		req := k.side == SideRequest
		for {
			var room int64
			var start int32
			if req {
				room = s.reqs[k.idx].Qty - s.flow(s.rarc[k.idx])
				start = r0 + s.rof[k.idx]
			} else {
				room = s.offs[k.idx].Qty - s.flow(s.oarc[k.idx])
				start = o0 + s.oof[k.idx]
			}
			if room <= 0 {
				break
			}
			stamp++
			seen[start], prev[start] = stamp, -1
			queue = append(queue[:0], start)
			target, tnode := int32(-1), int32(-1)
			for qi := 0; qi < len(queue); qi++ {
				u := queue[qi]
				switch {
				case u >= r0 && u < o0:
					c := u - r0
					if req { // a later request here may give up lots
						for x := len(rflex[c]) - 1; x >= 0; x-- {
							i := rflex[c][x]
							if s.rrank[i] > cur && s.flow(s.rarc[i]) > 0 {
								target = i
								break
							}
						}
					} else { // a request here may take more
						for _, i := range rflex[c] {
							if s.flow(s.rarc[i]) < s.reqs[i].Qty {
								target = i
								break
							}
						}
					}
				case u >= o0 && u < x0:
					c := u - o0
					if !req {
						for x := len(oflex[c]) - 1; x >= 0; x-- {
							j := oflex[c][x]
							if s.orank[j] > cur && s.flow(s.oarc[j]) > 0 {
								target = j
								break
							}
						}
					} else {
						for _, j := range oflex[c] {
							if s.flow(s.oarc[j]) < s.offs[j].Qty {
								target = j
								break
							}
						}
					}
				}
				if target >= 0 {
					tnode = u
					break
				}
				for _, a := range tadj[tstart[u]:tstart[u+1]] {
					along := g.from[a] == u
					v := g.from[a]
					if along {
						v = g.to[a]
					}
					if seen[v] == stamp {
						continue
					}
					if along != req && s.flow(a) == 0 { // would take flow off an empty arc
						continue
					}
					seen[v], prev[v] = stamp, a
					queue = append(queue, v)
				}
			}
			if target < 0 {
				break
			}
			// Bottleneck: the room, the target's arc, the arcs whose flow
			// falls.
			sameSide := (tnode < o0) == req // the target gives up lots
			amt := room
			var tarc int32
			switch {
			case sameSide && req:
				tarc = s.rarc[target]
				amt = min(amt, s.flow(tarc))
			case sameSide:
				tarc = s.oarc[target]
				amt = min(amt, s.flow(tarc))
			case req:
				tarc = s.oarc[target]
				amt = min(amt, s.offs[target].Qty-s.flow(tarc))
			default:
				tarc = s.rarc[target]
				amt = min(amt, s.reqs[target].Qty-s.flow(tarc))
			}
			for v := tnode; prev[v] >= 0; {
				a := prev[v]
				along := g.to[a] == v
				if along != req {
					amt = min(amt, s.flow(a))
				}
				if along {
					v = g.from[a]
				} else {
					v = g.to[a]
				}
			}
			// Apply: the order's own arc, the path, the target's arc.
			var karc int32
			if req {
				karc = s.rarc[k.idx]
			} else {
				karc = s.oarc[k.idx]
			}
			g.res[karc] -= amt
			g.res[karc^1] += amt
			for v := tnode; prev[v] >= 0; {
				a := prev[v]
				along := g.to[a] == v
				if along == req { // more flow on a
					g.res[a] -= amt
					g.res[a^1] += amt
				} else {
					g.res[a] += amt
					g.res[a^1] -= amt
				}
				if along {
					v = g.from[a]
				} else {
					v = g.to[a]
				}
			}
			if sameSide {
				g.res[tarc] += amt
				g.res[tarc^1] -= amt
			} else {
				g.res[tarc] -= amt
				g.res[tarc^1] += amt
			}
		}
	}
}

// pairFlows decomposes the flow on the core arcs into flows between
// request classes and offer classes, in class order, and stores them in
// s.pairs. The flow on the core arcs is acyclic (every core arc points from
// request classes towards offer classes), so the decomposition follows
// paths of positive flow from each request class until they reach an
// offer class.
func (s *solver) pairFlows() {
	g := s.g
	left := make([]int64, len(g.to)/2) // flow still to assign, by arc/2
	for a := s.coreFrom; a < len(g.to); a += 2 {
		left[a/2] = g.res[a^1]
	}
	ptr := slices.Clone(g.cstart[:g.n]) // next out arc to try, per node
	mark := make([]int32, len(s.ocls))  // 1 + request class of the pair at idx
	idx := make([]int32, len(s.ocls))
	// next returns the first forward core arc out of v with flow left.
	next := func(v int32) int32 {
		for ; ptr[v] < g.cstart[v+1]; ptr[v]++ {
			if a := g.cadj[ptr[v]]; a&1 == 0 && left[a/2] > 0 {
				return a
			}
		}
		return -1
	}
	var path []int32
	for c := range s.rcls {
		u := g.r0 + int32(c)
		for {
			a := next(u)
			if a < 0 {
				break
			}
			amt := left[a/2]
			path = append(path[:0], a)
			v := g.to[a]
			for !g.isOffer(v) {
				b := next(v)
				if b < 0 { // cannot happen: flow is conserved at every cell
					amt = 0
					break
				}
				amt = min(amt, left[b/2])
				path = append(path, b)
				v = g.to[b]
			}
			if amt == 0 {
				left[a/2] = 0
				continue
			}
			for _, b := range path {
				left[b/2] -= amt
			}
			o := v - g.o0
			if mark[o] != int32(c)+1 {
				mark[o], idx[o] = int32(c)+1, int32(len(s.pairs))
				s.pairs = append(s.pairs, pairArc{r: int32(c), o: o, transport: catalog.Price(g.cost[a])})
			}
			s.pairs[idx[o]].flow += amt
		}
	}
}
