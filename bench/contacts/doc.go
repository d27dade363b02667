// Package contacts measures how many contacts a B2B market needs for buyers
// and sellers to find each other: by direct search, and through Agora's
// central exchange. It generates reproducible markets, simulates direct
// search on them, runs them through the exchange, sweeps the market size
// and fits the growth on a log-log scale. See bench/CONTACTS.md for the
// write-up and the measured figures.
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
// # Search models, outcomes and value
//
// Count runs every search model of Config.Search on the generated orders
// and reports for each an Outcome: inquiries and contacts (a contact is a
// message, an inquiry and its reply, so Contacts = 2·Inquiries), trades,
// volume, the price paid, the realised gross surplus Σ(bid − ask) and the
// search cost. SearchExhaustive (B·S inquiries) and SearchInformed (each
// buyer-seller pair sharing a market once) are closed forms whose outcome
// is the competitive optimum; SearchSample (Stigler's fixed sample) and
// SearchSequential (a budget of inquiries, the bid as reservation price)
// are simulated with their own PCG streams. The value of the market is
// exact: B·S possible pairs, the compatible pairs, and the maximum surplus
// of the competitive (price-priority) matching. Efficiency is realised
// surplus over the maximum, undefined when the maximum is 0.
//
// # The exchange
//
// Count runs the orders through a real matching.Exchange and reads its
// counters: the postings, every message in and out of the trading run
// (reports, fills, and with Config.Subscribe the subscriptions and
// notifications), and the onboarding messages (registration, verification
// and their replies) from Exchange.OnboardingCounters. Its outcome comes
// from the fill events, which name both orders by client order ID.
//
// # CSV and JSON
//
// WriteCSV writes a long-format CSV, one record per (run, search model),
// under the stable header CSVHeader, which starts with every parameter and
// the module version (Params, Version). JSON keys are snake_case
// throughout, the engine counters included (EngineCounters,
// OnboardingCounters). Columns are only ever added at the end.
//
// # Sweeps
//
// RunSweep runs N buyers and Ratio·N sellers for each N of a size series
// and several seeds (SeedOf: disjoint seed blocks), and fits log(count) =
// slope·log(N) + c by least squares for each of Quantities over N >=
// FitFrom, with R², the spread of the slopes fitted to each seed alone, a
// 95% bootstrap interval over seeds (fixed bootstrap seed) and local slopes
// between adjacent sizes. Runs whose count is 0 have no logarithm and are
// left out (Fit.Skipped). Figures lists the sweeps of bench/CONTACTS.md.
//
// # Determinism, concurrency and cost
//
// Every function is deterministic for a given Config: no clock, no global
// random source. RunSweep runs independent markets on several goroutines and
// returns the same results for any number of workers. The library prints
// nothing. Generate and Count cost O(n log n) in orders, plus O(N) per
// request for a sampled model, plus the exchange run; 100,000 buyers ×
// 100,000 sellers in 1,000 markets take under 2 s of CPU. The exchange opens a market by copying its market table, so a run
// with very many markets costs O(Markets²) (MaxMarkets bounds it).
package contacts
