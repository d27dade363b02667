package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

func TestSampleCement(t *testing.T) {
	d, err := catalog.SampleCement()
	mustNoErr(t, err)
	mustNoErr(t, d.Validate())
	mustNoErr(t, d.Grades.Validate())
	cem1, ok := d.Taxonomy.ByCode("23.51.12")
	mustEqual(t, ok, true)
	root, ok := d.Grades.ScaleOf(cem1.ID)
	mustEqual(t, ok, true)
	group, _ := d.Taxonomy.ByCode("23.51")
	mustEqual(t, root, group.ID)
	mustEqual(t, d.Grades.Len(cem1.ID), 3)
	par, err := d.Grades.Par(cem1.ID)
	mustNoErr(t, err)
	mustEqual(t, par.Code, "M500")
	mustEqual(t, par.Grade, catalog.Grade(2))
	m550, err := d.Grades.ByCode(group.ID, "M550")
	mustNoErr(t, err)
	mustEqual(t, m550, catalog.GradeInfo{Grade: 3, Code: "M550", Diff: 2000})
	m400, err := d.Grades.Grade(cem1.ID, 1)
	mustNoErr(t, err)
	mustEqual(t, m400.Diff, catalog.Price(-3000))
	_, err = d.Grades.Grade(cem1.ID, 4)
	mustErrIs(t, err, catalog.ErrUnknownGrade)
	_, err = d.Grades.Grade(cem1.ID, 0)
	mustErrIs(t, err, catalog.ErrUnknownGrade)

	tul, _ := d.Bases.ByCode("TUL")
	msk, _ := d.Bases.ByCode("MSK")
	rzn, _ := d.Bases.ByCode("RZN")
	c, ok := d.Transport.Cost(tul.ID, msk.ID)
	mustEqual(t, ok, true)
	mustEqual(t, c, catalog.Price(5000))
	c, ok = d.Transport.Cost(msk.ID, msk.ID)
	mustEqual(t, ok, true)
	mustEqual(t, c, catalog.Price(0))
	_, ok = d.Transport.Cost(tul.ID, rzn.ID)
	mustEqual(t, ok, false)
	_, err = d.Transport.Route(tul.ID, rzn.ID)
	mustErrIs(t, err, catalog.ErrNoRoute)
	mustNoErr(t, d.Transport.CheckTick(100))
	mustErrIs(t, d.Transport.CheckTick(3000), catalog.ErrOffTick)

	d2, err := catalog.SampleCement()
	mustNoErr(t, err)
	if d2.Grades == d.Grades || d2.Transport == d.Transport {
		t.Fatal("SampleCement shares state between calls")
	}
}

func cementTax(t *testing.T) *catalog.Taxonomy {
	t.Helper()
	tax, err := catalog.LoadTaxonomyCSV(strings.NewReader("code,name,unit,tick,lot\n23,Minerals,,,\n23.51,Cement,,,\n23.51.12,CEM I,t,100,1\n23.51.13,CEM II,t,50,1\n24,Metals,t,100,1\n"))
	mustNoErr(t, err)
	return tax
}

func TestGradesAdd(t *testing.T) {
	tax := cementTax(t)
	group, _ := tax.ByCode("23.51")
	leaf, _ := tax.ByCode("23.51.12")
	root, _ := tax.ByCode("23")
	g := catalog.NewGrades(tax)
	_, err := g.Add(99, "M1", 0)
	mustErrIs(t, err, catalog.ErrUnknownCategory)
	_, err = g.Add(group.ID, "", 0)
	mustErrIs(t, err, catalog.ErrBadCode)
	_, err = g.Add(group.ID, "M 1", 0)
	mustErrIs(t, err, catalog.ErrBadCode)
	_, err = g.Add(group.ID, "M400", -150) // off the tick 100 of CEM I
	mustErrIs(t, err, catalog.ErrOffTick)
	gr, err := g.Add(group.ID, "M400", -200)
	mustNoErr(t, err)
	mustEqual(t, gr, catalog.Grade(1))
	mustErrIs(t, g.Validate(), catalog.ErrBadGrades) // no par yet
	_, err = g.Add(group.ID, "M400", 0)
	mustErrIs(t, err, catalog.ErrDuplicateGrade)
	_, err = g.Add(group.ID, "M300", -300)
	mustErrIs(t, err, catalog.ErrBadGrades) // not increasing
	_, err = g.Add(group.ID, "M350", -200)
	mustErrIs(t, err, catalog.ErrBadGrades) // equal is not increasing
	gr, err = g.Add(group.ID, "M500", 0)
	mustNoErr(t, err)
	mustEqual(t, gr, catalog.Grade(2))
	mustNoErr(t, g.Validate())
	_, err = g.Add(leaf.ID, "X", 0)
	mustErrIs(t, err, catalog.ErrBadGrades) // nested under 23.51
	_, err = g.Add(root.ID, "X", 0)
	mustErrIs(t, err, catalog.ErrBadGrades) // would contain 23.51
	if _, ok := g.ScaleOf(root.ID); ok {
		t.Fatal("root has no scale")
	}
	_, err = g.Par(root.ID)
	mustErrIs(t, err, catalog.ErrUnknownGrade)
	var nilG *catalog.Grades
	mustEqual(t, nilG.Len(leaf.ID), 0)
	mustNoErr(t, nilG.Validate())
}

func TestLoadGradesCSVErrors(t *testing.T) {
	tax := cementTax(t)
	for _, tc := range []struct {
		name, in string
		line     int
		want     error
	}{
		{"header", "category,grade\n", 1, catalog.ErrBadHeader},
		{"short row", "category,grade,diff\n23.51,M500\n", 2, catalog.ErrBadRow},
		{"unknown category", "category,grade,diff\n23.51,M500,0\n99.1,M1,0\n", 3, catalog.ErrUnknownCategory},
		{"not an integer", "category,grade,diff\n23.51,M500,abc\n", 2, catalog.ErrBadTick},
		{"empty diff", "category,grade,diff\n23.51,M500,\n", 2, catalog.ErrBadRow},
		{"off tick", "category,grade,diff\n23.51,M500,0\n23.51,M550,125\n", 3, catalog.ErrOffTick},
		{"not increasing", "category,grade,diff\n\n23.51,M500,0\n23.51,M400,-100\n", 4, catalog.ErrBadGrades},
		{"no par", "category,grade,diff\n24,A,0\n23.51,M500,100\n23.51,M550,200\n", 3, catalog.ErrBadGrades},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := catalog.LoadGradesCSV(strings.NewReader(tc.in), tax)
			mustErrIs(t, err, tc.want)
			var pe *catalog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%v is not a *ParseError", err)
			}
			mustEqual(t, pe.Line, tc.line)
		})
	}
}

func testBases(t *testing.T) *catalog.Bases {
	t.Helper()
	b, err := catalog.LoadBasesCSV(strings.NewReader("code,name\nMSK,Moscow\nTUL,Tula\nVRN,Voronezh\n"))
	mustNoErr(t, err)
	return b
}

func TestTransportSet(t *testing.T) {
	b := testBases(t)
	tr := catalog.NewTransport(b)
	mustErrIs(t, tr.Set(1, 2, -1), catalog.ErrNegativeCost)
	mustErrIs(t, tr.Set(1, 9, 10), catalog.ErrUnknownBasis)
	mustErrIs(t, tr.Set(0, 1, 10), catalog.ErrUnknownBasis)
	mustNoErr(t, tr.Set(2, 1, 50))
	mustErrIs(t, tr.Set(2, 1, 60), catalog.ErrDuplicateRoute)
	mustNoErr(t, tr.SetNotDeliverable(3, 3))
	c, ok := tr.Cost(2, 1)
	mustEqual(t, ok, true)
	mustEqual(t, c, catalog.Price(50))
	_, ok = tr.Cost(1, 2) // not symmetric
	mustEqual(t, ok, false)
	_, ok = tr.Cost(3, 3) // explicitly not deliverable
	mustEqual(t, ok, false)
	c, ok = tr.Cost(1, 1)
	mustEqual(t, ok, true)
	mustEqual(t, c, catalog.Price(0))
	mustEqual(t, tr.Len(), 2)
	mustErrIs(t, tr.CheckTick(0), catalog.ErrBadTick)
	mustNoErr(t, tr.CheckTick(25))
	mustErrIs(t, tr.CheckTick(20), catalog.ErrOffTick)
	var nilT *catalog.Transport
	_, ok = nilT.Cost(1, 1)
	mustEqual(t, ok, true)
	_, ok = nilT.Cost(1, 2)
	mustEqual(t, ok, false)
}

func TestLoadTransportCSVErrors(t *testing.T) {
	b := testBases(t)
	for _, tc := range []struct {
		name, in string
		line     int
		want     error
	}{
		{"header", "from,to\n", 1, catalog.ErrBadHeader},
		{"short row", "from,to,cost\nTUL,MSK\n", 2, catalog.ErrBadRow},
		{"unknown from", "from,to,cost\nTUL,MSK,100\nXXX,MSK,100\n", 3, catalog.ErrUnknownBasis},
		{"unknown to", "from,to,cost\nTUL,YYY,100\n", 2, catalog.ErrUnknownBasis},
		{"negative", "from,to,cost\nTUL,MSK,-100\n", 2, catalog.ErrNegativeCost},
		{"off tick", "from,to,cost\nTUL,MSK,150\n", 2, catalog.ErrOffTick},
		{"not an integer", "from,to,cost\nTUL,MSK,1.5\n", 2, catalog.ErrBadTick},
		{"empty", "from,to,cost\nTUL,MSK,\n", 2, catalog.ErrBadRow},
		{"duplicate", "from,to,cost\nTUL,MSK,100\n\nTUL,MSK,-\n", 4, catalog.ErrDuplicateRoute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := catalog.LoadTransportCSV(strings.NewReader(tc.in), b, 100)
			mustErrIs(t, err, tc.want)
			var pe *catalog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%v is not a *ParseError", err)
			}
			mustEqual(t, pe.Line, tc.line)
		})
	}
	tr, err := catalog.LoadTransportCSV(strings.NewReader("from,to,cost\nTUL,MSK,150\nMSK,TUL,-\n"), b, 0)
	mustNoErr(t, err)
	c, ok := tr.Cost(2, 1)
	mustEqual(t, ok, true)
	mustEqual(t, c, catalog.Price(150))
	_, ok = tr.Cost(1, 2)
	mustEqual(t, ok, false)
}
