package catalog_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

// The tests use the standard testing package only, with these small helpers.

func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func mustErrIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want errors.Is %v", err, target)
	}
}

func mustEqual[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func mustSlice[T comparable](t *testing.T, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// codes maps category IDs to their codes, failing on an unknown ID.
func codes(t *testing.T, tx *catalog.Taxonomy, ids []catalog.CategoryID) []string {
	t.Helper()
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		c, ok := tx.ByID(id)
		if !ok {
			t.Fatalf("unknown id %d", id)
		}
		out = append(out, c.Code)
	}
	return out
}

// id returns the ID of code, failing if it is absent.
func id(t *testing.T, tx *catalog.Taxonomy, code string) catalog.CategoryID {
	t.Helper()
	c, ok := tx.ByCode(code)
	if !ok {
		t.Fatalf("code %q not found", code)
	}
	return c.ID
}

func sample(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Sample()
	mustNoErr(t, err)
	return c
}

func mustContain(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}
