package matching_test

import (
	"errors"
	"fmt"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

// procurement returns an exchange with a verified buyer and three verified
// suppliers, named for printing, and the cement market at Moscow. The
// registrations use times 1 to 8.
func procurement() (x *matching.Exchange, buyer catalog.ParticipantID, suppliers []catalog.ParticipantID, names map[catalog.ParticipantID]string, cement matching.MarketKey) {
	x, _ = matching.New(matching.Config{}) // the sample catalog
	names = map[catalog.ParticipantID]string{}
	for i, c := range []struct{ name, inn string }{
		{"Builder LLC", "7736207543"},
		{"CementTorg LLC", "5001007329"},
		{"Uralcement JSC", "6658008627"},
		{"Cement Works JSC", "7707083893"},
	} {
		p := verifiedCompany(x, int64(2*i+1), c.name, c.inn)
		names[p] = c.name
		if i == 0 {
			buyer = p
		} else {
			suppliers = append(suppliers, p)
		}
	}
	c, _ := x.Catalog().Taxonomy.ByCode("23.51.12")
	b, _ := x.Catalog().Bases.ByCode("MSK")
	return x, buyer, suppliers, names, matching.MarketKey{Category: c.ID, Basis: b.ID}
}

// printTenderEvents prints tender events one per line, with participant
// names.
func printTenderEvents(evs []matching.Event, names map[catalog.ParticipantID]string) {
	for _, e := range evs {
		switch e.Kind {
		case matching.EventTenderOpened:
			fmt.Printf("#%d %s tender %d by %s: %d t, reserve %d, closes at %d\n", e.Seq, e.Kind, e.Tender, names[e.Participant], e.Qty, e.Price, e.CloseAt)
		case matching.EventBidAccepted:
			fmt.Printf("#%d %s %s: %d t @ %d, rank %d, best %d\n", e.Seq, e.Kind, names[e.Participant], e.Qty, e.Price, e.Rank, e.BestPrice)
		case matching.EventTenderExtended:
			fmt.Printf("#%d %s to %s: closes at %d\n", e.Seq, e.Kind, names[e.Participant], e.CloseAt)
		case matching.EventAwarded, matching.EventNotAwarded:
			fmt.Printf("#%d %s %s: %d t @ %d, rank %d\n", e.Seq, e.Kind, names[e.Participant], e.Qty, e.Price, e.Rank)
		case matching.EventTenderClosed, matching.EventTenderFailed:
			fmt.Printf("#%d %s: %d t awarded to %d winners, %d t uncovered\n", e.Seq, e.Kind, e.Qty, e.Rank, e.Remaining)
		case matching.EventRejected:
			fmt.Printf("#%d %s %s of %s: %s\n", e.Seq, e.Kind, e.Command, names[e.Participant], reasonName(e.Reject))
		default:
			fmt.Printf("#%d %s %s\n", e.Seq, e.Kind, names[e.Participant])
		}
	}
}

// reasonName returns the Go name of the reject reasons these examples
// meet. Programs branch on the RejectReason value (or on the sentinel error
// with errors.Is), never on its text.
func reasonName(r matching.RejectReason) string {
	switch r {
	case matching.ReasonBidNotImproved:
		return "ReasonBidNotImproved"
	case matching.ReasonOwnTender:
		return "ReasonOwnTender"
	case matching.ReasonTenderNotDue:
		return "ReasonTenderNotDue"
	}
	return fmt.Sprintf("RejectReason(%d)", uint8(r))
}

func ExampleExchange_Submit_sealedTender() {
	x, buyer, s, names, cement := procurement()

	// The buyer asks for 500 t of cement delivered to Moscow, at most
	// 6,500.00 per t, lowest price wins, bids until time 100.
	evs, _ := x.Submit(matching.Command{
		Kind: matching.CmdOpenTender, Time: 10, Participant: buyer,
		Category: cement.Category, Basis: cement.Basis, Qty: 500, Price: 650_000,
		CloseAt: 100, TenderMode: matching.TenderSealed, Evaluation: matching.EvalLowestPrice,
	}, nil)
	printTenderEvents(evs, names)
	id := evs[0].Tender

	// Sealed bids: a bidder learns no rank and no best price, and may only
	// lower its own bid.
	bid := matching.Command{Kind: matching.CmdBid, Tender: id}
	for i, b := range []struct {
		who   catalog.ParticipantID
		price catalog.Price
		qty   catalog.Qty
	}{
		{s[0], 630_000, 300},
		{s[1], 620_000, 300},
		{s[2], 640_000, 500},
		{s[0], 615_000, 300}, // CementTorg improves its bid
	} {
		c := bid
		c.Time, c.Participant, c.Price, c.Qty, c.LeadTime = int64(20+i), b.who, b.price, b.qty, 7
		evs, _ = x.Submit(c, evs[:0])
		printTenderEvents(evs, names)
	}

	// Refused: a higher price than the bidder's own, a bid by the buyer,
	// and a close before the close time.
	c := bid
	c.Time, c.Participant, c.Price, c.Qty, c.LeadTime = 30, s[0], 625_000, 300, 7
	evs, err := x.Submit(c, evs[:0])
	fmt.Println("raising a bid:", errors.Is(err, matching.ErrBidNotImproved))
	printTenderEvents(evs, names)
	c.Participant = buyer
	evs, err = x.Submit(c, evs[:0])
	fmt.Println("buyer bids:", errors.Is(err, matching.ErrOwnTender))
	printTenderEvents(evs, names)
	evs, err = x.Submit(matching.Command{Kind: matching.CmdCloseTender, Time: 99, Participant: buyer, Tender: id}, evs[:0])
	fmt.Println("early close:", errors.Is(err, matching.ErrTenderNotDue))
	printTenderEvents(evs, names)

	// Until the close, the tender's public description shows no price.
	info, _ := x.Tender(id)
	fmt.Println("before the close:", info.State, info.Bidders, "bidders, best", info.Best)

	// At the close the cheapest bids win: 300 t at 6,150.00, the other
	// 200 t at 6,200.00.
	evs, _ = x.Submit(matching.Command{Kind: matching.CmdCloseTender, Time: 100, Participant: buyer, Tender: id}, evs[:0])
	printTenderEvents(evs, names)
	// Output:
	// #9 tender-opened tender 1 by Builder LLC: 500 t, reserve 650000, closes at 100
	// #10 bid-accepted CementTorg LLC: 300 t @ 630000, rank 0, best 0
	// #11 bid-accepted Uralcement JSC: 300 t @ 620000, rank 0, best 0
	// #12 bid-accepted Cement Works JSC: 500 t @ 640000, rank 0, best 0
	// #13 bid-accepted CementTorg LLC: 300 t @ 615000, rank 0, best 0
	// raising a bid: true
	// #14 rejected bid of CementTorg LLC: ReasonBidNotImproved
	// buyer bids: true
	// #15 rejected bid of Builder LLC: ReasonOwnTender
	// early close: true
	// #16 rejected close-tender of Builder LLC: ReasonTenderNotDue
	// before the close: open 3 bidders, best 0
	// #17 awarded CementTorg LLC: 300 t @ 615000, rank 1
	// #17 awarded Uralcement JSC: 200 t @ 620000, rank 2
	// #17 not-awarded Cement Works JSC: 500 t @ 640000, rank 3
	// #17 tender-closed: 500 t awarded to 2 winners, 0 t uncovered
}

func ExampleExchange_Submit_reverseAuction() {
	x, buyer, s, names, cement := procurement()

	// An English reverse auction for 500 t: each improvement must be at
	// least 50.00 lower than the bidder's previous bid, and a bid in the
	// last 10 time units moves the close 10 later (anti-sniping).
	evs, _ := x.Submit(matching.Command{
		Kind: matching.CmdOpenTender, Time: 10, Participant: buyer,
		Category: cement.Category, Basis: cement.Basis, Qty: 500, Price: 650_000,
		CloseAt: 100, TenderMode: matching.TenderAuction, Evaluation: matching.EvalLowestPrice,
		Decrement: 5_000, Extension: 10,
	}, nil)
	printTenderEvents(evs, names)
	id := evs[0].Tender

	// Each accepted bid tells its bidder its rank and the best price.
	bid := func(t int64, who catalog.ParticipantID, price catalog.Price) error {
		var err error
		evs, err = x.Submit(matching.Command{
			Kind: matching.CmdBid, Time: t, Participant: who, Tender: id,
			Price: price, Qty: 500, LeadTime: 5,
		}, evs[:0])
		printTenderEvents(evs, names)
		return err
	}
	bid(20, s[0], 640_000)
	bid(30, s[1], 635_000)

	// A bidder that was outbid can read its standing at any time.
	rank, best, _ := x.TenderStanding(id, s[0])
	fmt.Println("CementTorg standing: rank", rank, "best", best)

	// 20.00 lower is less than the decrement: refused.
	err := bid(40, s[0], 638_000)
	fmt.Println("too small a step:", errors.Is(err, matching.ErrBidNotImproved))

	// A bid 5 before the close extends the auction to 110.
	bid(95, s[0], 630_000)
	evs, err = x.Submit(matching.Command{Kind: matching.CmdCloseTender, Time: 100, Participant: buyer, Tender: id}, evs[:0])
	fmt.Println("close at 100:", errors.Is(err, matching.ErrTenderNotDue))
	printTenderEvents(evs, names)

	// The close at 110 awards the whole quantity to the best bid.
	evs, _ = x.Submit(matching.Command{Kind: matching.CmdCloseTender, Time: 110, Participant: buyer, Tender: id}, evs[:0])
	printTenderEvents(evs, names)
	// Output:
	// #9 tender-opened tender 1 by Builder LLC: 500 t, reserve 650000, closes at 100
	// #10 bid-accepted CementTorg LLC: 500 t @ 640000, rank 1, best 640000
	// #11 bid-accepted Uralcement JSC: 500 t @ 635000, rank 1, best 635000
	// CementTorg standing: rank 2 best 635000
	// #12 rejected bid of CementTorg LLC: ReasonBidNotImproved
	// too small a step: true
	// #13 bid-accepted CementTorg LLC: 500 t @ 630000, rank 1, best 630000
	// #13 tender-extended to Builder LLC: closes at 110
	// close at 100: true
	// #14 rejected close-tender of Builder LLC: ReasonTenderNotDue
	// #15 awarded CementTorg LLC: 500 t @ 630000, rank 1
	// #15 not-awarded Uralcement JSC: 500 t @ 635000, rank 2
	// #15 tender-closed: 500 t awarded to 1 winners, 0 t uncovered
}

func ExampleExchange_Submit_subscription() {
	x, buyer, s, names, cement := procurement()
	tax, bases := x.Catalog().Taxonomy, x.Catalog().Bases
	group, _ := tax.ByCode("23.51") // Cement: a group, not a tradable leaf
	metals, _ := tax.ByCode("24")
	msk, _ := bases.ByCode("MSK")
	spb, _ := bases.ByCode("SPB")

	// CementTorg follows every kind of cement delivered to Moscow, in lots
	// of at least 50 t; Uralcement follows basic metals anywhere.
	evs, _ := x.Submit(matching.Command{
		Kind: matching.CmdSubscribe, Time: 10, Participant: s[0],
		Category: group.ID, Bases: []catalog.BasisID{msk.ID}, MinQty: 50,
	}, nil)
	fmt.Printf("#%d %s: subscription %d of %s to %s\n", evs[0].Seq, evs[0].Kind, evs[0].Subscription, names[evs[0].Participant], group.Name)
	x.Submit(matching.Command{Kind: matching.CmdSubscribe, Time: 11, Participant: s[1], Category: metals.ID}, nil)

	// The buyer posts a request for 200 t of Portland cement M500 in
	// Moscow, a leaf under the group. It rests on the book, so the
	// subscriber that covers it is notified, in the same command.
	request := matching.Command{
		Kind: matching.CmdPlace, Time: 12, Participant: buyer,
		Category: cement.Category, Basis: cement.Basis,
		Side: matching.Buy, Type: matching.Limit, TIF: matching.GTC, Price: 640_000, Qty: 200,
	}
	evs, _ = x.Submit(request, evs[:0])
	for _, e := range evs {
		if e.Kind == matching.EventNotified {
			// An order's poster stays anonymous; the order ID lets the
			// subscriber answer it.
			fmt.Printf("#%d %s %s (subscription %d): order %d, %s %d t @ %d\n",
				e.Seq, e.Kind, names[e.Participant], e.Subscription, e.OrderID&0xffff, e.Side, e.Qty, e.Price)
		} else {
			fmt.Printf("#%d %s %s\n", e.Seq, e.Kind, names[e.Participant])
		}
	}

	// The same request in Saint Petersburg, or for 20 t, passes no filter:
	// nobody is notified.
	request.Time, request.Basis = 13, spb.ID
	evs, _ = x.Submit(request, evs[:0])
	fmt.Println("SPB request events:", len(evs), evs[0].Kind)
	request.Time, request.Basis, request.Qty = 14, cement.Basis, 20
	evs, _ = x.Submit(request, evs[:0])
	fmt.Println("20 t request events:", len(evs), evs[0].Kind)
	fmt.Println("notifications sent:", x.TotalCounters().Notifications)
	// Output:
	// #9 subscribed: subscription 1 of CementTorg LLC to Cement
	// #11 accepted Builder LLC
	// #11 notified CementTorg LLC (subscription 1): order 1, buy 200 t @ 640000
	// SPB request events: 1 accepted
	// 20 t request events: 1 accepted
	// notifications sent: 1
}
