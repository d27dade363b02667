package matching

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// update rewrites the golden files: go test ./matching -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const goldenDir = "testdata/golden"

// goldenScenario returns a fixed command sequence that uses every command
// kind, accepted and rejected, on the sample catalog. IDs in later commands
// come from the events of earlier ones, so the sequence is built by running
// it on a fresh exchange; the result depends on nothing but the code.
func goldenScenario(t *testing.T) []Command {
	t.Helper()
	x, err := New(Config{})
	require.NoError(t, err)
	cat := x.Catalog()
	code := func(c string) catalog.CategoryID {
		v, ok := cat.Taxonomy.ByCode(c)
		require.True(t, ok, c)
		return v.ID
	}
	basis := func(c string) catalog.BasisID {
		b, ok := cat.Bases.ByCode(c)
		require.True(t, ok, c)
		return b.ID
	}
	cement, m400, cementGroup := code("23.51.12"), code("23.51.13"), code("23.51")
	msk, spb := basis("MSK"), basis("SPB")

	var cmds []Command
	var evs []Event
	now := int64(1_000)
	run := func(c Command) []Event {
		now += 10
		if c.Time == 0 {
			c.Time = now
		}
		cmds = append(cmds, c)
		evs, _ = x.Submit(c, evs[:0])
		return evs
	}
	register := func(name string, n int) catalog.ParticipantID {
		e := run(Command{Kind: CmdRegister, Name: name, INN: exINN(n), KPP: ""})
		require.Equal(t, EventRegistered, e[0].Kind)
		return e[0].Participant
	}
	verify := func(p catalog.ParticipantID) {
		run(Command{Kind: CmdSetStatus, Participant: p, Status: catalog.StatusVerified})
	}
	limit := func(p catalog.ParticipantID, cat catalog.CategoryID, b catalog.BasisID, side Side, price catalog.Price, qty catalog.Qty) OrderID {
		e := run(Command{Kind: CmdPlace, Participant: p, Category: cat, Basis: b, Side: side, Type: Limit, TIF: GTC, Price: price, Qty: qty})
		return e[0].OrderID
	}

	buyer, plant, mill, trader := register("Stroy Buyer", 1), register("Cement Plant", 2), register("Mill", 3), register("Trader", 4)
	run(Command{Kind: CmdRegister, Name: "Bad INN", INN: "7700000000"}) // rejected: check digit
	for _, p := range []catalog.ParticipantID{buyer, plant, mill, trader} {
		verify(p)
	}
	run(Command{Kind: CmdSetRating, Participant: plant, Rating: 80})
	run(Command{Kind: CmdSetRating, Participant: mill, Rating: 60})
	sub := run(Command{Kind: CmdSubscribe, Participant: plant, Category: cementGroup, Bases: []catalog.BasisID{msk}})[0].Subscription
	run(Command{Kind: CmdSubscribe, Participant: mill, Category: cementGroup, MinQty: 10, MaxQty: 1000})
	run(Command{Kind: CmdListSubscriptions, Participant: plant})

	// Continuous trading: resting orders, a partial fill, market and FOK
	// orders, MinQty, GTD expiry, amend and cancel, and rejections.
	b1 := limit(buyer, cement, msk, Buy, 650_000, 400)
	s1 := limit(plant, cement, msk, Sell, 660_000, 300)
	limit(mill, cement, msk, Sell, 655_000, 100)
	run(Command{Kind: CmdPlace, Participant: trader, Category: cement, Basis: msk, Side: Sell, Type: Limit, TIF: IOC, Price: 650_000, Qty: 150})
	run(Command{Kind: CmdPlace, Participant: trader, Category: cement, Basis: msk, Side: Buy, Type: Market, TIF: IOC, Qty: 50})
	run(Command{Kind: CmdPlace, Participant: trader, Category: cement, Basis: msk, Side: Buy, Type: Limit, TIF: FOK, Price: 660_000, Qty: 5_000})
	run(Command{Kind: CmdPlace, Participant: trader, Category: cement, Basis: msk, Side: Buy, Type: Limit, TIF: GTC, Price: 640_000, Qty: 100, MinQty: 40, ClientOrderID: 7})
	run(Command{Kind: CmdPlace, Participant: mill, Category: cement, Basis: spb, Side: Sell, Type: Limit, TIF: GTD, Price: 700_000, Qty: 20, ExpireAt: now + 100})
	run(Command{Kind: CmdPlace, Participant: buyer, Category: cement, Basis: msk, Side: Buy, Type: Limit, TIF: GTC, Price: 650_050, Qty: 1})      // rejected: off tick
	run(Command{Kind: CmdPlace, Participant: buyer, Category: cementGroup, Basis: msk, Side: Buy, Type: Limit, TIF: GTC, Price: 650_000, Qty: 1}) // rejected: not a leaf
	run(Command{Kind: CmdAmend, Participant: buyer, OrderID: b1, Price: 651_000, Qty: 200})
	run(Command{Kind: CmdAmend, Participant: plant, OrderID: b1, Price: 651_000, Qty: 100}) // rejected: not the owner
	run(Command{Kind: CmdCancel, Participant: plant, OrderID: s1})
	run(Command{Kind: CmdCancel, Participant: plant, OrderID: s1}) // rejected: gone
	run(Command{Kind: CmdExpire, Category: cement, Basis: spb, Time: now + 200})
	limit(mill, m400, spb, Sell, 500_000, 50)
	run(Command{Kind: CmdExpire, Time: now + 300})

	// Tenders: a sealed RFQ by lowest price with a reserve, awarded; a
	// weighted English auction with a split award; a cancelled tender.
	now += 300
	t1 := run(Command{Kind: CmdOpenTender, Participant: buyer, Category: cement, Basis: msk, Qty: 500, Price: 700_000,
		CloseAt: now + 1_000, TenderMode: TenderSealed, Evaluation: EvalLowestPrice})[0].Tender
	run(Command{Kind: CmdBid, Participant: plant, Tender: t1, Price: 640_000, Qty: 300, LeadTime: 7})
	run(Command{Kind: CmdBid, Participant: mill, Tender: t1, Price: 630_000, Qty: 300, LeadTime: 14})
	run(Command{Kind: CmdBid, Participant: mill, Tender: t1, Price: 720_000, Qty: 300, LeadTime: 14}) // rejected: above reserve
	run(Command{Kind: CmdCloseTender, Participant: buyer, Tender: t1, Time: now + 1_000})
	now += 1_000
	t2 := run(Command{Kind: CmdOpenTender, Participant: buyer, Category: m400, Basis: spb, Qty: 200,
		CloseAt: now + 500, TenderMode: TenderAuction, Decrement: 1_000, Extension: 50, Evaluation: EvalWeighted,
		WeightPrice: 6_000, WeightLeadTime: 2_000, WeightRating: 2_000, MinWinners: 1, MaxWinners: 2})[0].Tender
	run(Command{Kind: CmdBid, Participant: plant, Tender: t2, Price: 520_000, Qty: 120, LeadTime: 5})
	run(Command{Kind: CmdBid, Participant: mill, Tender: t2, Price: 510_000, Qty: 200, LeadTime: 9})
	run(Command{Kind: CmdBid, Participant: plant, Tender: t2, Price: 505_000, Qty: 120, LeadTime: 5})
	run(Command{Kind: CmdCloseTender, Tender: t2, Time: now + 600})
	now += 600
	t3 := run(Command{Kind: CmdOpenTender, Participant: trader, Category: cement, Basis: spb, Qty: 10,
		CloseAt: now + 100, TenderMode: TenderSealed, Evaluation: EvalLowestPrice})[0].Tender
	run(Command{Kind: CmdCancelTender, Participant: trader, Tender: t3})

	// A call auction on a thin market, then back to continuous trading.
	run(Command{Kind: CmdSetMarketMode, Category: m400, Basis: msk, MarketMode: MarketCall})
	limit(buyer, m400, msk, Buy, 510_000, 80)
	limit(trader, m400, msk, Buy, 505_000, 40)
	limit(plant, m400, msk, Sell, 500_000, 60)
	limit(mill, m400, msk, Sell, 508_000, 70)
	run(Command{Kind: CmdUncross, Category: m400, Basis: msk, RefPrice: 506_000})
	run(Command{Kind: CmdSetMarketMode, Category: m400, Basis: msk, MarketMode: MarketContinuous})

	// Unsubscribe, then suspend a participant with resting orders.
	run(Command{Kind: CmdUnsubscribe, Participant: plant, Subscription: sub})
	limit(trader, cement, spb, Buy, 600_000, 30)
	run(Command{Kind: CmdSetStatus, Participant: trader, Status: catalog.StatusSuspended})
	run(Command{Kind: CmdPlace, Participant: trader, Category: cement, Basis: msk, Side: Buy, Type: Limit, TIF: GTC, Price: 600_000, Qty: 1}) // rejected: suspended
	run(Command{Kind: 200})                                                                                                                   // rejected: unknown kind
	run(Command{Kind: CmdRegister, Name: strings.Repeat("n", MaxStringLen+1), INN: exINN(9)})                                                 // rejected: over the size limit
	run(Command{Kind: CmdRegister, Name: "Priced", INN: exINN(10), Price: 5})                                                                 // rejected: a field register does not read
	run(Command{Kind: CmdCancel, Participant: buyer, OrderID: b1, Category: m400, Basis: spb})                                                // rejected: names another market

	// Keys and signatures: a key through moderation, a required policy on
	// one market, signed orders, a missing, a tampered and a replayed
	// signature, a rotation that retires the old key, and a revocation.
	priv1 := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	priv2 := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
	signed := func(c Command, k KeyID, nonce uint64, priv ed25519.PrivateKey) Command {
		c.KeyID, c.Nonce = k, nonce
		SignEd25519(&c, priv)
		return c
	}
	offer := Command{Kind: CmdPlace, Participant: plant, Category: cement, Basis: msk, Side: Sell, Type: Limit, TIF: GTC, Price: 690_000, Qty: 10}
	k1 := run(Command{Kind: CmdRegisterKey, Participant: plant, KeyAlgorithm: AlgEd25519, PublicKey: priv1.Public().(ed25519.PublicKey), ValidUntil: now + 1_000_000})[0].KeyID
	want := func(r RejectReason, evs []Event) {
		require.Equal(t, r, evs[0].Reject, "%+v", evs[0])
	}
	want(ReasonKeyNotConfirmed, run(signed(offer, k1, 1, priv1)))
	want(ReasonNone, run(Command{Kind: CmdConfirmKey, Participant: plant, KeyID: k1}))
	run(Command{Kind: CmdSetSignPolicy, Category: cement, Basis: msk, SignPolicy: SignRequired})
	want(ReasonSignatureMissing, run(offer))
	o := run(signed(offer, k1, 2, priv1))[0].OrderID
	want(ReasonNonceReplayed, run(signed(offer, k1, 2, priv1)))
	tampered := signed(offer, k1, 3, priv1)
	tampered.Price = 680_000
	want(ReasonSignatureInvalid, run(tampered))
	want(ReasonNone, run(signed(Command{Kind: CmdCancel, Participant: plant, OrderID: o}, k1, 4, priv1)))
	k2 := run(Command{Kind: CmdRotateKey, Participant: plant, KeyID: k1, KeyAlgorithm: AlgEd25519, PublicKey: priv2.Public().(ed25519.PublicKey), ValidUntil: now + 2_000_000})[0].KeyID
	want(ReasonNone, run(Command{Kind: CmdConfirmKey, Participant: plant, KeyID: k2})) // retires k1
	want(ReasonSignatureExpired, run(signed(offer, k1, 5, priv1)))
	want(ReasonNone, run(signed(offer, k2, 6, priv2)))
	want(ReasonNone, run(Command{Kind: CmdRevokeKey, Participant: plant, KeyID: k2}))
	want(ReasonKeyRevoked, run(signed(offer, k2, 7, priv2)))
	run(Command{Kind: CmdSetSignPolicy, Category: cement, Basis: msk, SignPolicy: SignInherit})

	// A clearing pool on ready-mixed concrete: a request that takes the
	// goods at MSK, an offer there, a refused minimum quantity, a clearing
	// with both prices, and a resting remainder.
	concreteGroup, concrete := code("23.63"), code("23.63.10")
	run(Command{Kind: CmdOpenPool, Category: concreteGroup})
	run(Command{Kind: CmdPlace, Participant: buyer, Category: concreteGroup, Bases: []catalog.BasisID{msk}, Side: Buy, Price: 500_000, Qty: 30, LeadTime: 10, Rating: 0})
	run(Command{Kind: CmdPlace, Participant: mill, Category: concrete, Basis: msk, Side: Sell, Price: 450_000, Qty: 50, LeadTime: 5})
	run(Command{Kind: CmdPlace, Participant: mill, Category: concrete, Basis: msk, Side: Sell, Price: 450_000, Qty: 50, MinQty: 10}) // rejected: all-or-none in a pool
	cleared := run(Command{Kind: CmdClearPool, Category: concreteGroup})
	require.Len(t, exOnly(cleared, EventPoolFill), 1)
	require.Equal(t, catalog.Qty(20), exOnly(cleared, EventPoolFill)[0].MakerRemaining)

	kinds := map[CommandKind]bool{}
	for _, c := range cmds {
		kinds[c.Kind] = true
	}
	for k := CmdRegister; k < cmdEnd; k++ {
		require.True(t, kinds[k], "the golden scenario must use %v", k)
	}
	return cmds
}

// goldenBytes runs the scenario on a fresh exchange and returns the codec
// bytes of its commands and events and the final state snapshot.
func goldenBytes(t *testing.T, cmds []Command) (cmdBytes, evBytes, state []byte) {
	t.Helper()
	x, err := New(Config{})
	require.NoError(t, err)
	var evs []Event
	for i := range cmds {
		cmdBytes = AppendCommand(cmdBytes, &cmds[i])
		evs, _ = x.Submit(cmds[i], evs[:0])
		evBytes = binary.AppendUvarint(evBytes, uint64(len(evs)))
		for j := range evs {
			evBytes = AppendEvent(evBytes, &evs[j])
		}
	}
	require.NoError(t, x.CheckInvariants())
	state, err = x.MarshalState()
	require.NoError(t, err)
	return cmdBytes, evBytes, state
}

func writeGolden(t *testing.T, name string, b []byte) {
	t.Helper()
	p := filepath.Join(goldenDir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, b, 0o644))
}

// TestGoldenFormats holds the codec and the state snapshot of a fixed
// scenario to the bytes committed in testdata/golden. The journal
// directory in testdata/golden/journal, written by the same scenario, is
// package durable's (its TestGoldenJournal).
// A change to any of them fails here; a deliberate format change bumps its
// version, keeps a reader of the old one, and rewrites the files with
// -update.
func TestGoldenFormats(t *testing.T) {
	cmds := goldenScenario(t)
	cmdBytes, evBytes, state := goldenBytes(t, cmds)

	if *update {
		// The journal (durable's golden test) and the files of older
		// versions (testdata/golden/v1) stay.
		for _, name := range []string{"commands.bin", "events.bin", "state.bin"} {
			require.NoError(t, os.RemoveAll(filepath.Join(goldenDir, name)))
		}
		writeGolden(t, "commands.bin", cmdBytes)
		writeGolden(t, "events.bin", evBytes)
		writeGolden(t, "state.bin", state)
		return
	}
	for name, got := range map[string][]byte{"commands.bin": cmdBytes, "events.bin": evBytes, "state.bin": state} {
		want, err := os.ReadFile(filepath.Join(goldenDir, name))
		require.NoError(t, err, "missing golden file; run go test ./matching -run Golden -update")
		require.True(t, bytes.Equal(want, got), "%s differs from the golden bytes (%d vs %d bytes)", name, len(got), len(want))
	}
}

// TestGoldenFilesDecode reads the committed golden bytes with today's
// readers: every command and event decodes and re-encodes to the same
// bytes, and the state restores and marshals back unchanged.
func TestGoldenFilesDecode(t *testing.T) {
	cmdBytes, err := os.ReadFile(filepath.Join(goldenDir, "commands.bin"))
	require.NoError(t, err)
	var cmds []Command
	var re []byte
	for b := cmdBytes; len(b) > 0; {
		c, n, err := DecodeCommand(b)
		require.NoError(t, err)
		cmds = append(cmds, c)
		re = AppendCommand(re, &c)
		b = b[n:]
	}
	require.Equal(t, cmdBytes, re)

	evBytes, err := os.ReadFile(filepath.Join(goldenDir, "events.bin"))
	require.NoError(t, err)
	re = re[:0]
	for b := evBytes; len(b) > 0; {
		n, k := binary.Uvarint(b)
		require.Positive(t, k)
		re = binary.AppendUvarint(re, n)
		b = b[k:]
		for range n {
			e, m, err := DecodeEvent(b)
			require.NoError(t, err)
			re = AppendEvent(re, &e)
			b = b[m:]
		}
	}
	require.Equal(t, evBytes, re)

	state, err := os.ReadFile(filepath.Join(goldenDir, "state.bin"))
	require.NoError(t, err)
	x, err := RestoreState(Config{}, state)
	require.NoError(t, err)
	again, err := x.MarshalState()
	require.NoError(t, err)
	require.Equal(t, state, again)
}

// TestGoldenV2FilesDecode reads the golden bytes of codec version 2 and
// state version 2 (testdata/golden/v2, written before clearing pools):
// the commands and events decode and re-encode to the same bytes, the
// commands replay to the events stored then, and the state restores to the
// replayed state.
func TestGoldenV2FilesDecode(t *testing.T) {
	dir := filepath.Join(goldenDir, "v2")
	cmdBytes, err := os.ReadFile(filepath.Join(dir, "commands.bin"))
	require.NoError(t, err)
	var cmds []Command
	var re []byte
	for b := cmdBytes; len(b) > 0; {
		c, n, err := DecodeCommand(b)
		require.NoError(t, err)
		require.LessOrEqual(t, b[0], byte(2))
		cmds = append(cmds, c)
		re = AppendCommand(re, &c)
		b = b[n:]
	}
	require.Equal(t, cmdBytes, re)
	evBytes, err := os.ReadFile(filepath.Join(dir, "events.bin"))
	require.NoError(t, err)
	x, err := New(Config{})
	require.NoError(t, err)
	var evs []Event
	b := evBytes
	for i := range cmds {
		n, k := binary.Uvarint(b)
		require.Positive(t, k)
		b = b[k:]
		evs, _ = x.Submit(cmds[i], evs[:0])
		require.Len(t, evs, int(n), "command %d", i+1)
		for j := range n {
			e, m, err := DecodeEvent(b)
			require.NoError(t, err)
			require.Equal(t, e, evs[j], "command %d, event %d", i+1, j)
			require.Equal(t, b[:m], AppendEvent(nil, &e))
			b = b[m:]
		}
	}
	require.Empty(t, b)
	replayed, err := x.MarshalState()
	require.NoError(t, err)
	state, err := os.ReadFile(filepath.Join(dir, "state.bin"))
	require.NoError(t, err)
	y, err := RestoreState(Config{}, state)
	require.NoError(t, err)
	got, err := y.MarshalState()
	require.NoError(t, err)
	require.Equal(t, replayed, got, "the version 2 state restores to the replayed state")
}

// TestGoldenV1FilesDecode reads the golden bytes of codec version 1 and
// state version 1 (testdata/golden/v1, written before signatures): every
// command and event decodes with the signature fields zero, the commands
// replay to the events and the state stored then (package durable opens
// the version 1 journal directory).
func TestGoldenV1FilesDecode(t *testing.T) {
	dir := filepath.Join(goldenDir, "v1")
	cmdBytes, err := os.ReadFile(filepath.Join(dir, "commands.bin"))
	require.NoError(t, err)
	require.Equal(t, byte(1), cmdBytes[0], "a version 1 file")
	var cmds []Command
	for b := cmdBytes; len(b) > 0; {
		c, n, err := DecodeCommand(b)
		require.NoError(t, err)
		require.False(t, c.Signed())
		cmds = append(cmds, c)
		b = b[n:]
	}
	evBytes, err := os.ReadFile(filepath.Join(dir, "events.bin"))
	require.NoError(t, err)
	x, err := New(Config{})
	require.NoError(t, err)
	var evs []Event
	b := evBytes
	for i := range cmds {
		n, k := binary.Uvarint(b)
		require.Positive(t, k)
		b = b[k:]
		evs, _ = x.Submit(cmds[i], evs[:0])
		require.Len(t, evs, int(n), "command %d", i+1)
		for j := range n {
			e, m, err := DecodeEvent(b)
			require.NoError(t, err)
			require.Equal(t, e, evs[j], "command %d, event %d", i+1, j)
			b = b[m:]
		}
	}
	require.Empty(t, b)
	replayed, err := x.MarshalState()
	require.NoError(t, err)

	state, err := os.ReadFile(filepath.Join(dir, "state.bin"))
	require.NoError(t, err)
	y, err := RestoreState(Config{}, state)
	require.NoError(t, err)
	got, err := y.MarshalState()
	require.NoError(t, err)
	require.Equal(t, replayed, got, "the version 1 state restores to the replayed state")

}
