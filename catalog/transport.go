package catalog

import (
	"fmt"
	"io"
)

// Transport is a table of delivery costs between bases: for an ordered pair
// (from, to) either a cost per lot in minor units (zero or more) or "not
// deliverable". A pair that is not in the table is not deliverable, except
// that delivery within one basis (from == to) costs zero unless the table
// says otherwise.
//
// Transport is not safe for concurrent mutation; after setup it is only
// read, and read-only use from many goroutines is safe. A nil *Transport
// knows only the zero-cost delivery within a basis.
type Transport struct {
	bases *Bases
	cost  map[routeKey]Price // NoDelivery marks an explicit "not deliverable"
}

type routeKey struct{ from, to BasisID }

// noDelivery marks an explicit "not deliverable" entry.
const noDelivery Price = -1

// NewTransport returns an empty table over the registry b, which must not
// lose bases afterwards.
func NewTransport(b *Bases) *Transport {
	return &Transport{bases: b, cost: make(map[routeKey]Price)}
}

// Set records the cost per lot of delivering from one basis to another.
// Errors: ErrUnknownBasis, ErrNegativeCost, ErrDuplicateRoute. On error the
// table is unchanged. Cost: one map insert.
func (t *Transport) Set(from, to BasisID, cost Price) error {
	if cost < 0 {
		return fmt.Errorf("%w: %d from basis %d to %d", ErrNegativeCost, cost, from, to)
	}
	return t.set(from, to, cost)
}

// SetNotDeliverable records that goods cannot be delivered from one basis to
// the other (useful for from == to, which is otherwise free).
// Errors: ErrUnknownBasis, ErrDuplicateRoute. Cost: one map insert.
func (t *Transport) SetNotDeliverable(from, to BasisID) error {
	return t.set(from, to, noDelivery)
}

func (t *Transport) set(from, to BasisID, cost Price) error {
	if _, ok := t.bases.ByID(from); !ok {
		return fmt.Errorf("%w: id %d", ErrUnknownBasis, from)
	}
	if _, ok := t.bases.ByID(to); !ok {
		return fmt.Errorf("%w: id %d", ErrUnknownBasis, to)
	}
	k := routeKey{from, to}
	if _, dup := t.cost[k]; dup {
		return fmt.Errorf("%w: basis %d to %d", ErrDuplicateRoute, from, to)
	}
	if t.cost == nil {
		t.cost = make(map[routeKey]Price)
	}
	t.cost[k] = cost
	return nil
}

// Cost returns the cost per lot of delivering from one basis to another, and
// false when the goods cannot be delivered. Cost: one map lookup, no
// allocation.
func (t *Transport) Cost(from, to BasisID) (Price, bool) {
	if t != nil {
		if c, ok := t.cost[routeKey{from, to}]; ok {
			return c, c != noDelivery
		}
	}
	if from == to && from != 0 {
		return 0, true
	}
	return 0, false
}

// Route is like Cost but reports a missing route as an error.
// Errors: ErrNoRoute. Cost: one map lookup.
func (t *Transport) Route(from, to BasisID) (Price, error) {
	c, ok := t.Cost(from, to)
	if !ok {
		return 0, fmt.Errorf("%w: basis %d to %d", ErrNoRoute, from, to)
	}
	return c, nil
}

// Len returns the number of entries in the table. Cost: O(1).
func (t *Transport) Len() int {
	if t == nil {
		return 0
	}
	return len(t.cost)
}

// CheckTick reports ErrOffTick if a deliverable cost is not a multiple of
// tick (which must be positive: ErrBadTick). Cost: O(entries).
func (t *Transport) CheckTick(tick Price) error {
	if tick <= 0 {
		return fmt.Errorf("%w: tick %d, want > 0", ErrBadTick, tick)
	}
	if t == nil {
		return nil
	}
	for k, c := range t.cost {
		if c != noDelivery && c%tick != 0 {
			return fmt.Errorf("%w: cost %d from basis %d to %d, tick %d", ErrOffTick, c, k.from, k.to, tick)
		}
	}
	return nil
}

const transportHeader = "from,to,cost"

// LoadTransportCSV reads a transport table over the bases b from CSV with
// the header "from,to,cost" (exactly, on line 1). from and to are basis
// codes of b; cost is the cost per lot in minor units, a base-10 integer at
// least zero and, when tick > 0, a multiple of tick; a cost of "-" marks the
// pair as not deliverable. Blank lines are ignored.
//
// A bad row returns a *ParseError naming its line and wrapping ErrBadHeader,
// ErrBadRow, ErrUnknownBasis, ErrNegativeCost, ErrOffTick, ErrDuplicateRoute
// or ErrBadTick (cost not an integer). Cost: O(input).
func LoadTransportCSV(r io.Reader, b *Bases, tick Price) (*Transport, error) {
	cr := newCSVReader(r)
	if err := readHeader(cr, transportHeader); err != nil {
		return nil, err
	}
	t := NewTransport(b)
	for {
		rec, line, err := readRecord(cr, 3)
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		from, ok := b.ByCode(rec[0])
		if !ok {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: %q", ErrUnknownBasis, rec[0])}
		}
		to, ok := b.ByCode(rec[1])
		if !ok {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: %q", ErrUnknownBasis, rec[1])}
		}
		if rec[2] == "-" {
			if err := t.SetNotDeliverable(from.ID, to.ID); err != nil {
				return nil, &ParseError{Line: line, Err: err}
			}
			continue
		}
		if rec[2] == "" {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: empty cost (use - for not deliverable)", ErrBadRow)}
		}
		c, err := parseInt(rec[2], "cost", ErrBadTick)
		if err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		if c >= 0 && tick > 0 && c%int64(tick) != 0 {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: cost %d, tick %d", ErrOffTick, c, tick)}
		}
		if err := t.Set(from.ID, to.ID, Price(c)); err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
	}
}
