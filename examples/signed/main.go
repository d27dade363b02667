// Command signed demonstrates Agora's signed commands. A buyer and two
// suppliers register Ed25519 keys, which the operator confirms; the
// exchange requires signatures on the tender market. The buyer opens a
// sealed tender, the suppliers bid with their keys, one supplier rotates
// its key in the middle of the tender, a captured bid is replayed and a
// bid is tampered with (both refused), and the buyer closes the tender,
// awarding it. Then it reads the exchange's ordered output feed and shows
// who signed each binding action. Last, an auditor holding only the
// exchange's journal directory re-verifies every signature with the key
// valid at its sequence number (audit.VerifySignatures, which
// cmd/agora-audit runs from the command line) and lists who signed each
// binding action, with the fingerprints of the keys to compare with the
// companies out of band.
//
//	go run ./examples/signed
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/matching"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "signed:", err)
		os.Exit(1)
	}
}

// party is a company with its current signing key.
type party struct {
	id    catalog.ParticipantID
	name  string
	key   matching.KeyID
	priv  ed25519.PrivateKey
	nonce uint64
}

func run(w io.Writer) error {
	// A durable exchange keeps its journal in dir; here a temporary one.
	dir, err := os.MkdirTemp("", "agora-signed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	x, err := durable.Open(dir, matching.Config{}, durable.Options{})
	if err != nil {
		return err
	}
	defer durable.Of(x).Close()
	cat := x.Catalog()
	cement, ok := cat.Taxonomy.ByCode("23.51.12")
	if !ok {
		return fmt.Errorf("sample catalog lacks 23.51.12")
	}
	moscow, ok := cat.Bases.ByCode("MSK")
	if !ok {
		return fmt.Errorf("sample catalog lacks MSK")
	}
	var evs []matching.Event
	submit := func(t int64, cmd matching.Command) ([]matching.Event, error) {
		cmd.Time = t
		var err error
		evs, err = x.Submit(cmd, evs[:0])
		return evs, err
	}
	must := func(t int64, cmd matching.Command) ([]matching.Event, error) {
		evs, err := submit(t, cmd)
		if err != nil {
			return nil, fmt.Errorf("%v: %w", cmd.Kind, err)
		}
		return evs, nil
	}
	// Keys come from fixed seeds so that the output is reproducible; a real
	// client generates them (ed25519.GenerateKey) and keeps them secret.
	newKey := func(p *party, seed byte, t int64) error {
		priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
		cmd := matching.Command{Kind: matching.CmdRegisterKey, Participant: p.id, KeyAlgorithm: matching.AlgEd25519,
			PublicKey: priv.Public().(ed25519.PublicKey), ValidUntil: 1_000}
		if p.key != 0 {
			cmd.Kind, cmd.KeyID = matching.CmdRotateKey, p.key
		}
		evs, err := must(t, cmd)
		if err != nil {
			return err
		}
		k := evs[0].KeyID
		if _, err := must(t, matching.Command{Kind: matching.CmdConfirmKey, Participant: p.id, KeyID: k}); err != nil {
			return err
		}
		p.key, p.priv = k, priv
		return nil
	}
	sign := func(p *party, cmd matching.Command) matching.Command {
		p.nonce++
		cmd.Participant, cmd.KeyID, cmd.Nonce = p.id, p.key, p.nonce
		matching.SignEd25519(&cmd, p.priv)
		return cmd
	}
	parties := map[catalog.ParticipantID]*party{}
	company := func(name, inn string, seed byte) (*party, error) {
		evs, err := must(0, matching.Command{Kind: matching.CmdRegister, Name: name, INN: inn})
		if err != nil {
			return nil, err
		}
		p := &party{id: evs[0].Participant, name: name}
		if _, err := must(0, matching.Command{Kind: matching.CmdSetStatus, Participant: p.id, Status: catalog.StatusVerified}); err != nil {
			return nil, err
		}
		parties[p.id] = p
		return p, newKey(p, seed, 0)
	}
	buyer, err := company("Gorod Development JSC", "7736207543", 1)
	if err != nil {
		return err
	}
	ural, err := company("Uralcement JSC", "6658008627", 2)
	if err != nil {
		return err
	}
	torg, err := company("CementTorg LLC", "5001007329", 3)
	if err != nil {
		return err
	}
	if _, err := must(0, matching.Command{Kind: matching.CmdSetSignPolicy, Category: cement.ID, Basis: moscow.ID, SignPolicy: matching.SignRequired}); err != nil {
		return err
	}

	send := submit
	evs, err = send(10, sign(buyer, matching.Command{Kind: matching.CmdOpenTender, Category: cement.ID, Basis: moscow.ID, Qty: 500,
		CloseAt: 100, TenderMode: matching.TenderSealed, Evaluation: matching.EvalLowestPrice}))
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	tender := evs[0].Tender
	bid := func(p *party, price catalog.Price) matching.Command {
		return sign(p, matching.Command{Kind: matching.CmdBid, Tender: tender, Price: price, Qty: 500, LeadTime: 7})
	}
	first := bid(ural, 545_000)
	if _, err := send(20, first); err != nil {
		return fmt.Errorf("bid: %w", err)
	}
	if _, err := send(25, bid(torg, 548_000)); err != nil {
		return fmt.Errorf("bid: %w", err)
	}
	// A captured bid sent again, and a bid changed after signing.
	if _, err := submit(30, first); err != nil {
		fmt.Fprintf(w, "t=30  replayed bid of %s refused: %v\n", ural.name, err)
	}
	tampered := bid(torg, 547_000)
	tampered.Price = 500_000
	if _, err := submit(35, tampered); err != nil {
		fmt.Fprintf(w, "t=35  tampered bid of %s refused: %v\n", torg.name, err)
	}
	// Uralcement rotates its key; its earlier bid stands.
	old := ural.key
	if err := newKey(ural, 4, 40); err != nil {
		return err
	}
	fmt.Fprintf(w, "t=40  %s rotates key %d to key %d\n", ural.name, old, ural.key)
	if _, err := send(50, bid(ural, 542_000)); err != nil {
		return fmt.Errorf("bid: %w", err)
	}
	if _, err := send(100, sign(buyer, matching.Command{Kind: matching.CmdCloseTender, Tender: tender})); err != nil {
		return fmt.Errorf("close: %w", err)
	}

	// Who signed each binding action, from the ordered output feed.
	fmt.Fprintln(w, "signed actions in the feed:")
	r := x.Feed(1)
	for r.Pos() <= x.Seq() {
		seq, out, err := r.Next(context.Background(), nil)
		if err != nil {
			return err
		}
		if len(out) == 0 || out[0].KeyID == 0 || !matching.Binding(out[0].Command) {
			continue
		}
		k, _ := x.Key(out[0].KeyID)
		fmt.Fprintf(w, "  seq %2d  %-12v signed by %-22s with key %d (%v):", seq, out[0].Command, parties[k.Owner].name, k.ID, k.Algorithm)
		for _, e := range out {
			switch e.Kind {
			case matching.EventBidAccepted:
				fmt.Fprintf(w, " bid %d.%02d RUB/t", e.Price/100, e.Price%100)
			case matching.EventAwarded:
				fmt.Fprintf(w, " award to %s %d t at %d.%02d RUB/t", parties[e.Participant].name, e.Qty, e.Price/100, e.Price%100)
			case matching.EventTenderOpened:
				fmt.Fprintf(w, " tender %d for %d t", e.Tender, e.Qty)
			}
		}
		fmt.Fprintln(w)
	}

	if err := durable.Of(x).Close(); err != nil {
		return err
	}

	// The auditor holds the journal directory only: it re-verifies the
	// audit chain and every signature, with the keys as the exchange knew
	// them at each sequence number.
	fmt.Fprintln(w, "the auditor re-verifies the journal:")
	rep, err := audit.VerifySignatures(dir, engine.Config{}, audit.SignatureOptions{OnSigner: func(s *audit.Signer) error {
		if s.KeyID == 0 {
			fmt.Fprintf(w, "  seq %2d  %-12v unsigned\n", s.Seq, s.Kind)
			return nil
		}
		verdict := "accepted"
		if s.Rejected != matching.ReasonNone {
			verdict = "refused: " + s.Rejected.String()
		}
		fmt.Fprintf(w, "  seq %2d  %-12v %-22s key %d %v %x valid=%-5v %s\n",
			s.Seq, s.Kind, parties[s.Participant].name, s.KeyID, s.Algorithm, s.Fingerprint[:4], s.Valid, verdict)
		return nil
	}})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	c := rep.Signatures
	fmt.Fprintf(w, "audit passed: %d binding actions, %d with a valid signature, %d refused\n", c.Binding, c.Valid, c.Rejected)
	fmt.Fprintln(w, "keys to compare with the companies out of band:")
	for _, k := range rep.Keys {
		fmt.Fprintf(w, "  key %d of %-22s %v SHA-256 %x\n", k.ID, parties[k.Owner].name, k.Algorithm, audit.Fingerprint(k.PublicKey))
	}
	return nil
}
