package catalog

import "errors"

// Sentinel errors of the grade and transport tables (see grades.go and
// transport.go). Like the others, they are wrapped with %w and tested with
// errors.Is.
var (
	// ErrUnknownGrade reports a grade ordinal or code that the category's
	// grade scale does not define, or a graded category without a scale.
	ErrUnknownGrade = errors.New("catalog: unknown grade")
	// ErrDuplicateGrade reports a grade code already in its scale.
	ErrDuplicateGrade = errors.New("catalog: duplicate grade")
	// ErrBadGrades reports a grade scale that breaks its rules: differentials
	// not strictly increasing, no par grade, too many grades, or a scale
	// nested inside another one.
	ErrBadGrades = errors.New("catalog: bad grade scale")
	// ErrOffTick reports a grade differential or transport cost that is not a
	// multiple of the tick of a category it applies to.
	ErrOffTick = errors.New("catalog: amount off tick")
	// ErrNegativeCost reports a negative transport cost.
	ErrNegativeCost = errors.New("catalog: negative cost")
	// ErrDuplicateRoute reports a (from, to) pair already in the transport table.
	ErrDuplicateRoute = errors.New("catalog: duplicate route")
	// ErrNoRoute reports a pair of bases between which goods cannot be delivered.
	ErrNoRoute = errors.New("catalog: no route")
)
