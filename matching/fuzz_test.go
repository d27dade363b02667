package matching

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
)

// The engine fuzzer turns bytes into a sequence of commands on a fresh
// exchange over the sample catalog, checks the exchange's contracts after
// every command, and then replays the same commands, each one encoded and
// decoded, on a second exchange, which must produce the same events byte for
// byte.
//
// Byte layout of one command (a missing byte reads as 0):
//
//	kind  time  kind-specific bytes...
//
// kind%32 picks the command: 0-13 place, 14-18 cancel, 19-23 amend, 24
// expire, 25 market mode or uncross (call auctions), 26 set status, 27
// register, 28-29 subscriptions and ratings, 30 tenders, 31 an invalid kind. time moves the clock forward by time%4,
// or back by 1+time%5 when time >= 248.

// fzParticipants is the number of companies the harness registers before
// the fuzzed commands: 1-4 verified, 5 pending, 6 suspended.
const fzParticipants = 6

// fzMaxCommands bounds one fuzz input, to keep executions fast.
const fzMaxCommands = 400

// fzOrder is the harness's view of one accepted order, built from events
// alone.
type fzOrder struct {
	id       OrderID
	key      MarketKey
	owner    catalog.ParticipantID
	side     Side
	typ      OrderType
	tif      TimeInForce
	price    catalog.Price
	minQty   catalog.Qty
	expireAt int64
	// Quantity accounting: orig = filled + cancelled + expired + open.
	orig, filled, cancelled, expired, open catalog.Qty
	done                                   bool // a terminal event was seen
}

// fzMarket is a market the generator may address: a valid market, or an
// invalid key (unknown or non-tradable category, unknown basis).
type fzMarket struct {
	key        MarketKey
	tick       catalog.Price
	lot        catalog.Qty
	mid        catalog.Price
	valid      bool
	categories []catalog.CategoryID // the category and its ancestors, for subscriptions
}

// fzCtx describes the command being checked in a failure message. It is
// formatted only when a check fails.
type fzCtx struct {
	h   *fzHarness
	cmd *Command
	err error
	evs []Event
}

func (c *fzCtx) String() string {
	if c.cmd == nil {
		return fmt.Sprintf("after %d commands", len(c.h.cmds))
	}
	return fmt.Sprintf("command %d: %+v\nerror: %v\nevents: %+v", len(c.h.cmds), *c.cmd, c.err, c.evs)
}

// fzHarness generates commands from bytes, applies them to an exchange and
// checks every event against its own model.
type fzHarness struct {
	t       testing.TB
	x       *Exchange
	markets []fzMarket

	data []byte
	pos  int

	now, maxNow int64
	nRegistered int
	cmds        []Command // every command submitted, in order
	all         []Event   // every event, in order
	stream      []byte    // AppendEvent of every event
	dst         []Event

	orders  map[OrderID]*fzOrder
	call    map[MarketKey]bool // markets in call mode
	recent  []OrderID          // recently accepted orders, newest last
	status  map[catalog.ParticipantID]catalog.Status
	maxPart catalog.ParticipantID
	subs    []SubscriptionID
	tenders []TenderID
	seq     uint64

	uncrossed catalog.Qty // volume of the current command's uncross fills

	// The model's clocks: the latest time each market and each tender has
	// seen. Every command that names an existing market or tender advances
	// it, accepted or not, and its events carry the advanced clock.
	mclock map[MarketKey]int64
	tclock map[TenderID]int64
}

func newFzHarness(t testing.TB, data []byte) *fzHarness {
	t.Helper()
	x, err := New(Config{})
	require.NoError(t, err)
	h := &fzHarness{
		t: t, x: x, data: data, now: 1000, maxNow: 1000,
		orders: map[OrderID]*fzOrder{},
		call:   map[MarketKey]bool{},
		status: map[catalog.ParticipantID]catalog.Status{},
		mclock: map[MarketKey]int64{},
		tclock: map[TenderID]int64{},
	}
	cat := x.Catalog()
	leaf := func(code string) catalog.Category {
		c, ok := cat.Taxonomy.ByCode(code)
		require.True(t, ok, code)
		return c
	}
	basis := func(code string) catalog.BasisID {
		b, ok := cat.Bases.ByCode(code)
		require.True(t, ok, code)
		return b.ID
	}
	valid := func(code, b string) fzMarket {
		c := leaf(code)
		m := fzMarket{key: MarketKey{Category: c.ID, Basis: basis(b)}, tick: c.Tick, lot: c.Lot, mid: 5000 * c.Tick, valid: true}
		for id := c.ID; id != 0; {
			m.categories = append(m.categories, id)
			cc, ok := cat.Taxonomy.ByID(id)
			require.True(t, ok)
			id = cc.Parent
		}
		return m
	}
	cement, rebar := valid("23.51.12", "MSK"), valid("24.10.62.110", "SPB")
	h.markets = []fzMarket{
		cement,
		valid("23.51.12", "SPB"),
		rebar,
		{key: MarketKey{Category: leaf("23.51").ID, Basis: cement.key.Basis}, tick: 100, lot: 1, mid: 500_000}, // not a leaf
		{key: MarketKey{Category: 9999, Basis: cement.key.Basis}, tick: 100, lot: 1, mid: 500_000},             // unknown category
		{key: MarketKey{Category: cement.key.Category, Basis: 999}, tick: 100, lot: 1, mid: 500_000},           // unknown basis
	}

	// The fixed prologue: six companies in every moderation status.
	for i := 1; i <= fzParticipants; i++ {
		h.apply(Command{Kind: CmdRegister, Time: h.now, Name: fmt.Sprintf("Company %d", i), INN: fzINN(i)})
	}
	for p := catalog.ParticipantID(1); p <= 4; p++ {
		h.apply(Command{Kind: CmdSetStatus, Time: h.now, Participant: p, Status: catalog.StatusVerified})
	}
	h.apply(Command{Kind: CmdSetStatus, Time: h.now, Participant: 6, Status: catalog.StatusSuspended})
	require.Equal(t, catalog.ParticipantID(fzParticipants), h.maxPart)
	return h
}

// fzINN returns a valid 10-digit INN derived from n.
func fzINN(n int) string { return innOf("55", n) }

// next returns the next input byte, or 0 past the end.
func (h *fzHarness) next() byte {
	h.pos++
	if h.pos > len(h.data) {
		return 0
	}
	return h.data[h.pos-1]
}

// run generates and applies commands until the input or the budget runs
// out, then checks the whole book and replays.
func (h *fzHarness) run(maxCmds int) {
	for n := 0; n < maxCmds && h.pos < len(h.data); n++ {
		h.apply(h.generate())
		if n%512 == 511 {
			h.checkBooks()
		}
	}
	h.checkBooks()
	h.checkCounters()
	h.replay()
}

// checkCounters checks the exchange's message counts against the commands
// and events: one message in per command, one out per event addressed to a
// participant, two for a fill (both sides) and an award (winner and buyer).
func (h *fzHarness) checkCounters() {
	var want Counters
	for i := range h.cmds {
		switch h.cmds[i].Kind {
		case CmdPlace:
			want.Postings++
		case CmdCancel:
			want.Cancels++
		case CmdAmend:
			want.Amends++
		default:
			want.Other++
		}
	}
	for i := range h.all {
		e := &h.all[i]
		switch {
		case e.Participant == 0:
		case e.Kind == EventFill:
			want.Fills += 2
		case e.Kind == EventNotified:
			want.Notifications++
		case e.Kind == EventAwarded:
			want.Reports += 2
		default:
			want.Reports++
		}
	}
	got := h.x.TotalCounters()
	require.Equal(h.t, want.In(), got.In(), "messages in: %+v", got)
	require.Equal(h.t, want.Out(), got.Out(), "messages out: %+v", got)
	require.Equal(h.t, want.Postings, got.Postings)
	require.Equal(h.t, want.Cancels, got.Cancels)
	require.Equal(h.t, want.Amends, got.Amends)
	require.Equal(h.t, want.Fills, got.Fills)
	require.Equal(h.t, want.Notifications, got.Notifications)
}

func (h *fzHarness) participant(b byte) catalog.ParticipantID {
	if b < 160 {
		return 1 + catalog.ParticipantID(b%4) // verified at the start
	}
	switch v := int(b) % (int(h.maxPart) + 2); {
	case v == int(h.maxPart)+1:
		return h.maxPart + 1 + catalog.ParticipantID(b) // unknown
	default:
		return catalog.ParticipantID(v) // 0 is invalid
	}
}

func (h *fzHarness) market(b byte) *fzMarket {
	if b < 224 {
		return &h.markets[int(b)%3]
	}
	return &h.markets[3+int(b)%3]
}

// price returns a price in a narrow band around m's mid price, sometimes off
// the tick, zero or negative.
func (h *fzHarness) price(m *fzMarket, b byte) catalog.Price {
	p := m.mid + m.tick*catalog.Price(int(b%9)-4)
	switch {
	case b >= 250:
		return p + 1 // off the tick
	case b >= 247:
		return 0
	case b >= 244:
		return -p
	case b == 243:
		return math.MaxInt64 / 2 // notional overflow
	}
	return p
}

// qty returns a quantity of 1 to 6 lots, sometimes off the lot, zero or
// negative.
func (h *fzHarness) qty(m *fzMarket, b byte) catalog.Qty {
	q := m.lot * catalog.Qty(1+b%6)
	switch {
	case b >= 250:
		return q + 1 // off the lot, unless the lot is 1
	case b >= 247:
		return 0
	case b >= 244:
		return -q
	case b == 243:
		return math.MaxInt64 / 3 // notional overflow
	}
	return q
}

// orderRef picks an order ID for a cancel or amend: usually a recently
// accepted order, sometimes a random or zero ID.
func (h *fzHarness) orderRef(b byte) OrderID {
	if b < 192 {
		// A live order, newest first, if there is one.
		for k, i := int(b)%8, len(h.recent)-1; i >= 0; i-- {
			if o := h.orders[h.recent[i]]; !o.done {
				if k == 0 {
					return o.id
				}
				k--
			}
		}
	}
	switch {
	case b < 224 && len(h.recent) > 0:
		return h.recent[len(h.recent)-1-int(b)%len(h.recent)] // perhaps finished
	case b < 240:
		return OrderID(uint64(1+b%4)<<marketShift | uint64(h.next()))
	case b < 248:
		return OrderID(h.next()) // no market
	}
	return 0
}

// generate decodes the next command from the input.
func (h *fzHarness) generate() Command {
	kind, tb := h.next(), h.next()
	if tb >= 248 {
		h.now -= 1 + int64(tb%5)
	} else {
		h.now += int64(tb % 4)
	}
	h.maxNow = max(h.maxNow, h.now)
	c := Command{Time: h.now}
	switch k := kind % 32; {
	case k < 14:
		c.Kind = CmdPlace
		c.Participant = h.participant(h.next())
		m := h.market(h.next())
		c.Category, c.Basis = m.key.Category, m.key.Basis
		flags, odd := h.next(), h.next()
		c.Side = Buy + Side(flags&1)
		c.Type = Limit
		if flags&0x0e == 0x0e {
			c.Type = Market
		}
		switch flags >> 4 & 3 {
		case 0:
			c.TIF = GTC
		case 1:
			c.TIF = GTD
		case 2:
			c.TIF = IOC
		case 3:
			c.TIF = FOK
		}
		if flags&2 == 0 && c.TIF != GTD {
			c.TIF = GTC // so that half the orders rest
		}
		c.STP = STP(flags >> 6)
		switch odd {
		case 255:
			c.Side = Side(flags % 4 * 3) // 0, 3, 6, 9
		case 254:
			c.Type = OrderType(flags % 2 * 3)
		case 253:
			c.TIF = TimeInForce(5 + flags%3)
		case 252:
			c.STP = STP(4 + flags%4)
		}
		pb, qb, mb, eb, cb := h.next(), h.next(), h.next(), h.next(), h.next()
		if c.Type == Limit || pb == 242 {
			c.Price = h.price(m, pb)
		}
		c.Qty = h.qty(m, qb)
		switch mb % 8 {
		case 5:
			c.MinQty = m.lot
		case 6:
			c.MinQty = c.Qty // all-or-none
		case 7:
			c.MinQty = c.Qty + m.lot*catalog.Qty(mb%3) - m.lot // one lot less, AON, or one lot more
		}
		if mb >= 250 {
			c.MinQty = -m.lot
		}
		if c.TIF == GTD {
			c.ExpireAt = h.now + 1 + int64(eb%40)
			if eb >= 240 {
				c.ExpireAt = h.now - int64(eb%3) // not after the command time
			}
		} else if eb == 255 {
			c.ExpireAt = h.now + 5 // only GTD may expire
		}
		if cb%4 != 0 {
			c.ClientOrderID = uint64(cb % 8) // small IDs, so duplicates happen
		}
	case k < 24:
		c.Kind = CmdCancel
		if k >= 19 {
			c.Kind = CmdAmend
		}
		c.OrderID = h.orderRef(h.next())
		pb := h.next()
		c.Participant = h.participant(pb)
		if o := h.orders[c.OrderID]; o != nil && pb < 200 {
			c.Participant = o.owner
		}
		if c.Kind == CmdAmend {
			m := &h.markets[0]
			if key, ok := h.x.MarketOf(c.OrderID); ok {
				for i := range h.markets[:3] {
					if h.markets[i].key == key {
						m = &h.markets[i]
					}
				}
			}
			prb, qb := h.next(), h.next()
			c.Price, c.Qty = h.price(m, prb), h.qty(m, qb)
			if o := h.orders[c.OrderID]; o != nil && prb%3 == 0 && prb < 240 {
				c.Price = o.price // keep the price: a reduction keeps priority
			}
		}
	case k == 25:
		b := h.next()
		m := h.market(h.next())
		c.Category, c.Basis = m.key.Category, m.key.Basis
		if b%3 == 0 {
			c.Kind = CmdSetMarketMode
			switch b / 3 % 4 {
			case 0:
				c.MarketMode = MarketContinuous
			case 1, 2:
				c.MarketMode = MarketCall
			case 3:
				c.MarketMode = MarketMode(b % 2 * 7) // invalid
			}
			break
		}
		c.Kind = CmdUncross
		c.RefPrice = h.price(m, h.next())
	case k == 24:
		c.Kind = CmdExpire
		b := h.next()
		h.now += int64(b % 16)
		h.maxNow = max(h.maxNow, h.now)
		c.Time = h.now
		if b%4 != 0 {
			m := h.market(h.next())
			c.Category, c.Basis = m.key.Category, m.key.Basis
		}
	case k == 26:
		c.Kind = CmdSetStatus
		c.Participant = h.participant(h.next())
		switch b := h.next(); b % 8 {
		case 0:
			c.Status = catalog.StatusSuspended
		case 1:
			c.Status = catalog.Status(b % 3 * 2) // 0 and 4 are invalid, 2 is verified
		case 2:
			c.Status = catalog.StatusPending // never a valid target
		default:
			c.Status = catalog.StatusVerified
		}
	case k == 27:
		c.Kind = CmdRegister
		b := h.next()
		h.nRegistered++
		c.Name = fmt.Sprintf("New company %d", h.nRegistered)
		c.INN = fzINN(100 + h.nRegistered)
		switch b % 8 {
		case 0:
			c.INN = fzINN(1) // duplicate
		case 1:
			c.INN = c.INN[:9] + "x"
		case 2:
			c.Name = " "
		case 3:
			c.KPP = "7701AB001"
		case 4:
			c.KPP = "77"
		}
	case k < 30:
		h.genSubscription(&c)
	case k == 30:
		h.genTender(&c)
	default:
		c.Kind = CommandKind(h.next() % 2 * 200) // 0 or 200
		c.Participant = 1
	}
	return c
}

// genSubscription generates subscription and rating commands.
func (h *fzHarness) genSubscription(c *Command) {
	b, p := h.next(), h.next()
	c.Participant = h.participant(p)
	switch b % 4 {
	case 0, 1:
		c.Kind = CmdSubscribe
		m := h.market(h.next())
		c.Category = m.key.Category
		if len(m.categories) > 0 {
			c.Category = m.categories[int(b)%len(m.categories)]
		}
		f := h.next()
		if f&1 != 0 {
			c.Bases = []catalog.BasisID{m.key.Basis}
			if f&2 != 0 {
				c.Bases = append(c.Bases, h.markets[1].key.Basis, m.key.Basis)
			}
		}
		if f&4 != 0 {
			c.MinQty = m.lot * catalog.Qty(f>>4%4)
		}
		if f&8 != 0 {
			c.MaxQty = m.lot * catalog.Qty(f>>6)
		}
	case 2:
		c.Kind = CmdUnsubscribe
		s := h.next()
		if len(h.subs) > 0 && s < 200 {
			c.Subscription = h.subs[int(s)%len(h.subs)]
		} else {
			c.Subscription = SubscriptionID(s % 8)
		}
	case 3:
		if b&4 != 0 {
			c.Kind = CmdListSubscriptions
			return
		}
		c.Kind = CmdSetRating
		c.Rating = h.next() % 128 // above catalog.MaxRating sometimes
	}
}

// genTender generates tender commands with mostly plausible terms.
func (h *fzHarness) genTender(c *Command) {
	b, p := h.next(), h.next()
	c.Participant = h.participant(p)
	tender := func() TenderID {
		s := h.next()
		if len(h.tenders) > 0 && s < 200 {
			return h.tenders[int(s)%len(h.tenders)]
		}
		return TenderID(s % 4)
	}
	switch b % 5 {
	case 0:
		c.Kind = CmdOpenTender
		m := h.market(h.next())
		c.Category, c.Basis = m.key.Category, m.key.Basis
		c.Qty = h.qty(m, h.next())
		f := h.next()
		if f&1 != 0 {
			c.Price = m.mid + m.tick*10
		}
		c.CloseAt = h.now + int64(f>>1%8)
		c.TenderMode = TenderSealed
		if f&16 != 0 {
			c.TenderMode, c.Decrement, c.Extension = TenderAuction, m.tick, int64(f>>5%3)
		}
		c.Evaluation = EvalLowestPrice
		if f&128 != 0 {
			c.Evaluation, c.WeightPrice, c.WeightLeadTime, c.WeightRating = EvalWeighted, 6000, 3000, 1000
		}
		w := h.next()
		c.MinWinners, c.MaxWinners = uint16(w%3), uint16(w>>2%4)
		c.SubscribersOnly = w&64 != 0
	case 1, 2:
		c.Kind = CmdBid
		c.Tender = tender()
		m := &h.markets[0]
		c.Price, c.Qty = h.price(m, h.next()), h.qty(m, h.next())
		c.LeadTime = int64(h.next() % 8)
	case 3:
		c.Kind = CmdCloseTender
		c.Tender = tender()
		if p%2 == 0 {
			c.Participant = 0 // the operator
		}
	case 4:
		c.Kind = CmdCancelTender
		c.Tender = tender()
	}
}

// clocks returns the effective time of each event of cmd, from the model's
// clocks before cmd, and advances the model's clocks as cmd will.
func (h *fzHarness) clocks(cmd *Command) func(e *Event) int64 {
	x := h.x
	exists := func(k MarketKey) bool { return x.byKey.Get(keyOf(k)) != nil }
	var key MarketKey
	switch cmd.Kind {
	case CmdPlace, CmdSetMarketMode, CmdUncross:
		key = cmd.Key()
	case CmdExpire:
		if cmd.Category == 0 && cmd.Basis == 0 {
			before := maps.Clone(h.mclock)
			for _, k := range x.Markets() {
				h.mclock[k] = max(h.mclock[k], cmd.Time)
			}
			return func(e *Event) int64 { return max(before[e.Key()], cmd.Time) }
		}
		key = cmd.Key()
	case CmdCancel, CmdAmend:
		if k, ok := x.MarketOf(cmd.OrderID); ok {
			key = k
		}
	case CmdSetStatus:
		before := maps.Clone(h.mclock)
		return func(e *Event) int64 {
			if e.Kind == EventStatusChanged || e.Kind == EventRejected {
				return cmd.Time
			}
			k := e.Key()
			if k == (MarketKey{}) {
				return cmd.Time
			}
			h.mclock[k] = max(before[k], cmd.Time)
			return h.mclock[k]
		}
	case CmdBid, CmdCloseTender, CmdCancelTender:
		if _, ok := x.Tender(cmd.Tender); !ok {
			return func(*Event) int64 { return cmd.Time }
		}
		h.tclock[cmd.Tender] = max(h.tclock[cmd.Tender], cmd.Time)
		at := h.tclock[cmd.Tender]
		return func(*Event) int64 { return at }
	case CmdOpenTender:
		return func(e *Event) int64 {
			if e.Kind == EventTenderOpened {
				h.tclock[e.Tender] = cmd.Time
			}
			return cmd.Time
		}
	default:
		return func(*Event) int64 { return cmd.Time }
	}
	if key == (MarketKey{}) {
		return func(*Event) int64 { return cmd.Time }
	}
	existed := exists(key)
	return func(*Event) int64 {
		if !existed && !exists(key) {
			return cmd.Time // no market: no clock
		}
		h.mclock[key] = max(h.mclock[key], cmd.Time) // a new market's clock starts at 0
		return h.mclock[key]
	}
}

// apply submits cmd, checks its events and updates the model.
func (h *fzHarness) apply(cmd Command) {
	t := h.t
	h.cmds = append(h.cmds, cmd)
	timeOf := h.clocks(&cmd)
	var err error
	h.dst, err = h.x.Submit(cmd, h.dst[:0])
	evs := h.dst
	h.seq++
	require.Equal(t, h.seq, h.x.Seq(), "one sequence number per command")
	for i := range evs {
		h.stream = AppendEvent(h.stream, &evs[i])
	}
	h.all = append(h.all, evs...)

	ctx := &fzCtx{h: h, cmd: &cmd, err: err, evs: evs}

	// Every event carries the command's sequence number, time and kind; a
	// rejection is the last event, matches the error, and follows nothing
	// but expiries.
	rejects := 0
	for i := range evs {
		e := &evs[i]
		require.Equal(t, h.seq, e.Seq, ctx)
		require.Equal(t, timeOf(e), e.Time, "the effective time\n%s", ctx)
		require.Equal(t, cmd.Kind, e.Command, ctx)
		require.True(t, e.Kind > 0 && e.Kind < eventEnd, ctx)
		if e.Kind == EventRejected {
			rejects++
			require.Equal(t, len(evs)-1, i, "a rejection is the last event\n%s", ctx)
			require.Error(t, err, ctx)
			require.NotNil(t, e.Reject.Err(), ctx)
			require.True(t, errors.Is(err, e.Reject.Err()), "error %v, reject %v\n%s", err, e.Reject, ctx)
		} else {
			require.Equal(t, ReasonNone, e.Reject, ctx)
		}
	}
	if err != nil {
		require.Equal(t, 1, rejects, "a refused command appends one EventRejected\n%s", ctx)
		for i := range evs[:len(evs)-1] {
			require.Equal(t, EventExpired, evs[i].Kind, "only expiries precede a rejection\n%s", ctx)
		}
	} else {
		require.Zero(t, rejects, ctx)
	}
	require.NoError(t, h.x.CheckInvariants(), ctx)
	timeOf(&Event{}) // advances the model for a command without events
	for _, k := range h.x.Markets() {
		require.Equal(t, h.mclock[k], h.x.Clock(k), "clock of market %v\n%s", k, ctx)
	}
	for id := TenderID(1); ; id++ {
		info, ok := h.x.Tender(id)
		if !ok {
			break
		}
		require.Equal(t, h.tclock[id], info.Clock, "clock of tender %d\n%s", id, ctx)
	}

	touched := map[OrderID]bool{}
	h.uncrossed = 0
	var accepted *fzOrder
	for i := range evs {
		h.event(&cmd, &evs[i], touched, &accepted, ctx)
	}
	if cmd.Kind == CmdPlace && err == nil {
		require.NotNil(t, accepted, "an accepted order emits EventAccepted\n%s", ctx)
	}
	if accepted != nil {
		o := accepted
		require.NoError(t, err, ctx)
		switch {
		case o.tif == FOK:
			require.True(t, o.filled == 0 || o.filled == o.orig, "FOK filled %d of %d\n%s", o.filled, o.orig, ctx)
			require.True(t, o.done, ctx)
		case o.tif == IOC || o.typ == Market:
			require.True(t, o.done, "IOC and market orders never rest\n%s", ctx)
		}
	}
	for id := range touched {
		h.checkOrder(h.orders[id], ctx)
	}
	switch {
	case err != nil:
	case cmd.Kind == CmdSetStatus && cmd.Status == catalog.StatusSuspended:
		for _, o := range h.orders {
			require.False(t, !o.done && o.owner == cmd.Participant, "suspended participant %d keeps order %d\n%s", cmd.Participant, o.id, ctx)
		}
	case cmd.Kind == CmdExpire:
		for _, o := range h.orders {
			if !o.done && o.tif == GTD && (cmd.Category == 0 || o.key == cmd.Key()) {
				require.Greater(t, o.expireAt, cmd.Time, "order %d outlived its expiry\n%s", o.id, ctx)
			}
		}
	}
}

// event checks one event against the model and updates it.
func (h *fzHarness) event(cmd *Command, e *Event, touched map[OrderID]bool, accepted **fzOrder, ctx *fzCtx) {
	t := h.t
	live := func(id OrderID) *fzOrder {
		o := h.orders[id]
		require.NotNil(t, o, "event for unknown order %d\n%s", id, ctx)
		require.False(t, o.done, "event for finished order %d\n%s", id, ctx)
		require.Equal(t, o.key, e.Key(), ctx)
		touched[id] = true
		return o
	}
	switch e.Kind {
	case EventRegistered:
		require.Equal(t, h.maxPart+1, e.Participant, ctx)
		h.maxPart = e.Participant
		h.status[e.Participant] = catalog.StatusPending
	case EventStatusChanged:
		h.status[e.Participant] = e.Status
	case EventSubscribed:
		h.subs = append(h.subs, e.Subscription)
	case EventTenderOpened:
		h.tenders = append(h.tenders, e.Tender)
	case EventAccepted:
		require.Equal(t, CmdPlace, cmd.Kind, ctx)
		require.Nil(t, *accepted, "one acceptance per command\n%s", ctx)
		require.NotZero(t, e.OrderID, ctx)
		require.Nil(t, h.orders[e.OrderID], "order ID %d reused\n%s", e.OrderID, ctx)
		require.Equal(t, catalog.StatusVerified, h.status[cmd.Participant], "only verified participants trade\n%s", ctx)
		require.Equal(t, cmd.Participant, e.Participant, ctx)
		require.Equal(t, cmd.Key(), e.Key(), ctx)
		require.Equal(t, cmd.Qty, e.Qty, ctx)
		require.Equal(t, cmd.Qty, e.Remaining, ctx)
		key, ok := h.x.MarketOf(e.OrderID)
		require.True(t, ok, ctx)
		require.Equal(t, cmd.Key(), key, ctx)
		o := &fzOrder{
			id: e.OrderID, key: cmd.Key(), owner: cmd.Participant, side: cmd.Side, typ: cmd.Type, tif: cmd.TIF,
			price: cmd.Price, minQty: cmd.MinQty, expireAt: cmd.ExpireAt, orig: cmd.Qty, open: cmd.Qty,
		}
		h.orders[o.id] = o
		*accepted = o
		touched[o.id] = true
		h.recent = append(h.recent, o.id)
		if len(h.recent) > 24 {
			h.recent = h.recent[1:]
		}
	case EventFill:
		taker, maker := live(e.OrderID), live(e.MakerOrderID)
		require.NotEqual(t, taker.owner, maker.owner, "self-trade\n%s", ctx)
		require.Equal(t, taker.owner, e.Participant, ctx)
		require.Equal(t, maker.owner, e.MakerParticipant, ctx)
		require.Equal(t, catalog.StatusVerified, h.status[taker.owner], "unverified taker traded\n%s", ctx)
		require.Equal(t, catalog.StatusVerified, h.status[maker.owner], "unverified maker traded\n%s", ctx)
		require.Equal(t, taker.side, e.Side, ctx)
		require.Equal(t, taker.side.Opposite(), maker.side, ctx)
		require.Positive(t, e.Qty, ctx)
		require.LessOrEqual(t, e.Qty, taker.open, ctx)
		require.LessOrEqual(t, e.Qty, maker.open, ctx)
		if cmd.Kind == CmdUncross {
			// Both orders rested; each trades at the uniform price within
			// its limit.
			buy, sell := taker, maker
			if buy.side == Sell {
				buy, sell = sell, buy
			}
			require.LessOrEqual(t, e.Price, buy.price, "uncross above the buyer's limit\n%s", ctx)
			require.GreaterOrEqual(t, e.Price, sell.price, "uncross below the seller's limit\n%s", ctx)
			h.uncrossed += e.Qty
		} else {
			require.False(t, h.call[e.Key()], "continuous fill in a call-mode market\n%s", ctx)
			require.Equal(t, maker.price, e.Price, "a fill is at the resting order's price\n%s", ctx)
		}
		if taker.typ == Limit && cmd.Kind != CmdUncross {
			if taker.side == Buy {
				require.LessOrEqual(t, e.Price, taker.price, "fill above the buyer's limit\n%s", ctx)
			} else {
				require.GreaterOrEqual(t, e.Price, taker.price, "fill below the seller's limit\n%s", ctx)
			}
		}
		if cmd.Kind != CmdUncross { // MinQty does not apply in an uncross
			require.GreaterOrEqual(t, e.Qty, min(taker.minQty, taker.open), "fill below the taker's MinQty\n%s", ctx)
			require.GreaterOrEqual(t, e.Qty, min(maker.minQty, maker.open), "fill below the maker's MinQty\n%s", ctx)
		}
		taker.open -= e.Qty
		taker.filled += e.Qty
		maker.open -= e.Qty
		maker.filled += e.Qty
		require.Equal(t, taker.open, e.Remaining, ctx)
		require.Equal(t, maker.open, e.MakerRemaining, ctx)
	case EventMarketMode:
		require.Equal(t, CmdSetMarketMode, cmd.Kind, ctx)
		h.call[e.Key()] = e.MarketMode == MarketCall
	case EventUncrossed:
		require.Equal(t, CmdUncross, cmd.Kind, ctx)
		require.Equal(t, h.uncrossed, e.Qty, "uncrossed volume is the sum of the fills\n%s", ctx)
		require.Zero(t, e.Participant, ctx)
	case EventDone:
		o := live(e.OrderID)
		require.Equal(t, o.owner, e.Participant, ctx)
		require.Zero(t, o.open, "done with open quantity\n%s", ctx)
		o.done = true
	case EventCancelled:
		o := live(e.OrderID)
		require.Equal(t, o.owner, e.Participant, ctx)
		require.Positive(t, e.Qty, ctx)
		require.LessOrEqual(t, e.Qty, o.open, ctx)
		require.NotZero(t, e.Cancel, ctx)
		o.open -= e.Qty
		o.cancelled += e.Qty
		require.Equal(t, o.open, e.Remaining, ctx)
		o.done = o.open == 0
	case EventExpired:
		o := live(e.OrderID)
		require.Equal(t, GTD, o.tif, ctx)
		require.Equal(t, o.open, e.Qty, ctx)
		require.LessOrEqual(t, o.expireAt, h.maxNow, "expired early\n%s", ctx)
		o.expired += e.Qty
		o.open = 0
		o.done = true
	case EventAmended:
		require.Equal(t, CmdAmend, cmd.Kind, ctx)
		o := live(e.OrderID)
		require.Equal(t, cmd.Participant, o.owner, "amended by another participant\n%s", ctx)
		require.Equal(t, catalog.StatusVerified, h.status[o.owner], ctx)
		require.Equal(t, cmd.Price, e.Price, ctx)
		require.Equal(t, cmd.Qty, e.Remaining, ctx)
		o.price = e.Price
		if e.Remaining > o.open {
			// An increase adds to the order; a decrease is reported as
			// an EventCancelled (amend-down) that follows.
			o.orig += e.Remaining - o.open
			o.open = e.Remaining
		}
	}
	if e.Kind == EventCancelled && cmd.Kind == CmdCancel && e.Cancel == orderbook.CancelRequested {
		require.Equal(t, cmd.OrderID, e.OrderID, ctx)
		require.Equal(t, cmd.Participant, e.Participant, "cancelled by another participant\n%s", ctx)
	}
}

// checkOrder compares the model of one order with the book.
func (h *fzHarness) checkOrder(o *fzOrder, ctx *fzCtx) {
	t := h.t
	require.Equal(t, o.orig, o.filled+o.cancelled+o.expired+o.open, "order %d does not conserve quantity %+v\n%s", o.id, *o, ctx)
	require.GreaterOrEqual(t, o.open, catalog.Qty(0), ctx)
	info, ok := h.x.Order(o.id)
	if o.done {
		require.Zero(t, o.open, ctx)
		require.False(t, ok, "finished order %d still in the book\n%s", o.id, ctx)
		return
	}
	require.True(t, ok, "open order %d missing from the book %+v\n%s", o.id, *o, ctx)
	require.Positive(t, o.open, ctx)
	require.Equal(t, o.open, info.Qty, "order %d\n%s", o.id, ctx)
	require.Equal(t, o.owner, info.Owner, ctx)
	require.Equal(t, o.side, info.Side, ctx)
	require.Equal(t, o.price, info.Price, ctx)
	require.Equal(t, o.orig, info.Original, ctx)
	require.Equal(t, o.filled, info.Filled, ctx)
}

// checkBooks checks every order of the model against the book, and that
// the book holds no other order.
func (h *fzHarness) checkBooks() {
	ctx := &fzCtx{h: h}
	open := 0
	for _, o := range h.orders {
		h.checkOrder(o, ctx)
		if !o.done {
			open++
		}
	}
	resting := 0
	for _, k := range h.x.Markets() {
		for _, side := range [2]Side{Buy, Sell} {
			for _, lv := range h.x.Depth(k, side, math.MaxInt, nil) {
				resting += lv.Orders
			}
		}
	}
	require.Equal(h.t, open, resting, "resting orders the events do not explain")
}

// replay runs the recorded commands, each through the codec, on a fresh
// exchange and requires the same event stream, byte for byte.
func (h *fzHarness) replay() {
	t := h.t
	x, err := New(Config{})
	require.NoError(t, err)
	var buf, stream []byte
	var dst []Event
	for i := range h.cmds {
		buf = AppendCommand(buf[:0], &h.cmds[i])
		c, n, err := DecodeCommand(buf)
		require.NoError(t, err)
		require.Equal(t, len(buf), n)
		require.Equal(t, h.cmds[i], c)
		dst, _ = x.Submit(c, dst[:0])
		for j := range dst {
			stream = AppendEvent(stream, &dst[j])
		}
	}
	if string(stream) != string(h.stream) {
		// Find the first event that differs, for the report.
		a, b := h.stream, stream
		for i := 0; ; i++ {
			ea, na, errA := DecodeEvent(a)
			eb, nb, errB := DecodeEvent(b)
			require.NoError(t, errA)
			require.NoError(t, errB)
			require.Equal(t, ea, eb, "replay diverges at event %d", i)
			a, b = a[na:], b[nb:]
		}
	}
	require.Equal(t, h.x.Seq(), x.Seq())
	// The recorded stream decodes back to the events.
	s := h.stream
	for i := range h.all {
		e, n, err := DecodeEvent(s)
		require.NoError(t, err)
		want := h.all[i]
		if len(want.Bases) == 0 {
			want.Bases = nil
		}
		require.Equal(t, want, e)
		s = s[n:]
	}
	require.Empty(t, s)
}

// fzSeeds are hand-made inputs for FuzzExchange (see the byte layout above).
func fzSeeds() [][]byte {
	// Participant bytes: 0-3 select the verified companies 1-4; 165 the
	// pending company 5 (while there are six).
	const p1, p2, p3, p4, pending = 0, 1, 2, 3, 165
	const buy, sell = 0x00, 0x01
	const gtd, ioc, fok = 0x10, 0x22, 0x32
	const market = 0x0e
	// place: kind time participant market flags odd price qty minQty expiry
	// clientID. Price byte 4 is the mid price; qty byte n is n+1 lots.
	place := func(p, m, flags, price, qty, minQ, exp, coid byte) []byte {
		return []byte{0, 1, p, m, flags, 0, price, qty, minQ, exp, coid}
	}
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	return [][]byte{
		// A buyer and a seller cross at the mid price.
		cat(place(p1, 0, buy, 4, 1, 0, 0, 0), place(p2, 0, sell, 4, 1, 0, 0, 0)),
		// A ladder of offers partly swept by a market buy, then a buy that
		// meets its owner's own offer (self-trade prevention).
		cat(place(p2, 0, sell, 4, 0, 0, 0, 1), place(p3, 0, sell, 5, 1, 0, 0, 2), place(p2, 0, sell, 6, 2, 0, 0, 3),
			place(p1, 0, buy|market|ioc, 0, 3, 0, 0, 0), place(p2, 0, buy, 8, 5, 0, 0, 0)),
		// GTD orders on the rebar market (lot 20): one expires on a
		// market expiry, the other on a global one.
		cat(place(p1, 2, buy|gtd, 3, 0, 0, 2, 0), place(p3, 2, sell|gtd, 6, 0, 0, 5, 0), []byte{24, 0, 3, 2}, []byte{24, 0, 8}),
		// An all-or-none offer that a small FOK cannot take and a matching
		// FOK takes whole.
		cat(place(p1, 1, sell, 4, 2, 6, 0, 0), place(p2, 1, buy|fok, 4, 0, 0, 0, 0), place(p3, 1, buy|fok, 4, 2, 0, 0, 0)),
		// Amend up, amend down, a cancel by a stranger, a cancel.
		cat(place(p1, 0, buy, 2, 3, 0, 0, 5), []byte{19, 1, 0, 0, 3, 5}, []byte{19, 1, 0, 0, 0, 0}, []byte{14, 1, 0, 205}, []byte{14, 1, 0, 0}),
		// Suspending a participant cancels its orders; then it is verified
		// again.
		cat(place(p4, 0, buy, 1, 1, 0, 0, 0), place(p4, 1, sell, 7, 1, 0, 0, 0), []byte{26, 0, p4, 0}, []byte{26, 0, p4, 3}),
		// Time goes back; an invalid side on an unknown basis; a pending
		// company; registrations with a KPP and a duplicate INN; an
		// invalid kind.
		cat([]byte{0, 250, p1, 230, 0, 255, 4, 1, 0, 0, 0}, place(pending, 0, buy, 4, 0, 0, 0, 0),
			[]byte{27, 0, 3}, []byte{27, 0, 0}, []byte{31, 0, 1}),
		// A subscription notified of an offer; a sealed tender with a bid,
		// closed by the operator after its close time.
		cat([]byte{28, 0, 0, p2, 0, 1}, place(p1, 0, sell, 4, 1, 0, 0, 0),
			[]byte{30, 0, 0, p1, 0, 2, 0x0f, 0}, []byte{30, 0, 1, p2, 0, 4, 2, 3}, []byte{24, 0, 12}, []byte{30, 0, 3, 0, 0}),
	}
}

func FuzzExchange(f *testing.F) {
	for _, s := range fzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h := newFzHarness(t, data)
		h.run(fzMaxCommands)
	})
}

// TestExchangeRandomized runs the fuzz harness over a long random command
// sequence from a fixed seed.
func TestExchangeRandomized(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 2_000
	}
	rng := rand.New(rand.NewPCG(20240601, 7))
	data := make([]byte, n*12)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	h := newFzHarness(t, data)
	h.run(n)
	require.GreaterOrEqual(t, len(h.cmds), n)
	var fills, accepted int
	kinds, reasons := map[EventKind]int{}, map[RejectReason]int{}
	for i := range h.all {
		kinds[h.all[i].Kind]++
		reasons[h.all[i].Reject]++
		switch h.all[i].Kind {
		case EventFill:
			fills++
		case EventAccepted:
			accepted++
		}
	}
	t.Logf("%d commands, %d events, %d orders accepted, %d fills", len(h.cmds), len(h.all), accepted, fills)
	t.Logf("events by kind: %v", kinds)
	t.Logf("rejections by reason: %v", reasons)
	require.Positive(t, fills)
}

// TestExchangeSeeds runs the hand-made fuzz seeds and checks that they
// reach what their comments say.
func TestExchangeSeeds(t *testing.T) {
	want := []map[EventKind]int{
		{EventAccepted: 2, EventFill: 1, EventDone: 2},
		{EventAccepted: 5, EventFill: 3, EventCancelled: 1},
		{EventAccepted: 2, EventExpired: 2},
		{EventAccepted: 3, EventFill: 1, EventCancelled: 1},
		{EventAccepted: 1, EventAmended: 2, EventCancelled: 2, EventRejected: 1},
		{EventAccepted: 2, EventCancelled: 2, EventStatusChanged: 7},
		{EventRejected: 4, EventRegistered: 7},
		{EventSubscribed: 1, EventNotified: 2, EventTenderOpened: 1, EventBidAccepted: 1, EventAwarded: 1, EventTenderClosed: 1},
	}
	seeds := fzSeeds()
	require.Len(t, want, len(seeds))
	for i, s := range seeds {
		h := newFzHarness(t, s)
		h.run(fzMaxCommands)
		got := map[EventKind]int{}
		for _, e := range h.all {
			got[e.Kind]++
		}
		for k, n := range want[i] {
			require.Equal(t, n, got[k], "seed %d: %v events; all: %v", i, k, got)
		}
	}
}
