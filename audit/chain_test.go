package audit_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/audit"
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
