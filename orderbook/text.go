package orderbook

import "github.com/agora-exchange/agora/internal/enumtext"

// Text and JSON forms of the book's enums and IDs. Every enum has one
// table of lower-case names (words joined by hyphens), read by String,
// MarshalText, UnmarshalText and its Parse function; a test checks that
// every table is complete and its names distinct. An OrderID reads and
// writes as a decimal string (see OrderID).

// ErrUnknownName reports a name that is not one of an enum's, or an enum
// value without a name. It is the same value as catalog.ErrUnknownName,
// wire.ErrUnknownName and engine.ErrUnknownName.
var ErrUnknownName = enumtext.ErrUnknownName

// ErrMalformedID reports an ID text or JSON value that is not a decimal
// number of the ID's size. It is the same value as catalog.ErrMalformedID.
var ErrMalformedID = enumtext.ErrMalformedID

// sideNames is the text name of each Side, indexed by Side.
var sideNames = [sideEnd]string{
	Buy:  "buy",
	Sell: "sell",
}

// String returns the side's name (see ParseSide), or "Side(N)" for a value
// without one.
func (v Side) String() string { return enumtext.String(sideNames[:], "Side", v) }

// ParseSide returns the Side named s: one of "buy", "sell". Errors:
// ErrUnknownName, for the empty string too. Cost: O(number of names), no
// allocation unless it fails.
func ParseSide(s string) (Side, error) { return enumtext.Parse[Side](sideNames[:], "Side", s) }

// MarshalText returns the name of v; the zero value, which is invalid, is
// the empty text. Errors: ErrUnknownName for a value without a name.
func (v Side) MarshalText() ([]byte, error) { return enumtext.Marshal(sideNames[:], "Side", v) }

// UnmarshalText sets *v to the Side named text, or to the zero value for the
// empty text, so that MarshalText output always reads back. Errors:
// ErrUnknownName.
func (v *Side) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[Side](sideNames[:], "Side", text)
	if err == nil {
		*v = x
	}
	return err
}

// typeNames is the text name of each OrderType, indexed by OrderType.
var typeNames = [typeEnd]string{
	Limit:  "limit",
	Market: "market",
}

// String returns the order type's name (see ParseOrderType), or
// "OrderType(N)" for a value without one.
func (v OrderType) String() string { return enumtext.String(typeNames[:], "OrderType", v) }

// ParseOrderType returns the OrderType named s: one of "limit", "market".
// Errors: ErrUnknownName, for the empty string too. Cost: O(number of
// names), no allocation unless it fails.
func ParseOrderType(s string) (OrderType, error) {
	return enumtext.Parse[OrderType](typeNames[:], "OrderType", s)
}

// MarshalText returns the name of v; the zero value, which is invalid, is
// the empty text. Errors: ErrUnknownName for a value without a name.
func (v OrderType) MarshalText() ([]byte, error) {
	return enumtext.Marshal(typeNames[:], "OrderType", v)
}

// UnmarshalText sets *v to the OrderType named text, or to the zero value
// for the empty text, so that MarshalText output always reads back. Errors:
// ErrUnknownName.
func (v *OrderType) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[OrderType](typeNames[:], "OrderType", text)
	if err == nil {
		*v = x
	}
	return err
}

// tifNames is the text name of each TimeInForce, indexed by TimeInForce.
var tifNames = [tifEnd]string{
	GTC: "gtc",
	GTD: "gtd",
	IOC: "ioc",
	FOK: "fok",
}

// String returns the time in force's name (see ParseTimeInForce), or
// "TimeInForce(N)" for a value without one.
func (v TimeInForce) String() string { return enumtext.String(tifNames[:], "TimeInForce", v) }

// ParseTimeInForce returns the TimeInForce named s: one of "gtc", "gtd",
// "ioc", "fok". Errors: ErrUnknownName, for the empty string too. Cost:
// O(number of names), no allocation unless it fails.
func ParseTimeInForce(s string) (TimeInForce, error) {
	return enumtext.Parse[TimeInForce](tifNames[:], "TimeInForce", s)
}

// MarshalText returns the name of v; the zero value, which is invalid, is
// the empty text. Errors: ErrUnknownName for a value without a name.
func (v TimeInForce) MarshalText() ([]byte, error) {
	return enumtext.Marshal(tifNames[:], "TimeInForce", v)
}

// UnmarshalText sets *v to the TimeInForce named text, or to the zero value
// for the empty text, so that MarshalText output always reads back. Errors:
// ErrUnknownName.
func (v *TimeInForce) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[TimeInForce](tifNames[:], "TimeInForce", text)
	if err == nil {
		*v = x
	}
	return err
}

// stpNames is the text name of each STP, indexed by STP.
var stpNames = [stpEnd]string{
	STPDefault:        "default",
	STPCancelResting:  "cancel-resting",
	STPCancelIncoming: "cancel-incoming",
	STPCancelBoth:     "cancel-both",
}

// String returns the policy's name (see ParseSTP), or "STP(N)" for a value
// without one.
func (v STP) String() string { return enumtext.String(stpNames[:], "STP", v) }

// ParseSTP returns the STP named s: one of "default", "cancel-resting",
// "cancel-incoming", "cancel-both". Errors: ErrUnknownName, for the empty
// string too. Cost: O(number of names), no allocation unless it fails.
func ParseSTP(s string) (STP, error) { return enumtext.Parse[STP](stpNames[:], "STP", s) }

// MarshalText returns the name of v. Errors: ErrUnknownName for a value
// without a name.
func (v STP) MarshalText() ([]byte, error) { return enumtext.Marshal(stpNames[:], "STP", v) }

// UnmarshalText sets *v to the STP named text. Errors: ErrUnknownName.
func (v *STP) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[STP](stpNames[:], "STP", text)
	if err == nil {
		*v = x
	}
	return err
}

// eventNames is the text name of each EventKind, indexed by EventKind.
var eventNames = [eventEnd]string{
	EventFill:   "fill",
	EventCancel: "cancel",
	EventExpire: "expire",
}

// String returns the kind's name (see ParseEventKind), or "EventKind(N)" for
// a value without one.
func (v EventKind) String() string { return enumtext.String(eventNames[:], "EventKind", v) }

// ParseEventKind returns the EventKind named s: one of "fill", "cancel",
// "expire". Errors: ErrUnknownName, for the empty string too. Cost: O(number
// of names), no allocation unless it fails.
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

// cancelNames is the text name of each CancelReason, indexed by
// CancelReason.
var cancelNames = [cancelEnd]string{
	CancelRequested:   "requested",
	CancelIOC:         "ioc-remainder",
	CancelFOK:         "fok-unfilled",
	CancelSelfTrade:   "self-trade",
	CancelAmendDown:   "amend-down",
	CancelAuctionOnly: "call-mode",
	CancelSuspended:   "owner-suspended",
	CancelWouldCross:  "would-cross",
}

// String returns the reason's name (see ParseCancelReason), or
// "CancelReason(N)" for a value without one.
func (v CancelReason) String() string { return enumtext.String(cancelNames[:], "CancelReason", v) }

// ParseCancelReason returns the CancelReason named s: one of "requested",
// "ioc-remainder", "fok-unfilled", "self-trade", "amend-down", "call-mode",
// "owner-suspended", "would-cross". Errors: ErrUnknownName, for the empty
// string too. Cost: O(number of names), no allocation unless it fails.
func ParseCancelReason(s string) (CancelReason, error) {
	return enumtext.Parse[CancelReason](cancelNames[:], "CancelReason", s)
}

// MarshalText returns the name of v; the zero value, which is invalid, is
// the empty text. Errors: ErrUnknownName for a value without a name.
func (v CancelReason) MarshalText() ([]byte, error) {
	return enumtext.Marshal(cancelNames[:], "CancelReason", v)
}

// UnmarshalText sets *v to the CancelReason named text, or to the zero value
// for the empty text, so that MarshalText output always reads back. Errors:
// ErrUnknownName.
func (v *CancelReason) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[CancelReason](cancelNames[:], "CancelReason", text)
	if err == nil {
		*v = x
	}
	return err
}

// modeNames is the text name of each Mode, indexed by Mode.
var modeNames = [modeEnd]string{
	Continuous: "continuous",
	Call:       "call",
}

// String returns the mode's name (see ParseMode), or "Mode(N)" for a value
// without one.
func (v Mode) String() string { return enumtext.String(modeNames[:], "Mode", v) }

// ParseMode returns the Mode named s: one of "continuous", "call". Errors:
// ErrUnknownName, for the empty string too. Cost: O(number of names), no
// allocation unless it fails.
func ParseMode(s string) (Mode, error) { return enumtext.Parse[Mode](modeNames[:], "Mode", s) }

// MarshalText returns the name of v; the zero value, which is invalid, is
// the empty text. Errors: ErrUnknownName for a value without a name.
func (v Mode) MarshalText() ([]byte, error) { return enumtext.Marshal(modeNames[:], "Mode", v) }

// UnmarshalText sets *v to the Mode named text, or to the zero value for the
// empty text, so that MarshalText output always reads back. Errors:
// ErrUnknownName.
func (v *Mode) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[Mode](modeNames[:], "Mode", text)
	if err == nil {
		*v = x
	}
	return err
}

// MarshalText returns the decimal digits of id; encoding/json writes it
// as a JSON string. It never fails.
func (id OrderID) MarshalText() ([]byte, error) { return enumtext.AppendID(nil, id), nil }

// UnmarshalText reads the decimal digits of a OrderID: ASCII digits only,
// at most the type's maximum. Errors: ErrMalformedID.
func (id *OrderID) UnmarshalText(text []byte) error {
	v, err := enumtext.ParseID[OrderID](text, "OrderID", 64)
	if err == nil {
		*id = v
	}
	return err
}

// UnmarshalJSON reads a OrderID from a JSON string of its decimal digits
// (what MarshalText writes) or from a plain JSON integer (no sign,
// fraction or exponent), which is exact decimal text too; null leaves id
// unchanged. Errors: ErrMalformedID.
func (id *OrderID) UnmarshalJSON(data []byte) error {
	return enumtext.UnmarshalIDJSON(data, id, "OrderID", 64)
}
