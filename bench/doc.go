// Package bench holds Agora's performance benchmarks: the standard order-book
// workloads W1-W3 of BENCHMARKS.md, run both on a bare orderbook.Book and
// through a matching.Exchange, plus depth and multi-core benchmarks. Results
// and the commands that produce them are in RESULTS.md.
//
// # Workloads
//
// The generators W1, W2 and W3 return plain slices of Op, built before any
// timing. Every generator is rand.New(rand.NewPCG(Seed, stream)) with
// Seed = 42 and its own stream (the second PCG word): StreamW1 = 1 for W1
// (and for the resting book of W3 and of the depth benchmarks), StreamW2 = 2,
// StreamW3 = 3 for the W3 cancel targets, StreamDepth = 4, and
// StreamParallel+g = 5+g for goroutine g of the parallel benchmark (g from
// 1). The same seed gives the same stream, byte for byte.
//
//   - W1 insert-no-cross: 1e6 limit orders, IDs 1..n, alternating buy/sell,
//     level L in [0, 1000), quantity in [1, 100]; buys at 99999-L, sells at
//     100001+L. Nothing crosses.
//   - W2 mixed: 1e6 operations, 60% limit (80% passive within 50 ticks of the
//     mid, 20% aggressive up to 8 ticks through it), 30% cancels of a random
//     live order, 10% market orders; the mid moves a tick 1% of the time.
//     Which orders are live depends on matching, so W2 generates the stream
//     by driving a bare book, untimed, and records each cancel with its
//     target's ID; the benchmarks replay that exact stream against fresh
//     state on either engine, so generation stays out of the timed region
//     and both engines see identical operations (TestPathsAgree checks that
//     they produce identical fills).
//   - W3 deep-book cancel: the W1 book of 1e6 orders, built untimed, then
//     1e5 cancels of distinct orders picked by a partial Fisher-Yates shuffle.
//
// Prices are in ticks and quantities in lots: the exchange runs on a catalog
// built by NewCatalog whose leaf categories have tick 1 and lot 1.
//
// # Owners
//
// Buy orders belong to participants 1..512 and sell orders to 513..1024,
// picked by order ID modulo 512 (Owner), so no order ever meets an order of
// its own owner: self-trade prevention never alters a workload, and the bare
// book and the exchange see the same orders. NewExchange registers these
// 1024 companies (valid 10-digit INNs from INN) and verifies them.
//
// # Engines
//
// BookRunner applies operations to an orderbook.Book with the workload IDs.
// ExchangeRunner submits them as Commands to one market of an Exchange; the
// exchange assigns its own order IDs, which the runner records from each
// EventAccepted so that cancels can name them. Both count fills (one per
// execution). All operations carry time 0 and GTC (market orders IOC).
//
// # Timing
//
// b.N counts operations (orders, operations or cancels). The timed loop
// cycles through the precomputed stream; when it is exhausted, the timer
// stops, fresh state is built (and the garbage of the old state collected),
// and the timer restarts. Run W1 and W2 with -benchtime set to a multiple
// of 1e6 operations (for example 5000000x) and W3 with a multiple of 1e5 so
// that every pass is complete. Every benchmark reports allocations.
//
// The depth benchmarks (BenchmarkPlaceAtDepth, BenchmarkCancelAtDepth) keep
// a book at a constant depth by timing a batch of operations (1% of the
// depth, 16 to 1024) and undoing it untimed, because stopping the timer for
// every operation costs far more than the operation. BenchmarkParallel
// drives one Exchange from b.RunParallel over 1, 2 or 64 markets; run it
// with -cpu 1,2.
//
// The package has no global state; `go test ./bench/` runs only the
// generator and equivalence tests, at small sizes.
package bench
