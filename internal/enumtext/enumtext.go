// Package enumtext holds the text forms of Agora's enums and IDs: one
// table of names per enum, indexed by its value, and the decimal-string
// form of the ID types. The exported packages (catalog, orderbook, wire,
// engine) give their enums and IDs MarshalText, UnmarshalText and Parse
// functions built on it, so every enum reads and writes names the same way
// and every failure matches the same sentinel errors.
package enumtext

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrUnknownName is the error of parsing a name that is not one of an
// enum's, and of writing a value that has no name. Every exported package
// re-exports this value, so one errors.Is check covers every enum.
var ErrUnknownName = errors.New("agora: unknown name")

// ErrMalformedID is the error of reading an ID that is not a decimal
// number of its type's size.
var ErrMalformedID = errors.New("agora: malformed ID")

// Enum is the underlying type of Agora's enums.
type Enum interface{ ~uint8 }

// String returns names[v], or typ(v) for a value without a name.
// Cost: O(1); it allocates only for a value without a name.
func String[E Enum](names []string, typ string, v E) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}

// Parse returns the value whose name is s. The empty string is no name.
// Errors: ErrUnknownName. Cost: O(len(names)), no allocation unless it
// fails.
func Parse[E Enum](names []string, typ string, s string) (E, error) {
	if s != "" {
		for i, n := range names {
			if n == s {
				return E(i), nil
			}
		}
	}
	return 0, fmt.Errorf("%w: %q is not a %s", ErrUnknownName, s, typ)
}

// Marshal returns the name of v; a zero value without a name is the empty
// text. Errors: ErrUnknownName for any other value without a name.
func Marshal[E Enum](names []string, typ string, v E) ([]byte, error) {
	if int(v) < len(names) && names[v] != "" {
		return []byte(names[v]), nil
	}
	if v == 0 {
		return []byte{}, nil
	}
	return nil, fmt.Errorf("%w: %s(%d) has no name", ErrUnknownName, typ, uint8(v))
}

// Unmarshal is the inverse of Marshal: Parse, plus the empty text for a
// zero value that has no name. Errors: ErrUnknownName.
func Unmarshal[E Enum](names []string, typ string, text []byte) (E, error) {
	if len(text) == 0 && (len(names) == 0 || names[0] == "") {
		return 0, nil
	}
	return Parse[E](names, typ, string(text))
}

// ID is the underlying type of Agora's IDs.
type ID interface{ ~uint32 | ~uint64 }

// AppendID appends the decimal digits of id to dst.
func AppendID[T ID](dst []byte, id T) []byte { return strconv.AppendUint(dst, uint64(id), 10) }

// ParseID reads a decimal ID of bits bits (32 or 64): ASCII digits only,
// no sign, no leading "+", at most the type's maximum.
// Errors: ErrMalformedID. Cost: O(len(text)), no allocation unless it fails.
func ParseID[T ID](text []byte, typ string, bits int) (T, error) {
	if len(text) == 0 || len(text) > 20 {
		return 0, fmt.Errorf("%w: %q is not a %s", ErrMalformedID, text, typ)
	}
	var n uint64
	for _, c := range text {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q is not a %s", ErrMalformedID, text, typ)
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, fmt.Errorf("%w: %s %q overflows", ErrMalformedID, typ, text)
		}
		n = n*10 + d
	}
	if bits < 64 && n >= 1<<bits {
		return 0, fmt.Errorf("%w: %s %q overflows", ErrMalformedID, typ, text)
	}
	return T(n), nil
}

// UnmarshalIDJSON reads an ID from JSON: a string of its decimal digits
// (what MarshalText writes) or, since a JSON integer literal is exact
// decimal text too, a plain integer without sign, fraction or exponent.
// null leaves *id unchanged, as encoding/json does for other types.
// Errors: ErrMalformedID.
func UnmarshalIDJSON[T ID](data []byte, id *T, typ string, bits int) error {
	if string(data) == "null" {
		return nil
	}
	if len(data) >= 2 && data[0] == '"' && data[len(data)-1] == '"' {
		data = data[1 : len(data)-1]
	}
	v, err := ParseID[T](data, typ, bits)
	if err != nil {
		return err
	}
	*id = v
	return nil
}
