// Package contacts measures how many contacts a B2B market needs for buyers
// and sellers to find each other: by direct search, and through Agora's
// central exchange. It generates reproducible markets, counts them three
// ways, sweeps the market size and fits the growth on a log-log scale. See
// bench/CONTACTS.md for the write-up and the measured figures.
//
// # Generated markets
//
// Generate builds, from a seeded PCG generator (math/rand/v2), a taxonomy of
// ceil(Markets/Bases) leaf categories at depth Depth (dotted codes such as
// "01.02.03"), Bases delivery bases, and Markets markets, each a (leaf,
// basis) pair. Every buyer and every seller is active in Activity distinct
// markets, drawn with uniform popularity or Zipf popularity of exponent s
// (market k chosen with weight k^-s). In each market it is active in, a
// buyer posts one request and a seller one offer: a limit GTC order of one
// lot. Prices are drawn so that a share Compat of the buyer-seller pairs of
// a market is compatible (bid >= ask). FromLayout builds a market with given
// numbers of buyers and sellers per market instead. The same Config always
// produces the same Market.
//
// # The three counts
//
// With B buyers, S sellers and b_k requests and s_k offers in market k:
//
//   - Direct search, uninformed: with no catalog, every buyer contacts every
//     seller and every seller every buyer: B·S per side, 2·B·S in total.
//   - Direct search, informed: contacts only within a market, Σ_k b_k·s_k
//     per side, computed per market (no pair is enumerated).
//   - Exchange: every request and offer is posted once. Count runs the
//     orders through a real matching.Exchange and reads its counters
//     (Exchange.TotalCounters): the postings (B+S with Activity 1) and every
//     message into or out of the exchange, including its reports, its fills
//     and, when participants subscribe to categories (Config.Subscribe),
//     the subscriptions and the notifications. Onboarding, the registration
//     and verification of every company, is not search: the counters are
//     read after it and subtracted.
//
// Count also reports the trades found both ways on the same matches: the
// price-priority matching of each market for informed direct search, and
// the executions (EventFill) of the exchange. With ArrivalPriority (offers
// first, then requests from the highest bid down) the two are equal.
//
// # CSV
//
// WriteCSV writes one record per result under the stable header CSVHeader:
//
//	buyers,sellers,markets,seed,direct_uninformed,direct_informed,exchange_postings,exchange_messages,trades
//
// buyers, sellers and markets are the configured sizes and seed the PCG
// seed; direct_uninformed (2·B·S) and direct_informed (2·Σ b_k·s_k) are
// totals over both sides; exchange_postings is the exchange's count of
// orders received; exchange_messages is every message in or out of the
// exchange during the trading run (Counters.In() + Counters.Out());
// trades is the number of executions through the exchange. Columns are
// only ever added at the end.
//
// # Sweeps
//
// RunSweep runs N buyers and Ratio·N sellers for each N of a size series
// and several seeds, and fits log(count) = slope·log(N) + c by least
// squares for each of Models, with R² over all runs and the spread (min,
// max, standard deviation) of the slopes fitted to each seed alone. Runs
// whose count is 0 have no logarithm and are left out (Fit.Skipped).
//
// # Determinism, concurrency and cost
//
// Every function is deterministic for a given Config: no clock, no global
// random source. RunSweep runs independent markets on several goroutines and
// returns the same results for any number of workers. The library prints
// nothing. Generate and Count cost O(n log n) in orders plus the exchange
// run; 100,000 buyers × 100,000 sellers in 1,000 markets take well under a
// second. The exchange opens a market by copying its market table, so a run
// with very many markets costs O(Markets²) (MaxMarkets bounds it).
package contacts
