package durable_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/journal"
	. "github.com/agora-exchange/agora/matching"
)

func kinds(evs []Event) []EventKind {
	var ks []EventKind
	for _, e := range evs {
		ks = append(ks, e.Kind)
	}
	return ks
}

// TestDurablePoolRecovers journals a clearing pool's life (orders placed,
// amended, cancelled, expired, cleared) with a snapshot in the middle, and
// recovers it: from the snapshot and the journal, to the same state, and
// it keeps clearing.
func TestDurablePoolRecovers(t *testing.T) {
	d, err := catalog.SampleCement()
	require.NoError(t, err)
	cfg := Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport}
	id := func(code string) catalog.CategoryID { c, _ := d.Taxonomy.ByCode(code); return c.ID }
	basis := func(code string) catalog.BasisID { b, _ := d.Bases.ByCode(code); return b.ID }
	root, leaf := id("23.51"), id("23.51.12")
	msk, tul := basis("MSK"), basis("TUL")
	m550, err := d.Grades.ByCode(root, "M550")
	require.NoError(t, err)
	m500, err := d.Grades.ByCode(root, "M500")
	require.NoError(t, err)

	dir := t.TempDir()
	opts := durable.Options{Journal: journal.Options{Mode: journal.ModeSync}}
	x, err := durable.Open(dir, cfg, opts)
	require.NoError(t, err)
	now := int64(100)
	run := func(x *Exchange, c Command) []Event {
		now++
		c.Time = now
		evs, _ := x.Submit(c, nil)
		return evs
	}
	var ps []catalog.ParticipantID
	for i := range 3 {
		p := run(x, Command{Kind: CmdRegister, Name: "Co", INN: duINN(500 + i)})[0].Participant
		run(x, Command{Kind: CmdSetStatus, Participant: p, Status: catalog.StatusVerified})
		ps = append(ps, p)
	}
	run(x, Command{Kind: CmdOpenPool, Category: root})
	r1 := run(x, Command{Kind: CmdPlace, Participant: ps[0], Category: root, Basis: msk, Side: Buy, Price: 70_000, Qty: 400})[0].OrderID
	run(x, Command{Kind: CmdPlace, Participant: ps[1], Category: leaf, Basis: tul, Side: Sell, Price: 60_000, Qty: 300, Grade: m550.Grade})
	require.NoError(t, durable.Of(x).Snapshot())
	run(x, Command{Kind: CmdAmend, Participant: ps[0], OrderID: r1, Price: 72_000, Qty: 350})
	require.Equal(t, EventAccepted, run(x, Command{Kind: CmdPlace, Participant: ps[2], Category: leaf, Basis: msk, Side: Sell, Price: 66_000, Qty: 100, Grade: m500.Grade, TIF: GTD, ExpireAt: now + 3})[0].Kind)
	run(x, Command{Kind: CmdExpire, Category: root})
	now += 5
	require.Equal(t, []EventKind{EventExpired}, kinds(run(x, Command{Kind: CmdExpire})))
	evs := run(x, Command{Kind: CmdClearPool, Category: root})
	require.Equal(t, EventPoolFill, evs[0].Kind)
	require.Equal(t, EventAccepted, run(x, Command{Kind: CmdPlace, Participant: ps[2], Category: leaf, Basis: msk, Side: Sell, Price: 69_000, Qty: 100, Grade: m500.Grade})[0].Kind)
	want, err := x.MarshalState()
	require.NoError(t, err)
	require.NoError(t, durable.Of(x).Close())

	y, err := durable.Open(dir, cfg, opts)
	require.NoError(t, err)
	require.Positive(t, durable.Of(y).Recovery().SnapshotSeq)
	got, err := y.MarshalState()
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.NoError(t, y.CheckInvariants())
	a := run(y, Command{Kind: CmdClearPool, Category: root})
	require.Equal(t, []EventKind{EventPoolFill, EventDone, EventPoolCleared}, kinds(a))
	require.NoError(t, durable.Of(y).Close())

	// The journal verifies to its last command.
	rep, err := durable.Verify(dir, cfg)
	require.NoError(t, err)
	require.Equal(t, y.Seq(), rep.LastSeq)
}
