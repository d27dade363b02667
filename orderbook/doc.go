// Package orderbook is the order book of one Agora market (one leaf category
// at one delivery basis): buyers' requests on the Buy side, sellers' offers on
// the Sell side, matched continuously with price-time priority.
//
// # Model
//
// Each side is a B-tree (github.com/google/btree) of price levels, best
// first, with a hash index from price to level; each level is a FIFO queue
// of orders linked intrusively, so a cancel is O(1) after the ID lookup,
// plus O(log L) when its level empties. Order IDs that arrive densely (a
// counter, perhaps under a constant high part, as the exchange issues them)
// rest where their ID says: each page of 64 consecutive IDs in a window owns
// a block of 64 order slots, so finding an order reads a small directory and
// the order itself, with no hashing and, in a deep book, one cache miss.
// Any other ID, and the orders of a page that has thinned to a few
// long-lived ones, go to an open-addressing hash index without tombstones,
// and memory stays bounded by the number of resting orders whatever IDs a
// caller sends. The cost of an operation therefore depends on the depth of
// the book only through O(log L) level creation and removal, and through
// cache misses. Orders live in a slab of fixed-size chunks owned by the
// book and are recycled through free lists, as are levels and B-tree nodes:
// once the book has grown to its working size, Place, Cancel, Amend and
// matching allocate nothing. What matching and cancel touch of an order
// fits one 64-byte cache line; the rest lives in a parallel slab.
//
// A cancel or an expiry in a deep book writes only that line: the order
// stays linked in its queue, marked cancelled and out of every view (Len,
// Order, Orders, the level's quantity and count), so its two neighbours,
// two more cache misses there, are not written on the cancel's path.
// Matching unlinks such orders as it passes them, an order leaving the
// queue unlinks the cancelled ones next to it (it has just written their
// links, so finding them costs no miss), an order arriving with the same ID
// unlinks its namesake, and a level takes them with it when it empties.
// Cancelling recent orders, which rest near the tail, therefore leaves few
// of them linked. A cancel leaves its order linked only when the book holds
// 65,536 orders or more (a smaller book, mostly in cache, unlinks at once,
// which costs it less) and fewer than half its MaxOrders, the order is at
// neither end of its queue, and the level keeps at least twice as many
// live orders as cancelled ones; otherwise it unlinks at once. A level
// whose live orders fall below its cancelled ones unlinks them all, and so
// does a page of IDs left with fewer than 8 orders not cancelled, so that
// cancelled orders never keep a block of slots that would otherwise move
// to the hash index or free. A book therefore holds at most twice its
// resting orders, and unlinking later costs O(1) per cancel, amortised.
//
// # Validation
//
// Config.CheckOrder runs the checks of an incoming order that need no book
// (fields, tick and lot, overflow); Book.Check adds those that need the
// book (expiry against its clock, duplicate ID, capacity) and is exactly
// what Place runs, in the same order; Book.CheckAmend does the same for
// Amend. A caller can therefore validate once, map the sentinel error to
// its own reason, and rely on Place and Amend not refusing afterwards.
// No input makes a Book panic: a full book (Config.MaxOrders) refuses an
// order that could rest with ErrCapacity.
//
// Prices are catalog.Price (int64 minor units) and quantities catalog.Qty
// (int64). The book checks that price × quantity fits in an int64, and that
// prices and quantities are multiples of the market's tick and lot
// (Config.Tick and Config.Lot, 1 by default).
//
// # Matching rules
//
//   - An incoming order trades against the opposite side, best price first,
//     and within a price in arrival order. Each execution is at the resting
//     order's price. A limit buy trades with asks priced at or below its
//     limit, a limit sell with bids at or above it; a market order has no
//     limit.
//   - Minimum quantity. Let x = min(a, b) be the size of a candidate
//     execution between an incoming order with open quantity a and minimum m_a,
//     and a resting order with open quantity b and minimum m_b (a zero minimum
//     means none). The execution happens only if
//     x >= min(m_a, a) and x >= min(m_b, b): no execution is smaller than
//     either side's MinQty, except that an execution may take the whole
//     remaining quantity of an order whose remainder has fallen below its
//     MinQty. A resting order that fails the rule is skipped and keeps its
//     place; matching continues with the next order. MinQty == Qty makes an
//     order all-or-none: it only trades in one execution of its whole
//     quantity.
//   - Never crossed: what is left of a GTC or GTD limit order after matching
//     rests only if it does not cross (or lock) the best opposite price. If
//     MinQty rules forbade every execution at the crossing prices, the
//     remainder is cancelled with CancelWouldCross instead, so the book is
//     never crossed and every resting pair of orders could trade at most
//     at a price both accept.
//   - Time in force: GTC rests until cancelled; GTD rests until the first
//     command whose time is >= its ExpireAt, when it is expired (before that
//     command does anything else); IOC cancels whatever does not trade at
//     once; FOK trades its whole quantity at once or is cancelled without
//     trading (checked by a dry run of exactly the same rules). Market orders
//     must be IOC or FOK; they never rest.
//   - Self-trade prevention: when an incoming order meets a resting order of
//     the same owner, the incoming order's STP policy (or the book default)
//     decides: STPCancelResting cancels the resting order and goes on;
//     STPCancelIncoming cancels the rest of the incoming order; STPCancelBoth
//     does both. An owner never trades with itself.
//   - Amend: reducing the quantity at the same price keeps time priority.
//     Changing the price or increasing the quantity loses it: the order
//     re-enters as if new and may trade.
//
// # Call auctions
//
// SetMode(Call) puts the market in call mode: Place does not match, GTC and
// GTD limit orders rest even through the opposite side (the book may be
// crossed), IOC, FOK and market orders are cancelled (CancelAuctionOnly),
// and Amend re-queues without matching. Uncross(ref) clears the book at one
// uniform price chosen among the distinct limit prices in the book, where
// B(p) is the open buy quantity with limit >= p and S(p) the open sell
// quantity with limit <= p:
//
//  1. the largest volume min(B(p), S(p));
//  2. then the smallest imbalance |B(p) - S(p)|;
//  3. then the smallest distance |p - ref|;
//  4. then the lower price.
//
// No price between two limit prices clears more volume than the better of
// the two, so the volume is maximal over all prices; only limit prices are
// candidates for rules 2 to 4. Each side is allocated in price-time
// priority at the one price; partly filled orders keep their place. MinQty
// does not apply in an uncross. Quantity that would pair an owner with
// itself is removed from both orders instead of traded (CancelSelfTrade).
// Afterwards the book is not crossed; the mode stays as set, and
// SetMode(Continuous) fails with ErrCrossed while the book is crossed.
// Indicative(ref) publishes the same price and volume without trading.
// Finding the price costs O(log L + C) for the C price levels between the
// best ask and the best bid, with no per-order work.
//
// # Time
//
// The book never reads a clock. Every mutating call takes now, the command's
// time; the book's clock only moves forward (an older time counts as the
// latest seen). The same calls therefore always produce the same events.
//
// # Results
//
// Mutating calls append Events to a caller-supplied slice and return it
// (results as data). The book keeps no reference to the slice.
//
// # Concurrency
//
// A Book is single-threaded by design and not safe for concurrent use. The
// matching package gives each market its own lock and runs markets in
// parallel.
//
// # Invariants
//
// After every call: the book is not crossed, except in call mode; levels
// are ordered, non-empty and their totals match their queues; every order
// conserves quantity (original = filled + open + cancelled); the index holds
// exactly the resting orders. CheckInvariants verifies all of them in O(n); building with
// -tags invariants runs it after every mutating call and panics on a breach.
package orderbook
