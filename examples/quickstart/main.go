// Command quickstart runs a small Agora market end to end: it loads the
// embedded sample catalog, registers and verifies five companies, posts
// buyers' requests and sellers' offers for Portland cement M500 delivered to
// Moscow, and prints the fills, the book depth and the message counts.
//
//	go run ./examples/quickstart
//
// Every command submitted to the exchange takes the next sequence number
// (seq), and every event it causes carries that number. The program prints
// each posting with its seq and the fills it caused under it; fills are
// numbered on their own (fill 1, fill 2, ...), because one command can
// cause several.
//
// The message counts at the end are the exchange's Counters. A message in
// is one command received, refused or not. A message out is one event
// addressed to a company: an acknowledgement (registered, status changed,
// accepted, done) or a fill report. A fill is reported to both the buyer
// and the seller, so it counts as two fill reports. The refused
// registration is a message in, but its refusal is addressed to no
// participant (the company never got an ID), so it is no message out.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
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
	fmt.Fprintf(w, "market: %s %s (%s), tick %s, lot %d %s, basis %s\n",
		cement.Code, cement.Name, cement.Unit, rub(cement.Tick), cement.Lot, cement.Unit, moscow.Name)
	for id := range cat.Taxonomy.Ancestors(cement.ID) {
		c, _ := cat.Taxonomy.ByID(id)
		fmt.Fprintf(w, "  under %s %s\n", c.Code, c.Name)
	}

	var evs []matching.Event
	companies := []struct{ name, inn, kpp string }{
		{"StroyMontazh LLC", "7707083893", "773601001"},
		{"Gorod Development JSC", "7736207543", ""},
		{"CementTorg LLC", "5001007329", ""},
		{"Uralcement JSC", "6658008627", ""},
		{"IE Petrov A.V.", "500100732259", ""},
	}
	ids := make(map[string]catalog.ParticipantID)
	var t int64 // the command time; the engine never reads a clock
	submit := func(cmd matching.Command) error {
		t++
		cmd.Time = t
		start := len(evs)
		var err error
		evs, err = x.Submit(cmd, evs)
		for _, e := range evs[start:] {
			if e.Kind == matching.EventRegistered {
				ids[cmd.Name] = e.Participant
			}
		}
		return err
	}
	for _, c := range companies {
		if err := submit(matching.Command{Kind: matching.CmdRegister, Name: c.name, INN: c.inn, KPP: c.kpp}); err != nil {
			return fmt.Errorf("register %s: %w", c.name, err)
		}
		if err := submit(matching.Command{Kind: matching.CmdSetStatus, Participant: ids[c.name], Status: catalog.StatusVerified}); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "registered and verified %d companies (seq 1-%d)\n", len(companies), x.Seq())

	// A company with a bad INN check digit is refused with a typed reason,
	// which a program tells apart with errors.Is.
	const badINN = "7707083894"
	if err := submit(matching.Command{Kind: matching.CmdRegister, Name: "Fly-by-night LLC", INN: badINN}); err != nil {
		if !errors.Is(err, matching.ErrInvalidINN) {
			return fmt.Errorf("register Fly-by-night LLC: %w", err)
		}
		fmt.Fprintf(w, "seq %d: refused Fly-by-night LLC: INN %s fails its check digit (matching.ErrInvalidINN)\n", evs[len(evs)-1].Seq, badINN)
	}

	order := func(who string, side matching.Side, rubPerTon, tons int64) matching.Command {
		return matching.Command{
			Kind: matching.CmdPlace, Participant: ids[who], Category: cement.ID, Basis: moscow.ID,
			Side: side, Type: matching.Limit, TIF: matching.GTC,
			Price: catalog.Price(rubPerTon * 100), Qty: catalog.Qty(tons),
		}
	}
	posts := []matching.Command{
		order("CementTorg LLC", matching.Sell, 6500, 300),
		order("Uralcement JSC", matching.Sell, 6450, 200),
		order("IE Petrov A.V.", matching.Sell, 6600, 100),
		order("StroyMontazh LLC", matching.Buy, 6300, 150),
		order("Gorod Development JSC", matching.Buy, 6500, 400), // crosses two offers
	}
	names := make(map[catalog.ParticipantID]string)
	for n, id := range ids {
		names[id] = n
	}
	fmt.Fprintln(w, "postings (seq: the command's sequence number; its fills are listed under it):")
	fills := 0 // fills so far, to number them
	for _, p := range posts {
		evs = evs[:0]
		if err := submit(p); err != nil {
			return err
		}
		verb := "offers"
		if p.Side == matching.Buy {
			verb = "requests"
		}
		open := p.Qty // the order's open quantity after matching
		var lines []string
		for _, e := range evs {
			if e.Kind != matching.EventFill {
				continue
			}
			fills++
			open = e.Remaining
			buyer, seller := e.Participant, e.MakerParticipant
			if e.Side == matching.Sell {
				buyer, seller = seller, buyer
			}
			lines = append(lines, fmt.Sprintf("  fill %d: %s buys %d t from %s at %s/t",
				fills, names[buyer], e.Qty, names[seller], rub(e.Price)))
		}
		var outcome string
		switch {
		case len(lines) == 0:
			outcome = fmt.Sprintf("rests %d t", open)
		case open == 0:
			outcome = fmt.Sprintf("filled in %d fills", len(lines))
		default:
			outcome = fmt.Sprintf("%d fills, %d t rests", len(lines), open)
		}
		fmt.Fprintf(w, "seq %d: %s %s %d t at %s/t: %s\n", evs[0].Seq, names[p.Participant], verb, p.Qty, rub(p.Price), outcome)
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	}
	key := matching.MarketKey{Category: cement.ID, Basis: moscow.ID}
	fmt.Fprintln(w, "depth (offers, best first):")
	for _, l := range x.Depth(key, matching.Sell, 5, nil) {
		fmt.Fprintf(w, "  %s  %4d t  %d order(s)\n", rub(l.Price), l.Qty, l.Orders)
	}
	fmt.Fprintln(w, "depth (requests, best first):")
	for _, l := range x.Depth(key, matching.Buy, 5, nil) {
		fmt.Fprintf(w, "  %s  %4d t  %d order(s)\n", rub(l.Price), l.Qty, l.Orders)
	}
	c := x.TotalCounters()
	fmt.Fprintf(w, "messages in: %d, one per command received (refused ones too)\n", c.In())
	fmt.Fprintf(w, "messages out: %d, one per event addressed to a registered company: %d acknowledgements + %d fill reports (each of the %d fills is reported to its buyer and to its seller)\n",
		c.Out(), c.Reports, c.Fills, fills)
	return x.CheckInvariants()
}
