package catalog_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/agora-exchange/agora/catalog"
)

func ExampleLoadTaxonomyCSV() {
	const data = `code,name,unit,tick,lot
23,Other non-metallic mineral products,,,
23.51,Cement,,,
23.51.12,Portland cement M500,t,100,1
23.51.13,Portland cement M400,t,100,20
`
	tx, err := catalog.LoadTaxonomyCSV(strings.NewReader(data))
	if err != nil {
		fmt.Println(err)
		return
	}
	for c := range tx.All() {
		fmt.Printf("%d %-9s leaf=%-5v %s\n", c.ID, c.Code, tx.IsLeaf(c.ID), c.Name)
	}

	_, err = catalog.LoadTaxonomyCSV(strings.NewReader("code,name,unit,tick,lot\n23.51,Cement,t,100,1\n"))
	var pe *catalog.ParseError
	fmt.Println(errors.As(err, &pe), pe.Line, errors.Is(err, catalog.ErrMissingParent))
	// Output:
	// 1 23        leaf=false Other non-metallic mineral products
	// 2 23.51     leaf=false Cement
	// 3 23.51.12  leaf=true  Portland cement M500
	// 4 23.51.13  leaf=true  Portland cement M400
	// true 2 true
}

func ExampleValidateINN() {
	for _, inn := range []string{"7707083893", "500100732259", "7707083894", "77070838"} {
		err := catalog.ValidateINN(inn)
		fmt.Printf("%-12s valid=%v invalid=%v\n", inn, err == nil, errors.Is(err, catalog.ErrInvalidINN))
	}
	// Output:
	// 7707083893   valid=true invalid=false
	// 500100732259 valid=true invalid=false
	// 7707083894   valid=false invalid=true
	// 77070838     valid=false invalid=true
}

func ExampleTaxonomy_Ancestors() {
	c, err := catalog.Sample()
	if err != nil {
		fmt.Println(err)
		return
	}
	tx := c.Taxonomy
	m500, _ := tx.ByCode("23.51.12")
	fmt.Println(m500.Name)
	for id := range tx.Ancestors(m500.ID) {
		a, _ := tx.ByID(id)
		fmt.Printf("  under %s %s\n", a.Code, a.Name)
	}
	cement, _ := tx.ByCode("23.51")
	fmt.Println("a subscription to 23.51 covers it:", tx.Covers(cement.ID, m500.ID))
	// Output:
	// Portland cement M500 (CEM I 42.5N)
	//   under 23.51 Cement
	//   under 23 Other non-metallic mineral products
	// a subscription to 23.51 covers it: true
}

func ExampleParticipants_Register() {
	p := catalog.NewParticipants()
	id, err := p.Register("PAO Sberbank", "7707083893", "773601001")
	if err != nil {
		fmt.Println(err)
		return
	}
	st, _ := p.Status(id)
	fmt.Println(id, st, st.CanTrade())

	if err := p.Verify(id); err != nil {
		fmt.Println(err)
		return
	}
	st, _ = p.Status(id)
	fmt.Println(id, st, st.CanTrade())

	_, err = p.Register("Someone else", "7707083893", "773601001")
	fmt.Println(errors.Is(err, catalog.ErrDuplicateParticipant))
	_, err = p.Register("IP Ivanov", "500100732259", "773601001")
	fmt.Println(errors.Is(err, catalog.ErrInvalidKPP))
	// Output:
	// 1 pending false
	// 1 verified true
	// true
	// true
}
