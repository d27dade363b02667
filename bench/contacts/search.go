package contacts

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

// SearchKind is a model of direct search. The zero value is invalid.
type SearchKind uint8

const (
	// SearchExhaustive: every buyer asks every seller, markets unknown
	// (B·S inquiries). Everyone then knows every price, so the trades are
	// the competitive matching. Closed form.
	SearchExhaustive SearchKind = 1 + iota
	// SearchInformed: every buyer asks every seller it shares a market
	// with, each pair once however many markets they share. The trades are
	// the competitive matching. Closed form.
	SearchInformed
	// SearchSample is Stigler's fixed-sample rule: each request asks N
	// offers of its market drawn at random (all of them if fewer), then
	// buys from the cheapest one that is still available and that its bid
	// can pay. Simulated.
	SearchSample
	// SearchSequential: each request asks the offers of its market one at
	// a time in a random order and buys from the first that is available
	// at an ask its bid, the reservation price, can pay, after at most N
	// inquiries (the budget). Simulated.
	SearchSequential
	searchEnd
)

// MaxSearchN bounds the sample size and the budget of SearchModel.
const MaxSearchN = 1_000_000

// SearchModel is one model of direct search: a kind and, for SearchSample
// and SearchSequential, its sample size or budget N (at least 1).
type SearchModel struct {
	Kind SearchKind
	N    int
}

// DefaultSearch is the search models of a Config that names none.
var defaultSearch = [...]SearchModel{{Kind: SearchExhaustive}, {Kind: SearchInformed}}

// DefaultSearch returns the default search models: exhaustive and informed.
func DefaultSearch() []SearchModel { return slices.Clone(defaultSearch[:]) }

// String returns "exhaustive", "informed", "sample:N" or "sequential:N", the
// names ParseSearch reads and the search_model column shows.
func (m SearchModel) String() string {
	switch m.Kind {
	case SearchExhaustive:
		return "exhaustive"
	case SearchInformed:
		return "informed"
	case SearchSample:
		return "sample:" + strconv.Itoa(m.N)
	case SearchSequential:
		return "sequential:" + strconv.Itoa(m.N)
	}
	return fmt.Sprintf("SearchModel(%d:%d)", m.Kind, m.N)
}

func (m SearchModel) validate() error {
	switch m.Kind {
	case SearchExhaustive, SearchInformed:
		if m.N == 0 {
			return nil
		}
	case SearchSample, SearchSequential:
		if m.N >= 1 && m.N <= MaxSearchN {
			return nil
		}
	}
	return fmt.Errorf("%w: search model %v: want exhaustive, informed, sample:N or sequential:N with 1 <= N <= %d", ErrInvalidConfig, m, MaxSearchN)
}

// ParseSearch parses a comma-separated list of search models, such as
// "exhaustive,informed,sample:5,sequential:20". Errors: ErrInvalidConfig
// for an unknown model, a bad N or a model named twice.
func ParseSearch(s string) ([]SearchModel, error) {
	var out []SearchModel
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		name, arg, hasArg := strings.Cut(f, ":")
		var m SearchModel
		switch name {
		case "exhaustive":
			m.Kind = SearchExhaustive
		case "informed":
			m.Kind = SearchInformed
		case "sample":
			m.Kind = SearchSample
		case "sequential":
			m.Kind = SearchSequential
		default:
			return nil, fmt.Errorf("%w: search model %q: want exhaustive, informed, sample:N or sequential:N", ErrInvalidConfig, f)
		}
		if hasArg != (m.Kind == SearchSample || m.Kind == SearchSequential) {
			return nil, fmt.Errorf("%w: search model %q: sample and sequential take :N, the others nothing", ErrInvalidConfig, f)
		}
		if hasArg {
			n, err := strconv.Atoi(arg)
			if err != nil {
				return nil, fmt.Errorf("%w: search model %q: N is not a number", ErrInvalidConfig, f)
			}
			m.N = n
		}
		if err := m.validate(); err != nil {
			return nil, err
		}
		if slices.Contains(out, m) {
			return nil, fmt.Errorf("%w: search model %q named twice", ErrInvalidConfig, f)
		}
		out = append(out, m)
	}
	return out, nil
}

// Outcome is what one search model (or the exchange) achieves on a
// generated market. Money is in kopecks. Every order is one lot, so a trade
// is one matched (request, offer) pair and one lot of volume.
type Outcome struct {
	Model string `json:"search_model"` // SearchModel.String, or "exchange"
	// Inquiries are the inquiries sent by buyers. Each is answered, so
	// Contacts = 2·Inquiries: contacts count messages, an inquiry and its
	// reply per pair asked, as the exchange's messages count commands in
	// and events out. For the exchange both are 0.
	Inquiries uint64 `json:"inquiries"`
	Contacts  uint64 `json:"contacts"`
	// SearchCost is Inquiries × Config.ContactCost, reported beside the
	// surplus and never subtracted from it.
	SearchCost int64  `json:"search_cost"`
	Trades     uint64 `json:"trades"`
	Volume     int64  `json:"volume"` // lots traded
	Paid       int64  `json:"paid"`   // Σ price × lots over the trades
	// Surplus is the realised gross surplus, Σ (bid − ask) over the
	// trades: the gains from trade, whatever the price.
	Surplus int64 `json:"surplus"`

	// The derived figures of Result.FillRate, MeanPrice and
	// Result.Efficiency, for the JSON output; nil when undefined.
	FillRate   *float64 `json:"fill_rate"`
	MeanPrice  *float64 `json:"mean_price"`
	Efficiency *float64 `json:"efficiency"`
}

// derive fills in the derived figures of o for a market with the given
// requests and maximum surplus.
func (o *Outcome) derive(requests int, maxSurplus int64) {
	o.FillRate, o.MeanPrice, o.Efficiency = nil, nil, nil
	if requests > 0 {
		v := float64(o.Volume) / float64(requests)
		o.FillRate = &v
	}
	if v, ok := o.Mean(); ok {
		o.MeanPrice = &v
	}
	if maxSurplus > 0 {
		v := float64(o.Surplus) / float64(maxSurplus)
		o.Efficiency = &v
	}
}

// Mean returns the mean price paid, Paid/Volume, and false when nothing
// traded.
func (o *Outcome) Mean() (float64, bool) {
	if o.Volume == 0 {
		return 0, false
	}
	return float64(o.Paid) / float64(o.Volume), true
}

// book is the orders of one market: indexes into Market.Orders.
type book struct{ bids, asks []int32 }

// books buckets the orders of m by market, in generation order.
func (m *Market) books() []book {
	K := len(m.Keys)
	nb, na := make([]int, K), make([]int, K)
	for i := range m.Orders {
		if m.Orders[i].Side == matching.Buy {
			nb[m.Orders[i].Market]++
		} else {
			na[m.Orders[i].Market]++
		}
	}
	bids, asks := make([]int32, 0, len(m.Orders)), make([]int32, 0, len(m.Orders))
	bs := make([]book, K)
	for k := range bs {
		bs[k].bids = bids[len(bids) : len(bids) : len(bids)+nb[k]]
		bids = bids[:len(bids)+nb[k]]
		bs[k].asks = asks[len(asks) : len(asks) : len(asks)+na[k]]
		asks = asks[:len(asks)+na[k]]
	}
	for i := range m.Orders {
		k := m.Orders[i].Market
		if m.Orders[i].Side == matching.Buy {
			bs[k].bids = append(bs[k].bids, int32(i))
		} else {
			bs[k].asks = append(bs[k].asks, int32(i))
		}
	}
	return bs
}

// value holds the value figures of a market and its competitive outcome.
type value struct {
	compatible uint64  // (request, offer) pairs of one market with bid >= ask
	optimum    Outcome // the competitive (price-priority) matching, asks paid
}

// competitive computes the compatible pairs and the competitive optimum of
// every market: the highest bids paired with the lowest asks while bid >=
// ask. With unit orders that matching maximises the gross surplus. The
// buyer pays the ask. Cost: O(n log n) in orders.
func (m *Market) competitive(bs []book) value {
	var v value
	var bp, ap []catalog.Price
	for _, b := range bs {
		bp, ap = bp[:0], ap[:0]
		for _, i := range b.bids {
			bp = append(bp, m.Orders[i].Price)
		}
		for _, i := range b.asks {
			ap = append(ap, m.Orders[i].Price)
		}
		slices.Sort(bp)
		slices.Sort(ap)
		// Compatible pairs: for each bid, the asks at or below it.
		j := 0
		for _, p := range bp {
			for j < len(ap) && ap[j] <= p {
				j++
			}
			v.compatible += uint64(j)
		}
		// Price priority: the i-th highest bid meets the i-th lowest ask.
		for i := 0; i < len(bp) && i < len(ap); i++ {
			bid, ask := bp[len(bp)-1-i], ap[i]
			if bid < ask {
				break
			}
			v.optimum.Trades++
			v.optimum.Volume++
			v.optimum.Paid += int64(ask)
			v.optimum.Surplus += int64(bid - ask)
		}
	}
	return v
}

// informedPairs returns the number of distinct (buyer, seller) pairs that
// share at least one market. With Activity 1 it is Σ b_k·s_k; otherwise it
// is counted by inclusion-exclusion over the subsets of each participant's
// markets, O((Buyers+Sellers)·2^Activity).
func (m *Market) informedPairs(bs []book) uint64 {
	if m.Config.Activity == 1 {
		var n uint64
		for _, b := range bs {
			n += uint64(len(b.bids)) * uint64(len(b.asks))
		}
		return n
	}
	// b_T and s_T: participants whose markets include every market of T.
	type count struct{ b, s int64 }
	sets := map[string]*count{}
	var key []byte
	var mk []int32
	for i := 0; i < len(m.Orders); {
		j := i
		for j < len(m.Orders) && m.Orders[j].Trader == m.Orders[i].Trader {
			j++
		}
		mk = mk[:0]
		for _, o := range m.Orders[i:j] {
			mk = append(mk, o.Market)
		}
		slices.Sort(mk)
		mk = slices.Compact(mk)
		buy := m.Orders[i].Side == matching.Buy
		for mask := 1; mask < 1<<len(mk); mask++ {
			key = key[:0]
			for t, k := range mk {
				if mask&(1<<t) != 0 {
					key = strconv.AppendInt(key, int64(k), 36)
					key = append(key, ',')
				}
			}
			c := sets[string(key)]
			if c == nil {
				c = &count{}
				sets[string(key)] = c
			}
			if buy {
				c.b++
			} else {
				c.s++
			}
		}
		i = j
	}
	var n int64
	for k, c := range sets {
		if strings.Count(k, ",")%2 == 1 {
			n += c.b * c.s
		} else {
			n -= c.b * c.s
		}
	}
	return uint64(n)
}

// PCG stream of the search simulations; each model gets its own stream, so
// a model's outcome does not depend on which other models run beside it.
const streamSearch = 0x61676f72615f7372 // "agora_sr"

// simulate runs a sampled search model on every market of m. Requests
// search in a random order, market by market; an offer sells once, and an
// inquiry to an offer already sold is answered and counted, but cannot
// trade. Cost: O(n) plus O(N) per request.
func (m *Market) simulate(model SearchModel, bs []book) Outcome {
	r := rand.New(rand.NewPCG(m.Config.Seed, streamSearch^uint64(model.Kind)<<40^uint64(model.N)))
	out := Outcome{Model: model.String()}
	// A market's requests and offers are copied out of m.Orders, so that a
	// search reads only its market's prices.
	type offer struct {
		price catalog.Price
		sold  bool
	}
	var order []catalog.Price
	var pool []offer
	for _, b := range bs {
		order = order[:0]
		for _, i := range b.bids {
			order = append(order, m.Orders[i].Price)
		}
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		pool = pool[:0]
		for _, i := range b.asks {
			pool = append(pool, offer{price: m.Orders[i].Price})
		}
		for _, bid := range order {
			best := -1
			// Partial Fisher-Yates: pool[:i] are the offers asked so far,
			// a uniform sample without replacement whatever the order
			// pool was left in.
			for i := 0; i < len(pool) && i < model.N; i++ {
				j := i + r.IntN(len(pool)-i)
				pool[i], pool[j] = pool[j], pool[i]
				out.Inquiries++
				if pool[i].sold || pool[i].price > bid {
					continue
				}
				if best < 0 || pool[i].price < pool[best].price {
					best = i
				}
				if model.Kind == SearchSequential {
					break // the first acceptable offer
				}
			}
			if best >= 0 {
				pool[best].sold = true
				ask := pool[best].price
				out.Trades++
				out.Volume++
				out.Paid += int64(ask)
				out.Surplus += int64(bid - ask)
			}
		}
	}
	return out
}

// search computes the outcome of every search model of the config.
func (m *Market) search(bs []book, v value) []Outcome {
	cfg := m.Config
	var pairs uint64
	var pairsDone bool
	outs := make([]Outcome, 0, len(cfg.Search))
	for _, model := range cfg.Search {
		var o Outcome
		switch model.Kind {
		case SearchExhaustive:
			o = v.optimum
			o.Inquiries = uint64(cfg.Buyers) * uint64(cfg.Sellers)
		case SearchInformed:
			if !pairsDone {
				pairs, pairsDone = m.informedPairs(bs), true
			}
			o = v.optimum
			o.Inquiries = pairs
		default:
			o = m.simulate(model, bs)
		}
		o.Model = model.String()
		o.Contacts = 2 * o.Inquiries
		o.SearchCost = searchCost(o.Inquiries, cfg.ContactCost)
		outs = append(outs, o)
	}
	return outs
}

// searchCost returns inquiries × cost, saturated at math.MaxInt64.
func searchCost(inquiries uint64, cost int64) int64 {
	hi, lo := bits.Mul64(inquiries, uint64(cost))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}
