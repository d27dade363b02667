package matching

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

// benchTree returns a catalog whose taxonomy has five levels: 7 roots and
// 6 children under every group, 10,885 categories of which 7,776 are
// leaves; every category has a unit, tick 1 and lot 1.
func benchTree(b *testing.B) (*catalog.Catalog, []catalog.CategoryID, []catalog.CategoryID) {
	b.Helper()
	tax := catalog.NewTaxonomy()
	var all, leaves []catalog.CategoryID
	var add func(code string, depth int)
	add = func(code string, depth int) {
		id, err := tax.Add(code, "c"+code, "t", 1, 1)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, id)
		if depth == 5 {
			leaves = append(leaves, id)
			return
		}
		for i := 1; i <= 6; i++ {
			add(fmt.Sprintf("%s.%d", code, i), depth+1)
		}
	}
	for r := 1; r <= 7; r++ {
		add(fmt.Sprintf("%02d", r), 1)
	}
	bases := catalog.NewBases()
	for _, c := range []string{"MSK", "SPB", "EKB"} {
		if _, err := bases.Add(c, c); err != nil {
			b.Fatal(err)
		}
	}
	return &catalog.Catalog{Taxonomy: tax, Bases: bases}, all, leaves
}

// benchTraders registers and verifies n participants.
func benchTraders(b *testing.B, x *Exchange, n int) []catalog.ParticipantID {
	b.Helper()
	ids := make([]catalog.ParticipantID, 0, n)
	var evs []Event
	for i := range n {
		var err error
		evs, err = x.Submit(Command{Kind: CmdRegister, Name: "P", INN: prINN(i + 1)}, evs[:0])
		if err != nil {
			b.Fatal(err)
		}
		p := evs[0].Participant
		if _, err := x.Submit(Command{Kind: CmdSetStatus, Participant: p, Status: catalog.StatusVerified}, evs[:0]); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, p)
	}
	return ids
}

// BenchmarkNotifyFanout posts resting orders at random leaves of a
// five-level tree of 10,885 categories whose subscribers are spread evenly
// over all categories (so most of a posting's notifications come from
// subscriptions to its ancestors). Every market is opened before the clock
// starts. subscribers=0 is the cost of a posting without fan-out; the cost
// per notification must not grow with the number of subscribers.
func BenchmarkNotifyFanout(b *testing.B) {
	for _, subs := range []int{0, 10_000, 100_000} {
		b.Run(fmt.Sprintf("subscribers=%d", subs), func(b *testing.B) {
			cat, all, leaves := benchTree(b)
			x, err := New(Config{Catalog: cat})
			if err != nil {
				b.Fatal(err)
			}
			ps := benchTraders(b, x, subs+1)
			poster := ps[subs]
			rng := rand.New(rand.NewPCG(1, 2))
			var evs []Event
			// Subscribe first, then open every market: commands that
			// lock every market are cheaper while there are few.
			for _, p := range ps[:subs] {
				cmd := Command{Kind: CmdSubscribe, Participant: p, Category: all[rng.IntN(len(all))]}
				if evs, err = x.Submit(cmd, evs[:0]); err != nil {
					b.Fatal(err)
				}
			}
			for _, leaf := range leaves {
				cmd := Command{Kind: CmdPlace, Participant: poster, Category: leaf, Basis: 1, Side: Buy, Type: Limit, TIF: GTC, Price: 100, Qty: 10}
				if evs, err = x.Submit(cmd, evs[:0]); err != nil {
					b.Fatal(err)
				}
			}
			cmds := make([]Command, 4096)
			for i := range cmds {
				cmds[i] = Command{
					Kind: CmdPlace, Participant: poster, Category: leaves[rng.IntN(len(leaves))], Basis: 1,
					Side: Buy, Type: Limit, TIF: GTC, Price: 100, Qty: 10,
				}
			}
			notified := 0
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				cmd := cmds[i%len(cmds)]
				cmd.Time = int64(i)
				evs, _ = x.Submit(cmd, evs[:0])
				notified += len(evs) - 1
			}
			b.StopTimer()
			b.ReportMetric(float64(notified)/float64(b.N), "notified/posting")
			if notified > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(notified), "ns/notification")
			}
		})
	}
}

// benchTender sets up an exchange with n verified suppliers and a buyer.
func benchTender(b *testing.B, n int) (*Exchange, catalog.ParticipantID, []catalog.ParticipantID, catalog.CategoryID) {
	b.Helper()
	x, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	ps := benchTraders(b, x, n+1)
	cement, _ := x.Catalog().Taxonomy.ByCode("23.51.12")
	return x, ps[n], ps[:n], cement.ID
}

func benchOpen(b *testing.B, x *Exchange, buyer catalog.ParticipantID, cat catalog.CategoryID, mode TenderMode, eval Evaluation, now int64) TenderID {
	cmd := Command{
		Kind: CmdOpenTender, Time: now, Participant: buyer, Category: cat, Basis: 1, Qty: 5000,
		TenderMode: mode, Evaluation: eval, CloseAt: now + 1<<40,
	}
	if mode == TenderAuction {
		cmd.Decrement = 100
	}
	if eval == EvalWeighted {
		cmd.WeightPrice, cmd.WeightLeadTime, cmd.WeightRating = 6000, 3000, 1000
	}
	evs, err := x.Submit(cmd, nil)
	if err != nil {
		b.Fatal(err)
	}
	return evs[0].Tender
}

// BenchmarkTenderBid measures one bid on tenders that grow to 10,000
// bidders (a fresh tender is opened, off the clock, every 10,000 bids).
// Sealed bids cost O(1); an auction bid also ranks the bid, O(bids).
func BenchmarkTenderBid(b *testing.B) {
	const bidders = 10_000
	for _, c := range []struct {
		name string
		mode TenderMode
		eval Evaluation
	}{
		{"sealed", TenderSealed, EvalLowestPrice},
		{"auction", TenderAuction, EvalLowestPrice},
		{"auction-weighted", TenderAuction, EvalWeighted},
	} {
		b.Run(c.name, func(b *testing.B) {
			x, buyer, sup, cat := benchTender(b, bidders)
			rng := rand.New(rand.NewPCG(3, 4))
			var id TenderID
			var evs []Event
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if i%bidders == 0 {
					b.StopTimer()
					id = benchOpen(b, x, buyer, cat, c.mode, c.eval, int64(i))
					b.StartTimer()
				}
				cmd := Command{
					Kind: CmdBid, Time: int64(i), Participant: sup[i%bidders], Tender: id,
					Price: catalog.Price(100 * (1000 + rng.IntN(1000))), Qty: 1000, LeadTime: int64(1 + rng.IntN(30)),
				}
				var err error
				if evs, err = x.Submit(cmd, evs[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTenderClose measures the close and award of a tender with
// 10,000 bids.
func BenchmarkTenderClose(b *testing.B) {
	const bidders = 10_000
	for _, c := range []struct {
		name string
		eval Evaluation
	}{{"lowest-price", EvalLowestPrice}, {"weighted", EvalWeighted}} {
		b.Run(c.name, func(b *testing.B) {
			x, buyer, sup, cat := benchTender(b, bidders)
			rng := rand.New(rand.NewPCG(5, 6))
			var evs []Event
			now := int64(0)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				id := benchOpen(b, x, buyer, cat, TenderSealed, c.eval, now)
				for _, p := range sup {
					now++
					cmd := Command{
						Kind: CmdBid, Time: now, Participant: p, Tender: id,
						Price: catalog.Price(100 * (1000 + rng.IntN(1000))), Qty: catalog.Qty(1 + rng.IntN(100)), LeadTime: int64(1 + rng.IntN(30)),
					}
					if _, err := x.Submit(cmd, evs[:0]); err != nil {
						b.Fatal(err)
					}
				}
				now += 1 << 40
				b.StartTimer()
				var err error
				if evs, err = x.Submit(Command{Kind: CmdCloseTender, Time: now, Tender: id}, evs[:0]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/bidders, "ns/bid")
		})
	}
}

// BenchmarkUncross measures the uncross, through the exchange, of a call
// market holding 100,000 orders (50,000 on each side, prices overlapping
// in the middle of a 1,000-tick range).
func BenchmarkUncross(b *testing.B) {
	const orders = 100_000
	x, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	ps := benchTraders(b, x, 100)
	cement, _ := x.Catalog().Taxonomy.ByCode("23.51.12")
	key := MarketKey{Category: cement.ID, Basis: 1}
	rng := rand.New(rand.NewPCG(7, 8))
	var evs []Event
	now := int64(0)
	fills := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		now++
		if _, err := x.Submit(Command{Kind: CmdSetMarketMode, Time: now, Category: key.Category, Basis: key.Basis, MarketMode: MarketCall}, nil); err != nil {
			b.Fatal(err)
		}
		for i := range orders {
			side, price := Buy, 100*catalog.Price(400+rng.IntN(1000))
			if i%2 == 1 {
				side, price = Sell, 100*catalog.Price(1+rng.IntN(1000))
			}
			// Buyers and sellers are disjoint, so no self-trade.
			p := ps[rng.IntN(50)]
			if side == Sell {
				p = ps[50+rng.IntN(50)]
			}
			now++
			cmd := Command{Kind: CmdPlace, Time: now, Participant: p, Category: key.Category, Basis: key.Basis, Side: side, Type: Limit, TIF: GTC, Price: price, Qty: catalog.Qty(1 + rng.IntN(100))}
			if _, err := x.Submit(cmd, evs[:0]); err != nil {
				b.Fatal(err)
			}
		}
		now++
		b.StartTimer()
		evs, err = x.Submit(Command{Kind: CmdUncross, Time: now, Category: key.Category, Basis: key.Basis, RefPrice: 100 * 700}, evs[:0])
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		fills += len(prOnly(evs, EventFill))
		// Empty the book for the next round.
		now++
		if _, err := x.Submit(Command{Kind: CmdSetMarketMode, Time: now, Category: key.Category, Basis: key.Basis, MarketMode: MarketContinuous}, nil); err != nil {
			b.Fatal(err)
		}
		for _, side := range [2]Side{Buy, Sell} {
			for _, lv := range x.Depth(key, side, 1<<30, nil) {
				for _, o := range x.OrdersAt(key, side, lv.Price, nil) {
					now++
					x.Submit(Command{Kind: CmdCancel, Time: now, Participant: o.Owner, OrderID: o.ID}, evs[:0])
				}
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(fills)/float64(b.N), "fills/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/orders, "ns/order")
}
