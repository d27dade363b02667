package wire

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
	tenderModeEnd
)

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
	evalEnd
)

// Scales of the weighted evaluation.
const (
	ScoreScale  = 1_000_000 // a score of ScoreScale is the best possible
	WeightScale = 10_000    // weights are in basis points and sum to WeightScale
)
