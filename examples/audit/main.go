// Command audit demonstrates Agora's tamper-evident journal. It trades
// through a durable exchange in a temporary directory, anchors the audit
// chain head, verifies the journal (OK), then changes the price of one
// journaled order by rewriting a single byte and fixing that record's
// CRC-32C, so that only the audit chain can notice, and verifies again: the
// verification names the tampered record. It exits 0 when all of that
// happens as expected.
//
//	go run ./examples/audit
//
// A journal segment (package journal) is a 22-byte header followed by
// frames (length, CRC-32C of seq and payload, seq, payload); package
// journaltest finds a record's frame and fixes its CRC after the change.
// A payload written by the durable exchange (package durable; the
// format is package audit's) is
//
//	version uint8     1
//	command []byte    matching.AppendCommand encoding
//	chain   [32]byte  h_seq = SHA-256(h_seq-1 ‖ seq ‖ len ‖ command ‖ n ‖ events)
package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/journal/journaltest"
	"github.com/agora-exchange/agora/matching"
)

const chainBytes = 32

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "audit:", err)
		os.Exit(1)
	}
}

func rub(p catalog.Price) string { return fmt.Sprintf("%d.%02d RUB/t", p/100, p%100) }

func run(w io.Writer) error {
	dir, err := os.MkdirTemp("", "agora-audit-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cat, err := catalog.Sample()
	if err != nil {
		return err
	}
	cfg := matching.Config{Catalog: cat}

	// 1. Trade through a durable exchange (group commit: every Submit
	// returns only once its command is on disk).
	x, err := durable.Open(dir, cfg, durable.Options{})
	if err != nil {
		return err
	}
	cement, _ := cat.Taxonomy.ByCode("23.51.12")
	msk, _ := cat.Bases.ByCode("MSK")
	var evs []matching.Event
	t := int64(0)
	submit := func(c matching.Command) error {
		t++
		c.Time = t
		var err error
		evs, err = x.Submit(c, evs[:0])
		return err
	}
	names := []string{"Gorod Development JSC", "Novoroscement JSC", "Uralcement JSC"}
	inns := []string{"7707083893", "7728168971", "5003052454"}
	ids := make([]catalog.ParticipantID, len(names))
	for i := range names {
		if err := submit(matching.Command{Kind: matching.CmdRegister, Name: names[i], INN: inns[i]}); err != nil {
			return err
		}
		ids[i] = evs[0].Participant
		if err := submit(matching.Command{Kind: matching.CmdSetStatus, Participant: ids[i], Status: catalog.StatusVerified}); err != nil {
			return err
		}
	}
	order := func(p catalog.ParticipantID, side matching.Side, price catalog.Price, qty catalog.Qty) error {
		return submit(matching.Command{
			Kind: matching.CmdPlace, Participant: p, Category: cement.ID, Basis: msk.ID,
			Side: side, Type: matching.Limit, TIF: matching.GTC, Price: price, Qty: qty,
		})
	}
	if err := order(ids[1], matching.Sell, 540000, 200); err != nil {
		return err
	}
	offerSeq := x.Seq()
	steps := []struct {
		p     catalog.ParticipantID
		side  matching.Side
		price catalog.Price
		qty   catalog.Qty
	}{
		{ids[2], matching.Sell, 545000, 300},
		{ids[0], matching.Buy, 545000, 400},
		{ids[0], matching.Buy, 530000, 100},
	}
	fills := 0
	for _, s := range steps {
		if err := order(s.p, s.side, s.price, s.qty); err != nil {
			return err
		}
		for _, e := range evs {
			if e.Kind == matching.EventFill {
				fills++
				fmt.Fprintf(w, "seq %d: fill %d t at %s (maker order %d)\n", e.Seq, e.Qty, rub(e.Price), e.MakerOrderID)
			}
		}
	}
	seq, head, _ := durable.Of(x).AuditHead()
	fmt.Fprintf(w, "journaled %d commands, %d fills; anchor: seq %d head %s\n", seq, fills, seq, hex.EncodeToString(head[:8]))
	if err := durable.Of(x).Close(); err != nil {
		return err
	}

	// 2. Verify: every record re-executes to its stored hash.
	rep, err := durable.Verify(dir, cfg)
	if err != nil {
		return fmt.Errorf("clean journal failed verification: %w", err)
	}
	if rep.Head != head || rep.LastSeq != seq {
		return errors.New("recomputed head differs from the anchored one")
	}
	fmt.Fprintf(w, "verify: records %d..%d OK, head %s matches the anchor\n", rep.FirstSeq, rep.LastSeq, hex.EncodeToString(rep.Head[:8]))

	// 3. Tamper: lower the price of the first offer by rewriting one byte
	// of its record, and fix the frame's CRC-32C.
	seg, err := journaltest.ReadSegment(dir, 1)
	if err != nil {
		return err
	}
	fr, ok := journaltest.FrameOf(seg, offerSeq)
	if !ok {
		return fmt.Errorf("seq %d not in the first segment", offerSeq)
	}
	off := fr.Off
	payload := fr.Payload(seg)
	cmdBytes := payload[1 : len(payload)-chainBytes]
	cmd, _, err := matching.DecodeCommand(cmdBytes)
	if err != nil {
		return err
	}
	pos, forged, err := oneByteForgery(cmd, cmdBytes)
	if err != nil {
		return err
	}
	cmdBytes[pos] = forged.b
	journaltest.FixCRC(seg, fr)
	file, err := journaltest.WriteSegment(dir, 1, seg)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "tamper: seq %d at offset %d: price %s -> %s (1 byte changed, CRC-32C fixed)\n", offerSeq, off, rub(cmd.Price), rub(forged.price))

	// 4. Verify again: the chain names the record.
	rep, err = durable.Verify(dir, cfg)
	if !errors.Is(err, audit.ErrMismatch) || rep.Bad == nil {
		return fmt.Errorf("tampered journal passed verification (err %v)", err)
	}
	if rep.Bad.Seq != offerSeq || rep.Bad.Offset != int64(off) || rep.Bad.File != file {
		return fmt.Errorf("verification blamed %v, want seq %d at offset %d", rep.Bad, offerSeq, off)
	}
	fmt.Fprintf(w, "verify: first bad record: seq %d in %s at offset %d\n", rep.Bad.Seq, filepath.Base(rep.Bad.File), rep.Bad.Offset)
	if _, err := durable.Open(dir, cfg, durable.Options{}); !errors.Is(err, audit.ErrMismatch) {
		return fmt.Errorf("open accepted the tampered journal (err %v)", err)
	}
	fmt.Fprintln(w, "open: refused (audit chain mismatch)")
	return nil
}

type forgery struct {
	b     byte
	price catalog.Price
}

// oneByteForgery finds a lower price, a multiple of the tick, whose
// encoding differs from the original's in exactly one byte.
func oneByteForgery(cmd matching.Command, orig []byte) (int, forgery, error) {
	for d := catalog.Price(100); d <= 100_000; d += 100 {
		c := cmd
		c.Price -= d
		enc := matching.AppendCommand(nil, &c)
		if len(enc) != len(orig) {
			continue
		}
		pos, diffs := -1, 0
		for i := range enc {
			if enc[i] != orig[i] {
				pos, diffs = i, diffs+1
			}
		}
		if diffs == 1 && bytes.Equal(enc[:pos], orig[:pos]) {
			return pos, forgery{b: enc[pos], price: c.Price}, nil
		}
	}
	return 0, forgery{}, errors.New("no one-byte forgery found")
}
