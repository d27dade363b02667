package plot_test

import (
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agora-exchange/agora/bench/cmd/internal/plot"
	"github.com/agora-exchange/agora/bench/contacts"
)

func TestSaveSVG(t *testing.T) {
	s, err := contacts.RunSweep(context.Background(), contacts.SweepConfig{Sizes: contacts.DefaultSizes(5, 500), Seeds: 2})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "contacts.svg")
	if err := plot.Save(path, s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(strings.NewReader(string(b)))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed SVG: %v", err)
		}
	}
	for _, want := range []string{"direct search, informed", "exchange, postings", "slope 2.00", "slope 1.00", "N, buyers"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}
