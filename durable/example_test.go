package durable_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/matching"
)

// verifiedCompany registers a company at time t and verifies it at t+1,
// returning its participant ID, or 0 if either command was refused.
func verifiedCompany(x *matching.Exchange, t int64, name, inn string) catalog.ParticipantID {
	evs, err := x.Submit(matching.Command{Kind: matching.CmdRegister, Time: t, Name: name, INN: inn}, nil)
	if err != nil {
		return 0
	}
	p := evs[0].Participant
	if _, err := x.Submit(matching.Command{Kind: matching.CmdSetStatus, Time: t + 1, Participant: p, Status: catalog.StatusVerified}, nil); err != nil {
		return 0
	}
	return p
}

func ExampleOpen() {
	// A durable exchange keeps its journal and snapshots in one
	// directory; here a temporary one.
	dir, err := os.MkdirTemp("", "agora-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	// With the zero Options the journal runs in group-commit mode:
	// Submit returns once its command is fsynced.
	x, err := durable.Open(dir, matching.Config{}, durable.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	seller := verifiedCompany(x, 1, "Cement Works JSC", "7707083893")
	buyer := verifiedCompany(x, 3, "Builder LLC", "7736207543")

	// Offer 30 t of cement at 5,000.00 per t; a request for 20 t takes
	// part of it, and 10 t stay on the book.
	cement, _ := x.Catalog().Taxonomy.ByCode("23.51.12")
	msk, _ := x.Catalog().Bases.ByCode("MSK")
	key := matching.MarketKey{Category: cement.ID, Basis: msk.ID}
	order := matching.Command{
		Kind: matching.CmdPlace, Category: key.Category, Basis: key.Basis,
		Type: matching.Limit, TIF: matching.GTC, Price: 500_000,
	}
	sell, buy := order, order
	sell.Time, sell.Participant, sell.Side, sell.Qty = 5, seller, matching.Sell, 30
	buy.Time, buy.Participant, buy.Side, buy.Qty = 6, buyer, matching.Buy, 20
	evs, _ := x.Submit(sell, nil)
	offer := evs[0].OrderID
	x.Submit(buy, nil)
	fmt.Println("before close: seq", x.Seq())

	// Of gives the exchange's Store: Close flushes and closes the
	// journal; the exchange refuses commands afterwards.
	if err := durable.Of(x).Close(); err != nil {
		fmt.Println(err)
		return
	}
	_, err = x.Submit(matching.Command{Kind: matching.CmdCancel, Time: 7, Participant: seller, OrderID: offer}, nil)
	fmt.Println("submit after close is ErrJournal:", errors.Is(err, matching.ErrJournal))

	// Opening the directory again replays the journal (there is no
	// snapshot yet) and recovers the state after the last command.
	y, err := durable.Open(dir, matching.Config{}, durable.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer durable.Of(y).Close()
	rec := durable.Of(y).Recovery()
	fmt.Println("after open: seq", y.Seq())
	fmt.Printf("recovery: snapshot seq %d, replayed %d, last seq %d, torn bytes cut %d\n",
		rec.SnapshotSeq, rec.Replayed, rec.LastSeq, rec.Journal.TruncatedBytes)

	// The rest of the offer is still resting, under the same order ID.
	if o, ok := y.Order(offer); ok {
		fmt.Printf("order %d: %s %d t @ %d, filled %d\n", o.ID&0xffff, o.Side, o.Qty, o.Price, o.Filled)
	}
	for _, lv := range y.Depth(key, matching.Sell, 5, nil) {
		fmt.Printf("sell %d: %d t in %d orders\n", lv.Price, lv.Qty, lv.Orders)
	}

	// Sequence numbers continue where the journal ended.
	evs, err = y.Submit(matching.Command{Kind: matching.CmdCancel, Time: 7, Participant: seller, OrderID: offer}, nil)
	fmt.Println("cancel:", err, "seq", evs[0].Seq, evs[0].Kind, evs[0].Qty, "t")
	// Output:
	// before close: seq 6
	// submit after close is ErrJournal: true
	// after open: seq 6
	// recovery: snapshot seq 0, replayed 6, last seq 6, torn bytes cut 0
	// order 1: sell 10 t @ 500000, filled 20
	// sell 500000: 10 t in 1 orders
	// cancel: <nil> seq 7 cancelled 10 t
}

func ExampleStore_Feed() {
	dir, err := os.MkdirTemp("", "agora-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	// An in-memory feed of 1 KiB holds only the newest outputs.
	x, err := durable.Open(dir, matching.Config{FeedBytes: 1 << 10}, durable.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer durable.Of(x).Close()
	for i := range 40 {
		verifiedCompany(x, int64(2*i+1), fmt.Sprintf("Company %d", i), innFor(i))
	}
	_, _, err = x.Feed(1).Next(context.Background(), nil)
	fmt.Println("the exchange's feed still holds seq 1:", err == nil)

	// The Store's reader rebuilds the older outputs from the journal.
	r := durable.Of(x).Feed(1)
	for range 2 {
		seq, evs, err := r.Next(context.Background(), nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(seq, evs[0].Kind, evs[0].Participant)
	}
	// Output:
	// the exchange's feed still holds seq 1: false
	// 1 registered 1
	// 2 status-changed 1
}

// innFor returns a valid 10-digit INN of region 77 for company i.
func innFor(i int) string {
	d := fmt.Sprintf("77%07d", 1000+i)
	w := []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	sum := 0
	for j := range 9 {
		sum += int(d[j]-'0') * w[j]
	}
	return d + fmt.Sprint(sum%11%10)
}
