// Command multiattribute clears a small cement market in which plants and
// buyers differ in basis, grade, lead time and rating: three plants at
// Tula, Belgorod and Ryazan, five buyers around Moscow and Voronezh. It
// prints the trades with both prices, each company's surplus, the surplus
// the same orders would reach in exact-match markets (same basis and same
// grade only), and why each request that did not fill did not.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/clearing"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func rub(p int64) string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return fmt.Sprintf("%s%d.%02d", sign, p/100, p%100)
}

type market struct {
	d      *catalog.Differentials
	names  map[catalog.ParticipantID]string
	grades map[catalog.Grade]string
	reqs   []clearing.Request
	offs   []clearing.Offer
}

func setup() (*market, error) {
	d, err := catalog.SampleCement()
	if err != nil {
		return nil, err
	}
	m := &market{d: d, names: map[catalog.ParticipantID]string{}, grades: map[catalog.Grade]string{}}
	cement, _ := d.Taxonomy.ByCode("23.51")
	cem1, _ := d.Taxonomy.ByCode("23.51.12")
	cem2, _ := d.Taxonomy.ByCode("23.51.13")
	for g := catalog.Grade(1); int(g) <= d.Grades.Len(cement.ID); g++ {
		gi, _ := d.Grades.Grade(cement.ID, g)
		m.grades[g] = gi.Code
	}
	grade := func(code string) catalog.Grade {
		gi, _ := d.Grades.ByCode(cement.ID, code)
		return gi.Grade
	}
	basis := func(code string) catalog.BasisID {
		b, _ := d.Bases.ByCode(code)
		return b.ID
	}
	for id, name := range []string{1: "Tula Cement Plant", 2: "Belgorod Cement", 3: "Ryazan Cement", 4: "MosStroy", 5: "Capital Homes", 6: "Voronezh Concrete", 7: "Chernozem Build", 8: "Express Repairs"} {
		if name != "" {
			m.names[catalog.ParticipantID(id)] = name
		}
	}
	const t = 100 // kopecks per rouble
	m.offs = []clearing.Offer{
		{ID: 1, Owner: 1, Category: cem1.ID, Basis: basis("TUL"), Grade: grade("M550"), Lead: 7, Rating: 80, Qty: 1000, Limit: 6000 * t, Priority: 1},
		{ID: 2, Owner: 2, Category: cem1.ID, Basis: basis("BEL"), Grade: grade("M500"), Lead: 5, Rating: 70, Qty: 800, Limit: 5600 * t, Priority: 2},
		{ID: 3, Owner: 3, Category: cem2.ID, Basis: basis("RZN"), Grade: grade("M400"), Lead: 3, Rating: 50, Qty: 600, Limit: 5000 * t, Priority: 3},
	}
	m.reqs = []clearing.Request{
		{ID: 1, Owner: 4, Category: cement.ID, Deliver: basis("MSK"), MinGrade: grade("M500"), MaxLead: 14, MinRating: 60, Qty: 600, Limit: 7000 * t, Priority: 4},
		{ID: 2, Owner: 5, Category: cement.ID, Deliver: basis("MSK"), MaxLead: 10, Qty: 700, Limit: 6300 * t, Priority: 5},
		{ID: 3, Owner: 6, Category: cement.ID, Deliver: basis("VRN"), MinGrade: grade("M500"), Qty: 500, Limit: 6400 * t, Priority: 6},
		{ID: 4, Owner: 7, Category: cem1.ID, Accept: []catalog.BasisID{basis("BEL")}, MinGrade: grade("M500"), MinRating: 60, Qty: 300, Limit: 5900 * t, Priority: 7},
		{ID: 5, Owner: 8, Category: cement.ID, Deliver: basis("MSK"), MinGrade: grade("M550"), MaxLead: 3, Qty: 100, Limit: 7500 * t, Priority: 8},
	}
	return m, nil
}

// exactMatch clears the same orders in exact-match markets: no delivery
// between bases (each request buys only at its own basis or the bases it
// accepts) and, per grade, only offers of the grade the request names (its
// minimum, or par when it names none). It returns the total surplus.
func (m *market) exactMatch() (int64, error) {
	data := clearing.Data{Taxonomy: m.d.Taxonomy, Grades: m.d.Grades, Bases: m.d.Bases}
	par, err := m.d.Grades.Par(m.offs[0].Category)
	if err != nil {
		return 0, err
	}
	var total int64
	for g := range m.grades {
		var reqs []clearing.Request
		var offs []clearing.Offer
		for _, r := range m.reqs {
			want := r.MinGrade
			if want == 0 {
				want = par.Grade
			}
			if want == g {
				reqs = append(reqs, r)
			}
		}
		for _, o := range m.offs {
			if o.Grade == g {
				offs = append(offs, o)
			}
		}
		res, err := clearing.Clear(data, reqs, offs)
		if err != nil {
			return 0, err
		}
		total += res.Surplus
	}
	return total, nil
}

func run(w io.Writer) error {
	m, err := setup()
	if err != nil {
		return err
	}
	bcode := func(id catalog.BasisID) string {
		b, _ := m.d.Bases.ByID(id)
		return b.Code
	}
	fmt.Fprintln(w, "cement pool 23.51: par M500, M400 at -30.00, M550 at +20.00 RUB/t; prices in RUB/t")
	fmt.Fprintln(w, "offers (ex works, for their own grade):")
	for _, o := range m.offs {
		fmt.Fprintf(w, "  O%d %-17s %s at %s, %4d t, lead %2d d, rating %d, min %s\n", o.ID, m.names[o.Owner], m.grades[o.Grade], bcode(o.Basis), o.Qty, o.Lead, o.Rating, rub(int64(o.Limit)))
	}
	fmt.Fprintln(w, "requests (delivered, at par):")
	for _, r := range m.reqs {
		where := ""
		if r.Deliver != 0 {
			where = "to " + bcode(r.Deliver)
		}
		for _, b := range r.Accept {
			where += "pickup " + bcode(b)
		}
		g := "any"
		if r.MinGrade != 0 {
			g = m.grades[r.MinGrade] + "+"
		}
		lead := "any"
		if r.MaxLead != 0 {
			lead = fmt.Sprintf("<=%d d", r.MaxLead)
		}
		fmt.Fprintf(w, "  R%d %-17s %-4s %-10s %4d t, lead %-6s rating >=%2d, max %s\n", r.ID, m.names[r.Owner], g, where, r.Qty, lead, r.MinRating, rub(int64(r.Limit)))
	}
	res, err := clearing.Clear(clearing.FromCatalog(m.d), m.reqs, m.offs)
	if err != nil {
		return err
	}
	offByID := map[clearing.OrderID]clearing.Offer{}
	for _, o := range m.offs {
		offByID[o.ID] = o
	}
	fmt.Fprintln(w, "trades (buyer price at par delivered; paid = for the grade received; seller price ex works):")
	for _, f := range res.Fills {
		o := offByID[f.Offer]
		fmt.Fprintf(w, "  R%d %s <- O%d %s: %d t %s from %s, buyer %s, paid %s, seller %s, transport %s, grade %s\n",
			f.Request, m.names[f.Buyer], f.Offer, m.names[f.Seller], f.Qty, m.grades[o.Grade], bcode(o.Basis),
			rub(int64(f.BuyerPrice)), rub(int64(f.Paid())), rub(int64(f.SellerPrice)), rub(int64(f.Transport)), rub(int64(f.GradeDiff)))
	}
	fmt.Fprintln(w, "surplus by company (RUB):")
	for _, p := range res.Participants {
		fmt.Fprintf(w, "  %-17s bought %4d t, sold %4d t, surplus %s\n", m.names[p.Owner], p.Bought, p.Sold, rub(p.Surplus))
	}
	exact, err := m.exactMatch()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "total: %d t traded, surplus %s RUB; exact-match markets on the same orders: %s RUB\n", res.Volume, rub(res.Surplus), rub(exact))
	fmt.Fprintln(w, "requests not filled completely:")
	for k, or := range res.Requests {
		r := m.reqs[k]
		if or.Outcome == clearing.Filled {
			continue
		}
		fmt.Fprintf(w, "  R%d %s: %d of %d t, %s", r.ID, m.names[r.Owner], or.Filled, r.Qty, or.Outcome)
		switch or.Outcome {
		case clearing.NoCounterparty:
			fmt.Fprintf(w, " (%s excluded %d of the offers)", or.Constraint, or.Excluded)
		case clearing.PricedOut:
			fmt.Fprintf(w, " (limit %s below the clearing price %s)", rub(int64(r.Limit)), rub(int64(or.Price)))
		case clearing.Margin:
			fmt.Fprintf(w, " (limit %s equals the clearing price)", rub(int64(r.Limit)))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "offers not filled completely:")
	for k, or := range res.Offers {
		o := m.offs[k]
		if or.Outcome == clearing.Filled {
			continue
		}
		fmt.Fprintf(w, "  O%d %s: %d of %d t, %s\n", o.ID, m.names[o.Owner], or.Filled, o.Qty, or.Outcome)
	}
	return nil
}
