// Package clearing clears a pool of multi-attribute requests and offers at
// once: buyers' requests and sellers' offers that differ in category,
// delivery basis, grade, lead time and supplier rating are matched for the
// largest total surplus, and every trade gets competitive prices.
//
// # Model
//
// A Request names a category (a leaf, or a group meaning any leaf below
// it), the bases at which it takes goods itself (Accept) and/or its own
// basis for delivery at the transport table's cost (Deliver), a minimum
// grade, a maximum lead time, a minimum supplier rating, a quantity in
// lots and a limit: the most it pays per lot delivered, at par grade. An
// Offer names a leaf, its shipping basis, its grade, lead time and rating,
// a quantity and a limit: the least it takes per lot ex works, for its own
// grade. The catalog (catalog.Grades, catalog.Transport) supplies the
// grade differentials from par and the transport costs. Money is int64
// minor units per lot and quantities are int64 lots; nothing is floating
// point.
//
// For a compatible pair (see Clear) the surplus per lot is
//
//	request.Limit + differential(offer grade) − offer.Limit − transport
//
// With par M500, a premium of 20 for M550, a buyer at 700 delivered to
// Moscow and a seller of M550 at 600 ex works Tula, 50 away, that is
// 700 + 20 − 600 − 50 = 70.
//
// # Algorithm
//
// Orders with the same compatibility attributes form classes; a company
// that both buys and sells in the pool gets classes of its own, so that
// self-trade prevention is exact. The network is source → request (one arc
// per request, capacity its quantity, cost −limit) → request class →
// routing → offer class → offer → sink (cost limit − differential).
//
// Routing. The offer classes of one leaf at one basis form a group, which
// a request class reaches through one arc carrying the transport cost
// (zero from an accepted basis). Inside a group, compatibility is three
// thresholds: grade at least, lead time at most, rating at least. A grid
// of zero-cost nodes, one per combination of the thresholds that requests
// reaching the group use, chained towards the next stricter threshold on
// each axis, with every offer class hanging from the strictest
// combination it passes, takes a request that enters at its thresholds to
// exactly the offer classes that pass all three. A path from a request
// class to an offer class therefore exists exactly when the two are
// compatible, and costs the transport between them: the network has the
// optimum, the dual prices and the optimal fills of the network with one
// arc per compatible class pair, with several times fewer arcs. A group
// whose grid would exceed four nodes per offer class, and the request
// classes of a company that also sells, get direct arcs instead.
//
// Flow. A minimum-cost circulation through the merged source and sink,
// found by cost scaling (push-relabel with ε-scaling and global price
// updates, Goldberg and Tarjan; costs are divided by their greatest
// common divisor and multiplied by the number of nodes plus one, so the
// last refinement, at ε = 1, is exact), maximises the surplus exactly in
// integers. For the solver every class gets a hub node, so that the
// merged source and sink carry one arc per class rather than one per
// order; after each refinement with ε below the multiplier, a bounded
// Bellman-Ford search for exact potentials proves the circulation optimal
// (it usually is, two refinements before ε = 1) and the rest are skipped. When quantities or prices are too large for its int64
// arithmetic, the primal-dual method (successive shortest paths with
// potentials, and a maximum flow by distance labels on the
// zero-reduced-cost arcs) solves the same network instead.
//
// The potentials of the final residual network, as shortest distances from
// the source, are the dual: the largest potentials are the buyer-optimal
// competitive prices. They also fix the set of all surplus-maximal
// solutions (complementary slackness): an order priced strictly inside its
// limit trades in full, one strictly outside trades nothing, and only
// orders at the margin and tight class pairs may vary. A second pass walks
// the orders in priority order and, for each order at the margin, pushes
// along augmenting paths inside that set as much as it can without
// reducing an earlier order: the result is the lexicographically largest
// vector of fills, which is unique. Which class trades with which is then
// recomputed from those fills and the prices alone, as a maximum flow over
// the tight class pairs in a fixed order, so that the fills between
// requests and offers do not depend on the solver.
//
// Orders that must fill completely or by a minimum quantity are rejected
// (ErrAllOrNone): with them the problem becomes an integer program that
// contains the knapsack problem, which is NP-hard, and neither the flow
// nor its dual prices apply.
//
// # Prices
//
// Buyer-optimal prices were chosen over seller-optimal ones because
// buyers post requests and await answers on a procurement platform; in
// the one-unit assignment game they are the prices under which no buyer
// gains by understating its limit (Leonard 1983). A midpoint between the
// two extremes could fall off tick; both extremes are integral. In a
// single market with identical attributes the price is the lowest price at
// which the call-auction volume clears.
//
// # Determinism and cost
//
// Clear is a pure function of its input: it has no state, clock or
// randomness, and the output does not depend on the order of the input
// slices (orders are ranked by Priority, side and ID before anything
// else). Costs are stated on Clear; the benchmarks in bench_test.go
// measure pools of 1,000 to 100,000 orders.
//
// The package imports only the standard library and catalog.
package clearing
