package catalog

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agora-exchange/agora/internal/enumtext"
)

// Status is a participant's moderation status. The zero value is invalid.
type Status uint8

// Moderation statuses. A company registers as pending; moderation verifies it
// or refuses it (suspended). Only verified participants may trade.
const (
	StatusPending Status = 1 + iota
	StatusVerified
	StatusSuspended
	statusEnd
)

// statusNames is the text name of each Status, indexed by Status.
var statusNames = [statusEnd]string{
	StatusPending:   "pending",
	StatusVerified:  "verified",
	StatusSuspended: "suspended",
}

// String returns the status's name ("pending", "verified", "suspended"),
// or "Status(N)" for a value without one.
func (s Status) String() string { return enumtext.String(statusNames[:], "Status", s) }

// Valid reports whether s is one of the defined statuses.
func (s Status) Valid() bool { return s >= StatusPending && s <= StatusSuspended }

// CanTrade reports whether a participant with this status may place orders,
// bid or be matched: only StatusVerified.
func (s Status) CanTrade() bool { return s == StatusVerified }

// CanTransition reports whether moderation may move a participant from s to
// to. The allowed moves are pending→verified, pending→suspended (moderation
// refused), verified→suspended and suspended→verified. Staying in the same
// status is not a transition.
func (s Status) CanTransition(to Status) bool {
	switch s {
	case StatusPending:
		return to == StatusVerified || to == StatusSuspended
	case StatusVerified:
		return to == StatusSuspended
	case StatusSuspended:
		return to == StatusVerified
	}
	return false
}

// innWeights returns the weights of the official check-digit algorithm:
// digit 12 uses all of them, digit 11 the last ten, digit 10 the last nine.
func innWeights() [11]int { return [...]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8} }

// innCheck returns ((Σ w_i·d_i) mod 11) mod 10 over the leading digits of s.
func innCheck(s string, w []int) byte {
	sum := 0
	for i, wi := range w {
		sum += wi * int(s[i]-'0')
	}
	return byte(sum % 11 % 10)
}

// LegalEntityINN returns the 10-digit INN of a legal entity whose first
// nine digits are body: body followed by its check digit, so that it passes
// ValidateINN. Data generators and test fixtures use it to make valid INNs.
// Errors: ErrInvalidINN if body is not 9 ASCII digits, or wrapping
// ErrINNRegion too if body starts with the unassigned region 00. Cost: O(1).
func LegalEntityINN(body string) (string, error) {
	if len(body) != 9 {
		return "", fmt.Errorf("%w: body must be 9 digits, got %d bytes", ErrInvalidINN, len(body))
	}
	for i := range len(body) {
		if body[i] < '0' || body[i] > '9' {
			return "", fmt.Errorf("%w: body has a non-digit at %d", ErrInvalidINN, i+1)
		}
	}
	if body[0] == '0' && body[1] == '0' {
		return "", fmt.Errorf("%w: %w", ErrInvalidINN, ErrINNRegion)
	}
	w := innWeights()
	return body + string('0'+rune(innCheck(body, w[2:]))), nil
}

// ValidateINN checks a Russian taxpayer identification number (INN): 10 ASCII
// digits for a legal entity or 12 for an individual entrepreneur, with the
// official check digits. For 10 digits, digit 10 = ((Σ w·d over digits 1-9)
// mod 11) mod 10 with weights 2,4,10,3,5,9,4,6,8. For 12 digits, digit 11 uses
// weights 7,2,4,10,3,5,9,4,6,8 over digits 1-10 and digit 12 uses weights
// 3,7,2,4,10,3,5,9,4,6,8 over digits 1-11. Digits 1-2 are the region code,
// and region 00 is refused: no taxpayer holds it, although the check digits
// of the all-zero INNs pass. Digits 3-4 may be any digits (from 2026 they are
// an index assigned by the tax service, not an inspection code).
//
// Errors: ErrInvalidINN, wrapped with the reason; for region 00 the error
// also wraps ErrINNRegion. Cost: O(1), no allocation unless it returns an
// error.
func ValidateINN(inn string) error {
	if len(inn) != 10 && len(inn) != 12 {
		return fmt.Errorf("%w: want 10 or 12 digits, got %d bytes", ErrInvalidINN, len(inn))
	}
	for i := 0; i < len(inn); i++ {
		if inn[i] < '0' || inn[i] > '9' {
			return fmt.Errorf("%w: non-digit at position %d", ErrInvalidINN, i+1)
		}
	}
	if inn[0] == '0' && inn[1] == '0' {
		return fmt.Errorf("%w: %w", ErrInvalidINN, ErrINNRegion)
	}
	w := innWeights()
	if len(inn) == 10 {
		if innCheck(inn, w[2:]) != inn[9]-'0' {
			return fmt.Errorf("%w: check digit 10 does not match", ErrInvalidINN)
		}
		return nil
	}
	if innCheck(inn, w[1:]) != inn[10]-'0' {
		return fmt.Errorf("%w: check digit 11 does not match", ErrInvalidINN)
	}
	if innCheck(inn, w[:]) != inn[11]-'0' {
		return fmt.Errorf("%w: check digit 12 does not match", ErrInvalidINN)
	}
	return nil
}

// ValidateKPP checks a tax registration reason code (KPP) of a legal entity:
// 9 characters, namely 4 digits (tax office), 2 digits or uppercase Latin
// letters A-Z (reason), and 3 digits (sequence number). The empty string is
// not a valid KPP; the registry only calls ValidateKPP for a non-empty KPP.
//
// Errors: ErrInvalidKPP, wrapped with the reason. Cost: O(1).
func ValidateKPP(kpp string) error {
	if len(kpp) != 9 {
		return fmt.Errorf("%w: want 9 characters, got %d bytes", ErrInvalidKPP, len(kpp))
	}
	for i := 0; i < 9; i++ {
		c := kpp[i]
		digit := c >= '0' && c <= '9'
		if i == 4 || i == 5 {
			if !digit && (c < 'A' || c > 'Z') {
				return fmt.Errorf("%w: position %d must be a digit or A-Z", ErrInvalidKPP, i+1)
			}
		} else if !digit {
			return fmt.Errorf("%w: position %d must be a digit", ErrInvalidKPP, i+1)
		}
	}
	return nil
}

// Participant is a registered company. INN is 10 digits for a legal entity
// (which may also have a KPP, one per registered branch) or 12 digits for an
// individual entrepreneur (no KPP).
type Participant struct {
	ID     ParticipantID `json:"id"`
	Name   string        `json:"name"`
	INN    string        `json:"inn"`
	KPP    string        `json:"kpp"` // empty when not given
	Status Status        `json:"status"`
	// Rating is the supplier rating set by moderation, 0..MaxRating; a new
	// participant starts at 0. Weighted tender evaluation scores it.
	Rating uint8 `json:"rating"`
}

// MaxRating is the highest supplier rating.
const MaxRating = 100

// partyKey is the registry's key of an (INN, KPP) pair, packed into
// integers so that the registry's maps hold no pointers (the collector
// skips them) and hash no strings: see innKey and kppKey.
type partyKey struct{ inn, kpp uint64 }

// innKey packs an INN of 10 or 12 ASCII digits into its value, with bit 40
// set for 12 digits (10^12 < 2^40); ok is false for any other string.
func innKey(inn string) (key uint64, ok bool) {
	if len(inn) != 10 && len(inn) != 12 {
		return 0, false
	}
	for i := 0; i < len(inn); i++ {
		c := inn[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		key = key*10 + uint64(c-'0')
	}
	if len(inn) == 12 {
		key |= 1 << 40
	}
	return key, true
}

// kppKey packs a KPP of 9 characters, each an ASCII digit or A-Z, into
// 1 + its base-36 value (36^9 < 2^47); the empty KPP packs to 0. ok is
// false for any other string.
func kppKey(kpp string) (key uint64, ok bool) {
	if kpp == "" {
		return 0, true
	}
	if len(kpp) != 9 {
		return 0, false
	}
	for i := 0; i < 9; i++ {
		c := kpp[i]
		switch {
		case c >= '0' && c <= '9':
			key = key*36 + uint64(c-'0')
		case c >= 'A' && c <= 'Z':
			key = key*36 + uint64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return key + 1, true
}

// pageBits sets the registry's page size: participants are stored in pages
// of 1<<pageBits, so registering never copies a full page.
const pageBits = 10

// Participants is the registry of companies and their moderation status. IDs
// are assigned sequentially from 1 and never reused.
//
// Participants is not safe for concurrent use: callers serialize access (the
// exchange owns its registry and mutates it only from its command loop). Use
// Clone to take a snapshot that another goroutine may read. The zero value is
// an empty registry ready to use; a nil *Participants reads as empty.
type Participants struct {
	// pages hold participant id at pages[(id-1)>>pageBits][(id-1)&mask]:
	// every page but the last is full. Their Status fields are unused:
	// status[id-1] holds it.
	pages [][]Participant
	// status is every participant's status by ID, one byte each and
	// apart from the rest, so that the check of each command's issuer
	// reads a dense array (n bytes) rather than a record of its own.
	status []Status
	n      int
	byKey  map[partyKey]ParticipantID
	// firstBranch holds, for each INN whose first registration carried a
	// KPP, that registration's ID. The first registration of any other
	// INN is byKey's entry for the INN without a KPP, so LookupINN costs
	// one lookup in each at most, and a registry of companies without
	// branches keeps one map.
	firstBranch map[uint64]ParticipantID
}

// NewParticipants returns an empty registry.
func NewParticipants() *Participants { return &Participants{} }

// Register adds a company with StatusPending and returns its ID. name must
// not be blank. inn must pass ValidateINN. kpp is optional; when given it must
// pass ValidateKPP and inn must be a 10-digit (legal entity) INN. The pair
// (inn, kpp) must be new: branches of one company register with the same INN
// and different KPPs.
//
// Errors: ErrBadName, ErrInvalidINN, ErrInvalidKPP, ErrDuplicateParticipant,
// ErrFull.
// On error the registry is unchanged. Cost: O(1) amortised: a map lookup
// and an insert on integer keys (for a KPP's first registration of an INN,
// two more lookups and an insert); it never copies a full page of
// participants.
func (p *Participants) Register(name, inn, kpp string) (ParticipantID, error) {
	if strings.TrimSpace(name) == "" || !utf8.ValidString(name) {
		return 0, fmt.Errorf("%w: participant name is empty or not UTF-8", ErrBadName)
	}
	if err := ValidateINN(inn); err != nil {
		return 0, err
	}
	if kpp != "" {
		if len(inn) != 10 {
			return 0, fmt.Errorf("%w: a KPP is only issued for a 10-digit INN", ErrInvalidKPP)
		}
		if err := ValidateKPP(kpp); err != nil {
			return 0, err
		}
	}
	ik, _ := innKey(inn) // valid: ValidateINN passed
	kk, _ := kppKey(kpp) // valid: ValidateKPP passed, or empty
	key := partyKey{ik, kk}
	if id, dup := p.byKey[key]; dup {
		return 0, fmt.Errorf("%w: INN %s KPP %q is participant %d", ErrDuplicateParticipant, inn, kpp, id)
	}
	if uint64(p.n) >= 1<<32-1 {
		return 0, fmt.Errorf("%w: participants", ErrFull)
	}
	if p.byKey == nil {
		p.byKey = make(map[partyKey]ParticipantID)
	}
	id := ParticipantID(p.n + 1)
	if kk != 0 && p.firstOf(ik) == 0 {
		if p.firstBranch == nil {
			p.firstBranch = make(map[uint64]ParticipantID)
		}
		p.firstBranch[ik] = id
	}
	if p.n&(1<<pageBits-1) == 0 {
		p.pages = append(p.pages, make([]Participant, 0, 1<<pageBits))
	}
	last := &p.pages[len(p.pages)-1]
	*last = append(*last, Participant{ID: id, Name: name, INN: inn, KPP: kpp})
	p.status = append(p.status, StatusPending)
	p.n++
	p.byKey[key] = id
	return id, nil
}

// firstOf returns the first ID registered with the INN of key ik, or 0.
func (p *Participants) firstOf(ik uint64) ParticipantID {
	if id, ok := p.firstBranch[ik]; ok {
		return id
	}
	return p.byKey[partyKey{inn: ik}]
}

func (p *Participants) entry(id ParticipantID) *Participant {
	if p == nil || id == 0 || uint64(id) > uint64(p.n) {
		return nil
	}
	i := int(id - 1)
	return &p.pages[i>>pageBits][i&(1<<pageBits-1)]
}

// SetStatus moves participant id to status to, if Status.CanTransition allows
// it. Errors: ErrUnknownParticipant, ErrBadTransition (including a move to the
// current status or to an invalid status). Cost: O(1).
func (p *Participants) SetStatus(id ParticipantID, to Status) error {
	e := p.entry(id)
	if e == nil {
		return fmt.Errorf("%w: id %d", ErrUnknownParticipant, id)
	}
	st := &p.status[id-1]
	if !st.CanTransition(to) {
		return fmt.Errorf("%w: participant %d from %s to %s", ErrBadTransition, id, *st, to)
	}
	*st = to
	return nil
}

// SetRating sets the supplier rating of participant id to r, at most
// MaxRating. Errors: ErrUnknownParticipant, ErrBadRating. Cost: O(1).
func (p *Participants) SetRating(id ParticipantID, r uint8) error {
	e := p.entry(id)
	if e == nil {
		return fmt.Errorf("%w: id %d", ErrUnknownParticipant, id)
	}
	if r > MaxRating {
		return fmt.Errorf("%w: %d, want 0..%d", ErrBadRating, r, MaxRating)
	}
	e.Rating = r
	return nil
}

// Rating returns the supplier rating of participant id. Cost: O(1).
func (p *Participants) Rating(id ParticipantID) (uint8, bool) {
	e := p.entry(id)
	if e == nil {
		return 0, false
	}
	return e.Rating, true
}

// Verify is SetStatus(id, StatusVerified).
func (p *Participants) Verify(id ParticipantID) error { return p.SetStatus(id, StatusVerified) }

// Suspend is SetStatus(id, StatusSuspended).
func (p *Participants) Suspend(id ParticipantID) error { return p.SetStatus(id, StatusSuspended) }

// Get returns the participant with the given ID. Cost: O(1), no allocation.
func (p *Participants) Get(id ParticipantID) (Participant, bool) {
	e := p.entry(id)
	if e == nil {
		return Participant{}, false
	}
	x := *e
	x.Status = p.status[id-1]
	return x, true
}

// Status returns the moderation status of participant id. Cost: O(1) slice
// index, no allocation.
func (p *Participants) Status(id ParticipantID) (Status, bool) {
	if p == nil || id == 0 || uint64(id) > uint64(p.n) {
		return 0, false
	}
	return p.status[id-1], true
}

// ByINN returns the ID registered for the (inn, kpp) pair; pass kpp "" for a
// participant registered without a KPP. Cost: one map lookup.
func (p *Participants) ByINN(inn, kpp string) (ParticipantID, bool) {
	if p == nil {
		return 0, false
	}
	ik, ok := innKey(inn)
	if !ok {
		return 0, false
	}
	kk, ok := kppKey(kpp)
	if !ok {
		return 0, false
	}
	id, ok := p.byKey[partyKey{ik, kk}]
	return id, ok
}

// LookupINN returns the participant registered with inn: the first one
// (the lowest ID) when branches of one company registered the INN with
// different KPPs; ByINN tells the branches apart. An INN is looked up as
// given: ValidateINN's form, 10 or 12 ASCII digits. Cost: one or two map
// lookups, no allocation.
func (p *Participants) LookupINN(inn string) (Participant, bool) {
	if p == nil {
		return Participant{}, false
	}
	ik, ok := innKey(inn)
	if !ok {
		return Participant{}, false
	}
	return p.Get(p.firstOf(ik))
}

// AppendAll appends every participant to dst in ID order and returns the
// extended slice. Cost: O(n); it allocates only if dst lacks room.
func (p *Participants) AppendAll(dst []Participant) []Participant {
	if p == nil {
		return dst
	}
	for _, page := range p.pages {
		start := len(dst)
		dst = append(dst, page...)
		for i := range dst[start:] {
			dst[start+i].Status = p.status[dst[start+i].ID-1]
		}
	}
	return dst
}

// Len returns the number of registered participants. Cost: O(1).
func (p *Participants) Len() int {
	if p == nil {
		return 0
	}
	return p.n
}

// All yields every participant in ID order. Cost: O(n) for a full walk.
func (p *Participants) All() iter.Seq[Participant] {
	return func(yield func(Participant) bool) {
		if p == nil {
			return
		}
		for _, page := range p.pages {
			for _, x := range page {
				x.Status = p.status[x.ID-1]
				if !yield(x) {
					return
				}
			}
		}
	}
}

// Clone returns a deep copy that shares nothing with p, for snapshots.
// A nil p clones to an empty registry. Cost: O(n).
func (p *Participants) Clone() *Participants {
	if p == nil {
		return NewParticipants()
	}
	c := &Participants{n: p.n, status: slices.Clone(p.status), byKey: maps.Clone(p.byKey), firstBranch: maps.Clone(p.firstBranch)}
	c.pages = make([][]Participant, len(p.pages))
	for i, page := range p.pages {
		c.pages[i] = slices.Clone(page) // a partial last page grows on the clone's next Register
	}
	return c
}
