package catalog_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

// refRegistry is the naive registry the differential test holds
// Participants to: a slice, searched linearly.
type refRegistry struct{ list []catalog.Participant }

func (r *refRegistry) byINN(inn, kpp string) (catalog.ParticipantID, bool) {
	for _, p := range r.list {
		if p.INN == inn && p.KPP == kpp {
			return p.ID, true
		}
	}
	return 0, false
}

func (r *refRegistry) lookupINN(inn string) (catalog.Participant, bool) {
	for _, p := range r.list { // the first registration is the lowest ID
		if p.INN == inn {
			return p, true
		}
	}
	return catalog.Participant{}, false
}

// randomINN returns a random valid INN of 10 digits (two draws in three)
// or 12. The test draws its registrations from a pool of them, so that
// INNs repeat (branches and duplicates).
func randomINN(r *rand.Rand) string {
	for {
		n := 10
		if r.IntN(3) == 0 {
			n = 12
		}
		s := strconv.Itoa(10 + r.IntN(90)) // region 10..99, never 00
		for len(s) < n {
			s += strconv.Itoa(r.IntN(10))
		}
		if catalog.ValidateINN(s) == nil {
			return s
		}
	}
}

// randomKPP returns "" or a KPP from a small pool, some with letters.
func randomKPP(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0, 1:
		return ""
	case 2:
		return fmt.Sprintf("7736%02d%03d", r.IntN(3), r.IntN(3))
	default:
		return fmt.Sprintf("7736%c%c%03d", 'A'+r.IntN(3), 'Z'-r.IntN(2), r.IntN(3))
	}
}

// mangle returns strings close to s that no valid registration carries.
func mangle(s string) []string {
	out := []string{s + "0", " " + s, s[:len(s)-1]}
	if len(s) == 10 {
		out = append(out, "00"+s) // the same value in 12 digits
	}
	if len(s) == 9 {
		out = append(out, s[:4]+"ab"+s[6:], s[:4]+"[Z"+s[6:])
	}
	return out
}

// TestParticipantsMatchReference registers thousands of companies, with
// repeated INNs in every order of branches (with a KPP) and heads (without),
// across several storage pages, and checks every lookup against the naive
// registry after each registration batch; a clone is checked too.
func TestParticipantsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	inns := make([]string, 1500)
	for i := range inns {
		inns[i] = randomINN(r)
	}
	p := catalog.NewParticipants()
	var ref refRegistry
	check := func(p *catalog.Participants, ref *refRegistry) {
		t.Helper()
		if p.Len() != len(ref.list) {
			t.Fatalf("Len %d, want %d", p.Len(), len(ref.list))
		}
		if got := p.AppendAll(nil); !slices.Equal(got, ref.list) {
			t.Fatalf("AppendAll differs from the reference (%d against %d)", len(got), len(ref.list))
		}
		if got := slices.Collect(p.All()); !slices.Equal(got, ref.list) {
			t.Fatal("All differs from the reference")
		}
		for _, want := range ref.list {
			if got, ok := p.Get(want.ID); !ok || got != want {
				t.Fatalf("Get(%d) = %+v, %v; want %+v", want.ID, got, ok, want)
			}
		}
		for _, inn := range inns {
			want, wok := ref.lookupINN(inn)
			if got, ok := p.LookupINN(inn); ok != wok || got != want {
				t.Fatalf("LookupINN(%s) = %+v, %v; want %+v, %v", inn, got, ok, want, wok)
			}
			for _, bad := range mangle(inn) {
				if got, ok := p.LookupINN(bad); ok {
					t.Fatalf("LookupINN(%q) found %+v", bad, got)
				}
			}
		}
		for _, e := range ref.list {
			if id, ok := p.ByINN(e.INN, e.KPP); !ok || id != e.ID {
				t.Fatalf("ByINN(%s, %q) = %d, %v; want %d", e.INN, e.KPP, id, ok, e.ID)
			}
			if e.KPP != "" {
				for _, bad := range mangle(e.KPP) {
					if id, ok := p.ByINN(e.INN, bad); ok {
						t.Fatalf("ByINN(%s, %q) found %d", e.INN, bad, id)
					}
				}
			}
		}
		for _, want := range ref.list {
			if st, ok := p.Status(want.ID); !ok || st != want.Status {
				t.Fatalf("Status(%d) = %v, %v; want %v", want.ID, st, ok, want.Status)
			}
		}
		if _, ok := p.Get(catalog.ParticipantID(len(ref.list) + 1)); ok {
			t.Fatal("Get past the last ID found a participant")
		}
		if _, ok := p.Status(catalog.ParticipantID(len(ref.list) + 1)); ok {
			t.Fatal("Status past the last ID found a participant")
		}
	}
	// moderate moves random participants (and IDs past the last) to
	// random statuses, as the reference allows.
	moderate := func(p *catalog.Participants, ref *refRegistry) {
		t.Helper()
		for range 300 {
			id := catalog.ParticipantID(1 + r.IntN(len(ref.list)+2))
			to := catalog.Status(r.IntN(5))
			err := p.SetStatus(id, to)
			switch {
			case int(id) > len(ref.list):
				mustErrIs(t, err, catalog.ErrUnknownParticipant)
			case ref.list[id-1].Status.CanTransition(to):
				mustNoErr(t, err)
				ref.list[id-1].Status = to
			default:
				mustErrIs(t, err, catalog.ErrBadTransition)
			}
		}
	}
	for batch := range 6 {
		for range 600 {
			inn, kpp := inns[r.IntN(len(inns))], randomKPP(r)
			if len(inn) == 12 {
				kpp = ""
			}
			name := fmt.Sprintf("OOO Company %d", len(ref.list)+1)
			_, dup := ref.byINN(inn, kpp)
			id, err := p.Register(name, inn, kpp)
			if dup {
				mustErrIs(t, err, catalog.ErrDuplicateParticipant)
				continue
			}
			mustNoErr(t, err)
			want := catalog.ParticipantID(len(ref.list) + 1)
			if id != want {
				t.Fatalf("Register gave ID %d, want %d", id, want)
			}
			ref.list = append(ref.list, catalog.Participant{ID: id, Name: name, INN: inn, KPP: kpp, Status: catalog.StatusPending})
		}
		moderate(p, &ref)
		check(p, &ref)
		if batch == 2 {
			c := p.Clone()
			cref := refRegistry{list: slices.Clone(ref.list)}
			moderate(p, &ref) // the clone does not see it
			check(c, &cref)
			moderate(c, &cref) // nor the original this
			check(p, &ref)
			// The clone grows its partial last page on its own: the
			// original, checked after the next batch, is unaffected.
			for i := range 1500 {
				inn := randomINN(r)
				if _, dup := cref.byINN(inn, ""); dup {
					continue
				}
				name := fmt.Sprintf("OOO Clone %d", i)
				id, err := c.Register(name, inn, "")
				mustNoErr(t, err)
				cref.list = append(cref.list, catalog.Participant{ID: id, Name: name, INN: inn, Status: catalog.StatusPending})
			}
			check(c, &cref)
		}
	}
	if len(ref.list) <= 2*1024 {
		t.Fatalf("only %d participants registered: the test should span several pages", len(ref.list))
	}
}
