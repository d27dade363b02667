package plot_test

import (
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
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

// svgRefs matches the figures bench/CONTACTS.md embeds or links.
var svgRefs = regexp.MustCompile(`contacts/figures/([a-z-]+)\.svg`)

// The SVGs bench/CONTACTS.md shows must be the ones -figures writes, they
// must be committed, and their captions must name the parameters of today's
// figure sweeps. Drawing is deterministic: the same sweeps give the same
// bytes, so CONTACTS_FULL=1 redraws the figures at full size and compares
// them with the committed files byte for byte.
func TestCommittedFigures(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "..", "..", "CONTACTS.md"))
	if err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "..", "contacts", "figures")
	hi := 50
	full := os.Getenv("CONTACTS_FULL") != ""
	if full {
		hi = 100_000
	}
	figs := contacts.Figures(5, hi)
	var sweeps []*contacts.Sweep
	written := map[string]bool{}
	for _, f := range figs {
		s, err := contacts.RunSweep(context.Background(), f.Sweep)
		if err != nil {
			t.Fatal(err)
		}
		sweeps = append(sweeps, s)
		written[f.Name], written[f.Name+"-efficiency"] = true, true
	}
	refs := svgRefs.FindAllStringSubmatch(string(page), -1)
	if len(refs) == 0 {
		t.Fatal("CONTACTS.md shows no figure")
	}
	for _, m := range refs {
		if !written[m[1]] {
			t.Errorf("CONTACTS.md shows %s.svg, which -figures does not write", m[1])
		}
	}
	a, b := t.TempDir(), t.TempDir()
	if err := plot.Figures(a, sweeps); err != nil {
		t.Fatal(err)
	}
	if err := plot.Figures(b, sweeps); err != nil {
		t.Fatal(err)
	}
	for i, f := range figs {
		var caption strings.Builder
		if err := xml.EscapeText(&caption, []byte(plot.Caption(sweeps[i]))); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(caption.String(), "&#xA;")
		// The last line ends with the version, which names the build.
		last, _, _ := strings.Cut(lines[len(lines)-1], "; version")
		lines[len(lines)-1] = last
		for _, name := range []string{f.Name, f.Name + "-efficiency"} {
			x, errX := os.ReadFile(filepath.Join(a, name+".svg"))
			y, errY := os.ReadFile(filepath.Join(b, name+".svg"))
			old, errC := os.ReadFile(filepath.Join(committed, name+".svg"))
			if errX != nil || errY != nil || errC != nil {
				t.Fatal(errX, errY, errC)
			}
			if string(x) != string(y) {
				t.Errorf("%s.svg: two drawings of the same sweeps differ", name)
			}
			for _, l := range lines {
				if !strings.Contains(string(old), l) {
					t.Errorf("committed %s.svg lacks the caption line %q: regenerate the figures", name, l)
				}
			}
			if full && string(x) != string(old) {
				t.Errorf("committed %s.svg differs from a fresh drawing: regenerate the figures", name)
			}
		}
	}
}
