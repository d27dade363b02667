package engine

import "github.com/agora-exchange/agora/internal/enumtext"

// ErrUnknownName reports a name that is not one of an enum's, or an enum
// value without a name. It is the same value as wire.ErrUnknownName,
// orderbook.ErrUnknownName and catalog.ErrUnknownName.
var ErrUnknownName = enumtext.ErrUnknownName

// tenderStateNames is the text name of each TenderState, indexed by
// TenderState.
var tenderStateNames = [tenderStateEnd]string{
	TenderOpen:      "open",
	TenderAwarded:   "awarded",
	TenderFailed:    "failed",
	TenderCancelled: "cancelled",
}

// String returns the state's name (see ParseTenderState), or
// "TenderState(N)" for a value without one.
func (v TenderState) String() string { return enumtext.String(tenderStateNames[:], "TenderState", v) }

// ParseTenderState returns the TenderState named s: one of "open",
// "awarded", "failed", "cancelled". Errors: ErrUnknownName, for the empty
// string too. Cost: O(number of names), no allocation unless it fails.
func ParseTenderState(s string) (TenderState, error) {
	return enumtext.Parse[TenderState](tenderStateNames[:], "TenderState", s)
}

// MarshalText returns the name of v; the zero value, which is invalid, is
// the empty text. Errors: ErrUnknownName for a value without a name.
func (v TenderState) MarshalText() ([]byte, error) {
	return enumtext.Marshal(tenderStateNames[:], "TenderState", v)
}

// UnmarshalText sets *v to the TenderState named text, or to the zero value
// for the empty text, so that MarshalText output always reads back. Errors:
// ErrUnknownName.
func (v *TenderState) UnmarshalText(text []byte) error {
	x, err := enumtext.Unmarshal[TenderState](tenderStateNames[:], "TenderState", text)
	if err == nil {
		*v = x
	}
	return err
}
