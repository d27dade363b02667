package matching

import (
	"crypto/ed25519"
	"runtime"
	"sync"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

// signBench is an exchange with one market per worker, each traded by a
// seller and a buyer holding confirmed Ed25519 keys.
type signBench struct {
	x       *Exchange
	workers []signWorker
}

type signWorker struct {
	m             MarketKey
	index         uint64 // the market's index, for predicting order IDs
	seller, buyer catalog.ParticipantID
	sk, bk        KeyID
	spriv, bpriv  ed25519.PrivateKey
}

func newSignBench(b *testing.B, workers int) *signBench {
	b.Helper()
	x, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	cat := x.Catalog()
	var leaves []catalog.CategoryID
	for c := range cat.Taxonomy.All() {
		if _, err := cat.Taxonomy.Tradable(c.ID); err == nil && c.Tick == 100 && c.Lot == 1 {
			leaves = append(leaves, c.ID)
		}
	}
	var basis catalog.BasisID
	for bs := range cat.Bases.All() {
		basis = bs.ID
		break
	}
	if len(leaves) < workers {
		b.Skipf("%d leaves with tick 100 and lot 1 for %d workers", len(leaves), workers)
	}
	sb := &signBench{x: x}
	var evs []Event
	must := func(c Command) []Event {
		evs, err = x.Submit(c, evs[:0])
		if err != nil {
			b.Fatalf("%v: %+v", err, c)
		}
		return evs
	}
	n := 0
	trader := func() (catalog.ParticipantID, KeyID, ed25519.PrivateKey) {
		n++
		p := must(Command{Kind: CmdRegister, Name: "P", INN: exINN(n)})[0].Participant
		must(Command{Kind: CmdSetStatus, Participant: p, Status: catalog.StatusVerified})
		priv := testKey(byte(n))
		k := must(Command{Kind: CmdRegisterKey, Participant: p, KeyAlgorithm: AlgEd25519, PublicKey: priv.Public().(ed25519.PublicKey), ValidUntil: 1 << 62})[0].KeyID
		must(Command{Kind: CmdConfirmKey, Participant: p, KeyID: k})
		return p, k, priv
	}
	for i := range workers {
		w := signWorker{m: MarketKey{Category: leaves[i], Basis: basis}}
		w.seller, w.sk, w.spriv = trader()
		w.buyer, w.bk, w.bpriv = trader()
		// Open the market with a resting sell far from the action.
		id := must(Command{Kind: CmdPlace, Participant: w.seller, Category: w.m.Category, Basis: w.m.Basis, Side: Sell, Type: Limit, TIF: GTC, Price: 10_000_000, Qty: 1})[0].OrderID
		w.index = uint64(id) >> OrderMarketShift
		sb.workers = append(sb.workers, w)
	}
	must(Command{Kind: CmdSetSignPolicy, SignPolicy: SignRequired})
	return sb
}

// ops returns n W2-like commands of worker w, signed: in every ten, six
// passive sells, three cancels of the oldest live sell and one IOC buy
// that fills one lot. Order IDs are predicted: every place takes the
// market's next order number. Unsigned when sign is false.
func (w *signWorker) ops(n int, sign bool) []Command {
	out := make([]Command, 0, n)
	next := uint64(2) // the market's opening order took number 1
	var live []OrderID
	var nonce uint64
	for i := range n {
		var c Command
		var priv ed25519.PrivateKey
		var k KeyID
		switch j := i % 10; {
		case j < 6:
			c = Command{Kind: CmdPlace, Participant: w.seller, Category: w.m.Category, Basis: w.m.Basis, Side: Sell, Type: Limit, TIF: GTC,
				Price: catalog.Price(100_000 + 100*int64(j)), Qty: 10}
			live = append(live, OrderID(w.index<<OrderMarketShift|next))
			next++
			priv, k = w.spriv, w.sk
		case j < 9:
			c = Command{Kind: CmdCancel, Participant: w.seller, OrderID: live[0]}
			live = live[1:]
			priv, k = w.spriv, w.sk
		default:
			c = Command{Kind: CmdPlace, Participant: w.buyer, Category: w.m.Category, Basis: w.m.Basis, Side: Buy, Type: Limit, TIF: IOC,
				Price: 200_000, Qty: 1}
			next++
			priv, k = w.bpriv, w.bk
		}
		c.Time = int64(i + 1)
		if sign {
			nonce++
			c.KeyID, c.Nonce = k, nonce
			SignEd25519(&c, priv)
		}
		out = append(out, c)
	}
	return out
}

// run submits each worker's commands on its own goroutine and fails on a
// refusal.
func (sb *signBench) run(b *testing.B, per [][]Command) {
	var wg sync.WaitGroup
	for i := range per {
		wg.Add(1)
		go func(cmds []Command) {
			defer wg.Done()
			dst := make([]Event, 0, 16)
			var err error
			for j := range cmds {
				if dst, err = sb.x.Submit(cmds[j], dst[:0]); err != nil {
					b.Errorf("command %d: %v", j, err)
					return
				}
			}
		}(per[i])
	}
	wg.Wait()
}

// BenchmarkSignedW2 is a W2-like mix of signed commands, one market per
// core (run with -cpu 1,2): Ed25519 verification before sequencing, on
// the submitting goroutines, then the engine's checks under the market
// lock. The commands are signed before the timer starts. commands/s is
// the throughput of all workers together.
func BenchmarkSignedW2(b *testing.B) {
	for _, signed := range []bool{true, false} {
		name := "signed"
		if !signed {
			name = "unsigned"
		}
		b.Run(name, func(b *testing.B) {
			workers := runtime.GOMAXPROCS(0)
			sb := newSignBench(b, workers)
			if !signed {
				sb.x.mustSetPolicy(b, SignOptional)
			}
			per := make([][]Command, workers)
			for i := range per {
				per[i] = sb.workers[i].ops(b.N/workers+1, signed)
			}
			b.ReportAllocs()
			b.ResetTimer()
			sb.run(b, per)
			b.StopTimer()
			total := workers * (b.N/workers + 1)
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "commands/s")
		})
	}
}

func (x *Exchange) mustSetPolicy(b *testing.B, p SignPolicy) {
	if _, err := x.Submit(Command{Kind: CmdSetSignPolicy, SignPolicy: p}, nil); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkVerify is the verification cost of one signed command
// (Exchange.Verify: the signing bytes and one Ed25519 verification).
func BenchmarkVerify(b *testing.B) {
	sb := newSignBench(b, 1)
	c := sb.workers[0].ops(1, true)[0]
	b.ReportAllocs()
	for b.Loop() {
		if !sb.x.Verify(&c) {
			b.Fatal("not verified")
		}
	}
}
