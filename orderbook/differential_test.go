package orderbook

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// opKind is one book command of a generated sequence.
type opKind uint8

const (
	opPlace opKind = iota
	opCancel
	opAmend
	opExpire
)

type op struct {
	kind  opKind
	order Order // opPlace
	id    OrderID
	owner catalog.ParticipantID
	price catalog.Price
	qty   catalog.Qty
	now   int64
}

func (o op) String() string {
	switch o.kind {
	case opPlace:
		return fmt.Sprintf("Place(%+v, now=%d)", o.order, o.now)
	case opCancel:
		return fmt.Sprintf("Cancel(id=%d, owner=%d, now=%d)", o.id, o.owner, o.now)
	case opAmend:
		return fmt.Sprintf("Amend(id=%d, owner=%d, price=%d, qty=%d, now=%d)", o.id, o.owner, o.price, o.qty, o.now)
	}
	return fmt.Sprintf("Expire(now=%d)", o.now)
}

// sentinels lists every error a Book method may return.
var sentinels = []error{
	ErrInvalidID, ErrDuplicateID, ErrUnknownOrder, ErrNotOwner, ErrInvalidOwner,
	ErrInvalidSide, ErrInvalidType, ErrInvalidTIF, ErrInvalidPrice, ErrInvalidQty,
	ErrInvalidMinQty, ErrInvalidSTP, ErrExpired, ErrOverflow, ErrCallMode,
	ErrCapacity, ErrInvalidConfig, ErrPriceNotOnTick, ErrQtyNotOnLot,
}

// sentinel returns the sentinel err wraps, or err itself.
func sentinel(err error) error {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

// harness drives a Book and the reference side by side, checking after every
// command that they agree, that the book's invariants hold, and that the
// events obey the rules independently of the reference.
type harness struct {
	t    testing.TB
	book *Book
	ref  *refBook
	chk  *eventChecker
	dst  []Event
	n    int
	log  []op // the last few commands, for failure messages
}

func newHarness(t testing.TB, cfg Config) *harness {
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Cancels leave their orders linked in books of any size, so that
	// every harness run meets them.
	b.buryFrom = 0
	return &harness{t: t, book: b, ref: newRefBook(cfg.DefaultSTP), chk: newEventChecker()}
}

func (h *harness) context() string {
	s := "recent commands:"
	for _, o := range h.log {
		s += "\n\t" + o.String()
	}
	return s
}

// apply runs o on b alone.
func apply(b *Book, o op, dst []Event) ([]Event, Result, error) {
	switch o.kind {
	case opPlace:
		return b.Place(o.order, o.now, dst)
	case opCancel:
		ev, err := b.Cancel(o.id, o.owner, o.now, dst)
		return ev, Result{}, err
	case opAmend:
		return b.Amend(o.id, o.owner, o.price, o.qty, o.now, dst)
	}
	return b.Expire(o.now, dst), Result{}, nil
}

func applyRef(r *refBook, o op) ([]Event, Result, error) {
	switch o.kind {
	case opPlace:
		return r.Place(o.order, o.now)
	case opCancel:
		ev, err := r.Cancel(o.id, o.owner, o.now)
		return ev, Result{}, err
	case opAmend:
		return r.Amend(o.id, o.owner, o.price, o.qty, o.now)
	}
	return r.Expire(o.now), Result{}, nil
}

// step applies o to both books and checks everything. It returns what the
// book returned (the events are valid until the next step).
func (h *harness) step(o op, full bool) ([]Event, Result, error) {
	t := h.t
	t.Helper()
	h.n++
	if len(h.log) == 8 {
		h.log = slices.Delete(h.log, 0, 1)
	}
	h.log = append(h.log, o)
	h.chk.before(h.book, o)
	ev, res, err := apply(h.book, o, h.dst[:0])
	h.dst = ev
	rev, rres, rerr := applyRef(h.ref, o)
	if sentinel(err) != sentinel(rerr) {
		t.Fatalf("op %d %v: error %v, reference %v\n%s", h.n, o, err, rerr, h.context())
	}
	if len(ev) != len(rev) || (len(ev) > 0 && !slices.Equal(ev, rev)) {
		t.Fatalf("op %d %v: events differ\nbook: %+v\nref:  %+v\n%s", h.n, o, ev, rev, h.context())
	}
	if res != rres {
		t.Fatalf("op %d %v: result %+v, reference %+v\n%s", h.n, o, res, rres, h.context())
	}
	if err := h.book.CheckInvariants(); err != nil {
		t.Fatalf("op %d %v: %v\n%s", h.n, o, err, h.context())
	}
	if full {
		h.compareState()
	}
	if msg := h.chk.after(h.book, o, ev, res, err); msg != "" {
		t.Fatalf("op %d %v: %s\nevents: %+v\n%s", h.n, o, msg, ev, h.context())
	}
	return ev, res, err
}

// compareState requires identical depth on both sides and identical orders
// (every field, in priority order) in the book and the reference.
func (h *harness) compareState() {
	t := h.t
	t.Helper()
	require.Equal(t, h.ref.Len(), h.book.Len(), "Len\n%s", h.context())
	for _, side := range [2]Side{Buy, Sell} {
		got := slices.Collect(h.book.Levels(side))
		want := h.ref.Depth(side)
		if len(got) != len(want) || (len(got) > 0 && !slices.Equal(got, want)) {
			t.Fatalf("after op %d: %v depth\nbook: %+v\nref:  %+v\n%s", h.n, side, got, want, h.context())
		}
		require.Equal(t, len(got), h.book.LevelCount(side))
		gotO := slices.Collect(h.book.Orders(side))
		wantO := h.ref.Orders(side)
		if len(gotO) != len(wantO) || (len(gotO) > 0 && !slices.Equal(gotO, wantO)) {
			t.Fatalf("after op %d: %v orders\nbook: %+v\nref:  %+v\n%s", h.n, side, gotO, wantO, h.context())
		}
		for _, oi := range wantO {
			info, ok := h.book.Order(oi.ID)
			require.True(t, ok)
			require.Equal(t, oi, info)
		}
		p, q, ok := h.book.best(side)
		if len(want) == 0 {
			require.False(t, ok)
		} else {
			require.True(t, ok)
			require.Equal(t, want[0].Price, p)
			require.Equal(t, want[0].Qty, q)
		}
	}
	require.Equal(t, h.ref.now, h.book.Now())
}

// gen produces random commands over a narrow price band with few owners, so
// that books cross often and self-trade prevention triggers.
type gen struct {
	r      *rand.Rand
	now    int64
	nextID OrderID
	used   []OrderID // every ID ever placed
}

func newGen(seed uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: 1000, nextID: 1}
}

const (
	genOwners = 3
	genMid    = 100
	genBand   = 5
)

func (g *gen) pct(p int) bool { return g.r.IntN(100) < p }

func (g *gen) tick() int64 {
	switch {
	case g.pct(60):
	case g.pct(90):
		g.now += 1 + g.r.Int64N(4)
	default:
		// An older time counts as the latest seen.
		return g.now - 1 - g.r.Int64N(5)
	}
	return g.now
}

func (g *gen) price() catalog.Price {
	return catalog.Price(genMid - genBand + g.r.IntN(2*genBand+1))
}

func (g *gen) owner() catalog.ParticipantID { return catalog.ParticipantID(1 + g.r.IntN(genOwners)) }

// live picks a resting order of the reference, if any.
func (g *gen) live(r *refBook) (OrderInfo, bool) {
	n := r.Len()
	if n == 0 {
		return OrderInfo{}, false
	}
	i := g.r.IntN(n)
	if i < len(r.bids) {
		return r.bids[i].info, true
	}
	return r.asks[i-len(r.bids)].info, true
}

func (g *gen) next(r *refBook) op {
	now := g.tick()
	switch k := g.r.IntN(100); {
	case k < 62:
		return op{kind: opPlace, order: g.order(now), now: now}
	case k < 77:
		o := op{kind: opCancel, now: now}
		if lo, ok := g.live(r); ok && g.pct(75) {
			o.id, o.owner = lo.ID, lo.Owner
		} else if len(g.used) > 0 && g.pct(80) {
			o.id, o.owner = g.used[g.r.IntN(len(g.used))], g.owner()
		} else {
			o.id, o.owner = g.nextID+OrderID(g.r.IntN(3)), g.owner()
		}
		if g.pct(8) {
			o.owner = o.owner%genOwners + 1 // foreign
		}
		return o
	case k < 96:
		o := op{kind: opAmend, now: now}
		lo, ok := g.live(r)
		if !ok || g.pct(5) {
			lo = OrderInfo{ID: g.nextID, Owner: g.owner(), Price: g.price(), Qty: 5}
		}
		o.id, o.owner, o.price, o.qty = lo.ID, lo.Owner, lo.Price, lo.Qty
		if g.pct(5) {
			o.owner = o.owner%genOwners + 1
		}
		if g.pct(55) {
			o.price = g.price()
		}
		switch q := g.r.IntN(100); {
		case q < 35:
			o.qty = max(1, lo.Qty-1-catalog.Qty(g.r.IntN(5)))
		case q < 65:
			o.qty = lo.Qty + 1 + catalog.Qty(g.r.IntN(8))
		case q < 95:
		case q < 97:
			o.qty = 0
		case q < 98:
			o.price = 0
		case q < 99:
			o.price = -3
		default:
			o.price = math.MaxInt64 / 2
		}
		return o
	}
	g.now += g.r.Int64N(12)
	return op{kind: opExpire, now: g.now}
}

func (g *gen) order(now int64) Order {
	o := Order{
		Owner: g.owner(),
		Side:  Buy,
		Type:  Limit,
		TIF:   GTC,
		Price: g.price(),
		Qty:   catalog.Qty(1 + g.r.IntN(12)),
		STP:   STP(g.r.IntN(4)),
		Tag:   g.r.Uint64N(1000),
	}
	if g.pct(50) {
		o.Side = Sell
	}
	switch t := g.r.IntN(100); {
	case t < 40:
	case t < 62:
		o.TIF = GTD
		o.ExpireAt = g.now + 1 + g.r.Int64N(25)
	case t < 80:
		o.TIF = IOC
	default:
		o.TIF = FOK
	}
	if g.pct(12) {
		o.Type, o.Price, o.ExpireAt = Market, 0, 0
		o.TIF = IOC
		if g.pct(40) {
			o.TIF = FOK
		}
	}
	switch m := g.r.IntN(100); {
	case m < 65:
	case m < 85:
		o.MinQty = catalog.Qty(1 + g.r.IntN(int(o.Qty)))
	default:
		o.MinQty = o.Qty // all-or-none
	}
	switch {
	case len(g.used) > 0 && g.pct(4):
		o.ID = g.used[g.r.IntN(len(g.used))] // dead (fine) or live (duplicate)
	default:
		o.ID = g.nextID
		g.nextID++
		g.used = append(g.used, o.ID)
	}
	if g.pct(6) {
		g.corrupt(&o, now)
	}
	return o
}

// corrupt breaks one field of o.
func (g *gen) corrupt(o *Order, now int64) {
	switch g.r.IntN(14) {
	case 0:
		o.ID = 0
	case 1:
		o.Owner = 0
	case 2:
		o.Side = Side(3 * g.r.IntN(2))
	case 3:
		o.Type = OrderType(3 * g.r.IntN(2))
	case 4:
		o.TIF = TimeInForce(5 * g.r.IntN(2))
	case 5:
		o.Type, o.TIF, o.Price = Market, GTC, 0
	case 6:
		o.ExpireAt = now + 5 // on a non-GTD order, or a GTD one: valid then
	case 7:
		o.TIF, o.ExpireAt = GTD, max(now, g.now)-g.r.Int64N(3)
	case 8:
		o.Price = -o.Price
	case 9:
		o.Type, o.TIF, o.ExpireAt, o.Price = Market, IOC, 0, 7
	case 10:
		o.Qty = -catalog.Qty(g.r.IntN(2))
	case 11:
		o.MinQty = o.Qty + 1
	case 12:
		o.STP = STP(4 + g.r.IntN(3))
	default:
		o.Type, o.Price, o.Qty, o.MinQty = Limit, math.MaxInt64/2, 3, 0
	}
}

// longRun reports whether AGORA_LONG is set, which multiplies the random
// test sizes by ten.
func longRun() int {
	if os.Getenv("AGORA_LONG") != "" {
		return 10
	}
	return 1
}

// runRandom applies n generated commands with the given seed.
func runRandom(t *testing.T, seed uint64, n int, cfg Config) *harness {
	h := newHarness(t, cfg)
	g := newGen(seed)
	for i := 0; i < n; i++ {
		o := g.next(h.ref)
		h.step(o, h.ref.Len() <= 48 || i%16 == 0)
	}
	h.compareState()
	return h
}

// TestDifferentialPaged runs the random commands of TestDifferential on
// books that page their orders from the first one and whose ID window
// spans 4 pages, so that the few orders of these small books rest in page
// blocks, move to the hash index as their pages thin out or leave the
// window, and must behave exactly as the reference's all the same.
func TestDifferentialPaged(t *testing.T) {
	n := 20_000 * longRun()
	if testing.Short() {
		n /= 10
	}
	for i, seed := range []uint64{3, 0x51075} {
		cfg := Config{DefaultSTP: STP(i % 4)}
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, cfg)
			h.book.slots.small, h.book.slots.span = 0, 4
			g := newGen(seed)
			paged, moved := 0, 0
			h.book.slots.moved = func(from, to int32) {
				moved++
				h.book.relink(from, to)
			}
			for i := 0; i < n; i++ {
				h.step(g.next(h.ref), true)
				paged = max(paged, h.book.slots.dense)
			}
			h.compareState()
			require.NotZero(t, paged, "no order rested in a page block")
			require.NotZero(t, moved, "no order moved out of a page")
		})
	}
}

// TestDifferential runs 4 seeds × 50,000 random commands (× 10 with
// AGORA_LONG=1) against the reference matcher.
func TestDifferential(t *testing.T) {
	n := 50_000 * longRun()
	if testing.Short() {
		n /= 10
	}
	for i, seed := range []uint64{1, 2, 0xa90a, 20261127} {
		cfg := Config{DefaultSTP: STP(i % 4)} // default, resting, incoming, both
		t.Run(fmt.Sprintf("seed=%d/stp=%v", seed, cfg.DefaultSTP), func(t *testing.T) {
			t.Parallel()
			h := runRandom(t, seed, n, cfg)
			t.Logf("%d commands: %d fills, %d cancels, %d expiries, %d errors, %d minqty skips seen",
				h.n, h.chk.stats.fills, h.chk.stats.cancels, h.chk.stats.expiries, h.chk.stats.errors, h.chk.stats.skips)
			// The random mix must actually exercise the rules it claims to.
			s := h.chk.stats
			for name, v := range map[string]int{
				"fills": s.fills, "stp": s.stp, "fok-kill": s.fokKill, "expiries": s.expiries,
				"amend-down": s.amendDown, "errors": s.errors, "minqty skips": s.skips,
			} {
				if v == 0 {
					t.Errorf("random run never produced %s", name)
				}
			}
		})
	}
}
