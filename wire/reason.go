package wire

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors returned by Exchange.Submit and its helpers. Each matches
// exactly one RejectReason: a rejected command returns the sentinel and
// appends an EventRejected whose Reject field is that reason. Check them with
// errors.Is.
var (
	ErrInvalidCommand         = errors.New("matching: unknown command kind")
	ErrInvalidSide            = errors.New("matching: invalid side")
	ErrInvalidType            = errors.New("matching: invalid order type")
	ErrInvalidTIF             = errors.New("matching: invalid time in force")
	ErrInvalidSTP             = errors.New("matching: invalid self-trade prevention mode")
	ErrInvalidQty             = errors.New("matching: quantity must be positive")
	ErrInvalidPrice           = errors.New("matching: invalid price")
	ErrPriceNotOnTick         = errors.New("matching: price is not a multiple of the tick")
	ErrQtyNotOnLot            = errors.New("matching: quantity is not a multiple of the lot")
	ErrMinQtyExceedsQty       = errors.New("matching: minimum quantity must be in [0, quantity]")
	ErrOverflow               = errors.New("matching: price × quantity overflows int64")
	ErrUnknownCategory        = errors.New("matching: unknown category")
	ErrNotLeaf                = errors.New("matching: category is not a tradable leaf")
	ErrUnknownBasis           = errors.New("matching: unknown delivery basis")
	ErrUnknownParticipant     = errors.New("matching: unknown participant")
	ErrNotVerified            = errors.New("matching: participant is not verified")
	ErrSuspended              = errors.New("matching: participant is suspended")
	ErrDuplicateClientOrderID = errors.New("matching: duplicate client order ID")
	ErrExpired                = errors.New("matching: good-till-date expiry is not after the market's time")
	ErrUnknownOrder           = errors.New("matching: unknown order")
	ErrNotOwner               = errors.New("matching: order belongs to another participant")
	ErrNotTenderBuyer         = errors.New("matching: only the tender's buyer may close or cancel it")
	ErrNotSubscriber          = errors.New("matching: subscription belongs to another participant")
	ErrBidQtyAboveTender      = errors.New("matching: bid quantity exceeds the tender's quantity")
	ErrTooLarge               = errors.New("matching: a string or Bases field exceeds its limit (MaxStringLen, MaxBases)")
	ErrUnreadField            = errors.New("matching: command sets a field its kind does not read")
	ErrWrongMarket            = errors.New("matching: command names another market than its order's")
	ErrInvalidName            = errors.New("matching: invalid participant name")
	ErrInvalidINN             = errors.New("matching: invalid INN")
	ErrInvalidKPP             = errors.New("matching: invalid KPP")
	ErrDuplicateParticipant   = errors.New("matching: participant already registered")
	ErrBadTransition          = errors.New("matching: status transition not allowed")
	ErrCapacity               = errors.New("matching: market holds the maximum number of orders")
	ErrUnknownSubscription    = errors.New("matching: unknown subscription")
	ErrInvalidFilter          = errors.New("matching: invalid subscription filter")
	ErrInvalidRating          = errors.New("matching: rating out of range")
	ErrUnknownTender          = errors.New("matching: unknown tender")
	ErrInvalidTender          = errors.New("matching: invalid tender terms")
	ErrBadWeights             = errors.New("matching: evaluation weights do not sum to 1")
	ErrCloseBeforeOpen        = errors.New("matching: tender closes before it opens")
	ErrInvalidWinners         = errors.New("matching: invalid limits on the number of winners")
	ErrTenderNotOpen          = errors.New("matching: tender is not open yet")
	ErrTenderClosed           = errors.New("matching: tender is closed")
	ErrTenderNotDue           = errors.New("matching: tender's close time has not come")
	ErrAboveReserve           = errors.New("matching: bid above the reserve price")
	ErrBidNotImproved         = errors.New("matching: bid does not improve the bidder's previous bid")
	ErrOwnTender              = errors.New("matching: buyer cannot bid on its own tender")
	ErrNotEligible            = errors.New("matching: supplier is not eligible for the tender")
	ErrInvalidLeadTime        = errors.New("matching: lead time must be positive")
	ErrInvalidMode            = errors.New("matching: invalid market mode")
	ErrCrossed                = errors.New("matching: market is crossed; uncross it first")
	ErrSignatureMissing       = errors.New("matching: the signature policy requires a signature")
	ErrSignatureInvalid       = errors.New("matching: invalid signature")
	ErrSignatureExpired       = errors.New("matching: the signing key is outside its validity window")
	ErrKeyRevoked             = errors.New("matching: the signing key is revoked")
	ErrNonceReplayed          = errors.New("matching: nonce already used or too old")
	ErrUnknownKey             = errors.New("matching: unknown key of the participant")
	ErrKeyNotConfirmed        = errors.New("matching: the signing key is not confirmed")
	ErrInvalidKey             = errors.New("matching: invalid key or validity window")
	ErrInvalidPolicy          = errors.New("matching: invalid signature policy")
	ErrAllOrNonePool          = errors.New("matching: all-or-none or minimum quantity in a clearing pool")
	ErrUnknownGrade           = errors.New("matching: unknown grade")
	ErrNoRoute                = errors.New("matching: no route to the request's bases")
	ErrPoolConflict           = errors.New("matching: pool overlaps an open market or pool")
	ErrNotPool                = errors.New("matching: not a clearing pool")
)

// RejectReason is the typed reason carried by an EventRejected. The zero
// value means "not rejected".
type RejectReason uint8

const (
	ReasonNone RejectReason = iota
	ReasonInvalidCommand
	ReasonInvalidSide
	ReasonInvalidType
	ReasonInvalidTIF
	ReasonInvalidSTP
	ReasonInvalidQty
	ReasonInvalidPrice
	ReasonPriceNotOnTick
	ReasonQtyNotOnLot
	ReasonMinQtyExceedsQty
	ReasonOverflow
	ReasonUnknownCategory
	ReasonNotLeaf
	ReasonUnknownBasis
	ReasonUnknownParticipant
	ReasonNotVerified
	ReasonSuspended
	ReasonDuplicateClientOrderID
	ReasonExpired
	ReasonUnknownOrder
	ReasonNotOwner
	ReasonInvalidName
	ReasonInvalidINN
	ReasonInvalidKPP
	ReasonDuplicateParticipant
	ReasonBadTransition
	ReasonCapacity
	ReasonUnknownSubscription
	ReasonInvalidFilter
	ReasonInvalidRating
	ReasonUnknownTender
	ReasonInvalidTender
	ReasonBadWeights
	ReasonCloseBeforeOpen
	ReasonInvalidWinners
	ReasonTenderNotOpen
	ReasonTenderClosed
	ReasonTenderNotDue
	ReasonAboveReserve
	ReasonBidNotImproved
	ReasonOwnTender
	ReasonNotEligible
	ReasonInvalidLeadTime
	ReasonInvalidMode
	ReasonCrossed
	ReasonNotTenderBuyer
	ReasonNotSubscriber
	ReasonBidQtyAboveTender
	ReasonTooLarge
	ReasonUnreadField
	ReasonWrongMarket
	ReasonSignatureMissing
	ReasonSignatureInvalid
	ReasonSignatureExpired
	ReasonKeyRevoked
	ReasonNonceReplayed
	ReasonUnknownKey
	ReasonKeyNotConfirmed
	ReasonInvalidKey
	ReasonInvalidPolicy
	// ReasonAllOrNonePool: an order with MinQty (or FOK) in a clearing
	// pool. Minimum or all-or-none quantities turn the clearing into an
	// integer program that contains the knapsack problem (NP-hard), so a
	// pool clears divisible orders only.
	ReasonAllOrNonePool
	// ReasonUnknownGrade: the grade is not in the category's scale.
	ReasonUnknownGrade
	// ReasonNoRoute: no basis of the request is reachable.
	ReasonNoRoute
	// ReasonPoolConflict: the pool would overlap an open market or pool.
	ReasonPoolConflict
	// ReasonNotPool: CmdClearPool on a market that is not a pool, or pool
	// attributes on an order outside a pool.
	ReasonNotPool
	reasonEnd
)

// reasonErrs is the sentinel of each reason, indexed by RejectReason.
var reasonErrs = [reasonEnd]error{
	ReasonInvalidCommand:         ErrInvalidCommand,
	ReasonInvalidSide:            ErrInvalidSide,
	ReasonInvalidType:            ErrInvalidType,
	ReasonInvalidTIF:             ErrInvalidTIF,
	ReasonInvalidSTP:             ErrInvalidSTP,
	ReasonInvalidQty:             ErrInvalidQty,
	ReasonInvalidPrice:           ErrInvalidPrice,
	ReasonPriceNotOnTick:         ErrPriceNotOnTick,
	ReasonQtyNotOnLot:            ErrQtyNotOnLot,
	ReasonMinQtyExceedsQty:       ErrMinQtyExceedsQty,
	ReasonOverflow:               ErrOverflow,
	ReasonUnknownCategory:        ErrUnknownCategory,
	ReasonNotLeaf:                ErrNotLeaf,
	ReasonUnknownBasis:           ErrUnknownBasis,
	ReasonUnknownParticipant:     ErrUnknownParticipant,
	ReasonNotVerified:            ErrNotVerified,
	ReasonSuspended:              ErrSuspended,
	ReasonDuplicateClientOrderID: ErrDuplicateClientOrderID,
	ReasonExpired:                ErrExpired,
	ReasonUnknownOrder:           ErrUnknownOrder,
	ReasonNotOwner:               ErrNotOwner,
	ReasonInvalidName:            ErrInvalidName,
	ReasonInvalidINN:             ErrInvalidINN,
	ReasonInvalidKPP:             ErrInvalidKPP,
	ReasonDuplicateParticipant:   ErrDuplicateParticipant,
	ReasonBadTransition:          ErrBadTransition,
	ReasonCapacity:               ErrCapacity,
	ReasonUnknownSubscription:    ErrUnknownSubscription,
	ReasonInvalidFilter:          ErrInvalidFilter,
	ReasonInvalidRating:          ErrInvalidRating,
	ReasonUnknownTender:          ErrUnknownTender,
	ReasonInvalidTender:          ErrInvalidTender,
	ReasonBadWeights:             ErrBadWeights,
	ReasonCloseBeforeOpen:        ErrCloseBeforeOpen,
	ReasonInvalidWinners:         ErrInvalidWinners,
	ReasonTenderNotOpen:          ErrTenderNotOpen,
	ReasonTenderClosed:           ErrTenderClosed,
	ReasonTenderNotDue:           ErrTenderNotDue,
	ReasonAboveReserve:           ErrAboveReserve,
	ReasonBidNotImproved:         ErrBidNotImproved,
	ReasonOwnTender:              ErrOwnTender,
	ReasonNotEligible:            ErrNotEligible,
	ReasonInvalidLeadTime:        ErrInvalidLeadTime,
	ReasonInvalidMode:            ErrInvalidMode,
	ReasonCrossed:                ErrCrossed,
	ReasonNotTenderBuyer:         ErrNotTenderBuyer,
	ReasonNotSubscriber:          ErrNotSubscriber,
	ReasonBidQtyAboveTender:      ErrBidQtyAboveTender,
	ReasonTooLarge:               ErrTooLarge,
	ReasonUnreadField:            ErrUnreadField,
	ReasonWrongMarket:            ErrWrongMarket,
	ReasonSignatureMissing:       ErrSignatureMissing,
	ReasonSignatureInvalid:       ErrSignatureInvalid,
	ReasonSignatureExpired:       ErrSignatureExpired,
	ReasonKeyRevoked:             ErrKeyRevoked,
	ReasonNonceReplayed:          ErrNonceReplayed,
	ReasonUnknownKey:             ErrUnknownKey,
	ReasonKeyNotConfirmed:        ErrKeyNotConfirmed,
	ReasonInvalidKey:             ErrInvalidKey,
	ReasonInvalidPolicy:          ErrInvalidPolicy,
	ReasonAllOrNonePool:          ErrAllOrNonePool,
	ReasonUnknownGrade:           ErrUnknownGrade,
	ReasonNoRoute:                ErrNoRoute,
	ReasonPoolConflict:           ErrPoolConflict,
	ReasonNotPool:                ErrNotPool,
}

// MaxRejectReason is the largest valid RejectReason: the reasons are
// 1..MaxRejectReason (ReasonNone, 0, means not rejected).
const MaxRejectReason = reasonEnd - 1

// Err returns the sentinel error of r, or nil for ReasonNone and unknown
// values.
func (r RejectReason) Err() error {
	if r >= reasonEnd {
		return nil
	}
	return reasonErrs[r]
}

// Description returns the human description of r: the text of its
// sentinel error without the package prefix (for example "unknown
// order"), "none" for ReasonNone, or "RejectReason(N)" for an unknown
// value. String returns the short name instead. Cost: O(1).
func (r RejectReason) Description() string {
	if r == ReasonNone {
		return "none"
	}
	if err := r.Err(); err != nil {
		return strings.TrimPrefix(err.Error(), "matching: ")
	}
	return fmt.Sprintf("RejectReason(%d)", uint8(r))
}
