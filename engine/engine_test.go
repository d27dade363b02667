package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/wire"
)

// TestDeterministicImports holds the engine to its rule: no locks, no
// clock, no randomness, no I/O, no goroutines. It lists the package's
// imports with go list and parses every file for a go statement.
func TestDeterministicImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", ".").Output()
	require.NoError(t, err)
	imports := strings.Fields(string(out))
	require.NotEmpty(t, imports)
	for _, banned := range []string{"sync", "sync/atomic", "time", "math/rand", "math/rand/v2", "crypto/rand", "os", "net", "unsafe"} {
		require.NotContains(t, imports, banned, "package engine must not import %s", banned)
	}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GoStmt); ok {
				t.Errorf("%s: the engine starts no goroutine", fset.Position(g.Pos()))
			}
			return true
		})
	}
}

// TestScopesComplete checks that the scope table gives every command kind a
// scope, and that unknown kinds fall to ScopeAdmin.
func TestScopesComplete(t *testing.T) {
	for k := wire.CommandKind(1); k <= wire.MaxCommandKind; k++ {
		require.NotZero(t, scopes[k], "kind %v has no scope", k)
		require.Less(t, scopes[k], scopeEnd)
	}
	require.Len(t, scopes, int(wire.MaxCommandKind)+1)
	require.Equal(t, ScopeAdmin, ScopeOf(&wire.Command{Kind: 0}))
	require.Equal(t, ScopeAdmin, ScopeOf(&wire.Command{Kind: wire.MaxCommandKind + 1}))
	require.Equal(t, ScopeAll, ScopeOf(&wire.Command{Kind: wire.CmdExpire}))
	require.Equal(t, ScopeMarket, ScopeOf(&wire.Command{Kind: wire.CmdExpire, Category: 1, Basis: 1}))
	for s := Scope(1); s < scopeEnd; s++ {
		require.NotContains(t, s.String(), "invalid")
	}
}

// TestApplyMarketOnlyTouchesItsMarket checks the partition the front door
// relies on: after a ScopeMarket command on an open market, every other
// part of the state encodes as before.
func TestApplyMarketOnlyTouchesItsMarket(t *testing.T) {
	e, err := New(Config{})
	require.NoError(t, err)
	cat := e.Catalog()
	cement, _ := cat.Taxonomy.ByCode("23.51.12")
	msk, _ := cat.Bases.ByCode("MSK")
	spb, _ := cat.Bases.ByCode("SPB")
	var seq uint64
	apply := func(c wire.Command) []wire.Event {
		seq++
		evs, _ := e.Apply(seq, &c, nil)
		return evs
	}
	p := apply(wire.Command{Kind: wire.CmdRegister, Name: "A", INN: "7707083893"})[0].Participant
	q := apply(wire.Command{Kind: wire.CmdRegister, Name: "B", INN: "7736207543"})[0].Participant
	apply(wire.Command{Kind: wire.CmdSetStatus, Participant: p, Status: 2})
	apply(wire.Command{Kind: wire.CmdSetStatus, Participant: q, Status: 2})
	order := wire.Command{Kind: wire.CmdPlace, Category: cement.ID, Side: wire.Buy, Type: wire.Limit, TIF: wire.GTC, Price: 500_000, Qty: 5}
	for _, b := range []catalog.BasisID{msk.ID, spb.ID} {
		o := order
		o.Participant, o.Basis = p, b
		apply(o)
	}
	other := e.Market(wire.MarketKey{Category: cement.ID, Basis: spb.ID})
	m := e.Market(wire.MarketKey{Category: cement.ID, Basis: msk.ID})
	require.NotNil(t, other)
	require.NotNil(t, m)

	before := e.AppendState(nil, 0, nil)
	otherBefore := other.appendState(nil)
	outside := e.outside.appendState(nil)
	for _, c := range []wire.Command{
		{Kind: wire.CmdPlace, Participant: q, Category: cement.ID, Basis: msk.ID, Side: wire.Sell, Type: wire.Limit, TIF: wire.GTC, Price: 500_000, Qty: 2, Time: 5},
		{Kind: wire.CmdPlace, Participant: q, Category: cement.ID, Basis: msk.ID, Side: 9, Type: wire.Limit, TIF: wire.GTC, Price: 500_000, Qty: 2, Time: 6},
		{Kind: wire.CmdCancel, Participant: q, OrderID: wire.OrderID(m.Index()<<wire.OrderMarketShift | 1), Time: 7},
		{Kind: wire.CmdExpire, Category: cement.ID, Basis: msk.ID, Time: 8},
		{Kind: wire.CmdUncross, Category: cement.ID, Basis: msk.ID, RefPrice: 0, Time: 9},
	} {
		seq++
		_, _ = e.ApplyMarket(m, seq, &c, nil)
	}
	require.NotEqual(t, before, e.AppendState(nil, 0, nil), "the market itself changed")
	require.Equal(t, otherBefore, other.appendState(nil), "another market changed")
	require.Equal(t, outside, e.outside.appendState(nil), "the outside counters changed")
}

// TestBookCapacityIsATypedRejection fills a market's book to its bound: an
// order that would rest beyond it is refused with ReasonCapacity, state
// unchanged, and one that trades at once still does. No path panics.
func TestBookCapacityIsATypedRejection(t *testing.T) {
	e, err := New(Config{MaxOrdersPerMarket: 2})
	require.NoError(t, err)
	cat := e.Catalog()
	cement, _ := cat.Taxonomy.ByCode("23.51.12")
	msk, _ := cat.Bases.ByCode("MSK")
	var seq uint64
	apply := func(c wire.Command) ([]wire.Event, error) {
		seq++
		return e.Apply(seq, &c, nil)
	}
	evs, err := apply(wire.Command{Kind: wire.CmdRegister, Name: "A", INN: "7707083893"})
	require.NoError(t, err)
	p := evs[0].Participant
	evs, err = apply(wire.Command{Kind: wire.CmdRegister, Name: "B", INN: "7736207543"})
	require.NoError(t, err)
	q := evs[0].Participant
	for _, who := range []catalog.ParticipantID{p, q} {
		_, err = apply(wire.Command{Kind: wire.CmdSetStatus, Participant: who, Status: catalog.StatusVerified})
		require.NoError(t, err)
	}
	buy := wire.Command{Kind: wire.CmdPlace, Participant: p, Category: cement.ID, Basis: msk.ID, Side: wire.Buy, Type: wire.Limit, TIF: wire.GTC, Price: 500_000, Qty: 1}
	for range 2 {
		_, err = apply(buy)
		require.NoError(t, err)
	}
	m := e.Market(wire.MarketKey{Category: cement.ID, Basis: msk.ID})
	before := m.appendState(nil)
	evs, err = apply(buy)
	require.ErrorIs(t, err, wire.ErrCapacity)
	require.Len(t, evs, 1)
	require.Equal(t, wire.ReasonCapacity, evs[0].Reject)
	after := m.appendState(nil)
	require.NotEqual(t, before, after, "the refusal is counted")
	require.Equal(t, 2, m.Len(), "no order rested")
	sell := wire.Command{Kind: wire.CmdPlace, Participant: q, Category: cement.ID, Basis: msk.ID, Side: wire.Sell, Type: wire.Limit, TIF: wire.IOC, Price: 500_000, Qty: 1}
	evs, err = apply(sell)
	require.NoError(t, err, "an order that trades at once needs no room")
	require.Equal(t, wire.EventFill, evs[1].Kind)
	require.NoError(t, e.CheckInvariants())
	_, err = New(Config{MaxOrdersPerMarket: -1})
	require.ErrorIs(t, err, ErrInvalidConfig)
}

// TestByParticipantAgainstMap drives each of the counters' participant tables and a
// map with the same random IDs: the same counters, pointers that stay
// valid as the table grows, and IDs listed in order.
func TestByParticipantAgainstMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		tab  counterTable
	}{{"hash", &byParticipant{}}, {"dense", &byID{}}} {
		t.Run(tc.name, func(t *testing.T) { checkCounterTable(t, tc.tab) })
	}
}

// counterTable is what a counterSet needs of its per-participant table.
type counterTable interface {
	add(catalog.ParticipantID) *Counters
	get(catalog.ParticipantID) *Counters
	ids() []catalog.ParticipantID
}

func checkCounterTable(t *testing.T, tab counterTable) {
	ref := map[catalog.ParticipantID]uint64{}
	ptrs := map[catalog.ParticipantID]*Counters{}
	require.Nil(t, tab.get(0))
	require.Nil(t, tab.get(1))
	for i := range 20000 {
		p := catalog.ParticipantID(1 + (i*7919)%5003)
		if i%3 == 0 {
			p = catalog.ParticipantID(1 + i%97)
		}
		c := tab.add(p)
		if old, ok := ptrs[p]; ok {
			require.Same(t, old, c)
		}
		ptrs[p] = c
		c.Postings++
		ref[p]++
		require.Nil(t, tab.get(catalog.ParticipantID(100000+i)))
		require.Nil(t, tab.get(0))
	}
	ids := tab.ids()
	require.Len(t, ids, len(ref))
	for i, p := range ids {
		if i > 0 {
			require.Less(t, ids[i-1], p)
		}
		require.Equal(t, ref[p], tab.get(p).Postings)
	}
	for p := catalog.ParticipantID(1); p <= 5100; p++ {
		if _, ok := ref[p]; !ok {
			require.Nil(t, tab.get(p), "participant %d never counted", p)
		}
	}
}

// TestRestoreRefusesCountersOfUnregistered: state whose outside or market
// counters name a participant past the last registered one is refused
// with ErrBadState (the outside table is indexed by ID, so such an ID would
// size it), and the same state without them restores.
func TestRestoreRefusesCountersOfUnregistered(t *testing.T) {
	build := func(stray func(e *Engine, m *Market)) []byte {
		e, err := New(Config{})
		require.NoError(t, err)
		cat := e.Catalog()
		cement, _ := cat.Taxonomy.ByCode("23.51.12")
		msk, _ := cat.Bases.ByCode("MSK")
		cmds := []wire.Command{
			{Kind: wire.CmdRegister, Name: "A", INN: "7707083893"},
			{Kind: wire.CmdSetStatus, Participant: 1, Status: catalog.StatusVerified},
			{Kind: wire.CmdPlace, Participant: 1, Category: cement.ID, Basis: msk.ID, Side: wire.Buy, Type: wire.Limit, TIF: wire.GTC, Price: 500_000, Qty: 5},
		}
		for i := range cmds {
			_, err := e.Apply(uint64(i+1), &cmds[i], nil)
			require.NoError(t, err)
		}
		m := e.Market(wire.MarketKey{Category: cement.ID, Basis: msk.ID})
		require.NotNil(t, m)
		stray(e, m)
		return e.AppendState(nil, 3, nil)
	}
	_, _, _, err := RestoreState(Config{}, build(func(*Engine, *Market) {}))
	require.NoError(t, err)
	for name, stray := range map[string]func(e *Engine, m *Market){
		"outside": func(e *Engine, _ *Market) { e.outside.of(1<<20).Postings++ },
		"market":  func(_ *Engine, m *Market) { m.counters.of(2).Postings++ },
	} {
		_, _, _, err := RestoreState(Config{}, build(stray))
		require.ErrorIs(t, err, ErrBadState, name)
		require.ErrorContains(t, err, "not registered", name)
	}
}
