package catalog

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed data/cement_taxonomy.csv
var cementTaxonomyCSV string

//go:embed data/cement_bases.csv
var cementBasesCSV string

//go:embed data/cement_grades.csv
var cementGradesCSV string

//go:embed data/cement_transport.csv
var cementTransportCSV string

// Differentials is the reference data of multi-attribute clearing: a
// catalog together with the grade scales of its categories and the
// transport costs between its bases. Like its parts it is built once and
// then only read.
type Differentials struct {
	*Catalog
	Grades    *Grades
	Transport *Transport
}

// SampleCement returns a small cement catalog for multi-attribute clearing,
// parsed from data files embedded in the package: Portland cement CEM I and
// CEM II (leaves under "23.51", tick 100 kopecks per tonne, lot 1 t), one
// grade scale on "23.51" (M400 at a discount of 30 roubles a tonne, par
// M500, M550 at a premium of 20), five bases around Moscow and Voronezh, and
// a transport table in kopecks per tonne. Every call returns a fresh,
// independent copy.
func SampleCement() (*Differentials, error) {
	t, err := LoadTaxonomyCSV(strings.NewReader(cementTaxonomyCSV))
	if err != nil {
		return nil, fmt.Errorf("catalog: cement taxonomy: %w", err)
	}
	b, err := LoadBasesCSV(strings.NewReader(cementBasesCSV))
	if err != nil {
		return nil, fmt.Errorf("catalog: cement bases: %w", err)
	}
	g, err := LoadGradesCSV(strings.NewReader(cementGradesCSV), t)
	if err != nil {
		return nil, fmt.Errorf("catalog: cement grades: %w", err)
	}
	tr, err := LoadTransportCSV(strings.NewReader(cementTransportCSV), b, 100)
	if err != nil {
		return nil, fmt.Errorf("catalog: cement transport: %w", err)
	}
	return &Differentials{Catalog: &Catalog{Taxonomy: t, Bases: b}, Grades: g, Transport: tr}, nil
}
