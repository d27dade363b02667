package durable_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/agora-exchange/agora/durable"
	. "github.com/agora-exchange/agora/matching"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/journal"
)

// duMarket is a market of the benchmarks with its steps.
type duMarket struct {
	key  MarketKey
	tick catalog.Price
	lot  catalog.Qty
}

// duBenchSetup registers and verifies n traders and returns the markets
// of the first leaves of the sample catalog at one basis.
func duBenchSetup(b *testing.B, x *Exchange, traders, markets int) ([]catalog.ParticipantID, []duMarket) {
	b.Helper()
	var evs []Event
	var err error
	parts := make([]catalog.ParticipantID, traders)
	for i := range parts {
		evs, err = x.Submit(Command{Kind: CmdRegister, Name: fmt.Sprintf("Trader %d", i), INN: duINN(500_000 + i)}, evs[:0])
		require.NoError(b, err)
		parts[i] = evs[0].Participant
		_, err = x.Submit(Command{Kind: CmdSetStatus, Participant: parts[i], Status: catalog.StatusVerified}, evs[:0])
		require.NoError(b, err)
	}
	var ms []duMarket
	for c := range x.Catalog().Taxonomy.All() {
		if len(ms) == markets {
			break
		}
		if x.Catalog().Taxonomy.IsLeaf(c.ID) && c.Tick > 0 {
			ms = append(ms, duMarket{key: MarketKey{Category: c.ID, Basis: 1}, tick: c.Tick, lot: c.Lot})
		}
	}
	return parts, ms
}

// duTradingCommand returns a trading command: mostly limit orders around
// a mid price (a third of them cross and fill), some cancels and amends of
// the submitter's earlier orders.
func duTradingCommand(r *rand.Rand, parts []catalog.ParticipantID, ms []duMarket, mine []OrderID, t int64) Command {
	m := &ms[r.IntN(len(ms))]
	p := parts[r.IntN(len(parts))]
	switch k := r.IntN(10); {
	case k < 2 && len(mine) > 0:
		return Command{Kind: CmdCancel, Time: t, Participant: p, OrderID: mine[r.IntN(len(mine))]}
	case k < 3 && len(mine) > 0:
		return Command{Kind: CmdAmend, Time: t, Participant: p, OrderID: mine[r.IntN(len(mine))], Price: m.tick * 1000, Qty: m.lot}
	}
	side := Side(1 + r.IntN(2))
	off := catalog.Price(1 + r.IntN(20))
	if r.IntN(3) == 0 {
		off = -off // crosses
	}
	price := m.tick * (1000 - off)
	if side == Sell {
		price = m.tick * (1000 + off)
	}
	return Command{
		Kind: CmdPlace, Time: t, Participant: p, Category: m.key.Category, Basis: m.key.Basis,
		Side: side, Type: Limit, TIF: GTC, Price: price, Qty: m.lot * catalog.Qty(1+r.IntN(5)),
	}
}

// BenchmarkDurableSubmit measures acknowledged commands per second in each
// durability mode with 1, 8 and 64 concurrent submitters. ns/op is per
// command (wall time divided by the commands of all submitters).
func BenchmarkDurableSubmit(b *testing.B) {
	for _, mode := range []journal.Mode{journal.ModeSync, journal.ModeGroupCommit, journal.ModeAsync} {
		for _, n := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/submitters=%d", mode, n), func(b *testing.B) {
				b.ReportAllocs()
				x, err := durable.Open(b.TempDir(), Config{}, durable.Options{Journal: journal.Options{Mode: mode}})
				require.NoError(b, err)
				defer durable.Of(x).Close()
				parts, ms := duBenchSetup(b, x, 64, 8)
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for w := range n {
					count := b.N / n
					if w < b.N%n {
						count++
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						r := rand.New(rand.NewPCG(uint64(w), 1))
						var evs []Event
						var mine []OrderID
						for i := range count {
							c := duTradingCommand(r, parts, ms, mine, int64(i))
							var err error
							evs, err = x.Submit(c, evs[:0])
							if err != nil && len(evs) == 0 {
								b.Error(err)
								return
							}
							if len(evs) > 0 && evs[0].Kind == EventAccepted && len(mine) < 256 {
								mine = append(mine, evs[0].OrderID)
							}
						}
					}()
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cmds/s")
			})
		}
	}
}

// BenchmarkRecover measures Open on a journal of 1,000,000 trading
// commands and no snapshot: reading, checking and replaying every record
// (decode, apply, audit hash).
func BenchmarkRecover(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	x, err := durable.Open(dir, Config{}, durable.Options{Journal: journal.Options{Mode: journal.ModeAsync}})
	require.NoError(b, err)
	parts, ms := duBenchSetup(b, x, 64, 8)
	r := rand.New(rand.NewPCG(1, 2))
	var evs []Event
	var mine []OrderID
	for i := x.Seq(); i < n; i++ {
		evs, _ = x.Submit(duTradingCommand(r, parts, ms, mine, int64(i)), evs[:0])
		if len(evs) > 0 && evs[0].Kind == EventAccepted {
			if len(mine) < 4096 {
				mine = append(mine, evs[0].OrderID)
			} else {
				mine[r.IntN(len(mine))] = evs[0].OrderID
			}
		}
	}
	require.NoError(b, durable.Of(x).Close())
	b.Run("1M", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			y, err := durable.Open(dir, Config{}, durable.Options{})
			require.NoError(b, err)
			require.Equal(b, uint64(n), durable.Of(y).Recovery().Replayed)
			require.NoError(b, durable.Of(y).Close())
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
	})
}

// BenchmarkSnapshotBook measures writing (encode, journal sync, file
// write, fsync, rename) and loading (read, verify, restore) a snapshot of
// an exchange whose one market holds 1,000,000 resting orders.
func BenchmarkSnapshotBook(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	opts := durable.Options{Journal: journal.Options{Mode: journal.ModeAsync, SegmentBytes: 4 << 20}}
	x, err := durable.Open(dir, Config{}, opts)
	require.NoError(b, err)
	parts, ms := duBenchSetup(b, x, 64, 1)
	m := ms[0]
	var evs []Event
	for i := range n {
		side, price := Buy, m.tick*catalog.Price(1000-i%1000)
		if i%2 == 1 {
			side, price = Sell, m.tick*catalog.Price(1001+i%1000)
		}
		c := Command{
			Kind: CmdPlace, Time: int64(i), Participant: parts[i%len(parts)], Category: m.key.Category, Basis: m.key.Basis,
			Side: side, Type: Limit, TIF: GTC, Price: price, Qty: m.lot, ClientOrderID: uint64(i + 1),
		}
		if i%10 == 0 {
			c.TIF, c.ExpireAt = GTD, 1<<40
		}
		evs, err = x.Submit(c, evs[:0])
		require.NoError(b, err)
	}
	var size int
	b.Run("write", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			b.StopTimer()
			_, err := x.Submit(Command{Kind: CmdExpire, Time: n}, nil) // a new seq, so that a new file is due
			require.NoError(b, err)
			b.StartTimer()
			require.NoError(b, durable.Of(x).Snapshot())
		}
		st, err := journal.LoadSnapshot(nil, dir, false)
		require.NoError(b, err)
		size = len(st.Payload)
		b.ReportMetric(float64(size)/1e6, "MB")
	})
	require.NoError(b, durable.Of(x).Close())
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			y, err := durable.Open(dir, Config{}, durable.Options{})
			require.NoError(b, err)
			require.Zero(b, durable.Of(y).Recovery().Replayed)
			require.NoError(b, durable.Of(y).Close())
		}
		b.ReportMetric(float64(size)/1e6, "MB")
	})
}
