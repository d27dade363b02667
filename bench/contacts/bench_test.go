package contacts_test

import (
	"testing"

	"github.com/agora-exchange/agora/bench/contacts"
)

func benchRun(b *testing.B, cfg contacts.Config) {
	b.ReportAllocs()
	var r contacts.Result
	for b.Loop() {
		var err error
		if r, err = contacts.Run(cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(r.DirectInformed()), "direct-contacts")
	b.ReportMetric(float64(r.ExchangePostings()), "postings")
	b.ReportMetric(float64(r.ExchangeMessages()), "messages")
	b.ReportMetric(float64(r.ExchangeTrades), "trades")
}

// BenchmarkSeed is the 5 × 5 example, generation and exchange run included.
func BenchmarkSeed(b *testing.B) { benchRun(b, contacts.Config{Buyers: 5, Sellers: 5, Seed: 1}) }

// BenchmarkLarge generates and counts 100,000 buyers × 100,000 sellers in
// 1,000 markets, the real exchange run included. Budget: under 10 s per op.
func BenchmarkLarge(b *testing.B) {
	b.Run("plain", func(b *testing.B) {
		benchRun(b, contacts.Config{Buyers: 100_000, Sellers: 100_000, Markets: 1000, Seed: 1})
	})
	b.Run("subscribed", func(b *testing.B) {
		benchRun(b, contacts.Config{Buyers: 100_000, Sellers: 100_000, Markets: 1000, Seed: 1, Subscribe: contacts.SubscribeSellers})
	})
}
