package catalog

import (
	"errors"
	"strconv"
	"strings"

	"github.com/agora-exchange/agora/internal/enumtext"
)

// Sentinel errors. Functions wrap them with %w to add context; test for them
// with errors.Is, never by comparing strings.
var (
	// ErrBadCode reports a malformed category or basis code.
	ErrBadCode = errors.New("catalog: bad code")
	// ErrDuplicateCode reports a category code that is already in the taxonomy.
	ErrDuplicateCode = errors.New("catalog: duplicate code")
	// ErrMissingParent reports a category whose parent code is not loaded yet.
	ErrMissingParent = errors.New("catalog: missing parent category")
	// ErrUnknownCategory reports a category ID that is not in the taxonomy.
	ErrUnknownCategory = errors.New("catalog: unknown category")
	// ErrNotLeaf reports a group category used where a tradable leaf is needed.
	ErrNotLeaf = errors.New("catalog: category is not a leaf")
	// ErrBadTick reports a negative tick, or a leaf whose tick is not positive.
	ErrBadTick = errors.New("catalog: bad tick")
	// ErrBadLot reports a negative lot, or a leaf whose lot is not positive.
	ErrBadLot = errors.New("catalog: bad lot")
	// ErrBadUnit reports a leaf without a unit of measure, or a malformed unit.
	ErrBadUnit = errors.New("catalog: bad unit")
	// ErrBadName reports an empty (or blank) name.
	ErrBadName = errors.New("catalog: bad name")
	// ErrBadHeader reports a CSV file whose header row is not the expected one.
	ErrBadHeader = errors.New("catalog: bad header")
	// ErrBadRow reports a CSV row with the wrong number of fields.
	ErrBadRow = errors.New("catalog: bad row")
	// ErrUnknownBasis reports a basis ID or code that is not registered.
	ErrUnknownBasis = errors.New("catalog: unknown basis")
	// ErrDuplicateBasis reports a basis code that is already registered.
	ErrDuplicateBasis = errors.New("catalog: duplicate basis")
	// ErrInvalidINN reports a taxpayer number that fails the format or check digits.
	ErrInvalidINN = errors.New("catalog: invalid INN")
	// ErrINNRegion reports an INN whose region code (its first two digits)
	// is 00, which no taxpayer holds. It comes wrapped together with
	// ErrInvalidINN, so errors.Is matches either.
	ErrINNRegion = errors.New("catalog: INN region code 00 is not assigned")
	// ErrInvalidKPP reports a malformed tax registration reason code, or a KPP
	// given for an individual (12-digit) INN.
	ErrInvalidKPP = errors.New("catalog: invalid KPP")
	// ErrUnknownParticipant reports a participant ID that is not registered.
	ErrUnknownParticipant = errors.New("catalog: unknown participant")
	// ErrDuplicateParticipant reports an (INN, KPP) pair that is already registered.
	ErrDuplicateParticipant = errors.New("catalog: duplicate participant")
	// ErrBadTransition reports a moderation status change that is not allowed.
	ErrBadTransition = errors.New("catalog: bad status transition")
	// ErrBadRating reports a supplier rating above MaxRating.
	ErrBadRating = errors.New("catalog: bad rating")
	// ErrFull reports a container that has used up its 32-bit ID space.
	ErrFull = errors.New("catalog: out of IDs")
	// ErrIncomplete reports a Catalog without a taxonomy or without bases.
	ErrIncomplete = errors.New("catalog: incomplete catalog")
	// ErrUnknownName reports a name that is not one of an enum's (ParseStatus,
	// Status.UnmarshalText), or an enum value without a name (MarshalText).
	// It is the same value as orderbook.ErrUnknownName, wire.ErrUnknownName
	// and engine.ErrUnknownName, so one errors.Is check covers every enum.
	ErrUnknownName = enumtext.ErrUnknownName
	// ErrMalformedID reports an ID text or JSON value that is not a decimal
	// number of the ID's size. It is the same value as wire.ErrMalformedID.
	ErrMalformedID = enumtext.ErrMalformedID
)

// ParseError reports a bad row of a CSV input. Line is 1-based and counts
// physical lines of the input (the header is line 1). Err wraps one of the
// package sentinels (or an encoding/csv error for malformed CSV).
type ParseError struct {
	Line int
	Err  error
}

// Error returns "catalog: line N: <cause>".
func (e *ParseError) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = strings.TrimPrefix(e.Err.Error(), "catalog: ")
	}
	return "catalog: line " + strconv.Itoa(e.Line) + ": " + msg
}

// Unwrap returns the underlying error, so errors.Is and errors.As see through
// a ParseError.
func (e *ParseError) Unwrap() error { return e.Err }
