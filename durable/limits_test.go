package durable_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/durable"
	. "github.com/agora-exchange/agora/matching"
)

// TestLimitsSameInNewAndOpen: a command over the field limits gets the same
// typed refusal, with an EventRejected and a sequence number, on New and on
// Open. Open refused it with ErrNotEncodable before it took a sequence
// number, while New accepted it, so a stream valid on New could not be
// journaled.
func TestLimitsSameInNewAndOpen(t *testing.T) {
	huge := strings.Repeat("x", 4<<20)
	run := func(t *testing.T, x *Exchange) []Event {
		var all []Event
		sub := func(c Command, want error) {
			t.Helper()
			seq := x.Seq()
			evs, err := x.Submit(c, nil)
			require.ErrorIs(t, err, want)
			all = append(all, evs...)
			require.Equal(t, seq+1, x.Seq())
			if want != nil {
				require.Len(t, evs, 1)
				require.Equal(t, EventRejected, evs[0].Kind)
				require.Equal(t, seq+1, evs[0].Seq)
			}
		}
		sub(Command{Kind: CmdRegister, Time: 1, Name: "Buyer", INN: exINN(1)}, nil)
		sub(Command{Kind: CmdSetStatus, Time: 1, Participant: 1, Status: catalog.StatusVerified}, nil)
		cem, _ := x.Catalog().Taxonomy.ByCode("23.51.12")
		msk, _ := x.Catalog().Bases.ByCode("MSK")
		order := Command{Kind: CmdPlace, Time: 2, Participant: 1, Category: cem.ID, Basis: msk.ID,
			Side: Buy, Type: Limit, TIF: GTC, Price: 500_000, Qty: 1}
		sub(order, nil)
		sub(Command{Kind: CmdRegister, Time: 3, Name: huge, INN: exINN(2)}, ErrTooLarge)
		sub(Command{Kind: CmdRegister, Time: 3, Name: "Big INN", INN: huge}, ErrTooLarge)
		sub(Command{Kind: CmdRegister, Time: 3, Name: "Big KPP", INN: exINN(3), KPP: huge}, ErrTooLarge)
		sub(Command{Kind: CmdSubscribe, Time: 3, Participant: 1, Category: cem.ID, Bases: make([]catalog.BasisID, 2000)}, ErrTooLarge)
		big := order
		big.Name = huge
		sub(big, ErrTooLarge)
		sub(Command{Kind: 200, Time: 3, Name: huge}, ErrTooLarge)
		// At the limits, accepted.
		sub(Command{Kind: CmdRegister, Time: 4, Name: strings.Repeat("n", MaxStringLen), INN: exINN(4)}, nil)
		bases := make([]catalog.BasisID, MaxBases)
		for i := range bases {
			bases[i] = msk.ID
		}
		// Within the field limit, a subscription's own limit applies.
		sub(Command{Kind: CmdSubscribe, Time: 4, Participant: 1, Category: cem.ID, Bases: bases}, ErrInvalidFilter)
		sub(Command{Kind: CmdSubscribe, Time: 4, Participant: 1, Category: cem.ID, Bases: bases[:MaxFilterBases]}, nil)
		return all
	}
	x, err := New(Config{})
	require.NoError(t, err)
	onNew := run(t, x)

	dir := t.TempDir()
	y, err := durable.Open(dir, Config{}, durable.Options{})
	require.NoError(t, err)
	onOpen := run(t, y)
	require.Equal(t, onNew, onOpen)
	seq := y.Seq()
	require.NoError(t, durable.Of(y).Close())

	// The journal replays to the same state and sequence.
	z, err := durable.Open(dir, Config{}, durable.Options{})
	require.NoError(t, err)
	defer durable.Of(z).Close()
	require.Equal(t, seq, z.Seq())
	a, err := x.MarshalState()
	require.NoError(t, err)
	b, err := z.MarshalState()
	require.NoError(t, err)
	require.Equal(t, a, b)
}
