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
	s, err := contacts.RunSweep(context.Background(), contacts.SweepConfig{Sizes: contacts.DefaultSizes(5, 500), Seeds: 2,
		Base: contacts.Config{Search: []contacts.SearchModel{{Kind: contacts.SearchInformed}, {Kind: contacts.SearchSample, N: 3}}}})
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
	for _, want := range []string{"direct search, informed: slope 2.0", "direct search, sample:3", "exchange, postings: slope 1.0", "reference N²", "reference N log N", "N, buyers", "zipf 0, activity 1, compat 0.5, arrival priority", "bootstrap"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestFigures(t *testing.T) {
	var sweeps []*contacts.Sweep
	for _, f := range contacts.Figures(5, 50) {
		s, err := contacts.RunSweep(context.Background(), f.Sweep)
		if err != nil {
			t.Fatal(err)
		}
		sweeps = append(sweeps, s)
	}
	dir := t.TempDir()
	if err := plot.Figures(dir, sweeps); err != nil {
		t.Fatal(err)
	}
	for _, f := range contacts.Figures(5, 50) {
		b, err := os.ReadFile(filepath.Join(dir, f.Name+"-efficiency.svg"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Efficiency against contacts", "direct search, sequential:20", "exchange (N 5"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s: SVG lacks %q", f.Name, want)
			}
		}
	}
	if err := plot.Figures(dir, sweeps[:1]); err == nil {
		t.Error("a missing sweep is not an error")
	}
}
