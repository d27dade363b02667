// Package plot draws the contact-count sweeps of package
// github.com/agora-exchange/agora/bench/contacts as log-log charts with
// gonum.org/v1/plot. It lives in the bench/cmd module so that the charting
// dependencies stay out of the engine's module.
package plot

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/agora-exchange/agora/bench/contacts"
)

// series describes how one model is drawn.
type series struct {
	model string
	label string
	color color.Color
	dash  []vg.Length
	shape draw.GlyphDrawer
}

var styles = []series{
	{"direct_uninformed", "direct search, uninformed (2·B·S)", color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, nil, draw.TriangleGlyph{}},
	{"direct_informed", "direct search, informed (2·Σ b·s)", color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, []vg.Length{vg.Points(5), vg.Points(2)}, draw.SquareGlyph{}},
	{"exchange_messages", "exchange, all messages", color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, nil, draw.CircleGlyph{}},
	{"exchange_postings", "exchange, postings (B+S)", color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, []vg.Length{vg.Points(5), vg.Points(2)}, draw.PlusGlyph{}},
	{"trades", "trades through the exchange", color.Gray{Y: 0x60}, []vg.Length{vg.Points(1), vg.Points(2)}, draw.CrossGlyph{}},
}

// New returns a log-log chart of s: the mean count over seeds against N
// (buyers), one line per model with its fitted slope in the legend.
func New(s *contacts.Sweep) (*plot.Plot, error) {
	if len(s.Results) == 0 {
		return nil, fmt.Errorf("plot: empty sweep")
	}
	p := plot.New()
	r0 := s.Results[0]
	p.Title.Text = "Contacts needed to find counterparties"
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = "N, buyers (sellers = " + ratio(s.Config.Ratio) + "N)"
	p.Y.Label.Text = "count (mean over " + plural(s.Config.Seeds, "seed") + ")"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = powerTicks{}, powerTicks{}
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = color.Gray{Y: 0xe0}, color.Gray{Y: 0xe0}
	p.Add(grid)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.Padding = vg.Points(2)
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(6), -vg.Points(4)

	fits := map[string]contacts.Fit{}
	for _, f := range s.Fits {
		fits[f.Model] = f
	}
	for _, st := range styles {
		pts := means(s.Results, st.model)
		if len(pts) == 0 {
			continue
		}
		line, scatter, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("plot: %s: %w", st.model, err)
		}
		line.Color, line.Width, line.Dashes = st.color, vg.Points(1.3), st.dash
		scatter.Color, scatter.Shape, scatter.Radius = st.color, st.shape, vg.Points(2.5)
		p.Add(line, scatter)
		label := st.label
		if f, ok := fits[st.model]; ok && !math.IsNaN(f.Slope) {
			label += fmt.Sprintf(", slope %.2f", f.Slope)
		}
		p.Legend.Add(label, line, scatter)
	}
	sub := fmt.Sprintf("%s, depth %d", plural(r0.Markets, "market"), s.Config.Base.Depth)
	if z := s.Config.Base.Zipf; z != 0 {
		sub += fmt.Sprintf(", Zipf s=%g", z)
	}
	p.Title.Text += "\n" + sub
	return p, nil
}

// Save writes the chart of s to path; the extension chooses the format
// (.svg, .pdf, .eps, .png). The figure is 6 × 4.5 inches.
func Save(path string, s *contacts.Sweep) error {
	p, err := New(s)
	if err != nil {
		return err
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext == "" {
		return fmt.Errorf("plot: %s: no extension to choose the format", path)
	}
	return p.Save(6*vg.Inch, 4.5*vg.Inch, path)
}

// means returns (N, mean count over seeds) for model, N ascending, leaving
// out the sizes whose mean is 0 (no logarithm).
func means(results []contacts.Result, model string) plotter.XYs {
	sum := map[int]float64{}
	cnt := map[int]int{}
	for i := range results {
		v, _ := results[i].Value(model)
		sum[results[i].Buyers] += float64(v)
		cnt[results[i].Buyers]++
	}
	ns := make([]int, 0, len(sum))
	for n := range sum {
		if sum[n] > 0 && n > 0 {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	pts := make(plotter.XYs, len(ns))
	for i, n := range ns {
		pts[i].X, pts[i].Y = float64(n), sum[n]/float64(cnt[n])
	}
	return pts
}

func ratio(r float64) string {
	if r == 1 {
		return ""
	}
	return fmt.Sprintf("%g·", r)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
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
