package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/wire"
)

// shardScript runs a fixed scenario on e: two participants, orders on two
// markets, a cancel by order ID, a tender, and returns every event.
func shardScript(t *testing.T, e *Engine) []wire.Event {
	t.Helper()
	cat := e.Catalog()
	cement, _ := cat.Taxonomy.ByCode("23.51.12")
	msk, _ := cat.Bases.ByCode("MSK")
	spb, _ := cat.Bases.ByCode("SPB")
	var seq uint64
	var all []wire.Event
	apply := func(c wire.Command) []wire.Event {
		seq++
		c.Time = int64(seq)
		start := len(all)
		all, _ = e.Apply(seq, &c, all)
		return all[start:]
	}
	p := apply(wire.Command{Kind: wire.CmdRegister, Name: "A", INN: "7707083893"})[0].Participant
	q := apply(wire.Command{Kind: wire.CmdRegister, Name: "B", INN: "7736207543"})[0].Participant
	apply(wire.Command{Kind: wire.CmdSetStatus, Participant: p, Status: 2})
	apply(wire.Command{Kind: wire.CmdSetStatus, Participant: q, Status: 2})
	var ids []wire.OrderID
	for i := range 3 {
		evs := apply(wire.Command{Kind: wire.CmdPlace, Participant: p, Category: cement.ID, Basis: msk.ID,
			ClientOrderID: uint64(i + 1), Side: wire.Buy, Type: wire.Limit, TIF: wire.GTC, Price: 500_000, Qty: 5})
		ids = append(ids, evs[0].OrderID)
	}
	evs := apply(wire.Command{Kind: wire.CmdPlace, Participant: p, Category: cement.ID, Basis: spb.ID,
		ClientOrderID: 9, Side: wire.Buy, Type: wire.Limit, TIF: wire.GTC, Price: 500_000, Qty: 5})
	ids = append(ids, evs[0].OrderID)
	apply(wire.Command{Kind: wire.CmdPlace, Participant: q, Category: cement.ID, Basis: spb.ID,
		Side: wire.Sell, Type: wire.Limit, TIF: wire.GTC, Price: 500_000, Qty: 2})
	apply(wire.Command{Kind: wire.CmdCancel, Participant: p, OrderID: ids[1]})
	apply(wire.Command{Kind: wire.CmdAmend, Participant: p, OrderID: ids[3], Price: 400_000, Qty: 3})
	apply(wire.Command{Kind: wire.CmdOpenTender, Participant: p, Category: cement.ID, Basis: msk.ID,
		Qty: 10, TenderMode: wire.TenderSealed, Evaluation: wire.EvalLowestPrice, CloseAt: 1000})
	return all
}

func TestShardsOneIsTheUnshardedLayout(t *testing.T) {
	a, err := New(Config{})
	require.NoError(t, err)
	b, err := New(Config{Shards: 1})
	require.NoError(t, err)
	require.Equal(t, shardScript(t, a), shardScript(t, b))
	require.Equal(t, a.AppendState(nil, 7, nil), b.AppendState(nil, 7, nil))
	require.Equal(t, uint64(1), a.MarketAt(1).Index())
	require.Equal(t, uint64(2), a.MarketAt(2).Index())
	_, ok := a.Tender(1)
	require.True(t, ok)
}

func TestShardedIDsNameTheirShard(t *testing.T) {
	const shards = 3
	for shard := range uint32(shards) {
		cfg := Config{Shards: shards, Shard: shard}
		e, err := New(cfg)
		require.NoError(t, err)
		evs := shardScript(t, e)
		require.Equal(t, 2, e.Markets())
		for k, want := range []uint64{uint64(shard) + 1, shards + uint64(shard) + 1} {
			m := e.MarketAt(want)
			require.NotNil(t, m, "market %d", k+1)
			require.Equal(t, want, m.Index())
		}
		require.Nil(t, e.MarketAt(uint64((shard+1)%shards)+1), "an index of another shard")
		require.Nil(t, e.MarketAt(0))
		var orders, tenders, cancels, amends int
		for _, ev := range evs {
			require.NotEqual(t, wire.EventRejected, ev.Kind, "seq %d: %v", ev.Seq, ev.Reject)
			if ev.OrderID != 0 {
				orders++
				require.Equal(t, shard, ShardOfOrder(ev.OrderID, shards), "order %#x", ev.OrderID)
			}
			if ev.Tender != 0 {
				tenders++
				require.Equal(t, wire.TenderID(shard+1), ev.Tender)
				require.Equal(t, shard, ShardOfTender(ev.Tender, shards))
			}
			if ev.Kind == wire.EventCancelled && ev.Command == wire.CmdCancel {
				cancels++
			}
			if ev.Command == wire.CmdAmend {
				amends++
			}
		}
		require.NotZero(t, orders)
		require.Equal(t, 1, tenders)
		require.Equal(t, 1, cancels, "cancel by a sharded order ID")
		require.NotZero(t, amends)
		require.NoError(t, e.CheckInvariants())

		// A foreign tender ID or order ID is unknown here.
		other := wire.TenderID((shard+1)%shards + 1)
		_, ok := e.Tender(other)
		require.False(t, ok)
		_, ok = e.Tender(wire.TenderID(shard + 1))
		require.True(t, ok)
		foreign := wire.OrderID(uint64((shard+1)%shards+1)<<wire.OrderMarketShift | 1)
		got, err := e.Apply(100, &wire.Command{Kind: wire.CmdCancel, Participant: 1, OrderID: foreign, Time: 100}, nil)
		require.Error(t, err)
		require.Equal(t, wire.EventRejected, got[0].Kind)

		// The state round-trips under the same configuration.
		state := e.AppendState(nil, 100, nil)
		r, seq, _, err := RestoreState(cfg, state)
		require.NoError(t, err)
		require.Equal(t, uint64(100), seq)
		require.Equal(t, state, r.AppendState(nil, 100, nil))
		require.NoError(t, r.CheckInvariants())
		info, ok := r.Tender(wire.TenderID(shard + 1))
		require.True(t, ok)
		require.Equal(t, wire.TenderID(shard+1), info.ID)
		m := r.MarketAt(uint64(shard) + 1)
		require.NotNil(t, m)
		require.Equal(t, e.MarketAt(uint64(shard)+1).Key(), m.Key())
	}
}

func TestShardOfUnsharded(t *testing.T) {
	for _, id := range []wire.OrderID{0, 1, 1 << wire.OrderMarketShift, 7<<wire.OrderMarketShift | 3} {
		require.Zero(t, ShardOfOrder(id, 0))
		require.Zero(t, ShardOfOrder(id, 1))
	}
	require.Zero(t, ShardOfTender(0, 4))
	require.Equal(t, uint32(2), ShardOfTender(8, 5))
	require.Equal(t, uint32(1), ShardOfOrder(8<<wire.OrderMarketShift|3, 3))
}

func TestShardConfigValidate(t *testing.T) {
	for _, c := range []Config{{Shard: 1}, {Shards: 2, Shard: 2}, {Shards: MaxShards + 1}} {
		_, err := New(c)
		require.ErrorIs(t, err, ErrInvalidConfig, "%+v", c)
	}
	_, err := New(Config{Shards: MaxShards, Shard: MaxShards - 1})
	require.NoError(t, err)
}
