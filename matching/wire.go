package matching

import (
	"crypto/ed25519"

	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/wire"
)

// The command language lives in package wire, so that other modules can
// use it without the engine; these names forward to it, so that callers
// of the exchange need import only this package.

type (
	CancelReason   = wire.CancelReason
	Command        = wire.Command
	CommandKind    = wire.CommandKind
	Evaluation     = wire.Evaluation
	Event          = wire.Event
	EventKind      = wire.EventKind
	MarketKey      = wire.MarketKey
	MarketMode     = wire.MarketMode
	OrderID        = wire.OrderID
	OrderType      = wire.OrderType
	RejectReason   = wire.RejectReason
	STP            = wire.STP
	Side           = wire.Side
	SubscriptionID = wire.SubscriptionID
	TenderID       = wire.TenderID
	TenderMode     = wire.TenderMode
	TimeInForce    = wire.TimeInForce
	KeyID          = wire.KeyID
	Algorithm      = wire.Algorithm
	SignPolicy     = wire.SignPolicy
	Verifier       = wire.Verifier
	Verifiers      = wire.Verifiers
	Ed25519        = wire.Ed25519
)

const (
	CodecVersion                 = wire.CodecVersion
	MaxStringLen                 = wire.MaxStringLen
	MaxBases                     = wire.MaxBases
	OrderMarketShift             = wire.OrderMarketShift
	Buy                          = wire.Buy
	Sell                         = wire.Sell
	Limit                        = wire.Limit
	Market                       = wire.Market
	GTC                          = wire.GTC
	GTD                          = wire.GTD
	IOC                          = wire.IOC
	FOK                          = wire.FOK
	STPDefault                   = wire.STPDefault
	STPCancelResting             = wire.STPCancelResting
	STPCancelIncoming            = wire.STPCancelIncoming
	STPCancelBoth                = wire.STPCancelBoth
	CmdRegister                  = wire.CmdRegister
	CmdSetStatus                 = wire.CmdSetStatus
	CmdPlace                     = wire.CmdPlace
	CmdCancel                    = wire.CmdCancel
	CmdAmend                     = wire.CmdAmend
	CmdExpire                    = wire.CmdExpire
	CmdSubscribe                 = wire.CmdSubscribe
	CmdUnsubscribe               = wire.CmdUnsubscribe
	CmdListSubscriptions         = wire.CmdListSubscriptions
	CmdSetRating                 = wire.CmdSetRating
	CmdOpenTender                = wire.CmdOpenTender
	CmdBid                       = wire.CmdBid
	CmdCloseTender               = wire.CmdCloseTender
	CmdCancelTender              = wire.CmdCancelTender
	CmdSetMarketMode             = wire.CmdSetMarketMode
	CmdUncross                   = wire.CmdUncross
	CmdRegisterKey               = wire.CmdRegisterKey
	CmdConfirmKey                = wire.CmdConfirmKey
	CmdRotateKey                 = wire.CmdRotateKey
	CmdRevokeKey                 = wire.CmdRevokeKey
	CmdSetSignPolicy             = wire.CmdSetSignPolicy
	CmdOpenPool                  = wire.CmdOpenPool
	CmdClearPool                 = wire.CmdClearPool
	AlgEd25519                   = wire.AlgEd25519
	SignOptional                 = wire.SignOptional
	SignRequired                 = wire.SignRequired
	SignInherit                  = wire.SignInherit
	MaxKeyLen                    = wire.MaxKeyLen
	MaxSignatureLen              = wire.MaxSignatureLen
	SigningContext               = wire.SigningContext
	MaxCommandKind               = wire.MaxCommandKind
	MaxFilterBases               = wire.MaxFilterBases
	MarketContinuous             = wire.MarketContinuous
	MarketCall                   = wire.MarketCall
	EventAccepted                = wire.EventAccepted
	EventRejected                = wire.EventRejected
	EventFill                    = wire.EventFill
	EventCancelled               = wire.EventCancelled
	EventExpired                 = wire.EventExpired
	EventAmended                 = wire.EventAmended
	EventDone                    = wire.EventDone
	EventRegistered              = wire.EventRegistered
	EventStatusChanged           = wire.EventStatusChanged
	EventSubscribed              = wire.EventSubscribed
	EventUnsubscribed            = wire.EventUnsubscribed
	EventSubscription            = wire.EventSubscription
	EventNotified                = wire.EventNotified
	EventRatingChanged           = wire.EventRatingChanged
	EventTenderOpened            = wire.EventTenderOpened
	EventBidAccepted             = wire.EventBidAccepted
	EventTenderExtended          = wire.EventTenderExtended
	EventAwarded                 = wire.EventAwarded
	EventNotAwarded              = wire.EventNotAwarded
	EventTenderClosed            = wire.EventTenderClosed
	EventTenderFailed            = wire.EventTenderFailed
	EventTenderCancelled         = wire.EventTenderCancelled
	EventMarketMode              = wire.EventMarketMode
	EventUncrossed               = wire.EventUncrossed
	EventKeyRegistered           = wire.EventKeyRegistered
	EventKeyConfirmed            = wire.EventKeyConfirmed
	EventKeyRetired              = wire.EventKeyRetired
	EventKeyRevoked              = wire.EventKeyRevoked
	EventSignPolicy              = wire.EventSignPolicy
	EventPoolOpened              = wire.EventPoolOpened
	EventPoolFill                = wire.EventPoolFill
	EventPoolCleared             = wire.EventPoolCleared
	MaxEventKind                 = wire.MaxEventKind
	ReasonNone                   = wire.ReasonNone
	ReasonInvalidCommand         = wire.ReasonInvalidCommand
	ReasonInvalidSide            = wire.ReasonInvalidSide
	ReasonInvalidType            = wire.ReasonInvalidType
	ReasonInvalidTIF             = wire.ReasonInvalidTIF
	ReasonInvalidSTP             = wire.ReasonInvalidSTP
	ReasonInvalidQty             = wire.ReasonInvalidQty
	ReasonInvalidPrice           = wire.ReasonInvalidPrice
	ReasonPriceNotOnTick         = wire.ReasonPriceNotOnTick
	ReasonQtyNotOnLot            = wire.ReasonQtyNotOnLot
	ReasonMinQtyExceedsQty       = wire.ReasonMinQtyExceedsQty
	ReasonOverflow               = wire.ReasonOverflow
	ReasonUnknownCategory        = wire.ReasonUnknownCategory
	ReasonNotLeaf                = wire.ReasonNotLeaf
	ReasonUnknownBasis           = wire.ReasonUnknownBasis
	ReasonUnknownParticipant     = wire.ReasonUnknownParticipant
	ReasonNotVerified            = wire.ReasonNotVerified
	ReasonSuspended              = wire.ReasonSuspended
	ReasonDuplicateClientOrderID = wire.ReasonDuplicateClientOrderID
	ReasonExpired                = wire.ReasonExpired
	ReasonUnknownOrder           = wire.ReasonUnknownOrder
	ReasonNotOwner               = wire.ReasonNotOwner
	ReasonInvalidName            = wire.ReasonInvalidName
	ReasonInvalidINN             = wire.ReasonInvalidINN
	ReasonInvalidKPP             = wire.ReasonInvalidKPP
	ReasonDuplicateParticipant   = wire.ReasonDuplicateParticipant
	ReasonBadTransition          = wire.ReasonBadTransition
	ReasonCapacity               = wire.ReasonCapacity
	ReasonUnknownSubscription    = wire.ReasonUnknownSubscription
	ReasonInvalidFilter          = wire.ReasonInvalidFilter
	ReasonInvalidRating          = wire.ReasonInvalidRating
	ReasonUnknownTender          = wire.ReasonUnknownTender
	ReasonInvalidTender          = wire.ReasonInvalidTender
	ReasonBadWeights             = wire.ReasonBadWeights
	ReasonCloseBeforeOpen        = wire.ReasonCloseBeforeOpen
	ReasonInvalidWinners         = wire.ReasonInvalidWinners
	ReasonTenderNotOpen          = wire.ReasonTenderNotOpen
	ReasonTenderClosed           = wire.ReasonTenderClosed
	ReasonTenderNotDue           = wire.ReasonTenderNotDue
	ReasonAboveReserve           = wire.ReasonAboveReserve
	ReasonBidNotImproved         = wire.ReasonBidNotImproved
	ReasonOwnTender              = wire.ReasonOwnTender
	ReasonNotEligible            = wire.ReasonNotEligible
	ReasonInvalidLeadTime        = wire.ReasonInvalidLeadTime
	ReasonInvalidMode            = wire.ReasonInvalidMode
	ReasonCrossed                = wire.ReasonCrossed
	ReasonNotTenderBuyer         = wire.ReasonNotTenderBuyer
	ReasonNotSubscriber          = wire.ReasonNotSubscriber
	ReasonBidQtyAboveTender      = wire.ReasonBidQtyAboveTender
	ReasonTooLarge               = wire.ReasonTooLarge
	ReasonUnreadField            = wire.ReasonUnreadField
	ReasonWrongMarket            = wire.ReasonWrongMarket
	ReasonSignatureMissing       = wire.ReasonSignatureMissing
	ReasonSignatureInvalid       = wire.ReasonSignatureInvalid
	ReasonSignatureExpired       = wire.ReasonSignatureExpired
	ReasonKeyRevoked             = wire.ReasonKeyRevoked
	ReasonNonceReplayed          = wire.ReasonNonceReplayed
	ReasonUnknownKey             = wire.ReasonUnknownKey
	ReasonKeyNotConfirmed        = wire.ReasonKeyNotConfirmed
	ReasonInvalidKey             = wire.ReasonInvalidKey
	ReasonInvalidPolicy          = wire.ReasonInvalidPolicy
	ReasonAllOrNonePool          = wire.ReasonAllOrNonePool
	ReasonUnknownGrade           = wire.ReasonUnknownGrade
	ReasonNoRoute                = wire.ReasonNoRoute
	ReasonPoolConflict           = wire.ReasonPoolConflict
	ReasonNotPool                = wire.ReasonNotPool
	MaxRejectReason              = wire.MaxRejectReason
	TenderSealed                 = wire.TenderSealed
	TenderAuction                = wire.TenderAuction
	EvalLowestPrice              = wire.EvalLowestPrice
	EvalWeighted                 = wire.EvalWeighted
	ScoreScale                   = wire.ScoreScale
	WeightScale                  = wire.WeightScale
)

var (
	ErrCorruptCommand         = wire.ErrCorruptCommand
	ErrCorruptEvent           = wire.ErrCorruptEvent
	ErrNotEncodable           = wire.ErrNotEncodable
	ErrInvalidCommand         = wire.ErrInvalidCommand
	ErrInvalidSide            = wire.ErrInvalidSide
	ErrInvalidType            = wire.ErrInvalidType
	ErrInvalidTIF             = wire.ErrInvalidTIF
	ErrInvalidSTP             = wire.ErrInvalidSTP
	ErrInvalidQty             = wire.ErrInvalidQty
	ErrInvalidPrice           = wire.ErrInvalidPrice
	ErrPriceNotOnTick         = wire.ErrPriceNotOnTick
	ErrQtyNotOnLot            = wire.ErrQtyNotOnLot
	ErrMinQtyExceedsQty       = wire.ErrMinQtyExceedsQty
	ErrOverflow               = wire.ErrOverflow
	ErrUnknownCategory        = wire.ErrUnknownCategory
	ErrNotLeaf                = wire.ErrNotLeaf
	ErrUnknownBasis           = wire.ErrUnknownBasis
	ErrUnknownParticipant     = wire.ErrUnknownParticipant
	ErrNotVerified            = wire.ErrNotVerified
	ErrSuspended              = wire.ErrSuspended
	ErrDuplicateClientOrderID = wire.ErrDuplicateClientOrderID
	ErrExpired                = wire.ErrExpired
	ErrUnknownOrder           = wire.ErrUnknownOrder
	ErrNotOwner               = wire.ErrNotOwner
	ErrNotTenderBuyer         = wire.ErrNotTenderBuyer
	ErrNotSubscriber          = wire.ErrNotSubscriber
	ErrBidQtyAboveTender      = wire.ErrBidQtyAboveTender
	ErrTooLarge               = wire.ErrTooLarge
	ErrUnreadField            = wire.ErrUnreadField
	ErrWrongMarket            = wire.ErrWrongMarket
	ErrSignatureMissing       = wire.ErrSignatureMissing
	ErrSignatureInvalid       = wire.ErrSignatureInvalid
	ErrSignatureExpired       = wire.ErrSignatureExpired
	ErrKeyRevoked             = wire.ErrKeyRevoked
	ErrNonceReplayed          = wire.ErrNonceReplayed
	ErrUnknownKey             = wire.ErrUnknownKey
	ErrKeyNotConfirmed        = wire.ErrKeyNotConfirmed
	ErrInvalidKey             = wire.ErrInvalidKey
	ErrInvalidPolicy          = wire.ErrInvalidPolicy
	ErrAllOrNonePool          = wire.ErrAllOrNonePool
	ErrUnknownGrade           = wire.ErrUnknownGrade
	ErrNoRoute                = wire.ErrNoRoute
	ErrPoolConflict           = wire.ErrPoolConflict
	ErrNotPool                = wire.ErrNotPool
	ErrInvalidName            = wire.ErrInvalidName
	ErrInvalidINN             = wire.ErrInvalidINN
	ErrInvalidKPP             = wire.ErrInvalidKPP
	ErrDuplicateParticipant   = wire.ErrDuplicateParticipant
	ErrBadTransition          = wire.ErrBadTransition
	ErrCapacity               = wire.ErrCapacity
	ErrUnknownSubscription    = wire.ErrUnknownSubscription
	ErrInvalidFilter          = wire.ErrInvalidFilter
	ErrInvalidRating          = wire.ErrInvalidRating
	ErrUnknownTender          = wire.ErrUnknownTender
	ErrInvalidTender          = wire.ErrInvalidTender
	ErrBadWeights             = wire.ErrBadWeights
	ErrCloseBeforeOpen        = wire.ErrCloseBeforeOpen
	ErrInvalidWinners         = wire.ErrInvalidWinners
	ErrTenderNotOpen          = wire.ErrTenderNotOpen
	ErrTenderClosed           = wire.ErrTenderClosed
	ErrTenderNotDue           = wire.ErrTenderNotDue
	ErrAboveReserve           = wire.ErrAboveReserve
	ErrBidNotImproved         = wire.ErrBidNotImproved
	ErrOwnTender              = wire.ErrOwnTender
	ErrNotEligible            = wire.ErrNotEligible
	ErrInvalidLeadTime        = wire.ErrInvalidLeadTime
	ErrInvalidMode            = wire.ErrInvalidMode
	ErrCrossed                = wire.ErrCrossed
	ErrUnknownName            = wire.ErrUnknownName
	ErrMalformedID            = wire.ErrMalformedID
)

// AppendCommand appends the encoding of c to dst; see wire.AppendCommand.
func AppendCommand(dst []byte, c *Command) []byte { return wire.AppendCommand(dst, c) }

// DecodeCommand decodes one command from b; see wire.DecodeCommand.
func DecodeCommand(b []byte) (Command, int, error) { return wire.DecodeCommand(b) }

// AppendEvent appends the encoding of e to dst; see wire.AppendEvent.
func AppendEvent(dst []byte, e *Event) []byte { return wire.AppendEvent(dst, e) }

// DecodeEvent decodes one event from b; see wire.DecodeEvent.
func DecodeEvent(b []byte) (Event, int, error) { return wire.DecodeEvent(b) }

// CheckCommandEncodable reports whether c's encoding will decode; see
// wire.CheckCommandEncodable.
func CheckCommandEncodable(c *Command) error { return wire.CheckCommandEncodable(c) }

// CheckEventEncodable reports whether e's encoding will decode; see
// wire.CheckEventEncodable.
func CheckEventEncodable(e *Event) error { return wire.CheckEventEncodable(e) }

// ParseSide returns the Side named s; see wire.ParseSide.
func ParseSide(s string) (Side, error) { return wire.ParseSide(s) }

// ParseOrderType returns the OrderType named s; see wire.ParseOrderType.
func ParseOrderType(s string) (OrderType, error) { return wire.ParseOrderType(s) }

// ParseTimeInForce returns the TimeInForce named s; see
// wire.ParseTimeInForce.
func ParseTimeInForce(s string) (TimeInForce, error) { return wire.ParseTimeInForce(s) }

// ParseSTP returns the STP named s; see wire.ParseSTP.
func ParseSTP(s string) (STP, error) { return wire.ParseSTP(s) }

// ParseCancelReason returns the CancelReason named s; see
// wire.ParseCancelReason.
func ParseCancelReason(s string) (CancelReason, error) { return wire.ParseCancelReason(s) }

// ParseMarketMode returns the MarketMode named s; see wire.ParseMarketMode.
func ParseMarketMode(s string) (MarketMode, error) { return wire.ParseMarketMode(s) }

// ParseCommandKind returns the CommandKind named s; see
// wire.ParseCommandKind.
func ParseCommandKind(s string) (CommandKind, error) { return wire.ParseCommandKind(s) }

// ParseEventKind returns the EventKind named s; see wire.ParseEventKind.
func ParseEventKind(s string) (EventKind, error) { return wire.ParseEventKind(s) }

// ParseRejectReason returns the RejectReason named s; see
// wire.ParseRejectReason.
func ParseRejectReason(s string) (RejectReason, error) { return wire.ParseRejectReason(s) }

// ParseTenderMode returns the TenderMode named s; see wire.ParseTenderMode.
func ParseTenderMode(s string) (TenderMode, error) { return wire.ParseTenderMode(s) }

// ParseEvaluation returns the Evaluation named s; see wire.ParseEvaluation.
func ParseEvaluation(s string) (Evaluation, error) { return wire.ParseEvaluation(s) }

// ParseTenderState returns the TenderState named s; see
// engine.ParseTenderState.
func ParseTenderState(s string) (TenderState, error) { return engine.ParseTenderState(s) }

// ParseSignPolicy returns the SignPolicy named s; see wire.ParseSignPolicy.
func ParseSignPolicy(s string) (SignPolicy, error) { return wire.ParseSignPolicy(s) }

// DefaultVerifiers returns the default verifiers; see
// wire.DefaultVerifiers.
func DefaultVerifiers() *Verifiers { return wire.DefaultVerifiers() }

// AppendSigningBytes appends the bytes a command's signature covers; see
// wire.AppendSigningBytes.
func AppendSigningBytes(dst []byte, c *Command) []byte { return wire.AppendSigningBytes(dst, c) }

// Binding reports whether kind k may carry a signature; see wire.Binding.
func Binding(k CommandKind) bool { return wire.Binding(k) }

// SignEd25519 signs c with an Ed25519 private key; see wire.SignEd25519.
func SignEd25519(c *Command, priv ed25519.PrivateKey) { wire.SignEd25519(c, priv) }
