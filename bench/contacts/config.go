package contacts

import (
	"fmt"
	"math"
	"slices"
)

// Defaults and limits of Config.
const (
	DefaultDepth  = 3   // taxonomy depth: "01.02.03" leaves, as OKPD2 classes
	DefaultCompat = 0.5 // half of all buyer-seller pairs can trade

	// NoCompat asks for markets in which no pair can trade (Config.Compat
	// cannot say 0, which means the default).
	NoCompat = -1.0

	// MaxParticipants bounds Buyers+Sellers: every participant gets a
	// distinct, valid 10-digit INN built from its serial number (see inn).
	MaxParticipants = 769_999_999
	// MaxActivity bounds Activity: informed search counts each pair once
	// by inclusion-exclusion over the subsets of a participant's markets,
	// 2^Activity of them.
	MaxActivity = 10
	// MaxContactCost bounds ContactCost, in kopecks per inquiry.
	MaxContactCost = 1_000_000_000
	// MaxMarkets bounds Markets. The exchange opens a market on its first
	// order; see the package documentation for the cost of many markets.
	MaxMarkets = 100_000
	// MaxDepth bounds Depth so that every code fits catalog.MaxCodeLen.
	MaxDepth = 10
)

// Arrival is the order in which the generated requests and offers reach the
// exchange. The zero value is ArrivalPriority.
type Arrival uint8

const (
	// ArrivalPriority posts every offer first, then the requests from the
	// highest bid down. Continuous matching then finds exactly the
	// price-priority matching of each market, the same matches as informed
	// direct search (see Result.DirectTrades).
	ArrivalPriority Arrival = iota
	// ArrivalRandom posts requests and offers in a random order (seeded).
	// Continuous matching may then execute fewer pairs than the
	// price-priority matching (an early low bid takes the ask a later high
	// bid needed) or more (extra-marginal pairs trade before the best ones
	// arrive); never more than the maximum matching.
	ArrivalRandom
	arrivalEnd
)

// String returns "priority", "random" or "Arrival(N)".
func (a Arrival) String() string {
	switch a {
	case ArrivalPriority:
		return "priority"
	case ArrivalRandom:
		return "random"
	}
	return fmt.Sprintf("Arrival(%d)", uint8(a))
}

// ParseArrival parses "priority" or "random".
func ParseArrival(s string) (Arrival, error) {
	for a := ArrivalPriority; a < arrivalEnd; a++ {
		if a.String() == s {
			return a, nil
		}
	}
	return 0, fmt.Errorf("%w: arrival %q: want priority or random", ErrInvalidConfig, s)
}

// Subscribe says who subscribes to category notifications before trading.
// The zero value is SubscribeNone.
type Subscribe uint8

const (
	// SubscribeNone: nobody subscribes; the exchange sends only reports
	// and fills.
	SubscribeNone Subscribe = iota
	// SubscribeSellers: every seller subscribes, once per market it is
	// active in, to the market's leaf category at the market's basis, as a
	// supplier declares what it supplies. The exchange then notifies it of
	// every request (and competing offer) that rests in that market.
	SubscribeSellers
	// SubscribeAll: buyers subscribe to their markets too, and are
	// notified of every resting offer and competing request.
	SubscribeAll
	subscribeEnd
)

// String returns "none", "sellers", "all" or "Subscribe(N)".
func (s Subscribe) String() string {
	switch s {
	case SubscribeNone:
		return "none"
	case SubscribeSellers:
		return "sellers"
	case SubscribeAll:
		return "all"
	}
	return fmt.Sprintf("Subscribe(%d)", uint8(s))
}

// ParseSubscribe parses "none", "sellers" or "all".
func ParseSubscribe(s string) (Subscribe, error) {
	for v := SubscribeNone; v < subscribeEnd; v++ {
		if v.String() == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: subscribe %q: want none, sellers or all", ErrInvalidConfig, s)
}

// Config describes one generated market. Zero fields mean the defaults, so
// Config{Buyers: 5, Sellers: 5} is the seed example: five buyers and five
// sellers in one market.
type Config struct {
	Buyers  int // buyers, each posting one request per market it is active in
	Sellers int // sellers, each posting one offer per market it is active in

	// Markets is the number of markets, (leaf category, basis) pairs.
	// Zero means 1.
	Markets int
	// Bases is the number of delivery bases. Markets are laid out leaf by
	// leaf, every leaf at every basis, so there are ceil(Markets/Bases)
	// leaf categories. Zero means 1.
	Bases int
	// Depth is the number of code groups of a leaf ("01.02.03" has 3); the
	// leaves sit at the bottom of a balanced tree. Zero means DefaultDepth.
	Depth int
	// Zipf is the exponent s of market popularity: market k (from 1) is
	// chosen with weight k^-s. Zero means uniform.
	Zipf float64
	// Activity is the number of distinct markets each participant is
	// active in, with one order in each. Zero means 1.
	Activity int
	// Compat is the share of the buyer-seller pairs of one market whose
	// prices are compatible (bid >= ask), in (0, 1]. Zero means
	// DefaultCompat; NoCompat means none.
	Compat float64
	// Arrival is the order in which orders reach the exchange.
	Arrival Arrival
	// Subscribe says who subscribes to category notifications. The
	// subscriptions are messages of the trading run, sent before the
	// first order.
	Subscribe Subscribe
	// Search lists the models of direct search to run on the market.
	// Nil means DefaultSearch (exhaustive and informed).
	Search []SearchModel
	// ContactCost is the cost of one inquiry in kopecks, for the
	// search_cost column; it is never subtracted from the surplus.
	ContactCost int64
	// Seed seeds the PCG generator; every seed, 0 included, is valid.
	Seed uint64
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Markets == 0 {
		c.Markets = 1
	}
	if c.Bases == 0 {
		c.Bases = 1
	}
	if c.Depth == 0 {
		c.Depth = DefaultDepth
	}
	if c.Activity == 0 {
		c.Activity = 1
	}
	if c.Compat == 0 {
		c.Compat = DefaultCompat
	}
	if c.Search == nil {
		c.Search = DefaultSearch()
	}
	return c
}

// Validate reports whether c (after defaults) is usable. Errors wrap
// ErrInvalidConfig.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Buyers < 0 || c.Sellers < 0:
		return fmt.Errorf("%w: %d buyers and %d sellers: sizes must not be negative", ErrInvalidConfig, c.Buyers, c.Sellers)
	case c.Buyers > MaxParticipants-c.Sellers:
		return fmt.Errorf("%w: %d buyers + %d sellers: at most %d participants", ErrInvalidConfig, c.Buyers, c.Sellers, MaxParticipants)
	case c.Markets < 1 || c.Markets > MaxMarkets:
		return fmt.Errorf("%w: %d markets: want 1 to %d", ErrInvalidConfig, c.Markets, MaxMarkets)
	case c.Bases < 1 || c.Bases > c.Markets:
		return fmt.Errorf("%w: %d bases: want 1 to the number of markets (%d)", ErrInvalidConfig, c.Bases, c.Markets)
	case c.Depth < 1 || c.Depth > MaxDepth:
		return fmt.Errorf("%w: depth %d: want 1 to %d", ErrInvalidConfig, c.Depth, MaxDepth)
	case math.IsNaN(c.Zipf) || c.Zipf < 0 || c.Zipf > 10:
		return fmt.Errorf("%w: zipf exponent %v: want 0 (uniform) to 10", ErrInvalidConfig, c.Zipf)
	case c.Activity < 1 || c.Activity > c.Markets || c.Activity > MaxActivity:
		return fmt.Errorf("%w: activity %d: want 1 to the number of markets (%d), at most %d", ErrInvalidConfig, c.Activity, c.Markets, MaxActivity)
	case len(c.Search) == 0:
		return fmt.Errorf("%w: no search model", ErrInvalidConfig)
	case c.ContactCost < 0 || c.ContactCost > MaxContactCost:
		return fmt.Errorf("%w: contact cost %d: want 0 to %d kopecks", ErrInvalidConfig, c.ContactCost, MaxContactCost)
	case c.Compat != NoCompat && !(c.Compat > 0 && c.Compat <= 1):
		return fmt.Errorf("%w: compatible share %v: want (0, 1] or NoCompat", ErrInvalidConfig, c.Compat)
	case c.Arrival >= arrivalEnd:
		return fmt.Errorf("%w: arrival %v", ErrInvalidConfig, c.Arrival)
	case c.Subscribe >= subscribeEnd:
		return fmt.Errorf("%w: subscribe %v", ErrInvalidConfig, c.Subscribe)
	}
	for i, m := range c.Search {
		if err := m.validate(); err != nil {
			return err
		}
		if slices.Contains(c.Search[:i], m) {
			return fmt.Errorf("%w: search model %v named twice", ErrInvalidConfig, m)
		}
	}
	return nil
}
