// Package plot draws the contact-count sweeps of package
// github.com/agora-exchange/agora/bench/contacts as figures for a paper,
// with gonum.org/v1/plot: the counts against N on a log-log scale (measured
// means with the seed range as error bars, fitted lines, N, N log N and N²
// reference curves), and the efficiency of each search model and of the
// exchange against its contacts. The legend sits right of the data area and
// a caption below names every parameter. It lives in the bench/cmd module
// so that the charting dependencies stay out of the engine's module.
package plot

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/agora-exchange/agora/bench/contacts"
)

var palette = []color.Color{
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
	color.Gray{Y: 0x60},
}

var glyphs = []draw.GlyphDrawer{draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{}, draw.PlusGlyph{}, draw.CrossGlyph{}, draw.BoxGlyph{}}

// label returns the legend name of a quantity.
func label(q string) string {
	if m, ok := strings.CutPrefix(q, "contacts:"); ok {
		return "direct search, " + m
	}
	return map[string]string{
		"exchange_postings": "exchange, postings",
		"exchange_messages": "exchange, trading messages",
		"all_messages":      "exchange, all messages incl. onboarding",
		"compatible_pairs":  "compatible pairs",
	}[q]
}

// drawn are the quantities of the contacts figure, in legend order.
func drawn(s *contacts.Sweep) []string {
	var q []string
	for _, m := range s.Config.Base.Search {
		q = append(q, "contacts:"+m.String())
	}
	return append(q, "exchange_postings", "exchange_messages", "all_messages", "compatible_pairs")
}

// stat is the mean and range over seeds of one quantity at one N.
type stat struct{ n, mean, lo, hi float64 }

func stats(s *contacts.Sweep, v func(r *contacts.Result) (float64, bool)) []stat {
	var out []stat
	for _, n := range s.Config.Sizes {
		st := stat{n: float64(n), lo: math.Inf(1), hi: math.Inf(-1)}
		k := 0
		for i := range s.Results {
			r := &s.Results[i]
			if r.Buyers != n {
				continue
			}
			x, ok := v(r)
			if !ok {
				continue
			}
			st.mean += x
			st.lo, st.hi = min(st.lo, x), max(st.hi, x)
			k++
		}
		if k > 0 {
			st.mean /= float64(k)
			out = append(out, st)
		}
	}
	return out
}

// errPoints are means with their seed range as error bars.
type errPoints []stat

func (e errPoints) Len() int                        { return len(e) }
func (e errPoints) XY(i int) (float64, float64)     { return e[i].n, e[i].mean }
func (e errPoints) YError(i int) (float64, float64) { return e[i].mean - e[i].lo, e[i].hi - e[i].mean }

// Caption returns the caption of s: every parameter of the sweep.
func Caption(s *contacts.Sweep) string {
	p := &s.Params
	return fmt.Sprintf("markets %d, bases %d, depth %d, zipf %g, activity %d, compat %g, arrival %s, subscribe %s, contact cost %d\n"+
		"search %s; sellers = %g·N; %d seeds per N (seed %d, run j: %s); fit from N ≥ %d; 95%% CI: %d bootstrap resamples, seed %d\n"+
		"points: mean over seeds, bars: seed min–max; contacts: inquiry + reply; version %s",
		p.Markets, p.Bases, p.Depth, p.Zipf, p.Activity, p.Compat, p.Arrival, p.Subscribe, p.ContactCost,
		p.Search, s.Config.Ratio, s.Config.Seeds, p.Seed, s.Sweep.SeedRule, s.Config.FitFrom, contacts.Bootstrap, contacts.BootstrapSeed, p.Version)
}

// Contacts returns the log-log chart of s: for each direct search model
// and the exchange's counts, the mean over seeds with the seed range, the
// fitted line over the fit window, and the reference curves N, N log N and
// N² through the exchange's postings at the smallest N.
func Contacts(s *contacts.Sweep) (*plot.Plot, error) {
	if len(s.Results) == 0 {
		return nil, fmt.Errorf("plot: empty sweep")
	}
	p := base("Contacts needed to find counterparties", "N, buyers (sellers = "+ratio(s.Config.Ratio)+"N)", "count")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = powerTicks{}, powerTicks{}
	fits := map[string]contacts.Fit{}
	for _, f := range s.Fits {
		fits[f.Model] = f
	}
	for i, q := range drawn(s) {
		pts := stats(s, func(r *contacts.Result) (float64, bool) {
			v, ok := r.Value(q)
			return float64(v), ok && v > 0
		})
		if len(pts) == 0 {
			continue
		}
		col, gl := palette[i%len(palette)], glyphs[i%len(glyphs)]
		sc, err := plotter.NewScatter(errPoints(pts))
		if err != nil {
			return nil, fmt.Errorf("plot: %s: %w", q, err)
		}
		sc.Color, sc.Shape, sc.Radius = col, gl, vg.Points(2.3)
		bars, err := plotter.NewYErrorBars(errPoints(pts))
		if err != nil {
			return nil, fmt.Errorf("plot: %s: %w", q, err)
		}
		bars.Color, bars.CapWidth = col, vg.Points(3)
		p.Add(bars, sc)
		name := label(q)
		if f, ok := fits[q]; ok && !math.IsNaN(f.Slope) {
			from := max(float64(f.FitFrom), pts[0].n)
			to := pts[len(pts)-1].n
			slope, icpt := f.Slope, f.Intercept
			line := plotter.NewFunction(func(x float64) float64 { return math.Exp(icpt + slope*math.Log(x)) })
			line.XMin, line.XMax, line.Samples = from, to, 2
			line.Color, line.Width = col, vg.Points(1)
			p.Add(line)
			name += fmt.Sprintf(": slope %.3f [%.3f, %.3f]", f.Slope, f.CILow, f.CIHigh)
			p.Legend.Add(name, sc, line)
		} else {
			p.Legend.Add(name, sc)
		}
	}
	// Reference curves through the postings at the smallest N.
	post := stats(s, func(r *contacts.Result) (float64, bool) {
		return float64(r.ExchangePostings()), r.ExchangePostings() > 0
	})
	if len(post) > 0 {
		n0, y0, n1 := post[0].n, post[0].mean, post[len(post)-1].n
		for i, ref := range []struct {
			name string
			f    func(float64) float64
		}{
			{"reference N", func(n float64) float64 { return n }},
			{"reference N log N", func(n float64) float64 { return n * math.Log(n) }},
			{"reference N²", func(n float64) float64 { return n * n }},
		} {
			k := y0 / ref.f(n0)
			f := ref.f
			fn := plotter.NewFunction(func(x float64) float64 { return k * f(x) })
			fn.XMin, fn.XMax, fn.Samples = n0, n1, 50
			fn.Color, fn.Width = color.Gray{Y: 0x90}, vg.Points(0.8)
			fn.Dashes = [][]vg.Length{{vg.Points(1), vg.Points(2)}, {vg.Points(4), vg.Points(2)}, {vg.Points(7), vg.Points(3)}}[i]
			p.Add(fn)
			p.Legend.Add(ref.name, fn)
		}
	}
	return p, nil
}

// Efficiency returns the chart of efficiency (realised surplus over the
// maximum) against contacts per participant, for each search model and the
// exchange (its messages, onboarding included), one point per N, with
// the seed range as error bars; the x axis is logarithmic.
func Efficiency(s *contacts.Sweep) (*plot.Plot, error) {
	if len(s.Results) == 0 {
		return nil, fmt.Errorf("plot: empty sweep")
	}
	p := base("Efficiency against contacts", "contacts per participant (messages incl. onboarding for the exchange)", "efficiency: realised / maximum surplus")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = powerTicks{}
	p.Y.Min, p.Y.Max = 0, 1.05
	names := []string{}
	for _, m := range s.Config.Base.Search {
		names = append(names, m.String())
	}
	names = append(names, "exchange")
	for i, name := range names {
		var pts []stat
		for _, n := range s.Config.Sizes {
			var xs, ys []float64
			for j := range s.Results {
				r := &s.Results[j]
				o, ok := r.Outcome(name)
				e, eok := r.Efficiency(o)
				if r.Buyers != n || !ok || !eok {
					continue
				}
				c := o.Contacts
				if name == "exchange" {
					c = r.AllMessages()
				}
				xs = append(xs, float64(c)/float64(r.Buyers+r.Sellers))
				ys = append(ys, e)
			}
			if len(xs) == 0 {
				continue
			}
			st := stat{n: mean(xs), mean: mean(ys), lo: slices.Min(ys), hi: slices.Max(ys)}
			if st.n > 0 {
				pts = append(pts, st)
			}
		}
		if len(pts) == 0 {
			continue
		}
		col, gl := palette[i%len(palette)], glyphs[i%len(glyphs)]
		if name == "exchange" {
			col, gl = palette[4], glyphs[2]
		}
		line, sc, err := plotter.NewLinePoints(errPoints(pts))
		if err != nil {
			return nil, fmt.Errorf("plot: %s: %w", name, err)
		}
		line.Color, line.Width, line.Dashes = col, vg.Points(0.6), []vg.Length{vg.Points(2), vg.Points(2)}
		sc.Color, sc.Shape, sc.Radius = col, gl, vg.Points(2.3)
		bars, err := plotter.NewYErrorBars(errPoints(pts))
		if err != nil {
			return nil, fmt.Errorf("plot: %s: %w", name, err)
		}
		bars.Color, bars.CapWidth = col, vg.Points(3)
		p.Add(line, bars, sc)
		lbl := "direct search, " + name
		if name == "exchange" {
			lbl = "exchange"
		}
		p.Legend.Add(lbl+fmt.Sprintf(" (N %d→%d)", s.Config.Sizes[0], s.Config.Sizes[len(s.Config.Sizes)-1]), line, sc)
	}
	return p, nil
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func base(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text, p.Y.Label.Text = x, y
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = color.Gray{Y: 0xe0}, color.Gray{Y: 0xe0}
	p.Add(grid)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.Padding = vg.Points(1)
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	return p
}

// Figure sizes: the data area on the left, the legend right of it, the
// caption below.
const (
	width, height = 9 * vg.Inch, 5 * vg.Inch
	legendWidth   = 3.3 * vg.Inch
	captionHeight = 0.7 * vg.Inch
)

// render draws p with its legend outside the data area and caption below,
// as SVG.
func render(p *plot.Plot, caption, path string) error {
	c := vgsvg.New(width, height)
	dc := draw.New(c)
	leg := p.Legend
	p.Legend = plot.NewLegend() // drawn outside the data area below
	p.Draw(draw.Crop(dc, 0, -legendWidth, captionHeight, 0))
	p.Legend = leg
	leg.Draw(draw.Crop(dc, width-legendWidth+vg.Points(6), 0, captionHeight, -vg.Points(20)))
	sty := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(7.5)), Handler: plot.DefaultTextHandler}
	dc.FillText(sty, vg.Point{X: vg.Points(8), Y: captionHeight - vg.Points(10)}, caption)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Save writes the contacts chart of s to path, an .svg file.
func Save(path string, s *contacts.Sweep) error {
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".svg" {
		return fmt.Errorf("plot: %s: want an .svg file", path)
	}
	p, err := Contacts(s)
	if err != nil {
		return err
	}
	return render(p, Caption(s), path)
}

// Figures writes, for every figure of contacts.Figures (matched to sweeps
// by position), NAME.svg (contacts) and NAME-efficiency.svg into dir.
func Figures(dir string, sweeps []*contacts.Sweep) error {
	figs := contacts.Figures(1, 1)
	if len(sweeps) != len(figs) {
		return fmt.Errorf("plot: %d sweeps for %d figures", len(sweeps), len(figs))
	}
	for i, s := range sweeps {
		name := figs[i].Name
		p, err := Contacts(s)
		if err != nil {
			return err
		}
		p.Title.Text += ": " + figs[i].Title
		if err := render(p, Caption(s), filepath.Join(dir, name+".svg")); err != nil {
			return err
		}
		e, err := Efficiency(s)
		if err != nil {
			return err
		}
		e.Title.Text += ": " + figs[i].Title
		if err := render(e, Caption(s), filepath.Join(dir, name+"-efficiency.svg")); err != nil {
			return err
		}
	}
	return nil
}

func ratio(r float64) string {
	if r == 1 {
		return ""
	}
	return fmt.Sprintf("%g·", r)
}

// powerTicks are plot.LogTicks labelled 1, 10, 10², ... rather than 1e+06.
type powerTicks struct{}

var superscript = strings.NewReplacer("-", "⁻", "0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴", "5", "⁵", "6", "⁶", "7", "⁷", "8", "⁸", "9", "⁹")

func (powerTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.LogTicks{Prec: -1}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label == "" {
			continue
		}
		switch e := int(math.Round(math.Log10(ticks[i].Value))); e {
		case 0:
			ticks[i].Label = "1"
		case 1:
			ticks[i].Label = "10"
		default:
			ticks[i].Label = "10" + superscript.Replace(strconv.Itoa(e))
		}
	}
	return ticks
}
