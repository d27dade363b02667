package bench

import (
	"fmt"
	"os"
	"testing"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

// wideCatalog returns a catalog of leaves tradable leaf categories (tick and
// lot 1) and bases delivery bases: leaves × bases markets.
func wideCatalog(tb testing.TB, leaves, bases int) (*catalog.Catalog, []catalog.CategoryID, []catalog.BasisID) {
	tb.Helper()
	tax := catalog.NewTaxonomy()
	if _, err := tax.Add("99", "Benchmark goods", "", 0, 0); err != nil {
		tb.Fatal(err)
	}
	cats := make([]catalog.CategoryID, leaves)
	for i := range cats {
		id, err := tax.Add(fmt.Sprintf("99.%d", i+1), fmt.Sprintf("Good %d", i+1), "lot", 1, 1)
		if err != nil {
			tb.Fatal(err)
		}
		cats[i] = id
	}
	bs := catalog.NewBases()
	ids := make([]catalog.BasisID, bases)
	for i := range ids {
		id, err := bs.Add(fmt.Sprintf("B%d", i+1), fmt.Sprintf("Basis %d", i+1))
		if err != nil {
			tb.Fatal(err)
		}
		ids[i] = id
	}
	cat := &catalog.Catalog{Taxonomy: tax, Bases: bs}
	if err := cat.Validate(); err != nil {
		tb.Fatal(err)
	}
	return cat, cats, ids
}

// BenchmarkOpenMarkets opens n markets, each with its first order (a
// resting buy), on a fresh exchange, and reports the cost per market
// opened: opening a market must cost O(1) amortised, so ns/open stays flat
// from 1e3 to 1e6 markets. The 1e6 case needs a few seconds and about
// 2 GiB; set AGORA_MARKETS_MAX=100000 to stop below it.
func BenchmarkOpenMarkets(b *testing.B) {
	maxN := 1_000_000
	if s := os.Getenv("AGORA_MARKETS_MAX"); s != "" {
		if _, err := fmt.Sscan(s, &maxN); err != nil {
			b.Fatal(err)
		}
	}
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		if n > maxN {
			continue
		}
		b.Run(fmt.Sprintf("markets=%d", n), func(b *testing.B) {
			leaves := 1_000
			cat, cats, bases := wideCatalog(b, leaves, n/leaves)
			var dst []matching.Event
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				x, err := NewExchange(cat)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for _, basis := range bases {
					for _, c := range cats {
						dst, err = x.Submit(matching.Command{
							Kind: matching.CmdPlace, Participant: 1, Category: c, Basis: basis,
							Side: matching.Buy, Type: matching.Limit, TIF: matching.GTC, Price: 100, Qty: 1,
						}, dst[:0])
						if err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/open")
		})
	}
}
