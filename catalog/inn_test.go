package catalog

import (
	"errors"
	"fmt"
	"testing"
)

func TestLegalEntityINN(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"770708389", "7707083893"}, // Sberbank
		{"773620754", "7736207543"},
		{"500000000", "5000000000"},
	} {
		got, err := LegalEntityINN(tc.body)
		if err != nil || got != tc.want {
			t.Errorf("LegalEntityINN(%q) = %q, %v; want %q", tc.body, got, err, tc.want)
		}
	}
	// Every body gives an INN that ValidateINN accepts and whose other
	// nine check digits it rejects.
	for n := 0; n < 20_000; n += 7 {
		body := fmt.Sprintf("%09d", 10_000_000+n*49_491) // regions 01-99
		inn, err := LegalEntityINN(body)
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateINN(inn); err != nil {
			t.Fatalf("%s: %v", inn, err)
		}
		for d := byte('0'); d <= '9'; d++ {
			if d != inn[9] && ValidateINN(body+string(d)) == nil {
				t.Fatalf("%s%c validates too", body, d)
			}
		}
	}
	for _, bad := range []string{"", "12345678", "1234567890", "12345678x", "１２３４５６７８９", "000000000", "007707083"} {
		if _, err := LegalEntityINN(bad); !errors.Is(err, ErrInvalidINN) {
			t.Errorf("LegalEntityINN(%q): err %v, want ErrInvalidINN", bad, err)
		}
	}
	if _, err := LegalEntityINN("009999999"); !errors.Is(err, ErrINNRegion) {
		t.Errorf("LegalEntityINN(region 00): err %v, want ErrINNRegion", err)
	}
}
