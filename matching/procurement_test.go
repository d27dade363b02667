package matching

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// prFix is an exchange on the sample catalog for the procurement tests,
// with a clock that advances by one per command unless a command sets Time.
type prFix struct {
	t    testing.TB
	x    *Exchange
	cat  *catalog.Catalog
	now  int64
	nINN int
	dst  []Event
	log  []Command // every command submitted, with its time
	all  []Event   // every event
}

func newPrFix(t testing.TB) *prFix {
	t.Helper()
	x, err := New(Config{})
	require.NoError(t, err)
	return &prFix{t: t, x: x, cat: x.Catalog(), now: 100}
}

// prINN returns a valid 10-digit INN derived from n.
func prINN(n int) string { return innOf("50", n) }

func (f *prFix) cid(code string) catalog.CategoryID {
	f.t.Helper()
	c, ok := f.cat.Taxonomy.ByCode(code)
	require.True(f.t, ok, code)
	return c.ID
}

func (f *prFix) bid(code string) catalog.BasisID {
	f.t.Helper()
	b, ok := f.cat.Bases.ByCode(code)
	require.True(f.t, ok, code)
	return b.ID
}

// submit runs cmd (at the fixture's clock unless cmd.Time is set) and
// returns a copy of its events.
func (f *prFix) submit(cmd Command) ([]Event, error) {
	f.t.Helper()
	if cmd.Time == 0 {
		f.now++
		cmd.Time = f.now
	}
	var err error
	f.dst, err = f.x.Submit(cmd, f.dst[:0])
	f.log = append(f.log, cmd)
	f.all = append(f.all, f.dst...)
	return slices.Clone(f.dst), err
}

// replay submits every logged command to two fresh exchanges and checks
// that both produce exactly the events of the original run.
func (f *prFix) replay() {
	f.t.Helper()
	for range 2 {
		x, err := New(Config{})
		require.NoError(f.t, err)
		var evs []Event
		for _, c := range f.log {
			evs, _ = x.Submit(c, evs)
		}
		require.Equal(f.t, f.all, evs)
	}
}

func (f *prFix) must(cmd Command) []Event {
	f.t.Helper()
	evs, err := f.submit(cmd)
	require.NoError(f.t, err, "%+v: %+v", cmd, evs)
	return evs
}

// trader registers a company and, with verify, verifies it.
func (f *prFix) company(name string, verify bool) catalog.ParticipantID {
	f.t.Helper()
	f.nINN++
	evs := f.must(Command{Kind: CmdRegister, Name: name, INN: prINN(f.nINN)})
	p := evs[0].Participant
	if verify {
		f.must(Command{Kind: CmdSetStatus, Participant: p, Status: catalog.StatusVerified})
	}
	return p
}

func (f *prFix) trader(name string) catalog.ParticipantID { return f.company(name, true) }

func (f *prFix) subscribe(p catalog.ParticipantID, code string, bases ...string) SubscriptionID {
	f.t.Helper()
	cmd := Command{Kind: CmdSubscribe, Participant: p, Category: f.cid(code)}
	for _, b := range bases {
		cmd.Bases = append(cmd.Bases, f.bid(b))
	}
	evs := f.must(cmd)
	require.Len(f.t, evs, 1)
	require.Equal(f.t, EventSubscribed, evs[0].Kind)
	return evs[0].Subscription
}

// prOnly returns the events of kind k.
func prOnly(evs []Event, k EventKind) []Event {
	var out []Event
	for _, e := range evs {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// prNotified returns the participants notified by evs, in event order.
func prNotified(evs []Event) []catalog.ParticipantID {
	var out []catalog.ParticipantID
	for _, e := range prOnly(evs, EventNotified) {
		out = append(out, e.Participant)
	}
	return out
}

// prState is the procurement state of an exchange, deep-copied, for
// checking that a rejected command changes nothing: every participant,
// every subscription, every tender with all its current bids (sealed ones
// too, from the engine's operator view) and its clock, and the markets.
type prState struct {
	Participants []catalog.Participant
	Subs         []Subscription
	Tenders      []TenderInfo
	Bids         [][]TenderBid
	Clocks       []int64
	Markets      []MarketKey
}

func prSnapshot(x *Exchange) prState {
	var s prState
	for p := catalog.ParticipantID(1); ; p++ {
		info, ok := x.Participant(p)
		if !ok {
			break
		}
		s.Participants = append(s.Participants, info)
		s.Subs = x.Subscriptions(p, s.Subs)
	}
	for id := TenderID(1); ; id++ {
		info, ok := x.Tender(id)
		if !ok {
			break
		}
		s.Clocks = append(s.Clocks, info.Clock)
		info.Clock = 0 // compared through Clocks
		s.Tenders = append(s.Tenders, info)
		x.adminMu.Lock()
		s.Bids = append(s.Bids, x.eng.AllTenderBids(id, nil))
		x.adminMu.Unlock()
	}
	s.Markets = x.Markets()
	return s
}

// prReject submits cmd, expects a rejection for reason, and checks that
// the exchange's state did not change and that one sequence number was
// used.
func (f *prFix) reject(cmd Command, reason RejectReason) {
	f.t.Helper()
	before := prSnapshot(f.x)
	seq := f.x.Seq()
	at := cmd.Time
	if at == 0 {
		at = f.now + 1 // what submit will set
	}
	// A refused command still advances the clock of the tender it names:
	// its events carry the effective time.
	if i := int(cmd.Tender) - 1; cmd.Kind != CmdOpenTender && i >= 0 && i < len(before.Clocks) {
		before.Clocks[i] = max(before.Clocks[i], at)
		at = before.Clocks[i]
	}
	evs, err := f.submit(cmd)
	require.ErrorIs(f.t, err, reason.Err(), "%+v", cmd)
	require.Len(f.t, evs, 1, "%+v", evs)
	require.Equal(f.t, EventRejected, evs[0].Kind)
	require.Equal(f.t, reason, evs[0].Reject, "got %v want %v", evs[0].Reject, reason)
	require.Equal(f.t, seq+1, evs[0].Seq)
	require.Equal(f.t, seq+1, f.x.Seq())
	require.Equal(f.t, cmd.Kind, evs[0].Command)
	require.Equal(f.t, cmd.Tender, evs[0].Tender)
	require.Equal(f.t, at, evs[0].Time, "the effective time")
	require.Equal(f.t, before, prSnapshot(f.x), "state changed by a rejected %v", cmd.Kind)
}

// TestProcurementKindsNamed checks that every new command and event kind
// has a name.
func TestProcurementKindsNamed(t *testing.T) {
	for k := CmdSubscribe; k < cmdEnd; k++ {
		require.NotContains(t, k.String(), "CommandKind(")
	}
	for k := EventSubscribed; k < eventEnd; k++ {
		require.NotContains(t, k.String(), "EventKind(")
	}
	require.Equal(t, "sealed", TenderSealed.String())
	require.Equal(t, "auction", TenderAuction.String())
	require.Equal(t, "TenderMode(0)", TenderMode(0).String())
	require.Equal(t, "weighted", EvalWeighted.String())
	require.Equal(t, "lowest-price", EvalLowestPrice.String())
	require.Equal(t, "Evaluation(9)", Evaluation(9).String())
	for s := TenderOpen; s <= TenderCancelled; s++ {
		require.NotContains(t, s.String(), "TenderState(")
	}
}

// TestRatingCommand covers CmdSetRating.
func TestRatingCommand(t *testing.T) {
	f := newPrFix(t)
	p := f.trader("Supplier")
	evs := f.must(Command{Kind: CmdSetRating, Participant: p, Rating: 87})
	require.Equal(t, EventRatingChanged, evs[0].Kind)
	require.Equal(t, uint8(87), evs[0].Rating)
	got, _ := f.x.Participant(p)
	require.Equal(t, uint8(87), got.Rating)
	f.reject(Command{Kind: CmdSetRating, Participant: p, Rating: 101}, ReasonInvalidRating)
	f.reject(Command{Kind: CmdSetRating, Participant: 99, Rating: 1}, ReasonUnknownParticipant)
}
