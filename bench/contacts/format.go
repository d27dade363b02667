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

// CSVHeader is the header line of WriteCSV, without its newline. The CSV
// is in long format: one record per (size, seed, search model). It is a
// stable interface: columns are only ever added at the end.
//
// The parameter columns (version to seed) are those of Params; then, for
// the row's search model: contacts (messages: an inquiry and its reply per
// pair asked), inquiries, search_cost (kopecks, not subtracted), trades,
// volume, fill_rate, mean_price (kopecks), surplus (kopecks) and
// efficiency (surplus / max_surplus in [0, 1], blank when max_surplus is
// 0); then the value of the market; then the exchange's figures, the same
// in every row of one run.
const CSVHeader = paramColumns + ",search_model,requests,offers," +
	"contacts,inquiries,search_cost,trades,volume,fill_rate,mean_price,surplus,efficiency," +
	"possible_pairs,compatible_pairs,max_surplus,direct_trades," +
	"exchange_postings,exchange_messages_in,exchange_messages_out,exchange_messages,onboarding_messages,all_messages," +
	"exchange_trades,exchange_volume,exchange_fill_rate,exchange_mean_price,exchange_surplus,exchange_efficiency"

// AppendCSV appends the records of r, one per search model, each with its
// newline, in the columns of CSVHeader.
func AppendCSV(dst []byte, r *Result) []byte {
	u := func(v uint64) { dst = strconv.AppendUint(dst, v, 10); dst = append(dst, ',') }
	i := func(v int64) { dst = strconv.AppendInt(dst, v, 10); dst = append(dst, ',') }
	fl := func(v float64, ok bool, prec int) {
		if ok {
			dst = strconv.AppendFloat(dst, v, 'f', prec, 64)
		}
		dst = append(dst, ',')
	}
	outcome := func(o *Outcome) {
		u(o.Trades)
		i(o.Volume)
		f, ok := r.FillRate(o)
		fl(f, ok, 6)
		p, ok := o.Mean()
		fl(p, ok, 2)
		i(o.Surplus)
		e, ok := r.Efficiency(o)
		fl(e, ok, 6)
	}
	for k := range r.Search {
		o := &r.Search[k]
		dst = appendParams(dst, &r.Params)
		dst = append(dst, o.Model...)
		dst = append(dst, ',')
		u(uint64(r.Requests))
		u(uint64(r.Offers))
		u(o.Contacts)
		u(o.Inquiries)
		i(o.SearchCost)
		outcome(o)
		u(r.PossiblePairs)
		u(r.CompatiblePairs)
		i(r.MaxSurplus)
		u(r.DirectTrades)
		u(r.ExchangePostings())
		u(r.Counters.In)
		u(r.Counters.Out)
		u(r.ExchangeMessages())
		u(r.Onboarding.Messages())
		u(r.AllMessages())
		outcome(&r.Exchange)
		dst[len(dst)-1] = '\n'
	}
	return dst
}

// WriteCSV writes CSVHeader and the records of every result.
func WriteCSV(w io.Writer, results []Result) error {
	buf := append(make([]byte, 0, 512*(len(results)+1)), CSVHeader+"\n"...)
	for i := range results {
		buf = AppendCSV(buf, &results[i])
	}
	_, err := w.Write(buf)
	return err
}

// WriteTable writes one result as a human-readable table: the parameters,
// the value of the market, each search model's contacts and outcome, the
// exchange's messages and outcome, and the headline ratios of direct
// contacts to exchange postings, to every trading message and to every
// message including onboarding.
func WriteTable(w io.Writer, r *Result) error {
	b := &strings.Builder{}
	p := &r.Params
	fmt.Fprintf(b, "%s, %s, %s, seed %d\n", plural(r.Buyers, "buyer"), plural(r.Sellers, "seller"), plural(r.Markets, "market"), r.Seed)
	fmt.Fprintf(b, "parameters: bases %d, depth %d, zipf %g, activity %d, compat %g, arrival %s, subscribe %s, contact cost %d, search %s; version %s\n\n",
		p.Bases, p.Depth, p.Zipf, p.Activity, p.Compat, p.Arrival, p.Subscribe, p.ContactCost, p.Search, p.Version)
	fmt.Fprintf(b, "value: %d possible pairs (B·S), %d compatible pairs (bid >= ask), max surplus %d kopecks in %d trades (the competitive matching)\n\n",
		r.PossiblePairs, r.CompatiblePairs, r.MaxSurplus, r.DirectTrades)
	num := func(v uint64) string { return strconv.FormatUint(v, 10) }
	opt := func(v float64, ok bool, prec int) string {
		if !ok {
			return "-"
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tinquiries\treplies\tcontacts\ttrades\tfill rate\tmean price\tsurplus\tefficiency\tsearch cost\t")
	row := func(name string, o *Outcome, in, out, total string) {
		f, fok := r.FillRate(o)
		mp, mok := o.Mean()
		e, eok := r.Efficiency(o)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%d\t%s\t%d\t\n", name, in, out, total, o.Trades,
			opt(f, fok, 3), opt(mp, mok, 0), o.Surplus, opt(e, eok, 4), o.SearchCost)
	}
	for k := range r.Search {
		o := &r.Search[k]
		row("direct search, "+o.Model, o, num(o.Inquiries), num(o.Contacts-o.Inquiries), num(o.Contacts))
	}
	row("exchange, messages in/out", &r.Exchange, num(r.Counters.In), num(r.Counters.Out), num(r.ExchangeMessages()))
	tw.Flush()
	c := r.Counters
	fmt.Fprintf(b, "\nexchange messages: %d postings (%d buy, %d sell); %d in (%d postings, %d subscriptions), %d out (%d reports, %d fills, %d notifications)\n",
		r.ExchangePostings(), r.ExchangeBuyPostings, r.ExchangeSellPostings, c.In, c.Postings, r.ExchangeSubscriptions, c.Out, c.Reports, c.Fills, c.Notifications)
	o := r.Onboarding
	fmt.Fprintf(b, "onboarding messages: %d (%d registrations, %d verifications, %d replies); all messages: %d\n",
		o.Messages(), o.Registrations, o.StatusChanges, o.Replies, r.AllMessages())
	fmt.Fprintf(b, "trades: %d in the competitive matching, %d executed by the exchange\n", r.DirectTrades, r.Exchange.Trades)
	if name, d := r.Headline(); name != "" && r.ExchangePostings() > 0 {
		o, _ := r.Outcome(name)
		fmt.Fprintf(b, "\ndirect search (%s): %d contacts (%d inquiries + %d replies); exchange: %d postings, ratio %s; %d trading messages, ratio %s; %d messages with onboarding, ratio %s\n",
			name, d, o.Inquiries, o.Contacts-o.Inquiries, r.ExchangePostings(), ratio(d, r.ExchangePostings()),
			r.ExchangeMessages(), ratio(d, r.ExchangeMessages()), r.AllMessages(), ratio(d, r.AllMessages()))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ratio formats a/b with two significant decimals.
func ratio(a, b uint64) string {
	if b == 0 {
		return "-"
	}
	v := float64(a) / float64(b)
	if v >= 10 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// WriteSweepTable writes every run of s as a table, one row per (size,
// seed, search model) with the main columns of the CSV, then the fits.
func WriteSweepTable(w io.Writer, s *Sweep) error {
	b := &strings.Builder{}
	p := &s.Params
	fmt.Fprintf(b, "sweep: markets %d, bases %d, depth %d, zipf %g, activity %d, compat %g, arrival %s, subscribe %s, contact cost %d, ratio %g, seeds %d from seed %d; version %s\n\n",
		p.Markets, p.Bases, p.Depth, p.Zipf, p.Activity, p.Compat, p.Arrival, p.Subscribe, p.ContactCost, s.Config.Ratio, s.Config.Seeds, p.Seed, p.Version)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "buyers\tsellers\tseed\tsearch_model\tcontacts\tfill_rate\tefficiency\texchange_postings\texchange_messages\tall_messages\texchange_efficiency\tcompatible_pairs\tmax_surplus\t")
	opt := func(v float64, ok bool) string {
		if !ok {
			return "-"
		}
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	for i := range s.Results {
		r := &s.Results[i]
		xe, xok := r.Efficiency(&r.Exchange)
		for k := range r.Search {
			o := &r.Search[k]
			f, fok := r.FillRate(o)
			e, eok := r.Efficiency(o)
			fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%d\t%s\t%s\t%d\t%d\t%d\t%s\t%d\t%d\t\n", r.Buyers, r.Sellers, r.Seed, o.Model, o.Contacts,
				opt(f, fok), opt(e, eok), r.ExchangePostings(), r.ExchangeMessages(), r.AllMessages(), opt(xe, xok), r.CompatiblePairs, r.MaxSurplus)
		}
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
	fmt.Fprintf(b, "log-log least-squares fit of count against N (%d sizes × %s, fit from N >= %d, seeds %s; 95%% intervals from %d bootstrap resamples of the seeds, bootstrap seed %d)\n",
		len(s.Config.Sizes), plural(s.Config.Seeds, "seed"), s.Config.FitFrom, s.Sweep.SeedRule, Bootstrap, BootstrapSeed)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "quantity\tslope\t95% interval\tR²\tslope min\tslope max\tslope sd\tpoints\tskipped (count 0)\tlast local slope\t")
	for _, f := range s.Fits {
		last := math.NaN()
		if len(f.Local) > 0 {
			last = f.Local[len(f.Local)-1].Slope
		}
		fmt.Fprintf(tw, "%s\t%.4f\t[%.4f, %.4f]\t%.5f\t%.4f\t%.4f\t%.4f\t%d\t%d\t%.4f\t\n", f.Model, f.Slope, f.CILow, f.CIHigh, f.R2,
			f.SlopeMin, f.SlopeMax, f.SlopeSD, f.Points, f.Skipped, last)
	}
	return tw.Flush()
}

// jnum is a float for JSON: null when undefined (NaN or infinite).
func jnum(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// MarshalJSON writes f with null for the figures that are undefined (NaN),
// such as a slope fitted to fewer than two sizes.
func (f Fit) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Model     string       `json:"model"`
		FitFrom   int          `json:"fit_from"`
		Slope     *float64     `json:"slope"`
		Intercept *float64     `json:"intercept"`
		R2        *float64     `json:"r2"`
		Points    int          `json:"points"`
		Skipped   int          `json:"skipped"`
		CILow     *float64     `json:"ci95_low"`
		CIHigh    *float64     `json:"ci95_high"`
		SlopeMin  *float64     `json:"slope_min"`
		SlopeMax  *float64     `json:"slope_max"`
		SlopeSD   *float64     `json:"slope_sd"`
		Local     []LocalSlope `json:"local_slopes"`
	}{f.Model, f.FitFrom, jnum(f.Slope), jnum(f.Intercept), jnum(f.R2), f.Points, f.Skipped, jnum(f.CILow), jnum(f.CIHigh),
		jnum(f.SlopeMin), jnum(f.SlopeMax), jnum(f.SlopeSD), f.Local})
}

// MarshalJSON writes l with a null slope when it is undefined.
func (l LocalSlope) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		From  int      `json:"from"`
		To    int      `json:"to"`
		Slope *float64 `json:"slope"`
	}{l.From, l.To, jnum(l.Slope)})
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
