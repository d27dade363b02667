package catalog_test

import (
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

// smallTaxonomy returns 23 > 23.51 > {23.51.12, 23.51.13} and 24 (a leaf root).
func smallTaxonomy(t *testing.T) *catalog.Taxonomy {
	t.Helper()
	tx := catalog.NewTaxonomy()
	for _, r := range []struct {
		code, name, unit string
		tick             catalog.Price
		lot              catalog.Qty
	}{
		{"23", "Non-metallic mineral products", "", 0, 0},
		{"23.51", "Cement", "", 0, 0},
		{"23.51.12", "Portland cement M500", "t", 100, 1},
		{"23.51.13", "Portland cement M400", "t", 100, 20},
		{"24", "Basic metals", "t", 100, 1},
	} {
		_, err := tx.Add(r.code, r.name, r.unit, r.tick, r.lot)
		mustNoErr(t, err)
	}
	return tx
}

func TestTaxonomyAdd(t *testing.T) {
	tx := smallTaxonomy(t)
	mustEqual(t, tx.Len(), 5)
	for i, want := range []struct {
		code   string
		parent catalog.CategoryID
		depth  int
	}{{"23", 0, 1}, {"23.51", 1, 2}, {"23.51.12", 2, 3}, {"23.51.13", 2, 3}, {"24", 0, 1}} {
		c, ok := tx.ByID(catalog.CategoryID(i + 1))
		mustEqual(t, ok, true)
		mustEqual(t, c.ID, catalog.CategoryID(i+1))
		mustEqual(t, c.Code, want.code)
		mustEqual(t, c.Parent, want.parent)
		mustEqual(t, c.Depth, want.depth)
		byCode, ok := tx.ByCode(want.code)
		mustEqual(t, ok, true)
		mustEqual(t, byCode, c)
	}
	c, _ := tx.ByCode("23.51.13")
	mustEqual(t, c, catalog.Category{ID: 4, Code: "23.51.13", Name: "Portland cement M400", Unit: "t", Tick: 100, Lot: 20, Parent: 2, Depth: 3})

	id, err := tx.Add("23.51.12.110", "Portland cement M500 D0", "t", 1, 1)
	mustNoErr(t, err)
	mustEqual(t, id, catalog.CategoryID(6))
	mustEqual(t, tx.IsLeaf(3), false) // 23.51.12 became a group
	mustEqual(t, tx.IsLeaf(6), true)

	for _, bad := range []catalog.CategoryID{0, 7, 1 << 31, ^catalog.CategoryID(0)} {
		_, ok := tx.ByID(bad)
		mustEqual(t, ok, false)
		mustEqual(t, tx.IsLeaf(bad), false)
	}
	_, ok := tx.ByCode("99")
	mustEqual(t, ok, false)
}

func TestTaxonomyAddErrors(t *testing.T) {
	long := "1" + strings.Repeat(".1", catalog.MaxCodeLen/2)
	tests := []struct {
		name, code, catName, unit string
		tick                      catalog.Price
		lot                       catalog.Qty
		want                      error
	}{
		{"empty code", "", "x", "t", 1, 1, catalog.ErrBadCode},
		{"letter", "2a", "x", "t", 1, 1, catalog.ErrBadCode},
		{"leading dot", ".23", "x", "t", 1, 1, catalog.ErrBadCode},
		{"trailing dot", "23.", "x", "t", 1, 1, catalog.ErrBadCode},
		{"double dot", "23..51", "x", "t", 1, 1, catalog.ErrBadCode},
		{"only dot", ".", "x", "t", 1, 1, catalog.ErrBadCode},
		{"leading space", " 23", "x", "t", 1, 1, catalog.ErrBadCode},
		{"trailing space", "23 ", "x", "t", 1, 1, catalog.ErrBadCode},
		{"sign", "+23", "x", "t", 1, 1, catalog.ErrBadCode},
		{"dash", "23-51", "x", "t", 1, 1, catalog.ErrBadCode},
		{"comma", "23,51", "x", "t", 1, 1, catalog.ErrBadCode},
		{"fullwidth digits", "２３", "x", "t", 1, 1, catalog.ErrBadCode},
		{"arabic-indic digit", "2\u0663", "x", "t", 1, 1, catalog.ErrBadCode},
		{"too long", long, "x", "t", 1, 1, catalog.ErrBadCode},
		{"duplicate root", "23", "x", "t", 1, 1, catalog.ErrDuplicateCode},
		{"duplicate leaf", "23.51.12", "x", "t", 1, 1, catalog.ErrDuplicateCode},
		{"missing parent", "24.10.62", "Rebar", "t", 1, 1, catalog.ErrMissingParent},
		{"missing grandparent", "25.1", "x", "t", 1, 1, catalog.ErrMissingParent},
		{"empty name", "25", "", "t", 1, 1, catalog.ErrBadName},
		{"blank name", "25", " \t", "t", 1, 1, catalog.ErrBadName},
		{"invalid utf8 name", "25", "\xff", "t", 1, 1, catalog.ErrBadName},
		{"unit with space", "25", "x", " t", 1, 1, catalog.ErrBadUnit},
		{"negative tick", "25", "x", "t", -1, 1, catalog.ErrBadTick},
		{"negative lot", "25", "x", "t", 1, -5, catalog.ErrBadLot},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := smallTaxonomy(t)
			before := slices.Collect(tx.All())
			id, err := tx.Add(tc.code, tc.catName, tc.unit, tc.tick, tc.lot)
			mustErrIs(t, err, tc.want)
			mustEqual(t, id, 0)
			mustContain(t, err.Error(), "catalog: ")
			mustEqual(t, tx.Len(), 5)
			mustSlice(t, slices.Collect(tx.All()), before)
			mustEqual(t, tx.IsLeaf(3), true)
			if tc.want != catalog.ErrDuplicateCode {
				_, ok := tx.ByCode(tc.code)
				mustEqual(t, ok, false)
			}
		})
	}
}

func TestTaxonomyZeroValueAndNil(t *testing.T) {
	var tx catalog.Taxonomy
	id, err := tx.Add("23", "x", "t", 1, 1)
	mustNoErr(t, err)
	mustEqual(t, id, 1)
	mustNoErr(t, tx.Validate())

	var nilTx *catalog.Taxonomy
	mustEqual(t, nilTx.Len(), 0)
	_, ok := nilTx.ByID(1)
	mustEqual(t, ok, false)
	_, ok = nilTx.ByCode("23")
	mustEqual(t, ok, false)
	mustEqual(t, nilTx.IsLeaf(1), false)
	mustEqual(t, nilTx.Covers(1, 1), false)
	mustEqual(t, len(slices.Collect(nilTx.All())), 0)
	mustEqual(t, len(slices.Collect(nilTx.Children(1))), 0)
	mustEqual(t, len(slices.Collect(nilTx.Ancestors(1))), 0)
	mustEqual(t, len(slices.Collect(nilTx.Descendants(1))), 0)
	mustNoErr(t, nilTx.Validate())
	_, err = nilTx.Tradable(1)
	mustErrIs(t, err, catalog.ErrUnknownCategory)
}

func TestTaxonomyValidateAndTradable(t *testing.T) {
	tests := []struct {
		name, unit string
		tick       catalog.Price
		lot        catalog.Qty
		want       error
	}{
		{"ok", "t", 100, 1, nil},
		{"no unit", "", 100, 1, catalog.ErrBadUnit},
		{"zero tick", "t", 0, 1, catalog.ErrBadTick},
		{"zero lot", "t", 100, 0, catalog.ErrBadLot},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := smallTaxonomy(t)
			id, err := tx.Add("23.51.12.110", "Portland cement M500 D0", tc.unit, tc.tick, tc.lot)
			mustNoErr(t, err)
			verr := tx.Validate()
			c, terr := tx.Tradable(id)
			if tc.want == nil {
				mustNoErr(t, verr)
				mustNoErr(t, terr)
				mustEqual(t, c.Code, "23.51.12.110")
				return
			}
			mustErrIs(t, verr, tc.want)
			mustContain(t, verr.Error(), `"23.51.12.110"`)
			mustErrIs(t, terr, tc.want)
			mustEqual(t, c, catalog.Category{})
		})
	}

	tx := smallTaxonomy(t)
	mustNoErr(t, tx.Validate())
	_, err := tx.Tradable(2)
	mustErrIs(t, err, catalog.ErrNotLeaf)
	_, err = tx.Tradable(0)
	mustErrIs(t, err, catalog.ErrUnknownCategory)
	_, err = tx.Tradable(99)
	mustErrIs(t, err, catalog.ErrUnknownCategory)
	c, err := tx.Tradable(5) // a root may be a leaf
	mustNoErr(t, err)
	mustEqual(t, c.Code, "24")
}

const goodCSV = `code,name,unit,tick,lot
23,Other non-metallic mineral products,,,
23.51,Cement,,,
23.51.12,Portland cement M500,t,100,1
`

func TestLoadTaxonomyCSV(t *testing.T) {
	tx, err := catalog.LoadTaxonomyCSV(strings.NewReader(goodCSV))
	mustNoErr(t, err)
	mustEqual(t, tx.Len(), 3)
	c, ok := tx.ByCode("23.51.12")
	mustEqual(t, ok, true)
	mustEqual(t, c, catalog.Category{ID: 3, Code: "23.51.12", Name: "Portland cement M500", Unit: "t", Tick: 100, Lot: 1, Parent: 2, Depth: 3})

	// Blank lines, CRLF, a quoted name with a comma and a leading BOM.
	in := "\ufeffcode,name,unit,tick,lot\r\n\r\n24,Basic metals,,,\r\n\n24.44,\"Copper, refined\",t,1000,1\r\n"
	tx, err = catalog.LoadTaxonomyCSV(strings.NewReader(in))
	mustNoErr(t, err)
	mustEqual(t, tx.Len(), 2)
	c, _ = tx.ByCode("24.44")
	mustEqual(t, c.Name, "Copper, refined")

	// Header only: an empty but valid taxonomy.
	tx, err = catalog.LoadTaxonomyCSV(strings.NewReader("code,name,unit,tick,lot\n"))
	mustNoErr(t, err)
	mustEqual(t, tx.Len(), 0)
}

func TestLoadTaxonomyCSVErrors(t *testing.T) {
	const h = "code,name,unit,tick,lot\n"
	tests := []struct {
		name, in string
		line     int
		want     error
	}{
		{"empty input", "", 1, catalog.ErrBadHeader},
		{"wrong header", "code,name,unit,lot,tick\n23,x,t,1,1\n", 1, catalog.ErrBadHeader},
		{"short header", "code,name,unit,tick\n", 1, catalog.ErrBadHeader},
		{"header case", "Code,Name,Unit,Tick,Lot\n", 1, catalog.ErrBadHeader},
		{"header spaces", "code, name, unit, tick, lot\n", 1, catalog.ErrBadHeader},
		{"blank line before header", "\n" + h, 1, catalog.ErrBadHeader},
		{"bad tick", h + "23,x,,,\n23.51,Cement,t,1.5,1\n", 3, catalog.ErrBadTick},
		{"tick letters", h + "23,x,t,ten,1\n", 2, catalog.ErrBadTick},
		{"tick overflow", h + "23,x,t,9223372036854775808,1\n", 2, catalog.ErrBadTick},
		{"tick spaces", h + "23,x,t, 1,1\n", 2, catalog.ErrBadTick},
		{"negative tick", h + "23,x,t,-100,1\n", 2, catalog.ErrBadTick},
		{"bad lot", h + "23,x,t,1,0x10\n", 2, catalog.ErrBadLot},
		{"negative lot", h + "23,x,t,1,-1\n", 2, catalog.ErrBadLot},
		{"bad code", h + "23,x,,,\n23/51,Cement,t,1,1\n", 3, catalog.ErrBadCode},
		{"duplicate", h + "23,x,,,\n23.51,Cement,t,1,1\n23.51,Cement,t,1,1\n", 4, catalog.ErrDuplicateCode},
		{"child before parent", h + "23.51,Cement,t,1,1\n23,x,,,\n", 2, catalog.ErrMissingParent},
		{"empty name", h + "23,,t,1,1\n", 2, catalog.ErrBadName},
		{"too few fields", h + "23,x,t,1\n", 2, catalog.ErrBadRow},
		{"too many fields", h + "23,x,t,1,1,1\n", 2, catalog.ErrBadRow},
		{"blank lines counted", h + "\n\n23,x,t,1,x\n", 4, catalog.ErrBadLot},
		{"multi-line quoted name counted", h + "23,\"x\ny\",,,\n23.51,Cement,t,1,1\n24,x,t,1,-1\n", 5, catalog.ErrBadLot},
		{"leaf without unit", h + "23,x,,,\n23.51,Cement,,100,1\n23.52,Lime,t,100,1\n", 3, catalog.ErrBadUnit},
		{"leaf without tick", h + "23,x,,,\n\n23.51,Cement,t,,1\n", 4, catalog.ErrBadTick},
		{"leaf without lot", h + "23,x,t,1,\n", 2, catalog.ErrBadLot},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := catalog.LoadTaxonomyCSV(strings.NewReader(tc.in))
			if tx != nil {
				t.Fatalf("got taxonomy %v with error %v", tx, err)
			}
			var pe *catalog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			mustEqual(t, pe.Line, tc.line)
			mustErrIs(t, err, tc.want)
			mustContain(t, err.Error(), "catalog: line ")
		})
	}
}

func TestLoadTaxonomyCSVMalformed(t *testing.T) {
	in := "code,name,unit,tick,lot\n23,x,,,\n23.51,Ce\"ment,t,1,1\n"
	_, err := catalog.LoadTaxonomyCSV(strings.NewReader(in))
	var pe *catalog.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	mustEqual(t, pe.Line, 3)
	var ce *csv.ParseError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v does not wrap *csv.ParseError", err)
	}
	mustErrIs(t, err, csv.ErrBareQuote)
}

type failingReader struct{}

var errDisk = errors.New("disk on fire")

func (failingReader) Read([]byte) (int, error) { return 0, errDisk }

func TestLoadReaderError(t *testing.T) {
	_, err := catalog.LoadTaxonomyCSV(failingReader{})
	mustErrIs(t, err, errDisk)
	_, err = catalog.LoadBasesCSV(failingReader{})
	mustErrIs(t, err, errDisk)
}

func TestParseError(t *testing.T) {
	e := &catalog.ParseError{Line: 7, Err: catalog.ErrBadTick}
	mustEqual(t, e.Error(), "catalog: line 7: bad tick")
	mustErrIs(t, e, catalog.ErrBadTick)
	mustEqual(t, (&catalog.ParseError{Line: 1}).Error(), "catalog: line 1: <nil>")
}
