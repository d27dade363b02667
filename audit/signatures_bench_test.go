package audit_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/wire"
)

// signedOrders builds a journal of n signed binding commands on the
// scenario's market: Uralcement and CementTorg place limit orders that
// partly trade, and every third one cancels an earlier order.
func signedOrders(b testing.TB, n int) (string, int) {
	s := newSigScenario(b, matching.Config{})
	var resting []wire.OrderID
	binding := 0
	for i := 0; binding < n; i++ {
		p, side, price := s.ural, wire.Sell, catalog.Price(500_000+100*(i%20))
		if i%2 == 1 {
			p, side, price = s.torg, wire.Buy, catalog.Price(499_000+100*(i%23))
		}
		var cmd wire.Command
		if i%3 == 2 && len(resting) > 0 {
			cmd = wire.Command{Kind: wire.CmdCancel, OrderID: resting[0]}
			if i%2 == 1 {
				cmd = wire.Command{Kind: wire.CmdCancel, OrderID: resting[len(resting)-1]}
			}
		} else {
			cmd = wire.Command{Kind: wire.CmdPlace, Category: s.mkt.Category, Basis: s.mkt.Basis,
				Side: side, Type: wire.Limit, TIF: wire.GTC, Price: price, Qty: 10}
		}
		evs, _ := s.submit(int64(10+i), s.sign(p, cmd))
		binding++
		for _, e := range evs {
			switch e.Kind {
			case wire.EventAccepted:
				resting = append(resting, e.OrderID)
			case wire.EventCancelled:
				for j, id := range resting {
					if id == e.OrderID {
						resting = append(resting[:j], resting[j+1:]...)
						break
					}
				}
			}
		}
	}
	return s.close(), binding
}

// BenchmarkVerifySignatures measures the signature check over a journal
// of signed binding commands (Ed25519), with one verifying goroutine and
// with GOMAXPROCS of them; records/s counts binding commands.
func BenchmarkVerifySignatures(b *testing.B) {
	dir, n := signedOrders(b, 2000)
	for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rep, err := audit.VerifySignatures(dir, engine.Config{}, audit.SignatureOptions{Workers: w})
				require.NoError(b, err)
				require.Equal(b, n, rep.Signatures.Binding)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
	b.Run("chain-only", func(b *testing.B) {
		for b.Loop() {
			_, err := audit.Verify(dir, engine.Config{})
			require.NoError(b, err)
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
