package wire

import (
	"fmt"

	"github.com/agora-exchange/agora/internal/enumtext"
	"github.com/agora-exchange/agora/orderbook"
)

// Text and JSON forms of the command language. Every enum has one table of
// lower-case names (words joined by hyphens), read by String, MarshalText,
// UnmarshalText and its Parse function; a test checks that every table is
// complete and its names distinct. The IDs (OrderID, TenderID,
// SubscriptionID, and the catalog's ParticipantID, CategoryID and
// BasisID) read and write as JSON strings of their decimal digits, so that
// a JavaScript reader keeps them exact; see OrderID. Prices and quantities
// are JSON numbers: int64 minor units and lots, exact in Go, but above 2^53
// a float64 reader (JavaScript) rounds them.
//
// Command and Event carry snake_case JSON tags; a field at its zero value
// is left out, except kind and time (and seq of an Event). Decoding JSON
// into a Command checks nothing: Exchange.Submit validates the command as
// it does any other.

// ErrUnknownName reports a name that is not one of an enum's, or an enum
// value without a name. It is the same value as orderbook.ErrUnknownName,
// catalog.ErrUnknownName and engine.ErrUnknownName.
var ErrUnknownName = enumtext.ErrUnknownName

// ErrMalformedID reports an ID text or JSON value that is not a decimal
// number of the ID's size. It is the same value as
// orderbook.ErrMalformedID and catalog.ErrMalformedID.
var ErrMalformedID = enumtext.ErrMalformedID

// ParseSide returns the Side named s ("buy", "sell"); see
// orderbook.ParseSide. Errors: ErrUnknownName.
func ParseSide(s string) (Side, error) { return orderbook.ParseSide(s) }

// ParseOrderType returns the OrderType named s ("limit", "market"); see
// orderbook.ParseOrderType. Errors: ErrUnknownName.
func ParseOrderType(s string) (OrderType, error) { return orderbook.ParseOrderType(s) }

// ParseTimeInForce returns the TimeInForce named s ("gtc", "gtd", "ioc",
// "fok"); see orderbook.ParseTimeInForce. Errors: ErrUnknownName.
func ParseTimeInForce(s string) (TimeInForce, error) { return orderbook.ParseTimeInForce(s) }

// ParseSTP returns the STP named s ("default", "cancel-resting",
// "cancel-incoming", "cancel-both"); see orderbook.ParseSTP.
// Errors: ErrUnknownName.
func ParseSTP(s string) (STP, error) { return orderbook.ParseSTP(s) }

// ParseCancelReason returns the CancelReason named s (for example
// "requested", "ioc-remainder"); see orderbook.ParseCancelReason.
// Errors: ErrUnknownName.
func ParseCancelReason(s string) (CancelReason, error) { return orderbook.ParseCancelReason(s) }

// ParseMarketMode returns the MarketMode named s ("continuous", "call");
// see orderbook.ParseMode. Errors: ErrUnknownName.
func ParseMarketMode(s string) (MarketMode, error) { return orderbook.ParseMode(s) }

// commandNames is the text name of each CommandKind, indexed by CommandKind.
var commandNames = [cmdEnd]string{
	CmdRegister:          "register",
	CmdSetStatus:         "set-status",
	CmdPlace:             "place",
	CmdCancel:            "cancel",
	CmdAmend:             "amend",
	CmdExpire:            "expire",
	CmdSubscribe:         "subscribe",
	CmdUnsubscribe:       "unsubscribe",
	CmdListSubscriptions: "list-subscriptions",
	CmdSetRating:         "set-rating",
	CmdOpenTender:        "open-tender",
	CmdBid:               "bid",
	CmdCloseTender:       "close-tender",
	CmdCancelTender:      "cancel-tender",
	CmdSetMarketMode:     "set-market-mode",
	CmdUncross:           "uncross",
	CmdRegisterKey:       "register-key",
	CmdConfirmKey:        "confirm-key",
	CmdRotateKey:         "rotate-key",
	CmdRevokeKey:         "revoke-key",
	CmdSetSignPolicy:     "set-sign-policy",
	CmdOpenPool:          "open-pool",
	CmdClearPool:         "clear-pool",
}

// String returns the kind's name (see ParseCommandKind), or "CommandKind(N)"
// for a value without one.
func (v CommandKind) String() string { return enumtext.String(commandNames[:], "CommandKind", v) }

// ParseCommandKind returns the CommandKind named s: one of "register",
// "set-status", "place", "cancel", "amend", "expire", "subscribe",
// "unsubscribe", "list-subscriptions", "set-rating", "open-tender", "bid",
// "close-tender", "cancel-tender", "set-market-mode", "uncross". Errors:
// ErrUnknownName, for the empty string too. Cost: O(number of names), no
// allocation unless it fails.
func ParseCommandKind(s string) (CommandKind, error) {
	return enumtext.Parse[CommandKind](commandNames[:], "CommandKind", s)
}

// MarshalText returns the name of v; the zero value, which is invalid, is
// the empty text. Errors: ErrUnknownName for a value without a name.
func (v CommandKind) MarshalText() ([]byte, error) {
	return enumtext.Marshal(commandNames[:], "CommandKind", v)
}

// UnmarshalText sets *v to the CommandKind named text, or to the zero value
// for the empty text, so that MarshalText output always reads back. Errors:
// ErrUnknownName.
func (v *CommandKind) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[CommandKind](commandNames[:], "CommandKind", text)
	if err == nil {
		*v = x
	}
	return err
}

// eventNames is the text name of each EventKind, indexed by EventKind.
var eventNames = [eventEnd]string{
	EventAccepted:        "accepted",
	EventRejected:        "rejected",
	EventFill:            "fill",
	EventCancelled:       "cancelled",
	EventExpired:         "expired",
	EventAmended:         "amended",
	EventDone:            "done",
	EventRegistered:      "registered",
	EventStatusChanged:   "status-changed",
	EventSubscribed:      "subscribed",
	EventUnsubscribed:    "unsubscribed",
	EventSubscription:    "subscription",
	EventNotified:        "notified",
	EventRatingChanged:   "rating-changed",
	EventTenderOpened:    "tender-opened",
	EventBidAccepted:     "bid-accepted",
	EventTenderExtended:  "tender-extended",
	EventAwarded:         "awarded",
	EventNotAwarded:      "not-awarded",
	EventTenderClosed:    "tender-closed",
	EventTenderFailed:    "tender-failed",
	EventTenderCancelled: "tender-cancelled",
	EventMarketMode:      "market-mode",
	EventUncrossed:       "uncrossed",
	EventKeyRegistered:   "key-registered",
	EventKeyConfirmed:    "key-confirmed",
	EventKeyRetired:      "key-retired",
	EventKeyRevoked:      "key-revoked",
	EventSignPolicy:      "sign-policy",
	EventPoolOpened:      "pool-opened",
	EventPoolFill:        "pool-fill",
	EventPoolCleared:     "pool-cleared",
}

// String returns the kind's name (see ParseEventKind), or "EventKind(N)" for
// a value without one.
func (v EventKind) String() string { return enumtext.String(eventNames[:], "EventKind", v) }

// ParseEventKind returns the EventKind named s: one of "accepted",
// "rejected", "fill", "cancelled", "expired", "amended", "done",
// "registered", "status-changed", "subscribed", "unsubscribed",
// "subscription", "notified", "rating-changed", "tender-opened",
// "bid-accepted", "tender-extended", "awarded", "not-awarded",
// "tender-closed", "tender-failed", "tender-cancelled", "market-mode",
// "uncrossed", "key-registered", "key-confirmed", "key-retired",
// "key-revoked", "sign-policy". Errors: ErrUnknownName, for the empty
// string too. Cost:
// O(number of names), no allocation unless it fails.
func ParseEventKind(s string) (EventKind, error) {
	return enumtext.Parse[EventKind](eventNames[:], "EventKind", s)
}

// MarshalText returns the name of v; the zero value, which is invalid, is
// the empty text. Errors: ErrUnknownName for a value without a name.
func (v EventKind) MarshalText() ([]byte, error) {
	return enumtext.Marshal(eventNames[:], "EventKind", v)
}

// UnmarshalText sets *v to the EventKind named text, or to the zero value
// for the empty text, so that MarshalText output always reads back. Errors:
// ErrUnknownName.
func (v *EventKind) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[EventKind](eventNames[:], "EventKind", text)
	if err == nil {
		*v = x
	}
	return err
}

// reasonNames is the text name of each RejectReason, indexed by
// RejectReason.
var reasonNames = [reasonEnd]string{
	ReasonNone:                   "none",
	ReasonInvalidCommand:         "invalid-command",
	ReasonInvalidSide:            "invalid-side",
	ReasonInvalidType:            "invalid-type",
	ReasonInvalidTIF:             "invalid-tif",
	ReasonInvalidSTP:             "invalid-stp",
	ReasonInvalidQty:             "invalid-qty",
	ReasonInvalidPrice:           "invalid-price",
	ReasonPriceNotOnTick:         "price-not-on-tick",
	ReasonQtyNotOnLot:            "qty-not-on-lot",
	ReasonMinQtyExceedsQty:       "min-qty-exceeds-qty",
	ReasonOverflow:               "overflow",
	ReasonUnknownCategory:        "unknown-category",
	ReasonNotLeaf:                "not-leaf",
	ReasonUnknownBasis:           "unknown-basis",
	ReasonUnknownParticipant:     "unknown-participant",
	ReasonNotVerified:            "not-verified",
	ReasonSuspended:              "suspended",
	ReasonDuplicateClientOrderID: "duplicate-client-order-id",
	ReasonExpired:                "expired",
	ReasonUnknownOrder:           "unknown-order",
	ReasonNotOwner:               "not-owner",
	ReasonInvalidName:            "invalid-name",
	ReasonInvalidINN:             "invalid-inn",
	ReasonInvalidKPP:             "invalid-kpp",
	ReasonDuplicateParticipant:   "duplicate-participant",
	ReasonBadTransition:          "bad-transition",
	ReasonCapacity:               "capacity",
	ReasonUnknownSubscription:    "unknown-subscription",
	ReasonInvalidFilter:          "invalid-filter",
	ReasonInvalidRating:          "invalid-rating",
	ReasonUnknownTender:          "unknown-tender",
	ReasonInvalidTender:          "invalid-tender",
	ReasonBadWeights:             "bad-weights",
	ReasonCloseBeforeOpen:        "close-before-open",
	ReasonInvalidWinners:         "invalid-winners",
	ReasonTenderNotOpen:          "tender-not-open",
	ReasonTenderClosed:           "tender-closed",
	ReasonTenderNotDue:           "tender-not-due",
	ReasonAboveReserve:           "above-reserve",
	ReasonBidNotImproved:         "bid-not-improved",
	ReasonOwnTender:              "own-tender",
	ReasonNotEligible:            "not-eligible",
	ReasonInvalidLeadTime:        "invalid-lead-time",
	ReasonInvalidMode:            "invalid-mode",
	ReasonCrossed:                "crossed",
	ReasonNotTenderBuyer:         "not-tender-buyer",
	ReasonNotSubscriber:          "not-subscriber",
	ReasonBidQtyAboveTender:      "bid-qty-above-tender",
	ReasonTooLarge:               "too-large",
	ReasonUnreadField:            "unread-field",
	ReasonWrongMarket:            "wrong-market",
	ReasonSignatureMissing:       "signature-missing",
	ReasonSignatureInvalid:       "signature-invalid",
	ReasonSignatureExpired:       "signature-expired",
	ReasonKeyRevoked:             "key-revoked",
	ReasonNonceReplayed:          "nonce-replayed",
	ReasonUnknownKey:             "unknown-key",
	ReasonKeyNotConfirmed:        "key-not-confirmed",
	ReasonInvalidKey:             "invalid-key",
	ReasonInvalidPolicy:          "invalid-policy",
	ReasonAllOrNonePool:          "all-or-none-pool",
	ReasonUnknownGrade:           "unknown-grade",
	ReasonNoRoute:                "no-route",
	ReasonPoolConflict:           "pool-conflict",
	ReasonNotPool:                "not-pool",
}

// String returns the reason's short name (see ParseRejectReason; for
// example "unknown-order"), or "RejectReason(N)" for a value without one.
// Description returns the human text.
func (v RejectReason) String() string { return enumtext.String(reasonNames[:], "RejectReason", v) }

// ParseRejectReason returns the RejectReason named s: one of "none",
// "invalid-command", "invalid-side", "invalid-type", "invalid-tif",
// "invalid-stp", "invalid-qty", "invalid-price", "price-not-on-tick",
// "qty-not-on-lot", "min-qty-exceeds-qty", "overflow", "unknown-category",
// "not-leaf", "unknown-basis", "unknown-participant", "not-verified",
// "suspended", "duplicate-client-order-id", "expired", "unknown-order",
// "not-owner", "invalid-name", "invalid-inn", "invalid-kpp",
// "duplicate-participant", "bad-transition", "capacity",
// "unknown-subscription", "invalid-filter", "invalid-rating",
// "unknown-tender", "invalid-tender", "bad-weights", "close-before-open",
// "invalid-winners", "tender-not-open", "tender-closed", "tender-not-due",
// "above-reserve", "bid-not-improved", "own-tender", "not-eligible",
// "invalid-lead-time", "invalid-mode", "crossed", "not-tender-buyer",
// "not-subscriber", "bid-qty-above-tender", "too-large", "unread-field",
// "wrong-market". Errors: ErrUnknownName, for the empty string too. Cost:
// O(number of names), no allocation unless it fails.
func ParseRejectReason(s string) (RejectReason, error) {
	return enumtext.Parse[RejectReason](reasonNames[:], "RejectReason", s)
}

// MarshalText returns the name of v. Errors: ErrUnknownName for a value
// without a name.
func (v RejectReason) MarshalText() ([]byte, error) {
	return enumtext.Marshal(reasonNames[:], "RejectReason", v)
}

// UnmarshalText sets *v to the RejectReason named text. Errors:
// ErrUnknownName.
func (v *RejectReason) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[RejectReason](reasonNames[:], "RejectReason", text)
	if err == nil {
		*v = x
	}
	return err
}

// tenderModeNames is the text name of each TenderMode, indexed by
// TenderMode.
var tenderModeNames = [tenderModeEnd]string{
	TenderSealed:  "sealed",
	TenderAuction: "auction",
}

// String returns the mode's name (see ParseTenderMode), or "TenderMode(N)"
// for a value without one.
func (v TenderMode) String() string { return enumtext.String(tenderModeNames[:], "TenderMode", v) }

// ParseTenderMode returns the TenderMode named s: one of "sealed",
// "auction". Errors: ErrUnknownName, for the empty string too. Cost:
// O(number of names), no allocation unless it fails.
func ParseTenderMode(s string) (TenderMode, error) {
	return enumtext.Parse[TenderMode](tenderModeNames[:], "TenderMode", s)
}

// MarshalText returns the name of v; the zero value, which is invalid, is
// the empty text. Errors: ErrUnknownName for a value without a name.
func (v TenderMode) MarshalText() ([]byte, error) {
	return enumtext.Marshal(tenderModeNames[:], "TenderMode", v)
}

// UnmarshalText sets *v to the TenderMode named text, or to the zero value
// for the empty text, so that MarshalText output always reads back. Errors:
// ErrUnknownName.
func (v *TenderMode) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[TenderMode](tenderModeNames[:], "TenderMode", text)
	if err == nil {
		*v = x
	}
	return err
}

// evalNames is the text name of each Evaluation, indexed by Evaluation.
var evalNames = [evalEnd]string{
	EvalLowestPrice: "lowest-price",
	EvalWeighted:    "weighted",
}

// String returns the evaluation's name (see ParseEvaluation), or
// "Evaluation(N)" for a value without one.
func (v Evaluation) String() string { return enumtext.String(evalNames[:], "Evaluation", v) }

// ParseEvaluation returns the Evaluation named s: one of "lowest-price",
// "weighted". Errors: ErrUnknownName, for the empty string too. Cost:
// O(number of names), no allocation unless it fails.
func ParseEvaluation(s string) (Evaluation, error) {
	return enumtext.Parse[Evaluation](evalNames[:], "Evaluation", s)
}

// MarshalText returns the name of v; the zero value, which is invalid, is
// the empty text. Errors: ErrUnknownName for a value without a name.
func (v Evaluation) MarshalText() ([]byte, error) {
	return enumtext.Marshal(evalNames[:], "Evaluation", v)
}

// UnmarshalText sets *v to the Evaluation named text, or to the zero value
// for the empty text, so that MarshalText output always reads back. Errors:
// ErrUnknownName.
func (v *Evaluation) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[Evaluation](evalNames[:], "Evaluation", text)
	if err == nil {
		*v = x
	}
	return err
}

// MarshalText returns the decimal digits of id; encoding/json writes it
// as a JSON string. It never fails.
func (id TenderID) MarshalText() ([]byte, error) { return enumtext.AppendID(nil, id), nil }

// UnmarshalText reads the decimal digits of a TenderID: ASCII digits only,
// at most the type's maximum. Errors: ErrMalformedID.
func (id *TenderID) UnmarshalText(text []byte) error {
	v, err := enumtext.ParseID[TenderID](text, "TenderID", 64)
	if err == nil {
		*id = v
	}
	return err
}

// UnmarshalJSON reads a TenderID from a JSON string of its decimal digits
// (what MarshalText writes) or from a plain JSON integer (no sign,
// fraction or exponent), which is exact decimal text too; null leaves id
// unchanged. Errors: ErrMalformedID.
func (id *TenderID) UnmarshalJSON(data []byte) error {
	return enumtext.UnmarshalIDJSON(data, id, "TenderID", 64)
}

// MarshalText returns the decimal digits of id; encoding/json writes it
// as a JSON string. It never fails.
func (id SubscriptionID) MarshalText() ([]byte, error) { return enumtext.AppendID(nil, id), nil }

// UnmarshalText reads the decimal digits of a SubscriptionID: ASCII digits only,
// at most the type's maximum. Errors: ErrMalformedID.
func (id *SubscriptionID) UnmarshalText(text []byte) error {
	v, err := enumtext.ParseID[SubscriptionID](text, "SubscriptionID", 64)
	if err == nil {
		*id = v
	}
	return err
}

// UnmarshalJSON reads a SubscriptionID from a JSON string of its decimal digits
// (what MarshalText writes) or from a plain JSON integer (no sign,
// fraction or exponent), which is exact decimal text too; null leaves id
// unchanged. Errors: ErrMalformedID.
func (id *SubscriptionID) UnmarshalJSON(data []byte) error {
	return enumtext.UnmarshalIDJSON(data, id, "SubscriptionID", 64)
}

// signPolicyNames is the text name of each SignPolicy, indexed by
// SignPolicy.
var signPolicyNames = [signPolicyEnd]string{
	SignOptional: "optional",
	SignRequired: "required",
	SignInherit:  "inherit",
}

// String returns the policy's name (see ParseSignPolicy), or
// "SignPolicy(N)" for a value without one.
func (v SignPolicy) String() string { return enumtext.String(signPolicyNames[:], "SignPolicy", v) }

// ParseSignPolicy returns the SignPolicy named s: one of "optional",
// "required", "inherit". Errors: ErrUnknownName, for the empty string too.
func ParseSignPolicy(s string) (SignPolicy, error) {
	return enumtext.Parse[SignPolicy](signPolicyNames[:], "SignPolicy", s)
}

// MarshalText returns the name of v; the zero value is the empty text.
// Errors: ErrUnknownName for a value without a name.
func (v SignPolicy) MarshalText() ([]byte, error) {
	return enumtext.Marshal(signPolicyNames[:], "SignPolicy", v)
}

// UnmarshalText sets *v to the SignPolicy named text, or to the zero value
// for the empty text. Errors: ErrUnknownName.
func (v *SignPolicy) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[SignPolicy](signPolicyNames[:], "SignPolicy", text)
	if err == nil {
		*v = x
	}
	return err
}

// String returns the algorithm's name ("ed25519"), or "Algorithm(N)" for
// a value this package does not name. Algorithms are JSON numbers, since
// any value may name a plugged-in algorithm.
func (a Algorithm) String() string {
	if a == AlgEd25519 {
		return "ed25519"
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// MarshalText returns the decimal digits of id; encoding/json writes it
// as a JSON string. It never fails.
func (id KeyID) MarshalText() ([]byte, error) { return enumtext.AppendID(nil, id), nil }

// UnmarshalText reads the decimal digits of a KeyID: ASCII digits only, at
// most the type's maximum. Errors: ErrMalformedID.
func (id *KeyID) UnmarshalText(text []byte) error {
	v, err := enumtext.ParseID[KeyID](text, "KeyID", 64)
	if err == nil {
		*id = v
	}
	return err
}

// UnmarshalJSON reads a KeyID from a JSON string of its decimal digits or
// from a plain JSON integer; null leaves id unchanged. Errors:
// ErrMalformedID.
func (id *KeyID) UnmarshalJSON(data []byte) error {
	return enumtext.UnmarshalIDJSON(data, id, "KeyID", 64)
}
