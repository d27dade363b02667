package matching

import (
	"sync"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/wire"
)

// Signed commands.
//
// Verification runs before sequencing, outside every lock: Submit
// verifies a signed command (see Command.Signed) in the caller's
// goroutine before it takes the lock of the command's scope, so that
// submitters on different goroutines verify in parallel on every core,
// and only the engine's O(1) checks run under the locks. Submit sets
// SignatureVerified itself, whatever the caller set, unless
// Config.TrustVerified says that a gateway (or the primary, for a replica)
// has verified the command already: such a gateway calls Exchange.Verify,
// or wire.Verifiers.VerifySignature with keys of its own, on as many
// goroutines as it likes. Replay and recovery never verify again: the
// journal stores the command with its signature and its flag.

// KeyInfo describes a registered key; see engine.KeyInfo.
type KeyInfo = engine.KeyInfo

// KeyState is where a key stands in moderation; see engine.KeyState.
type KeyState = engine.KeyState

const (
	KeyPending   = engine.KeyPending
	KeyConfirmed = engine.KeyConfirmed
	KeyRevoked   = engine.KeyRevoked
)

// pubKey is the immutable part of a registered key that verification
// reads: published once, under every lock, never changed.
type pubKey struct {
	owner catalog.ParticipantID
	alg   wire.Algorithm
	pub   []byte
}

// signer is the verification state of an exchange.
type signer struct {
	verifiers *wire.Verifiers
	trust     bool
	keys      sync.Map  // wire.KeyID → *pubKey
	published int       // keys published, under every lock
	scratch   sync.Pool // *[]byte for the signing bytes
}

func (s *signer) init(cfg Config) {
	s.verifiers, s.trust = cfg.Verifiers, cfg.TrustVerified
	if s.verifiers == nil {
		s.verifiers = wire.DefaultVerifiers()
	}
	s.scratch.New = func() any { b := make([]byte, 0, 512); return &b }
}

// publishKeys makes the keys the engine registered since the last call
// visible to Verify. The caller holds every lock (or is the only user of
// x). Cost: O(new keys).
func (x *Exchange) publishKeys() {
	for ; x.sig.published < x.eng.Keys(); x.sig.published++ {
		k, _ := x.eng.Key(wire.KeyID(x.sig.published + 1))
		x.sig.keys.Store(k.ID, &pubKey{owner: k.Owner, alg: k.Algorithm, pub: k.PublicKey})
	}
}

// Verify checks the signature mathematics of cmd and sets
// cmd.SignatureVerified to the result, which it returns: the signature
// must be valid, under the verifier of the key's algorithm, over
// wire.AppendSigningBytes(cmd), for the key cmd.KeyID registered by
// cmd.Participant. It does not check the key's state, validity window or
// nonce: the engine does at apply, at its effective clock. Verify takes no
// lock and is safe for concurrent use; Submit calls it for every signed
// command unless Config.TrustVerified is set. A key registered by a
// command sequenced after Verify ran is unknown to it. Cost: one
// signature verification (tens of microseconds for Ed25519) plus the
// signing bytes, built in pooled scratch space.
func (x *Exchange) Verify(cmd *Command) bool {
	cmd.SignatureVerified = false
	v, ok := x.sig.keys.Load(cmd.KeyID)
	if !ok {
		return false
	}
	k := v.(*pubKey)
	if k.owner != cmd.Participant {
		return false
	}
	bp := x.sig.scratch.Get().(*[]byte)
	ok, *bp = x.sig.verifiers.VerifySignature(cmd, k.alg, k.pub, *bp)
	x.sig.scratch.Put(bp)
	cmd.SignatureVerified = ok
	return ok
}

// Key returns key id as it stands now. It takes the admin lock. Cost: O(1).
func (x *Exchange) Key(id KeyID) (KeyInfo, bool) {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	return x.eng.Key(id)
}
