package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/clearing"
	"github.com/agora-exchange/agora/orderbook"
	"github.com/agora-exchange/agora/wire"
)

// Clearing pools.
//
// A pool is a market keyed (root, 0), root the category whose subtree it
// covers. It is opened by CmdOpenPool rather than by a CmdSetMarketMode
// mode because it has no order book: its orders carry attributes that a
// book cannot rank (grade, bases, lead time, rating), and it trades only
// when CmdClearPool runs package clearing over all of them at once. Being
// a Market, it is locked, numbered and journaled as one: its order IDs
// carry its index, so CmdCancel and CmdAmend find it in O(1), and every
// CmdPlace whose category lies in the subtree goes to it (MarketFor). The
// pool's clock is its (always empty) book's clock.
//
// In a sharded engine a pool may open only on one of Config.PoolRoots:
// the cluster routes a placement by its own category and basis, which in a
// pool is not the pool's key, unless it knows the pool's root beforehand;
// with the roots it sends every market command of the subtree to the
// pool's shard (PoolRootOf), so the pool and every book that could
// conflict with it live in one engine, as in an unsharded one.

// PoolRootOf returns the root among roots whose subtree holds category c
// (c itself or one of its ancestors), and whether there is one. roots are
// Config.PoolRoots, which do not overlap. Cost: O(len(roots) × depth), no
// allocation; nothing when roots is empty.
func PoolRootOf(tax *catalog.Taxonomy, roots []catalog.CategoryID, c catalog.CategoryID) (catalog.CategoryID, bool) {
	for _, r := range roots {
		if tax.Covers(r, c) {
			return r, true
		}
	}
	return 0, false
}

// poolAllowed reports whether a pool may open on root (see
// Config.PoolRoots).
func (e *Engine) poolAllowed(root catalog.CategoryID) bool {
	if len(e.cfg.PoolRoots) == 0 {
		return e.cfg.Shards <= 1
	}
	return slices.Contains(e.cfg.PoolRoots, root)
}

// poolOrder is one resting order of a pool.
type poolOrder struct {
	id       wire.OrderID
	owner    catalog.ParticipantID
	side     wire.Side // Buy: a request; Sell: an offer
	cat      catalog.CategoryID
	basis    catalog.BasisID   // offer: shipping basis; request: own basis (0 = none)
	bases    []catalog.BasisID // request: bases it takes the goods at
	grade    catalog.Grade     // offer: grade; request: minimum grade
	lead     int32             // offer: lead time; request: longest accepted
	rating   uint8             // request: minimum supplier rating
	price    catalog.Price
	qty      int64 // open lots
	original int64
	filled   int64
	expireAt int64 // GTD; 0 = GTC
	tag      uint64
	prio     uint64 // time priority: the seq of the command that gave it
}

// pool is the state of a clearing pool: its resting orders by ID.
type pool struct {
	root   catalog.CategoryID
	orders []*poolOrder // ascending ID
}

func (p *pool) find(id wire.OrderID) (int, bool) {
	return slices.BinarySearchFunc(p.orders, id, func(o *poolOrder, id wire.OrderID) int {
		switch {
		case o.id < id:
			return -1
		case o.id > id:
			return 1
		}
		return 0
	})
}

// Pool returns the pool's root category, and whether m is a clearing pool.
// Cost: O(1).
func (m *Market) Pool() (catalog.CategoryID, bool) {
	if m.pool == nil {
		return 0, false
	}
	return m.pool.root, true
}

// poolOf returns the pool whose subtree holds category c, or nil. Cost:
// O(depth) map lookups, O(1) when no pool is open.
func (e *Engine) poolOf(c catalog.CategoryID) *Market {
	if len(e.pools) == 0 {
		return nil
	}
	if m := e.pools[c]; m != nil {
		return m
	}
	for a := range e.cat.Taxonomy.Ancestors(c) {
		if m := e.pools[a]; m != nil {
			return m
		}
	}
	return nil
}

// poolConflict reports whether a pool on root would overlap an open
// market or pool.
func (e *Engine) poolConflict(root catalog.CategoryID) bool {
	for _, m := range e.markets.list {
		k := m.key.Category
		if m.pool != nil && e.cat.Taxonomy.Covers(k, root) {
			return true
		}
		if e.cat.Taxonomy.Covers(root, k) {
			return true
		}
	}
	return false
}

// openPool handles a CmdOpenPool whose pool is not open (ScopeAdmin).
func (e *Engine) openPool(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	cat, ok := e.cat.Taxonomy.ByID(cmd.Category)
	r := wire.ReasonNone
	switch {
	case !ok:
		r = wire.ReasonUnknownCategory
	case !e.poolAllowed(cmd.Category) || e.poolConflict(cmd.Category):
		r = wire.ReasonPoolConflict
	case e.ids.global(uint64(len(e.markets.list))+1) > MaxMarkets:
		r = wire.ReasonCapacity
	}
	if r != wire.ReasonNone {
		return e.rejectOutside(seq, cmd, r, dst)
	}
	m, err := e.openPoolMarket(cat)
	if err != nil {
		return e.rejectOutside(seq, cmd, wire.ReasonCapacity, dst)
	}
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	dst, now := m.expire(seq, cmd, dst)
	dst = append(dst, wire.Event{Seq: seq, Time: now, Kind: wire.EventPoolOpened, Command: cmd.Kind, Category: m.key.Category})
	m.counters.out(dst[start:])
	return dst, nil
}

// openPoolMarket adds the pool market of cat to the table.
func (e *Engine) openPoolMarket(cat catalog.Category) (*Market, error) {
	bookCat := catalog.Category{ID: cat.ID, Code: cat.Code, Tick: 1, Lot: 1}
	m, err := e.openMarket(wire.MarketKey{Category: cat.ID}, bookCat, 0)
	if err != nil {
		return nil, err
	}
	m.pool = &pool{root: cat.ID}
	if e.pools == nil {
		e.pools = map[catalog.CategoryID]*Market{}
	}
	e.pools[cat.ID] = m
	return m, nil
}

// poolAttrs reports whether cmd sets an attribute only a pool reads.
func poolAttrs(cmd *wire.Command) bool {
	return cmd.Grade != 0 || len(cmd.Bases) != 0 || cmd.LeadTime != 0 || cmd.Rating != 0
}

// applyPool applies a ScopeMarket command of valid shape to pool m.
func (e *Engine) applyPool(m *Market, seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	if invariantsEnabled {
		defer e.mustHoldPool(m)
	}
	switch cmd.Kind {
	case wire.CmdPlace:
		return e.poolPlace(m, seq, cmd, dst)
	case wire.CmdCancel, wire.CmdAmend:
		if (cmd.Category != 0 || cmd.Basis != 0) && cmd.Key() != m.key {
			return e.rejectIn(m, seq, cmd, wire.ReasonWrongMarket, dst)
		}
		return e.poolModify(m, seq, cmd, dst)
	case wire.CmdExpire:
		m.counters.in(cmd.Participant, cmd.Kind)
		start := len(dst)
		dst, _ = m.expire(seq, cmd, dst)
		m.counters.out(dst[start:])
		return dst, nil
	case wire.CmdClearPool:
		return e.clearPool(m, seq, cmd, dst)
	case wire.CmdOpenPool:
		return e.rejectIn(m, seq, cmd, wire.ReasonPoolConflict, dst)
	}
	// CmdSetMarketMode and CmdUncross name a book, which a pool has not.
	return e.rejectIn(m, seq, cmd, wire.ReasonInvalidMode, dst)
}

// clearingReason maps an error of package clearing to its reason.
func clearingReason(err error) wire.RejectReason {
	switch {
	case errors.Is(err, clearing.ErrAllOrNone):
		return wire.ReasonAllOrNonePool
	case errors.Is(err, clearing.ErrBadQty):
		return wire.ReasonInvalidQty
	case errors.Is(err, clearing.ErrBadPrice):
		return wire.ReasonInvalidPrice
	case errors.Is(err, clearing.ErrOverflow):
		return wire.ReasonOverflow
	case errors.Is(err, clearing.ErrTooMany):
		return wire.ReasonCapacity
	case errors.Is(err, catalog.ErrUnknownGrade):
		return wire.ReasonUnknownGrade
	case errors.Is(err, catalog.ErrUnknownBasis):
		return wire.ReasonUnknownBasis
	case errors.Is(err, catalog.ErrNoRoute):
		return wire.ReasonNoRoute
	case errors.Is(err, catalog.ErrOffTick):
		return wire.ReasonPriceNotOnTick
	case errors.Is(err, catalog.ErrNotLeaf):
		return wire.ReasonNotLeaf
	case errors.Is(err, catalog.ErrUnknownCategory):
		return wire.ReasonUnknownCategory
	}
	return wire.ReasonInvalidCommand
}

// clearingData is the reference data of the engine's pools.
func (e *Engine) clearingData() clearing.Data {
	return clearing.Data{Taxonomy: e.cat.Taxonomy, Grades: e.cfg.Grades, Transport: e.cfg.Transport, Bases: e.cat.Bases}
}

// poolCheck returns why cmd, a CmdPlace on pool m at time now, must be
// refused, checking it as package clearing will.
func (e *Engine) poolCheck(m *Market, cmd *wire.Command, now int64) wire.RejectReason {
	switch {
	case cmd.Side != wire.Buy && cmd.Side != wire.Sell:
		return wire.ReasonInvalidSide
	case cmd.Type != 0 && cmd.Type != wire.Limit:
		return wire.ReasonInvalidType
	case cmd.MinQty != 0 || cmd.TIF == wire.FOK:
		// All-or-none and minimum quantities make the clearing an integer
		// program containing the knapsack problem (NP-hard).
		return wire.ReasonAllOrNonePool
	case cmd.TIF != 0 && cmd.TIF != wire.GTC && cmd.TIF != wire.GTD:
		return wire.ReasonInvalidTIF
	case cmd.STP > wire.STPCancelBoth:
		return wire.ReasonInvalidSTP
	case (cmd.TIF == wire.GTD) != (cmd.ExpireAt != 0):
		return wire.ReasonExpired
	case cmd.TIF == wire.GTD && cmd.ExpireAt <= now:
		return wire.ReasonExpired
	case cmd.Qty <= 0:
		return wire.ReasonInvalidQty
	case cmd.Price <= 0:
		return wire.ReasonInvalidPrice
	case cmd.LeadTime < 0 || cmd.LeadTime > int64(clearing.MaxLead):
		return wire.ReasonInvalidLeadTime
	case cmd.Rating > catalog.MaxRating || (cmd.Side == wire.Sell && cmd.Rating != 0):
		return wire.ReasonInvalidRating
	case cmd.Side == wire.Sell && len(cmd.Bases) != 0:
		return wire.ReasonUnreadField
	case cmd.Basis == 0 && len(cmd.Bases) == 0:
		return wire.ReasonUnknownBasis
	case !e.cat.Taxonomy.Covers(m.pool.root, cmd.Category):
		return wire.ReasonWrongMarket
	}
	o := poolOrderOf(cmd, 1, 0)
	var err error
	if o.side == wire.Buy {
		_, err = clearing.Clear(e.clearingData(), []clearing.Request{o.request()}, nil)
	} else {
		_, err = clearing.Clear(e.clearingData(), nil, []clearing.Offer{o.offer(0)})
	}
	if err != nil {
		return clearingReason(err)
	}
	if len(m.pool.orders) >= clearing.MaxOrders || (e.cfg.MaxOrdersPerMarket > 0 && len(m.pool.orders) >= e.cfg.MaxOrdersPerMarket) {
		return wire.ReasonCapacity
	}
	return wire.ReasonNone
}

func poolOrderOf(cmd *wire.Command, id wire.OrderID, prio uint64) *poolOrder {
	o := &poolOrder{
		id: id, owner: cmd.Participant, side: cmd.Side, cat: cmd.Category, basis: cmd.Basis,
		grade: cmd.Grade, lead: int32(cmd.LeadTime), rating: cmd.Rating, price: cmd.Price,
		qty: int64(cmd.Qty), original: int64(cmd.Qty), tag: cmd.ClientOrderID, prio: prio,
	}
	if cmd.TIF == wire.GTD {
		o.expireAt = cmd.ExpireAt
	}
	if len(cmd.Bases) != 0 {
		o.bases = slices.Clone(cmd.Bases)
	}
	return o
}

func (o *poolOrder) request() clearing.Request {
	return clearing.Request{
		ID: clearing.OrderID(o.id), Owner: o.owner, Category: o.cat, Accept: o.bases, Deliver: o.basis,
		MinGrade: o.grade, MaxLead: o.lead, MinRating: o.rating, Qty: o.qty, Limit: o.price, Priority: o.prio,
	}
}

func (o *poolOrder) offer(rating uint8) clearing.Offer {
	return clearing.Offer{
		ID: clearing.OrderID(o.id), Owner: o.owner, Category: o.cat, Basis: o.basis, Grade: o.grade,
		Lead: o.lead, Rating: rating, Qty: o.qty, Limit: o.price, Priority: o.prio,
	}
}

// poolPlace handles a CmdPlace on pool m: the order rests until a clearing.
func (e *Engine) poolPlace(m *Market, seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	dst, now := m.expire(seq, cmd, dst)
	r := e.poolCheck(m, cmd, now)
	if r == wire.ReasonNone {
		if tr := e.traderStatus(cmd.Participant); tr != wire.ReasonNone {
			r = tr
		} else if _, dup := m.clientIDs[clientKey{owner: cmd.Participant, id: cmd.ClientOrderID}]; dup && cmd.ClientOrderID != 0 {
			r = wire.ReasonDuplicateClientOrderID
		} else if m.nextLocal >= localMask {
			r = wire.ReasonCapacity
		}
	}
	if r != wire.ReasonNone {
		dst = append(dst, rejected(seq, now, cmd, r))
		m.counters.out(dst[start:])
		return dst, r.Err()
	}
	o := poolOrderOf(cmd, m.nextID(), seq)
	m.nextLocal++
	m.pool.orders = append(m.pool.orders, o) // IDs ascend
	if o.tag != 0 {
		m.clientIDs[clientKey{owner: o.owner, id: o.tag}] = struct{}{}
	}
	dst = append(dst, wire.Event{
		Seq: seq, Time: now, Kind: wire.EventAccepted, Command: cmd.Kind,
		Participant: cmd.Participant, Category: m.key.Category, Basis: m.key.Basis,
		OrderID: o.id, ClientOrderID: o.tag, Side: o.side, Price: o.price, Qty: cmd.Qty, Remaining: cmd.Qty,
	})
	if e.subs.live > 0 {
		// A pool order rests until the clearing: a new request or offer,
		// posted in its own category at its basis (and, for a request,
		// at each basis where it takes the goods).
		p := posting{
			kind: cmd.Kind, poster: o.owner, cat: o.cat, basis: o.basis, bases: o.bases, lead: int64(o.lead),
			side: o.side, price: o.price, qty: cmd.Qty, remaining: cmd.Qty, order: o.id,
		}
		dst = e.notify(seq, now, &p, &m.hits, dst)
	}
	m.counters.out(dst[start:])
	return dst, nil
}

// poolModify handles CmdCancel and CmdAmend on pool m. An amend sets the
// price and the open quantity; the order keeps its time priority only if
// it keeps its price and does not grow.
func (e *Engine) poolModify(m *Market, seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	dst, now := m.expire(seq, cmd, dst)
	i, ok := m.pool.find(cmd.OrderID)
	r := wire.ReasonNone
	switch {
	case cmd.Kind == wire.CmdAmend && cmd.Qty <= 0:
		r = wire.ReasonInvalidQty
	case cmd.Kind == wire.CmdAmend && cmd.Price <= 0:
		r = wire.ReasonInvalidPrice
	case !ok:
		r = wire.ReasonUnknownOrder
	case m.pool.orders[i].owner != cmd.Participant:
		r = wire.ReasonNotOwner
	}
	if r == wire.ReasonNone && cmd.Kind == wire.CmdAmend {
		o := *m.pool.orders[i]
		o.price, o.qty = cmd.Price, int64(cmd.Qty)
		var err error
		if o.side == wire.Buy {
			_, err = clearing.Clear(e.clearingData(), []clearing.Request{o.request()}, nil)
		} else {
			_, err = clearing.Clear(e.clearingData(), nil, []clearing.Offer{o.offer(0)})
		}
		if err != nil {
			r = clearingReason(err)
		} else if o.filled > clearing.MaxQty-o.qty {
			r = wire.ReasonOverflow
		}
	}
	if r != wire.ReasonNone {
		dst = append(dst, rejected(seq, now, cmd, r))
		m.counters.out(dst[start:])
		return dst, r.Err()
	}
	o := m.pool.orders[i]
	ev := wire.Event{
		Seq: seq, Time: now, Command: cmd.Kind, Participant: o.owner, Category: m.key.Category, Basis: m.key.Basis,
		OrderID: o.id, ClientOrderID: o.tag, Side: o.side,
	}
	if cmd.Kind == wire.CmdCancel {
		ev.Kind, ev.Cancel, ev.Price, ev.Qty = wire.EventCancelled, orderbook.CancelRequested, o.price, catalog.Qty(o.qty)
		m.removePoolOrder(i)
	} else {
		if cmd.Price != o.price || int64(cmd.Qty) > o.qty {
			o.prio = seq
		}
		o.original += int64(cmd.Qty) - o.qty
		o.price, o.qty = cmd.Price, int64(cmd.Qty)
		ev.Kind, ev.Price, ev.Qty, ev.Remaining = wire.EventAmended, o.price, cmd.Qty, cmd.Qty
	}
	dst = append(dst, ev)
	m.counters.out(dst[start:])
	return dst, nil
}

func (m *Market) removePoolOrder(i int) {
	o := m.pool.orders[i]
	if o.tag != 0 {
		delete(m.clientIDs, clientKey{owner: o.owner, id: o.tag})
	}
	m.pool.orders = slices.Delete(m.pool.orders, i, i+1)
}

// expirePool removes the GTD orders of pool m due at now, in ID order.
func (m *Market) expirePool(seq uint64, now int64, cmd *wire.Command, dst []wire.Event) []wire.Event {
	for i := 0; i < len(m.pool.orders); {
		o := m.pool.orders[i]
		if o.expireAt == 0 || o.expireAt > now {
			i++
			continue
		}
		dst = append(dst, wire.Event{
			Seq: seq, Time: now, Kind: wire.EventExpired, Command: cmd.Kind, Participant: o.owner,
			Category: m.key.Category, OrderID: o.id, ClientOrderID: o.tag, Side: o.side, Price: o.price, Qty: catalog.Qty(o.qty),
		})
		m.removePoolOrder(i)
	}
	return dst
}

// cancelPoolOwner cancels every order of owner in pool m (a suspension).
func (m *Market) cancelPoolOwner(seq uint64, now int64, cmd *wire.Command, owner catalog.ParticipantID, dst []wire.Event) []wire.Event {
	for i := 0; i < len(m.pool.orders); {
		o := m.pool.orders[i]
		if o.owner != owner {
			i++
			continue
		}
		dst = append(dst, wire.Event{
			Seq: seq, Time: now, Kind: wire.EventCancelled, Cancel: orderbook.CancelSuspended, Command: cmd.Kind, Participant: o.owner,
			Category: m.key.Category, OrderID: o.id, ClientOrderID: o.tag, Side: o.side, Price: o.price, Qty: catalog.Qty(o.qty),
		})
		m.removePoolOrder(i)
	}
	return dst
}

// poolInput returns the clearing input of pool m: its requests and offers,
// each offer with its supplier's current rating.
func (e *Engine) poolInput(m *Market) ([]clearing.Request, []clearing.Offer) {
	var reqs []clearing.Request
	var offs []clearing.Offer
	for _, o := range m.pool.orders {
		if o.side == wire.Buy {
			reqs = append(reqs, o.request())
		} else {
			rt, _ := e.registry.parts.Rating(o.owner)
			offs = append(offs, o.offer(rt))
		}
	}
	return reqs, offs
}

// IndicativeClearing returns the clearing that CmdClearPool would make on
// pool m now: the fills with both prices, every order's outcome with its
// explanation (no compatible counterparty and the constraint that excluded
// the most candidates, priced out, or at the margin), each participant's
// surplus and the total. It changes nothing. Errors: ErrNotPool when m is
// not a pool; an error of package clearing (unreachable for a pool whose
// orders were all checked on entry). Cost: that of clearing.Clear over
// the pool's orders; it allocates the Result.
func (e *Engine) IndicativeClearing(m *Market) (clearing.Result, error) {
	if m.pool == nil {
		return clearing.Result{}, ErrNotPool
	}
	reqs, offs := e.poolInput(m)
	return clearing.Clear(e.clearingData(), reqs, offs)
}

// clearPool handles CmdClearPool on m.
func (e *Engine) clearPool(m *Market, seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	dst, now := m.expire(seq, cmd, dst)
	res, err := e.IndicativeClearing(m)
	if err != nil {
		r := clearingReason(err)
		dst = append(dst, rejected(seq, now, cmd, r))
		m.counters.out(dst[start:])
		return dst, r.Err()
	}
	for _, f := range res.Fills {
		ri, _ := m.pool.find(wire.OrderID(f.Request))
		oi, _ := m.pool.find(wire.OrderID(f.Offer))
		rq, of := m.pool.orders[ri], m.pool.orders[oi]
		rq.qty -= f.Qty
		rq.filled += f.Qty
		of.qty -= f.Qty
		of.filled += f.Qty
		dst = append(dst, wire.Event{
			Seq: seq, Time: now, Kind: wire.EventPoolFill, Command: cmd.Kind,
			Participant: rq.owner, Category: m.key.Category, Basis: m.key.Basis,
			OrderID: rq.id, ClientOrderID: rq.tag, Side: wire.Buy, Price: f.BuyerPrice, Qty: catalog.Qty(f.Qty), Remaining: catalog.Qty(rq.qty),
			MakerParticipant: of.owner, MakerOrderID: of.id, MakerClientOrderID: of.tag, MakerRemaining: catalog.Qty(of.qty),
			SellerPrice: f.SellerPrice, Transport: f.Transport, GradeDiff: f.GradeDiff,
		})
	}
	for i := 0; i < len(m.pool.orders); {
		o := m.pool.orders[i]
		if o.qty != 0 {
			i++
			continue
		}
		dst = append(dst, m.done(seq, now, cmd, o.owner, o.id, o.tag, o.side, o.price))
		m.pool.orders = slices.Delete(m.pool.orders, i, i+1)
	}
	dst = append(dst, wire.Event{
		Seq: seq, Time: now, Kind: wire.EventPoolCleared, Command: cmd.Kind, Category: m.key.Category,
		Qty: catalog.Qty(res.Volume), BestPrice: catalog.Price(res.Surplus),
	})
	m.counters.out(dst[start:])
	return dst, nil
}

// checkPool checks the invariants of pool m: orders in ascending ID order
// with m's index, each with a positive open quantity within its limits and
// conserved (filled + open = original), a known owner, a unique client
// order ID, and an empty book.
func (e *Engine) checkPool(m *Market) error {
	if err := e.checkPoolOrders(m); err != nil {
		return err
	}
	if e.pools[m.pool.root] != m {
		return fmt.Errorf("pool %v: not in the pool table", m.key)
	}
	return nil
}

// checkPoolOrders is checkPool but for the pool table, which a ScopeAdmin
// command may be changing: it reads m, the catalog and the registry only.
func (e *Engine) checkPoolOrders(m *Market) error {
	if err := m.checkPoolLocal(); err != nil {
		return err
	}
	for _, o := range m.pool.orders {
		switch {
		case !e.cat.Taxonomy.Covers(m.pool.root, o.cat):
			return fmt.Errorf("pool %v: order %d: category %d outside the pool", m.key, o.id, o.cat)
		case !e.known(o.owner):
			return fmt.Errorf("pool %v: order %d: unknown owner %d", m.key, o.id, o.owner)
		}
	}
	return nil
}

// mustHoldPool panics if pool m breaks its invariants; only builds with
// the invariants tag call it, after every pool command.
func (e *Engine) mustHoldPool(m *Market) {
	if err := e.checkPoolOrders(m); err != nil {
		panic(err)
	}
}

// checkPoolLocal checks what of checkPool reads m alone.
func (m *Market) checkPoolLocal() error {
	if m.book.Len() != 0 {
		return fmt.Errorf("pool %v: %d orders in its book", m.key, m.book.Len())
	}
	var last wire.OrderID
	tags := 0
	for _, o := range m.pool.orders {
		switch {
		case o.id <= last:
			return fmt.Errorf("pool %v: order %d after %d", m.key, o.id, last)
		case MarketIndexOf(o.id) != m.index || uint64(o.id)&localMask > m.nextLocal:
			return fmt.Errorf("pool %v: order %d not of this pool", m.key, o.id)
		case o.qty <= 0 || o.qty > clearing.MaxQty || o.filled < 0 || o.filled+o.qty != o.original:
			return fmt.Errorf("pool %v: order %d: open %d, filled %d, original %d", m.key, o.id, o.qty, o.filled, o.original)
		case o.price <= 0 || o.price > clearing.MaxPrice:
			return fmt.Errorf("pool %v: order %d: price %d", m.key, o.id, o.price)
		case o.side != wire.Buy && o.side != wire.Sell:
			return fmt.Errorf("pool %v: order %d: side %d", m.key, o.id, o.side)
		}
		if o.tag != 0 {
			tags++
			if _, ok := m.clientIDs[clientKey{owner: o.owner, id: o.tag}]; !ok {
				return fmt.Errorf("pool %v: order %d: client order ID %d not indexed", m.key, o.id, o.tag)
			}
		}
		last = o.id
	}
	if tags != len(m.clientIDs) {
		return fmt.Errorf("pool %v: %d client order IDs indexed for %d tagged orders", m.key, len(m.clientIDs), tags)
	}
	return nil
}

// appendPools writes the pools section: for each pool in index order its
// position in the market table, its order count, then per order in ID
// order: local number, owner, side, category, basis, the accepted bases,
// grade, lead time, rating, price, open, original and filled lots,
// expiry, client order ID and priority.
func (e *Engine) appendPools(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(e.pools)))
	for k, m := range e.markets.list {
		if m.pool == nil {
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(k+1))
		dst = binary.AppendUvarint(dst, uint64(len(m.pool.orders)))
		for _, o := range m.pool.orders {
			dst = binary.AppendUvarint(dst, uint64(o.id)&localMask)
			dst = binary.AppendUvarint(dst, uint64(o.owner))
			dst = append(dst, byte(o.side))
			dst = binary.AppendUvarint(dst, uint64(o.cat))
			dst = binary.AppendUvarint(dst, uint64(o.basis))
			dst = binary.AppendUvarint(dst, uint64(len(o.bases)))
			for _, b := range o.bases {
				dst = binary.AppendUvarint(dst, uint64(b))
			}
			dst = append(dst, byte(o.grade), o.rating)
			dst = binary.AppendVarint(dst, int64(o.lead))
			dst = binary.AppendVarint(dst, int64(o.price))
			dst = binary.AppendVarint(dst, o.qty)
			dst = binary.AppendVarint(dst, o.original)
			dst = binary.AppendVarint(dst, o.filled)
			dst = binary.AppendVarint(dst, o.expireAt)
			dst = binary.AppendUvarint(dst, o.tag)
			dst = binary.AppendUvarint(dst, o.prio)
		}
	}
	return dst
}

// restorePoolMarket restores the market-section entry of a pool (its
// orders come with the pools section).
func (e *Engine) restorePoolMarket(r *stateReader, i int, key wire.MarketKey, nextLocal uint64, mode orderbook.Mode, now int64) error {
	cat, ok := e.cat.Taxonomy.ByID(key.Category)
	switch {
	case !ok:
		return fmt.Errorf("pool %d: unknown category %d", i+1, key.Category)
	case nextLocal >= localMask || now < 0 || mode != orderbook.Continuous:
		return fmt.Errorf("pool %d: order number %d, clock %d, mode %d", i+1, nextLocal, now, mode)
	case e.poolConflict(key.Category):
		return fmt.Errorf("pool %d: %v overlaps an earlier market", i+1, key)
	}
	if buys, sells := r.count(12), r.count(12); buys != 0 || sells != 0 {
		return fmt.Errorf("pool %d: %d orders in its book", i+1, buys+sells)
	}
	m, err := e.openPoolMarket(cat)
	if err != nil {
		return err
	}
	m.nextLocal = nextLocal
	m.book.Expire(now, nil)
	if err := m.counters.restore(r); err != nil {
		return fmt.Errorf("pool %d counters: %w", i+1, err)
	}
	return nil
}

// restorePools reads the pools section (see appendPools), checking every
// order as a placement is checked.
func (e *Engine) restorePools(r *stateReader) error {
	n := r.count(2)
	if r.err != nil {
		return r.err
	}
	if n != len(e.pools) {
		return fmt.Errorf("%d pools in the section, %d in the markets", n, len(e.pools))
	}
	lastPos := 0
	for range n {
		pos := int(r.uvarint())
		cnt := r.count(16)
		if r.err != nil {
			return r.err
		}
		if pos <= lastPos || pos > len(e.markets.list) || e.markets.list[pos-1].pool == nil {
			return fmt.Errorf("pool at position %d", pos)
		}
		lastPos = pos
		m := e.markets.list[pos-1]
		for range cnt {
			o := &poolOrder{}
			local := r.uvarint()
			o.owner = catalog.ParticipantID(r.uvarint32())
			o.side = wire.Side(r.u8())
			o.cat = catalog.CategoryID(r.uvarint32())
			o.basis = catalog.BasisID(r.uvarint32())
			nb := r.count(1)
			if r.err == nil && nb > wire.MaxBases {
				return fmt.Errorf("pool %v: %d bases", m.key, nb)
			}
			for range nb {
				o.bases = append(o.bases, catalog.BasisID(r.uvarint32()))
			}
			o.grade, o.rating = catalog.Grade(r.u8()), r.u8()
			lead := r.varint()
			o.price = catalog.Price(r.varint())
			o.qty, o.original, o.filled = r.varint(), r.varint(), r.varint()
			o.expireAt = r.varint()
			o.tag = r.uvarint()
			o.prio = r.uvarint()
			if r.err != nil {
				return r.err
			}
			if local == 0 || local > m.nextLocal || lead < 0 || lead > int64(clearing.MaxLead) {
				return fmt.Errorf("pool %v: order %d, lead %d", m.key, local, lead)
			}
			o.lead = int32(lead)
			o.id = wire.OrderID(m.index<<marketShift | local)
			if k := len(m.pool.orders); k > 0 && m.pool.orders[k-1].id >= o.id {
				return fmt.Errorf("pool %v: order %d out of order", m.key, o.id)
			}
			cmd := wire.Command{
				Kind: wire.CmdPlace, Participant: o.owner, Category: o.cat, Basis: o.basis, Side: o.side,
				Price: o.price, Qty: catalog.Qty(o.qty), Bases: o.bases, Grade: o.grade, LeadTime: int64(o.lead), Rating: o.rating,
			}
			if o.expireAt != 0 {
				cmd.TIF, cmd.ExpireAt = wire.GTD, o.expireAt
			}
			if rr := e.poolCheck(m, &cmd, min(o.expireAt-1, m.book.Now())); rr != wire.ReasonNone {
				return fmt.Errorf("pool %v: order %d: %v", m.key, o.id, rr)
			}
			if o.tag != 0 {
				ck := clientKey{owner: o.owner, id: o.tag}
				if _, dup := m.clientIDs[ck]; dup {
					return fmt.Errorf("pool %v: client order ID %d of participant %d used twice", m.key, o.tag, o.owner)
				}
				m.clientIDs[ck] = struct{}{}
			}
			m.pool.orders = append(m.pool.orders, o)
		}
		if err := e.checkPool(m); err != nil {
			return err
		}
	}
	e.poolsRestored = true
	return nil
}
