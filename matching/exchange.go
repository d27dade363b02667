package matching

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
)

const (
	marketShift = 40                 // OrderID = market index << 40 | local number
	localMask   = 1<<marketShift - 1 // local order numbers per market
	maxMarkets  = 1<<(64-marketShift) - 1
)

// Config configures an Exchange. Zero fields mean the defaults.
type Config struct {
	// Catalog is the taxonomy and the delivery bases the exchange trades on.
	// Nil means catalog.Sample(). The exchange does not copy it: the caller
	// must not change it afterwards.
	Catalog *catalog.Catalog
	// DefaultSTP is the self-trade prevention policy for orders that leave
	// STP at STPDefault. Zero means STPCancelIncoming.
	DefaultSTP STP
}

// Validate reports whether the config is usable; errors wrap
// ErrInvalidConfig.
func (c Config) Validate() error {
	if c.DefaultSTP > STPCancelBoth {
		return fmt.Errorf("%w: DefaultSTP %v", ErrInvalidConfig, c.DefaultSTP)
	}
	if c.Catalog != nil {
		if c.Catalog.Taxonomy == nil || c.Catalog.Bases == nil {
			return fmt.Errorf("%w: catalog without taxonomy or bases", ErrInvalidConfig)
		}
		if err := c.Catalog.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

// Exchange is Agora's central exchange: it owns the catalog, the registry of
// participants and one order book per market, and turns Commands into
// Events. See the package documentation for the ordering guarantees.
//
// An Exchange is safe for concurrent use. Commands on different markets run
// in parallel; commands on one market are serialised by that market's lock.
type Exchange struct {
	seq atomic.Uint64
	_   [56]byte // keep the hot sequence counter on its own cache line

	cfg Config
	cat *catalog.Catalog

	// adminMu serialises market creation and participant changes. The
	// registry is written only with adminMu and every market lock held, so
	// it may be read with adminMu or with any one market lock held.
	adminMu sync.Mutex
	parts   *catalog.Participants
	table   atomic.Pointer[marketTable] // copy-on-write, replaced under adminMu

	outMu   sync.Mutex
	outside counterSet // commands that reached no market

	// registered is the number of registered participants (their IDs run
	// from 1); the message counters read it to ignore made-up IDs.
	registered atomic.Uint32

	// subs is written only under lockAll, so it may be read under adminMu
	// or any one market lock (the order path reads it to notify).
	subs subscriptions
	// tenders is guarded by adminMu.
	tenders tenders

	// dur is the journal of an exchange made by Open (durable.go); nil
	// for one made by New. It is set before the exchange is returned and
	// never changes.
	dur *durable
}

type marketTable struct {
	byKey map[MarketKey]*market
	list  []*market // list[i].index == i+1
}

// market is one book with its lock and per-market state.
type market struct {
	mu        sync.Mutex
	key       MarketKey
	index     uint64
	category  catalog.Category
	book      *orderbook.Book
	nextLocal uint64
	clientIDs map[clientKey]struct{}
	counters  counterSet
	scratch   []orderbook.Event
	hits      []subHit // notification scratch
}

type clientKey struct {
	owner catalog.ParticipantID
	id    uint64
}

// New returns an exchange with no participants and no markets; a market
// opens on its first valid order. It returns an error wrapping
// ErrInvalidConfig if cfg is invalid.
func New(cfg Config) (*Exchange, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Catalog == nil {
		c, err := catalog.Sample()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		cfg.Catalog = c
	}
	if cfg.DefaultSTP == STPDefault {
		cfg.DefaultSTP = STPCancelIncoming
	}
	x := &Exchange{cfg: cfg, cat: cfg.Catalog, parts: catalog.NewParticipants()}
	x.outside.known = &x.registered
	x.table.Store(&marketTable{byKey: map[MarketKey]*market{}})
	return x, nil
}

// Catalog returns the catalog the exchange trades on. It must not be changed.
func (x *Exchange) Catalog() *catalog.Catalog { return x.cat }

// Seq returns the sequence number of the last command processed.
func (x *Exchange) Seq() uint64 { return x.seq.Load() }

// Submit processes one command and appends its events to dst, which it
// returns. The events of the command carry one new sequence number.
//
// A refused command appends a single EventRejected (plus any GTD expiries
// that the command's time triggered first), changes nothing else, and
// returns the sentinel error of its reason (see RejectReason.Err); check it
// with errors.Is. A nil error means the command was accepted.
//
// Cost: CmdPlace, CmdCancel and CmdAmend cost what the market's book
// operation costs (O(log L) in price levels plus O(1) per fill) and allocate
// nothing when steady, once dst has room. CmdRegister, CmdSetStatus and a
// global CmdExpire lock every market: O(markets), plus O(orders) to cancel
// the resting orders of a suspended participant; so do CmdSubscribe,
// CmdUnsubscribe and CmdSetRating. A resting order and CmdOpenTender add
// O(depth) subscription-index lookups plus O(n log n) in the n matching
// subscriptions. CmdBid costs O(1) in a sealed tender and O(bids) in an
// auction (the bidder's rank); CmdCloseTender O(bids log bids). CmdUncross
// costs the book's uncross: O(log L + C) in the crossed levels plus O(1)
// per fill.
func (x *Exchange) Submit(cmd Command, dst []Event) ([]Event, error) {
	if x.dur != nil {
		return x.submitDurable(&cmd, dst)
	}
	return x.apply(&cmd, dst)
}

// apply routes one command. It takes exactly one sequence number per
// command, whatever the path.
func (x *Exchange) apply(cmd *Command, dst []Event) ([]Event, error) {
	if cmd.Kind == 0 || cmd.Kind >= cmdEnd {
		if tooLarge(cmd) {
			return x.rejectOutside(cmd, ReasonTooLarge, dst)
		}
		return x.rejectOutside(cmd, ReasonInvalidCommand, dst)
	}
	if r := checkShape(cmd); r != ReasonNone {
		return x.reject(cmd, r, dst)
	}
	switch cmd.Kind {
	case CmdPlace:
		return x.place(cmd, dst)
	case CmdCancel, CmdAmend:
		return x.modify(cmd, dst)
	case CmdRegister:
		return x.register(cmd, dst)
	case CmdSetStatus:
		return x.setStatus(cmd, dst)
	case CmdExpire:
		return x.expire(cmd, dst)
	case CmdSubscribe:
		return x.subscribe(cmd, dst)
	case CmdUnsubscribe:
		return x.unsubscribe(cmd, dst)
	case CmdListSubscriptions:
		return x.listSubscriptions(cmd, dst)
	case CmdSetRating:
		return x.setRating(cmd, dst)
	case CmdOpenTender:
		return x.openTender(cmd, dst)
	case CmdBid:
		return x.bid(cmd, dst)
	case CmdCloseTender:
		return x.closeTender(cmd, dst)
	case CmdCancelTender:
		return x.cancelTender(cmd, dst)
	case CmdSetMarketMode:
		return x.setMarketMode(cmd, dst)
	case CmdUncross:
		return x.uncross(cmd, dst)
	}
	return x.rejectOutside(cmd, ReasonInvalidCommand, dst)
}

// rejected returns the EventRejected of cmd at time now: the effective time
// of the command (see Command.Time).
func rejected(seq uint64, now int64, cmd *Command, r RejectReason) Event {
	return Event{
		Seq: seq, Time: now, Kind: EventRejected, Reject: r, Command: cmd.Kind,
		Participant: cmd.Participant, Category: cmd.Category, Basis: cmd.Basis,
		OrderID: cmd.OrderID, ClientOrderID: cmd.ClientOrderID, Side: cmd.Side,
		Price: cmd.Price, Qty: cmd.Qty, Subscription: cmd.Subscription, Tender: cmd.Tender,
	}
}

// reject refuses cmd for reason r before it reached its target. A command
// still advances the clock of the market or tender it names, if that
// exists: no clock goes backwards and a deadline, once passed, stays
// passed, whether the command that passed it was accepted or not. Its
// EventRejected carries the effective time (see Command.Time), after any
// GTD expiries the advance triggered.
func (x *Exchange) reject(cmd *Command, r RejectReason, dst []Event) ([]Event, error) {
	switch cmd.Kind {
	case CmdPlace, CmdExpire, CmdSetMarketMode, CmdUncross:
		if m := x.table.Load().byKey[cmd.Key()]; m != nil {
			return x.rejectIn(m, cmd, r, dst)
		}
	case CmdCancel, CmdAmend:
		if m := x.marketOf(cmd.OrderID); m != nil {
			return x.rejectIn(m, cmd, r, dst)
		}
	case CmdBid, CmdCloseTender, CmdCancelTender:
		return x.tenderCommand(cmd, dst, func(_ uint64, dst []Event) ([]Event, RejectReason) {
			if t := x.tenders.get(cmd.Tender); t != nil {
				t.advance(cmd.Time)
			}
			return dst, r
		})
	}
	return x.rejectOutside(cmd, r, dst)
}

// rejectIn refuses cmd for reason r on market m, advancing m's clock. The
// caller may hold adminMu, but not m.mu.
func (x *Exchange) rejectIn(m *market, cmd *Command, r RejectReason, dst []Event) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seq := x.seq.Add(1)
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	dst, now := m.expire(seq, cmd, dst)
	dst = append(dst, rejected(seq, now, cmd, r))
	m.counters.out(dst[start:])
	return dst, r.Err()
}

// rejectOutside rejects a command that reached no market and no tender.
func (x *Exchange) rejectOutside(cmd *Command, r RejectReason, dst []Event) ([]Event, error) {
	seq := x.seq.Add(1)
	start := len(dst)
	dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	x.outMu.Lock()
	x.outside.in(cmd.Participant, cmd.Kind)
	x.outside.out(dst[start:])
	x.outMu.Unlock()
	return dst, r.Err()
}

// checkOrder validates the fields of a new order that need no state.
func checkOrder(cmd *Command) RejectReason {
	switch {
	case !cmd.Side.Valid():
		return ReasonInvalidSide
	case cmd.Type != Limit && cmd.Type != Market:
		return ReasonInvalidType
	case cmd.TIF < GTC || cmd.TIF > FOK:
		return ReasonInvalidTIF
	case cmd.Type == Market && cmd.TIF != IOC && cmd.TIF != FOK:
		return ReasonInvalidTIF
	case cmd.TIF != GTD && cmd.ExpireAt != 0:
		return ReasonInvalidTIF
	case cmd.STP > STPCancelBoth:
		return ReasonInvalidSTP
	case cmd.Qty <= 0:
		return ReasonInvalidQty
	case cmd.MinQty < 0 || cmd.MinQty > cmd.Qty:
		return ReasonMinQtyExceedsQty
	case cmd.Type == Limit && cmd.Price <= 0:
		return ReasonInvalidPrice
	case cmd.Type == Market && cmd.Price != 0:
		return ReasonInvalidPrice
	case cmd.TIF == GTD && cmd.ExpireAt <= cmd.Time:
		return ReasonExpired
	}
	return ReasonNone
}

// checkSteps validates price and quantities against a category's tick and
// lot, and the notional against overflow.
func checkSteps(c *catalog.Category, price catalog.Price, qty, minQty catalog.Qty) RejectReason {
	// Steps of 1 (prices in ticks, quantities in lots) need no division.
	switch {
	case c.Tick != 1 && price%c.Tick != 0:
		return ReasonPriceNotOnTick
	case c.Lot != 1 && (qty%c.Lot != 0 || minQty%c.Lot != 0):
		return ReasonQtyNotOnLot
	}
	if _, ok := catalog.Notional(price, qty); !ok {
		return ReasonOverflow
	}
	return ReasonNone
}

// traderStatus checks that p may trade. The caller holds adminMu or a market
// lock.
func (x *Exchange) traderStatus(p catalog.ParticipantID) RejectReason {
	st, ok := x.parts.Status(p)
	switch {
	case !ok:
		return ReasonUnknownParticipant
	case st == catalog.StatusSuspended:
		return ReasonSuspended
	case !st.CanTrade():
		return ReasonNotVerified
	}
	return ReasonNone
}

func (x *Exchange) place(cmd *Command, dst []Event) ([]Event, error) {
	if r := checkOrder(cmd); r != ReasonNone {
		return x.reject(cmd, r, dst)
	}
	m := x.table.Load().byKey[cmd.Key()]
	if m == nil {
		return x.placeNewMarket(cmd, dst)
	}
	if r := checkSteps(&m.category, cmd.Price, cmd.Qty, cmd.MinQty); r != ReasonNone {
		return x.rejectIn(m, cmd, r, dst)
	}
	m.mu.Lock()
	dst, err := x.placeLocked(m, x.seq.Add(1), cmd, dst)
	m.mu.Unlock()
	return dst, err
}

// placeNewMarket validates an order on a market that does not exist yet and
// opens the market only if the order is valid. The sequence number is taken
// under adminMu so that markets open in sequence order.
func (x *Exchange) placeNewMarket(cmd *Command, dst []Event) ([]Event, error) {
	x.adminMu.Lock()
	m := x.table.Load().byKey[cmd.Key()]
	if m == nil {
		cat, r := x.tradable(cmd.Category)
		if r == ReasonNone {
			if _, ok := x.cat.Bases.ByID(cmd.Basis); !ok {
				r = ReasonUnknownBasis
			}
		}
		if r == ReasonNone {
			r = checkSteps(&cat, cmd.Price, cmd.Qty, cmd.MinQty)
		}
		if r == ReasonNone {
			r = x.traderStatus(cmd.Participant)
		}
		if r == ReasonNone && len(x.table.Load().list) >= maxMarkets {
			r = ReasonCapacity
		}
		if r != ReasonNone {
			dst, err := x.rejectOutside(cmd, r, dst)
			x.adminMu.Unlock()
			return dst, err
		}
		m = x.openMarket(cmd.Key(), cat)
	} else if r := checkSteps(&m.category, cmd.Price, cmd.Qty, cmd.MinQty); r != ReasonNone {
		dst, err := x.rejectIn(m, cmd, r, dst)
		x.adminMu.Unlock()
		return dst, err
	}
	m.mu.Lock()
	seq := x.seq.Add(1)
	x.adminMu.Unlock()
	dst, err := x.placeLocked(m, seq, cmd, dst)
	m.mu.Unlock()
	return dst, err
}

// tradable maps a category ID to its tradable leaf.
func (x *Exchange) tradable(id catalog.CategoryID) (catalog.Category, RejectReason) {
	c, err := x.cat.Taxonomy.Tradable(id)
	switch {
	case err == nil:
		return c, ReasonNone
	case errors.Is(err, catalog.ErrUnknownCategory):
		return c, ReasonUnknownCategory
	}
	return c, ReasonNotLeaf
}

// openMarket creates and publishes a market. The caller holds adminMu.
func (x *Exchange) openMarket(key MarketKey, cat catalog.Category) *market {
	old := x.table.Load()
	book, err := orderbook.New(orderbook.Config{DefaultSTP: x.cfg.DefaultSTP})
	if err != nil {
		panic(err) // the config was validated by New
	}
	m := &market{key: key, index: uint64(len(old.list) + 1), category: cat, book: book, clientIDs: map[clientKey]struct{}{}}
	m.counters.known = &x.registered
	t := &marketTable{byKey: make(map[MarketKey]*market, len(old.byKey)+1), list: append(slices.Clip(old.list), m)}
	for k, v := range old.byKey {
		t.byKey[k] = v
	}
	t.byKey[key] = m
	x.table.Store(t)
	return m
}

// placeLocked places a validated order. The caller holds m.mu.
func (x *Exchange) placeLocked(m *market, seq uint64, cmd *Command, dst []Event) ([]Event, error) {
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	dst, now := m.expire(seq, cmd, dst)
	r := ReasonNone
	if cmd.TIF == GTD && cmd.ExpireAt <= now {
		// The market's clock never goes backwards: a command older than
		// the market's latest time must still expire after it.
		r = ReasonExpired
	}
	if r == ReasonNone {
		r = x.traderStatus(cmd.Participant)
	}
	ck := clientKey{owner: cmd.Participant, id: cmd.ClientOrderID}
	if r == ReasonNone && cmd.ClientOrderID != 0 {
		if _, dup := m.clientIDs[ck]; dup {
			r = ReasonDuplicateClientOrderID
		}
	}
	if r == ReasonNone && m.nextLocal >= localMask {
		r = ReasonCapacity
	}
	if r != ReasonNone {
		dst = append(dst, rejected(seq, now, cmd, r))
		m.counters.out(dst[start:])
		return dst, r.Err()
	}
	m.nextLocal++
	id := OrderID(m.index<<marketShift | m.nextLocal)
	o := orderbook.Order{
		ID: id, Owner: cmd.Participant, Side: cmd.Side, Type: cmd.Type, TIF: cmd.TIF,
		Price: cmd.Price, Qty: cmd.Qty, MinQty: cmd.MinQty, ExpireAt: cmd.ExpireAt,
		STP: cmd.STP, Tag: cmd.ClientOrderID,
	}
	dst = append(dst, Event{
		Seq: seq, Time: now, Kind: EventAccepted, Command: cmd.Kind,
		Participant: cmd.Participant, Category: m.key.Category, Basis: m.key.Basis,
		OrderID: id, ClientOrderID: cmd.ClientOrderID, Side: cmd.Side,
		Price: cmd.Price, Qty: cmd.Qty, Remaining: cmd.Qty,
	})
	if cmd.ClientOrderID != 0 {
		m.clientIDs[ck] = struct{}{}
	}
	var err error
	m.scratch, _, err = m.book.Place(o, now, m.scratch[:0])
	if err != nil {
		// Unreachable: the order was validated above. Report it rather
		// than leave a half-applied command.
		panic(fmt.Sprintf("matching: book refused a validated order: %v", err))
	}
	dst = m.translate(seq, now, cmd, cmd.ClientOrderID, m.scratch, dst)
	if x.subs.live > 0 {
		if info, ok := m.book.Order(id); ok {
			// The order rests: it is a new request or offer.
			p := posting{
				kind: cmd.Kind, poster: cmd.Participant, cat: m.key.Category, basis: m.key.Basis,
				side: cmd.Side, price: cmd.Price, qty: cmd.Qty, remaining: info.Qty, order: id,
			}
			dst = x.notify(seq, now, &p, &m.hits, dst)
		}
	}
	m.counters.out(dst[start:])
	return dst, nil
}

// expire advances m's book to the command's time (never backwards) and
// returns the command's effective time on m: the market's clock, that is
// max(clock, cmd.Time). Every event of the command on m carries it. The
// caller holds m.mu.
func (m *market) expire(seq uint64, cmd *Command, dst []Event) ([]Event, int64) {
	m.scratch = m.book.Expire(cmd.Time, m.scratch[:0])
	now := m.book.Now()
	if len(m.scratch) == 0 {
		return dst, now
	}
	return m.translate(seq, now, cmd, 0, m.scratch, dst), now
}

// translate turns book events into exchange events, emitting EventDone for
// orders that filled completely and releasing the client order IDs of
// orders that left the book. takerTag is the client order ID of the
// incoming order; now is the command's effective time on m.
func (m *market) translate(seq uint64, now int64, cmd *Command, takerTag uint64, bevs []orderbook.Event, dst []Event) []Event {
	for i := range bevs {
		b := &bevs[i]
		e := Event{
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
			e.Kind = EventFill
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
			e.Kind, e.Cancel = EventCancelled, b.Reason
		case orderbook.EventExpire:
			e.Kind = EventExpired
		}
		if b.Remaining == 0 && b.Tag != 0 {
			delete(m.clientIDs, clientKey{owner: b.Owner, id: b.Tag})
		}
		dst = append(dst, e)
	}
	return dst
}

func (m *market) done(seq uint64, now int64, cmd *Command, owner catalog.ParticipantID, id OrderID, tag uint64, side Side, price catalog.Price) Event {
	if tag != 0 {
		delete(m.clientIDs, clientKey{owner: owner, id: tag})
	}
	return Event{
		Seq: seq, Time: now, Kind: EventDone, Command: cmd.Kind,
		Participant: owner, Category: m.key.Category, Basis: m.key.Basis,
		OrderID: id, ClientOrderID: tag, Side: side, Price: price,
	}
}

// marketOf returns the market that issued id, or nil.
func (x *Exchange) marketOf(id OrderID) *market {
	idx := uint64(id) >> marketShift
	list := x.table.Load().list
	if idx == 0 || idx > uint64(len(list)) {
		return nil
	}
	return list[idx-1]
}

// modify handles CmdCancel and CmdAmend.
func (x *Exchange) modify(cmd *Command, dst []Event) ([]Event, error) {
	if cmd.Kind == CmdAmend {
		switch {
		case cmd.Qty <= 0:
			return x.reject(cmd, ReasonInvalidQty, dst)
		case cmd.Price <= 0:
			return x.reject(cmd, ReasonInvalidPrice, dst)
		}
	}
	m := x.marketOf(cmd.OrderID)
	if m == nil {
		return x.rejectOutside(cmd, ReasonUnknownOrder, dst)
	}
	if (cmd.Category != 0 || cmd.Basis != 0) && cmd.Key() != m.key {
		return x.rejectIn(m, cmd, ReasonWrongMarket, dst)
	}
	if cmd.Kind == CmdAmend {
		if r := checkSteps(&m.category, cmd.Price, cmd.Qty, 0); r != ReasonNone {
			return x.rejectIn(m, cmd, r, dst)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	seq := x.seq.Add(1)
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	dst, now := m.expire(seq, cmd, dst)
	r := ReasonNone
	if cmd.Kind == CmdAmend {
		r = x.traderStatus(cmd.Participant)
	} else if _, ok := x.parts.Status(cmd.Participant); !ok {
		r = ReasonUnknownParticipant
	}
	var info orderbook.OrderInfo
	var err error
	if r == ReasonNone && cmd.Kind == CmdCancel {
		// The book checks existence and ownership itself and changes
		// nothing when either fails.
		m.scratch, err = m.book.Cancel(cmd.OrderID, cmd.Participant, now, m.scratch[:0])
		switch {
		case errors.Is(err, orderbook.ErrUnknownOrder):
			r = ReasonUnknownOrder
		case errors.Is(err, orderbook.ErrNotOwner):
			r = ReasonNotOwner
		}
	} else if r == ReasonNone {
		var ok bool
		info, ok = m.book.Order(cmd.OrderID)
		switch {
		case !ok:
			r = ReasonUnknownOrder
		case info.Owner != cmd.Participant:
			r = ReasonNotOwner
		}
	}
	if r != ReasonNone {
		dst = append(dst, rejected(seq, now, cmd, r))
		m.counters.out(dst[start:])
		return dst, r.Err()
	}
	if cmd.Kind == CmdAmend {
		dst = append(dst, Event{
			Seq: seq, Time: now, Kind: EventAmended, Command: cmd.Kind,
			Participant: cmd.Participant, Category: m.key.Category, Basis: m.key.Basis,
			OrderID: cmd.OrderID, ClientOrderID: info.Tag, Side: info.Side,
			Price: cmd.Price, Qty: cmd.Qty, Remaining: cmd.Qty,
		})
		m.scratch, _, err = m.book.Amend(cmd.OrderID, cmd.Participant, cmd.Price, cmd.Qty, now, m.scratch[:0])
	}
	if err != nil {
		panic(fmt.Sprintf("matching: book refused a validated %v: %v", cmd.Kind, err))
	}
	dst = m.translate(seq, now, cmd, info.Tag, m.scratch, dst)
	m.counters.out(dst[start:])
	return dst, nil
}

// lockAll takes adminMu and every market lock, in index order.
func (x *Exchange) lockAll() []*market {
	x.adminMu.Lock()
	list := x.table.Load().list
	for _, m := range list {
		m.mu.Lock()
	}
	return list
}

func (x *Exchange) unlockAll(list []*market) {
	for _, m := range list {
		m.mu.Unlock()
	}
	x.adminMu.Unlock()
}

func (x *Exchange) register(cmd *Command, dst []Event) ([]Event, error) {
	list := x.lockAll()
	defer x.unlockAll(list)
	seq := x.seq.Add(1)
	id, err := x.parts.Register(cmd.Name, cmd.INN, cmd.KPP)
	if err == nil {
		x.registered.Store(uint32(id))
	}
	var r RejectReason
	switch {
	case err == nil:
	case errors.Is(err, catalog.ErrInvalidINN):
		r = ReasonInvalidINN
	case errors.Is(err, catalog.ErrInvalidKPP):
		r = ReasonInvalidKPP
	case errors.Is(err, catalog.ErrDuplicateParticipant):
		r = ReasonDuplicateParticipant
	default:
		r = ReasonInvalidName
	}
	start := len(dst)
	if r != ReasonNone {
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	} else {
		dst = append(dst, Event{Seq: seq, Time: cmd.Time, Kind: EventRegistered, Command: cmd.Kind, Participant: id, Status: catalog.StatusPending})
	}
	x.outMu.Lock()
	x.outside.in(0, cmd.Kind)
	x.outside.out(dst[start:])
	x.outMu.Unlock()
	return dst, r.Err()
}

func (x *Exchange) setStatus(cmd *Command, dst []Event) ([]Event, error) {
	list := x.lockAll()
	defer x.unlockAll(list)
	seq := x.seq.Add(1)
	start := len(dst)
	err := x.parts.SetStatus(cmd.Participant, cmd.Status)
	var r RejectReason
	switch {
	case err == nil:
	case errors.Is(err, catalog.ErrUnknownParticipant):
		r = ReasonUnknownParticipant
	default:
		r = ReasonBadTransition
	}
	if r != ReasonNone {
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	} else {
		dst = append(dst, Event{Seq: seq, Time: cmd.Time, Kind: EventStatusChanged, Command: cmd.Kind, Participant: cmd.Participant, Status: cmd.Status})
	}
	x.outMu.Lock()
	x.outside.in(0, cmd.Kind)
	x.outside.out(dst[start:])
	x.outMu.Unlock()
	if r == ReasonNone && cmd.Status == catalog.StatusSuspended {
		var ids []OrderID
		for _, m := range list {
			ids = ids[:0]
			for _, side := range [2]Side{Buy, Sell} {
				for o := range m.book.Orders(side) {
					if o.Owner == cmd.Participant {
						ids = append(ids, o.ID)
					}
				}
			}
			slices.Sort(ids)
			mstart := len(dst)
			now := max(m.book.Now(), cmd.Time) // the market's effective time
			for _, id := range ids {
				m.scratch, _ = m.book.Cancel(id, cmd.Participant, now, m.scratch[:0])
				for i := range m.scratch {
					if m.scratch[i].Kind == orderbook.EventCancel && m.scratch[i].OrderID == id {
						m.scratch[i].Reason = orderbook.CancelSuspended
					}
				}
				dst = m.translate(seq, now, cmd, 0, m.scratch, dst)
			}
			m.counters.out(dst[mstart:])
		}
	}
	return dst, r.Err()
}

func (x *Exchange) expire(cmd *Command, dst []Event) ([]Event, error) {
	if cmd.Category == 0 && cmd.Basis == 0 {
		list := x.lockAll()
		defer x.unlockAll(list)
		seq := x.seq.Add(1)
		for _, m := range list {
			start := len(dst)
			dst, _ = m.expire(seq, cmd, dst)
			m.counters.out(dst[start:])
		}
		x.outMu.Lock()
		x.outside.in(cmd.Participant, cmd.Kind)
		x.outMu.Unlock()
		return dst, nil
	}
	m := x.table.Load().byKey[cmd.Key()]
	if m == nil {
		_, r := x.tradable(cmd.Category)
		if r == ReasonNone {
			r = ReasonUnknownBasis
			if _, ok := x.cat.Bases.ByID(cmd.Basis); ok {
				// A valid market that has never traded has nothing to expire.
				x.seq.Add(1)
				x.outMu.Lock()
				x.outside.in(cmd.Participant, cmd.Kind)
				x.outMu.Unlock()
				return dst, nil
			}
		}
		return x.rejectOutside(cmd, r, dst)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	seq := x.seq.Add(1)
	m.counters.in(cmd.Participant, cmd.Kind)
	start := len(dst)
	dst, _ = m.expire(seq, cmd, dst)
	m.counters.out(dst[start:])
	return dst, nil
}
