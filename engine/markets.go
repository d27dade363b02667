package engine

import (
	"errors"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
	"github.com/agora-exchange/agora/wire"
)

const (
	marketShift = wire.OrderMarketShift // OrderID = market index << 40 | local number
	localMask   = 1<<marketShift - 1    // local order numbers per market
	// MaxMarkets is the most markets an engine opens: the market index
	// takes the 24 high bits of an OrderID.
	MaxMarkets = 1<<(64-marketShift) - 1
)

// markets is the table of open markets. Opening one appends to list and
// adds a map entry: O(1) amortised, never a copy of the table.
type markets struct {
	list  []*Market // list[i].index == global(i+1), in opening order
	byKey map[wire.MarketKey]*Market
}

func (ms *markets) init() { ms.byKey = map[wire.MarketKey]*Market{} }

// Market is one open market: its book and the state that belongs to it
// alone (its order numbers, client order IDs, counters and scratch space).
// ApplyMarket changes only the Market it is given.
type Market struct {
	key       wire.MarketKey
	index     uint64
	category  catalog.Category
	book      *orderbook.Book
	nextLocal uint64
	clientIDs map[clientKey]struct{}
	counters  counterSet
	scratch   []orderbook.Event
	hits      []subHit   // notification scratch
	nonces    nonceTable // of the signed commands on this market (keys.go)
	pool      *pool      // a clearing pool's orders (pools.go); nil for a book
}

type clientKey struct {
	owner catalog.ParticipantID
	id    uint64
}

// Key returns the market's key.
func (m *Market) Key() wire.MarketKey { return m.key }

// Index returns the market's index: 1 for the first market opened, 2 for
// the next, and so on (in a sharded engine, see Config.Shards, the k-th
// market's index is (k-1)*Shards + Shard + 1). Order IDs carry it in their
// high bits.
func (m *Market) Index() uint64 { return m.index }

// Markets returns the number of open markets. Cost: O(1).
func (e *Engine) Markets() int { return len(e.markets.list) }

// MarketAt returns the market of index i (1-based, see Market.Index), or
// nil. Cost: O(1).
func (e *Engine) MarketAt(i uint64) *Market {
	k, ok := e.ids.local(i)
	if !ok || k > uint64(len(e.markets.list)) {
		return nil
	}
	return e.markets.list[k-1]
}

// Market returns the open market of key, or nil. Cost: O(1).
func (e *Engine) Market(key wire.MarketKey) *Market { return e.markets.byKey[key] }

// MarketIndexOf returns the index of the market that issued order id: the
// index a market of that ID has or would have. It reads no state.
func MarketIndexOf(id wire.OrderID) uint64 { return uint64(id) >> marketShift }

// MarketFor returns the open market that a ScopeMarket command names (by
// Category and Basis, or for CmdCancel and CmdAmend by OrderID), or nil if
// that market is not open (or the command is of another scope).
func (e *Engine) MarketFor(cmd *wire.Command) *Market {
	switch cmd.Kind {
	case wire.CmdCancel, wire.CmdAmend:
		return e.MarketAt(MarketIndexOf(cmd.OrderID))
	case wire.CmdPlace:
		if m := e.poolOf(cmd.Category); m != nil {
			return m
		}
		return e.markets.byKey[cmd.Key()]
	case wire.CmdSetMarketMode, wire.CmdUncross, wire.CmdOpenPool, wire.CmdClearPool:
		return e.markets.byKey[cmd.Key()]
	case wire.CmdExpire:
		if cmd.Category == 0 && cmd.Basis == 0 {
			return nil
		}
		return e.markets.byKey[cmd.Key()]
	}
	return nil
}

// openMarket creates a market and adds it to the table. Cost: O(1)
// amortised.
func (e *Engine) openMarket(key wire.MarketKey, cat catalog.Category, initialOrders int) (*Market, error) {
	book, err := orderbook.New(e.bookConfig(&cat, initialOrders))
	if err != nil {
		return nil, err
	}
	m := &Market{key: key, index: e.ids.global(uint64(len(e.markets.list)) + 1), category: cat, book: book, clientIDs: map[clientKey]struct{}{}}
	m.counters.known = &e.registry.registered
	e.markets.list = append(e.markets.list, m)
	e.markets.byKey[key] = m
	return m, nil
}

// ApplyMarket applies a ScopeMarket command to m, the open market it names
// (see MarketFor), like Apply. It changes only m's state, and reads the
// catalog, the registry and the subscriptions: see the package
// documentation for which calls may overlap.
func (e *Engine) ApplyMarket(m *Market, seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	if (cmd.Signed() || e.sign.mayRequire) && wire.Binding(cmd.Kind) && wire.CheckShape(cmd) == wire.ReasonNone {
		if r := e.signedMarket(m, cmd); r != wire.ReasonNone {
			return e.rejectIn(m, seq, cmd, r, dst)
		}
		start := len(dst)
		dst, err := e.applyMarket(m, seq, cmd, dst)
		markSigned(cmd, dst[start:])
		return dst, err
	}
	return e.applyMarket(m, seq, cmd, dst)
}

func (e *Engine) applyMarket(m *Market, seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	if r := wire.CheckShape(cmd); r != wire.ReasonNone {
		return e.rejectIn(m, seq, cmd, r, dst)
	}
	if m.pool != nil {
		return e.applyPool(m, seq, cmd, dst)
	}
	switch cmd.Kind {
	case wire.CmdPlace:
		if poolAttrs(cmd) {
			return e.rejectIn(m, seq, cmd, wire.ReasonNotPool, dst)
		}
		return e.placeLocked(m, seq, cmd, dst)
	case wire.CmdCancel, wire.CmdAmend:
		if cmd.Kind == wire.CmdAmend {
			r := wire.ReasonNone
			switch {
			case cmd.Qty <= 0:
				r = wire.ReasonInvalidQty
			case cmd.Price <= 0:
				r = wire.ReasonInvalidPrice
			}
			if r != wire.ReasonNone {
				return e.rejectIn(m, seq, cmd, r, dst)
			}
		}
		if (cmd.Category != 0 || cmd.Basis != 0) && cmd.Key() != m.key {
			return e.rejectIn(m, seq, cmd, wire.ReasonWrongMarket, dst)
		}
		if cmd.Kind == wire.CmdAmend {
			if r := e.stepsOf(&m.category, cmd.Price, cmd.Qty, 0); r != wire.ReasonNone {
				return e.rejectIn(m, seq, cmd, r, dst)
			}
		}
		return e.modify(m, seq, cmd, dst)
	case wire.CmdExpire:
		m.counters.in(cmd.Participant, cmd.Kind)
		start := len(dst)
		dst, _ = m.expire(seq, cmd, dst)
		m.counters.out(dst[start:])
		return dst, nil
	case wire.CmdSetMarketMode:
		if cmd.MarketMode != wire.MarketContinuous && cmd.MarketMode != wire.MarketCall {
			return e.rejectIn(m, seq, cmd, wire.ReasonInvalidMode, dst)
		}
		return e.setMarketMode(m, seq, cmd, dst)
	case wire.CmdUncross:
		if cmd.RefPrice <= 0 {
			return e.rejectIn(m, seq, cmd, wire.ReasonInvalidPrice, dst)
		}
		return e.uncross(m, seq, cmd, dst)
	case wire.CmdClearPool:
		return e.rejectIn(m, seq, cmd, wire.ReasonNotPool, dst)
	case wire.CmdOpenPool:
		return e.rejectIn(m, seq, cmd, wire.ReasonPoolConflict, dst)
	}
	return e.rejectIn(m, seq, cmd, wire.ReasonInvalidCommand, dst)
}

// applyNoMarket applies a ScopeMarket command whose market is not open: it
// opens the market for a valid order or mode change, or rejects the command
// as having reached no market. It belongs to ScopeAdmin.
func (e *Engine) applyNoMarket(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	if r := wire.CheckShape(cmd); r != wire.ReasonNone {
		return e.rejectOutside(seq, cmd, r, dst)
	}
	if wire.Binding(cmd.Kind) {
		if r := e.signedOpening(cmd); r != wire.ReasonNone {
			return e.rejectOutside(seq, cmd, r, dst)
		}
	}
	switch cmd.Kind {
	case wire.CmdOpenPool:
		return e.openPool(seq, cmd, dst)
	case wire.CmdClearPool:
		return e.rejectOutside(seq, cmd, wire.ReasonNotPool, dst)
	case wire.CmdCancel, wire.CmdAmend:
		if cmd.Kind == wire.CmdAmend {
			switch {
			case cmd.Qty <= 0:
				return e.rejectOutside(seq, cmd, wire.ReasonInvalidQty, dst)
			case cmd.Price <= 0:
				return e.rejectOutside(seq, cmd, wire.ReasonInvalidPrice, dst)
			}
		}
		return e.rejectOutside(seq, cmd, wire.ReasonUnknownOrder, dst)
	case wire.CmdExpire:
		_, r := e.tradable(cmd.Category)
		if r == wire.ReasonNone {
			r = wire.ReasonUnknownBasis
			if _, ok := e.cat.Bases.ByID(cmd.Basis); ok {
				// A valid market that has never traded has nothing to expire.
				e.outside.in(cmd.Participant, cmd.Kind)
				return dst, nil
			}
		}
		return e.rejectOutside(seq, cmd, r, dst)
	case wire.CmdPlace:
		if poolAttrs(cmd) {
			return e.rejectOutside(seq, cmd, wire.ReasonNotPool, dst)
		}
		// The checks that need neither state nor the market's steps.
		id := wire.OrderID(uint64(len(e.markets.list)+1)<<marketShift | 1)
		if r := reasonOf(orderbook.Config{}.CheckOrder(stateless(cmd, id), cmd.Time)); r != wire.ReasonNone && r != wire.ReasonOverflow {
			return e.rejectOutside(seq, cmd, r, dst)
		}
	case wire.CmdSetMarketMode:
		if cmd.MarketMode != wire.MarketContinuous && cmd.MarketMode != wire.MarketCall {
			return e.rejectOutside(seq, cmd, wire.ReasonInvalidMode, dst)
		}
	case wire.CmdUncross:
		if cmd.RefPrice <= 0 {
			return e.rejectOutside(seq, cmd, wire.ReasonInvalidPrice, dst)
		}
	}
	cat, r := e.tradable(cmd.Category)
	if r == wire.ReasonNone {
		if _, ok := e.cat.Bases.ByID(cmd.Basis); !ok {
			r = wire.ReasonUnknownBasis
		}
	}
	if r == wire.ReasonNone && e.poolOf(cmd.Category) != nil {
		// A pool's subtree holds no book.
		r = wire.ReasonPoolConflict
	}
	if cmd.Kind == wire.CmdPlace {
		if r == wire.ReasonNone {
			r = e.stepsOf(&cat, cmd.Price, cmd.Qty, cmd.MinQty)
		}
		if r == wire.ReasonNone {
			r = e.traderStatus(cmd.Participant)
		}
	}
	if r == wire.ReasonNone && e.ids.global(uint64(len(e.markets.list))+1) > MaxMarkets {
		r = wire.ReasonCapacity
	}
	if r != wire.ReasonNone {
		return e.rejectOutside(seq, cmd, r, dst)
	}
	m, err := e.openMarket(cmd.Key(), cat, 0)
	if err != nil {
		return e.rejectOutside(seq, cmd, wire.ReasonCapacity, dst)
	}
	return e.ApplyMarket(m, seq, cmd, dst)
}

// rejectIn refuses cmd for reason r on market m. The command still
// advances m's clock: no clock goes backwards and a deadline, once passed,
// stays passed, whether the command that passed it was accepted or not. Its
// EventRejected carries the effective time (see wire.Command.Time), after
// any GTD expiries the advance triggered.
func (e *Engine) rejectIn(m *Market, seq uint64, cmd *wire.Command, r wire.RejectReason, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	dst, now := m.expire(seq, cmd, dst)
	dst = append(dst, rejected(seq, now, cmd, r))
	m.counters.out(dst[start:])
	return dst, r.Err()
}

// bookReasons maps the order book's validation errors to the reasons of
// their rejections: the one table between the book's checks and the
// command language.
var bookReasons = [...]struct {
	err    error
	reason wire.RejectReason
}{
	{orderbook.ErrInvalidOwner, wire.ReasonUnknownParticipant},
	{orderbook.ErrInvalidSide, wire.ReasonInvalidSide},
	{orderbook.ErrInvalidType, wire.ReasonInvalidType},
	{orderbook.ErrInvalidTIF, wire.ReasonInvalidTIF},
	{orderbook.ErrInvalidSTP, wire.ReasonInvalidSTP},
	{orderbook.ErrInvalidQty, wire.ReasonInvalidQty},
	{orderbook.ErrInvalidMinQty, wire.ReasonMinQtyExceedsQty},
	{orderbook.ErrInvalidPrice, wire.ReasonInvalidPrice},
	{orderbook.ErrExpired, wire.ReasonExpired},
	{orderbook.ErrPriceNotOnTick, wire.ReasonPriceNotOnTick},
	{orderbook.ErrQtyNotOnLot, wire.ReasonQtyNotOnLot},
	{orderbook.ErrOverflow, wire.ReasonOverflow},
	{orderbook.ErrCapacity, wire.ReasonCapacity},
	{orderbook.ErrUnknownOrder, wire.ReasonUnknownOrder},
	{orderbook.ErrNotOwner, wire.ReasonNotOwner},
	{orderbook.ErrCrossed, wire.ReasonCrossed},
	{orderbook.ErrInvalidMode, wire.ReasonInvalidMode},
}

// reasonOf returns the reason of a book error: ReasonNone for nil, and
// ReasonInvalidCommand for an error the table does not name (the book's
// ID errors, which the engine's own IDs never meet). Cost: O(1) for nil,
// O(table) comparisons for an error the book returns bare (an unknown
// order), and O(table) errors.Is calls for a wrapped one.
func reasonOf(err error) wire.RejectReason {
	if err == nil {
		return wire.ReasonNone
	}
	for _, br := range bookReasons {
		if err == br.err {
			return br.reason
		}
	}
	for _, br := range bookReasons {
		if errors.Is(err, br.err) {
			return br.reason
		}
	}
	return wire.ReasonInvalidCommand
}

// bookOrder returns the book order of a CmdPlace, with the ID it will get
// in market index idx if accepted.
func bookOrder(cmd *wire.Command, id wire.OrderID) orderbook.Order {
	return orderbook.Order{
		ID: id, Owner: cmd.Participant, Side: cmd.Side, Type: cmd.Type, TIF: cmd.TIF,
		Price: cmd.Price, Qty: cmd.Qty, MinQty: cmd.MinQty, ExpireAt: cmd.ExpireAt,
		STP: cmd.STP, Tag: cmd.ClientOrderID,
	}
}

// stateless returns the order of a CmdPlace for the book's stateless checks:
// the participant is the registry's to judge (traderStatus, later), so a
// zero one stands in as 1 here.
func stateless(cmd *wire.Command, id wire.OrderID) orderbook.Order {
	o := bookOrder(cmd, id)
	o.Owner = max(o.Owner, 1)
	return o
}

// hasClientID reports whether owner has a live order with client order ID
// id on m.
func (m *Market) hasClientID(owner catalog.ParticipantID, id uint64) bool {
	_, ok := m.clientIDs[clientKey{owner: owner, id: id}]
	return ok
}

// nextID returns the ID m gives its next order.
func (m *Market) nextID() wire.OrderID {
	return wire.OrderID(m.index<<marketShift | (m.nextLocal+1)&localMask)
}

// bookConfig returns the configuration of a book for category c.
func (e *Engine) bookConfig(c *catalog.Category, initialOrders int) orderbook.Config {
	return orderbook.Config{DefaultSTP: e.cfg.DefaultSTP, Tick: c.Tick, Lot: c.Lot, InitialOrders: initialOrders, MaxOrders: e.cfg.MaxOrdersPerMarket}
}

// stepsOf checks price and quantities against category c's tick and lot,
// and their notional against overflow (see orderbook.Config.CheckSteps).
func (e *Engine) stepsOf(c *catalog.Category, price catalog.Price, qty, minQty catalog.Qty) wire.RejectReason {
	return reasonOf(e.bookConfig(c, 0).CheckSteps(price, qty, minQty))
}

// placeLocked places an order on m. The checks run in this order: the
// book's own (the order's fields, its steps, its expiry against the
// market's clock), the trader's status, the client order ID, and the
// book's capacity; the book runs its checks once per command. A refusal
// by the book is a typed rejection, never a panic.
func (e *Engine) placeLocked(m *Market, seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	dst, now := m.expire(seq, cmd, dst)
	expired := len(dst) // the expiries stand, whatever follows
	o := bookOrder(cmd, m.nextID())
	// The book's checks run once. When the engine's own checks pass (the
	// trader's status, the client order ID, room for a local ID), Place
	// runs them and its refusal is the reason. Otherwise Book.Check
	// decides whether a book reason comes first: the order's fields
	// against the command's time and the market's steps, then the expiry
	// against the market's clock; the registry and the client order IDs
	// come before the book's capacity.
	tr := e.traderStatus(cmd.Participant)
	if tr == wire.ReasonNone {
		if cmd.ClientOrderID != 0 && m.hasClientID(cmd.Participant, cmd.ClientOrderID) {
			tr = wire.ReasonDuplicateClientOrderID
		} else if m.nextLocal >= localMask {
			tr = wire.ReasonCapacity
		}
	}
	if tr != wire.ReasonNone {
		r := reasonOf(m.book.Check(stateless(cmd, o.ID), now))
		if r == wire.ReasonNone || r == wire.ReasonCapacity {
			r = tr
		}
		dst = append(dst, rejected(seq, now, cmd, r))
		m.counters.out(dst[start:])
		return dst, r.Err()
	}
	dst = append(dst, wire.Event{
		Seq: seq, Time: now, Kind: wire.EventAccepted, Command: cmd.Kind,
		Participant: cmd.Participant, Category: m.key.Category, Basis: m.key.Basis,
		OrderID: o.ID, ClientOrderID: cmd.ClientOrderID, Side: cmd.Side,
		Price: cmd.Price, Qty: cmd.Qty, Remaining: cmd.Qty,
	})
	var err error
	m.scratch, _, err = m.book.Place(o, now, m.scratch[:0])
	if err != nil {
		// The book refused the order (Place changes nothing then): refuse
		// the command, whole; the expiries stand.
		r := reasonOf(err)
		dst = append(dst[:expired], rejected(seq, now, cmd, r))
		m.counters.out(dst[start:])
		return dst, r.Err()
	}
	m.nextLocal++
	if cmd.ClientOrderID != 0 {
		m.clientIDs[clientKey{owner: cmd.Participant, id: cmd.ClientOrderID}] = struct{}{}
	}
	dst = m.translate(seq, now, cmd, cmd.ClientOrderID, m.scratch, dst)
	if e.subs.live > 0 {
		if info, ok := m.book.Order(o.ID); ok {
			// The order rests: it is a new request or offer.
			p := posting{
				kind: cmd.Kind, poster: cmd.Participant, cat: m.key.Category, basis: m.key.Basis,
				side: cmd.Side, price: cmd.Price, qty: cmd.Qty, remaining: info.Qty, order: o.ID,
			}
			dst = e.notify(seq, now, &p, &m.hits, dst)
		}
	}
	m.counters.out(dst[start:])
	return dst, nil
}

// expire advances m's book to the command's time (never backwards) and
// returns the command's effective time on m: the market's clock, that is
// max(clock, cmd.Time). Every event of the command on m carries it.
func (m *Market) expire(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, int64) {
	m.scratch = m.book.Expire(cmd.Time, m.scratch[:0])
	now := m.book.Now()
	if m.pool != nil {
		return m.expirePool(seq, now, cmd, dst), now
	}
	if len(m.scratch) == 0 {
		return dst, now
	}
	return m.translate(seq, now, cmd, 0, m.scratch, dst), now
}

// translate turns book events into exchange events, emitting EventDone for
// orders that filled completely and releasing the client order IDs of
// orders that left the book. takerTag is the client order ID of the
// incoming order; now is the command's effective time on m.
func (m *Market) translate(seq uint64, now int64, cmd *wire.Command, takerTag uint64, bevs []orderbook.Event, dst []wire.Event) []wire.Event {
	for i := range bevs {
		b := &bevs[i]
		e := wire.Event{
			Seq: seq, Time: now, Command: cmd.Kind, Category: m.key.Category, Basis: m.key.Basis,
			Participant: b.Owner, OrderID: b.OrderID, ClientOrderID: b.Tag, Side: b.Side,
			Price: b.Price, Qty: b.Qty, Remaining: b.Remaining,
		}
		switch b.Kind {
		case orderbook.EventFill:
			tt := takerTag
			if b.TakerTag != 0 {
				tt = b.TakerTag // an uncross: both orders were resting
			}
			e.Kind = wire.EventFill
			e.Participant, e.OrderID, e.ClientOrderID = b.TakerOwner, b.TakerID, tt
			e.Side, e.Remaining = b.Side.Opposite(), b.TakerRemaining
			e.MakerParticipant, e.MakerOrderID, e.MakerClientOrderID, e.MakerRemaining = b.Owner, b.OrderID, b.Tag, b.Remaining
			dst = append(dst, e)
			if b.Remaining == 0 {
				dst = append(dst, m.done(seq, now, cmd, b.Owner, b.OrderID, b.Tag, b.Side, b.Price))
			}
			if b.TakerRemaining == 0 {
				dst = append(dst, m.done(seq, now, cmd, b.TakerOwner, b.TakerID, tt, b.Side.Opposite(), b.Price))
			}
			continue
		case orderbook.EventCancel:
			e.Kind, e.Cancel = wire.EventCancelled, b.Reason
		case orderbook.EventExpire:
			e.Kind = wire.EventExpired
		}
		if b.Remaining == 0 && b.Tag != 0 {
			delete(m.clientIDs, clientKey{owner: b.Owner, id: b.Tag})
		}
		dst = append(dst, e)
	}
	return dst
}

func (m *Market) done(seq uint64, now int64, cmd *wire.Command, owner catalog.ParticipantID, id wire.OrderID, tag uint64, side wire.Side, price catalog.Price) wire.Event {
	if tag != 0 {
		delete(m.clientIDs, clientKey{owner: owner, id: tag})
	}
	return wire.Event{
		Seq: seq, Time: now, Kind: wire.EventDone, Command: cmd.Kind,
		Participant: owner, Category: m.key.Category, Basis: m.key.Basis,
		OrderID: id, ClientOrderID: tag, Side: side, Price: price,
	}
}

// modify handles CmdCancel and CmdAmend on m, after the amend's price and
// quantity passed their checks.
func (e *Engine) modify(m *Market, seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	dst, now := m.expire(seq, cmd, dst)
	expired := len(dst) // the expiries stand, whatever follows
	r := wire.ReasonNone
	if cmd.Kind == wire.CmdAmend {
		r = e.traderStatus(cmd.Participant)
	} else if _, ok := e.registry.parts.Status(cmd.Participant); !ok {
		r = wire.ReasonUnknownParticipant
	}
	var info orderbook.OrderInfo
	var err error
	if r == wire.ReasonNone && cmd.Kind == wire.CmdCancel {
		// The book checks existence and ownership itself and changes
		// nothing when either fails.
		m.scratch, err = m.book.Cancel(cmd.OrderID, cmd.Participant, now, m.scratch[:0])
		switch {
		case errors.Is(err, orderbook.ErrUnknownOrder):
			r = wire.ReasonUnknownOrder
		case errors.Is(err, orderbook.ErrNotOwner):
			r = wire.ReasonNotOwner
		}
	} else if r == wire.ReasonNone {
		// The book's checks of an amend, once: existence and ownership
		// (price, quantity and steps passed in ApplyMarket).
		if r = reasonOf(m.book.CheckAmend(cmd.OrderID, cmd.Participant, cmd.Price, cmd.Qty)); r == wire.ReasonNone {
			info, _ = m.book.Order(cmd.OrderID)
		}
	}
	if r != wire.ReasonNone {
		dst = append(dst, rejected(seq, now, cmd, r))
		m.counters.out(dst[start:])
		return dst, r.Err()
	}
	if cmd.Kind == wire.CmdAmend {
		dst = append(dst, wire.Event{
			Seq: seq, Time: now, Kind: wire.EventAmended, Command: cmd.Kind,
			Participant: cmd.Participant, Category: m.key.Category, Basis: m.key.Basis,
			OrderID: cmd.OrderID, ClientOrderID: info.Tag, Side: info.Side,
			Price: cmd.Price, Qty: cmd.Qty, Remaining: cmd.Qty,
		})
		m.scratch, _, err = m.book.Amend(cmd.OrderID, cmd.Participant, cmd.Price, cmd.Qty, now, m.scratch[:0])
		if err != nil {
			// The book refused what CheckAmend accepted: refuse the
			// command, whole (Amend changes nothing when it fails).
			r = reasonOf(err)
			dst = append(dst[:expired], rejected(seq, now, cmd, r))
			m.counters.out(dst[start:])
			return dst, r.Err()
		}
	}
	dst = m.translate(seq, now, cmd, info.Tag, m.scratch, dst)
	m.counters.out(dst[start:])
	return dst, nil
}
