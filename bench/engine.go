package bench

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/orderbook"
)

// NewCatalog returns a catalog of markets tradable leaf categories, all with
// tick 1 and lot 1 (so workload prices are in ticks and quantities in lots),
// and one delivery basis, with the keys of its markets.
func NewCatalog(markets int) (*catalog.Catalog, []matching.MarketKey, error) {
	if markets < 1 || markets > 99 {
		return nil, nil, fmt.Errorf("bench: %d markets, want 1 to 99", markets)
	}
	tax := catalog.NewTaxonomy()
	if _, err := tax.Add("99", "Benchmark goods", "", 0, 0); err != nil {
		return nil, nil, err
	}
	bases := catalog.NewBases()
	basis, err := bases.Add("BENCH", "Benchmark basis")
	if err != nil {
		return nil, nil, err
	}
	keys := make([]matching.MarketKey, markets)
	for i := range keys {
		id, err := tax.Add(fmt.Sprintf("99.%02d", i+1), fmt.Sprintf("Benchmark good %d", i+1), "lot", 1, 1)
		if err != nil {
			return nil, nil, err
		}
		keys[i] = matching.MarketKey{Category: id, Basis: basis}
	}
	cat := &catalog.Catalog{Taxonomy: tax, Bases: bases}
	return cat, keys, cat.Validate()
}

// INN returns a valid 10-digit INN (legal entity) for participant number n:
// nine digits "77" + n (7 digits), then the check digit
// (catalog.LegalEntityINN).
func INN(n int) string {
	inn, err := catalog.LegalEntityINN(fmt.Sprintf("77%07d", n%10_000_000))
	if err != nil {
		panic(err) // unreachable: the body is always nine digits
	}
	return inn
}

// NewExchange returns an exchange on cat with Participants verified
// companies, registered in order so that their IDs are 1..Participants, the
// IDs that Owner assigns.
func NewExchange(cat *catalog.Catalog) (*matching.Exchange, error) {
	x, err := matching.New(matching.Config{Catalog: cat})
	if err != nil {
		return nil, err
	}
	var dst []matching.Event
	for n := 1; n <= Participants; n++ {
		dst, err = x.Submit(matching.Command{Kind: matching.CmdRegister, Name: fmt.Sprintf("Bench %d", n), INN: INN(n)}, dst[:0])
		if err != nil {
			return nil, fmt.Errorf("bench: register %d: %w", n, err)
		}
		id := dst[len(dst)-1].Participant
		if id != catalog.ParticipantID(n) {
			return nil, fmt.Errorf("bench: participant %d registered as %d", n, id)
		}
		dst, err = x.Submit(matching.Command{Kind: matching.CmdSetStatus, Participant: id, Status: catalog.StatusVerified}, dst[:0])
		if err != nil {
			return nil, fmt.Errorf("bench: verify %d: %w", n, err)
		}
	}
	return x, nil
}

// applyBook applies op to book at time 0.
func applyBook(book *orderbook.Book, op *Op, dst []orderbook.Event) ([]orderbook.Event, orderbook.Result, error) {
	switch op.Kind {
	case OpLimit:
		return book.Place(orderbook.Order{ID: op.ID, Owner: op.Owner, Side: op.Side, Type: orderbook.Limit, TIF: orderbook.GTC, Price: op.Price, Qty: op.Qty}, 0, dst)
	case OpMarket:
		return book.Place(orderbook.Order{ID: op.ID, Owner: op.Owner, Side: op.Side, Type: orderbook.Market, TIF: orderbook.IOC, Qty: op.Qty}, 0, dst)
	case OpCancel:
		dst, err := book.Cancel(op.ID, op.Owner, 0, dst)
		return dst, orderbook.Result{}, err
	}
	return dst, orderbook.Result{}, fmt.Errorf("bench: bad operation kind %v", op.Kind)
}

// BookRunner applies workload operations to a bare orderbook.Book. Orders
// keep their workload IDs.
type BookRunner struct {
	Book *orderbook.Book
	dst  []orderbook.Event
}

// NewBookRunner returns a runner on a new, empty book with config cfg. The
// zero Config is what the exchange gives its books.
func NewBookRunner(cfg orderbook.Config) (*BookRunner, error) {
	b, err := orderbook.New(cfg)
	if err != nil {
		return nil, err
	}
	return &BookRunner{Book: b}, nil
}

// Apply applies op and returns the number of fills (executions) it caused.
// It allocates nothing once the book and the runner's event buffer have
// grown to their working size.
func (r *BookRunner) Apply(op *Op) (fills int, err error) {
	r.dst, _, err = applyBook(r.Book, op, r.dst[:0])
	for i := range r.dst {
		if r.dst[i].Kind == orderbook.EventFill {
			fills++
		}
	}
	return fills, err
}

// Events returns the events of the last Apply; they are valid until the
// next one.
func (r *BookRunner) Events() []orderbook.Event { return r.dst }

// ExchangeRunner applies workload operations to one market of a
// matching.Exchange. The exchange assigns its own order IDs; the runner
// records the one of each workload ID from its EventAccepted, and cancels
// use it.
type ExchangeRunner struct {
	X   *matching.Exchange
	Key matching.MarketKey
	// base is the exchange ID of workload ID 0. The exchange numbers a
	// market's accepted orders 1, 2, 3, ... and the standard workloads'
	// orders are accepted in ID order, so exchange ID = base + workload ID
	// and a cancel needs no lookup table. Apply checks this for every order;
	// an order that breaks the pattern (a workload ID placed twice, say) is
	// remembered in moved.
	base   matching.OrderID
	moved  map[orderbook.OrderID]matching.OrderID
	dst    []matching.Event
	reader *feedReader // see AttachReader
}

// NewExchangeRunner returns a runner on market key of a new exchange built
// by NewExchange(cat).
func NewExchangeRunner(cat *catalog.Catalog, key matching.MarketKey) (*ExchangeRunner, error) {
	x, err := NewExchange(cat)
	if err != nil {
		return nil, err
	}
	return &ExchangeRunner{X: x, Key: key}, nil
}

// Reset replaces the exchange with a fresh one built by NewExchange(cat),
// keeping the runner's buffers.
func (r *ExchangeRunner) Reset(cat *catalog.Catalog) error {
	reading := r.reader != nil
	r.stopReader()
	x, err := NewExchange(cat)
	r.X, r.base = x, 0
	clear(r.moved)
	if reading && err == nil {
		r.AttachReader()
	}
	return err
}

// EngineRunner applies workload operations to one market of a bare
// engine.Engine through ApplyMarket, with no front door: no lock, no
// sequence counter, no feed. It is the engine's cost on the order path.
type EngineRunner struct {
	E   *engine.Engine
	M   *engine.Market
	Key matching.MarketKey
	seq uint64
	// base and moved map workload IDs to engine IDs; see ExchangeRunner.
	base  matching.OrderID
	moved map[orderbook.OrderID]matching.OrderID
	dst   []matching.Event
}

// NewEngineRunner returns a runner on market key of a new engine with the
// participants NewExchange registers; the market opens on the first order.
func NewEngineRunner(cat *catalog.Catalog, key matching.MarketKey) (*EngineRunner, error) {
	e, err := engine.New(engine.Config{Catalog: cat})
	if err != nil {
		return nil, err
	}
	r := &EngineRunner{E: e, Key: key}
	for n := 1; n <= Participants; n++ {
		for _, c := range []matching.Command{
			{Kind: matching.CmdRegister, Name: fmt.Sprintf("Bench %d", n), INN: INN(n)},
			{Kind: matching.CmdSetStatus, Participant: catalog.ParticipantID(n), Status: catalog.StatusVerified},
		} {
			r.seq++
			if r.dst, err = e.Apply(r.seq, &c, r.dst[:0]); err != nil {
				return nil, fmt.Errorf("bench: participant %d: %w", n, err)
			}
		}
	}
	return r, nil
}

// Apply applies op and returns the number of fills it caused. The first
// order opens the market through Apply; every later operation goes
// through ApplyMarket.
func (r *EngineRunner) Apply(op *Op) (fills int, err error) {
	cmd := matching.Command{Participant: op.Owner, Category: r.Key.Category, Basis: r.Key.Basis}
	switch op.Kind {
	case OpLimit:
		cmd.Kind, cmd.Side, cmd.Type, cmd.TIF, cmd.Price, cmd.Qty = matching.CmdPlace, op.Side, matching.Limit, matching.GTC, op.Price, op.Qty
	case OpMarket:
		cmd.Kind, cmd.Side, cmd.Type, cmd.TIF, cmd.Qty = matching.CmdPlace, op.Side, matching.Market, matching.IOC, op.Qty
	case OpCancel:
		cmd.Kind, cmd.OrderID = matching.CmdCancel, r.ID(op.ID)
		cmd.Category, cmd.Basis = 0, 0
	}
	r.seq++
	if r.M == nil {
		r.dst, err = r.E.Apply(r.seq, &cmd, r.dst[:0])
		r.M = r.E.Market(r.Key)
	} else {
		r.dst, err = r.E.ApplyMarket(r.M, r.seq, &cmd, r.dst[:0])
	}
	if err != nil {
		return 0, err
	}
	if op.Kind != OpCancel {
		got := r.dst[0].OrderID
		if r.base == 0 {
			r.base = got - op.ID
		}
		if got != r.base+op.ID {
			if r.moved == nil {
				r.moved = make(map[orderbook.OrderID]matching.OrderID)
			}
			r.moved[op.ID] = got
		} else if len(r.moved) > 0 {
			delete(r.moved, op.ID)
		}
	}
	for i := range r.dst {
		if r.dst[i].Kind == matching.EventFill {
			fills++
		}
	}
	return fills, nil
}

// Apply submits op and returns the number of fills (executions) it caused.
// It allocates nothing once the exchange, the ID table and the runner's
// event buffer have grown to their working size.
func (r *ExchangeRunner) Apply(op *Op) (fills int, err error) {
	cmd := matching.Command{Participant: op.Owner, Category: r.Key.Category, Basis: r.Key.Basis}
	switch op.Kind {
	case OpLimit:
		cmd.Kind, cmd.Side, cmd.Type, cmd.TIF, cmd.Price, cmd.Qty = matching.CmdPlace, op.Side, matching.Limit, matching.GTC, op.Price, op.Qty
	case OpMarket:
		cmd.Kind, cmd.Side, cmd.Type, cmd.TIF, cmd.Qty = matching.CmdPlace, op.Side, matching.Market, matching.IOC, op.Qty
	case OpCancel:
		cmd.Kind, cmd.OrderID = matching.CmdCancel, r.ID(op.ID)
	}
	r.dst, err = r.X.Submit(cmd, r.dst[:0])
	if err != nil {
		return 0, err
	}
	if op.Kind != OpCancel {
		// The first event of an accepted order is its EventAccepted.
		got := r.dst[0].OrderID
		if r.base == 0 {
			r.base = got - op.ID
		}
		if got != r.base+op.ID {
			if r.moved == nil {
				r.moved = make(map[orderbook.OrderID]matching.OrderID)
			}
			r.moved[op.ID] = got
		} else if len(r.moved) > 0 {
			delete(r.moved, op.ID)
		}
	}
	for i := range r.dst {
		if r.dst[i].Kind == matching.EventFill {
			fills++
		}
	}
	return fills, nil
}

// AttachReader starts a reader of the exchange's ordered output feed from
// seq 1, which decodes every output until Close or Reset: the feed's cost
// with a consumer attached, as a gateway would run it. A reader that falls
// behind the feed's buffer resumes at the oldest output held and counts
// the gap in Truncated.
func (r *ExchangeRunner) AttachReader() {
	r.stopReader()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.reader = &feedReader{cancel: cancel, done: done}
	fr := r.X.Feed(1)
	go func(st *feedReader) {
		defer close(done)
		var evs []matching.Event
		for {
			var err error
			_, evs, err = fr.Next(ctx, evs[:0])
			switch {
			case err == nil:
				st.outputs.Add(1)
			case errors.Is(err, matching.ErrFeedTruncated):
				st.truncated.Add(1)
				fr.Seek(r.X.FeedOldest())
			default:
				return
			}
		}
	}(r.reader)
}

// feedReader is the state of an attached reader.
type feedReader struct {
	cancel    context.CancelFunc
	done      chan struct{}
	outputs   atomic.Int64
	truncated atomic.Int64
}

func (r *ExchangeRunner) stopReader() {
	if r.reader != nil {
		r.reader.cancel()
		<-r.reader.done
		r.reader = nil
	}
}

// Close stops the attached reader, if any.
func (r *ExchangeRunner) Close() { r.stopReader() }

// ID returns the exchange ID of workload ID id (0 if it was never placed).
func (r *ExchangeRunner) ID(id orderbook.OrderID) matching.OrderID {
	if x, ok := r.moved[id]; ok {
		return x
	}
	if r.base == 0 {
		return 0
	}
	return r.base + id
}

// Events returns the events of the last Apply; they are valid until the
// next one.
func (r *ExchangeRunner) Events() []matching.Event { return r.dst }

// ID returns the engine ID of workload ID id (0 if it was never placed).
func (r *EngineRunner) ID(id orderbook.OrderID) matching.OrderID {
	if x, ok := r.moved[id]; ok {
		return x
	}
	if r.base == 0 {
		return 0
	}
	return r.base + id
}
