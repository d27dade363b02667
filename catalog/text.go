package catalog

import "github.com/agora-exchange/agora/internal/enumtext"

// Text and JSON forms. A Status reads and writes as its name (see
// String); the IDs read and write as decimal strings, so that JSON keeps
// them exact and apart from amounts. Prices and quantities stay JSON
// numbers: they are int64 minor units and lots, exact in Go, but a JSON
// reader whose numbers are float64 (JavaScript) loses precision above
// 2^53.

// ParseStatus returns the Status named s ("pending", "verified",
// "suspended"). Errors: ErrUnknownName, for the empty string too.
// Cost: O(1), no allocation unless it fails.
func ParseStatus(s string) (Status, error) {
	return enumtext.Parse[Status](statusNames[:], "Status", s)
}

// MarshalText returns the status's name; the zero value is the empty text.
// Errors: ErrUnknownName for a value without a name.
func (s Status) MarshalText() ([]byte, error) { return enumtext.Marshal(statusNames[:], "Status", s) }

// UnmarshalText sets s to the status named text; the empty text is the
// zero value, so that MarshalText output always reads back.
// Errors: ErrUnknownName.
func (s *Status) UnmarshalText(text []byte) error {
	v, err := enumtext.Unmarshal[Status](statusNames[:], "Status", text)
	if err == nil {
		*s = v
	}
	return err
}

// MarshalText returns the decimal digits of id; encoding/json writes it
// as a string. It never fails.
func (id CategoryID) MarshalText() ([]byte, error) { return enumtext.AppendID(nil, id), nil }

// UnmarshalText reads the decimal digits of a CategoryID.
// Errors: ErrMalformedID.
func (id *CategoryID) UnmarshalText(text []byte) error {
	v, err := enumtext.ParseID[CategoryID](text, "CategoryID", 32)
	if err == nil {
		*id = v
	}
	return err
}

// UnmarshalJSON reads a CategoryID from a JSON string of its decimal
// digits or from a plain JSON integer. Errors: ErrMalformedID.
func (id *CategoryID) UnmarshalJSON(data []byte) error {
	return enumtext.UnmarshalIDJSON(data, id, "CategoryID", 32)
}

// MarshalText returns the decimal digits of id; encoding/json writes it
// as a string. It never fails.
func (id BasisID) MarshalText() ([]byte, error) { return enumtext.AppendID(nil, id), nil }

// UnmarshalText reads the decimal digits of a BasisID. Errors: ErrMalformedID.
func (id *BasisID) UnmarshalText(text []byte) error {
	v, err := enumtext.ParseID[BasisID](text, "BasisID", 32)
	if err == nil {
		*id = v
	}
	return err
}

// UnmarshalJSON reads a BasisID from a JSON string of its decimal digits
// or from a plain JSON integer. Errors: ErrMalformedID.
func (id *BasisID) UnmarshalJSON(data []byte) error {
	return enumtext.UnmarshalIDJSON(data, id, "BasisID", 32)
}

// MarshalText returns the decimal digits of id; encoding/json writes it
// as a string. It never fails.
func (id ParticipantID) MarshalText() ([]byte, error) { return enumtext.AppendID(nil, id), nil }

// UnmarshalText reads the decimal digits of a ParticipantID.
// Errors: ErrMalformedID.
func (id *ParticipantID) UnmarshalText(text []byte) error {
	v, err := enumtext.ParseID[ParticipantID](text, "ParticipantID", 32)
	if err == nil {
		*id = v
	}
	return err
}

// UnmarshalJSON reads a ParticipantID from a JSON string of its decimal
// digits or from a plain JSON integer. Errors: ErrMalformedID.
func (id *ParticipantID) UnmarshalJSON(data []byte) error {
	return enumtext.UnmarshalIDJSON(data, id, "ParticipantID", 32)
}
