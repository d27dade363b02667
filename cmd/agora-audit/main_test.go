package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/journal/journaltest"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/wire"
)

type co struct {
	id    catalog.ParticipantID
	key   wire.KeyID
	priv  ed25519.PrivateKey
	nonce uint64
}

// journalDir writes a durable exchange where two companies trade signed
// orders; with forge, a trusting exchange also accepts an order flagged
// verified whose signature is another company's. It returns the
// directory, the companies and the sequence number of the last signed
// order of the first one.
func journalDir(t *testing.T, forge bool) (string, []*co, uint64) {
	dir := t.TempDir()
	x, err := durable.Open(dir, matching.Config{TrustVerified: forge}, durable.Options{Journal: journal.Options{Mode: journal.ModeAsync}})
	require.NoError(t, err)
	sub := func(cmd wire.Command) []wire.Event {
		if forge && !cmd.SignatureVerified && len(cmd.Signature) != 0 {
			x.Verify(&cmd)
		}
		evs, err := x.Submit(cmd, nil)
		require.NoError(t, err, "%v", cmd.Kind)
		return evs
	}
	cement, _ := x.Catalog().Taxonomy.ByCode("23.51.12")
	msk, _ := x.Catalog().Bases.ByCode("MSK")
	var cos []*co
	for i, inn := range []string{"6658008627", "7736207543"} {
		c := &co{id: sub(wire.Command{Kind: wire.CmdRegister, Name: "Co " + inn, INN: inn})[0].Participant}
		sub(wire.Command{Kind: wire.CmdSetStatus, Participant: c.id, Status: catalog.StatusVerified})
		c.priv = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(i + 1)}, ed25519.SeedSize))
		c.key = sub(wire.Command{Kind: wire.CmdRegisterKey, Participant: c.id, KeyAlgorithm: wire.AlgEd25519,
			PublicKey: c.priv.Public().(ed25519.PublicKey), ValidUntil: 1000})[0].KeyID
		sub(wire.Command{Kind: wire.CmdConfirmKey, Participant: c.id, KeyID: c.key})
		cos = append(cos, c)
	}
	sub(wire.Command{Kind: wire.CmdSetSignPolicy, SignPolicy: wire.SignRequired})
	var last uint64
	place := func(c *co, side wire.Side, price catalog.Price) wire.Command {
		c.nonce++
		cmd := wire.Command{Kind: wire.CmdPlace, Time: 10, Participant: c.id, KeyID: c.key, Nonce: c.nonce,
			Category: cement.ID, Basis: msk.ID, Side: side, Type: wire.Limit, TIF: wire.GTC, Price: price, Qty: 30}
		wire.SignEd25519(&cmd, c.priv)
		return cmd
	}
	sub(place(cos[0], wire.Sell, 500_000))
	last = x.Seq()
	sub(place(cos[1], wire.Buy, 500_000))
	if forge {
		cmd := place(cos[1], wire.Buy, 490_000)
		cmd.Participant, cmd.KeyID, cmd.SignatureVerified = cos[0].id, cos[0].key, true
		sub(cmd)
		last = x.Seq()
	}
	require.NoError(t, durable.Of(x).Close())
	return dir, cos, last
}

func runIt(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestGoodJournal(t *testing.T) {
	dir, cos, _ := journalDir(t, false)
	code, out, errs := runIt(dir)
	require.Equal(t, 0, code, errs)
	t.Log(out)
	require.Contains(t, out, "place  participant 1  key 1 ed25519")
	require.Contains(t, out, "signature valid, flagged verified, accepted")
	require.Contains(t, out, "OK: 2 binding actions, 2 signed, 2 with a valid signature, 0 refused by the engine")
	fp := audit.Fingerprint(cos[0].priv.Public().(ed25519.PublicKey))
	require.Contains(t, out, "key 1  participant 1 \"Co 6658008627\" INN 6658008627  ed25519  SHA-256 "+hex.EncodeToString(fp[:]))

	// With both companies' keys handed over out of band.
	keys := filepath.Join(t.TempDir(), "keys")
	pub0, pub1 := cos[0].priv.Public().(ed25519.PublicKey), cos[1].priv.Public().(ed25519.PublicKey)
	require.NoError(t, os.WriteFile(keys, []byte("# trusted\ned25519 "+hex.EncodeToString(pub0)+" Uralcement INN 6658008627\n\ned25519 "+
		base64.StdEncoding.EncodeToString(pub1)+" Gorod\n"), 0o644))
	code, out, errs = runIt("-keys", keys, dir)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "trusted: Uralcement INN 6658008627")
	require.Contains(t, out, "trusted: Gorod")

	// Without the second company's key the check fails at its order.
	require.NoError(t, os.WriteFile(keys, []byte("ed25519 "+hex.EncodeToString(pub0)+"\n"), 0o644))
	code, out, errs = runIt("-q", "-keys", keys, dir)
	require.Equal(t, 1, code)
	require.Contains(t, errs, "not trusted")
	require.Contains(t, errs, "participant 2, key 2")
	require.NotContains(t, out, "OK")
}

// A signature byte flipped, with the CRC and the chain recomputed, fails
// naming the record.
func TestFlippedSignature(t *testing.T) {
	dir, cos, seq := journalDir(t, false)
	seg, err := journaltest.ReadSegment(dir, 1)
	require.NoError(t, err)
	frames, err := journaltest.Frames(seg)
	require.NoError(t, err)
	eng, err := engine.New(engine.Config{})
	require.NoError(t, err)
	var h audit.Hasher
	var chain [audit.ChainSize]byte
	for i, f := range frames {
		p := f.Payload(seg)
		enc := p[1 : len(p)-audit.ChainSize]
		cmd, err := audit.DecodeCommand(enc)
		require.NoError(t, err)
		if uint64(i+1) == seq {
			enc[bytes.Index(enc, cmd.Signature)+5] ^= 0x20
			cmd, err = audit.DecodeCommand(enc)
			require.NoError(t, err)
		}
		evs, _ := eng.Apply(uint64(i+1), &cmd, nil)
		chain = h.Next(&chain, uint64(i+1), enc, evs)
		copy(p[len(p)-audit.ChainSize:], chain[:])
	}
	journaltest.FixCRCs(seg)
	_, err = journaltest.WriteSegment(dir, 1, seg)
	require.NoError(t, err)
	_, err = audit.Verify(dir, engine.Config{})
	require.NoError(t, err, "the chain check passes")

	code, out, errs := runIt(dir)
	require.Equal(t, 1, code)
	require.Contains(t, out, "signature INVALID")
	require.Contains(t, errs, "FAILED at seq "+itoa(seq)+" in ")
	require.Contains(t, errs, "participant "+itoa(uint64(cos[0].id))+", key 1")
	require.Contains(t, errs, "signature does not verify")
}

// An order flagged verified by a lying gateway fails naming it.
func TestLyingGateway(t *testing.T) {
	dir, _, seq := journalDir(t, true)
	code, _, errs := runIt("-q", dir)
	require.Equal(t, 1, code)
	require.Contains(t, errs, "FAILED at seq "+itoa(seq)+" in ")
	require.Contains(t, errs, "signature does not verify")
}

func TestUsage(t *testing.T) {
	code, _, errs := runIt()
	require.Equal(t, 2, code)
	require.Contains(t, errs, "usage: agora-audit")
	bad := filepath.Join(t.TempDir(), "keys")
	require.NoError(t, os.WriteFile(bad, []byte("rsa AAAA\n"), 0o644))
	code, _, errs = runIt("-keys", bad, t.TempDir())
	require.Equal(t, 2, code)
	require.True(t, strings.Contains(errs, "unknown algorithm"), errs)
	code, _, _ = runIt(filepath.Join(t.TempDir(), "missing"))
	require.Equal(t, 1, code)
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
