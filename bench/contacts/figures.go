package contacts

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// FigureModels are the search models of the figures of bench/CONTACTS.md.
var figureModels = [...]SearchModel{
	{Kind: SearchExhaustive}, {Kind: SearchInformed},
	{Kind: SearchSample, N: 5}, {Kind: SearchSequential, N: 20},
}

// FigureSeeds is the number of seeds per size of the figures.
const FigureSeeds = 5

// FigureFitFrom is the smallest N of the figures' fits.
const FigureFitFrom = 50

// Figure names one sweep of bench/CONTACTS.md.
type Figure struct {
	Name  string // file stem: Name.svg, Name-efficiency.svg, Name.csv
	Title string
	Sweep SweepConfig
}

// Figures returns the sweeps of every figure and table of bench/CONTACTS.md
// with N from lo to hi: one market, and ten markets of Zipf popularity
// (s = 1), each with every figure search model and FigureSeeds seeds.
func Figures(lo, hi int) []Figure {
	base := Config{Search: figureModels[:], Seed: 1}
	zipf := base
	zipf.Markets, zipf.Zipf = 10, 1
	sw := func(c Config) SweepConfig {
		return SweepConfig{Base: c, Sizes: DefaultSizes(lo, hi), Seeds: FigureSeeds, FitFrom: FigureFitFrom}
	}
	return []Figure{
		{Name: "contacts", Title: "one market", Sweep: sw(base)},
		{Name: "contacts-zipf", Title: "10 markets, Zipf s = 1", Sweep: sw(zipf)},
	}
}

// WriteMarkdown writes the tables of one figure's sweep in Markdown: the
// fits with their intervals and spread, the local slopes, and the mean
// outcome of each search model and the exchange at each size, with the
// ratio of informed contacts to all exchange messages (onboarding
// included), which shows the small-N crossover.
func WriteMarkdown(w io.Writer, f Figure, s *Sweep) error {
	b := &strings.Builder{}
	p := &s.Params
	fmt.Fprintf(b, "#### %s\n\n", f.Title)
	fmt.Fprintf(b, "Parameters: markets %d, bases %d, depth %d, zipf %g, activity %d, compat %g, arrival %s, subscribe %s, search %s, contact cost %d, ratio %g, %d seeds per size (seed 1, run j uses %s), fit from N >= %d, %d bootstrap resamples (seed %d); version %s.\n\n",
		p.Markets, p.Bases, p.Depth, p.Zipf, p.Activity, p.Compat, p.Arrival, p.Subscribe, p.Search, p.ContactCost,
		s.Config.Ratio, s.Config.Seeds, s.Sweep.SeedRule, s.Config.FitFrom, Bootstrap, BootstrapSeed, p.Version)
	b.WriteString("| quantity | slope | 95% interval | R² | seed spread (min–max) | last local slope |\n|---|---:|---:|---:|---:|---:|\n")
	for _, ft := range s.Fits {
		last := math.NaN()
		if len(ft.Local) > 0 {
			last = ft.Local[len(ft.Local)-1].Slope
		}
		fmt.Fprintf(b, "| %s | %.4f | [%.4f, %.4f] | %.5f | %.4f–%.4f | %.4f |\n", ft.Model, ft.Slope, ft.CILow, ft.CIHigh, ft.R2, ft.SlopeMin, ft.SlopeMax, last)
	}
	b.WriteString("\nMeans over seeds. Contacts count an inquiry and its reply; efficiency is realised surplus over the maximum surplus.\n\n")
	b.WriteString("| N | model | contacts | fill rate | efficiency | exchange messages (with onboarding) | exchange efficiency | informed contacts / all exchange messages |\n|---:|---|---:|---:|---:|---:|---:|---:|\n")
	for _, n := range s.Config.Sizes {
		var runs []*Result
		for i := range s.Results {
			if s.Results[i].Buyers == n {
				runs = append(runs, &s.Results[i])
			}
		}
		if len(runs) == 0 {
			continue
		}
		mean := func(v func(r *Result) (float64, bool)) string {
			sum, k := 0.0, 0
			for _, r := range runs {
				if x, ok := v(r); ok {
					sum += x
					k++
				}
			}
			if k == 0 {
				return "–"
			}
			return strconv.FormatFloat(sum/float64(k), 'f', 3, 64)
		}
		all := mean(func(r *Result) (float64, bool) { return float64(r.AllMessages()), true })
		xeff := mean(func(r *Result) (float64, bool) { return r.Efficiency(&r.Exchange) })
		ratio := mean(func(r *Result) (float64, bool) {
			c, ok := r.Contacts("informed")
			return float64(c) / float64(r.AllMessages()), ok && r.AllMessages() > 0
		})
		for k, m := range s.Config.Base.Search {
			name := m.String()
			get := func(r *Result) *Outcome { o, _ := r.Outcome(name); return o }
			row := []string{strconv.Itoa(n), name,
				mean(func(r *Result) (float64, bool) { return float64(get(r).Contacts), true }),
				mean(func(r *Result) (float64, bool) { return r.FillRate(get(r)) }),
				mean(func(r *Result) (float64, bool) { return r.Efficiency(get(r)) }),
				"", "", ""}
			if k == 0 {
				row[5], row[6], row[7] = all, xeff, ratio
			}
			fmt.Fprintf(b, "| %s |\n", strings.Join(row, " | "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
