// Command tender runs an English reverse auction on an Agora exchange: a
// construction company buys 500 t of Portland cement M500 delivered to
// Moscow, three verified suppliers bid each other down, a late bid extends
// the close (anti-sniping), and the award is split across the suppliers
// by price because none of them can supply the whole quantity.
//
//	go run ./examples/tender
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tender:", err)
		os.Exit(1)
	}
}

// rub formats an amount in kopecks as roubles.
func rub(p catalog.Price) string { return fmt.Sprintf("%d.%02d RUB", p/100, p%100) }

func run(w io.Writer) error {
	cat, err := catalog.Sample()
	if err != nil {
		return err
	}
	x, err := matching.New(matching.Config{Catalog: cat})
	if err != nil {
		return err
	}
	cement, ok := cat.Taxonomy.ByCode("23.51.12")
	if !ok {
		return fmt.Errorf("sample catalog lacks 23.51.12")
	}
	moscow, ok := cat.Bases.ByCode("MSK")
	if !ok {
		return fmt.Errorf("sample catalog lacks MSK")
	}

	// Time is in minutes since the auction was announced; the engine never
	// reads a clock.
	var evs []matching.Event
	submit := func(t int64, cmd matching.Command) ([]matching.Event, error) {
		cmd.Time = t
		var err error
		evs, err = x.Submit(cmd, evs[:0])
		return evs, err
	}
	names := map[catalog.ParticipantID]string{}
	id := func(name, inn string) (catalog.ParticipantID, error) {
		evs, err := submit(0, matching.Command{Kind: matching.CmdRegister, Name: name, INN: inn})
		if err != nil {
			return 0, fmt.Errorf("register %s: %w", name, err)
		}
		p := evs[0].Participant
		if _, err := submit(0, matching.Command{Kind: matching.CmdSetStatus, Participant: p, Status: catalog.StatusVerified}); err != nil {
			return 0, err
		}
		names[p] = name
		return p, nil
	}
	buyer, err := id("Gorod Development JSC", "7736207543")
	if err != nil {
		return err
	}
	ural, err := id("Uralcement JSC", "6658008627")
	if err != nil {
		return err
	}
	torg, err := id("CementTorg LLC", "5001007329")
	if err != nil {
		return err
	}
	novo, err := id("Novoroscement JSC", "7707083893")
	if err != nil {
		return err
	}

	open := matching.Command{
		Kind: matching.CmdOpenTender, Participant: buyer, Category: cement.ID, Basis: moscow.ID,
		Qty: 500, Price: 600000, // reserve: 6000.00 RUB/t
		TenderMode: matching.TenderAuction, Decrement: 5000, Extension: 10,
		Evaluation: matching.EvalLowestPrice, CloseAt: 60,
	}
	evs, err = submit(0, open)
	if err != nil {
		return fmt.Errorf("open tender: %w", err)
	}
	tender := evs[0].Tender
	fmt.Fprintf(w, "tender %d: %s buys %d %s of %s at %s\n", tender, names[buyer], open.Qty, cement.Unit, cement.Name, moscow.Name)
	fmt.Fprintf(w, "  English reverse auction: reserve %s/t, decrement %s, closes at t=%d, a bid in the last %d min extends it by %d min\n",
		rub(open.Price), rub(open.Decrement), open.CloseAt, open.Extension, open.Extension)

	bids := []struct {
		t       int64
		who     catalog.ParticipantID
		rub     int64 // roubles per tonne
		tons    catalog.Qty
		leadDay int64
	}{
		{5, ural, 5600, 300, 5},
		{8, torg, 5550, 250, 3},
		{12, novo, 5500, 200, 7},
		{20, ural, 5450, 300, 5},
		{30, torg, 5480, 250, 3},
		{55, novo, 5400, 200, 7}, // in the last 10 minutes: extends the close
		{65, torg, 5430, 250, 3}, // extends again
		{66, ural, 5420, 300, 5}, // does not beat its own 5450 by the decrement
	}
	for _, b := range bids {
		evs, err := submit(b.t, matching.Command{
			Kind: matching.CmdBid, Participant: b.who, Tender: tender,
			Price: catalog.Price(b.rub * 100), Qty: b.tons, LeadTime: b.leadDay,
		})
		if err != nil {
			fmt.Fprintf(w, "t=%-3d %-18s bid %s for %d t refused: %v\n", b.t, names[b.who], rub(catalog.Price(b.rub*100)), b.tons, err)
			continue
		}
		e := evs[0]
		fmt.Fprintf(w, "t=%-3d %-18s bids %s/t for %3d t (lead %d d): rank %d, best %s/t\n",
			b.t, names[b.who], rub(e.Price), e.Qty, e.LeadTime, e.Rank, rub(e.BestPrice))
		for _, e := range evs[1:] {
			if e.Kind == matching.EventTenderExtended {
				fmt.Fprintf(w, "      close extended to t=%d\n", e.CloseAt)
			}
		}
	}

	info, _ := x.Tender(tender)
	if _, err := submit(info.CloseAt-1, matching.Command{Kind: matching.CmdCloseTender, Tender: tender}); err != nil {
		fmt.Fprintf(w, "close at t=%d refused: %v\n", info.CloseAt-1, err)
	}
	evs, err = submit(info.CloseAt, matching.Command{Kind: matching.CmdCloseTender, Tender: tender})
	if err != nil {
		return fmt.Errorf("close: %w", err)
	}
	fmt.Fprintf(w, "closed at t=%d:\n", info.CloseAt)
	for _, e := range evs {
		switch e.Kind {
		case matching.EventAwarded:
			fmt.Fprintf(w, "  award: %-18s %3d t at %s/t (rank %d)\n", names[e.Participant], e.Qty, rub(e.Price), e.Rank)
		case matching.EventNotAwarded:
			fmt.Fprintf(w, "  not awarded: %s (rank %d)\n", names[e.Participant], e.Rank)
		case matching.EventTenderClosed:
			fmt.Fprintf(w, "  %s: %d t awarded to %d suppliers, %d t uncovered\n", names[e.Participant], e.Qty, e.Rank, e.Remaining)
		case matching.EventTenderFailed:
			fmt.Fprintf(w, "  tender failed\n")
		}
	}
	c := x.TotalCounters()
	fmt.Fprintf(w, "messages: %d in (%d bids), %d out\n", c.In(), c.Bids, c.Out())
	return nil
}
