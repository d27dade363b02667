package bench

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/orderbook"
)

// runner is what the benchmark loops drive: *BookRunner or *ExchangeRunner.
type runner interface {
	Apply(op *Op) (int, error)
}

// newRunner returns a function that builds fresh state for one path: a new
// engine with setup applied. It runs untimed.
func newRunner(b *testing.B, path string, setup []Op, maxID int) func() runner {
	var cat *catalog.Catalog
	var key matching.MarketKey
	if path != "book" && path != "book-prealloc" {
		c, keys, err := NewCatalog(1)
		if err != nil {
			b.Fatal(err)
		}
		cat, key = c, keys[0]
	}
	var xr *ExchangeRunner
	return func() runner {
		var r runner
		switch path {
		case "book", "book-prealloc":
			var cfg orderbook.Config
			if path == "book-prealloc" {
				cfg.InitialOrders = maxID
			}
			br, err := NewBookRunner(cfg)
			if err != nil {
				b.Fatal(err)
			}
			r = br
		case "engine":
			er, err := NewEngineRunner(cat, key)
			if err != nil {
				b.Fatal(err)
			}
			r = er
		case "exchange", "exchange-noreader":
			var err error
			if xr == nil {
				xr, err = NewExchangeRunner(cat, key)
				if err == nil && path == "exchange" {
					// The ordered feed is on, with one reader attached.
					xr.AttachReader()
					b.Cleanup(xr.Close)
				}
			} else {
				err = xr.Reset(cat)
			}
			if err != nil {
				b.Fatal(err)
			}
			r = xr
		}
		for i := range setup {
			if _, err := r.Apply(&setup[i]); err != nil {
				b.Fatalf("setup operation %d: %v", i, err)
			}
		}
		// Collect the previous state's garbage now, not in the timed loop.
		runtime.GC()
		return r
	}
}

// paths are the engines a workload runs on: the bare book, the
// deterministic engine without its front door (engine.ApplyMarket), and the
// exchange with its ordered feed on and one reader attached.
var paths = []string{"book", "engine", "exchange"}

// workloadPaths are the paths of W1-W3: paths and exchange-noreader, the
// exchange publishing its feed with no reader attached, which shows what
// a reader on the other core costs the submitting one.
var workloadPaths = append(slices.Clip(paths), "exchange-noreader")

// replay times b.N operations of ops, cycling through the stream: each pass
// starts from fresh state (fresh(), untimed). The loop calls the concrete
// runner type, so the timed region holds the engine call and the runner's
// conversion of an Op into the engine's order or command, nothing else.
func replay(b *testing.B, path string, setup, ops []Op, maxID int) (fills int) {
	fresh := newRunner(b, path, setup, maxID)
	r := fresh()
	b.ReportAllocs()
	b.ResetTimer()
	switch r := r.(type) {
	case *BookRunner:
		for i, pos := 0, 0; i < b.N; i, pos = i+1, pos+1 {
			if pos == len(ops) {
				b.StopTimer()
				r = fresh().(*BookRunner)
				pos = 0
				b.StartTimer()
			}
			f, err := r.Apply(&ops[pos])
			if err != nil {
				b.Fatalf("operation %d: %v", pos, err)
			}
			fills += f
		}
	case *EngineRunner:
		for i, pos := 0, 0; i < b.N; i, pos = i+1, pos+1 {
			if pos == len(ops) {
				b.StopTimer()
				r = fresh().(*EngineRunner)
				pos = 0
				b.StartTimer()
			}
			f, err := r.Apply(&ops[pos])
			if err != nil {
				b.Fatalf("operation %d: %v", pos, err)
			}
			fills += f
		}
	case *ExchangeRunner:
		for i, pos := 0, 0; i < b.N; i, pos = i+1, pos+1 {
			if pos == len(ops) {
				b.StopTimer()
				r = fresh().(*ExchangeRunner)
				pos = 0
				b.StartTimer()
			}
			f, err := r.Apply(&ops[pos])
			if err != nil {
				b.Fatalf("operation %d: %v", pos, err)
			}
			fills += f
		}
	}
	return fills
}

// BenchmarkW1InsertNoCross is W1 (BENCHMARKS.md): 1e6 non-crossing limit
// orders into an empty book. ns/op is per order. Use -benchtime=Nx with N a
// multiple of 1e6 so that every pass is complete. book-prealloc is the bare
// book with Config.InitialOrders = 1e6 (the exchange has no such setting):
// the difference to book is the cost of growing the order slab and index.
// exchange-noreader (see workloadPaths) publishes the feed unread.
func BenchmarkW1InsertNoCross(b *testing.B) {
	ops := W1(W1Orders)
	for _, path := range slices.Insert(slices.Clone(workloadPaths), 1, "book-prealloc") {
		b.Run(path, func(b *testing.B) {
			replay(b, path, nil, ops, len(ops))
		})
	}
}

// BenchmarkW2Mixed is W2 (BENCHMARKS.md): 1e6 operations, 60% limit (a fifth
// of them aggressive), 30% cancel, 10% market. ns/op is per operation;
// fills/op counts executions. The stream, cancel targets included, is
// generated once by W2 and replayed from fresh state.
func BenchmarkW2Mixed(b *testing.B) {
	ops, st, err := W2(W2Ops)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("W2 stream: %+v", st)
	for _, path := range workloadPaths {
		b.Run(path, func(b *testing.B) {
			fills := replay(b, path, nil, ops, len(ops))
			b.ReportMetric(float64(fills)/float64(b.N), "fills/op")
		})
	}
}

// BenchmarkW3DeepCancel is W3 (BENCHMARKS.md): on the W1 book of 1e6
// resting orders (built untimed), 1e5 cancels of distinct random orders.
// ns/op is per cancel; every 1e5 cancels the book is rebuilt, untimed.
func BenchmarkW3DeepCancel(b *testing.B) {
	setup, cancels := W3(W1Orders, W3Cancels)
	for _, path := range workloadPaths {
		b.Run(path, func(b *testing.B) {
			replay(b, path, setup, cancels, len(setup))
		})
	}
}

// depths are the book sizes of the depth benchmarks.
var depths = []struct {
	name string
	n    int
}{{"1e3", 1_000}, {"1e5", 100_000}, {"1e6", 1_000_000}}

// depthBatch is the number of timed operations between two untimed repairs
// that restore the depth: 1% of the depth, at least 16 and at most 1024. A
// pause of the timer costs tens of microseconds, too much for every
// operation.
func depthBatch(depth int) int { return min(max(depth/100, 16), 1024) }

// newResting returns a W1-like order with workload ID id: a random side, a
// level uniform in [0, W1Levels) away from the mid, and a quantity uniform
// in [1, MaxQty]. It never crosses a W1 book.
func newResting(r interface{ IntN(int) int }, id orderbook.OrderID) Op {
	l := catalog.Price(r.IntN(W1Levels))
	q := catalog.Qty(1 + r.IntN(int(MaxQty)))
	side, price := orderbook.Buy, Mid-1-l
	if r.IntN(2) == 1 {
		side, price = orderbook.Sell, Mid+1+l
	}
	return Op{ID: id, Price: price, Qty: q, Owner: Owner(side, id), Kind: OpLimit, Side: side}
}

func must(b *testing.B, _ int, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPlaceAtDepth times placing one non-crossing order at a random
// level of a W1 book holding depth resting orders. The timer runs over a
// batch of depthBatch(depth) places (IDs depth+1...); the batch is then
// cancelled untimed, so the depth stays within 1% (at least 16 orders) of
// its nominal value.
func BenchmarkPlaceAtDepth(b *testing.B) {
	for _, d := range depths {
		setup := W1(d.n)
		for _, path := range paths {
			b.Run("depth="+d.name+"/"+path, func(b *testing.B) {
				k := depthBatch(d.n)
				r := newRunner(b, path, setup, d.n+k)()
				rng := NewRand(StreamDepth)
				batch := make([]Op, k)
				undo := make([]Op, k)
				b.ReportAllocs()
				b.ResetTimer()
				b.StopTimer()
				for done := 0; done < b.N; {
					n := min(k, b.N-done)
					for j := range n {
						batch[j] = newResting(rng, orderbook.OrderID(d.n+1+j))
						undo[j] = Op{ID: batch[j].ID, Owner: batch[j].Owner, Kind: OpCancel}
					}
					b.StartTimer()
					for j := range n {
						if _, err := r.Apply(&batch[j]); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					for j := range n {
						f, err := r.Apply(&undo[j])
						must(b, f, err)
					}
					done += n
				}
			})
		}
	}
}

// BenchmarkCancelAtDepth times cancelling one random resting order of a W1
// book holding depth resting orders. The timer runs over a batch of
// depthBatch(depth) cancels of distinct orders, picked untimed by a partial
// Fisher-Yates shuffle of the live orders; each is then replaced untimed by
// a new random non-crossing order (reusing its workload ID), so the depth
// comes back to its nominal value after every batch.
func BenchmarkCancelAtDepth(b *testing.B) {
	for _, d := range depths {
		setup := W1(d.n)
		for _, path := range paths {
			b.Run("depth="+d.name+"/"+path, func(b *testing.B) {
				k := depthBatch(d.n)
				r := newRunner(b, path, setup, d.n)()
				rng := NewRand(StreamDepth)
				live := append([]Op(nil), setup...)
				cancels := make([]Op, k)
				b.ReportAllocs()
				b.ResetTimer()
				b.StopTimer()
				for done := 0; done < b.N; {
					n := min(k, b.N-done)
					for j := range n {
						s := j + rng.IntN(len(live)-j)
						live[j], live[s] = live[s], live[j]
						cancels[j] = Op{ID: live[j].ID, Owner: live[j].Owner, Kind: OpCancel}
					}
					b.StartTimer()
					for j := range n {
						if _, err := r.Apply(&cancels[j]); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					for j := range n {
						live[j] = newResting(rng, live[j].ID)
						f, err := r.Apply(&live[j])
						must(b, f, err)
					}
					done += n
				}
			})
		}
	}
}

// BenchmarkParallel drives an Exchange from b.RunParallel: GOMAXPROCS
// goroutines (run with -cpu 1,2), each with its own generator
// NewRand(StreamParallel+g), submit a steady mix to markets chosen uniformly
// at random: 50% passive limit orders (Mid±1±U[0,50)), 40% cancels of one
// of the goroutine's own live orders picked at random (it may have been
// filled meanwhile: the exchange then rejects the cancel, which still counts
// as an operation), and 10% crossing IOC limit orders (Mid±1±U[0,8)). A
// goroutine keeps at most 4096 live orders. Each market starts with 2000
// resting orders. ops/s is the throughput of the whole exchange.
func BenchmarkParallel(b *testing.B) {
	for _, m := range []int{1, 2, 64} {
		for _, flow := range []string{"random", "partitioned"} {
			b.Run(fmt.Sprintf("markets=%d/flow=%s", m, flow), func(b *testing.B) {
				benchParallel(b, m, flow == "partitioned")
			})
		}
	}
}

// benchParallel runs one BenchmarkParallel case. With partitioned, the
// GOMAXPROCS goroutines split the markets between them (goroutine g trades
// the markets whose index is g modulo GOMAXPROCS; all of them when there are
// fewer markets than goroutines), as when each gateway or client trades its
// own markets; otherwise every goroutine picks a random market for each
// command, so markets migrate between cores.
func benchParallel(b *testing.B, m int, partitioned bool) {
	{
		{
			cat, keys, err := NewCatalog(m)
			if err != nil {
				b.Fatal(err)
			}
			x, err := NewExchange(cat)
			if err != nil {
				b.Fatal(err)
			}
			seed := NewRand(StreamParallel)
			var dst []matching.Event
			for _, key := range keys {
				for i := range 2000 {
					side, price := orderbook.Buy, Mid-1-catalog.Price(seed.IntN(50))
					if i%2 == 1 {
						side, price = orderbook.Sell, Mid+1+catalog.Price(seed.IntN(50))
					}
					dst, err = x.Submit(matching.Command{
						Kind: matching.CmdPlace, Participant: Owner(side, orderbook.OrderID(i)),
						Category: key.Category, Basis: key.Basis, Side: side, Type: matching.Limit, TIF: matching.GTC,
						Price: price, Qty: catalog.Qty(1 + seed.IntN(int(MaxQty))),
					}, dst[:0])
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			runtime.GC()
			var gid atomic.Uint64
			var fills, stale, failed atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				g := gid.Add(1)
				r := NewRand(StreamParallel + g)
				mine := keys
				if procs := runtime.GOMAXPROCS(0); partitioned && len(keys) >= procs {
					mine = nil
					for j := int(g-1) % procs; j < len(keys); j += procs {
						mine = append(mine, keys[j])
					}
				}
				type own struct {
					id    matching.OrderID
					owner catalog.ParticipantID
				}
				live := make([]own, 0, 4096)
				dst := make([]matching.Event, 0, 64)
				var nFills, nStale, nFailed int64
				for pb.Next() {
					key := mine[r.IntN(len(mine))]
					cmd := matching.Command{Category: key.Category, Basis: key.Basis}
					side := orderbook.Side(1 + r.IntN(2))
					cmd.Participant = Owner(side, orderbook.OrderID(r.IntN(Buyers)))
					u := r.IntN(100)
					switch {
					case u < 10: // crossing
						off := catalog.Price(r.IntN(8))
						cmd.Kind, cmd.Side, cmd.Type, cmd.TIF, cmd.Qty = matching.CmdPlace, side, matching.Limit, matching.IOC, catalog.Qty(1+r.IntN(int(MaxQty)))
						cmd.Price = Mid + 1 + off
						if side == orderbook.Sell {
							cmd.Price = Mid - 1 - off
						}
					case (u < 50 && len(live) > 0) || len(live) == cap(live): // cancel own
						i := r.IntN(len(live))
						// A cancel names its order alone: the order's market
						// may not be the one drawn for this command.
						cmd.Kind, cmd.OrderID, cmd.Participant = matching.CmdCancel, live[i].id, live[i].owner
						cmd.Category, cmd.Basis = 0, 0
						live[i] = live[len(live)-1]
						live = live[:len(live)-1]
					default: // passive
						off := catalog.Price(r.IntN(50))
						cmd.Kind, cmd.Side, cmd.Type, cmd.TIF, cmd.Qty = matching.CmdPlace, side, matching.Limit, matching.GTC, catalog.Qty(1+r.IntN(int(MaxQty)))
						cmd.Price = Mid - 1 - off
						if side == orderbook.Sell {
							cmd.Price = Mid + 1 + off
						}
					}
					var err error
					dst, err = x.Submit(cmd, dst[:0])
					switch {
					case err == nil:
					case cmd.Kind == matching.CmdCancel && errors.Is(err, matching.ErrUnknownOrder):
						nStale++
						continue
					default:
						nFailed++
						continue
					}
					if cmd.Kind == matching.CmdPlace && cmd.TIF == matching.GTC {
						live = append(live, own{dst[0].OrderID, cmd.Participant})
					}
					for i := range dst {
						if dst[i].Kind == matching.EventFill {
							nFills++
						}
					}
				}
				fills.Add(nFills)
				stale.Add(nStale)
				failed.Add(nFailed)
			})
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d commands failed", n)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			b.ReportMetric(float64(fills.Load())/float64(b.N), "fills/op")
			b.ReportMetric(float64(stale.Load())/float64(b.N), "stale-cancels/op")
		}
	}
}
