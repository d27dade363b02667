package contacts

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

// Price model. An offer asks base+X and a request bids base+Y+shift, with X
// and Y uniform integers in [0, priceRange) ticks of one kopeck, so a pair is
// compatible when Y-X >= -shift. Y-X is triangular on (-priceRange,
// priceRange); shift is chosen from Compat by inverting its distribution.
const (
	priceRange = 1_000_000      // 10,000 RUB of spread within a market
	priceBase  = 2 * priceRange // keeps every bid positive when shift = -priceRange
)

// PCG stream selectors: one seed gives independent streams for the layout
// and prices and for the arrival order, so switching Arrival never changes
// the generated market.
const (
	streamMarket  = 0x61676f72615f6d6b // "agora_mk"
	streamArrival = 0x61676f72615f6172 // "agora_ar"
)

// Order is one generated request (Side Buy) or offer (Side Sell) of one lot,
// a limit GTC order.
type Order struct {
	Trader int32 // participant: buyers are 0..Buyers-1, sellers Buyers..Buyers+Sellers-1
	Market int32 // index into Market.Keys
	Side   matching.Side
	Price  catalog.Price // kopecks, tick 1
}

// Market is a generated set of markets with its participants and orders. It
// is plain data: build it with Generate or FromLayout, count it with Count.
type Market struct {
	Config  Config               // the config with defaults filled in
	Catalog *catalog.Catalog     // generated taxonomy and bases
	Keys    []matching.MarketKey // the markets, Keys[k] for Order.Market k
	Orders  []Order              // requests and offers, in generation order
}

// Generate builds the market described by cfg: a taxonomy of
// ceil(Markets/Bases) leaves at depth Depth, Bases delivery bases, and for
// every participant Activity distinct markets drawn by popularity (uniform
// or Zipf), with one priced order in each.
//
// The same cfg always gives the same Market. Errors: ErrInvalidConfig.
// Cost: O(Markets + (Buyers+Sellers)·Activity·log Markets); it allocates
// the orders and the catalog.
func Generate(cfg Config) (*Market, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m, err := newMarket(cfg)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(cfg.Seed, streamMarket))
	cum := popularity(cfg.Markets, cfg.Zipf)
	m.Orders = make([]Order, 0, (cfg.Buyers+cfg.Sellers)*cfg.Activity)
	var picked []int32
	for t := range cfg.Buyers + cfg.Sellers {
		side := matching.Buy
		if t >= cfg.Buyers {
			side = matching.Sell
		}
		picked = picked[:0]
		for len(picked) < cfg.Activity {
			k := draw(r, cum)
			if !slices.Contains(picked, k) {
				picked = append(picked, k)
			}
		}
		for _, k := range picked {
			m.Orders = append(m.Orders, Order{Trader: int32(t), Market: k, Side: side})
		}
	}
	m.price(r)
	return m, nil
}

// FromLayout builds a market with exactly buyers[k] buyers and sellers[k]
// sellers in market k, each participant active in that one market, priced
// as Generate prices (cfg.Compat and cfg.Seed apply; cfg.Buyers,
// cfg.Sellers, cfg.Markets, cfg.Activity and cfg.Zipf are set from the
// layout). It is meant for hand-computable markets.
//
// Errors: ErrInvalidConfig (no markets, a negative count, or a bad cfg).
func FromLayout(buyers, sellers []int, cfg Config) (*Market, error) {
	if len(buyers) == 0 || len(buyers) != len(sellers) {
		return nil, fmt.Errorf("%w: layout of %d and %d markets: want the same positive number", ErrInvalidConfig, len(buyers), len(sellers))
	}
	cfg.Markets, cfg.Activity, cfg.Zipf, cfg.Buyers, cfg.Sellers = len(buyers), 1, 0, 0, 0
	for k := range buyers {
		if buyers[k] < 0 || sellers[k] < 0 {
			return nil, fmt.Errorf("%w: market %d has %d buyers and %d sellers", ErrInvalidConfig, k, buyers[k], sellers[k])
		}
		cfg.Buyers += buyers[k]
		cfg.Sellers += sellers[k]
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m, err := newMarket(cfg)
	if err != nil {
		return nil, err
	}
	m.Orders = make([]Order, 0, cfg.Buyers+cfg.Sellers)
	t := int32(0)
	for k, n := range buyers {
		for range n {
			m.Orders = append(m.Orders, Order{Trader: t, Market: int32(k), Side: matching.Buy})
			t++
		}
	}
	for k, n := range sellers {
		for range n {
			m.Orders = append(m.Orders, Order{Trader: t, Market: int32(k), Side: matching.Sell})
			t++
		}
	}
	m.price(rand.New(rand.NewPCG(cfg.Seed, streamMarket)))
	return m, nil
}

// newMarket builds the catalog and the market keys of cfg.
func newMarket(cfg Config) (*Market, error) {
	cat, leaves, err := buildCatalog(cfg)
	if err != nil {
		return nil, err
	}
	keys := make([]matching.MarketKey, cfg.Markets)
	for k := range keys {
		keys[k] = matching.MarketKey{
			Category: leaves[k/cfg.Bases],
			Basis:    catalog.BasisID(k%cfg.Bases + 1),
		}
	}
	return &Market{Config: cfg, Catalog: cat, Keys: keys}, nil
}

// buildCatalog generates a balanced taxonomy with ceil(Markets/Bases) leaves
// at depth Depth, and Bases bases. Codes count from 01 in each group, as
// OKPD2 codes do.
func buildCatalog(cfg Config) (*catalog.Catalog, []catalog.CategoryID, error) {
	nLeaves := (cfg.Markets + cfg.Bases - 1) / cfg.Bases
	fan := 1 // smallest fan-out with fan^Depth >= nLeaves
	for pow(fan, cfg.Depth) < nLeaves {
		fan++
	}
	width := max(2, len(strconv.Itoa(fan)))
	tax := catalog.NewTaxonomy()
	leaves := make([]catalog.CategoryID, nLeaves)
	groups := make([]int, cfg.Depth)
	var code strings.Builder
	for i := range nLeaves {
		for d, v := cfg.Depth-1, i; d >= 0; d-- {
			groups[d] = v%fan + 1
			v /= fan
		}
		code.Reset()
		for d, g := range groups {
			if d > 0 {
				code.WriteByte('.')
			}
			fmt.Fprintf(&code, "%0*d", width, g)
			c := code.String()
			if d < cfg.Depth-1 {
				if _, ok := tax.ByCode(c); !ok {
					if _, err := tax.Add(c, "Group "+c, "", 0, 0); err != nil {
						return nil, nil, fmt.Errorf("%w: taxonomy: %w", ErrInvalidConfig, err)
					}
				}
				continue
			}
			id, err := tax.Add(c, "Goods "+c, "t", 1, 1)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: taxonomy: %w", ErrInvalidConfig, err)
			}
			leaves[i] = id
		}
	}
	bases := catalog.NewBases()
	for b := range cfg.Bases {
		s := strconv.Itoa(b + 1)
		if _, err := bases.Add("B"+s, "Basis "+s); err != nil {
			return nil, nil, fmt.Errorf("%w: bases: %w", ErrInvalidConfig, err)
		}
	}
	return &catalog.Catalog{Taxonomy: tax, Bases: bases}, leaves, nil
}

func pow(b, e int) int {
	p := 1
	for range e {
		p *= b
	}
	return p
}

// popularity returns the cumulative weights of n markets, market k (from 1)
// weighing k^-s.
func popularity(n int, s float64) []float64 {
	cum := make([]float64, n)
	sum := 0.0
	for k := range cum {
		sum += math.Pow(float64(k+1), -s)
		cum[k] = sum
	}
	return cum
}

// draw picks a market index by its cumulative weight. O(log n).
func draw(r *rand.Rand, cum []float64) int32 {
	u := r.Float64() * cum[len(cum)-1]
	k, _ := slices.BinarySearch(cum, u)
	return int32(min(k, len(cum)-1))
}

// compatShift returns the bid shift d, in ticks, that makes a share c of the
// (bid, ask) pairs compatible. In units of priceRange, with X and Y uniform
// on [0, 1), a pair is compatible when Y+d >= X, whose probability is the
// triangular CDF F(d) = (1+d)²/2 for d <= 0 and 1-(1-d)²/2 for d >= 0;
// compatShift inverts it. The integer draws make the share exact up to
// O(1/priceRange).
func compatShift(c float64) int64 {
	if c == NoCompat {
		return -priceRange
	}
	var d float64
	if c <= 0.5 {
		d = math.Sqrt(2*c) - 1
	} else {
		d = 1 - math.Sqrt(2*(1-c))
	}
	return int64(math.Round(d * priceRange))
}

// price draws every order's price, in order.
func (m *Market) price(r *rand.Rand) {
	shift := compatShift(m.Config.Compat)
	for i := range m.Orders {
		o := &m.Orders[i]
		p := priceBase + r.Int64N(priceRange)
		if o.Side == matching.Buy {
			p += shift
		}
		o.Price = catalog.Price(p)
	}
}
