package bench

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/orderbook"
)

// Small sizes keep go test ./bench/ fast; the benchmarks use the full ones.
const (
	testW1 = 20_000
	testW2 = 50_000
	testW3 = 2_000
)

func TestINN(t *testing.T) {
	for _, n := range []int{0, 1, 2, 9, 10, 511, 512, 1024, 9_999_999} {
		require.NoError(t, catalog.ValidateINN(INN(n)), "INN(%d) = %s", n, INN(n))
	}
}

func TestOwnersDisjoint(t *testing.T) {
	for id := orderbook.OrderID(1); id < 5000; id++ {
		b, s := Owner(orderbook.Buy, id), Owner(orderbook.Sell, id)
		require.True(t, b >= 1 && b <= Buyers, "buy owner %d", b)
		require.True(t, s > Buyers && s <= Participants, "sell owner %d", s)
	}
}

func TestGeneratorsDeterministic(t *testing.T) {
	require.Equal(t, W1(testW1), W1(testW1))

	ops1, st1, err := W2(testW2)
	require.NoError(t, err)
	ops2, st2, err := W2(testW2)
	require.NoError(t, err)
	require.Equal(t, st1, st2)
	require.Equal(t, ops1, ops2)
	// A shorter stream is a prefix of a longer one.
	ops3, _, err := W2(testW2 / 2)
	require.NoError(t, err)
	require.Equal(t, ops1[:testW2/2], ops3)

	s1, c1 := W3(testW1, testW3)
	s2, c2 := W3(testW1, testW3)
	require.Equal(t, s1, s2)
	require.Equal(t, c1, c2)
	require.Equal(t, W1(testW1), s1)
}

func TestW1NeverCrosses(t *testing.T) {
	ops := W1(testW1)
	r, err := NewBookRunner(orderbook.Config{})
	require.NoError(t, err)
	for i := range ops {
		op := &ops[i]
		require.Equal(t, orderbook.OrderID(i+1), op.ID)
		require.Equal(t, i%2 == 0, op.Side == orderbook.Buy)
		require.True(t, op.Qty >= 1 && op.Qty <= MaxQty)
		_, err := r.Apply(op)
		require.NoError(t, err)
		require.Empty(t, r.Events(), "order %d", op.ID)
	}
	require.Equal(t, len(ops), r.Book.Len())
	bid, _, _ := r.Book.BestBid()
	ask, _, _ := r.Book.BestAsk()
	require.LessOrEqual(t, bid, Mid-1)
	require.GreaterOrEqual(t, ask, Mid+1)
	require.LessOrEqual(t, r.Book.LevelCount(orderbook.Buy), W1Levels)
	require.LessOrEqual(t, r.Book.LevelCount(orderbook.Sell), W1Levels)
	require.NoError(t, r.Book.CheckInvariants())
}

func TestW2Mix(t *testing.T) {
	ops, st, err := W2(testW2)
	require.NoError(t, err)
	require.Len(t, ops, testW2)
	require.Equal(t, testW2, st.Limits+st.Markets+st.Cancels)
	// 60/30/10 within a few percent.
	require.InDelta(t, 0.6, float64(st.Limits-st.EmptyCancels)/testW2, 0.02)
	require.InDelta(t, 0.3, float64(st.Cancels+st.EmptyCancels)/testW2, 0.02)
	require.InDelta(t, 0.1, float64(st.Markets)/testW2, 0.02)
	require.Positive(t, st.Fills)
	require.Positive(t, st.PartialFills)
	require.Positive(t, st.FinalOrders)
	t.Logf("%+v", st)

	// IDs 1, 2, 3, ... to limit and market orders; cancels name live orders.
	var next orderbook.OrderID
	for _, op := range ops {
		if op.Kind == OpCancel {
			require.LessOrEqual(t, op.ID, next)
			continue
		}
		next++
		require.Equal(t, next, op.ID)
		require.Equal(t, Owner(op.Side, op.ID), op.Owner)
	}

	// Replaying the stream on a fresh book gives the same fills, including
	// partial ones, and every cancel finds its order.
	r, err := NewBookRunner(orderbook.Config{})
	require.NoError(t, err)
	fills, partial := 0, 0
	for i := range ops {
		f, err := r.Apply(&ops[i])
		require.NoError(t, err, "operation %d", i)
		fills += f
		for _, e := range r.Events() {
			if e.Kind == orderbook.EventFill && (e.Remaining > 0 || e.TakerRemaining > 0) {
				partial++
			}
		}
	}
	require.Equal(t, st.Fills, fills)
	require.Equal(t, st.PartialFills, partial)
	require.Equal(t, st.FinalOrders, r.Book.Len())
	require.NoError(t, r.Book.CheckInvariants())
}

func TestW3CancelsDistinct(t *testing.T) {
	setup, cancels := W3(testW1, testW3)
	seen := map[orderbook.OrderID]bool{}
	for _, c := range cancels {
		require.Equal(t, OpCancel, c.Kind)
		require.False(t, seen[c.ID], "order %d cancelled twice", c.ID)
		seen[c.ID] = true
		require.Equal(t, setup[c.ID-1].Owner, c.Owner)
	}
	require.Len(t, seen, testW3)
}

// fill is an execution in workload IDs, comparable across engines.
type fill struct {
	maker, taker            orderbook.OrderID
	price                   catalog.Price
	qty, makerRem, takerRem catalog.Qty
}

func bookFills(t *testing.T, streams ...[]Op) ([]fill, *BookRunner) {
	t.Helper()
	r, err := NewBookRunner(orderbook.Config{})
	require.NoError(t, err)
	var out []fill
	for _, ops := range streams {
		for i := range ops {
			_, err := r.Apply(&ops[i])
			require.NoError(t, err)
			for _, e := range r.Events() {
				if e.Kind == orderbook.EventFill {
					out = append(out, fill{e.OrderID, e.TakerID, e.Price, e.Qty, e.Remaining, e.TakerRemaining})
				}
			}
		}
	}
	return out, r
}

func exchangeFills(t *testing.T, streams ...[]Op) ([]fill, *ExchangeRunner) {
	t.Helper()
	cat, keys, err := NewCatalog(1)
	require.NoError(t, err)
	r, err := NewExchangeRunner(cat, keys[0])
	require.NoError(t, err)
	wid := map[matching.OrderID]orderbook.OrderID{}
	var out []fill
	for _, ops := range streams {
		for i := range ops {
			op := &ops[i]
			_, err := r.Apply(op)
			require.NoError(t, err)
			if op.Kind != OpCancel {
				wid[r.ID(op.ID)] = op.ID
			}
			for _, e := range r.Events() {
				if e.Kind == matching.EventFill {
					out = append(out, fill{wid[e.MakerOrderID], wid[e.OrderID], e.Price, e.Qty, e.MakerRemaining, e.Remaining})
				}
			}
		}
	}
	return out, r
}

// engineFills is exchangeFills on the bare engine.
func engineFills(t *testing.T, streams ...[]Op) ([]fill, *EngineRunner) {
	t.Helper()
	cat, keys, err := NewCatalog(1)
	require.NoError(t, err)
	r, err := NewEngineRunner(cat, keys[0])
	require.NoError(t, err)
	wid := map[matching.OrderID]orderbook.OrderID{}
	var out []fill
	for _, ops := range streams {
		for i := range ops {
			_, err := r.Apply(&ops[i])
			require.NoError(t, err)
			if ops[i].Kind != OpCancel {
				wid[r.ID(ops[i].ID)] = ops[i].ID
			}
			for _, e := range r.dst {
				if e.Kind == matching.EventFill {
					out = append(out, fill{wid[e.MakerOrderID], wid[e.OrderID], e.Price, e.Qty, e.MakerRemaining, e.Remaining})
				}
			}
		}
	}
	return out, r
}

// TestPathsAgree runs each workload, scaled down, through the bare book,
// the bare engine and the exchange: the fills and the final books must be
// identical.
func TestPathsAgree(t *testing.T) {
	w2, _, err := W2(testW2)
	require.NoError(t, err)
	setup, cancels := W3(testW1, testW3)
	for _, tc := range []struct {
		name    string
		streams [][]Op
	}{
		{"W1", [][]Op{W1(testW1)}},
		{"W2", [][]Op{w2}},
		{"W3", [][]Op{setup, cancels}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bf, br := bookFills(t, tc.streams...)
			xf, xr := exchangeFills(t, tc.streams...)
			require.Equal(t, bf, xf)
			ef, er := engineFills(t, tc.streams...)
			require.Equal(t, bf, ef)
			for _, side := range []orderbook.Side{orderbook.Buy, orderbook.Sell} {
				require.Equal(t, br.Book.Depth(side, 1<<30, nil), er.M.Depth(side, 1<<30, nil))
			}
			require.NoError(t, er.E.CheckInvariants())
			for _, side := range []orderbook.Side{orderbook.Buy, orderbook.Sell} {
				require.Equal(t,
					br.Book.Depth(side, 1<<30, nil),
					xr.X.Depth(xr.Key, side, 1<<30, nil))
			}
			require.NoError(t, xr.X.CheckInvariants())
		})
	}
}

// TestSteadyStateAllocs holds placing and cancelling a non-crossing order on
// a book that has reached its working size at zero allocations, on every
// path: the exchange with its ordered feed on and a reader attached.
func TestSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	setup := W1(testW3)
	id := orderbook.OrderID(len(setup) + 1)
	place := Op{ID: id, Kind: OpLimit, Side: orderbook.Buy, Price: Mid - 10, Qty: 5, Owner: Owner(orderbook.Buy, id)}
	cancel := Op{ID: id, Kind: OpCancel, Owner: place.Owner}
	// A market sell that fills the placed buy completely, alone at the best bid.
	place2 := place
	place2.Price = Mid
	cross := Op{ID: id + 1, Kind: OpMarket, Side: orderbook.Sell, Qty: 5, Owner: Owner(orderbook.Sell, id+1)}

	br, err := NewBookRunner(orderbook.Config{})
	require.NoError(t, err)
	cat, keys, err := NewCatalog(1)
	require.NoError(t, err)
	xr, err := NewExchangeRunner(cat, keys[0])
	require.NoError(t, err)
	xr.AttachReader()
	defer xr.Close()
	er, err := NewEngineRunner(cat, keys[0])
	require.NoError(t, err)
	for path, apply := range map[string]func(*Op) (int, error){"book": br.Apply, "engine": er.Apply, "exchange": xr.Apply} {
		for i := range setup {
			_, err := apply(&setup[i])
			require.NoError(t, err)
		}
		run := func(ops ...*Op) func() {
			return func() {
				for _, op := range ops {
					_, err := apply(op)
					require.NoError(t, err)
				}
			}
		}
		placeCancel := run(&place, &cancel)
		placeCancel()
		require.Zero(t, testing.AllocsPerRun(200, placeCancel), "%s place+cancel", path)
		fills := 0
		placeBest := run(&place2)
		placeFill := func() {
			placeBest()
			f, err := apply(&cross)
			require.NoError(t, err)
			fills += f
		}
		placeFill()
		require.Zero(t, testing.AllocsPerRun(200, placeFill), "%s place+fill", path)
		require.Equal(t, 202, fills)
	}
}
