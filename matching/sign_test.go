package matching

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// signFixture is an exchange with a verified seller holding a confirmed
// Ed25519 key valid in [0, 100000), and a verified buyer.
type signFixture struct {
	*exFixture
	seller, buyer catalog.ParticipantID
	priv          ed25519.PrivateKey
	kid           KeyID
	m             MarketKey
	nonce         uint64
}

func testKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func newSignFixture(t testing.TB, cfg Config) *signFixture {
	t.Helper()
	f := &signFixture{exFixture: newExFixture(t, cfg), priv: testKey(1)}
	f.seller, f.buyer = f.trader("Seller"), f.trader("Buyer")
	f.m = f.exFixture.key("23.51.12", "MSK")
	f.kid = f.registerKey(f.seller, f.priv, 0, 100_000)
	f.must(Command{Kind: CmdConfirmKey, Participant: f.seller, KeyID: f.kid})
	return f
}

func (f *signFixture) registerKey(p catalog.ParticipantID, priv ed25519.PrivateKey, from, until int64) KeyID {
	f.t.Helper()
	evs := f.must(Command{Kind: CmdRegisterKey, Participant: p, KeyAlgorithm: AlgEd25519, PublicKey: priv.Public().(ed25519.PublicKey), ValidFrom: from, ValidUntil: until})
	require.Equal(f.t, EventKeyRegistered, evs[0].Kind)
	return evs[0].KeyID
}

// sign signs c with key k and priv under the fixture's next nonce.
func (f *signFixture) sign(c Command, k KeyID, priv ed25519.PrivateKey) Command {
	f.nonce++
	c.KeyID, c.Nonce = k, f.nonce
	SignEd25519(&c, priv)
	return c
}

func (f *signFixture) offer(price catalog.Price) Command {
	return exLimit(f.seller, f.m, Sell, price, 10)
}

// requireRefused submits c, checks the typed refusal, and that the
// observable state and the keys did not change.
func (f *signFixture) requireRefused(c Command, reason RejectReason) {
	f.t.Helper()
	before := exSnapshot(f.t, f.x)
	keys := f.allKeys()
	evs, err := f.submit(c)
	exRequireRejected(f.t, evs, err, reason, c, f.x.Seq())
	require.Zero(f.t, evs[0].KeyID, "a refused signature names no key")
	require.Equal(f.t, before, exSnapshot(f.t, f.x), "state changed by a refusal")
	require.Equal(f.t, keys, f.allKeys())
	require.NoError(f.t, f.x.CheckInvariants())
}

func (f *signFixture) allKeys() []KeyInfo {
	var out []KeyInfo
	for id := KeyID(1); ; id++ {
		k, ok := f.x.Key(id)
		if !ok {
			return out
		}
		out = append(out, k)
	}
}

// TestSignedCommandsRefused: forged, tampered, wrong-key, expired, revoked,
// replayed, unknown-key, unconfirmed and missing signatures are each
// refused with their typed reason and change nothing.
func TestSignedCommandsRefused(t *testing.T) {
	f := newSignFixture(t, Config{})
	other := testKey(2)
	otherKey := f.registerKey(f.buyer, other, 0, 100_000)
	f.must(Command{Kind: CmdConfirmKey, Participant: f.buyer, KeyID: otherKey})
	pending := f.registerKey(f.seller, testKey(3), 0, 100_000)

	// An accepted signed order, whose events name the key.
	good := f.sign(f.offer(700_000), f.kid, f.priv)
	evs := f.must(good)
	require.Equal(t, EventAccepted, evs[0].Kind)
	for _, e := range evs {
		require.Equal(t, f.kid, e.KeyID)
	}

	forged := f.offer(700_000)
	forged.KeyID, forged.Nonce, forged.Signature = f.kid, 100, bytes.Repeat([]byte{9}, ed25519.SignatureSize)
	f.requireRefused(forged, ReasonSignatureInvalid)

	tampered := f.sign(f.offer(700_000), f.kid, f.priv)
	tampered.Qty = 20
	f.requireRefused(tampered, ReasonSignatureInvalid)

	f.requireRefused(f.sign(f.offer(700_000), f.kid, other), ReasonSignatureInvalid) // wrong key for KeyID

	selfFlagged := f.offer(700_000)
	selfFlagged.KeyID, selfFlagged.Nonce, selfFlagged.SignatureVerified = f.kid, 101, true
	f.requireRefused(selfFlagged, ReasonSignatureInvalid) // the caller's flag is not trusted

	f.requireRefused(f.sign(f.offer(700_000), otherKey, other), ReasonUnknownKey) // another participant's key
	f.requireRefused(f.sign(f.offer(700_000), 99, f.priv), ReasonUnknownKey)
	f.requireRefused(f.sign(f.offer(700_000), pending, testKey(3)), ReasonKeyNotConfirmed)

	f.requireRefused(good, ReasonNonceReplayed) // a captured command sent again
	zero := f.offer(700_000)
	zero.KeyID = f.kid
	SignEd25519(&zero, f.priv)
	f.requireRefused(zero, ReasonNonceReplayed) // nonce 0 is never fresh

	expired := f.sign(f.offer(700_000), f.kid, f.priv)
	expired.Time = 100_000
	f.requireRefused(expired, ReasonSignatureExpired)
	// The market's clock has passed the key's end: a backdated Time cannot
	// revive it.
	backdated := f.sign(f.offer(700_000), f.kid, f.priv)
	backdated.Time = 50_000
	f.requireRefused(backdated, ReasonSignatureExpired)
}

// TestRevokedKey: a revoked key signs nothing more, and the orders it
// signed stay on the book.
func TestRevokedKey(t *testing.T) {
	f := newSignFixture(t, Config{})
	id := f.must(f.sign(f.offer(700_000), f.kid, f.priv))[0].OrderID
	evs := f.must(Command{Kind: CmdRevokeKey, Participant: f.seller, KeyID: f.kid})
	require.Equal(t, EventKeyRevoked, evs[0].Kind)
	f.requireRefused(f.sign(f.offer(700_000), f.kid, f.priv), ReasonKeyRevoked)
	f.requireRefused(f.sign(Command{Kind: CmdCancel, Participant: f.seller, OrderID: id}, f.kid, f.priv), ReasonKeyRevoked)
	_, ok := f.x.Order(id)
	require.True(t, ok, "revocation does not cancel resting orders")
	k, _ := f.x.Key(f.kid)
	require.Equal(t, KeyRevoked, k.State)
	_, err := f.submit(Command{Kind: CmdRevokeKey, Participant: f.seller, KeyID: f.kid})
	require.ErrorIs(t, err, ErrBadTransition)
	// Suspension's cancel-all withdraws them.
	f.setStatus(f.seller, catalog.StatusSuspended)
	_, ok = f.x.Order(id)
	require.False(t, ok)
}

// TestNonceWindow: nonces may arrive out of order within the window, each
// once; a nonce more than 63 below the highest is too old.
func TestNonceWindow(t *testing.T) {
	f := newSignFixture(t, Config{})
	at := func(n uint64) Command {
		c := f.offer(700_000)
		c.KeyID, c.Nonce = f.kid, n
		SignEd25519(&c, f.priv)
		return c
	}
	f.must(at(100))
	f.must(at(90))
	f.must(at(37))
	f.requireRefused(at(90), ReasonNonceReplayed)
	f.requireRefused(at(36), ReasonNonceReplayed)
	f.must(at(1000))
	f.requireRefused(at(100), ReasonNonceReplayed)
	f.must(at(999))
	// Nonces are per domain: a tender command may reuse a market's nonce.
	tid := f.must(Command{Kind: CmdOpenTender, Participant: f.buyer, Category: f.m.Category, Basis: f.m.Basis, Qty: 10, CloseAt: 5_000, TenderMode: TenderSealed, Evaluation: EvalLowestPrice})[0].Tender
	bid := Command{Kind: CmdBid, Participant: f.seller, Tender: tid, Price: 600_000, Qty: 10, LeadTime: 3, KeyID: f.kid, Nonce: 1000}
	SignEd25519(&bid, f.priv)
	require.Equal(t, EventBidAccepted, f.must(bid)[0].Kind)
	f.requireRefused(bid, ReasonNonceReplayed)
}

// TestSignPolicy: the most specific policy wins (tender over market over
// exchange); operator commands are exempt; policies check their scope.
func TestSignPolicy(t *testing.T) {
	f := newSignFixture(t, Config{})
	other := f.key_("23.51.12", "SPB")
	f.must(Command{Kind: CmdSetSignPolicy, SignPolicy: SignRequired})
	f.requireRefused(f.offer(700_000), ReasonSignatureMissing)
	f.requireRefused(exLimit(f.seller, other, Sell, 700_000, 10), ReasonSignatureMissing) // a market not open yet
	f.must(Command{Kind: CmdSetSignPolicy, Category: f.m.Category, Basis: f.m.Basis, SignPolicy: SignOptional})
	f.must(f.offer(700_000))
	f.requireRefused(exLimit(f.seller, other, Sell, 700_000, 10), ReasonSignatureMissing)

	open := Command{Kind: CmdOpenTender, Participant: f.buyer, Category: f.m.Category, Basis: f.m.Basis, Qty: 10, CloseAt: 5_000, TenderMode: TenderSealed, Evaluation: EvalLowestPrice}
	tid := f.must(open)[0].Tender // the market's optional policy governs the opening
	bid := Command{Kind: CmdBid, Participant: f.seller, Tender: tid, Price: 600_000, Qty: 10, LeadTime: 3}
	f.must(bid)
	evs := f.must(Command{Kind: CmdSetSignPolicy, Tender: tid, SignPolicy: SignRequired})
	require.Equal(t, EventSignPolicy, evs[0].Kind)
	require.Equal(t, SignRequired, evs[0].SignPolicy)
	bid.Price = 590_000
	f.requireRefused(bid, ReasonSignatureMissing)
	f.must(f.sign(bid, f.kid, f.priv))
	// The operator closes without a key.
	f.must(Command{Kind: CmdCloseTender, Tender: tid, Time: 5_000})

	f.must(Command{Kind: CmdSetSignPolicy, SignPolicy: SignInherit})
	f.must(exLimit(f.seller, other, Sell, 700_000, 10))

	for _, c := range []Command{
		{Kind: CmdSetSignPolicy},
		{Kind: CmdSetSignPolicy, SignPolicy: 9},
		{Kind: CmdSetSignPolicy, Category: f.m.Category, Basis: f.m.Basis, Tender: tid, SignPolicy: SignRequired},
	} {
		f.requireRefused(c, ReasonInvalidPolicy)
	}
	f.requireRefused(Command{Kind: CmdSetSignPolicy, Tender: 99, SignPolicy: SignRequired}, ReasonUnknownTender)
}

func (f *signFixture) key_(cat, basis string) MarketKey { return f.exFixture.key(cat, basis) }

// TestKeyRotationMidTender: a supplier rotates its key while a tender is
// open. The bid signed with the old key stands and wins; the old key signs
// nothing after the new one is confirmed.
func TestKeyRotationMidTender(t *testing.T) {
	f := newSignFixture(t, Config{})
	rival := f.trader("Rival")
	tid := f.must(Command{Kind: CmdOpenTender, Participant: f.buyer, Category: f.m.Category, Basis: f.m.Basis, Qty: 10,
		CloseAt: 5_000, TenderMode: TenderSealed, Evaluation: EvalLowestPrice, Time: 1_000})[0].Tender
	f.must(Command{Kind: CmdSetSignPolicy, Tender: tid, SignPolicy: SignRequired})

	bid := Command{Kind: CmdBid, Participant: f.seller, Tender: tid, Price: 600_000, Qty: 10, LeadTime: 3, Time: 2_000}
	first := f.must(f.sign(bid, f.kid, f.priv))
	require.Equal(t, f.kid, first[0].KeyID)

	newPriv := testKey(4)
	evs := f.must(Command{Kind: CmdRotateKey, Participant: f.seller, KeyID: f.kid, KeyAlgorithm: AlgEd25519,
		PublicKey: newPriv.Public().(ed25519.PublicKey), ValidUntil: 200_000, Time: 2_500})
	newKey := evs[0].KeyID
	f.must(Command{Kind: CmdRotateKey, Participant: f.seller, KeyID: f.kid, KeyAlgorithm: AlgEd25519,
		PublicKey: testKey(5).Public().(ed25519.PublicKey), ValidUntil: 200_000, Time: 2_500}) // a second candidate, never confirmed
	// Until the new key is confirmed, the old one still signs.
	bid.Price, bid.Time = 595_000, 2_600
	f.must(f.sign(bid, f.kid, f.priv))
	evs = f.must(Command{Kind: CmdConfirmKey, Participant: f.seller, KeyID: newKey, Time: 3_000})
	require.Equal(t, []EventKind{EventKeyConfirmed, EventKeyRetired}, exKinds(evs))
	require.Equal(t, f.kid, evs[1].KeyID)
	require.Equal(t, int64(3_000), evs[1].CloseAt)

	bid.Price, bid.Time = 590_000, 3_100
	f.requireRefused(f.sign(bid, f.kid, f.priv), ReasonSignatureExpired)
	rivalBid := Command{Kind: CmdBid, Participant: rival, Tender: tid, Price: 620_000, Qty: 10, LeadTime: 3, Time: 3_200}
	f.requireRefused(rivalBid, ReasonSignatureMissing)
	rivalPriv := testKey(6)
	rivalKey := f.registerKey(rival, rivalPriv, 0, 100_000)
	f.must(Command{Kind: CmdConfirmKey, Participant: rival, KeyID: rivalKey})
	f.must(f.sign(rivalBid, rivalKey, rivalPriv))
	// The new key signs; a signature by the unconfirmed candidate does not.
	offer := f.offer(700_000)
	f.requireRefused(f.sign(offer, newKey, testKey(5)), ReasonSignatureInvalid)
	f.must(f.sign(offer, newKey, newPriv))
	f.requireRefused(Command{Kind: CmdCloseTender, Participant: f.buyer, Tender: tid, Time: 5_000}, ReasonSignatureMissing)
	closeEvs := f.must(Command{Kind: CmdCloseTender, Tender: tid, Time: 5_000}) // the operator holds no key
	aw := exOnly(closeEvs, EventAwarded)
	require.Len(t, aw, 1)
	require.Equal(t, f.seller, aw[0].Participant)
	require.Equal(t, catalog.Price(595_000), aw[0].Price, "the bid signed with the retired key stands and wins")
}

// hashSigner is a test-only algorithm: the signature of msg under key k is
// SHA-256(k || msg). It shows that an algorithm plugs in through
// Config.Verifiers alone.
type hashSigner struct{}

const algHash Algorithm = 200

func (hashSigner) Verify(pub, msg, sig []byte) bool {
	h := sha256.Sum256(append(append([]byte(nil), pub...), msg...))
	return len(pub) > 0 && bytes.Equal(h[:], sig)
}

func hashSign(c *Command, pub []byte) {
	h := sha256.Sum256(append(append([]byte(nil), pub...), AppendSigningBytes(nil, c)...))
	c.Signature = h[:]
}

// TestSecondAlgorithm: a key of a plugged-in algorithm signs through the
// same engine; an exchange without its verifier refuses its signatures.
func TestSecondAlgorithm(t *testing.T) {
	vs := DefaultVerifiers()
	vs[algHash] = hashSigner{}
	for _, withVerifier := range []bool{true, false} {
		cfg := Config{}
		if withVerifier {
			cfg.Verifiers = vs
		}
		f := newSignFixture(t, cfg)
		pub := []byte("a GOST-like public key")
		k := f.must(Command{Kind: CmdRegisterKey, Participant: f.seller, KeyAlgorithm: algHash, PublicKey: pub, ValidUntil: 100_000})[0].KeyID
		f.must(Command{Kind: CmdConfirmKey, Participant: f.seller, KeyID: k})
		c := f.offer(700_000)
		c.KeyID, c.Nonce = k, 1
		hashSign(&c, pub)
		if !withVerifier {
			f.requireRefused(c, ReasonSignatureInvalid)
			continue
		}
		evs := f.must(c)
		require.Equal(t, k, evs[0].KeyID)
		c.Price = 710_000 // tampered after signing
		f.requireRefused(c, ReasonSignatureInvalid)
	}
}

// TestTrustVerified: with TrustVerified the exchange takes the flag that a
// gateway set (Exchange.Verify) and does not verify again; without it a
// command that claims to be verified is checked.
func TestTrustVerified(t *testing.T) {
	gw := newSignFixture(t, Config{})
	f := newSignFixture(t, Config{TrustVerified: true})
	c := f.sign(f.offer(700_000), f.kid, f.priv)
	require.True(t, gw.x.Verify(&c), "the gateway's copy of the keys verifies it")
	require.True(t, c.SignatureVerified)
	f.must(c)
	bad := c
	bad.Nonce, bad.SignatureVerified = 50, false
	f.requireRefused(bad, ReasonSignatureInvalid)
	// A replica trusts the flag even over a bad signature: the audit of the
	// journal is what catches such a command.
	bad.SignatureVerified = true
	f.must(bad)
	require.False(t, gw.x.Verify(&bad))
	require.False(t, bad.SignatureVerified)
}

// TestSignedRecordGolden pins the signing bytes and the codec bytes of a
// signed command, under a fixed Ed25519 key (Ed25519 signatures are
// deterministic).
func TestSignedRecordGolden(t *testing.T) {
	c := Command{Kind: CmdBid, Time: 1_000, Participant: 2, Tender: 3, Price: 600_000, Qty: 10, LeadTime: 7, KeyID: 4, Nonce: 5}
	SignEd25519(&c, testKey(1))
	msg := hex.EncodeToString(AppendSigningBytes(nil, &c))
	require.Equal(t, hex.EncodeToString([]byte(SigningContext))+
		"02"+"0c"+"00"+"02"+ // version, Kind bid, Time 0 (not signed), Participant
		"0000000000000000"+ // Category, Basis, OrderID, ClientOrderID, Side, Type, TIF, STP
		"809f49"+"14"+ // Price 600000, Qty 10 (zigzag)
		"00000000000000000000"+ // MinQty, ExpireAt, Status, Name, INN, KPP, Bases, MaxQty, Subscription, Rating
		"03"+"000000000000000000000000"+"0e"+"0000"+ // Tender, its terms, LeadTime 7, MarketMode, RefPrice
		"04"+"0000000000"+"05"+"00"+"00", msg, // KeyID, key fields, Nonce, no Signature, not verified
		"Time, Signature and SignatureVerified are not signed; KeyID and Nonce are")
	sig := hex.EncodeToString(c.Signature)
	c.SignatureVerified = true
	rec := AppendCommand(nil, &c)
	want := "02" + "0c" + "d00f" + "02" + "0000000000000000" + "809f49" + "14" + "00000000000000000000" +
		"03" + "000000000000000000000000" + "0e" + "0000" +
		"04" + "0000000000" + "05" + "40" + sig + "01" // Time 1000; Signature of 64 bytes; verified
	require.Equal(t, want, hex.EncodeToString(rec))
	require.Equal(t, "ed36efed4191a7da68e9b5ae5cfa704ecd93361a74cbd16d5faf52eef06e88dd6634f49bb6fe39143d35db4e49b08f0a082e8a3d9d6286dd45624a31827fc208", sig, "the Ed25519 signature of the fixed key is fixed")
	got, n, err := DecodeCommand(rec)
	require.NoError(t, err)
	require.Equal(t, len(rec), n)
	require.Equal(t, c, got)
	require.True(t, Ed25519{}.Verify(testKey(1).Public().(ed25519.PublicKey), AppendSigningBytes(nil, &got), got.Signature))
}

// FuzzSignedCommandDecode decodes arbitrary bytes as a command; a decoded
// command re-encodes canonically, its signing bytes never include its
// signature, and submitting it to an exchange with a confirmed key never
// panics and keeps the invariants.
func FuzzSignedCommandDecode(f *testing.F) {
	priv := testKey(1)
	for i, c := range []Command{
		{Kind: CmdPlace, Participant: 1, Category: 12, Basis: 2, Side: Sell, Type: Limit, TIF: GTC, Price: 700_000, Qty: 10},
		{Kind: CmdCancel, Participant: 1, OrderID: 1<<40 | 1},
		{Kind: CmdBid, Participant: 1, Tender: 1, Price: 600_000, Qty: 10, LeadTime: 3},
	} {
		c.KeyID, c.Nonce = 1, uint64(i+1)
		SignEd25519(&c, priv)
		f.Add(AppendCommand(nil, &c))
	}
	f.Add([]byte{2})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkCommandDecode(t, b)
		c, _, err := DecodeCommand(b)
		if err != nil {
			return
		}
		// The signing bytes do not depend on Time, Signature or the flag.
		msg := AppendSigningBytes(nil, &c)
		c2 := c
		c2.Time, c2.Signature, c2.SignatureVerified = c.Time+1, append(c.Signature, 1), !c.SignatureVerified
		require.Equal(t, msg, AppendSigningBytes(nil, &c2))
		fx := newSignFixture(t, Config{})
		_, _ = fx.x.Submit(c, nil)
		require.NoError(t, fx.x.CheckInvariants())
	})
}

// TestSignedConcurrent runs signed commands on two markets, signed bids
// and key commands at the same time (run it under -race): the nonces of a
// market are written under its lock, those of the tenders under the admin
// lock, and the keys under every lock. The state then restores to itself.
func TestSignedConcurrent(t *testing.T) {
	f := newSignFixture(t, Config{})
	m2 := f.exFixture.key("23.51.12", "SPB")
	tid := f.must(Command{Kind: CmdOpenTender, Participant: f.buyer, Category: f.m.Category, Basis: f.m.Basis, Qty: 10,
		CloseAt: 90_000, TenderMode: TenderSealed, Evaluation: EvalLowestPrice})[0].Tender
	const n = 200
	mk := func(kind int, i int) Command {
		var c Command
		switch kind {
		case 0:
			c = exLimit(f.seller, f.m, Sell, 700_000, 10)
		case 1:
			c = exLimit(f.seller, m2, Sell, 700_000, 10)
		default:
			c = Command{Kind: CmdBid, Participant: f.seller, Tender: tid, Price: catalog.Price(600_000 - 100*i), Qty: 10, LeadTime: 3}
		}
		c.KeyID, c.Nonce, c.Time = f.kid, uint64(i+1), 2_000
		SignEd25519(&c, f.priv)
		return c
	}
	var cmds [3][]Command
	for k := range cmds {
		for i := range n {
			cmds[k] = append(cmds[k], mk(k, i))
		}
	}
	done := make(chan error, 4)
	for k := range cmds {
		go func() {
			for _, c := range cmds[k] {
				if _, err := f.x.Submit(c, nil); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	go func() {
		for i := range 20 {
			priv := testKey(byte(100 + i))
			if _, err := f.x.Submit(Command{Kind: CmdRegisterKey, Participant: f.buyer, KeyAlgorithm: AlgEd25519,
				PublicKey: priv.Public().(ed25519.PublicKey), ValidUntil: 10, Time: 2_000}, nil); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 4 {
		require.NoError(t, <-done)
	}
	require.NoError(t, f.x.CheckInvariants())
	require.Len(t, f.allKeys(), 21)
	b, err := f.x.MarshalState()
	require.NoError(t, err)
	y, err := RestoreState(Config{}, b)
	require.NoError(t, err)
	require.NoError(t, y.CheckInvariants())
	again, err := y.MarshalState()
	require.NoError(t, err)
	require.Equal(t, b, again)
	// The restored nonces still refuse a replay.
	_, err = y.Submit(cmds[1][n-1], nil)
	require.ErrorIs(t, err, ErrNonceReplayed)
}
