package clearing

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

// benchWorld is a market of one graded leaf with five grades and nb bases
// on a line; transport connects bases at most radius apart, at 10 ticks a
// step.
func benchWorld(b testing.TB, nb, radius int) (Data, catalog.CategoryID) {
	tax, err := catalog.LoadTaxonomyCSV(strings.NewReader("code,name,unit,tick,lot\n23,Minerals,,,\n23.51,Cement,,,\n23.51.12,CEM I,t,100,1\n"))
	if err != nil {
		b.Fatal(err)
	}
	leaf, _ := tax.ByCode("23.51.12")
	g := catalog.NewGrades(tax)
	for k := range 5 {
		if _, err := g.Add(leaf.ID, fmt.Sprintf("G%d", k+1), catalog.Price(100*20*(k-2))); err != nil {
			b.Fatal(err)
		}
	}
	bases := catalog.NewBases()
	for i := range nb {
		if _, err := bases.Add(fmt.Sprintf("B%d", i), "basis"); err != nil {
			b.Fatal(err)
		}
	}
	tr := catalog.NewTransport(bases)
	for x := 1; x <= nb; x++ {
		for y := max(1, x-radius); y <= min(nb, x+radius); y++ {
			if x != y {
				d := x - y
				if d < 0 {
					d = -d
				}
				if err := tr.Set(catalog.BasisID(x), catalog.BasisID(y), catalog.Price(1000*d)); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return Data{Taxonomy: tax, Grades: g, Transport: tr, Bases: bases}, leaf.ID
}

// benchOrders draws n orders, half requests and half offers, over nb bases
// and five grades: requests deliver to their own basis with a minimum
// grade, a lead time limit from {none, 7, 14} and a rating floor from {0,
// 50}; offers have lead times from {3, 7, 14, 21} and ratings from {40, 60,
// 80}. Limits spread over 200 ticks around 1000 roubles.
func benchOrders(r *rand.Rand, n, nb int, leaf catalog.CategoryID) ([]Request, []Offer) {
	reqs := make([]Request, 0, n/2)
	offs := make([]Offer, 0, n-n/2)
	leads := []int32{0, 7, 14}
	oleads := []int32{3, 7, 14, 21}
	for i := range n / 2 {
		reqs = append(reqs, Request{ID: OrderID(i + 1), Owner: catalog.ParticipantID(i + 1), Category: leaf,
			Deliver: catalog.BasisID(1 + r.IntN(nb)), MinGrade: catalog.Grade(1 + r.IntN(5)), MaxLead: leads[r.IntN(3)],
			MinRating: uint8(50 * r.IntN(2)), Qty: 1 + r.Int64N(100), Limit: catalog.Price(100 * (950 + r.IntN(200))), Priority: uint64(2 * i)})
	}
	for j := range n - n/2 {
		offs = append(offs, Offer{ID: OrderID(j + 1), Owner: catalog.ParticipantID(n + j + 1), Category: leaf,
			Basis: catalog.BasisID(1 + r.IntN(nb)), Grade: catalog.Grade(1 + r.IntN(5)), Lead: oleads[r.IntN(4)],
			Rating: uint8(40 + 20*r.IntN(3)), Qty: 1 + r.Int64N(100), Limit: catalog.Price(100 * (900 + r.IntN(200))), Priority: uint64(2*j + 1)})
	}
	return reqs, offs
}

func benchClear(b *testing.B, n, nb, radius int) { benchWith(b, Clear, n, nb, radius) }

func benchWith(b *testing.B, clear func(Data, []Request, []Offer) (Result, error), n, nb, radius int) {
	d, leaf := benchWorld(b, nb, radius)
	reqs, offs := benchOrders(rand.New(rand.NewPCG(1, uint64(n))), n, nb, leaf)
	s := &solver{data: d, reqs: reqs, offs: offs, coverCache: map[[2]catalog.CategoryID]bool{}}
	if err := s.validate(); err != nil {
		b.Fatal(err)
	}
	s.rank()
	s.classes()
	s.buildNetwork()
	pairs := 0 // compatible class pairs: the arcs of a direct network
	for r := range s.rcls {
		for o := range s.ocls {
			if !s.covers(s.rcls[r].cat, s.ocls[o].cat) {
				continue
			}
			if g, bs, l, ra, co, _ := s.failures(&s.rcls[r], &s.ocls[o]); !g && !bs && !l && !ra && !co {
				pairs++
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var res Result
	for b.Loop() {
		var err error
		res, err = clear(d, reqs, offs)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pairs), "classpairs")
	b.ReportMetric(float64((len(s.g.to)-s.coreFrom)/2), "corearcs")
	b.ReportMetric(float64(len(s.rcls)+len(s.ocls)), "classes")
	b.ReportMetric(float64(len(res.Fills)), "fills")
	b.ReportMetric(float64(res.Volume), "lots")
}

// BenchmarkClear clears pools of 1,000 to 100,000 orders over 50 bases and
// 5 grades, with transport to bases up to 2 steps away.
func BenchmarkClear(b *testing.B) {
	for _, n := range []int{1000, 3000, 10000, 100000} {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) { benchClear(b, n, 50, 2) })
	}
}

// BenchmarkClearPairs holds 2,000 orders fixed and widens the transport
// radius, so the number of compatible class pairs grows.
func BenchmarkClearPairs(b *testing.B) {
	for _, radius := range []int{0, 1, 2, 5, 10} {
		b.Run(fmt.Sprintf("radius=%d", radius), func(b *testing.B) { benchClear(b, 2000, 50, radius) })
	}
}

// BenchmarkClearReference runs the reference solver of the tests (one arc
// per compatible class pair, primal-dual method) on the smaller pools of
// BenchmarkClear and BenchmarkClearPairs, for comparison.
func BenchmarkClearReference(b *testing.B) {
	for _, n := range []int{1000, 3000} {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) { benchWith(b, refClear, n, 50, 2) })
	}
	for _, radius := range []int{0, 2, 10} {
		b.Run(fmt.Sprintf("radius=%d", radius), func(b *testing.B) { benchWith(b, refClear, 2000, 50, radius) })
	}
}
