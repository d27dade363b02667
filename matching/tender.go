package matching

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/agora-exchange/agora/catalog"
)

// TenderID names a tender. The exchange assigns them from 1 in sequence
// order. Zero is never valid.
type TenderID uint64

// TenderMode is how a tender takes bids. The zero value is invalid.
type TenderMode uint8

const (
	// TenderSealed: bids are sealed until the close; a bidder may lower its
	// own bid and learns nothing about the others.
	TenderSealed TenderMode = 1 + iota
	// TenderAuction: an English reverse auction. A bidder may lower its own
	// bid by at least the tender's Decrement, and after each bid learns its
	// rank and the best price. A bid in the last Extension of the auction
	// moves the close Extension later (anti-sniping).
	TenderAuction
)

func (m TenderMode) String() string {
	switch m {
	case TenderSealed:
		return "sealed"
	case TenderAuction:
		return "auction"
	}
	return fmt.Sprintf("TenderMode(%d)", uint8(m))
}

// Evaluation is how a tender ranks its bids. The zero value is invalid.
//
// Scores are integers in parts per million (ScoreScale = 1,000,000 is
// best). Over the n bids being ranked (at the close: the eligible bids; in
// an auction's feedback: all current bids), let P be the lowest price and L
// the shortest lead time. A bid with price p, lead time l and supplier
// rating r (0..catalog.MaxRating) has the component scores
//
//	price  sP = floor(1e6 × P / p)          (1e6 for the lowest price)
//	lead   sL = floor(1e6 × L / l)          (1e6 for the shortest lead time)
//	rating sR = r × 1e6 / 100               (1e6 for rating 100)
//
// EvalLowestPrice ranks by price, lowest first; its Score is sP.
// EvalWeighted ranks by score, highest first, where with the weights wP, wL
// and wR in basis points (summing to WeightScale = 10,000, that is to 1)
//
//	score = floor((wP×sP + wL×sL + wR×sR) / 10,000).
//
// Equal ranks (equal price, or equal score) are broken by the bid's
// sequence number: the earlier bid wins. Improving a bid gives it the
// improving command's sequence number.
type Evaluation uint8

const (
	// EvalLowestPrice: the lowest price wins; weights must be zero.
	EvalLowestPrice Evaluation = 1 + iota
	// EvalWeighted: the highest weighted score wins.
	EvalWeighted
)

func (e Evaluation) String() string {
	switch e {
	case EvalLowestPrice:
		return "lowest-price"
	case EvalWeighted:
		return "weighted"
	}
	return fmt.Sprintf("Evaluation(%d)", uint8(e))
}

// Scales of the weighted evaluation.
const (
	ScoreScale  = 1_000_000 // a score of ScoreScale is the best possible
	WeightScale = 10_000    // weights are in basis points and sum to WeightScale
)

// TenderState is the life-cycle state of a tender. The zero value is
// invalid.
type TenderState uint8

const (
	TenderOpen      TenderState = 1 + iota // taking bids (from OpenAt until CloseAt)
	TenderAwarded                          // closed with an award
	TenderFailed                           // closed without an award
	TenderCancelled                        // cancelled by its buyer
)

func (s TenderState) String() string {
	switch s {
	case TenderOpen:
		return "open"
	case TenderAwarded:
		return "awarded"
	case TenderFailed:
		return "failed"
	case TenderCancelled:
		return "cancelled"
	}
	return fmt.Sprintf("TenderState(%d)", uint8(s))
}

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
	ID              TenderID
	Buyer           catalog.ParticipantID
	Category        catalog.CategoryID
	Basis           catalog.BasisID
	Qty             catalog.Qty
	Reserve         catalog.Price // 0: none
	OpenAt          int64
	CloseAt         int64 // the current close, after any extension
	Mode            TenderMode
	Evaluation      Evaluation
	Decrement       catalog.Price
	Extension       int64
	WeightPrice     uint16
	WeightLeadTime  uint16
	WeightRating    uint16
	MinWinners      uint16
	MaxWinners      uint16
	SubscribersOnly bool

	State   TenderState
	Bidders int           // bidders with a bid
	Best    catalog.Price // auction mode: the lowest bid price (0 without bids); 0 in sealed mode until the close
	Awarded catalog.Qty   // after the close: the quantity awarded
	Winners int           // after the close: the number of winners
}

// TenderBid is one bid of a closed tender, as ranked at its close.
type TenderBid struct {
	Bidder   catalog.ParticipantID
	Price    catalog.Price
	Qty      catalog.Qty // offered
	LeadTime int64
	Seq      uint64 // sequence number of the bid's last version
	Rank     uint32 // 1 = best; 0 = disqualified (not eligible at the close)
	Score    uint32 // parts per million
	Awarded  catalog.Qty
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

// tenders holds every tender. It is guarded by adminMu: tender commands
// read the registry and the subscriptions, whose writers hold adminMu.
type tenders struct {
	list    []*tender // list[id-1]
	hits    []subHit
	order   []int
	ratings uint64 // bumped by every rating change, to invalidate cached scores
}

func (ts *tenders) get(id TenderID) *tender {
	if id == 0 || id > TenderID(len(ts.list)) {
		return nil
	}
	return ts.list[id-1]
}

// tenderEvent returns an event of t with the common fields set, at the
// tender's clock: the command's effective time.
func tenderEvent(seq uint64, cmd *Command, kind EventKind, t *tender, p catalog.ParticipantID) Event {
	return Event{
		Seq: seq, Time: t.clock, Kind: kind, Command: cmd.Kind, Participant: p,
		Category: t.info.Category, Basis: t.info.Basis, Tender: t.info.ID,
	}
}

// tenderCommand runs a tender command under adminMu, with one sequence
// number, and counts it.
func (x *Exchange) tenderCommand(cmd *Command, dst []Event, run func(seq uint64, dst []Event) ([]Event, RejectReason)) ([]Event, error) {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	seq := x.seq.Add(1)
	start := len(dst)
	dst, r := run(seq, dst)
	if r != ReasonNone {
		now := cmd.Time
		if t := x.tenders.get(cmd.Tender); t != nil && cmd.Kind != CmdOpenTender {
			now = t.clock // advanced by the command, rejected or not
		}
		dst = append(dst[:start], rejected(seq, now, cmd, r))
	}
	x.outsideCount(cmd.Participant, cmd.Kind, dst[start:])
	return dst, r.Err()
}

// checkTender validates the terms of a CmdOpenTender. It returns the
// tender's category and the opening time. The caller holds adminMu.
func (x *Exchange) checkTender(cmd *Command) (catalog.Category, int64, RejectReason) {
	if r := x.traderStatus(cmd.Participant); r != ReasonNone {
		return catalog.Category{}, 0, r
	}
	cat, r := x.tradable(cmd.Category)
	if r != ReasonNone {
		return cat, 0, r
	}
	if _, ok := x.cat.Bases.ByID(cmd.Basis); !ok {
		return cat, 0, ReasonUnknownBasis
	}
	switch {
	case cmd.Qty <= 0:
		return cat, 0, ReasonInvalidQty
	case cmd.Price < 0:
		return cat, 0, ReasonInvalidPrice
	}
	if r := checkSteps(&cat, cmd.Price, cmd.Qty, 0); r != ReasonNone {
		return cat, 0, r
	}
	switch cmd.TenderMode {
	case TenderSealed:
		if cmd.Decrement != 0 || cmd.Extension != 0 {
			return cat, 0, ReasonInvalidTender
		}
	case TenderAuction:
		if cmd.Decrement <= 0 || cmd.Extension < 0 {
			return cat, 0, ReasonInvalidTender
		}
		if cmd.Decrement%cat.Tick != 0 {
			return cat, 0, ReasonPriceNotOnTick
		}
	default:
		return cat, 0, ReasonInvalidTender
	}
	sum := int(cmd.WeightPrice) + int(cmd.WeightLeadTime) + int(cmd.WeightRating)
	switch cmd.Evaluation {
	case EvalLowestPrice:
		if sum != 0 {
			return cat, 0, ReasonBadWeights
		}
	case EvalWeighted:
		if sum != WeightScale {
			return cat, 0, ReasonBadWeights
		}
	default:
		return cat, 0, ReasonInvalidTender
	}
	openAt := max(cmd.OpenAt, cmd.Time)
	if cmd.CloseAt <= openAt {
		return cat, 0, ReasonCloseBeforeOpen
	}
	lots := int64(cmd.Qty / cat.Lot)
	if cmd.MinWinners > 1 && int64(cmd.MinWinners) > lots {
		return cat, 0, ReasonInvalidWinners
	}
	if cmd.MaxWinners != 0 {
		if cmd.MinWinners > cmd.MaxWinners {
			return cat, 0, ReasonInvalidWinners
		}
		if share := winnerShare(cmd.Qty, cat.Lot, cmd.MinWinners); int64(cmd.MaxWinners) < (int64(cmd.Qty)+int64(share)-1)/int64(share) {
			return cat, 0, ReasonInvalidWinners // the limits could never cover the quantity
		}
	}
	return cat, openAt, ReasonNone
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

func (x *Exchange) openTender(cmd *Command, dst []Event) ([]Event, error) {
	return x.tenderCommand(cmd, dst, func(seq uint64, dst []Event) ([]Event, RejectReason) {
		cat, openAt, r := x.checkTender(cmd)
		if r != ReasonNone {
			return dst, r
		}
		t := &tender{
			info: TenderInfo{
				ID: TenderID(len(x.tenders.list) + 1), Buyer: cmd.Participant,
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
		x.tenders.list = append(x.tenders.list, t)
		e := tenderEvent(seq, cmd, EventTenderOpened, t, t.info.Buyer)
		e.Side, e.Price, e.Qty, e.OpenAt, e.CloseAt = Buy, t.info.Reserve, t.info.Qty, t.info.OpenAt, t.info.CloseAt
		dst = append(dst, e)
		p := posting{
			kind: cmd.Kind, poster: t.info.Buyer, cat: t.info.Category, basis: t.info.Basis,
			side: Buy, price: t.info.Reserve, qty: t.info.Qty, remaining: t.info.Qty,
			tender: t.info.ID, openAt: t.info.OpenAt, closeAt: t.info.CloseAt, maker: t.info.Buyer,
		}
		return x.notify(seq, cmd.Time, &p, &x.tenders.hits, dst), ReasonNone
	})
}

// eligible reports whether p may bid on t now. The caller holds adminMu.
func (x *Exchange) eligible(t *tender, p catalog.ParticipantID) RejectReason {
	if p == t.info.Buyer {
		return ReasonOwnTender
	}
	if r := x.traderStatus(p); r != ReasonNone {
		return r
	}
	if t.info.SubscribersOnly && !x.subs.covers(x.cat.Taxonomy, p, t.info.Category, t.info.Basis, t.info.Qty) {
		return ReasonNotEligible
	}
	return ReasonNone
}

func (x *Exchange) bid(cmd *Command, dst []Event) ([]Event, error) {
	return x.tenderCommand(cmd, dst, func(seq uint64, dst []Event) ([]Event, RejectReason) {
		t := x.tenders.get(cmd.Tender)
		if t == nil {
			return dst, ReasonUnknownTender
		}
		now := t.advance(cmd.Time)
		switch {
		case t.info.State != TenderOpen || now >= t.info.CloseAt:
			return dst, ReasonTenderClosed
		case now < t.info.OpenAt:
			return dst, ReasonTenderNotOpen
		}
		if r := x.eligible(t, cmd.Participant); r != ReasonNone {
			return dst, r
		}
		switch {
		case cmd.Price <= 0:
			return dst, ReasonInvalidPrice
		case cmd.Qty <= 0:
			return dst, ReasonInvalidQty
		case cmd.Qty > t.info.Qty:
			return dst, ReasonBidQtyAboveTender
		case cmd.LeadTime <= 0:
			return dst, ReasonInvalidLeadTime
		}
		cat, _ := x.cat.Taxonomy.ByID(t.info.Category)
		if r := checkSteps(&cat, cmd.Price, cmd.Qty, 0); r != ReasonNone {
			return dst, r
		}
		if t.info.Reserve != 0 && cmd.Price > t.info.Reserve {
			return dst, ReasonAboveReserve
		}
		indexed := t.info.Mode == TenderAuction && t.info.Evaluation == EvalLowestPrice
		if indexed {
			t.rankIndex() // built from the bids before this one changes them
		}
		i, had := t.byBidder[cmd.Participant]
		if had {
			prev := t.bids[i].price
			if cmd.Price >= prev || (t.info.Mode == TenderAuction && cmd.Price > prev-t.info.Decrement) {
				return dst, ReasonBidNotImproved
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
		e := tenderEvent(seq, cmd, EventBidAccepted, t, cmd.Participant)
		e.Price, e.Qty, e.LeadTime = b.price, b.qty, b.lead
		if t.info.Mode != TenderAuction {
			return append(dst, e), ReasonNone
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
		e.Rank, e.BestPrice, e.CloseAt = x.standing(t, i), t.info.Best, t.info.CloseAt
		dst = append(dst, e)
		if extended {
			ext := tenderEvent(seq, cmd, EventTenderExtended, t, t.info.Buyer)
			ext.CloseAt = t.info.CloseAt
			dst = append(dst, ext)
		}
		return dst, ReasonNone
	})
}

// standing returns the current rank of bid i among all of t's bids, in an
// auction. With EvalLowestPrice it is O(sqrt-ish) in the rank index (see
// rankIndex). With EvalWeighted every score depends on the lowest price and
// the shortest lead time of all bids, so it is O(bids): a pass for those
// minima and a count, rescoring every bid only when the minima or a rating
// changed since the last call. The caller holds adminMu.
func (x *Exchange) standing(t *tender, i int) uint32 {
	b := &t.bids[i]
	if t.info.Evaluation != EvalWeighted {
		return uint32(t.rankIndex().rank(rankKey{price: b.price, seq: b.seq}))
	}
	minP, minL := b.price, b.lead
	for j := range t.bids {
		minP, minL = min(minP, t.bids[j].price), min(minL, t.bids[j].lead)
	}
	if !t.cacheOK || minP != t.cacheP || minL != t.cacheL || x.tenders.ratings != t.cacheV {
		for j := range t.bids {
			x.scoreBid(t, &t.bids[j], minP, minL)
		}
		t.cacheOK, t.cacheP, t.cacheL, t.cacheV = true, minP, minL, x.tenders.ratings
	} else {
		x.scoreBid(t, b, minP, minL)
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
	if t.info.Evaluation == EvalWeighted {
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
	hi, lo := bits.Mul64(ScoreScale, uint64(num))
	q, _ := bits.Div64(hi, lo, uint64(den)) // hi < den because num <= den
	return uint32(q)
}

// score sets the score of the bids idx of t, normalized over those bids
// (see Evaluation). The caller holds adminMu.
func (x *Exchange) score(t *tender, idx []int) {
	if len(idx) == 0 {
		return
	}
	minPrice, minLead := t.bids[idx[0]].price, t.bids[idx[0]].lead
	for _, j := range idx[1:] {
		minPrice = min(minPrice, t.bids[j].price)
		minLead = min(minLead, t.bids[j].lead)
	}
	for _, j := range idx {
		x.scoreBid(t, &t.bids[j], minPrice, minLead)
	}
	t.cacheOK = false
}

// scoreBid sets b's score for the lowest price minPrice and the shortest
// lead time minLead, reading the bidder's rating.
func (x *Exchange) scoreBid(t *tender, b *tenderBid, minPrice catalog.Price, minLead int64) {
	sP := ratio(int64(minPrice), int64(b.price))
	if t.info.Evaluation != EvalWeighted {
		b.score = sP
		return
	}
	b.rating, _ = x.parts.Rating(b.bidder)
	sL := ratio(minLead, b.lead)
	sR := uint64(b.rating) * ScoreScale / catalog.MaxRating
	sum := uint64(t.info.WeightPrice)*uint64(sP) + uint64(t.info.WeightLeadTime)*uint64(sL) + uint64(t.info.WeightRating)*sR
	b.score = uint32(sum / WeightScale)
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

func (x *Exchange) closeTender(cmd *Command, dst []Event) ([]Event, error) {
	return x.tenderCommand(cmd, dst, func(seq uint64, dst []Event) ([]Event, RejectReason) {
		t := x.tenders.get(cmd.Tender)
		if t == nil {
			return dst, ReasonUnknownTender
		}
		now := t.advance(cmd.Time)
		if cmd.Participant != 0 && cmd.Participant != t.info.Buyer {
			if !x.known(cmd.Participant) {
				return dst, ReasonUnknownParticipant
			}
			return dst, ReasonNotTenderBuyer
		}
		switch {
		case t.info.State != TenderOpen:
			return dst, ReasonTenderClosed
		case now < t.info.CloseAt:
			return dst, ReasonTenderNotDue
		}
		// Disqualify bidders that are no longer eligible.
		idx := x.tenders.order[:0]
		for j := range t.bids {
			if x.eligible(t, t.bids[j].bidder) == ReasonNone {
				idx = append(idx, j)
			}
			t.bids[j].rank, t.bids[j].score, t.bids[j].award = 0, 0, 0
		}
		x.tenders.order = idx
		x.score(t, idx)
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
		bidEvent := func(kind EventKind, b *tenderBid) Event {
			e := tenderEvent(seq, cmd, kind, t, b.bidder)
			e.Price, e.Qty, e.LeadTime, e.Rank, e.Score = b.price, b.award, b.lead, b.rank, b.score
			if kind == EventAwarded {
				e.MakerParticipant = t.info.Buyer
			}
			return e
		}
		for _, j := range idx {
			if b := &t.bids[j]; b.award > 0 {
				dst = append(dst, bidEvent(EventAwarded, b))
			}
		}
		for _, j := range idx {
			if b := &t.bids[j]; b.award == 0 {
				e := bidEvent(EventNotAwarded, b)
				e.Qty = b.qty
				dst = append(dst, e)
			}
		}
		for j := range t.bids {
			if b := &t.bids[j]; b.rank == 0 {
				e := bidEvent(EventNotAwarded, b)
				e.Qty = b.qty
				dst = append(dst, e)
			}
		}
		kind := EventTenderClosed
		if failed {
			kind = EventTenderFailed
		}
		e := tenderEvent(seq, cmd, kind, t, t.info.Buyer)
		e.Qty, e.Remaining, e.Rank, e.BestPrice = awarded, t.info.Qty-awarded, uint32(winners), t.info.Best
		return append(dst, e), ReasonNone
	})
}

func (x *Exchange) cancelTender(cmd *Command, dst []Event) ([]Event, error) {
	return x.tenderCommand(cmd, dst, func(seq uint64, dst []Event) ([]Event, RejectReason) {
		t := x.tenders.get(cmd.Tender)
		if t == nil {
			return dst, ReasonUnknownTender
		}
		now := t.advance(cmd.Time)
		if cmd.Participant != t.info.Buyer {
			if !x.known(cmd.Participant) {
				return dst, ReasonUnknownParticipant
			}
			return dst, ReasonNotTenderBuyer
		}
		if t.info.State != TenderOpen || now >= t.info.CloseAt {
			return dst, ReasonTenderClosed
		}
		t.info.State = TenderCancelled
		dst = append(dst, tenderEvent(seq, cmd, EventTenderCancelled, t, t.info.Buyer))
		for j := range t.bids {
			dst = append(dst, tenderEvent(seq, cmd, EventTenderCancelled, t, t.bids[j].bidder))
		}
		return dst, ReasonNone
	})
}

// Tender returns the public description of tender id. In sealed mode it
// reveals no price before the close. Cost: O(1) under adminMu.
func (x *Exchange) Tender(id TenderID) (TenderInfo, bool) {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	t := x.tenders.get(id)
	if t == nil {
		return TenderInfo{}, false
	}
	return t.info, true
}

// TenderStanding returns bidder p's current rank in auction-mode tender id
// and the best (lowest) bid price, as a bidder sees them. ok is false if
// the tender is unknown, sealed, no longer open, or p has no bid. Cost:
// O(bids) under adminMu.
func (x *Exchange) TenderStanding(id TenderID, p catalog.ParticipantID) (rank uint32, best catalog.Price, ok bool) {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	t := x.tenders.get(id)
	if t == nil || t.info.Mode != TenderAuction || t.info.State != TenderOpen {
		return 0, 0, false
	}
	i, had := t.byBidder[p]
	if !had {
		return 0, 0, false
	}
	return x.standing(t, i), t.info.Best, true
}

// TenderBids appends the bids of tender id to dst once it has closed
// (awarded or failed), in rank order followed by the disqualified bids in
// first-bid order. Before the close, or for a cancelled tender, it appends
// nothing: bids stay sealed. Cost: O(bids log bids) under adminMu.
func (x *Exchange) TenderBids(id TenderID, dst []TenderBid) []TenderBid {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	t := x.tenders.get(id)
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
