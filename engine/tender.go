package engine

import (
	"math"
	"math/bits"
	"slices"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/wire"
)

// TenderState is the life-cycle state of a tender. The zero value is
// invalid.
type TenderState uint8

const (
	TenderOpen      TenderState = 1 + iota // taking bids (from OpenAt until CloseAt)
	TenderAwarded                          // closed with an award
	TenderFailed                           // closed without an award
	TenderCancelled                        // cancelled by its buyer
	tenderStateEnd
)

// TenderInfo is the public description of a tender. It never reveals a
// sealed bid.
//
// Rules. A tender takes bids from OpenAt (inclusive) until CloseAt
// (exclusive); time is the commands' Time, and a tender's clock never goes
// backwards: every command that names the tender advances it, even one that
// is refused, and an older time counts as the latest seen. The tender's
// events carry its clock. A supplier is
// eligible if it is verified, is not the buyer and, with SubscribersOnly,
// holds a subscription that covers the tender (category, basis and
// quantity filters). A bid offers up to Qty (at most the tender's
// quantity, on the lot) at Price (on the tick, at most Reserve if set) with
// a positive LeadTime; each bidder has one bid, which it may only improve:
// a strictly lower price, lower by at least Decrement in auction mode (the
// quantity and lead time may change with it). In auction mode, a bid
// accepted less than Extension before CloseAt moves CloseAt Extension later.
//
// Award. At the close, bidders that are no longer eligible are
// disqualified. The eligible bids are ranked (see Evaluation; ties go to
// the earlier bid). Walking the ranking from the best, each bid receives
// the least of its offered quantity, the winner share and the quantity
// still uncovered, until the quantity is covered or MaxWinners bids have
// won. The winner share is the whole quantity, or with MinWinners m > 1 the
// largest multiple of the lot not above Qty/m, so covering the quantity
// takes at least m winners. This allocation is the optimal one: among all
// allocations in lots with each bid receiving at most min(offer, share),
// the total at most Qty and at most MaxWinners winners, it is the
// lexicographically greatest vector of awards in rank order (no bid could
// receive more without taking from a better-ranked one). The quantity may
// stay partly uncovered. The tender fails, awarding nothing, if there is
// no winner or fewer than MinWinners.
type TenderInfo struct {
	ID              wire.TenderID         `json:"id"`
	Buyer           catalog.ParticipantID `json:"buyer"`
	Category        catalog.CategoryID    `json:"category"`
	Basis           catalog.BasisID       `json:"basis"`
	Qty             catalog.Qty           `json:"qty"`
	Reserve         catalog.Price         `json:"reserve"` // 0: none
	OpenAt          int64                 `json:"open_at"`
	CloseAt         int64                 `json:"close_at"` // the current close, after any extension
	Mode            wire.TenderMode       `json:"mode"`
	Evaluation      wire.Evaluation       `json:"evaluation"`
	Decrement       catalog.Price         `json:"decrement"`
	Extension       int64                 `json:"extension"`
	WeightPrice     uint16                `json:"weight_price"`
	WeightLeadTime  uint16                `json:"weight_lead_time"`
	WeightRating    uint16                `json:"weight_rating"`
	MinWinners      uint16                `json:"min_winners"`
	MaxWinners      uint16                `json:"max_winners"`
	SubscribersOnly bool                  `json:"subscribers_only"`

	State   TenderState   `json:"state"`
	Bidders int           `json:"bidders"` // bidders with a bid
	Best    catalog.Price `json:"best"`    // auction mode: the lowest bid price (0 without bids); 0 in sealed mode until the close
	Awarded catalog.Qty   `json:"awarded"` // after the close: the quantity awarded
	Winners int           `json:"winners"` // after the close: the number of winners
	Clock   int64         `json:"clock"`   // the latest command time the tender has seen; it never goes backwards
}

// TenderBid is one bid of a closed tender, as ranked at its close.
type TenderBid struct {
	Bidder   catalog.ParticipantID `json:"bidder"`
	Price    catalog.Price         `json:"price"`
	Qty      catalog.Qty           `json:"qty"` // offered
	LeadTime int64                 `json:"lead_time"`
	Seq      uint64                `json:"seq"`   // sequence number of the bid's last version
	Rank     uint32                `json:"rank"`  // 1 = best; 0 = disqualified (not eligible at the close)
	Score    uint32                `json:"score"` // parts per million
	Awarded  catalog.Qty           `json:"awarded"`
}

type tenderBid struct {
	bidder catalog.ParticipantID
	price  catalog.Price
	qty    catalog.Qty
	lead   int64
	seq    uint64
	rating uint8
	score  uint32
	rank   uint32
	award  catalog.Qty
}

type tender struct {
	info     TenderInfo
	lot      catalog.Qty
	share    catalog.Qty // the most one winner may receive
	clock    int64       // latest command time seen; never goes back
	bids     []tenderBid // in first-bid order
	byBidder map[catalog.ParticipantID]int

	// Auction feedback, derived from bids (a restored tender rebuilds it
	// on first use). With EvalLowestPrice, ranks holds every bid's (price,
	// seq) in rank order once ranksOK. With EvalWeighted, the bids' scores
	// are cached for the lowest price, shortest lead time and ratings
	// version they were computed with.
	ranks   rankIndex
	ranksOK bool
	cacheOK bool
	cacheP  catalog.Price
	cacheL  int64
	cacheV  uint64
}

// tenders holds every tender. Tender commands are ScopeAdmin: they
// read the registry and the subscriptions, which only ScopeAll writes.
type tenders struct {
	ids     idLayout  // numbers the tenders: list[k-1] has ID ids.global(k)
	list    []*tender // list[id-1]
	hits    []subHit
	order   []int
	ratings uint64 // bumped by every rating change, to invalidate cached scores
}

func (ts *tenders) get(id wire.TenderID) *tender {
	k, ok := ts.ids.local(uint64(id))
	if !ok || k > uint64(len(ts.list)) {
		return nil
	}
	return ts.list[k-1]
}

// tenderEvent returns an event of t with the common fields set, at the
// tender's clock: the command's effective time.
func tenderEvent(seq uint64, cmd *wire.Command, kind wire.EventKind, t *tender, p catalog.ParticipantID) wire.Event {
	return wire.Event{
		Seq: seq, Time: t.clock, Kind: kind, Command: cmd.Kind, Participant: p,
		Category: t.info.Category, Basis: t.info.Basis, Tender: t.info.ID,
	}
}

// tenderCommand runs a tender command and counts it.
func (e *Engine) tenderCommand(seq uint64, cmd *wire.Command, dst []wire.Event, run func(seq uint64, dst []wire.Event) ([]wire.Event, wire.RejectReason)) ([]wire.Event, error) {
	start := len(dst)
	dst, r := run(seq, dst)
	if r != wire.ReasonNone {
		now := cmd.Time
		if t := e.tenders.get(cmd.Tender); t != nil && cmd.Kind != wire.CmdOpenTender {
			now = t.clock // advanced by the command, rejected or not
		}
		dst = append(dst[:start], rejected(seq, now, cmd, r))
	}
	e.countOutside(cmd.Participant, cmd.Kind, dst[start:])
	return dst, r.Err()
}

// checkTender validates the terms of a CmdOpenTender. It returns the
// tender's category and the opening time.
func (e *Engine) checkTender(cmd *wire.Command) (catalog.Category, int64, wire.RejectReason) {
	if r := e.traderStatus(cmd.Participant); r != wire.ReasonNone {
		return catalog.Category{}, 0, r
	}
	cat, r := e.tradable(cmd.Category)
	if r != wire.ReasonNone {
		return cat, 0, r
	}
	if _, ok := e.cat.Bases.ByID(cmd.Basis); !ok {
		return cat, 0, wire.ReasonUnknownBasis
	}
	switch {
	case cmd.Qty <= 0:
		return cat, 0, wire.ReasonInvalidQty
	case cmd.Price < 0:
		return cat, 0, wire.ReasonInvalidPrice
	}
	if r := e.stepsOf(&cat, cmd.Price, cmd.Qty, 0); r != wire.ReasonNone {
		return cat, 0, r
	}
	switch cmd.TenderMode {
	case wire.TenderSealed:
		if cmd.Decrement != 0 || cmd.Extension != 0 {
			return cat, 0, wire.ReasonInvalidTender
		}
	case wire.TenderAuction:
		if cmd.Decrement <= 0 || cmd.Extension < 0 {
			return cat, 0, wire.ReasonInvalidTender
		}
		if cmd.Decrement%cat.Tick != 0 {
			return cat, 0, wire.ReasonPriceNotOnTick
		}
	default:
		return cat, 0, wire.ReasonInvalidTender
	}
	sum := int(cmd.WeightPrice) + int(cmd.WeightLeadTime) + int(cmd.WeightRating)
	switch cmd.Evaluation {
	case wire.EvalLowestPrice:
		if sum != 0 {
			return cat, 0, wire.ReasonBadWeights
		}
	case wire.EvalWeighted:
		if sum != wire.WeightScale {
			return cat, 0, wire.ReasonBadWeights
		}
	default:
		return cat, 0, wire.ReasonInvalidTender
	}
	openAt := max(cmd.OpenAt, cmd.Time)
	if cmd.CloseAt <= openAt {
		return cat, 0, wire.ReasonCloseBeforeOpen
	}
	lots := int64(cmd.Qty / cat.Lot)
	if cmd.MinWinners > 1 && int64(cmd.MinWinners) > lots {
		return cat, 0, wire.ReasonInvalidWinners
	}
	if cmd.MaxWinners != 0 {
		if cmd.MinWinners > cmd.MaxWinners {
			return cat, 0, wire.ReasonInvalidWinners
		}
		if share := winnerShare(cmd.Qty, cat.Lot, cmd.MinWinners); int64(cmd.MaxWinners) < (int64(cmd.Qty)+int64(share)-1)/int64(share) {
			return cat, 0, wire.ReasonInvalidWinners // the limits could never cover the quantity
		}
	}
	return cat, openAt, wire.ReasonNone
}

// winnerShare is the most one winner may receive: the whole quantity, or
// with a minimum of m > 1 winners, the largest multiple of the lot not above
// qty/m (so that covering qty takes at least m winners).
func winnerShare(qty, lot catalog.Qty, m uint16) catalog.Qty {
	if m <= 1 {
		return qty
	}
	return qty / lot / catalog.Qty(m) * lot
}

func (e *Engine) openTender(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	return e.tenderCommand(seq, cmd, dst, func(seq uint64, dst []wire.Event) ([]wire.Event, wire.RejectReason) {
		cat, openAt, r := e.checkTender(cmd)
		if r != wire.ReasonNone {
			return dst, r
		}
		t := &tender{
			info: TenderInfo{
				ID: wire.TenderID(e.ids.global(uint64(len(e.tenders.list)) + 1)), Buyer: cmd.Participant,
				Category: cat.ID, Basis: cmd.Basis, Qty: cmd.Qty, Reserve: cmd.Price,
				OpenAt: openAt, CloseAt: cmd.CloseAt, Mode: cmd.TenderMode, Evaluation: cmd.Evaluation,
				Decrement: cmd.Decrement, Extension: cmd.Extension,
				WeightPrice: cmd.WeightPrice, WeightLeadTime: cmd.WeightLeadTime, WeightRating: cmd.WeightRating,
				MinWinners: cmd.MinWinners, MaxWinners: cmd.MaxWinners, SubscribersOnly: cmd.SubscribersOnly,
				State: TenderOpen,
			},
			lot: cat.Lot, share: winnerShare(cmd.Qty, cat.Lot, cmd.MinWinners),
			clock: cmd.Time, byBidder: map[catalog.ParticipantID]int{},
		}
		e.tenders.list = append(e.tenders.list, t)
		ev := tenderEvent(seq, cmd, wire.EventTenderOpened, t, t.info.Buyer)
		ev.Side, ev.Price, ev.Qty, ev.OpenAt, ev.CloseAt = wire.Buy, t.info.Reserve, t.info.Qty, t.info.OpenAt, t.info.CloseAt
		dst = append(dst, ev)
		p := posting{
			kind: cmd.Kind, poster: t.info.Buyer, cat: t.info.Category, basis: t.info.Basis,
			side: wire.Buy, price: t.info.Reserve, qty: t.info.Qty, remaining: t.info.Qty,
			tender: t.info.ID, openAt: t.info.OpenAt, closeAt: t.info.CloseAt, maker: t.info.Buyer,
		}
		return e.notify(seq, cmd.Time, &p, &e.tenders.hits, dst), wire.ReasonNone
	})
}

// eligible reports whether p may bid on t now.
func (e *Engine) eligible(t *tender, p catalog.ParticipantID) wire.RejectReason {
	if p == t.info.Buyer {
		return wire.ReasonOwnTender
	}
	if r := e.traderStatus(p); r != wire.ReasonNone {
		return r
	}
	if t.info.SubscribersOnly && !e.subs.covers(e.cat.Taxonomy, p, t.info.Category, t.info.Basis, t.info.Qty) {
		return wire.ReasonNotEligible
	}
	return wire.ReasonNone
}

func (e *Engine) bid(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	return e.tenderCommand(seq, cmd, dst, func(seq uint64, dst []wire.Event) ([]wire.Event, wire.RejectReason) {
		t := e.tenders.get(cmd.Tender)
		if t == nil {
			return dst, wire.ReasonUnknownTender
		}
		now := t.advance(cmd.Time)
		switch {
		case t.info.State != TenderOpen || now >= t.info.CloseAt:
			return dst, wire.ReasonTenderClosed
		case now < t.info.OpenAt:
			return dst, wire.ReasonTenderNotOpen
		}
		if r := e.eligible(t, cmd.Participant); r != wire.ReasonNone {
			return dst, r
		}
		switch {
		case cmd.Price <= 0:
			return dst, wire.ReasonInvalidPrice
		case cmd.Qty <= 0:
			return dst, wire.ReasonInvalidQty
		case cmd.Qty > t.info.Qty:
			return dst, wire.ReasonBidQtyAboveTender
		case cmd.LeadTime <= 0:
			return dst, wire.ReasonInvalidLeadTime
		}
		cat, _ := e.cat.Taxonomy.ByID(t.info.Category)
		if r := e.stepsOf(&cat, cmd.Price, cmd.Qty, 0); r != wire.ReasonNone {
			return dst, r
		}
		if t.info.Reserve != 0 && cmd.Price > t.info.Reserve {
			return dst, wire.ReasonAboveReserve
		}
		indexed := t.info.Mode == wire.TenderAuction && t.info.Evaluation == wire.EvalLowestPrice
		if indexed {
			t.rankIndex() // built from the bids before this one changes them
		}
		i, had := t.byBidder[cmd.Participant]
		if had {
			prev := t.bids[i].price
			if cmd.Price >= prev || (t.info.Mode == wire.TenderAuction && cmd.Price > prev-t.info.Decrement) {
				return dst, wire.ReasonBidNotImproved
			}
		} else {
			i = len(t.bids)
			t.bids = append(t.bids, tenderBid{bidder: cmd.Participant})
			t.byBidder[cmd.Participant] = i
		}
		b := &t.bids[i]
		if indexed && had {
			t.ranks.remove(rankKey{price: b.price, seq: b.seq})
		}
		b.price, b.qty, b.lead, b.seq = cmd.Price, cmd.Qty, cmd.LeadTime, seq
		if indexed {
			t.ranks.insert(rankKey{price: b.price, seq: b.seq})
		}
		t.info.Bidders = len(t.bids)
		ev := tenderEvent(seq, cmd, wire.EventBidAccepted, t, cmd.Participant)
		ev.Price, ev.Qty, ev.LeadTime = b.price, b.qty, b.lead
		if t.info.Mode != wire.TenderAuction {
			return append(dst, ev), wire.ReasonNone
		}
		// now < CloseAt, so their difference fits in a uint64 even when
		// it overflows an int64.
		extended := t.info.Extension > 0 && uint64(t.info.CloseAt)-uint64(now) <= uint64(t.info.Extension)
		if extended {
			if t.info.CloseAt > math.MaxInt64-t.info.Extension {
				t.info.CloseAt = math.MaxInt64
			} else {
				t.info.CloseAt += t.info.Extension
			}
		}
		if t.info.Best == 0 || b.price < t.info.Best {
			t.info.Best = b.price
		}
		ev.Rank, ev.BestPrice, ev.CloseAt = e.standing(t, i), t.info.Best, t.info.CloseAt
		dst = append(dst, ev)
		if extended {
			ext := tenderEvent(seq, cmd, wire.EventTenderExtended, t, t.info.Buyer)
			ext.CloseAt = t.info.CloseAt
			dst = append(dst, ext)
		}
		return dst, wire.ReasonNone
	})
}

// standing returns the current rank of bid i among all of t's bids, in an
// auction. With EvalLowestPrice it is O(sqrt-ish) in the rank index (see
// rankIndex). With EvalWeighted every score depends on the lowest price and
// the shortest lead time of all bids, so it is O(bids): a pass for those
// minima and a count, rescoring every bid only when the minima or a rating
// changed since the last call.
func (e *Engine) standing(t *tender, i int) uint32 {
	b := &t.bids[i]
	if t.info.Evaluation != wire.EvalWeighted {
		return uint32(t.rankIndex().rank(rankKey{price: b.price, seq: b.seq}))
	}
	minP, minL := b.price, b.lead
	for j := range t.bids {
		minP, minL = min(minP, t.bids[j].price), min(minL, t.bids[j].lead)
	}
	if !t.cacheOK || minP != t.cacheP || minL != t.cacheL || e.tenders.ratings != t.cacheV {
		for j := range t.bids {
			e.scoreBid(t, &t.bids[j], minP, minL)
		}
		t.cacheOK, t.cacheP, t.cacheL, t.cacheV = true, minP, minL, e.tenders.ratings
	} else {
		e.scoreBid(t, b, minP, minL)
	}
	rank := uint32(1)
	for j := range t.bids {
		o := &t.bids[j]
		if o.score > b.score || (o.score == b.score && o.seq < b.seq) {
			rank++
		}
	}
	return rank
}

// advance moves t's clock to time unless it is already later, and returns
// the clock: the effective time of a command on t. Every command that names
// t advances it before any check, so a command refused at a late time
// leaves the deadline behind for good.
func (t *tender) advance(time int64) int64 {
	t.clock = max(t.clock, time)
	return t.clock
}

// rankIndex returns t's rank index, building it from the bids if needed.
func (t *tender) rankIndex() *rankIndex {
	if !t.ranksOK {
		t.ranks = rankIndex{}
		for j := range t.bids {
			t.ranks.insert(rankKey{price: t.bids[j].price, seq: t.bids[j].seq})
		}
		t.ranksOK = true
	}
	return &t.ranks
}

// better reports whether bid a ranks before bid b (see Evaluation).
func (t *tender) better(a, b *tenderBid) bool {
	if t.info.Evaluation == wire.EvalWeighted {
		if a.score != b.score {
			return a.score > b.score
		}
	} else if a.price != b.price {
		return a.price < b.price
	}
	return a.seq < b.seq
}

// ratio returns floor(ScoreScale × num / den) for 0 < num <= den, without
// overflow.
func ratio(num, den int64) uint32 {
	hi, lo := bits.Mul64(wire.ScoreScale, uint64(num))
	q, _ := bits.Div64(hi, lo, uint64(den)) // hi < den because num <= den
	return uint32(q)
}

// score sets the score of the bids idx of t, normalized over those bids
// (see Evaluation).
func (e *Engine) score(t *tender, idx []int) {
	if len(idx) == 0 {
		return
	}
	minPrice, minLead := t.bids[idx[0]].price, t.bids[idx[0]].lead
	for _, j := range idx[1:] {
		minPrice = min(minPrice, t.bids[j].price)
		minLead = min(minLead, t.bids[j].lead)
	}
	for _, j := range idx {
		e.scoreBid(t, &t.bids[j], minPrice, minLead)
	}
	t.cacheOK = false
}

// scoreBid sets b's score for the lowest price minPrice and the shortest
// lead time minLead, reading the bidder's rating.
func (e *Engine) scoreBid(t *tender, b *tenderBid, minPrice catalog.Price, minLead int64) {
	sP := ratio(int64(minPrice), int64(b.price))
	if t.info.Evaluation != wire.EvalWeighted {
		b.score = sP
		return
	}
	b.rating, _ = e.registry.parts.Rating(b.bidder)
	sL := ratio(minLead, b.lead)
	sR := uint64(b.rating) * wire.ScoreScale / catalog.MaxRating
	sum := uint64(t.info.WeightPrice)*uint64(sP) + uint64(t.info.WeightLeadTime)*uint64(sL) + uint64(t.info.WeightRating)*sR
	b.score = uint32(sum / wire.WeightScale)
}

// award ranks the eligible bids idx of t and allocates the quantity. The
// award is the lexicographically greatest allocation in rank order: walking
// the bids from the best, each receives as much as it can, that is the
// least of its offered quantity, the winner share (see winnerShare) and
// the quantity still uncovered, until the quantity is covered or
// MaxWinners bids have won. Every award is a multiple of the lot, because
// quantities, shares and bids are. It returns the number of winners and the
// quantity awarded.
func (t *tender) award(idx []int) (winners int, awarded catalog.Qty) {
	slices.SortFunc(idx, func(a, b int) int {
		if a == b {
			return 0
		}
		if t.better(&t.bids[a], &t.bids[b]) {
			return -1
		}
		return 1 // bids never tie: their sequence numbers differ
	})
	left := t.info.Qty
	for r, j := range idx {
		b := &t.bids[j]
		b.rank = uint32(r + 1)
		if left == 0 || (t.info.MaxWinners != 0 && winners == int(t.info.MaxWinners)) {
			continue
		}
		b.award = min(b.qty, t.share, left)
		left -= b.award
		winners++
	}
	return winners, t.info.Qty - left
}

func (e *Engine) closeTender(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	return e.tenderCommand(seq, cmd, dst, func(seq uint64, dst []wire.Event) ([]wire.Event, wire.RejectReason) {
		t := e.tenders.get(cmd.Tender)
		if t == nil {
			return dst, wire.ReasonUnknownTender
		}
		now := t.advance(cmd.Time)
		if cmd.Participant != 0 && cmd.Participant != t.info.Buyer {
			if !e.known(cmd.Participant) {
				return dst, wire.ReasonUnknownParticipant
			}
			return dst, wire.ReasonNotTenderBuyer
		}
		switch {
		case t.info.State != TenderOpen:
			return dst, wire.ReasonTenderClosed
		case now < t.info.CloseAt:
			return dst, wire.ReasonTenderNotDue
		}
		// Disqualify bidders that are no longer eligible.
		idx := e.tenders.order[:0]
		for j := range t.bids {
			if e.eligible(t, t.bids[j].bidder) == wire.ReasonNone {
				idx = append(idx, j)
			}
			t.bids[j].rank, t.bids[j].score, t.bids[j].award = 0, 0, 0
		}
		e.tenders.order = idx
		e.score(t, idx)
		winners, awarded := t.award(idx)
		failed := winners == 0 || winners < int(t.info.MinWinners)
		if failed {
			winners, awarded = 0, 0
			for _, j := range idx {
				t.bids[j].award = 0
			}
			t.info.State = TenderFailed
		} else {
			t.info.State = TenderAwarded
		}
		t.info.Awarded, t.info.Winners = awarded, winners
		t.info.Best = 0
		if len(idx) > 0 {
			t.info.Best = t.bids[idx[0]].price
			for _, j := range idx {
				t.info.Best = min(t.info.Best, t.bids[j].price)
			}
		}
		bidEvent := func(kind wire.EventKind, b *tenderBid) wire.Event {
			ev := tenderEvent(seq, cmd, kind, t, b.bidder)
			ev.Price, ev.Qty, ev.LeadTime, ev.Rank, ev.Score = b.price, b.award, b.lead, b.rank, b.score
			if kind == wire.EventAwarded {
				ev.MakerParticipant = t.info.Buyer
			}
			return ev
		}
		for _, j := range idx {
			if b := &t.bids[j]; b.award > 0 {
				dst = append(dst, bidEvent(wire.EventAwarded, b))
			}
		}
		for _, j := range idx {
			if b := &t.bids[j]; b.award == 0 {
				ev := bidEvent(wire.EventNotAwarded, b)
				ev.Qty = b.qty
				dst = append(dst, ev)
			}
		}
		for j := range t.bids {
			if b := &t.bids[j]; b.rank == 0 {
				ev := bidEvent(wire.EventNotAwarded, b)
				ev.Qty = b.qty
				dst = append(dst, ev)
			}
		}
		kind := wire.EventTenderClosed
		if failed {
			kind = wire.EventTenderFailed
		}
		ev := tenderEvent(seq, cmd, kind, t, t.info.Buyer)
		ev.Qty, ev.Remaining, ev.Rank, ev.BestPrice = awarded, t.info.Qty-awarded, uint32(winners), t.info.Best
		return append(dst, ev), wire.ReasonNone
	})
}

func (e *Engine) cancelTender(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	return e.tenderCommand(seq, cmd, dst, func(seq uint64, dst []wire.Event) ([]wire.Event, wire.RejectReason) {
		t := e.tenders.get(cmd.Tender)
		if t == nil {
			return dst, wire.ReasonUnknownTender
		}
		now := t.advance(cmd.Time)
		if cmd.Participant != t.info.Buyer {
			if !e.known(cmd.Participant) {
				return dst, wire.ReasonUnknownParticipant
			}
			return dst, wire.ReasonNotTenderBuyer
		}
		if t.info.State != TenderOpen || now >= t.info.CloseAt {
			return dst, wire.ReasonTenderClosed
		}
		t.info.State = TenderCancelled
		dst = append(dst, tenderEvent(seq, cmd, wire.EventTenderCancelled, t, t.info.Buyer))
		for j := range t.bids {
			dst = append(dst, tenderEvent(seq, cmd, wire.EventTenderCancelled, t, t.bids[j].bidder))
		}
		return dst, wire.ReasonNone
	})
}

// Tender returns the public description of tender id. In sealed mode it
// reveals no price before the close. Cost: O(1).
func (e *Engine) Tender(id wire.TenderID) (TenderInfo, bool) {
	t := e.tenders.get(id)
	if t == nil {
		return TenderInfo{}, false
	}
	info := t.info
	info.Clock = t.clock
	return info, true
}

// TenderStanding returns bidder p's current rank in auction-mode tender id
// and the best (lowest) bid price, as a bidder sees them. ok is false if
// the tender is unknown, sealed, no longer open, or p has no bid. Cost:
// O(bids).
func (e *Engine) TenderStanding(id wire.TenderID, p catalog.ParticipantID) (rank uint32, best catalog.Price, ok bool) {
	t := e.tenders.get(id)
	if t == nil || t.info.Mode != wire.TenderAuction || t.info.State != TenderOpen {
		return 0, 0, false
	}
	i, had := t.byBidder[p]
	if !had {
		return 0, 0, false
	}
	return e.standing(t, i), t.info.Best, true
}

// AllTenderBids appends every current bid of tender id to dst, in
// first-bid order, sealed or not, with the ranks, scores and awards of its
// last close (zero before it). It is the operator's view, for audit and for
// checking replicas; a front door that serves bidders must not expose it
// before the close. Cost: O(bids).
func (e *Engine) AllTenderBids(id wire.TenderID, dst []TenderBid) []TenderBid {
	t := e.tenders.get(id)
	if t == nil {
		return dst
	}
	for j := range t.bids {
		b := &t.bids[j]
		dst = append(dst, TenderBid{Bidder: b.bidder, Price: b.price, Qty: b.qty, LeadTime: b.lead, Seq: b.seq, Rank: b.rank, Score: b.score, Awarded: b.award})
	}
	return dst
}

// TenderBids appends the bids of tender id to dst once it has closed
// (awarded or failed), in rank order followed by the disqualified bids in
// first-bid order. Before the close, or for a cancelled tender, it appends
// nothing: bids stay sealed. Cost: O(bids log bids).
func (e *Engine) TenderBids(id wire.TenderID, dst []TenderBid) []TenderBid {
	t := e.tenders.get(id)
	if t == nil || (t.info.State != TenderAwarded && t.info.State != TenderFailed) {
		return dst
	}
	start := len(dst)
	for j := range t.bids {
		b := &t.bids[j]
		dst = append(dst, TenderBid{Bidder: b.bidder, Price: b.price, Qty: b.qty, LeadTime: b.lead, Seq: b.seq, Rank: b.rank, Score: b.score, Awarded: b.award})
	}
	slices.SortStableFunc(dst[start:], func(a, b TenderBid) int {
		switch {
		case a.Rank == b.Rank:
			return 0
		case a.Rank == 0:
			return 1
		case b.Rank == 0:
			return -1
		case a.Rank < b.Rank:
			return -1
		}
		return 1
	})
	return dst
}
