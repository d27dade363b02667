package bench

import (
	"fmt"
	"math/rand/v2"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
)

// Seed is the first PCG seed word of every generator in this package. The
// second word selects the stream, so that the workloads are independent of
// each other: every generator is rand.New(rand.NewPCG(Seed, Stream...)).
const Seed = 42

// PCG streams (the second seed word) of the generators.
const (
	StreamW1       = 1 // W1 orders, and the setup book of W3 and of the depth benchmarks
	StreamW2       = 2 // W2 operations
	StreamW3       = 3 // W3 cancel targets (partial Fisher-Yates)
	StreamDepth    = 4 // orders and cancel targets of the depth benchmarks
	StreamParallel = 5 // + goroutine number: the parallel benchmark's streams
)

// NewRand returns the package's generator for stream:
// rand.New(rand.NewPCG(Seed, stream)).
func NewRand(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(Seed, stream)) }

// Workload constants, in ticks and lots.
const (
	Mid          catalog.Price = 100000 // W1 centre; W2 starting mid
	W1Levels                   = 1000   // W1 level offsets are uniform in [0, W1Levels)
	MaxQty       catalog.Qty   = 100    // quantities are uniform in [1, MaxQty]
	W1Orders                   = 1_000_000
	W2Ops                      = 1_000_000
	W3Cancels                  = 100_000
	Buyers                     = 512 // buy orders belong to participants 1..Buyers
	Sellers                    = 512 // sell orders to Buyers+1..Buyers+Sellers
	Participants               = Buyers + Sellers
)

// OpKind is the kind of a workload operation. The zero value is invalid.
type OpKind uint8

const (
	OpLimit  OpKind = 1 + iota // a GTC limit order: trades, and the rest rests
	OpMarket                   // an IOC market order: the rest is discarded
	OpCancel                   // a cancel of resting order ID by its owner
)

func (k OpKind) String() string {
	switch k {
	case OpLimit:
		return "limit"
	case OpMarket:
		return "market"
	case OpCancel:
		return "cancel"
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// Op is one operation of a workload, engine-neutral. For OpLimit and OpMarket,
// ID is the order's workload ID (1, 2, 3, ... in stream order) and Owner,
// Side, Price (0 for market orders) and Qty describe it. For OpCancel, ID is
// the workload ID of the order to cancel and Owner its owner.
type Op struct {
	ID    orderbook.OrderID
	Price catalog.Price
	Qty   catalog.Qty
	Owner catalog.ParticipantID
	Kind  OpKind
	Side  orderbook.Side
}

// Owner returns the owner of the order with workload ID id on side: buys
// belong to participants 1..Buyers and sells to Buyers+1..Buyers+Sellers,
// chosen by ID modulo, so no order ever meets an order of its own owner and
// self-trade prevention never changes a workload.
func Owner(side orderbook.Side, id orderbook.OrderID) catalog.ParticipantID {
	if side == orderbook.Buy {
		return catalog.ParticipantID(1 + uint64(id)%Buyers)
	}
	return catalog.ParticipantID(1 + Buyers + uint64(id)%Sellers)
}

// W1 returns the W1 insert-no-cross stream of n limit orders, drawn from
// NewRand(StreamW1). Order i (from 0) has ID i+1 and is a buy when i is even,
// a sell when i is odd. For each order the generator draws, in this order, a
// level L = IntN(W1Levels) and a quantity 1+IntN(MaxQty); a buy rests at
// Mid-1-L and a sell at Mid+1+L, so nothing ever crosses.
func W1(n int) []Op {
	r := NewRand(StreamW1)
	ops := make([]Op, n)
	for i := range ops {
		l := catalog.Price(r.IntN(W1Levels))
		q := catalog.Qty(1 + r.IntN(int(MaxQty)))
		id := orderbook.OrderID(i + 1)
		side, price := orderbook.Buy, Mid-1-l
		if i%2 == 1 {
			side, price = orderbook.Sell, Mid+1+l
		}
		ops[i] = Op{ID: id, Price: price, Qty: q, Owner: Owner(side, id), Kind: OpLimit, Side: side}
	}
	return ops
}

// W3 returns the W3 deep-book cancel workload: the setup stream W1(n) and k
// cancels of distinct orders of it, chosen uniformly at random by a partial
// Fisher-Yates shuffle of the IDs 1..n driven by NewRand(StreamW3): for j in
// [0, k), swap position j with position j+IntN(n-j). The cancels are in the
// order they were drawn.
func W3(n, k int) (setup, cancels []Op) {
	if k > n {
		panic(fmt.Sprintf("bench: W3 with %d cancels of %d orders", k, n))
	}
	setup = W1(n)
	cancels = PickCancels(setup, k, NewRand(StreamW3))
	return setup, cancels
}

// PickCancels returns cancels of k distinct orders of the limit orders in
// resting, chosen by a partial Fisher-Yates shuffle with r.
func PickCancels(resting []Op, k int, r *rand.Rand) []Op {
	idx := make([]int32, len(resting))
	for i := range idx {
		idx[i] = int32(i)
	}
	cancels := make([]Op, k)
	for j := range cancels {
		s := j + r.IntN(len(idx)-j)
		idx[j], idx[s] = idx[s], idx[j]
		o := &resting[idx[j]]
		cancels[j] = Op{ID: o.ID, Owner: o.Owner, Kind: OpCancel, Side: o.Side, Price: o.Price}
	}
	return cancels
}

// W2Stats describes a W2 stream, as measured by the reference pass that
// generated it.
type W2Stats struct {
	Limits, Markets, Cancels int // operations by kind
	EmptyCancels             int // cancels turned into passive limits (no live order)
	Fills                    int // executions (one per maker order touched)
	PartialFills             int // fills that left the maker or the taker with open quantity
	FinalOrders              int // resting orders after the last operation
	FinalLevels              int // price levels (both sides) after the last operation
	MaxOrders                int // most resting orders at any time
}

// W2 returns the W2 mixed stream of n operations and its statistics.
//
// The stream depends on which orders are live when a cancel is drawn, so W2
// generates it by driving a bare orderbook.Book, untimed: it applies each
// operation as soon as it is drawn and tracks liveness from what the book
// returns (an order is live from the moment it rests until a fill leaves it
// with Remaining 0 or it is cancelled). Cancels are recorded with the ID of
// their target, so replaying the stream against fresh state, on either
// engine, reproduces exactly the same book, fills and events.
//
// Draws from NewRand(StreamW2), per operation, in this order:
//  1. IntN(100) == 0 (1%): the mid moves, down if IntN(2) == 0, else up;
//  2. IntN(100) = u: u < 60 limit, u < 90 cancel, otherwise market;
//  3. limit: side (IntN(2) == 0 is a buy), quantity 1+IntN(100), then
//     IntN(100) < 80 passive, with offset IntN(50): a buy at mid-1-offset, a
//     sell at mid+1+offset; otherwise aggressive, with offset IntN(8): a buy
//     at mid+1+offset, a sell at mid-1-offset;
//  4. cancel: the live order at index IntN(live) of the live set (a slice
//     kept with swap-removal). With no live order, a passive limit is drawn
//     instead: side, quantity, offset IntN(50), as above;
//  5. market: side, quantity 1+IntN(100).
//
// IDs 1, 2, 3, ... go to every limit and market order, in stream order.
func W2(n int) ([]Op, W2Stats, error) {
	r := NewRand(StreamW2)
	book, err := orderbook.New(orderbook.Config{})
	if err != nil {
		return nil, W2Stats{}, err
	}
	var (
		st    W2Stats
		ops   = make([]Op, 0, n)
		mid   = Mid
		next  orderbook.OrderID
		live  []orderbook.OrderID // live workload IDs
		pos   = make([]int32, 1, n+1)
		dst   []orderbook.Event
		owner = make([]catalog.ParticipantID, 1, n+1)
	)
	// pos[id] is id's index in live, or -1.
	kill := func(id orderbook.OrderID) {
		i := pos[id]
		if i < 0 {
			panic(fmt.Sprintf("bench: W2 order %d left the book twice", id))
		}
		last := live[len(live)-1]
		live[i] = last
		pos[last] = i
		live = live[:len(live)-1]
		pos[id] = -1
	}
	passive := func(side orderbook.Side) catalog.Price {
		off := catalog.Price(r.IntN(50))
		if side == orderbook.Buy {
			return mid - 1 - off
		}
		return mid + 1 + off
	}
	drawSide := func() orderbook.Side {
		if r.IntN(2) == 0 {
			return orderbook.Buy
		}
		return orderbook.Sell
	}
	drawQty := func() catalog.Qty { return catalog.Qty(1 + r.IntN(int(MaxQty))) }
	for range n {
		if r.IntN(100) == 0 {
			if r.IntN(2) == 0 {
				mid--
			} else {
				mid++
			}
		}
		var op Op
		switch u := r.IntN(100); {
		case u < 60:
			side := drawSide()
			q := drawQty()
			var p catalog.Price
			if r.IntN(100) < 80 {
				p = passive(side)
			} else if off := catalog.Price(r.IntN(8)); side == orderbook.Buy {
				p = mid + 1 + off
			} else {
				p = mid - 1 - off
			}
			op = Op{Kind: OpLimit, Side: side, Price: p, Qty: q}
			st.Limits++
		case u < 90:
			if len(live) == 0 {
				side := drawSide()
				q := drawQty()
				op = Op{Kind: OpLimit, Side: side, Price: passive(side), Qty: q}
				st.Limits++
				st.EmptyCancels++
				break
			}
			id := live[r.IntN(len(live))]
			op = Op{Kind: OpCancel, ID: id, Owner: owner[id]}
			st.Cancels++
		default:
			side := drawSide()
			op = Op{Kind: OpMarket, Side: side, Qty: drawQty()}
			st.Markets++
		}
		if op.Kind != OpCancel {
			next++
			op.ID = next
			op.Owner = Owner(op.Side, op.ID)
			pos = append(pos, -1)
			owner = append(owner, op.Owner)
		}
		var res orderbook.Result
		dst, res, err = applyBook(book, &op, dst[:0])
		if err != nil {
			return nil, st, fmt.Errorf("bench: W2 operation %d (%v %d): %w", len(ops), op.Kind, op.ID, err)
		}
		for i := range dst {
			switch e := &dst[i]; {
			case e.Kind == orderbook.EventFill:
				st.Fills++
				if e.Remaining > 0 || e.TakerRemaining > 0 {
					st.PartialFills++
				}
				if e.Remaining == 0 {
					kill(e.OrderID)
				}
			case e.Remaining == 0 && pos[e.OrderID] >= 0:
				// A cancel (or expiry) of a resting order. The remainder
				// of an incoming market order was never live.
				kill(e.OrderID)
			}
		}
		if op.Kind == OpLimit && res.Resting > 0 {
			pos[op.ID] = int32(len(live))
			live = append(live, op.ID)
		}
		st.MaxOrders = max(st.MaxOrders, len(live))
		ops = append(ops, op)
	}
	if len(live) != book.Len() {
		return nil, st, fmt.Errorf("bench: W2 tracked %d live orders, the book holds %d", len(live), book.Len())
	}
	st.FinalOrders = book.Len()
	st.FinalLevels = book.LevelCount(orderbook.Buy) + book.LevelCount(orderbook.Sell)
	return ops, st, nil
}
