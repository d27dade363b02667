package wire

import (
	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
)

// EventKind tells what an Event reports. The zero value is invalid.
type EventKind uint8

const (
	// EventAccepted: a CmdPlace passed validation; OrderID is assigned. It
	// precedes the order's fills.
	EventAccepted EventKind = 1 + iota
	// EventRejected: the command was refused (Reject says why) and changed
	// nothing.
	EventRejected
	// EventFill: one execution. OrderID/Participant/Side/Remaining are the
	// incoming (taker) order's, Maker* the resting order's; Price is the
	// resting order's price.
	EventFill
	// EventCancelled: Qty was removed from OrderID for the reason in Cancel.
	// Remaining is the open quantity left (non-zero only for an amend down).
	EventCancelled
	// EventExpired: a GTD order reached its expiry; Qty was its open quantity.
	EventExpired
	// EventAmended: the order now has Price and open quantity Remaining.
	EventAmended
	// EventDone: the order was filled completely and left the book.
	EventDone
	// EventRegistered: a company was registered as Participant (pending).
	EventRegistered
	// EventStatusChanged: Participant's moderation status is now Status.
	EventStatusChanged
	// EventSubscribed: Participant holds subscription Subscription to
	// Category with filters Bases, MinQty and MaxQty.
	EventSubscribed
	// EventUnsubscribed: Participant's subscription Subscription is gone.
	EventUnsubscribed
	// EventSubscription: one of Participant's subscriptions, in answer to
	// CmdListSubscriptions (fields as in EventSubscribed).
	EventSubscription
	// EventNotified: addressed to subscriber Participant, whose subscription
	// Subscription (the lowest-numbered that matched) covers a new posting
	// in Category at Basis: a resting order (Command CmdPlace: OrderID,
	// Side, Price, Qty, Remaining) or a tender (Command CmdOpenTender:
	// Tender, Side Buy, Price the reserve, Qty, OpenAt, CloseAt, and
	// MakerParticipant the buyer). For an order resting in a clearing
	// pool, Category and Basis are the order's own (an offer's shipping
	// basis, a request's delivery basis or 0), and a request also carries
	// the bases where it takes the goods (Bases, a copy owned by the
	// receiver) and its longest lead time (LeadTime).
	EventNotified
	// EventRatingChanged: Participant's supplier rating is now Rating.
	EventRatingChanged
	// EventTenderOpened: buyer Participant's tender Tender is open (the
	// fields echo the tender's terms).
	EventTenderOpened
	// EventBidAccepted: bidder Participant's bid on Tender is Price, Qty,
	// LeadTime. In auction mode Rank is its rank (1 = best), BestPrice the
	// lowest bid price and CloseAt the tender's close time; in sealed mode
	// they are zero.
	EventBidAccepted
	// EventTenderExtended: addressed to the buyer; a bid in the last
	// Extension moved the close of Tender to CloseAt.
	EventTenderExtended
	// EventAwarded: Qty of Tender is awarded to winner Participant at its
	// bid Price, with its Rank, Score and LeadTime. MakerParticipant is the
	// buyer; the event is addressed to both.
	EventAwarded
	// EventNotAwarded: bidder Participant's bid won nothing. Rank and Score
	// are its standing; Rank 0 means the bid was disqualified (the bidder was
	// no longer eligible at the close).
	EventNotAwarded
	// EventTenderClosed: addressed to the buyer; Tender is awarded: Qty in
	// total to Rank winners, Remaining of its quantity is uncovered.
	EventTenderClosed
	// EventTenderFailed: addressed to the buyer; Tender closed without an
	// award (no valid bid, or fewer winners than its minimum).
	EventTenderFailed
	// EventTenderCancelled: Tender was cancelled by its buyer; one event to
	// the buyer and one to each bidder.
	EventTenderCancelled
	// EventMarketMode: market (Category, Basis) is now in MarketMode.
	// Addressed to no participant.
	EventMarketMode
	// EventUncrossed: market (Category, Basis) cleared at the uniform Price:
	// Qty traded (Remaining was removed instead by self-trade prevention),
	// Imbalance the buy minus sell interest left at Price, and BestPrice
	// the reference price. It follows the uncross's fills. Addressed to no
	// participant.
	EventUncrossed
	// EventKeyRegistered: Participant's key KeyID is registered, pending
	// confirmation; OpenAt and CloseAt are its validity window.
	EventKeyRegistered
	// EventKeyConfirmed: Participant's key KeyID is confirmed and signs
	// within its validity window.
	EventKeyConfirmed
	// EventKeyRetired: Participant's key KeyID, replaced by a confirmed
	// rotation, signs no more from CloseAt, its new end of validity.
	EventKeyRetired
	// EventKeyRevoked: Participant's key KeyID is revoked.
	EventKeyRevoked
	// EventSignPolicy: the signature policy exchange-wide (Category, Basis
	// and Tender zero), of market (Category, Basis) or of Tender is now
	// SignPolicy (SignInherit: the scope has no policy of its own).
	// Addressed to no participant.
	EventSignPolicy
	// EventPoolOpened: the clearing pool on Category opened.
	EventPoolOpened
	// EventPoolFill: a clearing of a pool traded Qty lots between request
	// OrderID of buyer Participant (Remaining left) and offer MakerOrderID
	// of seller MakerParticipant (MakerRemaining left). Price is the
	// buyer's price per lot delivered at par grade, SellerPrice the
	// seller's ex works for its grade, Transport the transport cost per lot
	// and GradeDiff the differential of the offer's grade from par:
	// Price + GradeDiff = SellerPrice + Transport. Category and Basis
	// are the pool's key (its root, 0), as on every event of the pool.
	EventPoolFill
	// EventPoolCleared: the pool on Category cleared Qty lots in total, for
	// total surplus BestPrice (minor units).
	EventPoolCleared
	eventEnd
)

// MaxEventKind is the largest valid EventKind: the valid kinds are
// 1..MaxEventKind.
const MaxEventKind = eventEnd - 1

// CancelReason says why quantity was cancelled.
type CancelReason = orderbook.CancelReason

// Event is one outcome of a command. Every event carries the sequence number
// of the command that caused it; the events of one command are contiguous
// and in causal order. Events are plain values.
//
// An accepted order ends with exactly one terminal event: EventDone (filled),
// EventCancelled with Remaining 0, or EventExpired.
type Event struct {
	Seq    uint64       `json:"seq"`  // sequence number of the command
	Time   int64        `json:"time"` // the command's time
	Kind   EventKind    `json:"kind"`
	Reject RejectReason `json:"reject,omitempty"` // EventRejected only
	Cancel CancelReason `json:"cancel,omitempty"` // EventCancelled only

	Command     CommandKind           `json:"command,omitempty"` // kind of the command that caused the event
	Participant catalog.ParticipantID `json:"participant,omitempty"`
	Category    catalog.CategoryID    `json:"category,omitempty"`
	Basis       catalog.BasisID       `json:"basis,omitempty"`

	OrderID       OrderID       `json:"order_id,omitempty"`
	ClientOrderID uint64        `json:"client_order_id,omitempty"`
	Side          Side          `json:"side,omitempty"`
	Price         catalog.Price `json:"price,omitempty"`
	Qty           catalog.Qty   `json:"qty,omitempty"`
	Remaining     catalog.Qty   `json:"remaining,omitempty"`

	MakerParticipant   catalog.ParticipantID `json:"maker_participant,omitempty"`
	MakerOrderID       OrderID               `json:"maker_order_id,omitempty"`
	MakerClientOrderID uint64                `json:"maker_client_order_id,omitempty"`
	MakerRemaining     catalog.Qty           `json:"maker_remaining,omitempty"`

	Status catalog.Status `json:"status,omitempty"`

	// Procurement and call auctions (fields grouped by size).
	Rating       uint8             `json:"rating,omitempty"`      // EventRatingChanged
	MarketMode   MarketMode        `json:"market_mode,omitempty"` // EventMarketMode, EventUncrossed
	Rank         uint32            `json:"rank,omitempty"`        // tender bids: 1 = best
	Score        uint32            `json:"score,omitempty"`       // tender bids: weighted score in parts per million (see Evaluation)
	Subscription SubscriptionID    `json:"subscription,omitempty"`
	Bases        []catalog.BasisID `json:"bases,omitempty"`   // EventSubscribed, EventSubscription: a copy owned by the receiver
	MinQty       catalog.Qty       `json:"min_qty,omitempty"` // subscription filter
	MaxQty       catalog.Qty       `json:"max_qty,omitempty"` // subscription filter
	Tender       TenderID          `json:"tender,omitempty"`
	OpenAt       int64             `json:"open_at,omitempty"`
	CloseAt      int64             `json:"close_at,omitempty"`
	LeadTime     int64             `json:"lead_time,omitempty"`
	BestPrice    catalog.Price     `json:"best_price,omitempty"` // auction bids: the best price; EventUncrossed: the reference price
	Imbalance    catalog.Qty       `json:"imbalance,omitempty"`  // EventUncrossed: buy minus sell interest left at the price

	// KeyID is the key that signed the command that caused the event
	// (every event of a signed command whose signature the engine
	// accepted), or the key that a key event reports.
	KeyID      KeyID      `json:"key_id,omitempty"`
	SignPolicy SignPolicy `json:"sign_policy,omitempty"` // EventSignPolicy

	// EventPoolFill (codec version 3).
	SellerPrice catalog.Price `json:"seller_price,omitempty"`
	Transport   catalog.Price `json:"transport,omitempty"`
	GradeDiff   catalog.Price `json:"grade_diff,omitempty"`
}

// Key returns the market key of the event.
func (e *Event) Key() MarketKey { return MarketKey{Category: e.Category, Basis: e.Basis} }

// Err returns the sentinel error of a rejection, or nil.
func (e *Event) Err() error { return e.Reject.Err() }
