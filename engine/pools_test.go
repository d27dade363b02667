package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/wire"
)

// TestPoolScopeAndShards: pool commands are ScopeMarket, a placement in a
// pool's subtree finds the pool, and a sharded engine refuses to open a
// pool (the cluster routes placements by their own key).
func TestPoolScopeAndShards(t *testing.T) {
	d, err := catalog.SampleCement()
	require.NoError(t, err)
	root, _ := d.Taxonomy.ByCode("23.51")
	leaf, _ := d.Taxonomy.ByCode("23.51.12")
	open := &wire.Command{Kind: wire.CmdOpenPool, Category: root.ID, Time: 1}
	clear := &wire.Command{Kind: wire.CmdClearPool, Category: root.ID, Time: 2}
	require.Equal(t, ScopeMarket, ScopeOf(open))
	require.Equal(t, ScopeMarket, ScopeOf(clear))

	sharded, err := New(Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport, Shards: 2})
	require.NoError(t, err)
	evs, err := sharded.Apply(1, open, nil)
	require.ErrorIs(t, err, wire.ErrPoolConflict)
	require.Equal(t, wire.ReasonPoolConflict, evs[0].Reject)
	require.Zero(t, sharded.Markets())

	e, err := New(Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport})
	require.NoError(t, err)
	_, err = e.Apply(1, open, nil)
	require.NoError(t, err)
	m := e.MarketFor(&wire.Command{Kind: wire.CmdPlace, Category: leaf.ID, Basis: 1})
	require.NotNil(t, m)
	r, ok := m.Pool()
	require.True(t, ok)
	require.Equal(t, root.ID, r)
	require.Same(t, m, e.MarketFor(clear))
	require.NoError(t, e.CheckInvariants())
	_, err = e.IndicativeClearing(m)
	require.NoError(t, err)
}

// TestPoolRoots: with Config.PoolRoots a pool opens on a declared root
// only, in a sharded engine as in an unsharded one; roots must be known
// categories and must not overlap.
func TestPoolRoots(t *testing.T) {
	d, err := catalog.SampleCement()
	require.NoError(t, err)
	group, _ := d.Taxonomy.ByCode("23.51")
	leaf, _ := d.Taxonomy.ByCode("23.51.12")
	minerals, _ := d.Taxonomy.ByCode("23")
	base := Config{Catalog: d.Catalog, Grades: d.Grades, Transport: d.Transport, PoolRoots: []catalog.CategoryID{group.ID}}
	for _, shards := range []uint32{0, 2} {
		cfg := base
		cfg.Shards = shards
		e, err := New(cfg)
		require.NoError(t, err)
		evs, err := e.Apply(1, &wire.Command{Kind: wire.CmdOpenPool, Category: minerals.ID}, nil)
		require.ErrorIs(t, err, wire.ErrPoolConflict, "shards %d: an undeclared root", shards)
		require.Equal(t, wire.EventRejected, evs[len(evs)-1].Kind)
		evs, err = e.Apply(2, &wire.Command{Kind: wire.CmdOpenPool, Category: group.ID}, nil)
		require.NoError(t, err, "shards %d: the declared root", shards)
		require.Equal(t, wire.EventPoolOpened, evs[len(evs)-1].Kind)
	}

	root, ok := PoolRootOf(d.Taxonomy, base.PoolRoots, leaf.ID)
	require.True(t, ok)
	require.Equal(t, group.ID, root)
	_, ok = PoolRootOf(d.Taxonomy, base.PoolRoots, minerals.ID)
	require.False(t, ok, "an ancestor of a root is outside its subtree")

	for _, roots := range [][]catalog.CategoryID{{group.ID, leaf.ID}, {leaf.ID, group.ID}, {999}} {
		cfg := base
		cfg.PoolRoots = roots
		require.ErrorIs(t, cfg.Validate(), ErrInvalidConfig, "%v", roots)
	}
}
