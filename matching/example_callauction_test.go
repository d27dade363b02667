package matching_test

import (
	"fmt"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

func ExampleExchange_Indicative() {
	x, buyer, s, names, cement := procurement()

	// The operator (participant 0) puts the cement market in call mode:
	// orders now accumulate without matching.
	evs, _ := x.Submit(matching.Command{
		Kind: matching.CmdSetMarketMode, Time: 10,
		Category: cement.Category, Basis: cement.Basis, MarketMode: matching.MarketCall,
	}, nil)
	fmt.Printf("#%d %s: %v\n", evs[0].Seq, evs[0].Kind, evs[0].MarketMode == matching.MarketCall)

	// Offers at 6,400.00 and 6,500.00 and requests at 6,500.00 and
	// 6,300.00 cross, but nothing trades yet.
	for i, o := range []struct {
		who   catalog.ParticipantID
		side  matching.Side
		price catalog.Price
		qty   catalog.Qty
	}{
		{s[0], matching.Sell, 640_000, 100},
		{s[1], matching.Sell, 650_000, 100},
		{buyer, matching.Buy, 650_000, 150},
		{s[2], matching.Buy, 630_000, 50},
	} {
		evs, _ = x.Submit(matching.Command{
			Kind: matching.CmdPlace, Time: int64(11 + i), Participant: o.who,
			Category: cement.Category, Basis: cement.Basis,
			Side: o.side, Type: matching.Limit, TIF: matching.GTC, Price: o.price, Qty: o.qty,
		}, evs[:0])
		fmt.Printf("#%d %s %s %s %d t @ %d\n", evs[0].Seq, evs[0].Kind, names[o.who], o.side, o.qty, o.price)
	}

	fmt.Println("fills so far:", x.TotalCounters().Fills)

	// Meanwhile the exchange publishes where the market would clear: the
	// price with the largest volume, then the smallest imbalance, then the
	// price closest to the reference price.
	const ref = 645_000
	if u, ok := x.Indicative(cement, ref); ok {
		fmt.Printf("indicative: %d t @ %d, imbalance %d\n", u.Volume, u.Price, u.Imbalance)
	}

	// The uncross trades everything that crosses at that one price, even
	// the offer made at 6,400.00.
	evs, _ = x.Submit(matching.Command{
		Kind: matching.CmdUncross, Time: 20, Category: cement.Category, Basis: cement.Basis, RefPrice: ref,
	}, evs[:0])
	for _, e := range evs {
		switch e.Kind {
		case matching.EventFill:
			// Every fill of an uncross is at the uniform price.
			b, s := e.Participant, e.MakerParticipant
			if e.Side == matching.Sell {
				b, s = s, b
			}
			fmt.Printf("#%d fill %d t @ %d: %s buys from %s\n", e.Seq, e.Qty, e.Price, names[b], names[s])
		case matching.EventUncrossed:
			fmt.Printf("#%d uncrossed %d t @ %d, imbalance %d\n", e.Seq, e.Qty, e.Price, e.Imbalance)
		}
	}

	// What did not trade stays on the book, and the market stays in call
	// mode until CmdSetMarketMode switches it back.
	for _, side := range []matching.Side{matching.Sell, matching.Buy} {
		for _, lv := range x.Depth(cement, side, 5, nil) {
			fmt.Printf("%-4s %d: %d t\n", side, lv.Price, lv.Qty)
		}
	}
	fmt.Println("still call mode:", x.Mode(cement) == matching.MarketCall)
	// Output:
	// #9 market-mode: true
	// #10 accepted CementTorg LLC sell 100 t @ 640000
	// #11 accepted Uralcement JSC sell 100 t @ 650000
	// #12 accepted Builder LLC buy 150 t @ 650000
	// #13 accepted Cement Works JSC buy 50 t @ 630000
	// fills so far: 0
	// indicative: 150 t @ 650000, imbalance -50
	// #14 fill 100 t @ 650000: Builder LLC buys from CementTorg LLC
	// #14 fill 50 t @ 650000: Builder LLC buys from Uralcement JSC
	// #14 uncrossed 150 t @ 650000, imbalance -50
	// sell 650000: 50 t
	// buy  630000: 50 t
	// still call mode: true
}
