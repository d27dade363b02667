package matching

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// prTender returns a CmdOpenTender for buyer on M500 cement at MSK.
func (f *prFix) tenderCmd(buyer catalog.ParticipantID, mode TenderMode, qty catalog.Qty, closeIn int64) Command {
	cmd := Command{
		Kind: CmdOpenTender, Participant: buyer, Category: f.cid("23.51.12"), Basis: f.bid("MSK"),
		Qty: qty, TenderMode: mode, Evaluation: EvalLowestPrice, CloseAt: f.now + closeIn,
	}
	if mode == TenderAuction {
		cmd.Decrement = 1000
	}
	return cmd
}

func (f *prFix) open(cmd Command) TenderID {
	f.t.Helper()
	evs := f.must(cmd)
	require.Equal(f.t, EventTenderOpened, evs[0].Kind)
	require.Equal(f.t, cmd.Participant, evs[0].Participant)
	return evs[0].Tender
}

// prKinds returns the kinds of evs.
func prKinds(evs []Event) []EventKind {
	var out []EventKind
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func prBidCmd(p catalog.ParticipantID, id TenderID, price catalog.Price, qty catalog.Qty, lead int64) Command {
	return Command{Kind: CmdBid, Participant: p, Tender: id, Price: price, Qty: qty, LeadTime: lead}
}

func (f *prFix) placeBid(p catalog.ParticipantID, id TenderID, price catalog.Price, qty catalog.Qty, lead int64) Event {
	f.t.Helper()
	evs := f.must(prBidCmd(p, id, price, qty, lead))
	require.Equal(f.t, EventBidAccepted, evs[0].Kind)
	return evs[0]
}

func TestTenderSealedLowestPrice(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	a, b, c := f.trader("A"), f.trader("B"), f.trader("C")
	watcher := f.trader("Watcher")
	f.subscribe(watcher, "23.51")
	f.subscribe(a, "23.51.12")

	cmd := f.tenderCmd(buyer, TenderSealed, 500, 100)
	cmd.Price = 600000
	evs := f.must(cmd)
	require.Equal(t, []EventKind{EventTenderOpened, EventNotified, EventNotified}, []EventKind{evs[0].Kind, evs[1].Kind, evs[2].Kind})
	id := evs[0].Tender
	require.Equal(t, TenderID(1), id)
	require.Equal(t, []catalog.ParticipantID{a, watcher}, prNotified(evs))
	n := evs[1]
	require.Equal(t, CmdOpenTender, n.Command)
	require.Equal(t, id, n.Tender)
	require.Equal(t, buyer, n.MakerParticipant)
	require.Equal(t, catalog.Qty(500), n.Qty)
	require.Equal(t, catalog.Price(600000), n.Price)
	require.Equal(t, cmd.CloseAt, n.CloseAt)

	e := f.placeBid(a, id, 520000, 300, 7)
	require.Zero(t, e.Rank, "sealed: no standing")
	require.Zero(t, e.BestPrice)
	f.placeBid(b, id, 510000, 400, 7)
	f.placeBid(c, id, 530000, 200, 7)
	f.placeBid(a, id, 505000, 300, 7) // lower only, by any amount
	f.reject(prBidCmd(a, id, 505000, 300, 7), ReasonBidNotImproved)

	info, ok := f.x.Tender(id)
	require.True(t, ok)
	require.Equal(t, 3, info.Bidders)
	require.Zero(t, info.Best, "sealed bids are not revealed")
	_, _, ok = f.x.TenderStanding(id, a)
	require.False(t, ok)
	require.Empty(t, f.x.TenderBids(id, nil))

	f.reject(Command{Kind: CmdCloseTender, Tender: id}, ReasonTenderNotDue)
	reportsBefore := f.x.Counters(buyer).Reports
	evs = f.must(Command{Kind: CmdCloseTender, Tender: id, Time: cmd.CloseAt})
	require.Len(t, evs, 4)
	require.Equal(t, EventAwarded, evs[0].Kind)
	require.Equal(t, a, evs[0].Participant)
	require.Equal(t, buyer, evs[0].MakerParticipant)
	require.Equal(t, catalog.Qty(300), evs[0].Qty)
	require.Equal(t, catalog.Price(505000), evs[0].Price)
	require.Equal(t, uint32(1), evs[0].Rank)
	require.Equal(t, uint32(ScoreScale), evs[0].Score)
	require.Equal(t, EventAwarded, evs[1].Kind)
	require.Equal(t, b, evs[1].Participant)
	require.Equal(t, catalog.Qty(200), evs[1].Qty, "the rest of the quantity")
	require.Equal(t, uint32(2), evs[1].Rank)
	require.Equal(t, EventNotAwarded, evs[2].Kind)
	require.Equal(t, c, evs[2].Participant)
	require.Equal(t, uint32(3), evs[2].Rank)
	require.Equal(t, catalog.Qty(200), evs[2].Qty, "the quantity offered")
	require.Equal(t, EventTenderClosed, evs[3].Kind)
	require.Equal(t, buyer, evs[3].Participant)
	require.Equal(t, catalog.Qty(500), evs[3].Qty)
	require.Zero(t, evs[3].Remaining)
	require.Equal(t, uint32(2), evs[3].Rank)

	info, _ = f.x.Tender(id)
	require.Equal(t, TenderAwarded, info.State)
	require.Equal(t, catalog.Qty(500), info.Awarded)
	require.Equal(t, 2, info.Winners)
	require.Equal(t, catalog.Price(505000), info.Best)
	bids := f.x.TenderBids(id, nil)
	require.Equal(t, []catalog.ParticipantID{a, b, c}, []catalog.ParticipantID{bids[0].Bidder, bids[1].Bidder, bids[2].Bidder})
	require.Equal(t, []catalog.Qty{300, 200, 0}, []catalog.Qty{bids[0].Awarded, bids[1].Awarded, bids[2].Awarded})

	// Awards are addressed to the winner and to the buyer.
	require.Equal(t, reportsBefore+3, f.x.Counters(buyer).Reports)
	require.Equal(t, uint64(1), f.x.Counters(buyer).Tenders)
	require.Equal(t, uint64(3), f.x.Counters(a).Bids)

	// After the close nothing changes it.
	f.reject(prBidCmd(c, id, 400000, 200, 7), ReasonTenderClosed)
	f.reject(Command{Kind: CmdCloseTender, Tender: id}, ReasonTenderClosed)
	f.reject(Command{Kind: CmdCancelTender, Participant: buyer, Tender: id}, ReasonTenderClosed)
	f.replay()
}

func TestTenderAuction(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	a, b, c := f.trader("A"), f.trader("B"), f.trader("C")
	cmd := f.tenderCmd(buyer, TenderAuction, 500, 100)
	cmd.Price = 600000
	cmd.Extension = 10
	id := f.open(cmd)
	closeAt := cmd.CloseAt

	e := f.placeBid(a, id, 550000, 500, 5)
	require.Equal(t, uint32(1), e.Rank)
	require.Equal(t, catalog.Price(550000), e.BestPrice)
	require.Equal(t, closeAt, e.CloseAt)
	e = f.placeBid(b, id, 560000, 500, 5)
	require.Equal(t, uint32(2), e.Rank)
	require.Equal(t, catalog.Price(550000), e.BestPrice)
	e = f.placeBid(c, id, 550000, 500, 5)
	require.Equal(t, uint32(2), e.Rank, "equal price: the earlier bid ranks first")

	// Improvement by at least the decrement of the bidder's own bid.
	f.reject(prBidCmd(b, id, 559100, 500, 5), ReasonBidNotImproved)
	f.reject(prBidCmd(b, id, 560000, 500, 5), ReasonBidNotImproved)
	f.reject(prBidCmd(b, id, 570000, 500, 5), ReasonBidNotImproved)
	e = f.placeBid(b, id, 559000, 500, 5)
	require.Equal(t, uint32(3), e.Rank)
	e = f.placeBid(b, id, 549000, 500, 5)
	require.Equal(t, uint32(1), e.Rank)
	require.Equal(t, catalog.Price(549000), e.BestPrice)

	rank, best, ok := f.x.TenderStanding(id, a)
	require.True(t, ok)
	require.Equal(t, uint32(2), rank)
	require.Equal(t, catalog.Price(549000), best)
	_, _, ok = f.x.TenderStanding(id, buyer)
	require.False(t, ok)
	info, _ := f.x.Tender(id)
	require.Equal(t, catalog.Price(549000), info.Best)

	// The rank index is derived state: a tender restored without it (as
	// from a snapshot) rebuilds it on first use.
	st, err := f.x.MarshalState()
	require.NoError(t, err)
	y, err := RestoreState(Config{}, st)
	require.NoError(t, err)
	rank, _, _ = y.TenderStanding(id, c)
	require.Equal(t, uint32(3), rank)
	f.x = y
	e = f.placeBid(f.trader("D"), id, 549000, 500, 5)
	require.Equal(t, uint32(2), e.Rank)

	// Anti-sniping: a bid in the last 10 moves the close 10 later.
	evs := f.must(Command{Kind: CmdBid, Participant: c, Tender: id, Price: 540000, Qty: 500, LeadTime: 5, Time: closeAt - 10})
	require.Len(t, evs, 2)
	require.Equal(t, closeAt+10, evs[0].CloseAt)
	require.Equal(t, EventTenderExtended, evs[1].Kind)
	require.Equal(t, buyer, evs[1].Participant)
	require.Equal(t, closeAt+10, evs[1].CloseAt)
	// A bid before the window does not extend; one at the old close is
	// still in time and extends again.
	evs = f.must(Command{Kind: CmdBid, Participant: a, Tender: id, Price: 539000, Qty: 500, LeadTime: 5, Time: closeAt})
	require.Len(t, evs, 2)
	require.Equal(t, closeAt+20, evs[0].CloseAt)
	f.reject(Command{Kind: CmdCloseTender, Tender: id, Time: closeAt + 19}, ReasonTenderNotDue)
	f.reject(Command{Kind: CmdBid, Participant: b, Tender: id, Price: 500000, Qty: 500, LeadTime: 5, Time: closeAt + 20}, ReasonTenderClosed)
	evs = f.must(Command{Kind: CmdCloseTender, Participant: buyer, Tender: id, Time: closeAt + 20})
	require.Equal(t, EventAwarded, evs[0].Kind)
	require.Equal(t, a, evs[0].Participant)
	require.Equal(t, catalog.Qty(500), evs[0].Qty)
	require.Equal(t, []EventKind{EventAwarded, EventNotAwarded, EventNotAwarded, EventNotAwarded, EventTenderClosed}, prKinds(evs))
	require.Equal(t, c, evs[1].Participant)
	require.Equal(t, b, evs[2].Participant, "549000, earlier than D's")
	require.Equal(t, uint32(4), evs[3].Rank)
	_, _, ok = f.x.TenderStanding(id, a)
	require.False(t, ok, "closed")
	f.replay()
}

// TestTenderExtremeTimes: anti-sniping near the ends of the int64 time
// range neither wraps nor extends by mistake.
func TestTenderExtremeTimes(t *testing.T) {
	f := newPrFix(t)
	buyer, s := f.trader("Buyer"), f.trader("S")
	cmd := f.tenderCmd(buyer, TenderAuction, 10, 0)
	cmd.Time, cmd.OpenAt, cmd.CloseAt, cmd.Extension = math.MinInt64+1, math.MinInt64+1, math.MaxInt64-5, math.MaxInt64/2
	id := f.open(cmd)
	e := f.must(Command{Kind: CmdBid, Participant: s, Tender: id, Price: 100000, Qty: 10, LeadTime: 1, Time: math.MinInt64 + 2})
	require.Len(t, e, 1, "far from the close: no extension")
	e = f.must(Command{Kind: CmdBid, Participant: s, Tender: id, Price: 90000, Qty: 10, LeadTime: 1, Time: math.MaxInt64 - 6})
	require.Len(t, e, 2)
	require.Equal(t, int64(math.MaxInt64), e[1].CloseAt, "saturates")
}

// TestTenderWeighted checks the weighted score against values computed by
// hand.
func TestTenderWeighted(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	a, b, c := f.trader("A"), f.trader("B"), f.trader("C")
	for p, r := range map[catalog.ParticipantID]uint8{a: 80, b: 50, c: 100} {
		f.must(Command{Kind: CmdSetRating, Participant: p, Rating: r})
	}
	cmd := f.tenderCmd(buyer, TenderSealed, 100, 100)
	cmd.Evaluation, cmd.WeightPrice, cmd.WeightLeadTime, cmd.WeightRating = EvalWeighted, 5000, 3000, 2000
	cmd.MaxWinners = 1
	id := f.open(cmd)
	f.placeBid(a, id, 100000, 100, 10)
	f.placeBid(b, id, 80000, 100, 20)
	f.placeBid(c, id, 90000, 100, 5)
	evs := f.must(Command{Kind: CmdCloseTender, Tender: id, Time: cmd.CloseAt})
	// P = 80000, L = 5.
	// A: sP = 800000, sL = 500000, sR = 800000: (5000·800000 + 3000·500000 + 2000·800000)/10000 = 710000
	// B: sP = 1000000, sL = 250000, sR = 500000: (5e9 + 0.75e9 + 1e9)/10000 = 675000
	// C: sP = floor(1e6·80000/90000) = 888888, sL = sR = 1e6: (4444440000 + 5e9)/10000 = 944444
	require.Equal(t, EventAwarded, evs[0].Kind)
	require.Equal(t, c, evs[0].Participant)
	require.Equal(t, uint32(944444), evs[0].Score)
	require.Equal(t, catalog.Qty(100), evs[0].Qty)
	require.Equal(t, a, evs[1].Participant)
	require.Equal(t, uint32(710000), evs[1].Score)
	require.Equal(t, uint32(2), evs[1].Rank)
	require.Equal(t, b, evs[2].Participant)
	require.Equal(t, uint32(675000), evs[2].Score)
	require.Equal(t, uint32(3), evs[2].Rank)
}

func TestTenderWinnerLimits(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	a, b, c := f.trader("A"), f.trader("B"), f.trader("C")
	closeOf := func(id TenderID) []Event {
		info, _ := f.x.Tender(id)
		return f.must(Command{Kind: CmdCloseTender, Tender: id, Time: info.CloseAt})
	}

	// At least two winners: nobody gets more than half.
	cmd := f.tenderCmd(buyer, TenderSealed, 500, 50)
	cmd.MinWinners = 2
	id := f.open(cmd)
	f.placeBid(a, id, 100000, 500, 1)
	f.placeBid(b, id, 110000, 500, 1)
	f.placeBid(c, id, 120000, 500, 1)
	evs := closeOf(id)
	require.Equal(t, []catalog.Qty{250, 250}, []catalog.Qty{evs[0].Qty, evs[1].Qty})
	require.Equal(t, []catalog.ParticipantID{a, b}, []catalog.ParticipantID{evs[0].Participant, evs[1].Participant})
	require.Equal(t, EventNotAwarded, evs[2].Kind)

	// At most two winners: the quantity may stay partly uncovered.
	cmd = f.tenderCmd(buyer, TenderSealed, 500, 50)
	cmd.MaxWinners = 2
	id = f.open(cmd)
	f.placeBid(a, id, 100000, 100, 1)
	f.placeBid(b, id, 110000, 300, 1)
	f.placeBid(c, id, 120000, 500, 1)
	evs = closeOf(id)
	require.Equal(t, []catalog.Qty{100, 300}, []catalog.Qty{evs[0].Qty, evs[1].Qty})
	last := evs[len(evs)-1]
	require.Equal(t, EventTenderClosed, last.Kind)
	require.Equal(t, catalog.Qty(400), last.Qty)
	require.Equal(t, catalog.Qty(100), last.Remaining)

	// Three winners required, two bids: the tender fails.
	cmd = f.tenderCmd(buyer, TenderSealed, 300, 50)
	cmd.MinWinners = 3
	id = f.open(cmd)
	f.placeBid(a, id, 100000, 300, 1)
	f.placeBid(b, id, 110000, 300, 1)
	evs = closeOf(id)
	require.Equal(t, []EventKind{EventNotAwarded, EventNotAwarded, EventTenderFailed}, []EventKind{evs[0].Kind, evs[1].Kind, evs[2].Kind})
	require.Equal(t, uint32(1), evs[0].Rank)
	info, _ := f.x.Tender(id)
	require.Equal(t, TenderFailed, info.State)
	require.Zero(t, info.Awarded)

	// No bid: failed.
	id = f.open(f.tenderCmd(buyer, TenderAuction, 10, 5))
	evs = closeOf(id)
	require.Len(t, evs, 1)
	require.Equal(t, EventTenderFailed, evs[0].Kind)
	require.Equal(t, buyer, evs[0].Participant)
	require.Equal(t, catalog.Qty(10), evs[0].Remaining)
	f.replay()
}

func TestTenderCancel(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	a, b := f.trader("A"), f.trader("B")
	id := f.open(f.tenderCmd(buyer, TenderSealed, 100, 50))
	f.placeBid(a, id, 100000, 100, 1)
	f.placeBid(b, id, 100000, 100, 1)
	f.reject(Command{Kind: CmdCancelTender, Participant: a, Tender: id}, ReasonNotTenderBuyer)
	f.reject(Command{Kind: CmdCancelTender, Participant: 999, Tender: id}, ReasonUnknownParticipant)
	f.reject(Command{Kind: CmdCancelTender, Participant: buyer, Tender: 99}, ReasonUnknownTender)
	evs := f.must(Command{Kind: CmdCancelTender, Participant: buyer, Tender: id})
	require.Len(t, evs, 3)
	for i, p := range []catalog.ParticipantID{buyer, a, b} {
		require.Equal(t, EventTenderCancelled, evs[i].Kind)
		require.Equal(t, p, evs[i].Participant)
	}
	info, _ := f.x.Tender(id)
	require.Equal(t, TenderCancelled, info.State)
	f.reject(prBidCmd(a, id, 90000, 100, 1), ReasonTenderClosed)
	f.reject(Command{Kind: CmdCloseTender, Tender: id, Time: info.CloseAt}, ReasonTenderClosed)
	f.reject(Command{Kind: CmdCancelTender, Participant: buyer, Tender: id}, ReasonTenderClosed)
	require.Empty(t, f.x.TenderBids(id, nil), "a cancelled tender never reveals its bids")

	// A tender past its close time can no longer be cancelled.
	id = f.open(f.tenderCmd(buyer, TenderSealed, 100, 5))
	info, _ = f.x.Tender(id)
	f.reject(Command{Kind: CmdCancelTender, Participant: buyer, Tender: id, Time: info.CloseAt}, ReasonTenderClosed)
}

func TestTenderEligibility(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	subbed, unsubbed, later := f.trader("Subscribed"), f.trader("Not subscribed"), f.trader("Leaves")
	f.subscribe(subbed, "23.51")
	sub := f.subscribe(later, "23")
	f.must(Command{Kind: CmdSubscribe, Participant: unsubbed, Category: f.cid("23"), MaxQty: 10}) // filter fails for 100 t
	cmd := f.tenderCmd(buyer, TenderSealed, 100, 50)
	cmd.SubscribersOnly = true
	id := f.open(cmd)
	f.reject(prBidCmd(unsubbed, id, 100000, 100, 1), ReasonNotEligible)
	f.reject(prBidCmd(buyer, id, 100000, 100, 1), ReasonOwnTender)
	f.placeBid(subbed, id, 100000, 50, 1)
	f.placeBid(later, id, 90000, 100, 1)
	// Eligibility is checked again at the close: a bidder that left the
	// category or was suspended is disqualified.
	f.must(Command{Kind: CmdUnsubscribe, Participant: later, Subscription: sub})
	evs := f.must(Command{Kind: CmdCloseTender, Tender: id, Time: cmd.CloseAt})
	require.Equal(t, EventAwarded, evs[0].Kind)
	require.Equal(t, subbed, evs[0].Participant)
	require.Equal(t, catalog.Qty(50), evs[0].Qty)
	require.Equal(t, EventNotAwarded, evs[1].Kind)
	require.Equal(t, later, evs[1].Participant)
	require.Zero(t, evs[1].Rank, "disqualified")
	require.Equal(t, catalog.Qty(50), evs[2].Remaining)

	id = f.open(f.tenderCmd(buyer, TenderSealed, 100, 50))
	f.placeBid(subbed, id, 100000, 100, 1)
	f.must(Command{Kind: CmdSetStatus, Participant: subbed, Status: catalog.StatusSuspended})
	info, _ := f.x.Tender(id)
	evs = f.must(Command{Kind: CmdCloseTender, Tender: id, Time: info.CloseAt})
	require.Equal(t, []EventKind{EventNotAwarded, EventTenderFailed}, []EventKind{evs[0].Kind, evs[1].Kind})
	f.replay()
}

func TestTenderRejections(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	s := f.trader("Supplier")
	pending := f.company("Pending", false)
	suspended := f.trader("Suspended")
	f.must(Command{Kind: CmdSetStatus, Participant: suspended, Status: catalog.StatusSuspended})
	base := f.tenderCmd(buyer, TenderAuction, 100, 1000)
	base.Price = 600000
	base.Extension = 5
	open := func(mod func(*Command)) Command {
		c := base
		mod(&c)
		return c
	}
	opens := []struct {
		name string
		mod  func(*Command)
		want RejectReason
	}{
		{"unknown buyer", func(c *Command) { c.Participant = 999 }, ReasonUnknownParticipant},
		{"pending buyer", func(c *Command) { c.Participant = pending }, ReasonNotVerified},
		{"suspended buyer", func(c *Command) { c.Participant = suspended }, ReasonSuspended},
		{"unknown category", func(c *Command) { c.Category = 9999 }, ReasonUnknownCategory},
		{"group category", func(c *Command) { c.Category = f.cid("23.51") }, ReasonNotLeaf},
		{"unknown basis", func(c *Command) { c.Basis = 999 }, ReasonUnknownBasis},
		{"zero quantity", func(c *Command) { c.Qty = 0 }, ReasonInvalidQty},
		{"quantity off lot", func(c *Command) { c.Category = f.cid("23.51.11"); c.Qty = 30 }, ReasonQtyNotOnLot},
		{"negative reserve", func(c *Command) { c.Price = -100 }, ReasonInvalidPrice},
		{"reserve off tick", func(c *Command) { c.Price = 600001 }, ReasonPriceNotOnTick},
		{"reserve overflow", func(c *Command) { c.Price = (1 << 62) / 100 * 100; c.Qty = 4 }, ReasonOverflow},
		{"no mode", func(c *Command) { c.TenderMode = 0 }, ReasonInvalidTender},
		{"bad mode", func(c *Command) { c.TenderMode = 7 }, ReasonInvalidTender},
		{"auction without decrement", func(c *Command) { c.Decrement = 0 }, ReasonInvalidTender},
		{"decrement off tick", func(c *Command) { c.Decrement = 150 }, ReasonPriceNotOnTick},
		{"negative extension", func(c *Command) { c.Extension = -1 }, ReasonInvalidTender},
		{"sealed with decrement", func(c *Command) { c.TenderMode = TenderSealed; c.Extension = 0 }, ReasonInvalidTender},
		{"sealed with extension", func(c *Command) { c.TenderMode = TenderSealed; c.Decrement = 0 }, ReasonInvalidTender},
		{"no evaluation", func(c *Command) { c.Evaluation = 0 }, ReasonInvalidTender},
		{"weights under 1", func(c *Command) { c.Evaluation, c.WeightPrice, c.WeightRating = EvalWeighted, 5000, 4999 }, ReasonBadWeights},
		{"weights over 1", func(c *Command) { c.Evaluation, c.WeightPrice, c.WeightLeadTime = EvalWeighted, 10000, 1 }, ReasonBadWeights},
		{"weights of lowest price", func(c *Command) { c.WeightPrice = 10000 }, ReasonBadWeights},
		{"close before open", func(c *Command) { c.OpenAt = c.CloseAt + 1 }, ReasonCloseBeforeOpen},
		{"close at open", func(c *Command) { c.OpenAt = c.CloseAt }, ReasonCloseBeforeOpen},
		{"close in the past", func(c *Command) { c.CloseAt = 1 }, ReasonCloseBeforeOpen},
		{"min winners above lots", func(c *Command) { c.MinWinners = 101 }, ReasonInvalidWinners},
		{"min above max winners", func(c *Command) { c.MinWinners, c.MaxWinners = 3, 2 }, ReasonInvalidWinners},
		{"limits cannot cover", func(c *Command) { c.Qty, c.MinWinners, c.MaxWinners = 5, 3, 3 }, ReasonInvalidWinners},
	}
	for _, c := range opens {
		t.Run("open/"+c.name, func(t *testing.T) {
			f.t = t
			f.reject(open(c.mod), c.want)
		})
	}
	f.t = t
	later := open(func(c *Command) { c.OpenAt = f.now + 100 })
	laterID := f.open(later)
	id := f.open(base)
	sealed := f.open(open(func(c *Command) { c.TenderMode, c.Decrement, c.Extension = TenderSealed, 0, 0 }))
	// The cases at the close time advance late's clock past its close for
	// good, so they name a tender of their own.
	late := f.open(base)
	f.placeBid(s, id, 500000, 100, 3)
	f.placeBid(s, sealed, 500000, 100, 3)
	bids := []struct {
		name string
		cmd  Command
		want RejectReason
	}{
		{"unknown tender", prBidCmd(s, 99, 500000, 100, 1), ReasonUnknownTender},
		{"zero tender", prBidCmd(s, 0, 500000, 100, 1), ReasonUnknownTender},
		{"not open yet", prBidCmd(s, laterID, 500000, 100, 1), ReasonTenderNotOpen},
		{"after close", func() Command {
			c := prBidCmd(s, late, 400000, 100, 1)
			c.Time = base.CloseAt
			return c
		}(), ReasonTenderClosed},
		{"buyer", prBidCmd(buyer, id, 500000, 100, 1), ReasonOwnTender},
		{"unknown bidder", prBidCmd(999, id, 500000, 100, 1), ReasonUnknownParticipant},
		{"pending bidder", prBidCmd(pending, id, 500000, 100, 1), ReasonNotVerified},
		{"suspended bidder", prBidCmd(suspended, id, 500000, 100, 1), ReasonSuspended},
		{"zero price", prBidCmd(s, id, 0, 100, 1), ReasonInvalidPrice},
		{"negative price", prBidCmd(s, id, -100, 100, 1), ReasonInvalidPrice},
		{"zero quantity", prBidCmd(s, id, 400000, 0, 1), ReasonInvalidQty},
		{"above the tender's quantity", prBidCmd(s, id, 400000, 101, 1), ReasonBidQtyAboveTender},
		{"zero lead time", prBidCmd(s, id, 400000, 100, 0), ReasonInvalidLeadTime},
		{"off tick", prBidCmd(s, id, 400050, 100, 1), ReasonPriceNotOnTick},
		{"above reserve", prBidCmd(f.trader("New"), id, 600100, 100, 1), ReasonAboveReserve},
		{"not lower", prBidCmd(s, id, 500000, 100, 1), ReasonBidNotImproved},
		{"higher", prBidCmd(s, id, 510000, 100, 1), ReasonBidNotImproved},
		{"less than the decrement", prBidCmd(s, id, 499100, 100, 1), ReasonBidNotImproved},
		{"sealed not lower", prBidCmd(s, sealed, 500000, 100, 1), ReasonBidNotImproved},
		{"close unknown", Command{Kind: CmdCloseTender, Tender: 99}, ReasonUnknownTender},
		{"close by another", Command{Kind: CmdCloseTender, Participant: s, Tender: late, Time: base.CloseAt}, ReasonNotTenderBuyer},
		{"close by unknown", Command{Kind: CmdCloseTender, Participant: 999, Tender: late, Time: base.CloseAt}, ReasonUnknownParticipant},
		{"close early", Command{Kind: CmdCloseTender, Participant: buyer, Tender: id}, ReasonTenderNotDue},
	}
	for _, c := range bids {
		t.Run("bid/"+c.name, func(t *testing.T) {
			f.t = t
			f.reject(c.cmd, c.want)
		})
	}
	f.t = t
	f.placeBid(s, id, 499000, 100, 1)
}

// prRef is the brute-force model of one tender's bid.
type prRef struct {
	bidder   catalog.ParticipantID
	price    catalog.Price
	qty      catalog.Qty
	lead     int64
	seq      uint64
	rating   int64
	eligible bool
}

// prFloor returns floor(a×b/c) with big integers.
func prFloor(a, b, c int64) int64 {
	r := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	return r.Quo(r, big.NewInt(c)).Int64()
}

// prBestAward is the brute-force award: it enumerates every allocation of
// lots to the ranked bids (each at most its offer and the winner share,
// the total at most the quantity, at most MaxWinners winners) and keeps the
// lexicographically greatest in rank order.
func prBestAward(ranked []prRef, qty, lot, share catalog.Qty, maxWinners int) []catalog.Qty {
	best := make([]catalog.Qty, len(ranked))
	cur := make([]catalog.Qty, len(ranked))
	var walk func(i int, left catalog.Qty, winners int)
	walk = func(i int, left catalog.Qty, winners int) {
		if i == len(ranked) {
			if slices.Compare(cur, best) > 0 {
				copy(best, cur)
			}
			return
		}
		hi := min(ranked[i].qty, share, left)
		for a := catalog.Qty(0); a <= hi; a += lot {
			w := winners
			if a > 0 {
				w++
				if maxWinners > 0 && w > maxWinners {
					break
				}
			}
			cur[i] = a
			walk(i+1, left-a, w)
		}
		cur[i] = 0
	}
	walk(0, qty, 0)
	return best
}

// prScore is the model's score of r among the bids all (see Evaluation).
func prScore(cmd Command, all []prRef, r prRef) int64 {
	minP, minL := all[0].price, all[0].lead
	for _, o := range all {
		minP, minL = min(minP, o.price), min(minL, o.lead)
	}
	sP := prFloor(ScoreScale, int64(minP), int64(r.price))
	if cmd.Evaluation == EvalLowestPrice {
		return sP
	}
	sL := prFloor(ScoreScale, minL, r.lead)
	sR := r.rating * 10000
	return (int64(cmd.WeightPrice)*sP + int64(cmd.WeightLeadTime)*sL + int64(cmd.WeightRating)*sR) / WeightScale
}

// prBefore reports whether bid a ranks before bid b among the bids all.
func prBefore(cmd Command, all []prRef, a, b prRef) bool {
	if cmd.Evaluation == EvalLowestPrice && a.price != b.price {
		return a.price < b.price
	}
	if sa, sb := prScore(cmd, all, a), prScore(cmd, all, b); cmd.Evaluation == EvalWeighted && sa != sb {
		return sa > sb
	}
	return a.seq < b.seq
}

// TestTenderAwardRandom runs random small tenders and checks the award
// against the brute force: it never exceeds the quantity, never goes to an
// ineligible bidder and is the optimal (lexicographically greatest in rank
// order) allocation, with ranks and scores recomputed independently.
func TestTenderAwardRandom(t *testing.T) {
	var nAwarded, nFailed, nSplit, nDisq int
	defer func() {
		t.Logf("awarded %d, failed %d, split %d, with disqualified bids %d", nAwarded, nFailed, nSplit, nDisq)
		require.Positive(t, nAwarded)
		require.Positive(t, nFailed)
		require.Positive(t, nSplit)
		require.Positive(t, nDisq)
	}()
	for seed := uint64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		f := newPrFix(t)
		buyer := f.trader("Buyer")
		var sup []catalog.ParticipantID
		subOf := map[catalog.ParticipantID]SubscriptionID{}
		for range 4 {
			p := f.trader("S")
			sup = append(sup, p)
			f.must(Command{Kind: CmdSetRating, Participant: p, Rating: uint8(rng.IntN(101))})
			if rng.IntN(3) > 0 {
				subOf[p] = f.subscribe(p, []string{"23", "23.51", "23.51.11"}[rng.IntN(3)])
			}
		}
		clinker := f.cid("23.51.11") // lot 20, tick 100
		lot := catalog.Qty(20)
		cmd := Command{
			Kind: CmdOpenTender, Participant: buyer, Category: clinker, Basis: f.bid("MSK"),
			Qty: lot * catalog.Qty(1+rng.IntN(6)), TenderMode: TenderMode(1 + rng.IntN(2)),
			Evaluation: Evaluation(1 + rng.IntN(2)), CloseAt: f.now + 1000, SubscribersOnly: rng.IntN(2) == 0,
		}
		if rng.IntN(2) == 0 {
			cmd.Price = 100 * catalog.Price(50+rng.IntN(50))
		}
		if cmd.TenderMode == TenderAuction {
			cmd.Decrement = 100 * catalog.Price(1+rng.IntN(3))
		}
		if cmd.Evaluation == EvalWeighted {
			cmd.WeightPrice = uint16(rng.IntN(10001))
			cmd.WeightLeadTime = uint16(rng.IntN(10001 - int(cmd.WeightPrice)))
			cmd.WeightRating = WeightScale - cmd.WeightPrice - cmd.WeightLeadTime
		}
		lots := int(cmd.Qty / lot)
		if rng.IntN(3) == 0 {
			cmd.MinWinners = uint16(1 + rng.IntN(lots))
		}
		if rng.IntN(3) == 0 {
			cmd.MaxWinners = uint16(1 + rng.IntN(4))
		}
		evs, err := f.submit(cmd)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidWinners, "seed %d", seed)
			continue
		}
		id := evs[0].Tender
		refs := map[catalog.ParticipantID]*prRef{}
		for range 3 + rng.IntN(8) {
			p := sup[rng.IntN(len(sup))]
			if rng.IntN(8) == 0 {
				p = buyer
			}
			price := 100 * catalog.Price(40+rng.IntN(70))
			if r := refs[p]; r != nil && rng.IntN(2) == 0 {
				price = r.price - 100*catalog.Price(rng.IntN(3))
			}
			c := prBidCmd(p, id, price, lot*catalog.Qty(1+rng.IntN(lots)), int64(1+rng.IntN(5)))
			evs, err := f.submit(c)
			if err == nil {
				refs[p] = &prRef{bidder: p, price: c.Price, qty: c.Qty, lead: c.LeadTime, seq: evs[0].Seq}
				if cmd.TenderMode == TenderAuction {
					// The bidder's feedback: its rank among all current
					// bids and the best price.
					var all []prRef
					for _, q := range sup {
						if r := refs[q]; r != nil {
							pp, _ := f.x.Participant(q)
							r.rating = int64(pp.Rating)
							all = append(all, *r)
						}
					}
					me := *refs[p]
					rank, best := uint32(1), me.price
					for _, o := range all {
						best = min(best, o.price)
						if o.bidder != p && prBefore(cmd, all, o, me) {
							rank++
						}
					}
					require.Equal(t, rank, evs[0].Rank, "seed %d", seed)
					require.Equal(t, best, evs[0].BestPrice, "seed %d", seed)
				}
			} else {
				require.NotEqual(t, ReasonNone, evs[0].Reject)
			}
			if rng.IntN(5) == 0 { // churn ratings
				f.must(Command{Kind: CmdSetRating, Participant: sup[rng.IntN(len(sup))], Rating: uint8(rng.IntN(101))})
			}
			if rng.IntN(6) == 0 { // churn eligibility
				q := sup[rng.IntN(len(sup))]
				if sid, ok := subOf[q]; ok && rng.IntN(2) == 0 {
					f.must(Command{Kind: CmdUnsubscribe, Participant: q, Subscription: sid})
					delete(subOf, q)
				} else {
					st := catalog.StatusSuspended
					if pp, _ := f.x.Participant(q); pp.Status == st {
						st = catalog.StatusVerified
					}
					f.must(Command{Kind: CmdSetStatus, Participant: q, Status: st})
				}
			}
		}
		// The model: eligible bids, scored and ranked independently.
		var ranked []prRef
		for _, p := range sup {
			r := refs[p]
			if r == nil {
				continue
			}
			pp, _ := f.x.Participant(p)
			_, subscribed := subOf[p]
			// subOf tracks a subscription covering the clinker leaf,
			// without filters.
			r.eligible = pp.Status == catalog.StatusVerified && (!cmd.SubscribersOnly || subscribed)
			r.rating = int64(pp.Rating)
			if r.eligible {
				ranked = append(ranked, *r)
			}
		}
		score := func(r prRef) int64 { return prScore(cmd, ranked, r) }
		slices.SortFunc(ranked, func(a, b prRef) int {
			if prBefore(cmd, ranked, a, b) {
				return -1
			}
			return 1
		})
		share := cmd.Qty
		if cmd.MinWinners > 1 {
			share = cmd.Qty / lot / catalog.Qty(cmd.MinWinners) * lot
		}
		want := prBestAward(ranked, cmd.Qty, lot, share, int(cmd.MaxWinners))
		winners := 0
		for _, a := range want {
			if a > 0 {
				winners++
			}
		}
		failed := winners == 0 || winners < int(cmd.MinWinners)
		if failed {
			clear(want)
		}

		info, _ := f.x.Tender(id)
		evs = f.must(Command{Kind: CmdCloseTender, Tender: id, Time: info.CloseAt})
		got := map[catalog.ParticipantID]catalog.Qty{}
		var total catalog.Qty
		for _, e := range prOnly(evs, EventAwarded) {
			require.True(t, refs[e.Participant] != nil && refs[e.Participant].eligible, "seed %d: award to an ineligible bidder", seed)
			require.NotEqual(t, buyer, e.Participant)
			require.Zero(t, e.Qty%lot)
			got[e.Participant] = e.Qty
			total += e.Qty
		}
		require.LessOrEqual(t, total, cmd.Qty, "seed %d", seed)
		for i, r := range ranked {
			require.Equal(t, want[i], got[r.bidder], "seed %d: bidder %d (rank %d)", seed, r.bidder, i+1)
		}
		var rankedGot []catalog.ParticipantID
		for _, e := range evs {
			if (e.Kind == EventAwarded || e.Kind == EventNotAwarded) && e.Rank > 0 {
				require.Equal(t, uint32(score(ranked[e.Rank-1])), e.Score, "seed %d", seed)
				rankedGot = append(rankedGot, e.Participant)
			}
		}
		require.Len(t, rankedGot, len(ranked))
		last := evs[len(evs)-1]
		for _, e := range prOnly(evs, EventNotAwarded) {
			if e.Rank == 0 {
				nDisq++
				break
			}
		}
		switch {
		case failed:
			nFailed++
		case winners > 1:
			nSplit++
			fallthrough
		default:
			nAwarded++
		}
		if failed {
			require.Equal(t, EventTenderFailed, last.Kind, "seed %d", seed)
		} else {
			require.Equal(t, EventTenderClosed, last.Kind, "seed %d", seed)
			require.Equal(t, total, last.Qty)
			require.Equal(t, uint32(winners), last.Rank)
		}
		f.replay()
	}
}
