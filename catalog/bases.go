package catalog

import (
	"fmt"
	"io"
	"iter"
	"strings"
	"unicode/utf8"
)

// MaxBasisCodeLen is the longest basis code, in bytes, that Bases.Add accepts.
const MaxBasisCodeLen = 16

// Basis is a delivery basis: the region or delivery point at which goods
// change hands. A market is a (leaf category, basis) pair.
type Basis struct {
	ID   BasisID `json:"id"`
	Code string  `json:"code"` // short code, e.g. "MSK"
	Name string  `json:"name"` // display name, e.g. "Moscow"
}

// Bases is a registry of delivery bases. IDs are assigned sequentially from 1.
//
// Bases is not safe for concurrent mutation; read-only use from many
// goroutines after setup is safe. The zero value is an empty registry ready to
// use; a nil *Bases reads as empty.
type Bases struct {
	list   []Basis // list[id-1]
	byCode map[string]BasisID
}

// NewBases returns an empty registry.
func NewBases() *Bases {
	return &Bases{byCode: make(map[string]BasisID)}
}

// Add registers a basis and returns its ID (sequential from 1). code is 1 to
// MaxBasisCodeLen ASCII letters, digits, '-' or '_'; codes are case-sensitive.
// name must not be blank.
//
// Errors: ErrBadCode, ErrBadName, ErrDuplicateBasis, ErrFull. On error the
// registry is unchanged. Cost: one map lookup and insert, amortized O(1).
func (b *Bases) Add(code, name string) (BasisID, error) {
	if !validBasisCode(code) {
		return 0, fmt.Errorf("%w: basis %q: want 1 to %d of A-Z a-z 0-9 - _", ErrBadCode, code, MaxBasisCodeLen)
	}
	if strings.TrimSpace(name) == "" || !utf8.ValidString(name) {
		return 0, fmt.Errorf("%w: basis %q: name is empty or not UTF-8", ErrBadName, code)
	}
	if _, dup := b.byCode[code]; dup {
		return 0, fmt.Errorf("%w: %q", ErrDuplicateBasis, code)
	}
	if uint64(len(b.list)) >= 1<<32-1 {
		return 0, fmt.Errorf("%w: bases", ErrFull)
	}
	if b.byCode == nil {
		b.byCode = make(map[string]BasisID)
	}
	id := BasisID(len(b.list) + 1)
	b.list = append(b.list, Basis{ID: id, Code: code, Name: name})
	b.byCode[code] = id
	return id, nil
}

func validBasisCode(code string) bool {
	if code == "" || len(code) > MaxBasisCodeLen {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ByID returns the basis with the given ID. Cost: O(1), no allocation.
func (b *Bases) ByID(id BasisID) (Basis, bool) {
	if b == nil || id == 0 || uint64(id) > uint64(len(b.list)) {
		return Basis{}, false
	}
	return b.list[id-1], true
}

// ByCode returns the basis with the given code. Cost: one map lookup.
func (b *Bases) ByCode(code string) (Basis, bool) {
	if b == nil {
		return Basis{}, false
	}
	id, ok := b.byCode[code]
	if !ok {
		return Basis{}, false
	}
	return b.list[id-1], true
}

// Len returns the number of bases. Cost: O(1).
func (b *Bases) Len() int {
	if b == nil {
		return 0
	}
	return len(b.list)
}

// All yields every basis in ID order. Cost: O(n) for a full walk.
func (b *Bases) All() iter.Seq[Basis] {
	return func(yield func(Basis) bool) {
		if b == nil {
			return
		}
		for _, x := range b.list {
			if !yield(x) {
				return
			}
		}
	}
}

const basesHeader = "code,name"

// LoadBasesCSV reads delivery bases from CSV with the header "code,name"
// (exactly, on line 1). Blank lines are ignored. A bad row or header returns
// a *ParseError naming the line and wrapping ErrBadHeader, ErrBadRow, a
// sentinel from Add, or the *csv.ParseError for malformed CSV.
// Cost: O(input).
func LoadBasesCSV(r io.Reader) (*Bases, error) {
	cr := newCSVReader(r)
	if err := readHeader(cr, basesHeader); err != nil {
		return nil, err
	}
	b := NewBases()
	for {
		rec, line, err := readRecord(cr, 2)
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if _, err := b.Add(rec[0], rec[1]); err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
	}
}
