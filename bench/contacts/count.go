package contacts

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

// Result holds the counts and outcomes of one generated market. The
// exhaustive and informed counts are closed forms of the layout; the
// sampled search models are simulated on the market's orders; every
// exchange figure is read from a real matching.Exchange that traded them.
type Result struct {
	Params   Params `json:"parameters"` // every parameter of the run and the module version
	Buyers   int    `json:"buyers"`
	Sellers  int    `json:"sellers"`
	Markets  int    `json:"markets"`
	Seed     uint64 `json:"seed"`
	Requests int    `json:"requests"` // orders generated on the buy side
	Offers   int    `json:"offers"`   // orders generated on the sell side

	// Value. PossiblePairs is B·S; CompatiblePairs counts the (request,
	// offer) pairs of one market with bid >= ask; MaxSurplus is the gross
	// surplus of the competitive optimum, the price-priority matching of
	// each market, which with unit orders maximises it. DirectTrades is
	// the number of trades of that matching: the competitive volume, the
	// quantity a call auction would cross at one uniform price, and what
	// the exchange executes under ArrivalPriority.
	PossiblePairs   uint64 `json:"possible_pairs"`
	CompatiblePairs uint64 `json:"compatible_pairs"`
	MaxSurplus      int64  `json:"max_surplus"`
	DirectTrades    uint64 `json:"direct_trades"`

	// Search holds one outcome per search model of Config.Search, in order.
	Search []Outcome `json:"search"`

	// Exchange holds the exchange's outcome: its trades (EventFill), their
	// volume, the prices paid and the gross surplus of the matched orders.
	Exchange Outcome `json:"exchange"`
	// Counters are the exchange's counters for the trading run alone: the
	// counters after the orders minus the counters after onboarding.
	// Messages in are the postings and subscriptions; messages out the
	// reports (accepted, done, ...), the fills (two per execution) and the
	// notifications.
	Counters EngineCounters `json:"exchange_counters"`
	// Onboarding are the exchange's onboarding counters
	// (Exchange.OnboardingCounters): the registration and verification of
	// every participant, and the replies.
	Onboarding OnboardingCounters `json:"onboarding_counters"`
	// ExchangeSubscriptions is the number of CmdSubscribe sent (see
	// Config.Subscribe); they count among the messages in.
	ExchangeSubscriptions uint64 `json:"exchange_subscriptions"`
	// ExchangeBuyPostings and ExchangeSellPostings split the accepted
	// postings by side, from the exchange's EventAccepted events.
	ExchangeBuyPostings  uint64 `json:"exchange_buy_postings"`
	ExchangeSellPostings uint64 `json:"exchange_sell_postings"`
}

// EngineCounters are matching.Counters with snake_case JSON keys.
type EngineCounters struct {
	Postings      uint64 `json:"postings"`
	Cancels       uint64 `json:"cancels"`
	Amends        uint64 `json:"amends"`
	Tenders       uint64 `json:"tenders"`
	Bids          uint64 `json:"bids"`
	Other         uint64 `json:"other"`
	Reports       uint64 `json:"reports"`
	Fills         uint64 `json:"fills"`
	Notifications uint64 `json:"notifications"`
	In            uint64 `json:"in"`  // Counters.In()
	Out           uint64 `json:"out"` // Counters.Out()
}

func engineCounters(c matching.Counters) EngineCounters {
	return EngineCounters{
		Postings: c.Postings, Cancels: c.Cancels, Amends: c.Amends, Tenders: c.Tenders, Bids: c.Bids,
		Other: c.Other, Reports: c.Reports, Fills: c.Fills, Notifications: c.Notifications,
		In: c.In(), Out: c.Out(),
	}
}

// OnboardingCounters are matching.Onboarding with snake_case JSON keys.
type OnboardingCounters struct {
	Registrations uint64 `json:"registrations"`
	StatusChanges uint64 `json:"status_changes"`
	Replies       uint64 `json:"replies"`
}

// Messages returns every onboarding message, in and out.
func (o OnboardingCounters) Messages() uint64 { return o.Registrations + o.StatusChanges + o.Replies }

// Outcome returns the outcome of the search model named name
// (SearchModel.String), or "exchange", and false if the run has none.
func (r *Result) Outcome(name string) (*Outcome, bool) {
	if name == "exchange" {
		return &r.Exchange, true
	}
	for i := range r.Search {
		if r.Search[i].Model == name {
			return &r.Search[i], true
		}
	}
	return nil, false
}

// Contacts returns the contacts of the search model named name, and false
// if the run has no such model.
func (r *Result) Contacts(name string) (uint64, bool) {
	if o, ok := r.Outcome(name); ok && name != "exchange" {
		return o.Contacts, true
	}
	return 0, false
}

// ExchangePostings returns the orders the exchange received, as counted by
// the exchange (Counters.Postings).
func (r *Result) ExchangePostings() uint64 { return r.Counters.Postings }

// ExchangeMessages returns every message into or out of the exchange during
// the trading run: Counters.In() + Counters.Out(). It includes the postings,
// the reports, the fills and, once participants subscribe to categories,
// the subscriptions and the notifications; not onboarding.
func (r *Result) ExchangeMessages() uint64 { return r.Counters.In + r.Counters.Out }

// AllMessages returns ExchangeMessages plus every onboarding message.
func (r *Result) AllMessages() uint64 { return r.ExchangeMessages() + r.Onboarding.Messages() }

// FillRate returns the share of requests that o filled, and false when
// there are no requests.
func (r *Result) FillRate(o *Outcome) (float64, bool) {
	if r.Requests == 0 {
		return 0, false
	}
	return float64(o.Volume) / float64(r.Requests), true
}

// Efficiency returns o's surplus over the maximum surplus, in [0, 1], and
// false when the maximum is 0.
func (r *Result) Efficiency(o *Outcome) (float64, bool) {
	if r.MaxSurplus <= 0 {
		return 0, false
	}
	return float64(o.Surplus) / float64(r.MaxSurplus), true
}

// Headline returns the contacts of the headline model (informed if the run
// has it, else the first) and its name.
func (r *Result) Headline() (string, uint64) {
	if c, ok := r.Contacts("informed"); ok {
		return "informed", c
	}
	if len(r.Search) > 0 {
		return r.Search[0].Model, r.Search[0].Contacts
	}
	return "", 0
}

// Run generates the market of cfg and counts it: Generate, then Count.
func Run(cfg Config) (Result, error) {
	m, err := Generate(cfg)
	if err != nil {
		return Result{}, err
	}
	return m.Count()
}

// Count computes the value of m and the outcome of every search model, and
// runs its orders through a fresh matching.Exchange to measure the
// exchange's. It does not change m.
//
// Errors: ErrExchange if the exchange refuses a generated command or its
// counters disagree with its events. Cost: O(n log n) in orders, plus
// O(N) per request for a sampled model, plus the exchange run (O(log L)
// per order plus O(1) per fill).
func (m *Market) Count() (Result, error) {
	cfg := m.Config
	res := Result{
		Params: paramsOf(cfg), Buyers: cfg.Buyers, Sellers: cfg.Sellers, Markets: cfg.Markets, Seed: cfg.Seed,
		PossiblePairs: uint64(cfg.Buyers) * uint64(cfg.Sellers),
	}
	bs := m.books()
	for _, b := range bs {
		res.Requests += len(b.bids)
		res.Offers += len(b.asks)
	}
	v := m.competitive(bs)
	res.CompatiblePairs, res.MaxSurplus, res.DirectTrades = v.compatible, v.optimum.Surplus, v.optimum.Trades
	res.Search = m.search(bs, v)
	if err := m.runExchange(&res, byMarket(m.arrival(), m.Orders, len(m.Keys))); err != nil {
		return res, err
	}
	for i := range res.Search {
		res.Search[i].derive(res.Requests, res.MaxSurplus)
	}
	res.Exchange.derive(res.Requests, res.MaxSurplus)
	return res, nil
}

// arrival returns the indexes of m.Orders in the order they reach the
// exchange.
func (m *Market) arrival() []int32 {
	idx := make([]int32, 0, len(m.Orders))
	switch m.Config.Arrival {
	case ArrivalRandom:
		for i := range m.Orders {
			idx = append(idx, int32(i))
		}
		r := rand.New(rand.NewPCG(m.Config.Seed, streamArrival))
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	default:
		// Offers first, in generation order; then requests, best bid
		// first, ties in generation order. The index breaks ties, so an
		// unstable O(N log N) sort gives the one order a stable sort would.
		for i := range m.Orders {
			if m.Orders[i].Side != matching.Buy {
				idx = append(idx, int32(i))
			}
		}
		// The sort moves (price, index) pairs, not indexes into m.Orders.
		type request struct {
			price catalog.Price
			i     int32
		}
		reqs := make([]request, 0, len(m.Orders)-len(idx))
		for i := range m.Orders {
			if m.Orders[i].Side == matching.Buy {
				reqs = append(reqs, request{m.Orders[i].Price, int32(i)})
			}
		}
		slices.SortFunc(reqs, func(a, b request) int {
			if c := cmp.Compare(b.price, a.price); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
		for _, q := range reqs {
			idx = append(idx, q.i)
		}
	}
	return idx
}

// byMarket returns arrival regrouped market by market, markets in index
// order, each market's orders in their order of arrival. Markets share no
// order, so the engine reaches the same outcome in every market (trades,
// prices, counters) as with arrival itself, while it works in one market's
// book and counters at a time. O(len(arrival) + markets).
func byMarket(arrival []int32, orders []Order, markets int) []int32 {
	start := make([]int, markets+1)
	for _, i := range arrival {
		start[orders[i].Market+1]++
	}
	for k := range markets {
		start[k+1] += start[k]
	}
	out := make([]int32, len(arrival))
	for _, i := range arrival {
		k := orders[i].Market
		out[start[k]] = i
		start[k]++
	}
	return out
}

// inn returns a valid 10-digit INN for serial, 1 <= serial <=
// MaxParticipants, distinct for distinct serials. Its first two digits, the
// region, are never 00: below 10^7 the body is region 77 and the serial in
// seven digits; from 10^7 to MaxParticipants it is the serial itself in
// nine digits, whose region is 01 to 76.
func inn(serial int) (string, error) {
	var body [9]byte
	v := serial
	for i := len(body) - 1; i >= 0; i-- {
		body[i] = byte('0' + v%10)
		v /= 10
	}
	if serial < 10_000_000 {
		body[0], body[1] = '7', '7'
	}
	return catalog.LegalEntityINN(string(body[:]))
}

// participantName returns the display name of participant t (0-based): "Buyer k" for
// the first buyers, "Seller k" after them, built in buf (one allocation).
func participantName(buf []byte, t, buyers int) ([]byte, string) {
	buf = buf[:0]
	if t < buyers {
		buf = strconv.AppendInt(append(buf, "Buyer "...), int64(t+1), 10)
	} else {
		buf = strconv.AppendInt(append(buf, "Seller "...), int64(t-buyers+1), 10)
	}
	return buf, string(buf)
}

// feedBytes is the output feed of the study's exchange: nothing reads it,
// so it holds only the last few outputs instead of DefaultFeedBytes.
const feedBytes = 64 << 10

// runExchange registers and verifies every participant, reads the
// counters, then submits the orders m.Orders[i] for i in order and measures
// the difference.
func (m *Market) runExchange(res *Result, order []int32) error {
	x, err := matching.New(matching.Config{Catalog: m.Catalog, FeedBytes: feedBytes})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrExchange, err)
	}
	cfg := m.Config
	n := cfg.Buyers + cfg.Sellers
	ids := make([]catalog.ParticipantID, n)
	evs := make([]matching.Event, 0, 64)
	// Onboarding: register every company, then verify it. Every market is
	// still closed, so each of these commands is O(1).
	var nb []byte
	for t := range n {
		var name string
		nb, name = participantName(nb, t, cfg.Buyers)
		id, err := inn(t + 1)
		if err != nil {
			return fmt.Errorf("%w: INN of %s: %w", ErrExchange, name, err)
		}
		evs, err = x.Submit(matching.Command{Kind: matching.CmdRegister, Name: name, INN: id}, evs[:0])
		if err != nil {
			return fmt.Errorf("%w: register %s: %w", ErrExchange, name, err)
		}
		ids[t] = evs[len(evs)-1].Participant
		evs, err = x.Submit(matching.Command{Kind: matching.CmdSetStatus, Participant: ids[t], Status: catalog.StatusVerified}, evs[:0])
		if err != nil {
			return fmt.Errorf("%w: verify %s: %w", ErrExchange, name, err)
		}
	}
	setup := x.TotalCounters()

	// Standing interest: one subscription per (participant, market), each
	// to the market's leaf at its basis. Every market is still closed.
	if cfg.Subscribe != SubscribeNone {
		for i := range m.Orders {
			o := &m.Orders[i]
			if o.Side == matching.Buy && cfg.Subscribe != SubscribeAll {
				continue
			}
			key := m.Keys[o.Market]
			evs, err = x.Submit(matching.Command{
				Kind: matching.CmdSubscribe, Participant: ids[o.Trader],
				Category: key.Category, Bases: []catalog.BasisID{key.Basis},
			}, evs[:0])
			if err != nil {
				return fmt.Errorf("%w: subscribe participant %d: %w", ErrExchange, o.Trader, err)
			}
			res.ExchangeSubscriptions++
		}
	}

	// Trading: every request and offer, one lot, limit GTC, its index + 1
	// as the client order ID so that a fill names both orders.
	ex := Outcome{Model: "exchange"}
	for seq, i := range order {
		o := &m.Orders[i]
		key := m.Keys[o.Market]
		evs, err = x.Submit(matching.Command{
			Kind: matching.CmdPlace, Time: int64(seq + 1), Participant: ids[o.Trader],
			Category: key.Category, Basis: key.Basis,
			Side: o.Side, Type: matching.Limit, TIF: matching.GTC,
			Price: o.Price, Qty: 1, ClientOrderID: uint64(i) + 1,
		}, evs[:0])
		if err != nil {
			return fmt.Errorf("%w: order %d: %w", ErrExchange, i, err)
		}
		for j := range evs {
			switch e := &evs[j]; e.Kind {
			case matching.EventFill:
				if e.ClientOrderID == 0 || e.MakerClientOrderID == 0 ||
					e.ClientOrderID > uint64(len(m.Orders)) || e.MakerClientOrderID > uint64(len(m.Orders)) {
					return fmt.Errorf("%w: fill of order %d names unknown orders %d and %d", ErrExchange, i, e.ClientOrderID, e.MakerClientOrderID)
				}
				bid, ask := m.Orders[e.ClientOrderID-1].Price, m.Orders[e.MakerClientOrderID-1].Price
				if e.Side == matching.Sell {
					bid, ask = ask, bid
				}
				ex.Trades++
				ex.Volume += int64(e.Qty)
				ex.Paid += int64(e.Price) * int64(e.Qty)
				ex.Surplus += int64(bid-ask) * int64(e.Qty)
			case matching.EventAccepted:
				if e.Side == matching.Buy {
					res.ExchangeBuyPostings++
				} else {
					res.ExchangeSellPostings++
				}
			}
		}
	}
	c := sub(x.TotalCounters(), setup)
	res.Counters = engineCounters(c)
	res.Exchange = ex
	ob := x.OnboardingCounters()
	res.Onboarding = OnboardingCounters{Registrations: ob.Registrations, StatusChanges: ob.StatusChanges, Replies: ob.Replies}
	switch {
	case c.Postings != uint64(len(m.Orders)):
		return fmt.Errorf("%w: exchange counted %d postings for %d orders", ErrExchange, c.Postings, len(m.Orders))
	case c.Fills != 2*ex.Trades:
		return fmt.Errorf("%w: exchange counted %d fill reports for %d executions", ErrExchange, c.Fills, ex.Trades)
	case ob.In()+ob.Out() != setup.In()+setup.Out():
		return fmt.Errorf("%w: exchange counted %d onboarding messages, %d messages during onboarding", ErrExchange, ob.In()+ob.Out(), setup.In()+setup.Out())
	}
	return nil
}

// sub returns c - d field by field. It walks the fields by reflection so
// that a counter the exchange adds later is subtracted too; every field of
// matching.Counters is a uint64 count.
func sub(c, d matching.Counters) matching.Counters {
	vc, vd := reflect.ValueOf(&c).Elem(), reflect.ValueOf(d)
	for i := range vc.NumField() {
		if f := vc.Field(i); f.Kind() == reflect.Uint64 {
			f.SetUint(f.Uint() - vd.Field(i).Uint())
		}
	}
	return c
}
