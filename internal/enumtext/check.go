package enumtext

import (
	"errors"
	"fmt"
	"regexp"
)

// nameRE is the form of every name: lower-case words joined by hyphens.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// TextEnum is an enum with the text methods this package builds.
type TextEnum[E Enum] interface {
	~uint8
	String() string
	MarshalText() ([]byte, error)
}

// CheckEnum checks an enum's table and methods, for the tests of the
// packages that use this one: every value from first (0 or 1) to
// len(names)-1 has a distinct lower-case hyphenated name, that String and
// MarshalText write and that parse and UnmarshalText read back; the values
// below first and at len(names) have none, parse refuses them, an unknown
// name and the empty string with ErrUnknownName, and a zero value without
// a name writes and reads as the empty text. It returns the first failure.
func CheckEnum[E TextEnum[E], P interface {
	*E
	UnmarshalText([]byte) error
}](names []string, first int, parse func(string) (E, error)) error {
	seen := map[string]int{}
	for i := 0; i < len(names); i++ {
		v := E(i)
		n := names[i]
		if i < first {
			if n != "" {
				return fmt.Errorf("value %d below the first valid has name %q", i, n)
			}
			continue
		}
		if !nameRE.MatchString(n) {
			return fmt.Errorf("value %d: name %q is not lower-case words joined by hyphens", i, n)
		}
		if j, dup := seen[n]; dup {
			return fmt.Errorf("values %d and %d share the name %q", j, i, n)
		}
		seen[n] = i
		if v.String() != n {
			return fmt.Errorf("value %d: String %q, want %q", i, v.String(), n)
		}
		if b, err := v.MarshalText(); err != nil || string(b) != n {
			return fmt.Errorf("value %d: MarshalText %q, %v; want %q", i, b, err, n)
		}
		if got, err := parse(n); err != nil || got != v {
			return fmt.Errorf("parse %q: %d, %v; want %d", n, got, err, i)
		}
		var back E
		if err := P(&back).UnmarshalText([]byte(n)); err != nil || back != v {
			return fmt.Errorf("UnmarshalText %q: %d, %v; want %d", n, back, err, i)
		}
	}
	for _, bad := range []string{"", "no-such-name", "-", names[len(names)-1] + " "} {
		if _, err := parse(bad); !errors.Is(err, ErrUnknownName) {
			return fmt.Errorf("parse %q: error %v, want ErrUnknownName", bad, err)
		}
	}
	if _, err := E(len(names)).MarshalText(); !errors.Is(err, ErrUnknownName) {
		return fmt.Errorf("MarshalText of %d (no name): error %v, want ErrUnknownName", len(names), err)
	}
	if len(names) < 256 {
		var x E
		if err := P(&x).UnmarshalText([]byte("no-such-name")); !errors.Is(err, ErrUnknownName) {
			return fmt.Errorf("UnmarshalText of an unknown name: error %v, want ErrUnknownName", err)
		}
	}
	if first == 1 {
		if b, err := E(0).MarshalText(); err != nil || len(b) != 0 {
			return fmt.Errorf("MarshalText of the zero value: %q, %v; want the empty text", b, err)
		}
		x := E(1)
		if err := P(&x).UnmarshalText(nil); err != nil || x != 0 {
			return fmt.Errorf("UnmarshalText of the empty text: %d, %v; want 0", x, err)
		}
	}
	return nil
}
