package matching

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// TestConcurrentTrading runs traders on 16 markets at once with concurrent
// readers, moderation and global expiry, then checks the invariants and
// that the merged event log, ordered by sequence number, conserves every
// order's quantity.
func TestConcurrentTrading(t *testing.T) {
	const (
		traders = 16
		readers = 4
	)
	ops := 3000
	if testing.Short() {
		ops = 300
	}
	f := newExFixture(t, Config{})
	x := f.x
	var parts []catalog.ParticipantID
	for i := range traders {
		parts = append(parts, f.trader("Trader "+string(rune('A'+i))+" LLC"))
	}
	adminCmds := len(parts) * 2
	type spec struct {
		key MarketKey
		cat catalog.Category
		mid catalog.Price
	}
	var markets []spec
	for _, c := range []struct {
		code string
		mid  catalog.Price
	}{{"23.51.12", 500_000}, {"24.10.62.110", 7_000_000}, {"19.20.21.110", 5_000}, {"52.10.19", 100}} {
		for _, b := range []string{"MSK", "SPB", "EKB", "NSK"} {
			markets = append(markets, spec{key: f.key(c.code, b), cat: f.category(c.code), mid: c.mid})
		}
	}
	require.Len(t, markets, 16)

	var clock atomic.Int64
	clock.Store(f.now)
	logs := make([][]Event, traders+1)
	places := make([]int, traders+1)
	cmds := make([]int, traders+1)
	var wg, rwg sync.WaitGroup
	var done atomic.Bool
	var knownID atomic.Uint64

	for g := range traders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 42))
			me := parts[g]
			var live []OrderID
			var dst []Event
			for range ops {
				m := markets[r.IntN(len(markets))]
				c := Command{Time: clock.Add(1), Participant: me}
				switch p := r.IntN(100); {
				case p < 60 || len(live) == 0:
					c.Kind, c.Category, c.Basis = CmdPlace, m.key.Category, m.key.Basis
					c.Side, c.Type, c.TIF = Side(1+r.IntN(2)), Limit, GTC
					c.Price = m.mid + catalog.Price(r.IntN(9)-4)*m.cat.Tick
					c.Qty = catalog.Qty(1+r.IntN(10)) * m.cat.Lot
					switch q := r.IntN(10); {
					case q < 2:
						c.TIF, c.ExpireAt = GTD, c.Time+int64(50+r.IntN(200))
					case q < 3:
						c.TIF = IOC
						c.MinQty = m.cat.Lot * catalog.Qty(1+r.IntN(int(c.Qty/m.cat.Lot)))
					case q < 4:
						c.TIF = FOK
					case q < 5:
						c.MinQty = m.cat.Lot * catalog.Qty(1+r.IntN(int(c.Qty/m.cat.Lot)))
					}
					if r.IntN(20) == 0 {
						c.Qty++ // off the lot for most markets, or zero-lot
					}
					places[g]++
				case p < 80:
					i := r.IntN(len(live))
					c.Kind, c.OrderID = CmdCancel, live[i]
					live[i] = live[len(live)-1]
					live = live[:len(live)-1]
				default:
					id := live[r.IntN(len(live))]
					mk, _ := x.MarketOf(id)
					for _, s := range markets {
						if s.key == mk {
							m = s
						}
					}
					c.Kind, c.OrderID = CmdAmend, id
					c.Price = m.mid + catalog.Price(r.IntN(9)-4)*m.cat.Tick
					c.Qty = catalog.Qty(1+r.IntN(10)) * m.cat.Lot
				}
				var err error
				start := len(logs[g])
				dst, err = x.Submit(c, dst[:0])
				cmds[g]++
				logs[g] = append(logs[g], dst...)
				if err != nil {
					if !errors.Is(err, ErrSuspended) && !errors.Is(err, ErrUnknownOrder) && !errors.Is(err, ErrQtyNotOnLot) && !errors.Is(err, ErrExpired) {
						t.Errorf("%+v: %v", c, err)
						return
					}
				}
				for _, e := range logs[g][start:] {
					if e.Kind == EventAccepted && e.Participant == me {
						live = append(live, e.OrderID)
						knownID.Store(uint64(e.OrderID))
					}
				}
			}
		}()
	}

	// Moderation and global expiry.
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(7, 7))
		var dst []Event
		suspended := map[catalog.ParticipantID]bool{}
		for range ops / 20 {
			c := Command{Kind: CmdExpire, Time: clock.Add(1)}
			if r.IntN(2) == 0 {
				p := parts[r.IntN(len(parts))]
				c = Command{Kind: CmdSetStatus, Time: c.Time, Participant: p, Status: catalog.StatusSuspended}
				if suspended[p] {
					c.Status = catalog.StatusVerified
				}
				suspended[p] = !suspended[p]
			}
			var err error
			dst, err = x.Submit(c, dst[:0])
			if err != nil {
				t.Errorf("%+v: %v", c, err)
				return
			}
			cmds[traders]++
			logs[traders] = append(logs[traders], dst...)
		}
		for p, s := range suspended {
			if s {
				dst, _ = x.Submit(Command{Kind: CmdSetStatus, Time: clock.Add(1), Participant: p, Status: catalog.StatusVerified}, dst[:0])
				cmds[traders]++
				logs[traders] = append(logs[traders], dst...)
			}
		}
	}()

	// Readers.
	for g := range readers {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			r := rand.New(rand.NewPCG(uint64(100+g), 1))
			var lv []Level
			var os []OrderInfo
			for !done.Load() {
				m := markets[r.IntN(len(markets))]
				lv = x.Depth(m.key, Side(1+r.IntN(2)), 5, lv[:0])
				if len(lv) > 0 {
					os = x.OrdersAt(m.key, Buy, lv[0].Price, os[:0])
				}
				bid, _, okb := x.BestBid(m.key)
				ask, _, oka := x.BestAsk(m.key)
				_ = okb && oka && bid >= ask // may be read across two commands
				_ = x.Counters(parts[r.IntN(len(parts))])
				_ = x.TotalCounters()
				if id := OrderID(knownID.Load()); id != 0 {
					_, _ = x.Order(id)
					_, _ = x.MarketOf(id)
				}
				_ = x.Markets()
				_, _ = x.Participant(parts[r.IntN(len(parts))])
				_ = x.Seq()
				if r.IntN(50) == 0 {
					if err := x.CheckInvariants(); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	done.Store(true)
	rwg.Wait()
	if t.Failed() {
		return
	}
	require.NoError(t, x.CheckInvariants())

	// Merge the logs in sequence order; the events of one command are
	// contiguous in one log.
	var all []Event
	for _, l := range logs {
		all = append(all, l...)
	}
	slices.SortStableFunc(all, func(a, b Event) int { return cmp.Compare(a.Seq, b.Seq) })

	type ledger struct {
		side                                   Side
		orig, filled, cancelled, expired, open catalog.Qty
		terminal                               int
	}
	orders := map[OrderID]*ledger{}
	get := func(id OrderID) *ledger {
		o := orders[id]
		require.NotNil(t, o, "event for order %d before its acceptance", id)
		require.Zero(t, o.terminal, "event for order %d after its end", id)
		return o
	}
	var buyFilled, sellFilled catalog.Qty
	var fills, reports uint64
	for i := range all {
		e := &all[i]
		if e.Participant != 0 {
			if e.Kind == EventFill {
				fills += 2
			} else {
				reports++
			}
		}
		switch e.Kind {
		case EventAccepted:
			orders[e.OrderID] = &ledger{side: e.Side, orig: e.Qty, open: e.Qty}
		case EventFill:
			tk, mk := get(e.OrderID), get(e.MakerOrderID)
			require.NotEqual(t, e.Participant, e.MakerParticipant)
			require.Equal(t, tk.side.Opposite(), mk.side)
			for _, o := range []*ledger{tk, mk} {
				o.filled += e.Qty
				o.open -= e.Qty
				if o.side == Buy {
					buyFilled += e.Qty
				} else {
					sellFilled += e.Qty
				}
			}
			require.Equal(t, tk.open, e.Remaining)
			require.Equal(t, mk.open, e.MakerRemaining)
		case EventCancelled:
			o := get(e.OrderID)
			o.cancelled += e.Qty
			o.open -= e.Qty
			require.Equal(t, o.open, e.Remaining)
			if e.Remaining == 0 {
				o.terminal++
			}
		case EventExpired:
			o := get(e.OrderID)
			require.Equal(t, o.open, e.Qty)
			o.expired += e.Qty
			o.open = 0
			o.terminal++
		case EventAmended:
			o := get(e.OrderID)
			if e.Remaining > o.open {
				o.orig += e.Remaining - o.open
				o.open = e.Remaining
			}
		case EventDone:
			o := get(e.OrderID)
			require.Zero(t, o.open)
			o.terminal++
		}
	}
	require.Positive(t, buyFilled)
	t.Logf("%d commands, %d orders, %d fill reports, %d quantity traded", x.Seq(), len(orders), fills, buyFilled)
	require.Equal(t, buyFilled, sellFilled, "quantity bought equals quantity sold")
	resting := 0
	for id, o := range orders {
		require.Equal(t, o.orig, o.filled+o.cancelled+o.expired+o.open, "order %d", id)
		info, ok := x.Order(id)
		if o.open == 0 {
			require.Equal(t, 1, o.terminal, "order %d", id)
			require.False(t, ok, "order %d", id)
			continue
		}
		resting++
		require.True(t, ok, "order %d", id)
		require.Equal(t, o.open, info.Qty, "order %d", id)
		require.Equal(t, o.filled, info.Filled, "order %d", id)
	}
	n := 0
	for _, k := range x.Markets() {
		for _, side := range [2]Side{Buy, Sell} {
			for _, lv := range x.Depth(k, side, 1<<30, nil) {
				n += lv.Orders
			}
		}
	}
	require.Equal(t, resting, n)

	// Sequence numbers: one per command, all used.
	total := adminCmds
	posted := 0
	for g := range cmds {
		total += cmds[g]
		posted += places[g]
	}
	require.Equal(t, uint64(total), x.Seq())
	seqs := map[uint64]bool{}
	for i := range all {
		seqs[all[i].Seq] = true
	}
	require.LessOrEqual(t, len(seqs), total)

	tc := x.TotalCounters()
	require.Equal(t, uint64(posted), tc.Postings)
	require.Equal(t, uint64(total), tc.In())
	require.Equal(t, fills, tc.Fills)
	// Registration and moderation before the run are not in the log.
	require.Equal(t, reports+uint64(adminCmds), tc.Reports)
	var sum Counters
	for _, p := range parts {
		sum = sum.Add(x.Counters(p))
	}
	require.Equal(t, tc.Fills, sum.Fills)
	require.Equal(t, tc.Postings, sum.Postings)
	require.Equal(t, tc.Reports, sum.Reports)
}
