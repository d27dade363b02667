package contacts

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Quantities returns the names of the counts a sweep of base fits, in the
// order of Sweep.Fits: "contacts:" and each search model, then the
// exchange's and the market's counts. Every name is accepted by
// Result.Value.
func Quantities(base Config) []string {
	base = base.withDefaults()
	q := make([]string, 0, len(base.Search)+len(fixedQuantities))
	for _, m := range base.Search {
		q = append(q, "contacts:"+m.String())
	}
	return append(q, fixedQuantities[:]...)
}

var fixedQuantities = [...]string{
	"exchange_postings", "exchange_messages", "all_messages", "exchange_trades",
	"possible_pairs", "compatible_pairs", "max_surplus",
}

// Value returns the count named q (see Quantities) in r, and false for an
// unknown name.
func (r *Result) Value(q string) (uint64, bool) {
	if name, ok := strings.CutPrefix(q, "contacts:"); ok {
		return r.Contacts(name)
	}
	switch q {
	case "exchange_postings":
		return r.ExchangePostings(), true
	case "exchange_messages":
		return r.ExchangeMessages(), true
	case "all_messages":
		return r.AllMessages(), true
	case "exchange_trades":
		return r.Exchange.Trades, true
	case "possible_pairs":
		return r.PossiblePairs, true
	case "compatible_pairs":
		return r.CompatiblePairs, true
	case "max_surplus":
		return uint64(max(r.MaxSurplus, 0)), true
	}
	return 0, false
}

// SeedOf returns the seed of run j of a sweep whose first seed is base:
// base·2^32 + j. The seed blocks of different base seeds never overlap
// (for base < 2^32 and j < 2^32), so sweeps with neighbouring -seed values
// share no run.
func SeedOf(base uint64, j int) uint64 { return base<<32 + uint64(uint32(j)) }

// SweepConfig describes a sweep over market size: for each N in Sizes and
// each of Seeds seeds, a market of N buyers and round(Ratio·N) sellers with
// the rest of Base.
type SweepConfig struct {
	// Base gives every parameter but the sizes and the seed; run j of a
	// point uses SeedOf(Base.Seed, j).
	Base Config
	// Sizes are the buyer counts N. Nil means DefaultSizes(5, 100000).
	Sizes []int
	// Ratio is sellers per buyer. Zero means 1.
	Ratio float64
	// Seeds is the number of seeds per size. Zero means 3.
	Seeds int
	// FitFrom leaves the sizes below it out of the fits (the local slopes
	// keep every size). Zero fits every size.
	FitFrom int
	// Workers is the number of runs in parallel. Zero means GOMAXPROCS.
	// Results do not depend on it.
	Workers int
	// Progress, if not nil, is called after each run with the work done
	// and the total, in participants (buyers + sellers); calls are
	// serialised.
	Progress func(done, total int64)
}

// DefaultSizes returns the 1-2-5 series from lo to hi inclusive (lo and hi
// included even when off the series): 5, 10, 20, 50, 100, ... for (5, 100000).
func DefaultSizes(lo, hi int) []int {
	var s []int
	if lo < 1 || hi < lo {
		return s
	}
	s = append(s, lo)
	for dec := 1; dec <= hi; dec *= 10 {
		for _, m := range [3]int{1, 2, 5} {
			if n := m * dec; n > lo && n < hi {
				s = append(s, n)
			}
		}
		if dec > math.MaxInt/10 {
			break
		}
	}
	if hi > lo {
		s = append(s, hi)
	}
	return s
}

// Fit is a least-squares fit of log(count) = Slope·log(N) + Intercept
// (natural logs) for one quantity, over the runs with N >= FitFrom.
type Fit struct {
	Model     string  `json:"model"`     // the quantity, one of Quantities
	FitFrom   int     `json:"fit_from"`  // smallest N fitted
	Slope     float64 `json:"slope"`     // over every run fitted
	Intercept float64 `json:"intercept"` // log of the count at N = 1
	R2        float64 `json:"r2"`        // coefficient of determination of the pooled fit
	Points    int     `json:"points"`    // runs fitted
	Skipped   int     `json:"skipped"`   // runs fitted but whose count was 0 (no logarithm)
	// CILow and CIHigh are the 95% percentile interval of the slope over
	// Bootstrap resamples of the seeds (with replacement, every size of a
	// seed kept together), drawn from BootstrapSeed: the same sweep gives
	// the same interval. NaN with one seed.
	CILow  float64 `json:"ci95_low"`
	CIHigh float64 `json:"ci95_high"`
	// The spread across seeds: the slope fitted to each seed's runs alone.
	SlopeMin float64 `json:"slope_min"`
	SlopeMax float64 `json:"slope_max"`
	SlopeSD  float64 `json:"slope_sd"` // sample standard deviation
	// Local are the slopes between adjacent sizes, of the mean count over
	// seeds, over every size (FitFrom does not apply).
	Local []LocalSlope `json:"local_slopes"`
}

// LocalSlope is log(mean(To)/mean(From)) / log(To/From).
type LocalSlope struct {
	From  int     `json:"from"`
	To    int     `json:"to"`
	Slope float64 `json:"slope"`
}

// Bootstrap resamples and the fixed seed of the slope intervals.
const (
	Bootstrap     = 1000
	BootstrapSeed = 0x626f6f74 // "boot"
)

// SweepParams are the sweep's own parameters, as the JSON output shows.
type SweepParams struct {
	Sizes         []int   `json:"sizes"`
	Ratio         float64 `json:"ratio"`
	Seeds         int     `json:"seeds"`
	SeedRule      string  `json:"seed_rule"`
	FitFrom       int     `json:"fit_from"`
	Bootstrap     int     `json:"bootstrap"`
	BootstrapSeed uint64  `json:"bootstrap_seed"`
}

// Sweep is the outcome of RunSweep.
type Sweep struct {
	Config  SweepConfig `json:"-"`
	Params  Params      `json:"parameters"` // of Base; buyers and sellers 0, seed the first
	Sweep   SweepParams `json:"sweep"`
	Results []Result    `json:"results"` // by size, then seed
	Fits    []Fit       `json:"fits"`    // one per entry of Quantities
}

func (c SweepConfig) withDefaults() SweepConfig {
	if c.Sizes == nil {
		c.Sizes = DefaultSizes(5, 100_000)
	}
	if c.Ratio == 0 {
		c.Ratio = 1
	}
	if c.Seeds == 0 {
		c.Seeds = 3
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// sellers returns the seller count for n buyers.
func (c SweepConfig) sellers(n int) int { return int(math.Round(c.Ratio * float64(n))) }

// Validate reports whether c (after defaults) is usable: sizes at least 1,
// a positive finite ratio, at least one seed and worker, and a valid Base
// at every size. Errors wrap ErrInvalidConfig.
func (c SweepConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case len(c.Sizes) == 0:
		return fmt.Errorf("%w: sweep without sizes", ErrInvalidConfig)
	case !(c.Ratio > 0) || math.IsInf(c.Ratio, 0):
		return fmt.Errorf("%w: ratio %v: want > 0", ErrInvalidConfig, c.Ratio)
	case c.Seeds < 1:
		return fmt.Errorf("%w: %d seeds: want at least 1", ErrInvalidConfig, c.Seeds)
	case c.FitFrom < 0:
		return fmt.Errorf("%w: fit from %d: must not be negative", ErrInvalidConfig, c.FitFrom)
	case c.Workers < 1:
		return fmt.Errorf("%w: %d workers: want at least 1", ErrInvalidConfig, c.Workers)
	}
	for _, n := range c.Sizes {
		if n < 1 {
			return fmt.Errorf("%w: sweep size %d: want at least 1", ErrInvalidConfig, n)
		}
		b := c.Base
		b.Buyers, b.Sellers = n, c.sellers(n)
		if err := b.Validate(); err != nil {
			return fmt.Errorf("size %d: %w", n, err)
		}
	}
	return nil
}

// RunSweep runs every (size, seed) of cfg, Workers at a time, and fits each
// of Models. The results are the same for any Workers. It stops early with
// ctx's error if ctx is cancelled.
//
// Errors: ErrInvalidConfig, ErrExchange, or ctx.Err().
func RunSweep(ctx context.Context, cfg SweepConfig) (*Sweep, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	type job struct {
		i   int
		cfg Config
	}
	var jobs []job
	var total int64
	for _, n := range cfg.Sizes {
		for j := range cfg.Seeds {
			b := cfg.Base
			b.Buyers, b.Sellers, b.Seed = n, cfg.sellers(n), SeedOf(cfg.Base.Seed, j)
			jobs = append(jobs, job{len(jobs), b})
			total += int64(b.Buyers + b.Sellers)
		}
	}
	// Largest first, so that the last worker does not start the biggest
	// run alone at the end.
	order := make(chan job, len(jobs))
	for i := len(jobs) - 1; i >= 0; i-- {
		order <- jobs[i]
	}
	close(order)

	results := make([]Result, len(jobs))
	var (
		mu       sync.Mutex
		done     int64
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(cfg.Workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range order {
				if ctx.Err() != nil {
					return
				}
				r, err := Run(jb.cfg)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("N=%d seed %d: %w", jb.cfg.Buyers, jb.cfg.Seed, err)
				}
				results[jb.i] = r
				done += int64(jb.cfg.Buyers + jb.cfg.Sellers)
				if cfg.Progress != nil {
					cfg.Progress(done, total)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &Sweep{Config: cfg, Params: paramsOf(cfg.Base), Results: results}
	s.Params.Buyers, s.Params.Sellers, s.Params.Seed = 0, 0, cfg.Base.Seed
	s.Sweep = SweepParams{Sizes: cfg.Sizes, Ratio: cfg.Ratio, Seeds: cfg.Seeds, FitFrom: cfg.FitFrom,
		SeedRule: "seed<<32 + j", Bootstrap: Bootstrap, BootstrapSeed: BootstrapSeed}
	for _, q := range Quantities(cfg.Base) {
		s.Fits = append(s.Fits, fitQuantity(q, results, cfg))
	}
	return s, nil
}

// fitQuantity fits one quantity over the results of cfg: pooled, per
// seed, bootstrapped over seeds, and locally between adjacent sizes.
func fitQuantity(q string, results []Result, cfg SweepConfig) Fit {
	f := Fit{Model: q, FitFrom: cfg.FitFrom, CILow: math.NaN(), CIHigh: math.NaN()}
	var xs, ys []float64
	perSeed := make([][2][]float64, cfg.Seeds)
	sum := map[int]float64{}
	cnt := map[int]int{}
	for i := range results {
		r := &results[i]
		v, _ := r.Value(q)
		sum[r.Buyers] += float64(v)
		cnt[r.Buyers]++
		if r.Buyers < cfg.FitFrom {
			continue
		}
		if v == 0 || r.Buyers == 0 {
			f.Skipped++
			continue
		}
		x, y := math.Log(float64(r.Buyers)), math.Log(float64(v))
		xs, ys = append(xs, x), append(ys, y)
		j := i % cfg.Seeds // results are by size, then seed
		perSeed[j][0] = append(perSeed[j][0], x)
		perSeed[j][1] = append(perSeed[j][1], y)
	}
	f.Points = len(xs)
	f.Slope, f.Intercept, f.R2 = LeastSquares(xs, ys)
	var slopes []float64
	for _, p := range perSeed {
		if len(p[0]) >= 2 {
			s, _, _ := LeastSquares(p[0], p[1])
			if !math.IsNaN(s) {
				slopes = append(slopes, s)
			}
		}
	}
	if len(slopes) > 0 {
		f.SlopeMin, f.SlopeMax = slopes[0], slopes[0]
		mean := 0.0
		for _, s := range slopes {
			f.SlopeMin, f.SlopeMax = min(f.SlopeMin, s), max(f.SlopeMax, s)
			mean += s
		}
		mean /= float64(len(slopes))
		if len(slopes) > 1 {
			ss := 0.0
			for _, s := range slopes {
				ss += (s - mean) * (s - mean)
			}
			f.SlopeSD = math.Sqrt(ss / float64(len(slopes)-1))
		}
	}
	if cfg.Seeds > 1 && !math.IsNaN(f.Slope) {
		f.CILow, f.CIHigh = bootstrap(perSeed)
	}
	for i := 1; i < len(cfg.Sizes); i++ {
		a, b := cfg.Sizes[i-1], cfg.Sizes[i]
		ma, mb := sum[a]/float64(max(cnt[a], 1)), sum[b]/float64(max(cnt[b], 1))
		ls := LocalSlope{From: a, To: b, Slope: math.NaN()}
		if ma > 0 && mb > 0 && b != a {
			ls.Slope = math.Log(mb/ma) / math.Log(float64(b)/float64(a))
		}
		f.Local = append(f.Local, ls)
	}
	return f
}

// bootstrap returns the 95% percentile interval of the pooled slope over
// Bootstrap resamples of the seeds.
func bootstrap(perSeed [][2][]float64) (lo, hi float64) {
	r := rand.New(rand.NewPCG(BootstrapSeed, 0))
	slopes := make([]float64, 0, Bootstrap)
	var xs, ys []float64
	for range Bootstrap {
		xs, ys = xs[:0], ys[:0]
		for range perSeed {
			p := &perSeed[r.IntN(len(perSeed))]
			xs = append(xs, p[0]...)
			ys = append(ys, p[1]...)
		}
		if s, _, _ := LeastSquares(xs, ys); !math.IsNaN(s) {
			slopes = append(slopes, s)
		}
	}
	if len(slopes) == 0 {
		return math.NaN(), math.NaN()
	}
	slices.Sort(slopes)
	at := func(q float64) float64 { return slopes[min(len(slopes)-1, int(q*float64(len(slopes))))] }
	return at(0.025), at(0.975)
}

// LeastSquares fits y = slope·x + intercept by ordinary least squares and
// returns the coefficient of determination R² (1 when y is exactly linear,
// or when y is constant and so exactly fitted). With fewer than two
// distinct x it returns NaN for the slope and intercept and 0 for R².
func LeastSquares(xs, ys []float64) (slope, intercept, r2 float64) {
	n := float64(len(xs))
	if len(xs) != len(ys) || len(xs) < 2 {
		return math.NaN(), math.NaN(), 0
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx, my = mx/n, my/n
	var sxx, sxy, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return math.NaN(), math.NaN(), 0
	}
	slope = sxy / sxx
	intercept = my - slope*mx
	if syy == 0 {
		return slope, intercept, 1
	}
	var sse float64
	for i := range xs {
		e := ys[i] - (slope*xs[i] + intercept)
		sse += e * e
	}
	return slope, intercept, 1 - sse/syy
}
