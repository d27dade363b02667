package audit

import (
	"testing"

	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/wire"
)

// failure judges accepted signed commands against the key as it stood:
// the engine refuses these, so only a disagreeing replay reaches them.
func TestFailureOfAcceptedCommand(t *testing.T) {
	good := sigJob{
		s:        Signer{Seq: 9, Kind: wire.CmdPlace, Time: 50, Participant: 2, KeyID: 1, Flagged: true, Valid: true, KeyState: engine.KeyConfirmed},
		hasSig:   true,
		keyKnown: true,
		verifier: wire.Ed25519{},
		key:      engine.KeyInfo{ID: 1, Owner: 2, ValidUntil: 100},
	}
	sc := newSigCheck(SignatureOptions{})
	if r, d := sc.failure(&good); r != nil {
		t.Fatalf("good job fails: %v %s", r, d)
	}
	for name, c := range map[string]struct {
		edit          func(j *sigJob)
		want, refused error // accepted, and refused by the engine
	}{
		"pending key":       {func(j *sigJob) { j.s.KeyState = engine.KeyPending }, ErrKeyNotValid, nil},
		"revoked key":       {func(j *sigJob) { j.s.KeyState = engine.KeyRevoked }, ErrKeyNotValid, nil},
		"past valid-until":  {func(j *sigJob) { j.s.Time = 100 }, ErrKeyNotValid, nil},
		"unflagged invalid": {func(j *sigJob) { j.s.Flagged, j.s.Valid = false, false }, ErrBadSignature, nil},
		"flagged invalid":   {func(j *sigJob) { j.s.Valid = false }, ErrBadSignature, ErrBadSignature},
		"unknown key":       {func(j *sigJob) { j.s.Flagged, j.keyKnown = false, false }, ErrUnknownKey, nil},
		"flagged unknown":   {func(j *sigJob) { j.keyKnown = false }, ErrUnknownKey, ErrUnknownKey},
		"no verifier":       {func(j *sigJob) { j.verifier = nil }, ErrNoVerifier, ErrNoVerifier},
		"flag, no sig":      {func(j *sigJob) { j.hasSig = false }, ErrFalseFlag, ErrFalseFlag},
	} {
		j := good
		c.edit(&j)
		if r, _ := sc.failure(&j); r != c.want {
			t.Errorf("%s: got %v, want %v", name, r, c.want)
		}
		// Refused, the same command fails only for a false claim.
		j.s.Rejected = wire.ReasonSignatureExpired
		if r, _ := sc.failure(&j); r != c.refused {
			t.Errorf("%s refused: got %v, want %v", name, r, c.refused)
		}
	}
	untrusted := newSigCheck(SignatureOptions{Trust: func(k engine.KeyInfo) bool { return k.ID != 1 }})
	if r, _ := untrusted.failure(&good); r != ErrUntrustedKey {
		t.Fatalf("untrusted key: got %v", r)
	}
}
