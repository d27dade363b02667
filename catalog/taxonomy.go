package catalog

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxCodeLen is the longest category code, in bytes, that Add accepts.
const MaxCodeLen = 64

// Category is one node of the taxonomy. A leaf category is tradable: it has a
// unit of measure, a positive tick (price step, in minor currency units) and a
// positive lot (quantity step, in Unit). Group categories (those with
// children) may leave Unit empty and Tick and Lot zero.
type Category struct {
	ID     CategoryID `json:"id"`
	Code   string     `json:"code"` // dotted code, e.g. "23.51.12"
	Name   string     `json:"name"`
	Unit   string     `json:"unit"`   // unit of measure, e.g. "t", "m3", "l", "t·km"
	Tick   Price      `json:"tick"`   // price step in minor units; > 0 on a leaf
	Lot    Qty        `json:"lot"`    // quantity step in Unit; > 0 on a leaf
	Parent CategoryID `json:"parent"` // 0 for roots
	Depth  int        `json:"depth"`  // 1 for roots: the number of groups in Code
}

type catNode struct {
	cat      Category
	children []CategoryID // in ID order
}

// Taxonomy is a tree of categories keyed by dotted OKPD2-style codes.
//
// IDs are assigned sequentially from 1 in the order categories are added, so
// ByID is a slice index. Parents must be added before their children.
//
// A Taxonomy is not safe for concurrent mutation. It is built once (Add or
// LoadTaxonomyCSV) and then treated as immutable: callers must not Add after
// handing it to an exchange, because adding a child turns a tradable leaf into
// a group. Read-only use from many goroutines after setup is safe. The zero
// value is an empty taxonomy ready to use; a nil *Taxonomy reads as empty.
type Taxonomy struct {
	nodes  []catNode // nodes[id-1]
	byCode map[string]CategoryID
}

// NewTaxonomy returns an empty taxonomy.
func NewTaxonomy() *Taxonomy {
	return &Taxonomy{byCode: make(map[string]CategoryID)}
}

// Add appends a category and returns its ID (sequential from 1).
//
// code is one or more groups of ASCII digits separated by single dots
// ("23", "23.51", "23.51.12", "23.51.12.110"), at most MaxCodeLen bytes.
// The parent is the code without its last group and must already exist.
// name must not be blank. unit must not have surrounding whitespace. tick and
// lot must not be negative; Add does not require a unit, tick or lot because
// the row may be a group: leaves are checked by Validate and Tradable.
//
// Errors: ErrBadCode, ErrDuplicateCode, ErrMissingParent, ErrBadName,
// ErrBadUnit, ErrBadTick, ErrBadLot, ErrFull. On error the taxonomy is unchanged.
// Cost: O(len(code)) amortized, plus one map insert.
func (t *Taxonomy) Add(code, name, unit string, tick Price, lot Qty) (CategoryID, error) {
	depth, err := checkCode(code)
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(name) == "" || !utf8.ValidString(name) {
		return 0, fmt.Errorf("%w: category %q: name is empty or not UTF-8", ErrBadName, code)
	}
	if strings.TrimSpace(unit) != unit || !utf8.ValidString(unit) {
		return 0, fmt.Errorf("%w: category %q: unit %q has surrounding space or is not UTF-8", ErrBadUnit, code, unit)
	}
	if tick < 0 {
		return 0, fmt.Errorf("%w: category %q: tick %d is negative", ErrBadTick, code, tick)
	}
	if lot < 0 {
		return 0, fmt.Errorf("%w: category %q: lot %d is negative", ErrBadLot, code, lot)
	}
	if _, dup := t.byCode[code]; dup {
		return 0, fmt.Errorf("%w: %q", ErrDuplicateCode, code)
	}
	var parent CategoryID
	if i := strings.LastIndexByte(code, '.'); i >= 0 {
		p, ok := t.byCode[code[:i]]
		if !ok {
			return 0, fmt.Errorf("%w: %q needs %q", ErrMissingParent, code, code[:i])
		}
		parent = p
	}
	if uint64(len(t.nodes)) >= 1<<32-1 {
		return 0, fmt.Errorf("%w: taxonomy", ErrFull)
	}
	if t.byCode == nil {
		t.byCode = make(map[string]CategoryID)
	}
	id := CategoryID(len(t.nodes) + 1)
	t.nodes = append(t.nodes, catNode{cat: Category{
		ID: id, Code: code, Name: name, Unit: unit, Tick: tick, Lot: lot,
		Parent: parent, Depth: depth,
	}})
	t.byCode[code] = id
	if parent != 0 {
		pn := &t.nodes[parent-1]
		pn.children = append(pn.children, id)
	}
	return id, nil
}

// checkCode validates a dotted code and returns its number of groups.
func checkCode(code string) (int, error) {
	if code == "" || len(code) > MaxCodeLen {
		return 0, fmt.Errorf("%w: %q: want 1 to %d bytes", ErrBadCode, code, MaxCodeLen)
	}
	groups, run := 1, 0
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case c >= '0' && c <= '9':
			run++
		case c == '.':
			if run == 0 {
				return 0, fmt.Errorf("%w: %q: empty group", ErrBadCode, code)
			}
			groups, run = groups+1, 0
		default:
			return 0, fmt.Errorf("%w: %q: want digits separated by dots", ErrBadCode, code)
		}
	}
	if run == 0 {
		return 0, fmt.Errorf("%w: %q: empty group", ErrBadCode, code)
	}
	return groups, nil
}

func (t *Taxonomy) node(id CategoryID) *catNode {
	if t == nil || id == 0 || uint64(id) > uint64(len(t.nodes)) {
		return nil
	}
	return &t.nodes[id-1]
}

// ByID returns the category with the given ID. Cost: O(1) slice index, no
// allocation.
func (t *Taxonomy) ByID(id CategoryID) (Category, bool) {
	n := t.node(id)
	if n == nil {
		return Category{}, false
	}
	return n.cat, true
}

// ByCode returns the category with the given code. Cost: one map lookup.
func (t *Taxonomy) ByCode(code string) (Category, bool) {
	if t == nil {
		return Category{}, false
	}
	id, ok := t.byCode[code]
	if !ok {
		return Category{}, false
	}
	return t.nodes[id-1].cat, true
}

// IsLeaf reports whether id exists and has no children. Cost: O(1), no
// allocation.
func (t *Taxonomy) IsLeaf(id CategoryID) bool {
	n := t.node(id)
	return n != nil && len(n.children) == 0
}

// Len returns the number of categories. Cost: O(1).
func (t *Taxonomy) Len() int {
	if t == nil {
		return 0
	}
	return len(t.nodes)
}

// All yields every category in ID order (which is load order, parents before
// children). Cost: O(n) for a full walk.
func (t *Taxonomy) All() iter.Seq[Category] {
	return func(yield func(Category) bool) {
		if t == nil {
			return
		}
		for i := range t.nodes {
			if !yield(t.nodes[i].cat) {
				return
			}
		}
	}
}

// Children yields the direct children of id in ID order; nothing for a leaf
// or an unknown ID. Cost: O(children).
func (t *Taxonomy) Children(id CategoryID) iter.Seq[CategoryID] {
	return func(yield func(CategoryID) bool) {
		n := t.node(id)
		if n == nil {
			return
		}
		for _, c := range n.children {
			if !yield(c) {
				return
			}
		}
	}
}

// Ancestors yields the parent of id, then its parent, up to the root. It
// excludes id itself and yields nothing for a root or an unknown ID.
// Cost: O(depth).
func (t *Taxonomy) Ancestors(id CategoryID) iter.Seq[CategoryID] {
	return func(yield func(CategoryID) bool) {
		n := t.node(id)
		if n == nil {
			return
		}
		for p := n.cat.Parent; p != 0; p = t.nodes[p-1].cat.Parent {
			if !yield(p) {
				return
			}
		}
	}
}

// Descendants yields every category below id, depth-first in pre-order
// (a child, then its subtree, then the next child, children in ID order). It
// excludes id itself. Cost: O(size of the subtree); recursion depth is the
// subtree height, which MaxCodeLen bounds.
func (t *Taxonomy) Descendants(id CategoryID) iter.Seq[CategoryID] {
	return func(yield func(CategoryID) bool) {
		if t.node(id) == nil {
			return
		}
		t.walk(id, yield)
	}
}

func (t *Taxonomy) walk(id CategoryID, yield func(CategoryID) bool) bool {
	for _, c := range t.nodes[id-1].children {
		if !yield(c) || !t.walk(c, yield) {
			return false
		}
	}
	return true
}

// Covers reports whether ancestor is id or one of id's ancestors, that is
// whether a subscription to ancestor includes id. Both IDs must exist.
// Cost: O(depth of id), no allocation.
func (t *Taxonomy) Covers(ancestor, id CategoryID) bool {
	n, a := t.node(id), t.node(ancestor)
	if n == nil || a == nil || a.cat.Depth > n.cat.Depth {
		return false
	}
	for cur := id; cur != 0; cur = t.nodes[cur-1].cat.Parent {
		if cur == ancestor {
			return true
		}
	}
	return false
}

// Tradable returns the category if orders may be placed in it: it must exist,
// be a leaf, and have a unit, a positive tick and a positive lot.
//
// Errors: ErrUnknownCategory, ErrNotLeaf, ErrBadUnit, ErrBadTick, ErrBadLot.
// Cost: O(1); no allocation unless it returns an error.
func (t *Taxonomy) Tradable(id CategoryID) (Category, error) {
	n := t.node(id)
	if n == nil {
		return Category{}, fmt.Errorf("%w: id %d", ErrUnknownCategory, id)
	}
	if len(n.children) != 0 {
		return Category{}, fmt.Errorf("%w: %q", ErrNotLeaf, n.cat.Code)
	}
	if err := checkLeaf(&n.cat); err != nil {
		return Category{}, err
	}
	return n.cat, nil
}

func checkLeaf(c *Category) error {
	switch {
	case c.Unit == "":
		return fmt.Errorf("%w: leaf %q has no unit", ErrBadUnit, c.Code)
	case c.Tick <= 0:
		return fmt.Errorf("%w: leaf %q has tick %d, want > 0", ErrBadTick, c.Code, c.Tick)
	case c.Lot <= 0:
		return fmt.Errorf("%w: leaf %q has lot %d, want > 0", ErrBadLot, c.Code, c.Lot)
	}
	return nil
}

// Validate checks every leaf in ID order and returns the first problem, naming
// its code: ErrBadUnit (no unit), ErrBadTick or ErrBadLot (not positive).
// An empty taxonomy is valid. Cost: O(n).
func (t *Taxonomy) Validate() error {
	_, err := t.validate()
	return err
}

// validate returns the ID of the first bad leaf with the error.
func (t *Taxonomy) validate() (CategoryID, error) {
	if t == nil {
		return 0, nil
	}
	for i := range t.nodes {
		n := &t.nodes[i]
		if len(n.children) != 0 {
			continue
		}
		if err := checkLeaf(&n.cat); err != nil {
			return n.cat.ID, err
		}
	}
	return 0, nil
}

const taxonomyHeader = "code,name,unit,tick,lot"

// LoadTaxonomyCSV reads a taxonomy from CSV with the header
// "code,name,unit,tick,lot" (exactly, on line 1). Each following row is passed
// to Add, so parents must come before their children. tick and lot are
// base-10 integers and may be empty (zero) on group rows. Blank lines are
// ignored. After the last row the taxonomy is validated.
//
// A bad row, a bad header or a failed Validate returns a *ParseError naming the
// line, wrapping ErrBadHeader, ErrBadRow, a sentinel from Add or Validate, or the
// *csv.ParseError for malformed CSV. Reading errors from r are returned
// wrapped. Cost: O(input).
func LoadTaxonomyCSV(r io.Reader) (*Taxonomy, error) {
	cr := newCSVReader(r)
	if err := readHeader(cr, taxonomyHeader); err != nil {
		return nil, err
	}
	t := NewTaxonomy()
	var lines []int // lines[id-1] is the line of category id
	for {
		rec, line, err := readRecord(cr, 5)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		tick, err := parseInt(rec[3], "tick", ErrBadTick)
		if err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		lot, err := parseInt(rec[4], "lot", ErrBadLot)
		if err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		if _, err := t.Add(rec[0], rec[1], rec[2], Price(tick), Qty(lot)); err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		lines = append(lines, line)
	}
	if id, err := t.validate(); err != nil {
		return nil, &ParseError{Line: lines[id-1], Err: err}
	}
	return t, nil
}

func parseInt(s, field string, sentinel error) (int64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s %q is not a base-10 int64", sentinel, field, s)
	}
	return v, nil
}

// newCSVReader returns a reader that leaves field counts to readRecord, so a
// short row is reported with its own line.
// A leading UTF-8 byte order mark, as spreadsheet programs write, is skipped.
func newCSVReader(r io.Reader) *csv.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

// readHeader checks that line 1 is exactly want, a comma-separated list of
// plain field names.
func readHeader(cr *csv.Reader, want string) error {
	rec, err := cr.Read()
	if err == io.EOF {
		return &ParseError{Line: 1, Err: fmt.Errorf("%w: empty input, want %q", ErrBadHeader, want)}
	}
	if err != nil {
		return csvError(err)
	}
	line, _ := cr.FieldPos(0)
	if line != 1 {
		return &ParseError{Line: 1, Err: fmt.Errorf("%w: line 1 is blank, want %q", ErrBadHeader, want)}
	}
	if !slices.Equal(rec, strings.Split(want, ",")) {
		return &ParseError{Line: 1, Err: fmt.Errorf("%w: got %q, want %q", ErrBadHeader, strings.Join(rec, ","), want)}
	}
	return nil
}

// readRecord returns the next record with the line it starts on, io.EOF at
// the end, or a *ParseError.
func readRecord(cr *csv.Reader, fields int) ([]string, int, error) {
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if err != nil {
		return nil, 0, csvError(err)
	}
	line, _ := cr.FieldPos(0)
	if len(rec) != fields {
		return nil, 0, &ParseError{Line: line, Err: fmt.Errorf("%w: got %d fields, want %d", ErrBadRow, len(rec), fields)}
	}
	return rec, line, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Err: err}
	}
	return fmt.Errorf("catalog: reading CSV: %w", err)
}
