package contacts_test

import (
	"fmt"
	"testing"

	"github.com/agora-exchange/agora/bench/contacts"
)

// every is each search model: the closed forms and two sampled models.
var every = []contacts.SearchModel{
	{Kind: contacts.SearchExhaustive}, {Kind: contacts.SearchInformed},
	{Kind: contacts.SearchSample, N: 5}, {Kind: contacts.SearchSequential, N: 20},
}

func benchRun(b *testing.B, cfg contacts.Config) {
	b.ReportAllocs()
	var r contacts.Result
	for b.Loop() {
		var err error
		if r, err = contacts.Run(cfg); err != nil {
			b.Fatal(err)
		}
	}
	_, c := r.Headline()
	b.ReportMetric(float64(c), "direct-contacts")
	b.ReportMetric(float64(r.ExchangePostings()), "postings")
	b.ReportMetric(float64(r.ExchangeMessages()), "messages")
	b.ReportMetric(float64(r.Exchange.Trades), "trades")
}

// BenchmarkSeed is the 5 × 5 example, generation and exchange run included.
func BenchmarkSeed(b *testing.B) { benchRun(b, contacts.Config{Buyers: 5, Sellers: 5, Seed: 1}) }

// BenchmarkLarge generates and counts 100,000 buyers × 100,000 sellers in
// 1,000 markets with every search model, the real exchange run included.
// Target: at most 3 s of CPU per op.
func BenchmarkLarge(b *testing.B) {
	b.Run("plain", func(b *testing.B) {
		benchRun(b, contacts.Config{Buyers: 100_000, Sellers: 100_000, Markets: 1000, Seed: 1, Search: every})
	})
	b.Run("subscribed", func(b *testing.B) {
		benchRun(b, contacts.Config{Buyers: 100_000, Sellers: 100_000, Markets: 1000, Seed: 1, Search: every, Subscribe: contacts.SubscribeSellers})
	})
}

// BenchmarkScale runs N × N in 1,000 markets with every search model for N
// from 10^4 to 10^6, to fit the growth of the time per op (ns/op against N
// on a log-log scale); see bench/CONTACTS.md.
func BenchmarkScale(b *testing.B) {
	for _, n := range contacts.ScaleSizes(1_000_000) {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			benchRun(b, contacts.ScaleConfig(n))
		})
	}
}
