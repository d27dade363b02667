// Command quickstart runs a small Agora market end to end: it loads the
// embedded sample catalog, registers and verifies five companies, posts
// buyers' requests and sellers' offers for Portland cement M500 delivered to
// Moscow, and prints the fills and the book depth.
//
//	go run ./examples/quickstart
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
	fmt.Fprintf(w, "registered and verified %d companies\n", len(companies))

	// A company with a bad INN check digit is refused with a typed reason.
	if err := submit(matching.Command{Kind: matching.CmdRegister, Name: "Fly-by-night LLC", INN: "7707083894"}); err != nil {
		fmt.Fprintf(w, "refused: Fly-by-night LLC: %v\n", err)
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
	evs = evs[:0]
	for _, p := range posts {
		if err := submit(p); err != nil {
			return err
		}
	}
	names := make(map[catalog.ParticipantID]string)
	for n, id := range ids {
		names[id] = n
	}
	for _, e := range evs {
		if e.Kind == matching.EventFill {
			fmt.Fprintf(w, "fill #%d: %s buys %d t from %s at %s/t\n",
				e.Seq, names[e.Participant], e.Qty, names[e.MakerParticipant], rub(e.Price))
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
	fmt.Fprintf(w, "messages: %d in, %d out (%d fill reports)\n", c.In(), c.Out(), c.Fills)
	return x.CheckInvariants()
}
