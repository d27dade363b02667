package catalog_test

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

func TestValidateINN(t *testing.T) {
	tests := []struct {
		inn string
		ok  bool
	}{
		// 7·2+7·4+0·10+7·3+0·5+8·9+3·4+8·6+9·8 = 267; 267 mod 11 = 3.
		{"7707083893", true},
		// 7·2+7·4+3·10+6·3+2·5+0·9+7·4+5·6+4·8 = 190; 190 mod 11 = 3.
		{"7736207543", true},
		// 1·2+2·4+3·10+4·3+5·5+6·9+7·4+8·6+9·8 = 279; 279 mod 11 = 4.
		{"1234567894", true},
		// 5·2 = 10; 10 mod 11 = 10; 10 mod 10 = 0.
		{"5000000000", true},
		{"5000000001", false},
		// Region 00 is refused although the check digits pass (all sums
		// are 0); any digits in positions 3-4 are fine.
		{"0000000000", false},
		{"000000000000", false},
		// Region 00 with valid check digits.
		{"0077070836", false},
		{"001234567887", false},
		// 7·2+7·4 = 42; 42 mod 11 = 9: zeros in positions 3-4 are fine.
		{"7700000009", true},
		// 1·4 = 4: region 01 is assigned.
		{"0100000004", true},
		{"770000000082", true},

		// d11: 5·7+1·10+7·9+3·4+2·6+2·8 = 148, mod 11 = 5;
		// d12: 5·3+1·4+7·5+3·9+2·4+2·6+5·8 = 141, mod 11 = 9.
		{"500100732259", true},
		// d11: 257 mod 11 = 4; d12: 282 mod 11 = 7.
		{"123456789047", true},
		{"123456789048", false}, // bad digit 12
		{"123456789037", false}, // bad digit 11
		{"500100732258", false},
		{"500100732249", false},
		{"7707083894", false},
		{"7707083892", false},
		{"7707083883", false}, // a changed body digit
		{"", false},
		{"7", false},
		{"770708389", false},     // 9 digits
		{"77070838931", false},   // 11 digits
		{"5001007322591", false}, // 13 digits
		{"77070838９3", false},    // fullwidth digit
		{"770708389a", false},
		{"7707O83893", false},
		{" 7707083893", false},
		{"7707083893 ", false},
		{"-707083893", false},
		{"+707083893", false},
		{"50010073225a", false},
	}
	for _, tc := range tests {
		err := catalog.ValidateINN(tc.inn)
		if tc.ok {
			if err != nil {
				t.Errorf("ValidateINN(%q) = %v, want nil", tc.inn, err)
			}
			continue
		}
		if !errors.Is(err, catalog.ErrInvalidINN) {
			t.Errorf("ValidateINN(%q) = %v, want ErrInvalidINN", tc.inn, err)
		}
		mustEqual(t, errors.Is(err, catalog.ErrINNRegion), tc.inn[:min(2, len(tc.inn))] == "00")
		mustEqual(t, referenceINN(tc.inn), false)
	}
}

// TestValidateINNSingleDigitChanges checks that each single-digit change of
// a valid INN in a check digit is rejected, and that changing any one digit
// either gets rejected or agrees with the reference.
func TestValidateINNSingleDigitChanges(t *testing.T) {
	for _, inn := range []string{"7707083893", "7736207543", "500100732259", "123456789047"} {
		for pos := range len(inn) {
			for d := byte('0'); d <= '9'; d++ {
				if d == inn[pos] {
					continue
				}
				b := []byte(inn)
				b[pos] = d
				s := string(b)
				got := catalog.ValidateINN(s) == nil
				mustEqual(t, got, referenceINN(s))
				if pos >= 9 && len(inn) == 10 || pos >= 11 {
					mustEqual(t, got, false) // the last check digit is determined
				}
			}
		}
	}
}

var digitsOnly = regexp.MustCompile(`^(?:[0-9]{10}|[0-9]{12})$`)

// referenceINN is a straightforward independent implementation of the check.
func referenceINN(s string) bool {
	if !digitsOnly.MatchString(s) {
		return false
	}
	d := make([]int, len(s))
	for i := range s {
		v, err := strconv.Atoi(s[i : i+1])
		if err != nil {
			return false
		}
		d[i] = v
	}
	check := func(weights []int) int {
		sum := 0
		for i, w := range weights {
			sum += w * d[i]
		}
		return sum % 11 % 10
	}
	if d[0] == 0 && d[1] == 0 {
		return false // region 00 is not assigned
	}
	if len(d) == 10 {
		return check([]int{2, 4, 10, 3, 5, 9, 4, 6, 8}) == d[9]
	}
	return check([]int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) == d[10] &&
		check([]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) == d[11]
}

func FuzzValidateINN(f *testing.F) {
	for _, s := range []string{
		"7707083893", "7736207543", "500100732259", "123456789047", "5000000000",
		"0000000000", "000000000000", "7707083894", "500100732258", "", "1",
		"770708389", "77070838931", "770708389a", "77070838９3", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := catalog.ValidateINN(s)
		want := referenceINN(s)
		if (err == nil) != want {
			t.Fatalf("ValidateINN(%q) = %v, reference valid=%v", s, err, want)
		}
		if err != nil && !errors.Is(err, catalog.ErrInvalidINN) {
			t.Fatalf("ValidateINN(%q) = %v, not ErrInvalidINN", s, err)
		}
		// Registering never panics and agrees with ValidateINN.
		p := catalog.NewParticipants()
		_, rerr := p.Register("Fuzz LLC", s, "")
		if (rerr == nil) != want {
			t.Fatalf("Register(%q) = %v, reference valid=%v", s, rerr, want)
		}
	})
}

func TestValidateKPP(t *testing.T) {
	for _, ok := range []string{"773601001", "770701001", "7736AB001", "77360Z001", "0000A0000"} {
		mustNoErr(t, catalog.ValidateKPP(ok))
	}
	for _, bad := range []string{
		"", "77360100", "7736010011", "7736ab001", "A73601001", "773601A01",
		"77360100A", "7736-1001", "7736Ж1001", " 77360100", "７73601001",
	} {
		if err := catalog.ValidateKPP(bad); !errors.Is(err, catalog.ErrInvalidKPP) {
			t.Errorf("ValidateKPP(%q) = %v, want ErrInvalidKPP", bad, err)
		}
	}
}

func TestStatus(t *testing.T) {
	all := []catalog.Status{0, catalog.StatusPending, catalog.StatusVerified, catalog.StatusSuspended, 4, 255}
	allowed := map[[2]catalog.Status]bool{
		{catalog.StatusPending, catalog.StatusVerified}:   true,
		{catalog.StatusPending, catalog.StatusSuspended}:  true,
		{catalog.StatusVerified, catalog.StatusSuspended}: true,
		{catalog.StatusSuspended, catalog.StatusVerified}: true,
	}
	for _, from := range all {
		for _, to := range all {
			mustEqual(t, from.CanTransition(to), allowed[[2]catalog.Status{from, to}])
		}
		mustEqual(t, from.CanTrade(), from == catalog.StatusVerified)
	}
	mustEqual(t, catalog.StatusPending.String(), "pending")
	mustEqual(t, catalog.StatusVerified.String(), "verified")
	mustEqual(t, catalog.StatusSuspended.String(), "suspended")
	mustEqual(t, catalog.Status(0).String(), "Status(0)")
	mustEqual(t, catalog.Status(9).String(), "Status(9)")
	mustEqual(t, catalog.Status(0).Valid(), false)
	mustEqual(t, catalog.StatusSuspended.Valid(), true)
	mustEqual(t, catalog.Status(4).Valid(), false)
}

func TestParticipantsRegister(t *testing.T) {
	p := catalog.NewParticipants()
	sber, err := p.Register("PAO Sberbank", "7707083893", "773601001")
	mustNoErr(t, err)
	branch, err := p.Register("PAO Sberbank, Moscow branch", "7707083893", "770701001")
	mustNoErr(t, err)
	noKPP, err := p.Register("PAO Sberbank (head)", "7707083893", "")
	mustNoErr(t, err)
	ip, err := p.Register("IP Ivanov", "500100732259", "")
	mustNoErr(t, err)
	mustSlice(t, []catalog.ParticipantID{sber, branch, noKPP, ip}, []catalog.ParticipantID{1, 2, 3, 4})
	mustEqual(t, p.Len(), 4)

	got, ok := p.Get(sber)
	mustEqual(t, ok, true)
	mustEqual(t, got, catalog.Participant{ID: 1, Name: "PAO Sberbank", INN: "7707083893", KPP: "773601001", Status: catalog.StatusPending})
	for inn, want := range map[[2]string]catalog.ParticipantID{
		{"7707083893", "773601001"}: sber, {"7707083893", "770701001"}: branch,
		{"7707083893", ""}: noKPP, {"500100732259", ""}: ip,
	} {
		id, ok := p.ByINN(inn[0], inn[1])
		mustEqual(t, ok, true)
		mustEqual(t, id, want)
	}
	_, ok = p.ByINN("7736207543", "")
	mustEqual(t, ok, false)
	mustEqual(t, len(slices.Collect(p.All())), 4)

	tests := []struct {
		name, pname, inn, kpp string
		want                  error
	}{
		{"empty name", "", "7736207543", "", catalog.ErrBadName},
		{"blank name", " \n", "7736207543", "", catalog.ErrBadName},
		{"bad INN", "X", "7736207542", "", catalog.ErrInvalidINN},
		{"short INN", "X", "77362075", "", catalog.ErrInvalidINN},
		{"bad KPP", "X", "7736207543", "77360100", catalog.ErrInvalidKPP},
		{"KPP for individual", "X", "123456789047", "773601001", catalog.ErrInvalidKPP},
		{"duplicate pair", "Other", "7707083893", "773601001", catalog.ErrDuplicateParticipant},
		{"duplicate no KPP", "Other", "500100732259", "", catalog.ErrDuplicateParticipant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := p.Register(tc.pname, tc.inn, tc.kpp)
			mustErrIs(t, err, tc.want)
			mustEqual(t, id, 0)
			mustEqual(t, p.Len(), 4)
			if tc.want != catalog.ErrDuplicateParticipant {
				_, ok := p.ByINN(tc.inn, tc.kpp)
				mustEqual(t, ok, false)
			}
		})
	}
}

func TestParticipantsModeration(t *testing.T) {
	p := catalog.NewParticipants()
	a, err := p.Register("OOO Beton", "7736207543", "")
	mustNoErr(t, err)
	b, err := p.Register("OOO Kirpich", "1234567894", "")
	mustNoErr(t, err)

	st, ok := p.Status(a)
	mustEqual(t, ok, true)
	mustEqual(t, st, catalog.StatusPending)
	mustErrIs(t, p.SetStatus(a, catalog.StatusPending), catalog.ErrBadTransition)
	mustErrIs(t, p.SetStatus(a, 0), catalog.ErrBadTransition)
	mustErrIs(t, p.SetStatus(a, 42), catalog.ErrBadTransition)
	mustNoErr(t, p.Verify(a))
	mustErrIs(t, p.Verify(a), catalog.ErrBadTransition)
	st, _ = p.Status(a)
	mustEqual(t, st.CanTrade(), true)
	mustNoErr(t, p.Suspend(a))
	mustErrIs(t, p.Suspend(a), catalog.ErrBadTransition)
	mustErrIs(t, p.SetStatus(a, catalog.StatusPending), catalog.ErrBadTransition)
	mustNoErr(t, p.Verify(a))

	mustNoErr(t, p.Suspend(b)) // moderation refused
	st, _ = p.Status(b)
	mustEqual(t, st, catalog.StatusSuspended)
	mustEqual(t, st.CanTrade(), false)

	for _, bad := range []catalog.ParticipantID{0, 3, ^catalog.ParticipantID(0)} {
		mustErrIs(t, p.SetStatus(bad, catalog.StatusVerified), catalog.ErrUnknownParticipant)
		mustErrIs(t, p.Verify(bad), catalog.ErrUnknownParticipant)
		_, ok := p.Status(bad)
		mustEqual(t, ok, false)
		_, ok = p.Get(bad)
		mustEqual(t, ok, false)
	}
}

func TestParticipantsClone(t *testing.T) {
	p := catalog.NewParticipants()
	a, err := p.Register("OOO Beton", "7736207543", "")
	mustNoErr(t, err)
	snap := p.Clone()
	mustNoErr(t, p.Verify(a))
	_, err = p.Register("OOO Kirpich", "1234567894", "")
	mustNoErr(t, err)

	mustEqual(t, snap.Len(), 1)
	st, _ := snap.Status(a)
	mustEqual(t, st, catalog.StatusPending)
	_, ok := snap.ByINN("1234567894", "")
	mustEqual(t, ok, false)
	// The clone is usable on its own and does not write back.
	id, err := snap.Register("OOO Pesok", "5000000000", "")
	mustNoErr(t, err)
	mustEqual(t, id, 2)
	got, _ := p.Get(2)
	mustEqual(t, got.Name, "OOO Kirpich")

	var nilP *catalog.Participants
	mustEqual(t, nilP.Len(), 0)
	mustEqual(t, nilP.Clone().Len(), 0)
	_, ok = nilP.Status(1)
	mustEqual(t, ok, false)
	_, ok = nilP.ByINN("7736207543", "")
	mustEqual(t, ok, false)
	mustErrIs(t, nilP.Verify(1), catalog.ErrUnknownParticipant)
	mustEqual(t, len(slices.Collect(nilP.All())), 0)

	var zero catalog.Participants
	id, err = zero.Register("OOO Beton", "7736207543", "")
	mustNoErr(t, err)
	mustEqual(t, id, 1)
	mustEqual(t, zero.Clone().Len(), 1)
}
