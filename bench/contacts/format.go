package contacts

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// CSVHeader is the header line of WriteCSV, without its newline. It is a
// stable interface: columns are only ever added at the end.
const CSVHeader = "buyers,sellers,markets,seed,direct_uninformed,direct_informed,exchange_postings,exchange_messages,trades"

// AppendCSV appends r as one CSV record (with its newline) in the columns
// of CSVHeader.
func AppendCSV(dst []byte, r *Result) []byte {
	for i, v := range [...]uint64{
		uint64(r.Buyers), uint64(r.Sellers), uint64(r.Markets), r.Seed,
		r.DirectUninformed(), r.DirectInformed(), r.ExchangePostings(), r.ExchangeMessages(), r.ExchangeTrades,
	} {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, v, 10)
	}
	return append(dst, '\n')
}

// WriteCSV writes CSVHeader and one record per result.
func WriteCSV(w io.Writer, results []Result) error {
	buf := append(make([]byte, 0, 64*(len(results)+1)), CSVHeader+"\n"...)
	for i := range results {
		buf = AppendCSV(buf, &results[i])
	}
	_, err := w.Write(buf)
	return err
}

// WriteTable writes one result as a human-readable table: the contacts of
// each model by side, the exchange's messages, the trades and the ratio of
// direct contacts to exchange postings.
func WriteTable(w io.Writer, r *Result) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "%s, %s, %s, seed %d\n\n", plural(r.Buyers, "buyer"), plural(r.Sellers, "seller"), plural(r.Markets, "market"), r.Seed)
	const row = "%-44s %10s %10s %12s\n"
	num := func(v uint64) string { return strconv.FormatUint(v, 10) }
	fmt.Fprintf(b, row, "model", "by buyers", "by sellers", "total")
	fmt.Fprintf(b, row, "direct search, uninformed (B·S per side)", num(r.UninformedByBuyers), num(r.UninformedBySellers), num(r.DirectUninformed()))
	fmt.Fprintf(b, row, "direct search, informed (Σ b_k·s_k per side)", num(r.InformedByBuyers), num(r.InformedBySellers), num(r.DirectInformed()))
	fmt.Fprintf(b, row, "exchange, postings (B+S)", num(r.ExchangeBuyPostings), num(r.ExchangeSellPostings), num(r.ExchangePostings()))
	fmt.Fprintf(b, row, "exchange, all messages in and out", "", "", num(r.ExchangeMessages()))
	c := r.Exchange
	fmt.Fprintf(b, "\nexchange messages: %d in (%d postings, %d subscriptions), %d out (%d reports, %d fills, %d notifications)\n",
		c.In(), c.Postings, r.ExchangeSubscriptions, c.Out(), c.Reports, c.Fills, c.Notifications)
	fmt.Fprintf(b, "trades: %d found by informed direct search, %d executed by the exchange\n", r.DirectTrades, r.ExchangeTrades)
	if r.ExchangePostings() > 0 {
		fmt.Fprintf(b, "\ndirect search: %d contacts (%d by buyers, %d by sellers); exchange: %d postings; ratio %.1f\n",
			r.DirectInformed(), r.InformedByBuyers, r.InformedBySellers, r.ExchangePostings(), r.Ratio())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSweepTable writes every run of s as a table with the CSV columns,
// then the fitted slopes.
func WriteSweepTable(w io.Writer, s *Sweep) error {
	b := &strings.Builder{}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.ReplaceAll(CSVHeader, ",", "\t")+"\t")
	for i := range s.Results {
		line := AppendCSV(nil, &s.Results[i])
		fmt.Fprintln(tw, strings.ReplaceAll(string(line[:len(line)-1]), ",", "\t")+"\t")
	}
	tw.Flush()
	b.WriteString("\n")
	if err := writeFits(b, s); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteFits writes the fitted slopes of s as a table.
func WriteFits(w io.Writer, s *Sweep) error {
	b := &strings.Builder{}
	if err := writeFits(b, s); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFits(b *strings.Builder, s *Sweep) error {
	fmt.Fprintf(b, "log-log least-squares fit of count against N (%d sizes × %s)\n", len(s.Config.Sizes), plural(s.Config.Seeds, "seed"))
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tslope\tR²\tslope min\tslope max\tslope sd\tpoints\tskipped (count 0)\t")
	for _, f := range s.Fits {
		fmt.Fprintf(tw, "%s\t%.4f\t%.5f\t%.4f\t%.4f\t%.4f\t%d\t%d\t\n", f.Model, f.Slope, f.R2, f.SlopeMin, f.SlopeMax, f.SlopeSD, f.Points, f.Skipped)
	}
	return tw.Flush()
}

// MarshalJSON writes f with null for the figures that are undefined (NaN),
// such as a slope fitted to fewer than two sizes.
func (f Fit) MarshalJSON() ([]byte, error) {
	num := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		Model     string   `json:"model"`
		Slope     *float64 `json:"slope"`
		Intercept *float64 `json:"intercept"`
		R2        *float64 `json:"r2"`
		Points    int      `json:"points"`
		Skipped   int      `json:"skipped"`
		SlopeMin  *float64 `json:"slope_min"`
		SlopeMax  *float64 `json:"slope_max"`
		SlopeSD   *float64 `json:"slope_sd"`
	}{f.Model, num(f.Slope), num(f.Intercept), num(f.R2), f.Points, f.Skipped, num(f.SlopeMin), num(f.SlopeMax), num(f.SlopeSD)})
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
