// Package cli is the command line of the contact-count benchmark, run by
// bench/cmd/contacts, which passes the -plot renderer in Options. Run parses
// the flags, runs one market or a sweep, and writes a table, CSV or JSON.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/agora-exchange/agora/bench/contacts"
)

// Exit codes of Run.
const (
	ExitOK    = 0
	ExitError = 1 // the run failed
	ExitUsage = 2 // bad flags
)

// Options are the hooks a command passes to Run.
type Options struct {
	// Plot writes the chart of a sweep to path. Nil means the caller has no
	// plotter, and -plot is a usage error naming the command that has one.
	Plot func(path string, s *contacts.Sweep) error
	// Figures draws every figure of the sweeps of -figures into dir. Nil
	// means the caller has no plotter, and -figures is a usage error.
	Figures func(dir string, sweeps []*contacts.Sweep) error
}

// PlotCommand is how to run the command that has a plotter.
const PlotCommand = "go run ./bench/cmd/contacts"

// Run runs the command with args (without the program name), writing
// results to stdout and diagnostics and the progress bar to stderr, and
// returns the exit code.
func Run(args []string, stdout, stderr io.Writer, opt Options) int {
	fs := flag.NewFlagSet("contacts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		buyers    = fs.Int("buyers", 5, "number of buyers (single run)")
		sellers   = fs.Int("sellers", 5, "number of sellers (single run)")
		markets   = fs.Int("markets", 1, "number of markets: (leaf category, delivery basis) pairs")
		bases     = fs.Int("bases", 1, "number of delivery bases; markets are laid out leaf by leaf at every basis")
		depth     = fs.Int("depth", contacts.DefaultDepth, "taxonomy depth: code groups of a leaf category")
		zipf      = fs.Float64("zipf", 0, "Zipf exponent s of market popularity; 0 is uniform")
		activity  = fs.Int("activity", 1, "distinct markets each participant is active in, one order in each")
		compat    = fs.Float64("compat", contacts.DefaultCompat, "share of buyer-seller pairs in a market with bid >= ask, in [0, 1]")
		arrival   = fs.String("arrival", "priority", "order arrival at the exchange: priority (offers, then best bid first) or random")
		subscribe = fs.String("subscribe", "none", "who subscribes to category notifications: none, sellers or all")
		search    = fs.String("search", "exhaustive,informed", "direct search models, comma-separated: exhaustive, informed, sample:N (Stigler's fixed sample of N), sequential:K (budget of K inquiries, reservation price the bid)")
		cost      = fs.Int64("contact-cost", 0, "cost of one inquiry in kopecks, reported as search_cost (never subtracted from the surplus)")
		fitFrom   = fs.Int("fit-from", 0, "with -sweep: fit the slopes over N >= this only (local slopes keep every size)")
		figures   = fs.String("figures", "", "regenerate every figure (SVG) and table of bench/CONTACTS.md, and RESULTS.md's counts (counts.md; scale runs up to 10·to), into `DIR` (sizes from -from to -to)")
		docs      = fs.String("docs", "", "with -figures: comma-separated Markdown `FILES` (bench/CONTACTS.md, bench/RESULTS.md) whose generated blocks to rewrite")
		seed      = fs.Uint64("seed", 1, "first PCG seed")
		seeds     = fs.Int("seeds", 0, "seeds of a single run (seed, seed+1, ...) or per sweep point (run j uses seed<<32 + j); 0 means 1, or 3 with -sweep")
		sweep     = fs.Bool("sweep", false, "sweep N buyers and ratio·N sellers over the 1-2-5 series from -from to -to")
		from      = fs.Int("from", 5, "smallest N of a sweep")
		to        = fs.Int("to", 100_000, "largest N of a sweep")
		ratio     = fs.Float64("ratio", 1, "sellers per buyer in a sweep")
		workers   = fs.Int("workers", 0, "sweep runs in parallel; 0 means GOMAXPROCS")
		format    = fs.String("format", "table", "output format: table, csv or json")
		plotPath  = fs.String("plot", "", "with -sweep: write a log-log chart of the counts against N to `FILE.svg`")
		progress  = fs.Bool("progress", true, "with -sweep: draw a progress bar on stderr when it is a terminal")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: contacts [flags]\n\n"+
			"Counts the contacts buyers and sellers need to find each other, and what\n"+
			"they trade: by direct search (exhaustive, informed, or simulated sample:N\n"+
			"and sequential:K, see -search) and through Agora's exchange, run on the\n"+
			"same orders (postings, the messages it sends back, onboarding). With no\n"+
			"flags: the 5 × 5 example in one market. See bench/CONTACTS.md.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "contacts: "+format+"\n", a...)
		fmt.Fprintln(stderr, "Run 'contacts -h' for the flags.")
		return ExitUsage
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	switch *format {
	case "table", "csv", "json":
	default:
		return usage("unknown -format %q: want table, csv or json", *format)
	}
	switch {
	case *buyers < 0 || *sellers < 0:
		return usage("-buyers %d -sellers %d: sizes must not be negative", *buyers, *sellers)
	case *markets < 1:
		return usage("-markets %d: want at least 1 market", *markets)
	case *bases < 1:
		return usage("-bases %d: want at least 1 delivery basis", *bases)
	case *depth < 1:
		return usage("-depth %d: want at least 1", *depth)
	case *activity < 1:
		return usage("-activity %d: want at least 1", *activity)
	case *seeds < 0:
		return usage("-seeds %d: must not be negative", *seeds)
	case *compat < 0 || *compat > 1 || *compat != *compat:
		return usage("-compat %v: want a share in [0, 1]", *compat)
	case *workers < 0:
		return usage("-workers %d: must not be negative", *workers)
	}
	arr, err := contacts.ParseArrival(*arrival)
	if err != nil {
		return usage("-arrival %q: want priority or random", *arrival)
	}
	sub, err := contacts.ParseSubscribe(*subscribe)
	if err != nil {
		return usage("-subscribe %q: want none, sellers or all", *subscribe)
	}
	models, err := contacts.ParseSearch(*search)
	if err != nil {
		return usage("-search %q: %v", *search, trim(err))
	}
	if *figures != "" {
		switch {
		case opt.Figures == nil:
			return usage("-figures: no plotter here; run the same flags with:\n  %s %s", PlotCommand, strings.Join(args, " "))
		case *from < 1 || *to < *from:
			return usage("-from %d -to %d: want 1 <= from <= to", *from, *to)
		}
		var files []string
		if *docs != "" {
			files = strings.Split(*docs, ",")
		}
		return runFigures(*figures, files, *from, *to, *workers, stdout, stderr, *progress, opt)
	}
	if *plotPath != "" {
		switch {
		case !*sweep:
			return usage("-plot draws a sweep: add -sweep")
		case opt.Plot == nil:
			return usage("-plot: no plotter here; run the same flags with:\n  %s %s", PlotCommand, strings.Join(args, " "))
		}
	}
	cfg := contacts.Config{
		Buyers: *buyers, Sellers: *sellers, Markets: *markets, Bases: *bases, Depth: *depth,
		Zipf: *zipf, Activity: *activity, Compat: *compat, Arrival: arr, Subscribe: sub, Seed: *seed,
		Search: models, ContactCost: *cost,
	}
	if cfg.Compat == 0 {
		cfg.Compat = contacts.NoCompat
	}

	if !*sweep {
		if set["from"] || set["to"] || set["ratio"] || set["workers"] || set["fit-from"] {
			return usage("-from, -to, -ratio, -fit-from and -workers need -sweep")
		}
		if err := cfg.Validate(); err != nil {
			return usage("%v", trim(err))
		}
		n := max(*seeds, 1)
		results := make([]contacts.Result, 0, n)
		for j := range n {
			c := cfg
			c.Seed = cfg.Seed + uint64(j)
			r, err := contacts.Run(c)
			if err != nil {
				fmt.Fprintln(stderr, "contacts:", err)
				return ExitError
			}
			results = append(results, r)
		}
		return write(stdout, stderr, func() error {
			switch *format {
			case "csv":
				return contacts.WriteCSV(stdout, results)
			case "json":
				if len(results) == 1 {
					return writeJSON(stdout, results[0])
				}
				return writeJSON(stdout, results)
			}
			for i := range results {
				if i > 0 {
					fmt.Fprintln(stdout)
				}
				if err := contacts.WriteTable(stdout, &results[i]); err != nil {
					return err
				}
			}
			return nil
		})
	}

	if set["buyers"] || set["sellers"] {
		return usage("-buyers and -sellers set a single run; a sweep uses -from, -to and -ratio")
	}
	if *from < 1 || *to < *from {
		return usage("-from %d -to %d: want 1 <= from <= to", *from, *to)
	}
	if !(*ratio > 0) {
		return usage("-ratio %v: want > 0", *ratio)
	}
	sc := contacts.SweepConfig{
		Base: cfg, Sizes: contacts.DefaultSizes(*from, *to), Ratio: *ratio, Seeds: *seeds, Workers: *workers,
		FitFrom: *fitFrom,
	}
	if err := sc.Validate(); err != nil {
		return usage("%v", trim(err))
	}
	pb := newBar(stderr, *progress, "sweep")
	if pb != nil {
		sc.Progress = pb.update
	}
	s, err := contacts.RunSweep(context.Background(), sc)
	pb.finish()
	if err != nil {
		fmt.Fprintln(stderr, "contacts:", err)
		return ExitError
	}
	code := write(stdout, stderr, func() error {
		switch *format {
		case "csv":
			if err := contacts.WriteCSV(stdout, s.Results); err != nil {
				return err
			}
			return contacts.WriteFits(stderr, s)
		case "json":
			return writeJSON(stdout, s)
		}
		return contacts.WriteSweepTable(stdout, s)
	})
	if code != ExitOK || *plotPath == "" {
		return code
	}
	if err := opt.Plot(*plotPath, s); err != nil {
		fmt.Fprintln(stderr, "contacts: plot:", err)
		return ExitError
	}
	fmt.Fprintf(stderr, "contacts: wrote %s\n", *plotPath)
	return ExitOK
}

// trim drops the package prefix of a config error for the command line.
func trim(err error) string {
	return strings.TrimPrefix(err.Error(), "contacts: ")
}

func write(stdout, stderr io.Writer, f func() error) int {
	if err := f(); err != nil {
		fmt.Fprintln(stderr, "contacts: write:", err)
		return ExitError
	}
	return ExitOK
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// bar is a one-line progress bar, redrawn in place with a carriage return.
// It measures work in participants, so the large runs weigh what they cost.
type bar struct {
	w     io.Writer
	label string
	start time.Time
	drawn bool
}

// IsTerminal reports whether w is a terminal: an *os.File on a character
// device. Anything else (a pipe, a file, a buffer) is not.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newBar returns a progress bar on w, or nil when it is off or w is not a
// terminal (a redirected stderr gets no carriage returns).
func newBar(w io.Writer, on bool, label string) *bar {
	if !on || !IsTerminal(w) {
		return nil
	}
	return &bar{w: w, label: label, start: time.Now()}
}

const barWidth = 30

func (b *bar) update(done, total int64) {
	if total <= 0 {
		return
	}
	fill := int(done * barWidth / total)
	fmt.Fprintf(b.w, "\r%s [%s%s] %3d%%  %s", b.label, strings.Repeat("#", fill), strings.Repeat(".", barWidth-fill),
		done*100/total, time.Since(b.start).Round(100*time.Millisecond))
	b.drawn = true
}

func (b *bar) finish() {
	if b != nil && b.drawn {
		fmt.Fprintln(b.w)
	}
}

// runFigures runs every sweep of contacts.Figures, writes its CSV and its
// Markdown tables into dir, and draws its figures with opt.Figures. It then
// runs the example and the scale runs up to 10·to, writes the counts block
// into dir, and rewrites the generated blocks of every file of docs.
func runFigures(dir string, docs []string, from, to, workers int, stdout, stderr io.Writer, progress bool, opt Options) int {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "contacts:", err)
		return ExitError
	}
	figs := contacts.Figures(from, to)
	sweeps := make([]*contacts.Sweep, 0, len(figs))
	var md strings.Builder
	for _, f := range figs {
		sc := f.Sweep
		sc.Workers = workers
		pb := newBar(stderr, progress, f.Name)
		if pb != nil {
			sc.Progress = pb.update
		}
		s, err := contacts.RunSweep(context.Background(), sc)
		pb.finish()
		if err != nil {
			fmt.Fprintln(stderr, "contacts:", err)
			return ExitError
		}
		sweeps = append(sweeps, s)
		var csv strings.Builder
		if err := contacts.WriteCSV(&csv, s.Results); err != nil {
			fmt.Fprintln(stderr, "contacts:", err)
			return ExitError
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name+".csv"), []byte(csv.String()), 0o644); err != nil {
			fmt.Fprintln(stderr, "contacts:", err)
			return ExitError
		}
		if err := contacts.WriteMarkdown(&md, f, s); err != nil {
			fmt.Fprintln(stderr, "contacts:", err)
			return ExitError
		}
		md.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "tables.md"), []byte(md.String()), 0o644); err != nil {
		fmt.Fprintln(stderr, "contacts:", err)
		return ExitError
	}
	if err := opt.Figures(dir, sweeps); err != nil {
		fmt.Fprintln(stderr, "contacts: figures:", err)
		return ExitError
	}
	blocks, err := docBlocks(figs, sweeps, to)
	if err != nil {
		fmt.Fprintln(stderr, "contacts:", err)
		return ExitError
	}
	if err := os.WriteFile(filepath.Join(dir, "counts.md"), []byte(blocks[contacts.BlockCounts]), 0o644); err != nil {
		fmt.Fprintln(stderr, "contacts:", err)
		return ExitError
	}
	for _, path := range docs {
		b, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(stderr, "contacts:", err)
			return ExitError
		}
		out, n := contacts.Splice(string(b), blocks)
		if n == 0 {
			fmt.Fprintf(stderr, "contacts: -docs %s: no generated block markers (%s)\n", path, contacts.BeginMarker("NAME"))
			return ExitError
		}
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			fmt.Fprintln(stderr, "contacts:", err)
			return ExitError
		}
		fmt.Fprintf(stdout, "contacts: rewrote %d generated blocks of %s\n", n, path)
	}
	fmt.Fprintf(stdout, "contacts: wrote the figures, tables.md, counts.md and the CSV of %d sweeps into %s\n", len(figs), dir)
	return ExitOK
}

// docBlocks returns the generated blocks of the documentation pages: the
// example, the figure tables of sweeps and the counts of the scale runs up
// to 10·to.
func docBlocks(figs []contacts.Figure, sweeps []*contacts.Sweep, to int) (map[string]string, error) {
	ex, err := contacts.Run(contacts.ExampleConfig())
	if err != nil {
		return nil, err
	}
	example, err := contacts.ExampleBlock(&ex)
	if err != nil {
		return nil, err
	}
	tables, err := contacts.TablesBlock(figs, sweeps)
	if err != nil {
		return nil, err
	}
	var scale []contacts.Result
	for _, n := range contacts.ScaleSizes(10 * to) {
		r, err := contacts.Run(contacts.ScaleConfig(n))
		if err != nil {
			return nil, err
		}
		scale = append(scale, r)
	}
	return map[string]string{
		contacts.BlockExample: example,
		contacts.BlockTables:  tables,
		contacts.BlockCounts:  contacts.CountsBlock(sweeps[0], scale),
	}, nil
}
