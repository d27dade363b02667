package catalog_test

import (
	"slices"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

func TestSample(t *testing.T) {
	c := sample(t)
	mustNoErr(t, c.Validate())
	tx := c.Taxonomy
	if tx.Len() < 30 || tx.Len() > 60 {
		t.Fatalf("sample has %d categories", tx.Len())
	}
	mustEqual(t, c.Bases.Len(), 9)

	m500, err := tx.Tradable(id(t, tx, "23.51.12"))
	mustNoErr(t, err)
	mustEqual(t, m500.Unit, "t")
	ai92, err := tx.Tradable(id(t, tx, "19.20.21.110"))
	mustNoErr(t, err)
	mustEqual(t, ai92.Unit, "l")
	mustEqual(t, ai92.Lot, 1000)
	for _, group := range []string{"19", "23", "23.51", "24", "49", "52"} {
		_, err := tx.Tradable(id(t, tx, group))
		mustErrIs(t, err, catalog.ErrNotLeaf)
	}

	// Every parent precedes its children, and Depth counts code groups.
	for cat := range tx.All() {
		if cat.Parent >= cat.ID {
			t.Fatalf("%s: parent %d not before id %d", cat.Code, cat.Parent, cat.ID)
		}
		if (cat.Parent == 0) != (cat.Depth == 1) {
			t.Fatalf("%s: parent %d depth %d", cat.Code, cat.Parent, cat.Depth)
		}
	}

	msk, ok := c.Bases.ByCode("MSK")
	mustEqual(t, ok, true)
	mustEqual(t, msk.Name, "Moscow")

	// Each call returns an independent copy.
	other := sample(t)
	_, err = other.Taxonomy.Add("23.51.12.110", "Portland cement M500 D0", "t", 100, 1)
	mustNoErr(t, err)
	_, err = other.Bases.Add("OMS", "Omsk")
	mustNoErr(t, err)
	mustEqual(t, sample(t).Taxonomy.Len(), tx.Len())
	mustEqual(t, tx.IsLeaf(m500.ID), true)
	mustEqual(t, c.Bases.Len(), 9)
}

func TestCatalogValidate(t *testing.T) {
	var nilCat *catalog.Catalog
	mustErrIs(t, nilCat.Validate(), catalog.ErrIncomplete)
	mustErrIs(t, (&catalog.Catalog{}).Validate(), catalog.ErrIncomplete)
	c := sample(t)
	mustErrIs(t, (&catalog.Catalog{Taxonomy: c.Taxonomy}).Validate(), catalog.ErrIncomplete)
	mustErrIs(t, (&catalog.Catalog{Bases: c.Bases}).Validate(), catalog.ErrIncomplete)
	_, err := c.Taxonomy.Add("23.51.12.110", "no tick yet", "t", 0, 1)
	mustNoErr(t, err)
	mustErrIs(t, c.Validate(), catalog.ErrBadTick)
}

func TestTreeWalks(t *testing.T) {
	tx := sample(t).Taxonomy
	anc := func(code string) []string { return codes(t, tx, slices.Collect(tx.Ancestors(id(t, tx, code)))) }
	desc := func(code string) []string { return codes(t, tx, slices.Collect(tx.Descendants(id(t, tx, code)))) }
	kids := func(code string) []string { return codes(t, tx, slices.Collect(tx.Children(id(t, tx, code)))) }

	mustSlice(t, anc("23.51.12"), []string{"23.51", "23"})
	mustSlice(t, anc("19.20.21.110"), []string{"19.20.21", "19.20", "19"})
	mustSlice(t, anc("23"), []string{})

	mustSlice(t, desc("23.51"), []string{"23.51.11", "23.51.12", "23.51.13"})
	mustSlice(t, desc("19"), []string{
		"19.20", "19.20.21", "19.20.21.110", "19.20.21.120", "19.20.21.310", "19.20.21.320",
		"19.20.28", "19.20.28.110",
	})
	mustSlice(t, desc("23.51.12"), []string{})
	mustSlice(t, kids("24"), []string{"24.10", "24.42", "24.44"})
	mustSlice(t, kids("24.44.13"), []string{})

	cement, m500, rebar := id(t, tx, "23.51"), id(t, tx, "23.51.12"), id(t, tx, "24.10.62.110")
	mustEqual(t, tx.Covers(id(t, tx, "23"), m500), true)
	mustEqual(t, tx.Covers(cement, m500), true)
	mustEqual(t, tx.Covers(m500, m500), true)
	mustEqual(t, tx.Covers(m500, cement), false)
	mustEqual(t, tx.Covers(cement, rebar), false)
	mustEqual(t, tx.Covers(0, m500), false)
	mustEqual(t, tx.Covers(m500, 0), false)
	mustEqual(t, tx.Covers(9999, 9999), false)

	// Unknown IDs yield nothing.
	for _, seq := range []func(catalog.CategoryID) []catalog.CategoryID{
		func(i catalog.CategoryID) []catalog.CategoryID { return slices.Collect(tx.Ancestors(i)) },
		func(i catalog.CategoryID) []catalog.CategoryID { return slices.Collect(tx.Descendants(i)) },
		func(i catalog.CategoryID) []catalog.CategoryID { return slices.Collect(tx.Children(i)) },
	} {
		mustEqual(t, len(seq(0)), 0)
		mustEqual(t, len(seq(9999)), 0)
	}

	// Early exit stops every iterator.
	n := 0
	for range tx.Descendants(id(t, tx, "19")) {
		n++
		if n == 3 {
			break
		}
	}
	mustEqual(t, n, 3)
	for range tx.Ancestors(id(t, tx, "19.20.21.110")) {
		n++
		break
	}
	for range tx.Children(id(t, tx, "19.20.21")) {
		n++
		break
	}
	for range tx.All() {
		n++
		break
	}
	mustEqual(t, n, 6)
}

// TestTreeConsistency cross-checks Covers, Ancestors, Descendants, Children and
// IsLeaf against each other and against the codes for every pair.
func TestTreeConsistency(t *testing.T) {
	tx := sample(t).Taxonomy
	all := slices.Collect(tx.All())
	for _, a := range all {
		desc := slices.Collect(tx.Descendants(a.ID))
		kids := slices.Collect(tx.Children(a.ID))
		mustEqual(t, tx.IsLeaf(a.ID), len(kids) == 0)
		anc := slices.Collect(tx.Ancestors(a.ID))
		mustEqual(t, len(anc), a.Depth-1)
		for _, c := range all {
			byCode := a.Code == c.Code || len(c.Code) > len(a.Code) && c.Code[:len(a.Code)+1] == a.Code+"."
			mustEqual(t, tx.Covers(a.ID, c.ID), byCode)
			mustEqual(t, slices.Contains(desc, c.ID), byCode && a.ID != c.ID)
			mustEqual(t, slices.Contains(slices.Collect(tx.Ancestors(c.ID)), a.ID), byCode && a.ID != c.ID)
			mustEqual(t, slices.Contains(kids, c.ID), c.Parent == a.ID)
		}
	}
}

func TestAllocs(t *testing.T) {
	tx := sample(t).Taxonomy
	m500 := id(t, tx, "23.51.12")
	p := catalog.NewParticipants()
	pid, err := p.Register("OOO Stroy", "7707083893", "")
	mustNoErr(t, err)
	var sink bool
	var cat catalog.Category
	var st catalog.Status
	for name, fn := range map[string]func(){
		"Taxonomy.ByID":       func() { cat, sink = tx.ByID(m500) },
		"Taxonomy.IsLeaf":     func() { sink = tx.IsLeaf(m500) },
		"Taxonomy.Covers":     func() { sink = tx.Covers(1, m500) },
		"Taxonomy.Tradable":   func() { cat, _ = tx.Tradable(m500) },
		"Participants.Status": func() { st, sink = p.Status(pid) },
		"ValidateINN":         func() { sink = catalog.ValidateINN("500100732259") == nil },
	} {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s: %v allocs per run, want 0", name, n)
		}
	}
	_, _, _ = sink, cat, st
}
