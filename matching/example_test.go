package matching_test

import (
	"errors"
	"fmt"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

// printEvents prints events one per line.
func printEvents(evs []matching.Event) {
	for _, e := range evs {
		switch e.Kind {
		case matching.EventRegistered, matching.EventStatusChanged:
			fmt.Printf("#%d %s participant=%d status=%s\n", e.Seq, e.Kind, e.Participant, e.Status)
		case matching.EventAccepted:
			fmt.Printf("#%d %s order=%d participant=%d %s %d @ %d\n", e.Seq, e.Kind, e.OrderID&0xffff, e.Participant, e.Side, e.Qty, e.Price)
		case matching.EventFill:
			fmt.Printf("#%d %s %d @ %d: taker order=%d (%s, %d left), maker order=%d (%d left)\n",
				e.Seq, e.Kind, e.Qty, e.Price, e.OrderID&0xffff, e.Side, e.Remaining, e.MakerOrderID&0xffff, e.MakerRemaining)
		case matching.EventCancelled:
			fmt.Printf("#%d %s order=%d qty=%d reason=%s\n", e.Seq, e.Kind, e.OrderID&0xffff, e.Qty, e.Cancel)
		case matching.EventRejected:
			fmt.Printf("#%d %s %s: %s\n", e.Seq, e.Kind, e.Command, e.Reject)
		default:
			fmt.Printf("#%d %s order=%d\n", e.Seq, e.Kind, e.OrderID&0xffff)
		}
	}
}

// setup returns an exchange with two verified companies and the cement
// market at Moscow.
func setup() (x *matching.Exchange, seller, buyer catalog.ParticipantID, cement matching.MarketKey) {
	x, _ = matching.New(matching.Config{})
	cat := x.Catalog()
	var ids []catalog.ParticipantID
	for _, inn := range []string{"7707083893", "7736207543"} {
		evs, _ := x.Submit(matching.Command{Kind: matching.CmdRegister, Name: "Company " + inn, INN: inn}, nil)
		p := evs[0].Participant
		x.Submit(matching.Command{Kind: matching.CmdSetStatus, Participant: p, Status: catalog.StatusVerified}, nil)
		ids = append(ids, p)
	}
	c, _ := cat.Taxonomy.ByCode("23.51.12")
	b, _ := cat.Bases.ByCode("MSK")
	return x, ids[0], ids[1], matching.MarketKey{Category: c.ID, Basis: b.ID}
}

func ExampleNew() {
	x, err := matching.New(matching.Config{}) // the sample catalog
	if err != nil {
		fmt.Println(err)
		return
	}
	c, _ := x.Catalog().Taxonomy.ByCode("23.51.12")
	fmt.Printf("%s: unit %s, tick %d, lot %d\n", c.Name, c.Unit, c.Tick, c.Lot)
	fmt.Println("markets open:", len(x.Markets()), "seq:", x.Seq())

	_, err = matching.New(matching.Config{DefaultSTP: 9})
	fmt.Println(errors.Is(err, matching.ErrInvalidConfig))
	// Output:
	// Portland cement M500 (CEM I 42.5N): unit t, tick 100, lot 1
	// markets open: 0 seq: 0
	// true
}

func ExampleExchange_Submit() {
	x, _ := matching.New(matching.Config{})
	var evs []matching.Event

	// Register two companies and verify them.
	evs, _ = x.Submit(matching.Command{Kind: matching.CmdRegister, Time: 1, Name: "Cement Works JSC", INN: "7707083893"}, evs)
	evs, _ = x.Submit(matching.Command{Kind: matching.CmdRegister, Time: 1, Name: "Builder LLC", INN: "7736207543"}, evs)
	seller, buyer := evs[0].Participant, evs[1].Participant
	evs, _ = x.Submit(matching.Command{Kind: matching.CmdSetStatus, Time: 2, Participant: seller, Status: catalog.StatusVerified}, evs)
	evs, _ = x.Submit(matching.Command{Kind: matching.CmdSetStatus, Time: 2, Participant: buyer, Status: catalog.StatusVerified}, evs)

	// An offer of 30 t of cement at 5,000.00 per t, then a request for
	// 20 t at up to 5,100.00 (prices in kopecks).
	cement, _ := x.Catalog().Taxonomy.ByCode("23.51.12")
	msk, _ := x.Catalog().Bases.ByCode("MSK")
	order := matching.Command{
		Kind: matching.CmdPlace, Time: 3, Category: cement.ID, Basis: msk.ID,
		Type: matching.Limit, TIF: matching.GTC,
	}
	sell := order
	sell.Participant, sell.Side, sell.Price, sell.Qty = seller, matching.Sell, 500_000, 30
	evs, _ = x.Submit(sell, evs)
	buy := order
	buy.Participant, buy.Side, buy.Price, buy.Qty = buyer, matching.Buy, 510_000, 20
	evs, err := x.Submit(buy, evs)
	fmt.Println("error:", err)
	printEvents(evs)
	// Output:
	// error: <nil>
	// #1 registered participant=1 status=pending
	// #2 registered participant=2 status=pending
	// #3 status-changed participant=1 status=verified
	// #4 status-changed participant=2 status=verified
	// #5 accepted order=1 participant=1 sell 30 @ 500000
	// #6 accepted order=2 participant=2 buy 20 @ 510000
	// #6 fill 20 @ 500000: taker order=2 (buy, 0 left), maker order=1 (10 left)
	// #6 done order=2
}

func ExampleExchange_Submit_cancel() {
	x, seller, buyer, cement := setup()
	offer := matching.Command{
		Kind: matching.CmdPlace, Participant: seller, Category: cement.Category, Basis: cement.Basis,
		Side: matching.Sell, Type: matching.Limit, TIF: matching.GTC, Price: 520_000, Qty: 15,
	}
	evs, _ := x.Submit(offer, nil)
	id := evs[0].OrderID

	// Only the owner may cancel.
	evs, err := x.Submit(matching.Command{Kind: matching.CmdCancel, Participant: buyer, OrderID: id}, evs[:0])
	fmt.Println(errors.Is(err, matching.ErrNotOwner))
	printEvents(evs)

	evs, err = x.Submit(matching.Command{Kind: matching.CmdCancel, Participant: seller, OrderID: id}, evs[:0])
	fmt.Println(err)
	printEvents(evs)

	// The order is gone.
	evs, err = x.Submit(matching.Command{Kind: matching.CmdCancel, Participant: seller, OrderID: id}, evs[:0])
	fmt.Println(errors.Is(err, matching.ErrUnknownOrder))
	printEvents(evs)
	// Output:
	// true
	// #6 rejected cancel: not-owner
	// <nil>
	// #7 cancelled order=1 qty=15 reason=requested
	// true
	// #8 rejected cancel: unknown-order
}

func ExampleExchange_Depth() {
	x, seller, buyer, cement := setup()
	order := matching.Command{
		Kind: matching.CmdPlace, Category: cement.Category, Basis: cement.Basis,
		Type: matching.Limit, TIF: matching.GTC,
	}
	for _, o := range []struct {
		p     catalog.ParticipantID
		side  matching.Side
		price catalog.Price
		qty   catalog.Qty
	}{
		{seller, matching.Sell, 520_000, 10},
		{seller, matching.Sell, 515_000, 5},
		{seller, matching.Sell, 515_000, 7},
		{buyer, matching.Buy, 505_000, 20},
		{buyer, matching.Buy, 500_000, 40},
	} {
		c := order
		c.Participant, c.Side, c.Price, c.Qty = o.p, o.side, o.price, o.qty
		if _, err := x.Submit(c, nil); err != nil {
			fmt.Println(err)
		}
	}
	var levels []matching.Level
	for _, side := range []matching.Side{matching.Sell, matching.Buy} {
		levels = x.Depth(cement, side, 10, levels[:0])
		for _, lv := range levels {
			fmt.Printf("%-4s %d: %d t in %d orders\n", side, lv.Price, lv.Qty, lv.Orders)
		}
	}
	bid, _, _ := x.BestBid(cement)
	ask, _, _ := x.BestAsk(cement)
	fmt.Println("spread:", ask-bid)
	// Output:
	// sell 515000: 12 t in 2 orders
	// sell 520000: 10 t in 1 orders
	// buy  505000: 20 t in 1 orders
	// buy  500000: 40 t in 1 orders
	// spread: 10000
}

func ExampleExchange_TotalCounters() {
	x, seller, buyer, cement := setup()
	order := matching.Command{
		Kind: matching.CmdPlace, Category: cement.Category, Basis: cement.Basis,
		Type: matching.Limit, TIF: matching.GTC, Price: 500_000, Qty: 10,
	}
	sell, buy := order, order
	sell.Participant, sell.Side = seller, matching.Sell
	buy.Participant, buy.Side = buyer, matching.Buy
	x.Submit(sell, nil)
	x.Submit(buy, nil) // accepted, fill, done (buyer), done (seller)

	t := x.TotalCounters()
	fmt.Printf("total: in %d (postings %d, other %d), out %d (reports %d, fills %d)\n",
		t.In(), t.Postings, t.Other, t.Out(), t.Reports, t.Fills)
	for _, p := range []catalog.ParticipantID{seller, buyer} {
		c := x.Counters(p)
		fmt.Printf("participant %d: in %d, out %d (reports %d, fills %d)\n", p, c.In(), c.Out(), c.Reports, c.Fills)
	}
	// Output:
	// total: in 6 (postings 2, other 4), out 10 (reports 8, fills 2)
	// participant 1: in 1, out 5 (reports 4, fills 1)
	// participant 2: in 1, out 5 (reports 4, fills 1)
}
