package engine

import (
	"math/bits"
	"slices"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/wire"
)

// Counters count the messages that pass between participants and the
// exchange. A message in is one command received; a message out is one
// event addressed to a participant (a fill is addressed to both sides, so it
// counts once for each).
type Counters struct {
	// Messages in.
	Postings uint64 `json:"postings"` // CmdPlace received, rejected or not
	Cancels  uint64 `json:"cancels"`  // CmdCancel received
	Amends   uint64 `json:"amends"`   // CmdAmend received
	Tenders  uint64 `json:"tenders"`  // CmdOpenTender, CmdCloseTender and CmdCancelTender received
	Bids     uint64 `json:"bids"`     // CmdBid received
	Other    uint64 `json:"other"`    // any other command (register, moderation, subscriptions, ...)
	// Messages out.
	Reports       uint64 `json:"reports"`       // acknowledgements and tender results: accepted, rejected, cancelled, ..., awarded (once to the winner and once to the buyer)
	Fills         uint64 `json:"fills"`         // fill reports (one per side per execution)
	Notifications uint64 `json:"notifications"` // notifications of postings by others (EventNotified, one per addressed subscriber)
}

// In returns the number of messages received.
func (c Counters) In() uint64 {
	return c.Postings + c.Cancels + c.Amends + c.Tenders + c.Bids + c.Other
}

// Out returns the number of messages sent.
func (c Counters) Out() uint64 { return c.Reports + c.Fills + c.Notifications }

// Add returns c + d.
func (c Counters) Add(d Counters) Counters {
	return Counters{
		Postings: c.Postings + d.Postings, Cancels: c.Cancels + d.Cancels,
		Amends: c.Amends + d.Amends, Tenders: c.Tenders + d.Tenders, Bids: c.Bids + d.Bids,
		Other:   c.Other + d.Other,
		Reports: c.Reports + d.Reports, Fills: c.Fills + d.Fills,
		Notifications: c.Notifications + d.Notifications,
	}
}

// Onboarding counts the onboarding messages of an exchange: the
// registration and the status changes (verification, suspension, ...) of
// participants, and the exchange's replies to them. They are a breakdown of
// Counters, not an addition: the commands also count in Counters.Other and
// the replies in Counters.Reports.
//
// Snapshots (MarshalState) do not carry them: after RestoreState they count
// from zero, while a durable exchange rebuilt from its journal counts the
// replayed commands again.
type Onboarding struct {
	Registrations uint64 `json:"registrations"`  // CmdRegister received, refused or not
	StatusChanges uint64 `json:"status_changes"` // CmdSetStatus received, refused or not
	// Replies are the events answering them that are addressed to a
	// participant: EventRegistered, EventStatusChanged and their
	// rejections. A refused registration names no participant, so its
	// rejection is not counted, as in Counters.Reports.
	Replies uint64 `json:"replies"`
}

// In returns the onboarding commands received.
func (o Onboarding) In() uint64 { return o.Registrations + o.StatusChanges }

// Out returns the onboarding replies sent.
func (o Onboarding) Out() uint64 { return o.Replies }

// OnboardingCounters returns the onboarding messages the engine has
// counted since New or RestoreState: they count outside every market.
// O(1). It reads what ScopeAll commands write.
func (e *Engine) OnboardingCounters() Onboarding { return e.outside.onboarding }

// onboardingCommand reports whether k is an onboarding command.
func onboardingCommand(k wire.CommandKind) bool {
	return k == wire.CmdRegister || k == wire.CmdSetStatus
}

// counterSet holds per-participant counters and their total. It is guarded
// by the lock of its owner (a market or the exchange).
type counterSet struct {
	// known, when set, holds the number of registered participants (IDs
	// run from 1): commands and events naming another ID count only in the
	// total, so made-up IDs cannot grow the per-participant map.
	known *uint32
	total Counters
	// onboarding counts the onboarding messages among total.
	onboarding Onboarding
	// The per-participant counters live in dense when it is set (by ID:
	// for a set that counts nearly every registered participant, as the
	// outside set does, each registration being answered), in by
	// otherwise (a hash: a market counts a few of them).
	dense *byID
	by    byParticipant
	// A one-entry cache of by: a command's events are mostly addressed to
	// its issuer, so most lookups hit it.
	last  catalog.ParticipantID
	lastC *Counters
}

// of returns the counters of p (non-zero), adding zero counters if p has
// none. With dense set, p must be tracked.
func (s *counterSet) of(p catalog.ParticipantID) *Counters {
	if p == s.last && s.lastC != nil {
		return s.lastC
	}
	var c *Counters
	if s.dense != nil {
		c = s.dense.add(p)
	} else {
		c = s.by.add(p)
	}
	s.last, s.lastC = p, c
	return c
}

// get returns the counters of p, or nil if p has none.
func (s *counterSet) get(p catalog.ParticipantID) *Counters {
	if s.dense != nil {
		return s.dense.get(p)
	}
	return s.by.get(p)
}

// ids returns the participants with counters, ascending. It allocates.
func (s *counterSet) ids() []catalog.ParticipantID {
	if s.dense != nil {
		return s.dense.ids()
	}
	return s.by.ids()
}

// byParticipant maps participant IDs (non-zero) to their counters: open
// addressing with linear probing over a power-of-two table. Each
// participant's counters are allocated once (in blocks of up to 1,024), so
// a *Counters stays valid as the table grows. Lookups cost O(1) expected and allocate nothing; the
// table doubles when half full.
type byParticipant struct {
	keys  []catalog.ParticipantID // 0: empty slot
	vals  []*Counters             // the counters of keys[i]
	n     int
	shift uint8
	// spare is counters allocated ahead, handed out one by one: one
	// allocation serves many participants.
	spare []Counters
}

func (t *byParticipant) home(p catalog.ParticipantID) int {
	return int((uint32(p) * 0x9e3779b1) >> t.shift)
}

// get returns the counters of p, or nil.
func (t *byParticipant) get(p catalog.ParticipantID) *Counters {
	if t.n == 0 || p == 0 {
		return nil
	}
	mask := len(t.keys) - 1
	for i := t.home(p); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case p:
			return t.vals[i]
		case 0:
			return nil
		}
	}
}

// add returns the counters of p (non-zero), adding zero counters if p has
// none.
func (t *byParticipant) add(p catalog.ParticipantID) *Counters {
	if c := t.get(p); c != nil {
		return c
	}
	if 2*(t.n+1) > len(t.keys) {
		t.grow()
	}
	if len(t.spare) == 0 {
		t.spare = make([]Counters, min(max(4, t.n), 1024))
	}
	c := &t.spare[0]
	t.spare = t.spare[1:]
	t.n++
	t.insert(p, c)
	return c
}

func (t *byParticipant) insert(p catalog.ParticipantID, c *Counters) {
	mask := len(t.keys) - 1
	i := t.home(p)
	for t.keys[i] != 0 {
		i = (i + 1) & mask
	}
	t.keys[i], t.vals[i] = p, c
}

func (t *byParticipant) grow() {
	keys, vals := t.keys, t.vals
	size := max(4, 2*len(keys))
	t.keys, t.vals = make([]catalog.ParticipantID, size), make([]*Counters, size)
	t.shift = uint8(32 - bits.TrailingZeros(uint(size)))
	for i, p := range keys {
		if p != 0 {
			t.insert(p, vals[i])
		}
	}
}

// ids returns the participants with counters, ascending. It allocates.
func (t *byParticipant) ids() []catalog.ParticipantID {
	ids := make([]catalog.ParticipantID, 0, t.n)
	for _, p := range t.keys {
		if p != 0 {
			ids = append(ids, p)
		}
	}
	slices.Sort(ids)
	return ids
}

// in counts a command received from p.
// tracked reports whether p gets counters of its own.
func (s *counterSet) tracked(p catalog.ParticipantID) bool {
	return p != 0 && (s.known == nil || uint32(p) <= *s.known)
}

func (s *counterSet) in(p catalog.ParticipantID, k wire.CommandKind) {
	switch k {
	case wire.CmdRegister:
		s.onboarding.Registrations++
	case wire.CmdSetStatus:
		s.onboarding.StatusChanges++
	}
	var c *Counters
	if s.tracked(p) {
		c = s.of(p)
	}
	for _, x := range [2]*Counters{&s.total, c} {
		if x == nil {
			continue
		}
		switch k {
		case wire.CmdPlace:
			x.Postings++
		case wire.CmdCancel:
			x.Cancels++
		case wire.CmdAmend:
			x.Amends++
		case wire.CmdOpenTender, wire.CmdCloseTender, wire.CmdCancelTender:
			x.Tenders++
		case wire.CmdBid:
			x.Bids++
		default:
			x.Other++
		}
	}
}

// out counts the events in evs addressed to participants.
func (s *counterSet) out(evs []wire.Event) {
	var untracked Counters // counts only the totals
	of := func(p catalog.ParticipantID) *Counters {
		if !s.tracked(p) {
			return &untracked
		}
		return s.of(p)
	}
	for i := range evs {
		e := &evs[i]
		switch {
		case e.Participant == 0:
		case e.Kind == wire.EventFill:
			s.total.Fills += 2
			of(e.Participant).Fills++
			if e.MakerParticipant != 0 {
				of(e.MakerParticipant).Fills++
			}
		case e.Kind == wire.EventNotified:
			s.total.Notifications++
			of(e.Participant).Notifications++
		case e.Kind == wire.EventAwarded:
			// Addressed to the winner and to the buyer.
			s.total.Reports += 2
			of(e.Participant).Reports++
			of(e.MakerParticipant).Reports++
		default:
			s.total.Reports++
			of(e.Participant).Reports++
			if onboardingCommand(e.Command) && (e.Kind == wire.EventRegistered || e.Kind == wire.EventStatusChanged || e.Kind == wire.EventRejected) {
				s.onboarding.Replies++
			}
		}
	}
}

// byID holds counters by participant ID in pages of 1<<byIDPageBits,
// allocated when an ID of theirs first counts; has marks the IDs with
// counters. Lookups index two slices: O(1), no hashing, and neighbouring IDs
// share cache lines. It suits a set whose IDs are bounded (tracked) and
// mostly present.
type byID struct {
	pages [][]Counters
	has   []uint64
}

const byIDPageBits = 10

// get returns the counters of p, or nil.
func (t *byID) get(p catalog.ParticipantID) *Counters {
	i := int(p) - 1
	if p == 0 || i>>6 >= len(t.has) || t.has[i>>6]&(1<<(i&63)) == 0 {
		return nil
	}
	return &t.pages[i>>byIDPageBits][i&(1<<byIDPageBits-1)]
}

// add returns the counters of p (non-zero), adding zero counters if p has
// none. It allocates the pages up to p's.
func (t *byID) add(p catalog.ParticipantID) *Counters {
	i := int(p) - 1
	page := i >> byIDPageBits
	if page >= len(t.pages) {
		t.pages = append(t.pages, make([][]Counters, page+1-len(t.pages))...)
		t.has = append(t.has, make([]uint64, len(t.pages)<<(byIDPageBits-6)-len(t.has))...)
	}
	if t.pages[page] == nil {
		t.pages[page] = make([]Counters, 1<<byIDPageBits)
	}
	t.has[i>>6] |= 1 << (i & 63)
	return &t.pages[page][i&(1<<byIDPageBits-1)]
}

// ids returns the participants with counters, ascending. It allocates.
func (t *byID) ids() []catalog.ParticipantID {
	var ids []catalog.ParticipantID
	for w, word := range t.has {
		for word != 0 {
			ids = append(ids, catalog.ParticipantID(w<<6+bits.TrailingZeros64(word)+1))
			word &= word - 1
		}
	}
	return ids
}
