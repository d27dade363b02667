package catalog

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Grade is a quality grade: an ordinal within its category's grade scale,
// from 1 (the lowest) upwards. Zero means "ungraded" or "no minimum".
type Grade uint8

// MaxGrades is the largest number of grades one scale may hold.
const MaxGrades = 255

// GradeInfo is one grade of a scale.
type GradeInfo struct {
	Grade Grade  // ordinal, 1 = lowest
	Code  string // e.g. "M500"
	// Diff is the price differential of this grade from par, per lot, in
	// minor units: positive for a premium above par, negative for a
	// discount below it, zero for the par grade itself. It is a multiple of
	// the tick of every leaf the scale covers.
	Diff Price
}

type gradeScale struct {
	root   CategoryID
	grades []GradeInfo // grades[g-1]
	byCode map[string]Grade
}

// Grades holds the grade scales of a taxonomy. A scale is attached to one
// category (a leaf or a group) and applies to that category's whole subtree;
// scales never nest, so every category has at most one scale (ScaleOf).
// Within a scale, grades are ordered from the lowest to the highest quality,
// their differentials from par strictly increase, and exactly one grade, the
// par grade, has differential zero.
//
// Grades is not safe for concurrent mutation; after setup it is only read,
// and read-only use from many goroutines is safe. A nil *Grades reads as
// having no scales.
type Grades struct {
	tax    *Taxonomy
	scales map[CategoryID]*gradeScale
}

// NewGrades returns an empty set of scales over the taxonomy t, which must
// not change afterwards.
func NewGrades(t *Taxonomy) *Grades {
	return &Grades{tax: t, scales: make(map[CategoryID]*gradeScale)}
}

// Add appends a grade to the scale of category cat (creating the scale on
// its first grade) and returns its ordinal. Grades are added from the
// lowest to the highest; diff must be greater than the previous grade's
// differential and a multiple of the tick of every leaf under cat.
//
// Errors: ErrUnknownCategory, ErrBadCode (code not 1 to 16 printable bytes
// without spaces or commas), ErrDuplicateGrade, ErrBadGrades (not
// increasing, MaxGrades reached, or a scale already attached to an
// ancestor or a descendant of cat), ErrOffTick. On error the scales are
// unchanged. Cost: O(size of cat's subtree) for the tick check.
func (g *Grades) Add(cat CategoryID, code string, diff Price) (Grade, error) {
	c, ok := g.tax.ByID(cat)
	if !ok {
		return 0, fmt.Errorf("%w: id %d", ErrUnknownCategory, cat)
	}
	if code == "" || len(code) > 16 || !utf8.ValidString(code) || strings.ContainsAny(code, " \t\r\n,") {
		return 0, fmt.Errorf("%w: grade %q: want 1 to 16 bytes without spaces or commas", ErrBadCode, code)
	}
	s := g.scales[cat]
	if s == nil {
		for other := range g.scales {
			if g.tax.Covers(other, cat) || g.tax.Covers(cat, other) {
				oc, _ := g.tax.ByID(other)
				return 0, fmt.Errorf("%w: %q would nest with the scale of %q", ErrBadGrades, c.Code, oc.Code)
			}
		}
	} else {
		if _, dup := s.byCode[code]; dup {
			return 0, fmt.Errorf("%w: %q in %q", ErrDuplicateGrade, code, c.Code)
		}
		if len(s.grades) >= MaxGrades {
			return 0, fmt.Errorf("%w: %q has %d grades already", ErrBadGrades, c.Code, MaxGrades)
		}
		if last := s.grades[len(s.grades)-1]; diff <= last.Diff {
			return 0, fmt.Errorf("%w: %q: differential %d of %q is not above %d of %q", ErrBadGrades, c.Code, diff, code, last.Diff, last.Code)
		}
	}
	for id := range g.tax.Descendants(cat) {
		leaf, _ := g.tax.ByID(id)
		if !g.tax.IsLeaf(id) || leaf.Tick <= 0 {
			continue
		}
		if diff%leaf.Tick != 0 {
			return 0, fmt.Errorf("%w: differential %d of %q is not a multiple of tick %d of %q", ErrOffTick, diff, code, leaf.Tick, leaf.Code)
		}
	}
	if s == nil {
		if g.scales == nil {
			g.scales = make(map[CategoryID]*gradeScale)
		}
		s = &gradeScale{root: cat, byCode: make(map[string]Grade)}
		g.scales[cat] = s
	}
	gr := Grade(len(s.grades) + 1)
	s.grades = append(s.grades, GradeInfo{Grade: gr, Code: code, Diff: diff})
	s.byCode[code] = gr
	return gr, nil
}

// ScaleOf returns the category whose scale applies to cat: cat itself or
// its nearest ancestor with a scale. Cost: O(depth).
func (g *Grades) ScaleOf(cat CategoryID) (CategoryID, bool) {
	s := g.scale(cat)
	if s == nil {
		return 0, false
	}
	return s.root, true
}

func (g *Grades) scale(cat CategoryID) *gradeScale {
	if g == nil || len(g.scales) == 0 {
		return nil
	}
	if s := g.scales[cat]; s != nil {
		return s
	}
	for a := range g.tax.Ancestors(cat) {
		if s := g.scales[a]; s != nil {
			return s
		}
	}
	return nil
}

// Grade returns grade gr of the scale that applies to cat.
// Errors: ErrUnknownGrade (no scale, or gr not in it). Cost: O(depth).
func (g *Grades) Grade(cat CategoryID, gr Grade) (GradeInfo, error) {
	s := g.scale(cat)
	if s == nil {
		return GradeInfo{}, fmt.Errorf("%w: category %d has no grade scale", ErrUnknownGrade, cat)
	}
	if gr == 0 || int(gr) > len(s.grades) {
		return GradeInfo{}, fmt.Errorf("%w: grade %d of category %d (scale has %d)", ErrUnknownGrade, gr, cat, len(s.grades))
	}
	return s.grades[gr-1], nil
}

// ByCode returns the grade with the given code in the scale that applies to
// cat. Errors: ErrUnknownGrade. Cost: O(depth) plus one map lookup.
func (g *Grades) ByCode(cat CategoryID, code string) (GradeInfo, error) {
	s := g.scale(cat)
	if s == nil {
		return GradeInfo{}, fmt.Errorf("%w: category %d has no grade scale", ErrUnknownGrade, cat)
	}
	gr, ok := s.byCode[code]
	if !ok {
		return GradeInfo{}, fmt.Errorf("%w: %q", ErrUnknownGrade, code)
	}
	return s.grades[gr-1], nil
}

// Par returns the par grade of the scale that applies to cat (the grade whose
// differential is zero). Errors: ErrUnknownGrade (no scale), ErrBadGrades
// (the scale has no par grade yet). Cost: O(depth + grades).
func (g *Grades) Par(cat CategoryID) (GradeInfo, error) {
	s := g.scale(cat)
	if s == nil {
		return GradeInfo{}, fmt.Errorf("%w: category %d has no grade scale", ErrUnknownGrade, cat)
	}
	for _, x := range s.grades {
		if x.Diff == 0 {
			return x, nil
		}
	}
	return GradeInfo{}, fmt.Errorf("%w: category %d has no par grade", ErrBadGrades, cat)
}

// Len returns the number of grades in the scale that applies to cat, 0 when
// none applies. Cost: O(depth).
func (g *Grades) Len(cat CategoryID) int {
	if s := g.scale(cat); s != nil {
		return len(s.grades)
	}
	return 0
}

// Validate checks that every scale has a par grade. Add keeps the other
// rules. Errors: ErrBadGrades naming the category. Cost: O(grades).
func (g *Grades) Validate() error {
	if g == nil {
		return nil
	}
	for root := range g.scales {
		if _, err := g.Par(root); err != nil {
			c, _ := g.tax.ByID(root)
			return fmt.Errorf("%w: %q has no grade with differential 0", ErrBadGrades, c.Code)
		}
	}
	return nil
}

const gradesHeader = "category,grade,diff"

// LoadGradesCSV reads grade scales over the taxonomy t from CSV with the
// header "category,grade,diff" (exactly, on line 1). Each row adds one grade
// (see Add): category is a category code of t, grade the grade's code and
// diff its differential from par in minor units per lot, a base-10 integer.
// A category's rows go from the lowest grade to the highest. Blank lines are
// ignored. After the last row every scale must have a par grade.
//
// A bad row returns a *ParseError naming its line (for a scale without par,
// the line of its first row) and wrapping ErrBadHeader, ErrBadRow,
// ErrUnknownCategory, ErrBadTick (diff not an integer) or a sentinel from
// Add. Cost: O(input × subtree size).
func LoadGradesCSV(r io.Reader, t *Taxonomy) (*Grades, error) {
	cr := newCSVReader(r)
	if err := readHeader(cr, gradesHeader); err != nil {
		return nil, err
	}
	g := NewGrades(t)
	first := map[CategoryID]int{}
	var order []CategoryID
	for {
		rec, line, err := readRecord(cr, 3)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		c, ok := t.ByCode(rec[0])
		if !ok {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: %q", ErrUnknownCategory, rec[0])}
		}
		if rec[2] == "" {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: empty diff", ErrBadRow)}
		}
		diff, err := parseInt(rec[2], "diff", ErrBadTick)
		if err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		if _, err := g.Add(c.ID, rec[1], Price(diff)); err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		if _, seen := first[c.ID]; !seen {
			first[c.ID] = line
			order = append(order, c.ID)
		}
	}
	for _, id := range order {
		if _, err := g.Par(id); err != nil {
			c, _ := t.ByID(id)
			return nil, &ParseError{Line: first[id], Err: fmt.Errorf("%w: %q has no grade with diff 0", ErrBadGrades, c.Code)}
		}
	}
	return g, nil
}
