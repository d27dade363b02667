package catalog_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/agora-exchange/agora/catalog"
)

func TestBases(t *testing.T) {
	b := catalog.NewBases()
	msk, err := b.Add("MSK", "Moscow")
	mustNoErr(t, err)
	spb, err := b.Add("SPB", "Saint Petersburg")
	mustNoErr(t, err)
	mustEqual(t, msk, 1)
	mustEqual(t, spb, 2)
	got, ok := b.ByID(spb)
	mustEqual(t, ok, true)
	mustEqual(t, got, catalog.Basis{ID: 2, Code: "SPB", Name: "Saint Petersburg"})
	got, ok = b.ByCode("MSK")
	mustEqual(t, ok, true)
	mustEqual(t, got.ID, msk)
	for _, bad := range []catalog.BasisID{0, 3} {
		_, ok := b.ByID(bad)
		mustEqual(t, ok, false)
	}
	_, ok = b.ByCode("msk")
	mustEqual(t, ok, false)
	mustSlice(t, slices.Collect(b.All()), []catalog.Basis{{1, "MSK", "Moscow"}, {2, "SPB", "Saint Petersburg"}})

	tests := []struct {
		name, code, basisName string
		want                  error
	}{
		{"empty code", "", "x", catalog.ErrBadCode},
		{"space in code", "M SK", "x", catalog.ErrBadCode},
		{"cyrillic code", "МСК", "x", catalog.ErrBadCode},
		{"long code", strings.Repeat("A", catalog.MaxBasisCodeLen+1), "x", catalog.ErrBadCode},
		{"empty name", "KZN", "", catalog.ErrBadName},
		{"blank name", "KZN", "  ", catalog.ErrBadName},
		{"duplicate", "MSK", "Moscow again", catalog.ErrDuplicateBasis},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := b.Add(tc.code, tc.basisName)
			mustErrIs(t, err, tc.want)
			mustEqual(t, id, 0)
			mustEqual(t, b.Len(), 2)
		})
	}

	var zero catalog.Bases
	id, err := zero.Add("NVR", "Novorossiysk port")
	mustNoErr(t, err)
	mustEqual(t, id, 1)
	var nilBases *catalog.Bases
	mustEqual(t, nilBases.Len(), 0)
	_, ok = nilBases.ByID(1)
	mustEqual(t, ok, false)
	_, ok = nilBases.ByCode("MSK")
	mustEqual(t, ok, false)
	mustEqual(t, len(slices.Collect(nilBases.All())), 0)
}

func TestLoadBasesCSV(t *testing.T) {
	b, err := catalog.LoadBasesCSV(strings.NewReader("code,name\nMSK,Moscow\n\nNVR,\"Novorossiysk port\"\n"))
	mustNoErr(t, err)
	mustEqual(t, b.Len(), 2)
	nvr, ok := b.ByCode("NVR")
	mustEqual(t, ok, true)
	mustEqual(t, nvr.Name, "Novorossiysk port")

	tests := []struct {
		name, in string
		line     int
		want     error
	}{
		{"empty", "", 1, catalog.ErrBadHeader},
		{"wrong header", "name,code\n", 1, catalog.ErrBadHeader},
		{"extra column", "code,name\nMSK,Moscow,RU\n", 2, catalog.ErrBadRow},
		{"bad code", "code,name\nMSK,Moscow\n\n M,x\n", 4, catalog.ErrBadCode},
		{"bad name", "code,name\nMSK,\n", 2, catalog.ErrBadName},
		{"duplicate", "code,name\nMSK,Moscow\nMSK,Moscow\n", 3, catalog.ErrDuplicateBasis},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := catalog.LoadBasesCSV(strings.NewReader(tc.in))
			if b != nil {
				t.Fatalf("got bases with error %v", err)
			}
			var pe *catalog.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			mustEqual(t, pe.Line, tc.line)
			mustErrIs(t, err, tc.want)
		})
	}
}
