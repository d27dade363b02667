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

// Result holds the three counts of one generated market. The direct counts
// are computed from the layout; every exchange figure is read from a real
// matching.Exchange that traded the market's orders.
type Result struct {
	Buyers   int    `json:"buyers"`
	Sellers  int    `json:"sellers"`
	Markets  int    `json:"markets"`
	Seed     uint64 `json:"seed"`
	Requests int    `json:"requests"` // orders generated on the buy side
	Offers   int    `json:"offers"`   // orders generated on the sell side

	// Direct search without a catalog: every buyer contacts every seller
	// (UninformedByBuyers = B·S) and every seller every buyer.
	UninformedByBuyers  uint64 `json:"uninformed_by_buyers"`
	UninformedBySellers uint64 `json:"uninformed_by_sellers"`
	// Direct search knowing who trades where: contacts only within a
	// market, Σ_k b_k·s_k per side, b_k and s_k counting the requests and
	// offers in market k.
	InformedByBuyers  uint64 `json:"informed_by_buyers"`
	InformedBySellers uint64 `json:"informed_by_sellers"`
	// DirectTrades is the number of trades informed direct search finds:
	// in each market, the price-priority matching, the highest bids paired
	// with the lowest asks while bid >= ask. It is the competitive volume,
	// the quantity a call auction would cross at one uniform price, and
	// what the exchange executes under ArrivalPriority.
	DirectTrades uint64 `json:"direct_trades"`

	// Exchange holds the exchange's counters for the trading run alone:
	// the counters after the orders minus the counters after onboarding
	// (registration and moderation of every participant, which is not
	// search). Messages in are the postings; messages out are the reports
	// (accepted, done, ...), the fills (two per execution) and the
	// notifications.
	Exchange matching.Counters `json:"exchange"`
	// ExchangeTrades is the number of EventFill (executions) the exchange
	// emitted. Every order is one lot, so an execution is one matched pair.
	ExchangeTrades uint64 `json:"exchange_trades"`
	// ExchangeSubscriptions is the number of CmdSubscribe sent (see
	// Config.Subscribe); they count among the messages in (Exchange.Other).
	ExchangeSubscriptions uint64 `json:"exchange_subscriptions"`
	// ExchangeBuyPostings and ExchangeSellPostings split the accepted
	// postings by side, from the exchange's EventAccepted events.
	ExchangeBuyPostings  uint64 `json:"exchange_buy_postings"`
	ExchangeSellPostings uint64 `json:"exchange_sell_postings"`
}

// DirectUninformed returns the uninformed direct contacts of both sides, 2·B·S.
func (r *Result) DirectUninformed() uint64 { return r.UninformedByBuyers + r.UninformedBySellers }

// DirectInformed returns the informed direct contacts of both sides,
// 2·Σ_k b_k·s_k.
func (r *Result) DirectInformed() uint64 { return r.InformedByBuyers + r.InformedBySellers }

// ExchangePostings returns the orders the exchange received, as counted by
// the exchange (Counters.Postings).
func (r *Result) ExchangePostings() uint64 { return r.Exchange.Postings }

// ExchangeMessages returns every message into or out of the exchange during
// the trading run: Counters.In() + Counters.Out(). It includes the postings,
// the reports, the fills and, once participants subscribe to categories,
// the notifications.
func (r *Result) ExchangeMessages() uint64 { return r.Exchange.In() + r.Exchange.Out() }

// Ratio returns the informed direct contacts per exchange posting.
func (r *Result) Ratio() float64 {
	if r.ExchangePostings() == 0 {
		return 0
	}
	return float64(r.DirectInformed()) / float64(r.ExchangePostings())
}

// Run generates the market of cfg and counts it: Generate, then Count.
func Run(cfg Config) (Result, error) {
	m, err := Generate(cfg)
	if err != nil {
		return Result{}, err
	}
	return m.Count()
}

// Count computes the direct counts of m from its layout and runs its orders
// through a fresh matching.Exchange to measure the exchange's. It does not
// change m.
//
// Errors: ErrExchange if the exchange refuses a generated command or its
// counters disagree with its events. Cost: O(n log n) in orders plus the
// exchange run (O(log L) per order plus O(1) per fill).
func (m *Market) Count() (Result, error) {
	res := m.direct()
	if err := m.runExchange(&res); err != nil {
		return res, err
	}
	return res, nil
}

// direct fills in the layout and the direct-search counts. The informed
// count is Σ b_k·s_k over markets: no pair is enumerated.
func (m *Market) direct() Result {
	cfg := m.Config
	res := Result{Buyers: cfg.Buyers, Sellers: cfg.Sellers, Markets: cfg.Markets, Seed: cfg.Seed}
	res.UninformedByBuyers = uint64(cfg.Buyers) * uint64(cfg.Sellers)
	res.UninformedBySellers = res.UninformedByBuyers

	// Bucket the prices by market, bids and asks apart (counting sort).
	K := len(m.Keys)
	bids, asks := make([]int, K+1), make([]int, K+1)
	for _, o := range m.Orders {
		if o.Side == matching.Buy {
			bids[o.Market+1]++
		} else {
			asks[o.Market+1]++
		}
	}
	for k := range K {
		b, s := uint64(bids[k+1]), uint64(asks[k+1])
		res.InformedByBuyers += b * s
		bids[k+1] += bids[k]
		asks[k+1] += asks[k]
	}
	res.InformedBySellers = res.InformedByBuyers
	res.Requests, res.Offers = bids[K], asks[K]
	bp, ap := make([]catalog.Price, bids[K]), make([]catalog.Price, asks[K])
	bi, ai := slices.Clone(bids[:K]), slices.Clone(asks[:K])
	for _, o := range m.Orders {
		if o.Side == matching.Buy {
			bp[bi[o.Market]] = o.Price
			bi[o.Market]++
		} else {
			ap[ai[o.Market]] = o.Price
			ai[o.Market]++
		}
	}
	// Price priority: the i-th highest bid meets the i-th lowest ask while
	// it can pay it.
	for k := range K {
		b, a := bp[bids[k]:bids[k+1]], ap[asks[k]:asks[k+1]]
		slices.SortFunc(b, func(x, y catalog.Price) int { return cmp.Compare(y, x) })
		slices.Sort(a)
		for i := 0; i < len(b) && i < len(a) && b[i] >= a[i]; i++ {
			res.DirectTrades++
		}
	}
	return res
}

// arrival returns the indexes of m.Orders in the order they reach the
// exchange.
func (m *Market) arrival() []int32 {
	idx := make([]int32, len(m.Orders))
	for i := range idx {
		idx[i] = int32(i)
	}
	switch m.Config.Arrival {
	case ArrivalRandom:
		r := rand.New(rand.NewPCG(m.Config.Seed, streamArrival))
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	default:
		// Offers first, in generation order; then requests, best bid first.
		slices.SortStableFunc(idx, func(i, j int32) int {
			a, b := &m.Orders[i], &m.Orders[j]
			if a.Side != b.Side {
				return cmp.Compare(b.Side, a.Side) // Sell (2) before Buy (1)
			}
			if a.Side == matching.Buy {
				return cmp.Compare(b.Price, a.Price)
			}
			return 0
		})
	}
	return idx
}

// inn returns a valid 10-digit INN whose first nine digits are serial.
func inn(serial int) string {
	s, err := catalog.LegalEntityINN(fmt.Sprintf("%09d", serial%1_000_000_000))
	if err != nil {
		panic(err) // unreachable: the body is always nine digits
	}
	return s
}

// runExchange registers and verifies every participant, reads the
// counters, then submits every order and measures the difference.
func (m *Market) runExchange(res *Result) error {
	x, err := matching.New(matching.Config{Catalog: m.Catalog})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrExchange, err)
	}
	cfg := m.Config
	n := cfg.Buyers + cfg.Sellers
	ids := make([]catalog.ParticipantID, n)
	evs := make([]matching.Event, 0, 64)
	// Onboarding: register every company, then verify it. Every market is
	// still closed, so each of these commands is O(1).
	for t := range n {
		name := "Buyer " + strconv.Itoa(t+1)
		if t >= cfg.Buyers {
			name = "Seller " + strconv.Itoa(t-cfg.Buyers+1)
		}
		evs, err = x.Submit(matching.Command{Kind: matching.CmdRegister, Name: name, INN: inn(t + 1)}, evs[:0])
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

	// Trading: every request and offer, one lot, limit GTC.
	for seq, i := range m.arrival() {
		o := &m.Orders[i]
		key := m.Keys[o.Market]
		evs, err = x.Submit(matching.Command{
			Kind: matching.CmdPlace, Time: int64(seq + 1), Participant: ids[o.Trader],
			Category: key.Category, Basis: key.Basis,
			Side: o.Side, Type: matching.Limit, TIF: matching.GTC,
			Price: o.Price, Qty: 1,
		}, evs[:0])
		if err != nil {
			return fmt.Errorf("%w: order %d: %w", ErrExchange, i, err)
		}
		for j := range evs {
			switch e := &evs[j]; e.Kind {
			case matching.EventFill:
				res.ExchangeTrades++
			case matching.EventAccepted:
				if e.Side == matching.Buy {
					res.ExchangeBuyPostings++
				} else {
					res.ExchangeSellPostings++
				}
			}
		}
	}
	res.Exchange = sub(x.TotalCounters(), setup)
	switch {
	case res.Exchange.Postings != uint64(len(m.Orders)):
		return fmt.Errorf("%w: exchange counted %d postings for %d orders", ErrExchange, res.Exchange.Postings, len(m.Orders))
	case res.Exchange.Fills != 2*res.ExchangeTrades:
		return fmt.Errorf("%w: exchange counted %d fill reports for %d executions", ErrExchange, res.Exchange.Fills, res.ExchangeTrades)
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
