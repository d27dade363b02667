package catalog

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed data/taxonomy.csv
var sampleTaxonomyCSV string

//go:embed data/bases.csv
var sampleBasesCSV string

// Catalog bundles the reference data an exchange is configured with: the
// category taxonomy and the delivery bases. Participants are kept separately
// because they change while the exchange runs.
//
// Like its parts, a Catalog is built once and then only read; read-only use
// from many goroutines is safe.
type Catalog struct {
	Taxonomy *Taxonomy
	Bases    *Bases
}

// Sample returns a small OKPD2-style sample catalog (building materials,
// metals, fuels, freight and warehousing services, and Russian delivery bases)
// parsed from the data files embedded in the package. Every call returns a
// fresh, independent copy. Prices are in kopecks.
func Sample() (*Catalog, error) {
	t, err := LoadTaxonomyCSV(strings.NewReader(sampleTaxonomyCSV))
	if err != nil {
		return nil, fmt.Errorf("catalog: sample taxonomy: %w", err)
	}
	b, err := LoadBasesCSV(strings.NewReader(sampleBasesCSV))
	if err != nil {
		return nil, fmt.Errorf("catalog: sample bases: %w", err)
	}
	return &Catalog{Taxonomy: t, Bases: b}, nil
}

// Validate checks that the catalog has a taxonomy with at least one tradable
// leaf and at least one basis, and that the taxonomy is valid (see
// Taxonomy.Validate). Errors: ErrIncomplete, or an error from
// Taxonomy.Validate. A nil *Catalog returns ErrIncomplete.
func (c *Catalog) Validate() error {
	switch {
	case c == nil:
		return fmt.Errorf("%w: nil catalog", ErrIncomplete)
	case c.Taxonomy.Len() == 0:
		return fmt.Errorf("%w: no categories", ErrIncomplete)
	case c.Bases.Len() == 0:
		return fmt.Errorf("%w: no delivery bases", ErrIncomplete)
	}
	return c.Taxonomy.Validate()
}
