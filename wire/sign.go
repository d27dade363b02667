package wire

import (
	"crypto/ed25519"
)

// KeyID names a registered public key. The exchange assigns them from 1 in
// sequence order and never reuses one. Zero is never valid.
type KeyID uint64

// Algorithm names a signature algorithm. The engine never interprets it:
// it stores the algorithm with the key, and the verifier registered for it
// (see Verifiers) checks the signatures. The zero value is invalid; values
// other than the named ones are free for other algorithms (for example
// GOST R 34.10-2012), which plug in without a change to the engine.
type Algorithm uint8

const (
	// AlgEd25519: Ed25519 (RFC 8032) with 32-byte public keys and 64-byte
	// signatures, from crypto/ed25519. It is the default.
	AlgEd25519 Algorithm = 1
)

// SignPolicy says whether the binding commands (see Binding) in a scope
// must be signed. The zero value is invalid in a command.
type SignPolicy uint8

const (
	// SignOptional: unsigned binding commands are accepted; a signed one
	// is still checked in full.
	SignOptional SignPolicy = 1 + iota
	// SignRequired: an unsigned binding command of a participant is
	// refused with ReasonSignatureMissing. Operator commands (Participant
	// zero) are exempt: the operator holds no participant key.
	SignRequired
	// SignInherit removes the policy of a market or a tender, which then
	// follows the next less specific one; exchange-wide it means
	// SignOptional.
	SignInherit
	signPolicyEnd
)

// Limits of the key and signature fields, part of the one set of limits
// (see MaxStringLen): a command over any of them is refused with
// ReasonTooLarge, and the codec clips such a field to one byte over the
// limit.
const (
	// MaxKeyLen is the longest PublicKey, in bytes.
	MaxKeyLen = 1 << 10
	// MaxSignatureLen is the longest Signature, in bytes.
	MaxSignatureLen = 1 << 10
)

// SigningContext opens the signing bytes of every command, so that a
// signature over them cannot be taken for a signature over anything else.
const SigningContext = "agora signed command v1\x00"

// AppendSigningBytes appends the bytes that the signature of c covers to
// dst and returns the extended slice:
//
//	SigningContext || AppendCommand(c') (codec version 2, or 3 with Grade)
//
// where c' is c with Time zero, Signature nil and SignatureVerified false.
// They hold every other field, KeyID and Nonce included: the key and the
// per-participant nonce are signed, the time (which a gateway or the log
// may assign) and the sequence number (which the log assigns, and which is
// no field of a Command) are not. The form is fixed: a later codec version
// keeps producing these bytes for the commands it can express in version
// 2. It allocates only if dst lacks room. Cost: O(size of c).
func AppendSigningBytes(dst []byte, c *Command) []byte {
	cc := *c
	cc.Time, cc.Signature, cc.SignatureVerified = 0, nil, false
	dst = append(dst, SigningContext...)
	return AppendCommand(dst, &cc)
}

// A Verifier checks the signatures of one algorithm. Verify reports
// whether sig is a valid signature of msg under public key pub; it must
// return false, never panic, for input of any size, and must be safe for
// concurrent use.
type Verifier interface {
	Verify(pub, msg, sig []byte) bool
}

// Ed25519 is the Verifier of AlgEd25519 (crypto/ed25519).
type Ed25519 struct{}

// Verify reports whether sig is pub's Ed25519 signature of msg; a key or
// signature of the wrong size is false. Cost: one Ed25519 verification
// (tens of microseconds), no allocation.
func (Ed25519) Verify(pub, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, msg, sig)
}

// Verifiers holds the Verifier of each algorithm, indexed by Algorithm. A
// nil entry is an algorithm no one can verify: its signatures fail. Build
// one with DefaultVerifiers and set further entries; do not change it once
// an exchange uses it.
type Verifiers [256]Verifier

// DefaultVerifiers returns Verifiers with AlgEd25519 set.
func DefaultVerifiers() *Verifiers {
	var v Verifiers
	v[AlgEd25519] = Ed25519{}
	return &v
}

// VerifySignature reports whether c's Signature is valid under public key
// pub of algorithm alg: the signature mathematics only, over
// AppendSigningBytes(c), which it builds in scratch (grown if needed and
// returned for reuse). It does not look at the key's state, validity or
// owner, nor at the nonce: the engine checks those when it applies c.
func (vs *Verifiers) VerifySignature(c *Command, alg Algorithm, pub []byte, scratch []byte) (bool, []byte) {
	v := vs[alg]
	if v == nil || len(c.Signature) == 0 {
		return false, scratch
	}
	scratch = AppendSigningBytes(scratch[:0], c)
	return v.Verify(pub, scratch, c.Signature), scratch
}

// SignEd25519 signs c with priv: it sets c.Signature to the Ed25519
// signature of AppendSigningBytes(c), clearing SignatureVerified. Set
// Participant, KeyID, Nonce and every other field first: changing any of
// them afterwards (Time excepted) invalidates the signature. It is a
// client's helper; the exchange never signs.
func SignEd25519(c *Command, priv ed25519.PrivateKey) {
	c.SignatureVerified = false
	c.Signature = ed25519.Sign(priv, AppendSigningBytes(nil, c))
}
