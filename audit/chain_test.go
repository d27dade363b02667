package audit_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/wire"
)

// A record round-trips, a damaged one is refused with ErrBadRecord, and the
// replayer refuses gaps and hash mismatches.
func TestRecordAndReplay(t *testing.T) {
	cmd := wire.Command{Kind: wire.CmdRegister, Time: 1, Name: "Co", INN: "7707083893"}
	enc := wire.AppendCommand(nil, &cmd)
	var h audit.Hasher
	var zero [audit.ChainSize]byte
	eng, err := engine.New(engine.Config{})
	require.NoError(t, err)
	evs, err := eng.Apply(1, &cmd, nil)
	require.NoError(t, err)
	chain := h.Next(&zero, 1, enc, evs)
	require.NotEqual(t, zero, chain)
	again := h.Next(&zero, 1, enc, evs)
	require.Equal(t, chain, again, "the hash is a function of its inputs")
	require.NotEqual(t, chain, h.Next(&zero, 2, enc, evs), "the seq is covered")

	p := audit.AppendRecord(nil, enc, &chain)
	require.Len(t, p, len(enc)+audit.RecordOverhead)
	got, stored, err := audit.SplitRecord(p)
	require.NoError(t, err)
	require.Equal(t, enc, got)
	require.Equal(t, chain, stored)
	c, err := audit.DecodeCommand(got)
	require.NoError(t, err)
	require.Equal(t, cmd.INN, c.INN)

	_, _, err = audit.SplitRecord(p[:audit.RecordOverhead-1])
	require.ErrorIs(t, err, audit.ErrBadRecord)
	bad := append([]byte(nil), p...)
	bad[0] = 2
	_, _, err = audit.SplitRecord(bad)
	require.ErrorIs(t, err, audit.ErrBadRecord)
	_, err = audit.DecodeCommand(append(append([]byte(nil), enc...), 0))
	require.ErrorIs(t, err, audit.ErrBadRecord)

	// Replay on a fresh engine: the record verifies; a gap or a changed
	// hash does not.
	fresh, err := engine.New(engine.Config{})
	require.NoError(t, err)
	r := audit.NewReplayer(fresh, 0)
	var head [audit.ChainSize]byte
	_, err = r.Replay(&h, &head, journal.Record{Seq: 2, Payload: p}, nil)
	require.ErrorIs(t, err, audit.ErrJournalGap)
	forged := append([]byte(nil), p...)
	forged[len(forged)-1] ^= 1
	_, err = r.Replay(&h, &head, journal.Record{Seq: 1, Payload: forged}, nil)
	require.ErrorIs(t, err, audit.ErrMismatch)
	require.Equal(t, zero, head, "a mismatch leaves the chain where it was")

	fresh, err = engine.New(engine.Config{})
	require.NoError(t, err)
	r = audit.NewReplayer(fresh, 0)
	out, err := r.Replay(&h, &head, journal.Record{Seq: 1, Payload: p}, nil)
	require.NoError(t, err)
	require.Equal(t, evs, out)
	require.Equal(t, chain, head)
	require.Equal(t, uint64(1), r.Seq())
	require.Same(t, fresh, r.Engine())
}

// A RecordDecoder and ApplyDecoded, the two halves of Apply, give what
// Apply gives, and refuse what it refuses.
func TestDecodeThenApplyDecoded(t *testing.T) {
	var zero [audit.ChainSize]byte
	cmds := []wire.Command{
		{Kind: wire.CmdRegister, Time: 1, Name: "Co", INN: "7707083893"},
		{Kind: wire.CmdRegister, Time: 2, Name: "Other", INN: "7728168971"},
	}
	var records []journal.Record
	for i := range cmds {
		enc := wire.AppendCommand(nil, &cmds[i])
		records = append(records, journal.Record{Seq: uint64(i + 1), Payload: audit.AppendRecord(nil, enc, &zero)})
	}
	whole, err := engine.New(engine.Config{})
	require.NoError(t, err)
	halves, err := engine.New(engine.Config{})
	require.NoError(t, err)
	ra, rb := audit.NewReplayer(whole, 0), audit.NewReplayer(halves, 0)
	d := audit.NewRecordDecoder(0)

	var cmd wire.Command
	_, _, err = d.Decode(records[1], &cmd)
	require.ErrorIs(t, err, audit.ErrJournalGap)
	bad := journal.Record{Seq: 1, Payload: append([]byte{9}, records[0].Payload[1:]...)}
	_, _, err = d.Decode(bad, &cmd)
	require.ErrorIs(t, err, audit.ErrBadRecord)
	require.Zero(t, d.Seq(), "a refused record is still the one expected")
	for _, rec := range records {
		wantBytes, wantStored, wantEvs, err := ra.Apply(rec, nil)
		require.NoError(t, err)
		gotBytes, gotStored, err := d.Decode(rec, &cmd)
		require.NoError(t, err)
		require.Equal(t, rec.Seq, d.Seq())
		require.Equal(t, wantBytes, gotBytes)
		require.Equal(t, wantStored, gotStored)
		_, err = rb.ApplyDecoded(rec.Seq+1, &cmd, nil)
		require.ErrorIs(t, err, audit.ErrJournalGap)
		gotEvs, err := rb.ApplyDecoded(rec.Seq, &cmd, nil)
		require.NoError(t, err)
		require.Equal(t, wantEvs, gotEvs)
		require.Equal(t, rec.Seq, rb.Seq())
	}
	require.Equal(t, whole.AppendState(nil, 2, &zero), halves.AppendState(nil, 2, &zero))
}

// Replaying an order's place and cancel records allocates nothing once
// the engine is warm: recovery decodes each command into the replayer's
// own Command.
func TestReplayerApplyAllocatesNothing(t *testing.T) {
	src, err := engine.New(engine.Config{})
	require.NoError(t, err)
	cement, _ := src.Catalog().Taxonomy.ByCode("23.51.12")
	msk, _ := src.Catalog().Bases.ByCode("MSK")
	var records []journal.Record
	var zero [audit.ChainSize]byte
	var evs []wire.Event
	apply := func(cmd wire.Command) []wire.Event {
		seq := uint64(len(records) + 1)
		evs, err = src.Apply(seq, &cmd, evs[:0])
		require.NoError(t, err)
		enc := wire.AppendCommand(nil, &cmd)
		records = append(records, journal.Record{Seq: seq, Payload: audit.AppendRecord(nil, enc, &zero)})
		return evs
	}
	who := apply(wire.Command{Kind: wire.CmdRegister, Time: 1, Name: "Cement Works JSC", INN: "7707083893"})[0].Participant
	apply(wire.Command{Kind: wire.CmdSetStatus, Time: 1, Participant: who, Status: catalog.StatusVerified})
	const pairs = 1200
	for i := range pairs {
		placed := apply(wire.Command{Kind: wire.CmdPlace, Time: int64(2 + i), Participant: who, Category: cement.ID, Basis: msk.ID,
			Side: wire.Sell, Type: wire.Limit, TIF: wire.GTC, Price: catalog.Price(500_000 + 100*(i%7)), Qty: 30})
		apply(wire.Command{Kind: wire.CmdCancel, Time: int64(2 + i), Participant: who, OrderID: placed[0].OrderID})
	}

	dst, err := engine.New(engine.Config{})
	require.NoError(t, err)
	r := audit.NewReplayer(dst, 0)
	next := 0
	replay := func() {
		var err error
		_, _, evs, err = r.Apply(records[next], evs[:0])
		if err != nil {
			t.Fatal(err)
		}
		next++
	}
	for next < 2+2*100 { // the registry, the market and the book warm up
		replay()
	}
	allocs := testing.AllocsPerRun(1000, func() { replay(); replay() })
	require.Zero(t, allocs, "allocations per replayed place and cancel")
	require.Equal(t, uint64(next), r.Seq())
}
