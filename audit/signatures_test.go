package audit_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"path/filepath"
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

// sparty is a company with its current signing key.
type sparty struct {
	id    catalog.ParticipantID
	key   wire.KeyID
	priv  ed25519.PrivateKey
	nonce uint64
}

// sigScenario drives a durable exchange through signed commands and
// remembers the sequence numbers of interest.
type sigScenario struct {
	t   testing.TB
	x   *matching.Exchange
	dir string
	mkt wire.MarketKey

	buyer, ural, torg *sparty
	tender            wire.TenderID
	uralOld           wire.KeyID
	// trust: the exchange trusts the flag, so submit plays an honest
	// gateway and verifies every signed command that is not flagged yet.
	trust bool
	// seqs of the signed commands the exchange accepted, by name.
	seq map[string]uint64
}

func newSigScenario(t testing.TB, cfg matching.Config) *sigScenario {
	return newSigScenarioOpts(t, cfg, journal.Options{Mode: journal.ModeAsync})
}

func newSigScenarioOpts(t testing.TB, cfg matching.Config, jo journal.Options) *sigScenario {
	dir := t.TempDir()
	x, err := durable.Open(dir, cfg, durable.Options{Journal: jo})
	require.NoError(t, err)
	s := &sigScenario{t: t, x: x, dir: dir, seq: map[string]uint64{}, trust: cfg.TrustVerified}
	cat := x.Catalog()
	cement, _ := cat.Taxonomy.ByCode("23.51.12")
	msk, _ := cat.Bases.ByCode("MSK")
	s.mkt = wire.MarketKey{Category: cement.ID, Basis: msk.ID}
	s.buyer = s.company("Gorod Development JSC", "7736207543", 1)
	s.ural = s.company("Uralcement JSC", "6658008627", 2)
	s.torg = s.company("CementTorg LLC", "5001007329", 3)
	s.must(0, wire.Command{Kind: wire.CmdSetSignPolicy, Category: s.mkt.Category, Basis: s.mkt.Basis, SignPolicy: wire.SignRequired})
	return s
}

func (s *sigScenario) submit(t int64, cmd wire.Command) ([]wire.Event, error) {
	cmd.Time = t
	if s.trust && !cmd.SignatureVerified && len(cmd.Signature) != 0 {
		s.x.Verify(&cmd)
	}
	return s.x.Submit(cmd, nil)
}

func (s *sigScenario) must(t int64, cmd wire.Command) []wire.Event {
	evs, err := s.submit(t, cmd)
	require.NoError(s.t, err, "%v", cmd.Kind)
	return evs
}

// newKey registers (or rotates to) a key from seed and confirms it.
func (s *sigScenario) newKey(p *sparty, seed byte, t int64) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	cmd := wire.Command{Kind: wire.CmdRegisterKey, Participant: p.id, KeyAlgorithm: wire.AlgEd25519,
		PublicKey: priv.Public().(ed25519.PublicKey), ValidUntil: 1_000}
	if p.key != 0 {
		cmd.Kind, cmd.KeyID = wire.CmdRotateKey, p.key
	}
	k := s.must(t, cmd)[0].KeyID
	s.must(t, wire.Command{Kind: wire.CmdConfirmKey, Participant: p.id, KeyID: k})
	p.key, p.priv = k, priv
}

func (s *sigScenario) company(name, inn string, seed byte) *sparty {
	p := &sparty{id: s.must(0, wire.Command{Kind: wire.CmdRegister, Name: name, INN: inn})[0].Participant}
	s.must(0, wire.Command{Kind: wire.CmdSetStatus, Participant: p.id, Status: catalog.StatusVerified})
	s.newKey(p, seed, 0)
	return p
}

func (s *sigScenario) sign(p *sparty, cmd wire.Command) wire.Command {
	p.nonce++
	cmd.Participant, cmd.KeyID, cmd.Nonce = p.id, p.key, p.nonce
	wire.SignEd25519(&cmd, p.priv)
	return cmd
}

// signed submits a signed command that must be accepted and names it.
func (s *sigScenario) signed(name string, t int64, cmd wire.Command) []wire.Event {
	evs := s.must(t, cmd)
	s.seq[name] = s.x.Seq()
	return evs
}

func (s *sigScenario) bid(p *sparty, price catalog.Price) wire.Command {
	return s.sign(p, wire.Command{Kind: wire.CmdBid, Tender: s.tender, Price: price, Qty: 500, LeadTime: 7})
}

// tenderRun: the buyer opens a tender, both suppliers bid, Uralcement
// rotates its key and bids again, CementTorg's key is revoked after its
// bid, a tampered bid is refused, and the buyer closes the tender.
func (s *sigScenario) tenderRun() {
	evs := s.signed("open", 10, s.sign(s.buyer, wire.Command{Kind: wire.CmdOpenTender, Category: s.mkt.Category, Basis: s.mkt.Basis,
		Qty: 500, CloseAt: 100, TenderMode: wire.TenderSealed, Evaluation: wire.EvalLowestPrice}))
	s.tender = evs[0].Tender
	s.signed("ural1", 20, s.bid(s.ural, 545_000))
	s.signed("torg", 25, s.bid(s.torg, 548_000))
	tampered := s.bid(s.torg, 547_000)
	tampered.Price = 500_000
	_, err := s.submit(30, tampered)
	require.ErrorIs(s.t, err, wire.ErrSignatureInvalid)
	s.seq["tampered"] = s.x.Seq()
	s.uralOld = s.ural.key
	s.newKey(s.ural, 4, 40)
	s.must(45, wire.Command{Kind: wire.CmdRevokeKey, Participant: s.torg.id, KeyID: s.torg.key})
	s.signed("ural2", 50, s.bid(s.ural, 542_000))
	s.signed("close", 100, s.sign(s.buyer, wire.Command{Kind: wire.CmdCloseTender, Tender: s.tender}))
}

func (s *sigScenario) close() string {
	require.NoError(s.t, durable.Of(s.x).Close())
	return s.dir
}

func sigCheck(t testing.TB, dir string, opts audit.SignatureOptions) ([]audit.Signer, audit.Report, error) {
	var got []audit.Signer
	opts.OnSigner = func(s *audit.Signer) error {
		got = append(got, *s)
		return nil
	}
	rep, err := audit.VerifySignatures(dir, engine.Config{}, opts)
	return got, rep, err
}

func signerAt(t testing.TB, got []audit.Signer, seq uint64) audit.Signer {
	for _, s := range got {
		if s.Seq == seq {
			return s
		}
	}
	t.Fatalf("no signer reported at seq %d", seq)
	return audit.Signer{}
}

// rewrite changes the command of record seq in dir with edit, then
// recomputes the audit chain of that record and of every later one and
// the CRC-32C of every frame, so that the journal passes the chain check.
func rewrite(t testing.TB, dir string, seq uint64, edit func(enc []byte, cmd *wire.Command) []byte) {
	segs, err := journaltest.Segments(dir)
	require.NoError(t, err)
	require.Len(t, segs, 1)
	seg, err := journaltest.ReadSegment(dir, segs[0])
	require.NoError(t, err)
	frames, err := journaltest.Frames(seg)
	require.NoError(t, err)
	var out []byte
	out = append(out, seg[:frames[0].Off]...)
	eng, err := engine.New(engine.Config{})
	require.NoError(t, err)
	var h audit.Hasher
	var chain [audit.ChainSize]byte
	for i, f := range frames {
		s := uint64(i) + segs[0]
		enc, _, err := audit.SplitRecord(f.Payload(seg))
		require.NoError(t, err)
		if s == seq {
			cmd, err := audit.DecodeCommand(enc)
			require.NoError(t, err)
			enc = edit(bytes.Clone(enc), &cmd)
		}
		cmd, err := audit.DecodeCommand(enc)
		require.NoError(t, err)
		evs, _ := eng.Apply(s, &cmd, nil)
		chain = h.Next(&chain, s, enc, evs)
		out = journaltest.AppendFrame(out, s, audit.AppendRecord(nil, enc, &chain))
	}
	_, err = journaltest.WriteSegment(dir, segs[0], out)
	require.NoError(t, err)
	_, err = audit.Verify(dir, engine.Config{})
	require.NoError(t, err, "the rewritten journal must pass the chain check")
}

// A signed journal verifies: every binding command is listed with its
// signer, rotation keeps the earlier bid valid under the old key, a
// revoked key still verifies what it signed before, and the refused
// tampered bid is reported without failing the check.
func TestVerifySignaturesGood(t *testing.T) {
	s := newSigScenario(t, matching.Config{})
	s.tenderRun()
	oldUral := s.uralOld
	dir := s.close()

	got, rep, err := sigCheck(t, dir, audit.SignatureOptions{})
	require.NoError(t, err)
	require.True(t, rep.OK())
	require.Equal(t, audit.SignatureCounts{Binding: 6, Signed: 6, Valid: 5, Flagged: 5, Rejected: 1}, rep.Signatures)
	require.Len(t, got, 6)
	for _, name := range []string{"open", "ural1", "torg", "ural2", "close"} {
		g := signerAt(t, got, s.seq[name])
		require.True(t, g.Valid, name)
		require.True(t, g.Flagged, name)
		require.Equal(t, wire.ReasonNone, g.Rejected, name)
		require.Equal(t, wire.AlgEd25519, g.Algorithm, name)
		require.Equal(t, audit.Fingerprint(g.PublicKey), g.Fingerprint, name)
		require.Equal(t, engine.KeyConfirmed, g.KeyState, name)
	}
	// Rotation mid-tender: the first bid verifies with the old key.
	u1, u2 := signerAt(t, got, s.seq["ural1"]), signerAt(t, got, s.seq["ural2"])
	require.Equal(t, oldUral, u1.KeyID)
	require.NotEqual(t, u1.KeyID, u2.KeyID)
	require.Equal(t, s.ural.id, u1.Participant)
	require.NotEqual(t, u1.Fingerprint, u2.Fingerprint)
	// The bid of the key revoked afterwards still verifies.
	tg := signerAt(t, got, s.seq["torg"])
	require.Equal(t, s.torg.id, tg.Participant)
	require.Equal(t, engine.KeyRevoked, rep.Keys[tg.KeyID-1].State)
	require.Greater(t, rep.Keys[tg.KeyID-1].Revoked, tg.Seq)
	// The tampered bid was refused, not flagged, and does not verify.
	tb := signerAt(t, got, s.seq["tampered"])
	require.Equal(t, wire.ReasonSignatureInvalid, tb.Rejected)
	require.False(t, tb.Valid)
	require.False(t, tb.Flagged)
	require.Len(t, rep.Keys, 4)

	// A single worker finds the same.
	got1, rep1, err := sigCheck(t, dir, audit.SignatureOptions{Workers: 1})
	require.NoError(t, err)
	require.Equal(t, got, got1)
	require.Equal(t, rep.Signatures, rep1.Signatures)
}

// One signature byte flipped, with CRC and chain recomputed, passes the
// chain check and fails the signature check naming that record.
func TestVerifySignaturesFlippedByte(t *testing.T) {
	s := newSigScenario(t, matching.Config{})
	s.tenderRun()
	dir := s.close()
	target := s.seq["torg"]
	rewrite(t, dir, target, func(enc []byte, cmd *wire.Command) []byte {
		i := bytes.Index(enc, cmd.Signature)
		require.GreaterOrEqual(t, i, 0)
		enc[i+17] ^= 0x04
		return enc
	})
	got, rep, err := sigCheck(t, dir, audit.SignatureOptions{})
	require.ErrorIs(t, err, audit.ErrSignature)
	require.ErrorIs(t, err, audit.ErrBadSignature)
	var se *audit.SignatureError
	require.ErrorAs(t, err, &se)
	require.Equal(t, target, se.Seq)
	require.Equal(t, s.torg.id, se.Participant)
	require.Equal(t, s.torg.key, se.KeyID)
	require.Equal(t, wire.CmdBid, se.Kind)
	require.Equal(t, journaltest.SegmentName(1), filepath.Base(se.File))
	require.Positive(t, se.Offset)
	require.NotNil(t, rep.Bad)
	require.Equal(t, target, rep.Bad.Seq)
	require.Equal(t, se.Offset, rep.Bad.Offset)
	// The listing stops at the failing record, which it includes.
	require.Equal(t, target, got[len(got)-1].Seq)
	require.False(t, got[len(got)-1].Valid)
}

// A replica trusting a lying gateway journals commands flagged verified
// with a bad signature or none: the check catches both.
func TestVerifySignaturesLyingGateway(t *testing.T) {
	s := newSigScenario(t, matching.Config{TrustVerified: true})
	s.tenderRun()
	forged := s.sign(s.torg, wire.Command{Kind: wire.CmdPlace, Category: s.mkt.Category, Basis: s.mkt.Basis,
		Side: wire.Sell, Type: wire.Limit, TIF: wire.GTC, Price: 500_000, Qty: 30})
	forged.Participant, forged.KeyID = s.ural.id, s.ural.key // signed by another party
	forged.SignatureVerified = true
	s.must(60, forged)
	forgedSeq := s.x.Seq()
	dir := s.close()

	_, rep, err := sigCheck(t, dir, audit.SignatureOptions{})
	require.ErrorIs(t, err, audit.ErrBadSignature)
	var se *audit.SignatureError
	require.ErrorAs(t, err, &se)
	require.Equal(t, forgedSeq, se.Seq)
	require.Equal(t, s.ural.id, se.Participant)
	require.Equal(t, forgedSeq, rep.Bad.Seq)

	// The same record flagged without any signature.
	rewrite(t, dir, forgedSeq, func(_ []byte, cmd *wire.Command) []byte {
		cmd.Signature = nil
		return wire.AppendCommand(nil, cmd)
	})
	_, _, err = sigCheck(t, dir, audit.SignatureOptions{})
	require.ErrorIs(t, err, audit.ErrFalseFlag)
	require.ErrorAs(t, err, &se)
	require.Equal(t, forgedSeq, se.Seq)

	// And flagged under a key that does not exist.
	rewrite(t, dir, forgedSeq, func(_ []byte, cmd *wire.Command) []byte {
		cmd.Signature, cmd.KeyID = []byte{1, 2, 3}, 99
		return wire.AppendCommand(nil, cmd)
	})
	_, _, err = sigCheck(t, dir, audit.SignatureOptions{})
	require.ErrorIs(t, err, audit.ErrUnknownKey)
	require.ErrorAs(t, err, &se)
	require.Equal(t, forgedSeq, se.Seq)
}

// An earlier signature failure is named before a later chain mismatch.
func TestVerifySignaturesFirstFailureWins(t *testing.T) {
	s := newSigScenario(t, matching.Config{})
	s.tenderRun()
	dir := s.close()
	target := s.seq["ural1"]
	rewrite(t, dir, target, func(enc []byte, cmd *wire.Command) []byte {
		enc[bytes.Index(enc, cmd.Signature)] ^= 1
		return enc
	})
	// Break the chain at the last record, after the bad signature.
	seg, err := journaltest.ReadSegment(dir, 1)
	require.NoError(t, err)
	frames, err := journaltest.Frames(seg)
	require.NoError(t, err)
	last := frames[len(frames)-1]
	seg[last.End-1] ^= 1
	journaltest.FixCRC(seg, last)
	_, err = journaltest.WriteSegment(dir, 1, seg)
	require.NoError(t, err)
	_, err = audit.Verify(dir, engine.Config{})
	require.ErrorIs(t, err, audit.ErrMismatch)

	rep, err := audit.VerifySignatures(dir, engine.Config{}, audit.SignatureOptions{})
	require.ErrorIs(t, err, audit.ErrBadSignature)
	require.Equal(t, target, rep.Bad.Seq)
}

// Trust refuses keys not handed over out of band.
func TestVerifySignaturesTrust(t *testing.T) {
	s := newSigScenario(t, matching.Config{})
	s.tenderRun()
	dir := s.close()
	torgPub := s.torg.priv.Public().(ed25519.PublicKey)
	_, rep, err := sigCheck(t, dir, audit.SignatureOptions{Trust: func(k engine.KeyInfo) bool {
		return !bytes.Equal(k.PublicKey, torgPub)
	}})
	require.ErrorIs(t, err, audit.ErrUntrustedKey)
	require.Equal(t, s.seq["torg"], rep.Bad.Seq)
}

// An unsigned journal passes the check, which lists its binding commands
// as unsigned.
func TestVerifySignaturesUnsigned(t *testing.T) {
	dir := t.TempDir()
	x, err := durable.Open(dir, matching.Config{}, durable.Options{Journal: journal.Options{Mode: journal.ModeAsync}})
	require.NoError(t, err)
	cement, _ := x.Catalog().Taxonomy.ByCode("23.51.12")
	msk, _ := x.Catalog().Bases.ByCode("MSK")
	p := func(name, inn string) catalog.ParticipantID {
		evs, err := x.Submit(wire.Command{Kind: wire.CmdRegister, Name: name, INN: inn}, nil)
		require.NoError(t, err)
		_, err = x.Submit(wire.Command{Kind: wire.CmdSetStatus, Participant: evs[0].Participant, Status: catalog.StatusVerified}, nil)
		require.NoError(t, err)
		return evs[0].Participant
	}
	a, b := p("Cement Works JSC", "7707083893"), p("Builder LLC", "7736207543")
	o := wire.Command{Kind: wire.CmdPlace, Time: 5, Category: cement.ID, Basis: msk.ID, Type: wire.Limit, TIF: wire.GTC, Price: 500_000, Qty: 30}
	o.Participant, o.Side = a, wire.Sell
	_, err = x.Submit(o, nil)
	require.NoError(t, err)
	o.Participant, o.Side, o.Qty = b, wire.Buy, 20
	_, err = x.Submit(o, nil)
	require.NoError(t, err)
	require.NoError(t, durable.Of(x).Close())

	got, rep, err := sigCheck(t, dir, audit.SignatureOptions{})
	require.NoError(t, err)
	require.Equal(t, audit.SignatureCounts{Binding: 2}, rep.Signatures)
	require.Len(t, got, 2)
	for _, g := range got {
		require.False(t, g.Signed())
		require.Zero(t, g.KeyID)
	}
	chain, err := audit.Verify(dir, engine.Config{})
	require.NoError(t, err)
	require.Equal(t, chain.Head, rep.Head)
}

// When the journal starts after a snapshot, the check starts from the
// keys in the snapshot's state and verifies the later records with them.
func TestVerifySignaturesAfterSnapshot(t *testing.T) {
	s := newSigScenarioOpts(t, matching.Config{}, journal.Options{Mode: journal.ModeAsync, SegmentBytes: 512})
	evs := s.signed("open", 10, s.sign(s.buyer, wire.Command{Kind: wire.CmdOpenTender, Category: s.mkt.Category, Basis: s.mkt.Basis,
		Qty: 500, CloseAt: 100, TenderMode: wire.TenderSealed, Evaluation: wire.EvalLowestPrice}))
	s.tender = evs[0].Tender
	s.signed("ural1", 20, s.bid(s.ural, 545_000))
	st := durable.Of(s.x)
	require.NoError(t, st.Snapshot())
	snapSeq := s.x.Seq()
	s.signed("torg", 25, s.bid(s.torg, 548_000))
	require.NoError(t, st.Snapshot()) // lets the journal drop what the first covers
	s.signed("close", 100, s.sign(s.buyer, wire.Command{Kind: wire.CmdCloseTender, Tender: s.tender}))
	dir := s.close()
	segs, err := journaltest.Segments(dir)
	require.NoError(t, err)
	require.Greater(t, segs[0], uint64(1), "the journal must start after seq 1")

	got, rep, err := sigCheck(t, dir, audit.SignatureOptions{})
	require.NoError(t, err)
	require.Equal(t, snapSeq, rep.StartSeq)
	require.Equal(t, audit.SignatureCounts{Binding: 2, Signed: 2, Valid: 2, Flagged: 2}, rep.Signatures)
	require.Equal(t, s.seq["torg"], got[0].Seq)
	require.Equal(t, s.seq["close"], got[1].Seq)
	require.True(t, got[0].Valid)
	require.Equal(t, s.torg.id, got[0].Participant)
}

// The signature error matches its sentinels and nothing else.
func TestSignatureErrorIs(t *testing.T) {
	err := error(&audit.SignatureError{Seq: 3, Reason: audit.ErrKeyNotValid})
	require.ErrorIs(t, err, audit.ErrSignature)
	require.ErrorIs(t, err, audit.ErrKeyNotValid)
	require.False(t, errors.Is(err, audit.ErrBadSignature))
	require.False(t, errors.Is(err, audit.ErrMismatch))
	require.Contains(t, err.Error(), "seq 3")
}

// FuzzVerifySignatures flips fuzzer-chosen bits of a signed journal,
// optionally recomputing every CRC-32C so that the changes reach the
// decoder, the replay and the signature check. The check must not panic,
// must fail with one of the audit's or the journal's typed errors, naming
// a record, or pass with every listed signature valid where flagged.
func FuzzVerifySignatures(f *testing.F) {
	s := newSigScenario(f, matching.Config{})
	s.tenderRun()
	orig, err := journaltest.ReadSegment(s.close(), 1)
	require.NoError(f, err)
	frames, err := journaltest.Frames(orig)
	require.NoError(f, err)
	mid := frames[s.seq["torg"]-1]
	f.Add([]byte{}, false)
	f.Add([]byte{byte(mid.End - 40), byte((mid.End - 40) >> 8), 0, 1}, true)
	f.Add([]byte{byte(mid.Off + 20), byte((mid.Off + 20) >> 8), 0, 4}, true)
	f.Add([]byte{0x30, 0x01, 0, 7, 0x10, 0x02, 0, 2}, false)
	f.Fuzz(func(t *testing.T, flips []byte, fix bool) {
		seg := bytes.Clone(orig)
		for i := 0; i+4 <= len(flips) && i < 64; i += 4 {
			pos := int(uint32(flips[i])|uint32(flips[i+1])<<8|uint32(flips[i+2])<<16) % len(seg)
			seg[pos] ^= 1 << (flips[i+3] & 7)
		}
		if fix {
			journaltest.FixCRCs(seg)
		}
		dir := t.TempDir()
		_, err := journaltest.WriteSegment(dir, 1, seg)
		require.NoError(t, err)
		got, rep, err := sigCheck(t, dir, audit.SignatureOptions{Workers: 2})
		if err == nil {
			require.True(t, rep.OK())
			for _, g := range got {
				require.True(t, !g.Flagged || g.Valid, "seq %d flagged and invalid passed", g.Seq)
			}
			return
		}
		var ce *journal.CorruptError
		known := errors.Is(err, audit.ErrSignature) || errors.Is(err, audit.ErrMismatch) ||
			errors.Is(err, audit.ErrJournalGap) || errors.As(err, &ce)
		require.True(t, known, "untyped error %v", err)
		if errors.Is(err, audit.ErrSignature) || errors.Is(err, audit.ErrMismatch) {
			require.NotNil(t, rep.Bad, "%v", err)
		}
	})
}

// Over several batches the parallel check finds what one goroutine finds,
// and names a bad signature deep in the journal.
func TestVerifySignaturesManyBatches(t *testing.T) {
	dir, n := signedOrders(t, 560)
	got1, rep1, err := sigCheck(t, dir, audit.SignatureOptions{Workers: 1})
	require.NoError(t, err)
	got4, rep4, err := sigCheck(t, dir, audit.SignatureOptions{Workers: 4})
	require.NoError(t, err)
	require.Equal(t, n, rep1.Signatures.Binding)
	require.Equal(t, rep1.Signatures, rep4.Signatures)
	require.Equal(t, got1, got4)
	for i := 1; i < len(got4); i++ {
		require.Greater(t, got4[i].Seq, got4[i-1].Seq)
	}

	target := got4[520].Seq
	rewrite(t, dir, target, func(enc []byte, cmd *wire.Command) []byte {
		enc[bytes.Index(enc, cmd.Signature)+30] ^= 0x80
		return enc
	})
	for _, w := range []int{1, 2, 4} {
		got, rep, err := sigCheck(t, dir, audit.SignatureOptions{Workers: w})
		require.ErrorIs(t, err, audit.ErrBadSignature, "workers %d", w)
		require.Equal(t, target, rep.Bad.Seq)
		require.Len(t, got, 521)
	}
}
