package audit

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/wire"
)

// Errors of the signature check. A failing record is reported as a
// *SignatureError, which matches ErrSignature and one of the others with
// errors.Is.
var (
	// ErrSignature matches every failure of the signature check.
	ErrSignature = errors.New("audit: signature check failed")
	// ErrBadSignature: a binding command that the exchange took as
	// verified (flagged SignatureVerified) carries a signature that is not
	// valid under the public key of its KeyID: the record was changed
	// after it was signed, or whoever set the flag did not verify it.
	ErrBadSignature = errors.New("audit: signature does not verify")
	// ErrUnknownKey: a command flagged verified, or accepted as signed,
	// names a KeyID that is not a key of its participant at its sequence
	// number.
	ErrUnknownKey = errors.New("audit: unknown signing key")
	// ErrFalseFlag: a command is flagged SignatureVerified but carries no
	// signature or no KeyID, so nothing was verified.
	ErrFalseFlag = errors.New("audit: flagged verified without a signature")
	// ErrKeyNotValid: the exchange accepted a signed command whose key
	// was, at the command's sequence number, not confirmed, revoked, or
	// past its validity window at the command's time.
	ErrKeyNotValid = errors.New("audit: signing key not valid at that time")
	// ErrUntrustedKey: the exchange accepted a command signed with a key
	// that SignatureOptions.Trust does not trust.
	ErrUntrustedKey = errors.New("audit: signing key not trusted")
	// ErrNoVerifier: a command flagged verified uses an algorithm for
	// which SignatureOptions.Verifiers has no Verifier.
	ErrNoVerifier = errors.New("audit: no verifier for the key's algorithm")
)

// SignatureError names the first record that failed the signature check.
// errors.Is matches it with ErrSignature and with Reason.
type SignatureError struct {
	Seq         uint64
	File        string // the segment file
	Offset      int64  // the byte offset of the record's frame in File
	Kind        wire.CommandKind
	Participant catalog.ParticipantID
	KeyID       wire.KeyID
	// Reason is ErrBadSignature, ErrUnknownKey, ErrFalseFlag,
	// ErrKeyNotValid, ErrUntrustedKey or ErrNoVerifier.
	Reason error
	Detail string
}

func (e *SignatureError) Error() string {
	return fmt.Sprintf("audit: seq %d in %s at offset %d: %v by participant %d with key %d: %v: %s",
		e.Seq, e.File, e.Offset, e.Kind, e.Participant, e.KeyID, e.Reason, e.Detail)
}

// Unwrap returns ErrSignature and Reason.
func (e *SignatureError) Unwrap() []error { return []error{ErrSignature, e.Reason} }

// Signer describes one binding command of the journal (see wire.Binding)
// and who signed it, as the signature check found it.
type Signer struct {
	Seq         uint64
	File        string // the segment file
	Offset      int64  // the byte offset of the record's frame in File
	Kind        wire.CommandKind
	Time        int64 // the command's Time
	Participant catalog.ParticipantID
	// KeyID is the key the command names; 0 for an unsigned command.
	KeyID wire.KeyID
	// Algorithm, PublicKey and Fingerprint (the SHA-256 of PublicKey)
	// describe key KeyID of Participant as it stood at Seq; they are zero
	// when there was no such key. PublicKey is shared: do not change it.
	Algorithm   wire.Algorithm
	PublicKey   []byte
	Fingerprint [32]byte
	// KeyState is the key's state just before Seq (0: no such key).
	KeyState engine.KeyState
	// Flagged is the SignatureVerified flag as journaled: the exchange (or
	// the gateway it trusted) claimed to have verified the signature.
	Flagged bool
	// Valid reports that the signature verifies under PublicKey: the
	// holder of the private key signed the command's signing bytes.
	Valid bool
	// Rejected is the engine's reason for refusing the command on replay;
	// wire.ReasonNone when it was accepted.
	Rejected wire.RejectReason
}

// Signed reports whether the command carries a signature under a named key.
func (s *Signer) Signed() bool { return s.KeyID != 0 && s.PublicKey != nil }

// Fingerprint returns the SHA-256 of a public key, for comparing keys out
// of band.
func Fingerprint(pub []byte) [32]byte { return sha256.Sum256(pub) }

// SignatureCounts counts the binding commands that the signature check saw.
type SignatureCounts struct {
	Binding  int // binding commands re-executed
	Signed   int // of them, naming a key of their participant
	Valid    int // of them, whose signature verified
	Flagged  int // binding commands flagged SignatureVerified
	Rejected int // binding commands the engine refused
}

// SignatureOptions configures VerifySignatures.
type SignatureOptions struct {
	// Verifiers verifies each algorithm; nil means wire.DefaultVerifiers.
	Verifiers *wire.Verifiers
	// Trust, if not nil, says whether a registered key is the one its
	// owner holds (for example: its public key is in a list the owner
	// handed over out of band). An accepted signed command whose key it
	// does not trust fails with ErrUntrustedKey. Nil trusts every key the
	// journal registered and the operator confirmed.
	Trust func(engine.KeyInfo) bool
	// OnSigner, if not nil, is called for every binding command in
	// sequence order, after its signature was checked, the failing one
	// included; the Signer is valid only during the call. Its error stops
	// the check and is returned.
	OnSigner func(*Signer) error
	// Workers is the number of goroutines verifying signatures; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
}

// VerifySignatures runs Verify on the durable exchange kept in dir and, in
// the same replay, the signature check: the commands are applied to the
// engine in sequence order, so that at each sequence number the check
// knows the keys exactly as the exchange knew them (registered, confirmed,
// rotated, revoked, and their validity windows), and every binding command
// is checked against the key its KeyID named then. The check fails, naming
// the first failing record with a *SignatureError, when
//
//   - a command flagged SignatureVerified carries no signature
//     (ErrFalseFlag), names no key of its participant (ErrUnknownKey),
//     uses an algorithm without a verifier (ErrNoVerifier), or carries a
//     signature that does not verify over wire.AppendSigningBytes under the
//     key's public key (ErrBadSignature), whether the engine accepted the
//     command or not;
//   - an accepted signed command's key was, at its sequence number, not
//     confirmed or already revoked, or the command's Time was at or past
//     the key's ValidUntil (ErrKeyNotValid), or Trust refuses the key
//     (ErrUntrustedKey).
//
// A signed command that was not flagged verified (the exchange refused it
// with an invalid signature) and any other refused command are reported
// to OnSigner and counted, but do not fail the check. The chain
// verification is exactly Verify's; the first failing record, of either
// check, is the one reported (Report.Bad), and a chain failure at the
// same record wins. The signatures of records covered by the start
// snapshot (at or before Report.StartSeq) are not checked: the check
// starts from the keys in that snapshot's state.
//
// Report.Signatures counts what the check saw and Report.Keys lists the
// keys of the final state. Cost: Verify's, plus one signature verification
// per signed binding command, spread over Workers goroutines while the
// replay proceeds (about 50 µs per Ed25519 signature on one core).
func VerifySignatures(dir string, cfg engine.Config, opts SignatureOptions) (Report, error) {
	return VerifySignaturesFS(nil, dir, cfg, opts)
}

// VerifySignaturesFS is VerifySignatures on the filesystem fsys; nil
// means journal.OSFS.
func VerifySignaturesFS(fsys journal.FS, dir string, cfg engine.Config, opts SignatureOptions) (Report, error) {
	sc := newSigCheck(opts)
	defer sc.stop()
	return verify(fsys, dir, cfg, sc)
}

// sigBatch is the number of binding commands verified together.
const sigBatch = 256

// sigJob is one binding command waiting for its signature check.
type sigJob struct {
	s        Signer
	msg, sig []byte
	verifier wire.Verifier
	hasSig   bool
	keyKnown bool
	key      engine.KeyInfo // the key at Seq, if keyKnown
}

// sigCheck runs the signature check alongside a replay. The replay's
// goroutine prepares jobs in cur; full batches are verified by the
// workers while the replay fills the next one, and are then judged in
// order on the replay's goroutine.
type sigCheck struct {
	opts    SignatureOptions
	vs      *wire.Verifiers
	workers int

	cur, flying []sigJob
	n           int // jobs ready in cur
	pending     bool
	done        chan struct{}

	counts SignatureCounts
	bad    *SignatureError
	err    error // the first error of judge; the check stops there
}

func newSigCheck(opts SignatureOptions) *sigCheck {
	sc := &sigCheck{opts: opts, vs: opts.Verifiers, workers: opts.Workers}
	if sc.vs == nil {
		sc.vs = wire.DefaultVerifiers()
	}
	if sc.workers <= 0 {
		sc.workers = runtime.GOMAXPROCS(0)
	}
	sc.cur, sc.flying = make([]sigJob, sigBatch), make([]sigJob, sigBatch)
	sc.done = make(chan struct{}, 1)
	return sc
}

// prepare fills the next job from binding command cmd of record r, with
// the keys of eng before cmd is applied. It is apply's pre hook; commit
// makes the job count once the record has replayed.
func (sc *sigCheck) prepare(eng *engine.Engine, r *journal.RecordAt, cmd *wire.Command) {
	j := &sc.cur[sc.n]
	j.s = Signer{Seq: r.Seq, File: r.File, Offset: r.Offset, Kind: cmd.Kind, Time: cmd.Time,
		Participant: cmd.Participant, KeyID: cmd.KeyID, Flagged: cmd.SignatureVerified}
	j.verifier, j.keyKnown, j.hasSig, j.key = nil, false, len(cmd.Signature) != 0, engine.KeyInfo{}
	j.msg, j.sig = j.msg[:0], j.sig[:0]
	if cmd.KeyID == 0 {
		return
	}
	k, ok := eng.Key(cmd.KeyID)
	if !ok || k.Owner != cmd.Participant {
		return
	}
	j.keyKnown, j.key = true, k
	j.s.Algorithm, j.s.PublicKey, j.s.Fingerprint, j.s.KeyState = k.Algorithm, k.PublicKey, Fingerprint(k.PublicKey), k.State
	j.verifier = sc.vs[k.Algorithm]
	if j.hasSig && j.verifier != nil {
		j.msg = wire.AppendSigningBytes(j.msg, cmd)
		j.sig = append(j.sig, cmd.Signature...)
	}
}

// commit counts the prepared job with the command's events; when the
// batch is full it hands it to the workers. It returns the first failure
// found in an earlier batch.
func (sc *sigCheck) commit(evs []wire.Event) error {
	j := &sc.cur[sc.n]
	for i := range evs {
		if evs[i].Kind == wire.EventRejected {
			j.s.Rejected = evs[i].Reject
			break
		}
	}
	sc.n++
	if sc.n < len(sc.cur) {
		return nil
	}
	if err := sc.wait(); err != nil {
		return err
	}
	sc.cur, sc.flying = sc.flying, sc.cur
	n := sc.n
	sc.n = 0
	sc.pending = true
	go func(b []sigJob) {
		verifyJobs(b, sc.workers)
		sc.done <- struct{}{}
	}(sc.flying[:n])
	return nil
}

// wait judges the batch in flight, if any.
func (sc *sigCheck) wait() error {
	if sc.err != nil || !sc.pending {
		return sc.err
	}
	<-sc.done
	sc.pending = false
	sc.err = sc.judge(sc.flying[:sigBatch])
	return sc.err
}

// flush judges every job: the batch in flight, then the one being filled.
func (sc *sigCheck) flush() error {
	if err := sc.wait(); err != nil {
		return err
	}
	b := sc.cur[:sc.n]
	sc.n = 0
	verifyJobs(b, sc.workers)
	sc.err = sc.judge(b)
	return sc.err
}

// stop waits for a batch still in flight after a failure.
func (sc *sigCheck) stop() {
	if sc.pending {
		<-sc.done
		sc.pending = false
	}
}

// verifyJobs verifies the signatures of b on up to w goroutines.
func verifyJobs(b []sigJob, w int) {
	verify := func(b []sigJob) {
		for i := range b {
			j := &b[i]
			j.s.Valid = j.keyKnown && j.hasSig && j.verifier != nil && j.verifier.Verify(j.s.PublicKey, j.msg, j.sig)
		}
	}
	if w <= 1 || len(b) < 2*w {
		verify(b)
		return
	}
	var wg sync.WaitGroup
	per := (len(b) + w - 1) / w
	for lo := per; lo < len(b); lo += per {
		wg.Add(1)
		go func(b []sigJob) {
			defer wg.Done()
			verify(b)
		}(b[lo:min(lo+per, len(b))])
	}
	verify(b[:per])
	wg.Wait()
}

// judge counts the jobs of b in order, reports them to OnSigner and stops
// at the first failure.
func (sc *sigCheck) judge(b []sigJob) error {
	for i := range b {
		j := &b[i]
		s := &j.s
		c := &sc.counts
		c.Binding++
		if j.keyKnown {
			c.Signed++
		}
		if s.Valid {
			c.Valid++
		}
		if s.Flagged {
			c.Flagged++
		}
		if s.Rejected != wire.ReasonNone {
			c.Rejected++
		}
		reason, detail := sc.failure(j)
		if sc.opts.OnSigner != nil {
			if err := sc.opts.OnSigner(s); err != nil {
				return err
			}
		}
		if reason != nil {
			sc.bad = &SignatureError{Seq: s.Seq, File: s.File, Offset: s.Offset, Kind: s.Kind,
				Participant: s.Participant, KeyID: s.KeyID, Reason: reason, Detail: detail}
			return sc.bad
		}
	}
	return nil
}

// failure returns why job j fails the check, or nil.
func (sc *sigCheck) failure(j *sigJob) (error, string) {
	s := &j.s
	if s.Flagged {
		switch {
		case s.KeyID == 0 || !j.hasSig:
			return ErrFalseFlag, "flagged verified, but the command carries no signature or no key"
		case !j.keyKnown:
			return ErrUnknownKey, fmt.Sprintf("flagged verified, but key %d is no key of participant %d at this sequence number", s.KeyID, s.Participant)
		case j.verifier == nil:
			return ErrNoVerifier, fmt.Sprintf("algorithm %v", s.Algorithm)
		case !s.Valid:
			return ErrBadSignature, fmt.Sprintf("the signature does not verify under %v key %x", s.Algorithm, s.Fingerprint[:8])
		}
	}
	if s.Rejected != wire.ReasonNone || s.KeyID == 0 {
		return nil, ""
	}
	// The engine accepted a signed command: it must have held a flag that
	// verified (above), under a key usable then.
	switch {
	case !j.keyKnown:
		return ErrUnknownKey, "accepted, but names no key of its participant"
	case !s.Valid:
		return ErrBadSignature, "accepted without a verified signature"
	case s.KeyState != engine.KeyConfirmed:
		state := "pending"
		if s.KeyState == engine.KeyRevoked {
			state = "revoked"
		}
		return ErrKeyNotValid, fmt.Sprintf("the key was %s at this sequence number", state)
	case s.Time >= j.key.ValidUntil:
		return ErrKeyNotValid, fmt.Sprintf("time %d at or past the key's valid-until %d", s.Time, j.key.ValidUntil)
	case sc.opts.Trust != nil && !sc.opts.Trust(j.key):
		return ErrUntrustedKey, fmt.Sprintf("%v key %x", s.Algorithm, s.Fingerprint[:8])
	}
	return nil, ""
}
