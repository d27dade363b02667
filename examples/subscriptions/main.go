// Command subscriptions shows supplier discovery on an Agora exchange:
// suppliers subscribe to the categories they supply, at different levels
// of the taxonomy and with delivery-basis and quantity filters, and every
// new buyer request notifies exactly the suppliers whose subscriptions
// cover it, once each.
//
//	go run ./examples/subscriptions
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "subscriptions:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	cat, err := catalog.Sample()
	if err != nil {
		return err
	}
	x, err := matching.New(matching.Config{Catalog: cat})
	if err != nil {
		return err
	}
	code := func(c string) (catalog.Category, error) {
		k, ok := cat.Taxonomy.ByCode(c)
		if !ok {
			return k, fmt.Errorf("sample catalog lacks %s", c)
		}
		return k, nil
	}
	basis := func(c string) (catalog.BasisID, error) {
		b, ok := cat.Bases.ByCode(c)
		if !ok {
			return 0, fmt.Errorf("sample catalog lacks basis %s", c)
		}
		return b.ID, nil
	}

	var t int64 // the command time; the engine never reads a clock
	var evs []matching.Event
	submit := func(cmd matching.Command) ([]matching.Event, error) {
		t++
		cmd.Time = t
		var err error
		evs, err = x.Submit(cmd, evs[:0])
		return evs, err
	}
	names := map[catalog.ParticipantID]string{}
	ids := map[string]catalog.ParticipantID{}
	company := func(name, inn string) (catalog.ParticipantID, error) {
		evs, err := submit(matching.Command{Kind: matching.CmdRegister, Name: name, INN: inn})
		if err != nil {
			return 0, fmt.Errorf("register %s: %w", name, err)
		}
		p := evs[0].Participant
		if _, err := submit(matching.Command{Kind: matching.CmdSetStatus, Participant: p, Status: catalog.StatusVerified}); err != nil {
			return 0, err
		}
		names[p], ids[name] = name, p
		return p, nil
	}
	buyer, err := company("Gorod Development JSC", "7736207543")
	if err != nil {
		return err
	}
	suppliers := []struct {
		name, inn string
		code      string   // subscribed category
		bases     []string // basis filter (none: any)
		maxQty    catalog.Qty
	}{
		{"Uralcement JSC", "6658008627", "23.51", nil, 0},                   // all cement
		{"CementTorg LLC", "5001007329", "23.51.12", []string{"MSK"}, 0},    // M500, Moscow only
		{"StroyMix LLC", "7707083893", "23", nil, 100},                      // all non-metallic minerals, up to 100
		{"MetallTorg LLC", "500100732259", "24", []string{"EKB", "MSK"}, 0}, // metals, Urals and Moscow
	}
	for _, s := range suppliers {
		p, err := company(s.name, s.inn)
		if err != nil {
			return err
		}
		c, err := code(s.code)
		if err != nil {
			return err
		}
		cmd := matching.Command{Kind: matching.CmdSubscribe, Participant: p, Category: c.ID, MaxQty: s.maxQty}
		for _, b := range s.bases {
			id, err := basis(b)
			if err != nil {
				return err
			}
			cmd.Bases = append(cmd.Bases, id)
		}
		if _, err := submit(cmd); err != nil {
			return fmt.Errorf("subscribe %s: %w", s.name, err)
		}
		filter := "any basis"
		if len(s.bases) > 0 {
			filter = strings.Join(s.bases, "/")
		}
		if s.maxQty > 0 {
			filter += fmt.Sprintf(", up to %d", s.maxQty)
		}
		fmt.Fprintf(w, "%-16s subscribes to %-5s %s (%s)\n", s.name, c.Code, c.Name, filter)
	}

	request := func(who catalog.ParticipantID, side matching.Side, c, b string, price catalog.Price, qty catalog.Qty) error {
		k, err := code(c)
		if err != nil {
			return err
		}
		bid, err := basis(b)
		if err != nil {
			return err
		}
		evs, err := submit(matching.Command{
			Kind: matching.CmdPlace, Participant: who, Category: k.ID, Basis: bid,
			Side: side, Type: matching.Limit, TIF: matching.GTC, Price: price, Qty: qty,
		})
		if err != nil {
			return err
		}
		what := "request"
		if side == matching.Sell {
			what = "offer"
		}
		fmt.Fprintf(w, "%s posts %s: %d %s of %s %s at %s\n", names[who], what, qty, k.Unit, k.Code, k.Name, b)
		var told []string
		for _, e := range evs {
			if e.Kind == matching.EventNotified {
				told = append(told, names[e.Participant])
			}
		}
		if len(told) == 0 {
			told = append(told, "nobody")
		}
		fmt.Fprintf(w, "  notified: %s\n", strings.Join(told, ", "))
		return nil
	}
	posts := []struct {
		side  matching.Side
		code  string
		basis string
		price catalog.Price
		qty   catalog.Qty
	}{
		{matching.Buy, "23.51.12", "MSK", 550000, 200},     // cement M500 in Moscow
		{matching.Buy, "23.51.13", "SPB", 500000, 60},      // cement M400 in St Petersburg
		{matching.Buy, "23.63.10", "SPB", 480000, 150},     // ready-mixed concrete, over StroyMix's 100
		{matching.Buy, "24.10.62.110", "EKB", 6500000, 40}, // rebar in Yekaterinburg
		{matching.Buy, "24.42.11", "NSK", 25000000, 10},    // aluminium in Novosibirsk
		{matching.Buy, "08.12.11", "MSK", 90000, 80},       // construction sand
	}
	for _, p := range posts {
		if err := request(buyer, p.side, p.code, p.basis, p.price, p.qty); err != nil {
			return err
		}
	}
	// A supplier's own offer is never announced to itself.
	ural := ids["Uralcement JSC"]
	if err := request(ural, matching.Sell, "23.51.12", "MSK", 600000, 300); err != nil {
		return err
	}

	evs, err = submit(matching.Command{Kind: matching.CmdListSubscriptions, Participant: ural})
	if err != nil {
		return err
	}
	for _, e := range evs {
		c, _ := cat.Taxonomy.ByID(e.Category)
		fmt.Fprintf(w, "Uralcement JSC holds subscription %d to %s\n", e.Subscription, c.Code)
	}
	total := x.TotalCounters()
	fmt.Fprintf(w, "notifications delivered: %d\n", total.Notifications)
	return nil
}
