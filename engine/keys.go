package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/wire"
)

// Signatures.
//
// The signing part of the state holds the participants' public keys, the
// signature policies and the signing clock; the nonces that signed
// commands have used live in the domain that the command changes: one
// nonce table per market (written by that market's commands) and one for
// the tenders (written by the ScopeAdmin tender commands). The keys and
// the policies are written only by ScopeAll commands (the key commands
// and CmdSetSignPolicy), so every command may read them.
//
// The engine never verifies a signature: the verification before
// sequencing (package matching) sets wire.Command.SignatureVerified, and
// the engine checks, at the command's effective time, in this order:
//
//   - an unsigned binding command of a participant is refused with
//     ReasonSignatureMissing where the policy requires a signature;
//   - KeyID must name a key of the command's Participant
//     (ReasonUnknownKey);
//   - the signature must be flagged verified (ReasonSignatureInvalid);
//   - the key must not be revoked (ReasonKeyRevoked) and must be
//     confirmed (ReasonKeyNotConfirmed);
//   - the effective time must lie in the key's validity window
//     (ReasonSignatureExpired);
//   - the nonce must be fresh in its domain (ReasonNonceReplayed).
//
// The effective time is the market's clock for CmdPlace, CmdCancel and
// CmdAmend on an open market, the tender's clock for CmdBid,
// CmdCloseTender and CmdCancelTender, and the signing clock (the latest
// time of any key command and of any signed command outside the open
// markets, never going back) for a command that opens a market or a
// tender: a backdated Time cannot revive an expired key.
//
// A nonce is fresh in a domain when it is above the participant's highest
// nonce there, or one of the 63 below it not used yet (a window, so that
// commands sent in parallel may arrive out of order). Nonce 0 is never
// fresh. A command that passes every check uses its nonce even when it is
// then refused for another reason, so that a refused command cannot be
// replayed once the cause of its refusal is gone. Memory: 24 bytes per
// participant per domain it signed in.
type signing struct {
	keys []keyEntry // keys[id-1]

	exchange wire.SignPolicy // SignOptional or SignRequired; 0 means optional
	byMarket map[wire.MarketKey]wire.SignPolicy
	byTender map[wire.TenderID]wire.SignPolicy
	// mayRequire is set when some policy requires signatures: an unsigned
	// command needs no policy lookup otherwise.
	mayRequire bool

	// ScopeAdmin: the signing clock and the tenders' nonces.
	clock   int64
	tenders nonceTable
}

// KeyState is where a key stands in moderation. The zero value is invalid.
type KeyState uint8

const (
	// KeyPending: registered, not confirmed yet; it signs nothing.
	KeyPending KeyState = 1 + iota
	// KeyConfirmed: confirmed by the operator; it signs within its
	// validity window.
	KeyConfirmed
	// KeyRevoked: revoked; it signs nothing any more.
	KeyRevoked
	keyStateEnd
)

// KeyInfo describes a registered key.
type KeyInfo struct {
	ID        wire.KeyID
	Owner     catalog.ParticipantID
	Algorithm wire.Algorithm
	// PublicKey is shared with the engine: do not change it.
	PublicKey []byte
	// The key signs at effective times in [ValidFrom, ValidUntil). A
	// confirmed rotation lowers ValidUntil of the key it replaces to the
	// confirmation's time.
	ValidFrom, ValidUntil int64
	State                 KeyState
	// Replaces is the key that this one rotates out (0 for none).
	Replaces wire.KeyID
	// The sequence numbers of the commands that registered, confirmed,
	// retired (by confirming the key's rotation) and revoked the key (0:
	// not yet). An audit checks a signature against the key as it stood at
	// the command's sequence number.
	Registered, Confirmed, Retired, Revoked uint64
}

type keyEntry = KeyInfo

// nonceWindow is one participant's nonces in one domain: the highest used
// and, in bit i, whether high-i was used.
type nonceWindow struct {
	high uint64
	used uint64
}

// nonceTable holds the nonce windows of one domain, by participant; nil
// until the first signed command there.
type nonceTable map[catalog.ParticipantID]nonceWindow

func (w nonceWindow) fresh(n uint64) bool {
	switch {
	case n == 0:
		return false
	case n > w.high:
		return true
	case w.high-n >= 64:
		return false
	}
	return w.used&(1<<(w.high-n)) == 0
}

func (w *nonceWindow) use(n uint64) {
	if n > w.high {
		if d := n - w.high; d >= 64 {
			w.used = 0
		} else {
			w.used <<= d
		}
		w.high, w.used = n, w.used|1
		return
	}
	w.used |= 1 << (w.high - n)
}

func (t *nonceTable) use(p catalog.ParticipantID, n uint64) {
	if *t == nil {
		*t = nonceTable{}
	}
	w := (*t)[p]
	w.use(n)
	(*t)[p] = w
}

// key returns key id of owner p, or nil.
func (s *signing) key(id wire.KeyID, p catalog.ParticipantID) *keyEntry {
	if id == 0 || id > wire.KeyID(len(s.keys)) || s.keys[id-1].Owner != p {
		return nil
	}
	return &s.keys[id-1]
}

// Key returns key id. It reads the signing part, which only ScopeAll
// commands write. Cost: O(1).
func (e *Engine) Key(id wire.KeyID) (KeyInfo, bool) {
	if id == 0 || id > wire.KeyID(len(e.sign.keys)) {
		return KeyInfo{}, false
	}
	return e.sign.keys[id-1], true
}

// Keys returns the number of registered keys; their IDs run from 1.
// Cost: O(1).
func (e *Engine) Keys() int { return len(e.sign.keys) }

// marketPolicy is the policy of market k.
func (s *signing) marketPolicy(k wire.MarketKey) wire.SignPolicy {
	if p, ok := s.byMarket[k]; ok {
		return p
	}
	return s.exchange
}

// tenderPolicy is the policy of tender t.
func (s *signing) tenderPolicy(t *tender) wire.SignPolicy {
	if p, ok := s.byTender[t.info.ID]; ok {
		return p
	}
	return s.marketPolicy(wire.MarketKey{Category: t.info.Category, Basis: t.info.Basis})
}

// check returns why binding command cmd must be refused at effective time
// now under policy pol, with nonces its domain's table, or ReasonNone. It
// changes nothing. Cost: O(1).
func (s *signing) check(cmd *wire.Command, now int64, pol wire.SignPolicy, nonces nonceTable) wire.RejectReason {
	if !cmd.Signed() {
		if pol == wire.SignRequired && cmd.Participant != 0 {
			return wire.ReasonSignatureMissing
		}
		return wire.ReasonNone
	}
	k := s.key(cmd.KeyID, cmd.Participant)
	switch {
	case k == nil:
		return wire.ReasonUnknownKey
	case !cmd.SignatureVerified:
		return wire.ReasonSignatureInvalid
	case k.State == KeyRevoked:
		return wire.ReasonKeyRevoked
	case k.State != KeyConfirmed:
		return wire.ReasonKeyNotConfirmed
	case now < k.ValidFrom || now >= k.ValidUntil:
		return wire.ReasonSignatureExpired
	case !nonces[cmd.Participant].fresh(cmd.Nonce):
		return wire.ReasonNonceReplayed
	}
	return wire.ReasonNone
}

// signedMarket checks binding command cmd on open market m and uses its
// nonce. It belongs to m's ScopeMarket.
func (e *Engine) signedMarket(m *Market, cmd *wire.Command) wire.RejectReason {
	if !cmd.Signed() && !e.sign.mayRequire {
		return wire.ReasonNone
	}
	if r := e.sign.check(cmd, max(m.book.Now(), cmd.Time), e.sign.marketPolicy(m.key), m.nonces); r != wire.ReasonNone || !cmd.Signed() {
		return r
	}
	m.nonces.use(cmd.Participant, cmd.Nonce)
	return wire.ReasonNone
}

// signedOpening checks a binding command that would open a market, at the
// signing clock, without using its nonce (the market it opens does). It
// belongs to ScopeAdmin.
func (e *Engine) signedOpening(cmd *wire.Command) wire.RejectReason {
	if !cmd.Signed() && !e.sign.mayRequire {
		return wire.ReasonNone
	}
	now := max(e.sign.clock, cmd.Time)
	if cmd.Signed() {
		e.sign.clock = now
	}
	return e.sign.check(cmd, now, e.sign.marketPolicy(cmd.Key()), nil)
}

// signedTender checks a tender command (CmdOpenTender, CmdBid,
// CmdCloseTender, CmdCancelTender) and uses its nonce. It belongs to
// ScopeAdmin. A command that names an unknown tender is left to the
// tender's own checks unless it is signed.
func (e *Engine) signedTender(cmd *wire.Command) wire.RejectReason {
	if !cmd.Signed() && !e.sign.mayRequire {
		return wire.ReasonNone
	}
	now, pol := max(e.sign.clock, cmd.Time), wire.SignPolicy(0)
	if cmd.Kind == wire.CmdOpenTender {
		pol = e.sign.marketPolicy(cmd.Key())
	} else if t := e.tenders.get(cmd.Tender); t != nil {
		now, pol = max(t.clock, cmd.Time), e.sign.tenderPolicy(t)
	} else {
		pol = e.sign.exchange
	}
	if cmd.Signed() && cmd.Kind == wire.CmdOpenTender {
		e.sign.clock = now
	}
	if r := e.sign.check(cmd, now, pol, e.sign.tenders); r != wire.ReasonNone || !cmd.Signed() {
		return r
	}
	e.sign.tenders.use(cmd.Participant, cmd.Nonce)
	return wire.ReasonNone
}

// markSigned sets the KeyID of the events of a signed command.
func markSigned(cmd *wire.Command, evs []wire.Event) {
	if cmd.KeyID == 0 {
		return
	}
	for i := range evs {
		evs[i].KeyID = cmd.KeyID
	}
}

// keyEvent returns an event of key k.
func keyEvent(seq uint64, cmd *wire.Command, kind wire.EventKind, k *keyEntry) wire.Event {
	return wire.Event{
		Seq: seq, Time: cmd.Time, Kind: kind, Command: cmd.Kind, Participant: k.Owner,
		KeyID: k.ID, OpenAt: k.ValidFrom, CloseAt: k.ValidUntil,
	}
}

// keyCommand runs a key command (ScopeAll) and counts it outside the
// markets. The command's time moves the signing clock.
func (e *Engine) keyCommand(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	var r wire.RejectReason
	dst, r = e.keyOp(seq, cmd, dst)
	if r != wire.ReasonNone {
		dst = append(dst[:start], rejected(seq, cmd.Time, cmd, r))
	}
	e.sign.clock = max(e.sign.clock, cmd.Time)
	e.countOutside(cmd.Participant, cmd.Kind, dst[start:])
	return dst, r.Err()
}

func (e *Engine) keyOp(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, wire.RejectReason) {
	s := &e.sign
	if cmd.Kind == wire.CmdSetSignPolicy {
		return e.setSignPolicy(seq, cmd, dst)
	}
	if !e.known(cmd.Participant) {
		return dst, wire.ReasonUnknownParticipant
	}
	var old *keyEntry
	if cmd.Kind != wire.CmdRegisterKey {
		if old = s.key(cmd.KeyID, cmd.Participant); old == nil {
			return dst, wire.ReasonUnknownKey
		}
	}
	switch cmd.Kind {
	case wire.CmdRegisterKey, wire.CmdRotateKey:
		switch {
		case cmd.KeyAlgorithm == 0 || len(cmd.PublicKey) == 0 || cmd.ValidUntil <= cmd.ValidFrom:
			return dst, wire.ReasonInvalidKey
		case old != nil && old.State == KeyRevoked:
			return dst, wire.ReasonKeyRevoked
		}
		k := keyEntry{
			ID: wire.KeyID(len(s.keys) + 1), Owner: cmd.Participant, Algorithm: cmd.KeyAlgorithm,
			PublicKey: bytes.Clone(cmd.PublicKey), ValidFrom: cmd.ValidFrom, ValidUntil: cmd.ValidUntil,
			State: KeyPending, Registered: seq,
		}
		if old != nil {
			k.Replaces = old.ID
		}
		s.keys = append(s.keys, k)
		return append(dst, keyEvent(seq, cmd, wire.EventKeyRegistered, &s.keys[len(s.keys)-1])), wire.ReasonNone
	case wire.CmdConfirmKey:
		if old.State != KeyPending {
			return dst, wire.ReasonBadTransition
		}
		old.State, old.Confirmed = KeyConfirmed, seq
		dst = append(dst, keyEvent(seq, cmd, wire.EventKeyConfirmed, old))
		if old.Replaces != 0 {
			if r := &s.keys[old.Replaces-1]; r.State != KeyRevoked && r.Retired == 0 {
				r.ValidUntil, r.Retired = min(r.ValidUntil, cmd.Time), seq
				dst = append(dst, keyEvent(seq, cmd, wire.EventKeyRetired, r))
			}
		}
		return dst, wire.ReasonNone
	case wire.CmdRevokeKey:
		if old.State == KeyRevoked {
			return dst, wire.ReasonBadTransition
		}
		old.State, old.Revoked = KeyRevoked, seq
		return append(dst, keyEvent(seq, cmd, wire.EventKeyRevoked, old)), wire.ReasonNone
	}
	return dst, wire.ReasonInvalidCommand
}

func (e *Engine) setSignPolicy(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, wire.RejectReason) {
	s := &e.sign
	pol := cmd.SignPolicy
	if pol == 0 || pol > wire.SignInherit {
		return dst, wire.ReasonInvalidPolicy
	}
	market := cmd.Category != 0 || cmd.Basis != 0
	switch {
	case market && cmd.Tender != 0:
		return dst, wire.ReasonInvalidPolicy
	case market:
		if _, r := e.tradable(cmd.Category); r != wire.ReasonNone {
			return dst, r
		}
		if _, ok := e.cat.Bases.ByID(cmd.Basis); !ok {
			return dst, wire.ReasonUnknownBasis
		}
		if pol == wire.SignInherit {
			delete(s.byMarket, cmd.Key())
		} else {
			if s.byMarket == nil {
				s.byMarket = map[wire.MarketKey]wire.SignPolicy{}
			}
			s.byMarket[cmd.Key()] = pol
		}
	case cmd.Tender != 0:
		if e.tenders.get(cmd.Tender) == nil {
			return dst, wire.ReasonUnknownTender
		}
		if pol == wire.SignInherit {
			delete(s.byTender, cmd.Tender)
		} else {
			if s.byTender == nil {
				s.byTender = map[wire.TenderID]wire.SignPolicy{}
			}
			s.byTender[cmd.Tender] = pol
		}
	default:
		s.exchange = pol
		if pol == wire.SignInherit {
			s.exchange = 0
		}
	}
	s.updateMayRequire()
	return append(dst, wire.Event{
		Seq: seq, Time: cmd.Time, Kind: wire.EventSignPolicy, Command: cmd.Kind,
		Category: cmd.Category, Basis: cmd.Basis, Tender: cmd.Tender, SignPolicy: pol,
	}), wire.ReasonNone
}

func (s *signing) updateMayRequire() {
	s.mayRequire = s.exchange == wire.SignRequired
	for _, p := range s.byMarket {
		s.mayRequire = s.mayRequire || p == wire.SignRequired
	}
	for _, p := range s.byTender {
		s.mayRequire = s.mayRequire || p == wire.SignRequired
	}
}

// empty reports whether the signing part holds nothing (no section in a
// state).
func (e *Engine) signingEmpty() bool {
	s := &e.sign
	if len(s.keys) != 0 || s.exchange != 0 || len(s.byMarket) != 0 || len(s.byTender) != 0 || s.clock != 0 || len(s.tenders) != 0 {
		return false
	}
	for _, m := range e.markets.list {
		if len(m.nonces) != 0 {
			return false
		}
	}
	return true
}

// appendSigning writes the signing section: the keys in ID order, the
// exchange-wide policy, the market policies in key order, the tender
// policies in ID order, the signing clock, the tenders' nonce table, then
// the markets with a nonce table, by index. A nonce table is its
// participants in ID order with their highest nonce and window bits.
func (e *Engine) appendSigning(dst []byte) []byte {
	s := &e.sign
	dst = binary.AppendUvarint(dst, uint64(len(s.keys)))
	for i := range s.keys {
		k := &s.keys[i]
		dst = binary.AppendUvarint(dst, uint64(k.Owner))
		dst = append(dst, byte(k.Algorithm))
		dst = appendString(dst, string(k.PublicKey))
		dst = binary.AppendVarint(dst, k.ValidFrom)
		dst = binary.AppendVarint(dst, k.ValidUntil)
		dst = append(dst, byte(k.State))
		dst = binary.AppendUvarint(dst, uint64(k.Replaces))
		dst = binary.AppendUvarint(dst, k.Registered)
		dst = binary.AppendUvarint(dst, k.Confirmed)
		dst = binary.AppendUvarint(dst, k.Retired)
		dst = binary.AppendUvarint(dst, k.Revoked)
	}
	dst = append(dst, byte(s.exchange))
	mk := make([]wire.MarketKey, 0, len(s.byMarket))
	for k := range s.byMarket {
		mk = append(mk, k)
	}
	slices.SortFunc(mk, func(a, b wire.MarketKey) int {
		if a.Category != b.Category {
			return int(a.Category) - int(b.Category)
		}
		return int(a.Basis) - int(b.Basis)
	})
	dst = binary.AppendUvarint(dst, uint64(len(mk)))
	for _, k := range mk {
		dst = binary.AppendUvarint(dst, uint64(k.Category))
		dst = binary.AppendUvarint(dst, uint64(k.Basis))
		dst = append(dst, byte(s.byMarket[k]))
	}
	tk := make([]wire.TenderID, 0, len(s.byTender))
	for k := range s.byTender {
		tk = append(tk, k)
	}
	slices.Sort(tk)
	dst = binary.AppendUvarint(dst, uint64(len(tk)))
	for _, k := range tk {
		dst = binary.AppendUvarint(dst, uint64(k))
		dst = append(dst, byte(s.byTender[k]))
	}
	dst = binary.AppendVarint(dst, s.clock)
	dst = s.tenders.appendState(dst)
	n := 0
	for _, m := range e.markets.list {
		if len(m.nonces) != 0 {
			n++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for _, m := range e.markets.list {
		if len(m.nonces) != 0 {
			dst = binary.AppendUvarint(dst, m.index)
			dst = m.nonces.appendState(dst)
		}
	}
	return dst
}

func (t nonceTable) appendState(dst []byte) []byte {
	ps := make([]catalog.ParticipantID, 0, len(t))
	for p := range t {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	dst = binary.AppendUvarint(dst, uint64(len(ps)))
	for _, p := range ps {
		dst = binary.AppendUvarint(dst, uint64(p))
		dst = binary.AppendUvarint(dst, t[p].high)
		dst = binary.AppendUvarint(dst, t[p].used)
	}
	return dst
}

func (e *Engine) restoreSigning(r *stateReader) error {
	s := &e.sign
	n := r.count(12)
	for i := range n {
		k := keyEntry{ID: wire.KeyID(i + 1), Owner: catalog.ParticipantID(r.uvarint32()), Algorithm: wire.Algorithm(r.u8())}
		k.PublicKey = []byte(r.str())
		k.ValidFrom, k.ValidUntil = r.varint(), r.varint()
		k.State = KeyState(r.u8())
		k.Replaces = wire.KeyID(r.uvarint())
		k.Registered, k.Confirmed, k.Retired, k.Revoked = r.uvarint(), r.uvarint(), r.uvarint(), r.uvarint()
		if r.err != nil {
			return r.err
		}
		s.keys = append(s.keys, k)
	}
	s.exchange = wire.SignPolicy(r.u8())
	n = r.count(3)
	for range n {
		k := wire.MarketKey{Category: catalog.CategoryID(r.uvarint32()), Basis: catalog.BasisID(r.uvarint32())}
		p := wire.SignPolicy(r.u8())
		if r.err != nil {
			return r.err
		}
		if _, dup := s.byMarket[k]; dup {
			return fmt.Errorf("market %v: policy twice", k)
		}
		if s.byMarket == nil {
			s.byMarket = map[wire.MarketKey]wire.SignPolicy{}
		}
		s.byMarket[k] = p
	}
	n = r.count(2)
	for range n {
		id, p := wire.TenderID(r.uvarint()), wire.SignPolicy(r.u8())
		if r.err != nil {
			return r.err
		}
		if _, dup := s.byTender[id]; dup {
			return fmt.Errorf("tender %d: policy twice", id)
		}
		if s.byTender == nil {
			s.byTender = map[wire.TenderID]wire.SignPolicy{}
		}
		s.byTender[id] = p
	}
	s.clock = r.varint()
	if err := s.tenders.restore(r); err != nil {
		return fmt.Errorf("tender nonces: %w", err)
	}
	n = r.count(2)
	last := uint64(0)
	for range n {
		i := r.uvarint()
		m := e.MarketAt(i)
		if r.err == nil && (m == nil || i <= last) {
			return fmt.Errorf("nonces of market %d: unknown or out of order", i)
		}
		last = i
		if r.err != nil {
			return r.err
		}
		if err := m.nonces.restore(r); err != nil {
			return fmt.Errorf("nonces of market %d: %w", i, err)
		}
	}
	s.updateMayRequire()
	return e.sign.checkState(e)
}

func (t *nonceTable) restore(r *stateReader) error {
	n := r.count(3)
	var last catalog.ParticipantID
	for i := range n {
		p := catalog.ParticipantID(r.uvarint32())
		w := nonceWindow{high: r.uvarint(), used: r.uvarint()}
		if r.err != nil {
			return r.err
		}
		if i > 0 && p <= last {
			return fmt.Errorf("participant %d out of order", p)
		}
		last = p
		if *t == nil {
			*t = nonceTable{}
		}
		(*t)[p] = w
	}
	return nil
}

// checkState checks the invariants of the signing part: keys numbered in
// order, owned by registered participants, with an algorithm, a key of 1
// to MaxKeyLen bytes, a non-empty window, a valid state whose sequence
// numbers are in order, and a replaced key of the same owner registered
// before; policies of valid values naming open or valid markets and
// existing tenders, with mayRequire in step; and nonce windows of
// registered participants whose highest nonce is marked used. Cost:
// O(keys + policies + nonce windows).
func (s *signing) checkState(e *Engine) error {
	for i := range s.keys {
		k := &s.keys[i]
		switch {
		case k.ID != wire.KeyID(i+1):
			return fmt.Errorf("key %d numbered %d", i+1, k.ID)
		case !e.known(k.Owner):
			return fmt.Errorf("key %d: unknown owner %d", k.ID, k.Owner)
		case k.Algorithm == 0 || len(k.PublicKey) == 0 || len(k.PublicKey) > wire.MaxKeyLen:
			return fmt.Errorf("key %d: algorithm %d, %d key bytes", k.ID, k.Algorithm, len(k.PublicKey))
		case k.ValidUntil <= k.ValidFrom && k.Retired == 0:
			return fmt.Errorf("key %d: window [%d, %d)", k.ID, k.ValidFrom, k.ValidUntil)
		case k.Retired != 0 && k.Retired <= k.Registered:
			return fmt.Errorf("key %d: retired at %d", k.ID, k.Retired)
		case k.State == 0 || k.State >= keyStateEnd:
			return fmt.Errorf("key %d: state %d", k.ID, k.State)
		case k.Registered == 0 || (k.Confirmed != 0 && k.Confirmed <= k.Registered) || (k.Revoked != 0 && k.Revoked <= k.Registered):
			return fmt.Errorf("key %d: sequence numbers %d, %d, %d", k.ID, k.Registered, k.Confirmed, k.Revoked)
		case (k.State == KeyPending) != (k.Confirmed == 0 && k.Revoked == 0), (k.State == KeyRevoked) != (k.Revoked != 0):
			return fmt.Errorf("key %d: state %d with sequence numbers %d, %d", k.ID, k.State, k.Confirmed, k.Revoked)
		case k.Replaces != 0 && (k.Replaces >= k.ID || s.keys[k.Replaces-1].Owner != k.Owner):
			return fmt.Errorf("key %d replaces key %d", k.ID, k.Replaces)
		}
	}
	if s.exchange != 0 && s.exchange != wire.SignOptional && s.exchange != wire.SignRequired {
		return fmt.Errorf("exchange-wide policy %d", s.exchange)
	}
	for k, p := range s.byMarket {
		_, r := e.tradable(k.Category)
		if _, ok := e.cat.Bases.ByID(k.Basis); !ok || r != wire.ReasonNone || (p != wire.SignOptional && p != wire.SignRequired) {
			return fmt.Errorf("market %v: policy %d", k, p)
		}
	}
	for id, p := range s.byTender {
		if e.tenders.get(id) == nil || (p != wire.SignOptional && p != wire.SignRequired) {
			return fmt.Errorf("tender %d: policy %d", id, p)
		}
	}
	mr := s.mayRequire
	s.updateMayRequire()
	if mr != s.mayRequire {
		return fmt.Errorf("policy summary %v, policies say %v", mr, s.mayRequire)
	}
	check := func(t nonceTable) error {
		for p, w := range t {
			if !e.known(p) || w.high == 0 || w.used&1 == 0 {
				return fmt.Errorf("nonces of participant %d: %d, %#x", p, w.high, w.used)
			}
		}
		return nil
	}
	if err := check(s.tenders); err != nil {
		return fmt.Errorf("tenders: %w", err)
	}
	for _, m := range e.markets.list {
		if err := check(m.nonces); err != nil {
			return fmt.Errorf("market %v: %w", m.key, err)
		}
	}
	return nil
}
