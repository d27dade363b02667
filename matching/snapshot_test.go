package matching

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/internal/cmdgen"
)

// duINN returns a valid 10-digit INN derived from n (prefix "50").
func duINN(n int) string { return innOf("50", n) }

// duGen is the shared command generator (internal/cmdgen).
type duGen = cmdgen.Gen

func newDuGen(cat *catalog.Catalog, seed uint64) *duGen { return cmdgen.New(cat, seed) }

// duDrive runs n generated commands on x and returns them.
func duDrive(t testing.TB, x *Exchange, g *duGen, n int) []Command {
	t.Helper()
	cmds := make([]Command, 0, n)
	var evs []Event
	for range n {
		c := g.Next()
		evs, _ = x.Submit(c, evs[:0])
		g.Observe(evs)
		cmds = append(cmds, c)
	}
	return cmds
}

func duMarshal(t testing.TB, x *Exchange) []byte {
	t.Helper()
	b, err := x.MarshalState()
	require.NoError(t, err)
	return b
}

func TestStateRoundTripRandom(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 3
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			x, err := New(Config{})
			require.NoError(t, err)
			g := newDuGen(x.Catalog(), seed)
			steps := 300 + int(seed)*250
			for round := range 3 {
				duDrive(t, x, g, steps)
				require.NoError(t, x.CheckInvariants())
				b1 := duMarshal(t, x)
				y, err := RestoreState(Config{}, b1)
				require.NoError(t, err, "round %d", round)
				require.Equal(t, b1, duMarshal(t, y), "round %d: restore then marshal changed the bytes", round)
				require.Equal(t, x.Seq(), y.Seq())
				require.Equal(t, x.TotalCounters(), y.TotalCounters())
				require.Equal(t, x.Markets(), y.Markets())

				// The restored exchange must behave exactly as the original:
				// state missing from the snapshot shows up as a divergence.
				var ex, ey []Event
				for i := range 400 {
					c := g.Next()
					var errx, erry error
					ex, errx = x.Submit(c, ex[:0])
					ey, erry = y.Submit(c, ey[:0])
					require.Equal(t, ex, ey, "round %d, command %d after the restore: %+v", round, i, c)
					require.Equal(t, errx, erry)
					g.Observe(ex)
				}
				require.Equal(t, duMarshal(t, x), duMarshal(t, y))
			}
		})
	}
}

func TestStateReplayIdentical(t *testing.T) {
	x, err := New(Config{})
	require.NoError(t, err)
	g := newDuGen(x.Catalog(), 77)
	cmds := duDrive(t, x, g, 5000)
	y, err := New(Config{})
	require.NoError(t, err)
	var evs []Event
	for _, c := range cmds {
		evs, _ = y.Submit(c, evs[:0])
	}
	require.Equal(t, duMarshal(t, x), duMarshal(t, y))
}

func TestStateEmptyAndDeterministic(t *testing.T) {
	x, err := New(Config{})
	require.NoError(t, err)
	b := duMarshal(t, x)
	y, err := RestoreState(Config{}, b)
	require.NoError(t, err)
	require.Equal(t, b, duMarshal(t, y))
	require.Equal(t, uint64(0), y.Seq())

	// Two encodings of one state are equal (no map order leaks).
	g := newDuGen(x.Catalog(), 5)
	duDrive(t, x, g, 2000)
	b = duMarshal(t, x)
	for range 5 {
		require.Equal(t, b, duMarshal(t, x))
	}
}

func TestRestoreStateConfig(t *testing.T) {
	x, err := New(Config{DefaultSTP: STPCancelBoth})
	require.NoError(t, err)
	duDrive(t, x, newDuGen(x.Catalog(), 9), 500)
	b := duMarshal(t, x)

	// Zero fields adopt the state's values.
	y, err := RestoreState(Config{}, b)
	require.NoError(t, err)
	require.Equal(t, STPCancelBoth, y.eng.Config().DefaultSTP)
	require.Equal(t, b, duMarshal(t, y))

	// An equal catalog is accepted.
	same, err := catalog.Sample()
	require.NoError(t, err)
	_, err = RestoreState(Config{Catalog: same, DefaultSTP: STPCancelBoth}, b)
	require.NoError(t, err)

	// A different one, or another default STP, is refused.
	_, err = RestoreState(Config{DefaultSTP: STPCancelResting}, b)
	require.ErrorIs(t, err, ErrConfigMismatch)
	tax := catalog.NewTaxonomy()
	_, err = tax.Add("01", "Crops", "t", 1, 1)
	require.NoError(t, err)
	bases := catalog.NewBases()
	_, err = bases.Add("MSK", "Moscow")
	require.NoError(t, err)
	_, err = RestoreState(Config{Catalog: &catalog.Catalog{Taxonomy: tax, Bases: bases}}, b)
	require.ErrorIs(t, err, ErrConfigMismatch)

	_, err = RestoreState(Config{DefaultSTP: 99}, b)
	require.ErrorIs(t, err, ErrInvalidConfig)
}

// duFixCRC recomputes the trailing checksum of a state encoding.
func duFixCRC(b []byte) {
	if len(b) < 4 {
		return
	}
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crc32.MakeTable(crc32.Castagnoli)))
}

func TestRestoreStateCorrupt(t *testing.T) {
	x, err := New(Config{})
	require.NoError(t, err)
	duDrive(t, x, newDuGen(x.Catalog(), 3), 1500)
	b := duMarshal(t, x)

	for n := range len(b) {
		if n%7 != 0 && n > 64 {
			continue
		}
		_, err := RestoreState(Config{}, b[:n])
		require.ErrorIs(t, err, ErrBadState, "truncated to %d bytes", n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		c := append([]byte(nil), b...)
		i := r.IntN(len(c))
		c[i] ^= byte(1 + r.IntN(255))
		_, err := RestoreState(Config{}, c)
		require.ErrorIs(t, err, ErrBadState, "byte %d flipped", i)

		// With the checksum fixed the decoder sees the damage: it must
		// fail cleanly or produce a consistent exchange, never panic.
		duFixCRC(c)
		if y, err := RestoreState(Config{}, c); err == nil {
			require.NoError(t, y.CheckInvariants())
			_, _ = y.MarshalState()
		}
	}
}

// FuzzRestoreState restores damaged states: a base state (one of three
// sizes) with fuzzer-chosen edits, each 4 bytes (a 3-byte position and a
// value; the value's top bit inserts a byte instead of overwriting one),
// with the checksum fixed so that the decoder itself meets the damage.
// Inputs stay a few bytes long whatever the state's size, so that the
// fuzzer's minimizer, which re-runs an input once per byte it tries to
// drop, finishes quickly.
func FuzzRestoreState(f *testing.F) {
	x, err := New(Config{})
	require.NoError(f, err)
	g := newDuGen(x.Catalog(), 11)
	var bases [][]byte
	for _, n := range []int{0, 10, 40} {
		duDrive(f, x, g, n)
		bases = append(bases, duMarshal(f, x))
	}
	bases = append(bases, poolState(f))
	f.Add(byte(3), []byte{})
	f.Add(byte(3), []byte{30, 0, 0, 5, 60, 0, 0, 0x83})
	f.Add(byte(0), []byte{})
	f.Add(byte(1), []byte{40, 0, 0, 7})
	f.Add(byte(2), []byte{200, 1, 0, 0x81, 17, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, base byte, edits []byte) {
		b := bytes.Clone(bases[int(base)%len(bases)])
		for i := 0; i+4 <= len(edits); i += 4 {
			pos := int(edits[i]) | int(edits[i+1])<<8 | int(edits[i+2])<<16
			v := edits[i+3]
			if v&0x80 != 0 {
				pos %= len(b) + 1
				b = slices.Insert(b, pos, v&0x7f)
			} else {
				b[pos%len(b)] ^= v | 1
			}
		}
		duFixCRC(b)
		y, err := RestoreState(Config{}, b)
		if err != nil {
			require.ErrorIs(t, err, ErrBadState)
			return
		}
		require.NoError(t, y.CheckInvariants())
		b2, err := y.MarshalState()
		require.NoError(t, err)
		z, err := RestoreState(Config{}, b2)
		require.NoError(t, err)
		require.Equal(t, b2, duMarshal(t, z))
		duDrive(t, y, newDuGen(y.Catalog(), 1), 50)
	})
}

// poolState returns the state of an exchange on the sample catalog with a
// clearing pool on ready-mixed concrete holding a request and the rest of
// an offer after a clearing.
func poolState(t testing.TB) []byte {
	f := newExFixture(t, Config{})
	a, b := f.trader("a"), f.trader("b")
	group, leaf, msk := f.category("23.63").ID, f.leaf("23.63.10"), f.basis("MSK")
	f.must(Command{Kind: CmdOpenPool, Category: group})
	f.must(Command{Kind: CmdPlace, Participant: a, Category: group, Bases: []catalog.BasisID{msk}, Side: Buy, Price: 500_000, Qty: 30, LeadTime: 10, ClientOrderID: 4})
	f.must(Command{Kind: CmdPlace, Participant: b, Category: leaf, Basis: msk, Side: Sell, Price: 450_000, Qty: 50, LeadTime: 5, TIF: GTD, ExpireAt: 1_000_000})
	f.must(Command{Kind: CmdClearPool, Category: group})
	f.must(Command{Kind: CmdPlace, Participant: a, Category: leaf, Side: Buy, Basis: msk, Price: 440_000, Qty: 7, Rating: 3})
	return duMarshal(t, f.x)
}
