// Command multiattribute clears a small cement market in which plants and
// buyers differ in basis, grade, lead time and rating: three plants at
// Tula, Belgorod and Ryazan, five buyers around Moscow and Voronezh. It
// prints the trades with both prices, each company's surplus, the surplus
// the same orders would reach in exact-match markets (same basis and same
// grade only), and why each request that did not fill did not.
//
// The orders go through an exchange (package matching): the companies
// register and are verified and rated, the operator opens a clearing pool
// on cement (CmdOpenPool), the plants' offers and the buyers' requests are
// placed with Submit, and CmdClearPool clears them; the trades printed are
// its EventPoolFill events, and the explanations come from the exchange's
// indicative clearing just before.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/clearing"
	"github.com/agora-exchange/agora/matching"
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

// cleared is the outcome of the pool on the exchange.
type cleared struct {
	fills []matching.Event // EventPoolFill, in the order of clearing.Result.Fills
	ind   clearing.Result  // the indicative clearing just before CmdClearPool
	// req and off give the example's request and offer IDs of the
	// exchange's order IDs.
	req, off map[matching.OrderID]clearing.OrderID
}

// pool places m's orders in a clearing pool on an exchange and clears it.
// The companies register in ID order, so the exchange numbers them as m
// does; the offers are placed first, then the requests, so their time
// priority is the example's.
func (m *market) pool() (*cleared, error) {
	x, err := matching.New(matching.Config{Catalog: m.d.Catalog, Grades: m.d.Grades, Transport: m.d.Transport})
	if err != nil {
		return nil, err
	}
	now := int64(1_000)
	submit := func(c matching.Command) ([]matching.Event, error) {
		now++
		c.Time = now
		return x.Submit(c, nil)
	}
	rating := map[catalog.ParticipantID]uint8{}
	for _, o := range m.offs {
		rating[o.Owner] = o.Rating
	}
	for id := catalog.ParticipantID(1); int(id) <= len(m.names); id++ {
		inn, err := catalog.LegalEntityINN(fmt.Sprintf("77%07d", id))
		if err != nil {
			return nil, err
		}
		evs, err := submit(matching.Command{Kind: matching.CmdRegister, Name: m.names[id], INN: inn})
		if err != nil {
			return nil, err
		}
		if evs[0].Participant != id {
			return nil, fmt.Errorf("%s registered as %d", m.names[id], evs[0].Participant)
		}
		if _, err := submit(matching.Command{Kind: matching.CmdSetStatus, Participant: id, Status: catalog.StatusVerified}); err != nil {
			return nil, err
		}
		if r := rating[id]; r != 0 {
			if _, err := submit(matching.Command{Kind: matching.CmdSetRating, Participant: id, Rating: r}); err != nil {
				return nil, err
			}
		}
	}
	root := m.reqs[0].Category // the cement group
	if _, err := submit(matching.Command{Kind: matching.CmdOpenPool, Category: root}); err != nil {
		return nil, err
	}
	c := &cleared{req: map[matching.OrderID]clearing.OrderID{}, off: map[matching.OrderID]clearing.OrderID{}}
	for _, o := range m.offs {
		evs, err := submit(matching.Command{Kind: matching.CmdPlace, Participant: o.Owner, Side: matching.Sell,
			Category: o.Category, Basis: o.Basis, Grade: o.Grade, LeadTime: int64(o.Lead), Price: o.Limit, Qty: catalog.Qty(o.Qty)})
		if err != nil {
			return nil, fmt.Errorf("offer %d: %w", o.ID, err)
		}
		c.off[evs[0].OrderID] = o.ID
	}
	for _, r := range m.reqs {
		evs, err := submit(matching.Command{Kind: matching.CmdPlace, Participant: r.Owner, Side: matching.Buy,
			Category: r.Category, Basis: r.Deliver, Bases: r.Accept, Grade: r.MinGrade, LeadTime: int64(r.MaxLead),
			Rating: r.MinRating, Price: r.Limit, Qty: catalog.Qty(r.Qty)})
		if err != nil {
			return nil, fmt.Errorf("request %d: %w", r.ID, err)
		}
		c.req[evs[0].OrderID] = r.ID
	}
	if c.ind, err = x.IndicativeClearing(root); err != nil {
		return nil, err
	}
	evs, err := submit(matching.Command{Kind: matching.CmdClearPool, Category: root})
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if e.Kind == matching.EventPoolFill {
			c.fills = append(c.fills, e)
		}
	}
	return c, x.CheckInvariants()
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
	c, err := m.pool()
	if err != nil {
		return err
	}
	res := c.ind
	offByID := map[clearing.OrderID]clearing.Offer{}
	for _, o := range m.offs {
		offByID[o.ID] = o
	}
	fmt.Fprintln(w, "trades (buyer price at par delivered; paid = for the grade received; seller price ex works):")
	for _, f := range c.fills {
		rq, of := c.req[f.OrderID], c.off[f.MakerOrderID]
		o := offByID[of]
		fmt.Fprintf(w, "  R%d %s <- O%d %s: %d t %s from %s, buyer %s, paid %s, seller %s, transport %s, grade %s\n",
			rq, m.names[f.Participant], of, m.names[f.MakerParticipant], f.Qty, m.grades[o.Grade], bcode(o.Basis),
			rub(int64(f.Price)), rub(int64(f.Price+f.GradeDiff)), rub(int64(f.SellerPrice)), rub(int64(f.Transport)), rub(int64(f.GradeDiff)))
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
