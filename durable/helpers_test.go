package durable_test

import (
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/internal/cmdgen"
	. "github.com/agora-exchange/agora/matching"
)

// The command generator and fixtures of these tests follow those of
// package matching's tests, so that the same streams run through both.

// exINN returns a valid 10-digit legal-entity INN derived from n: the prefix
// "77" and n as seven digits, followed by the official check digit.
func exINN(n int) string { return innOf("77", n) }

// innOf returns the valid legal-entity INN whose first nine digits are
// prefix and n (mod 10^7, as seven digits).
func innOf(prefix string, n int) string { return cmdgen.INN(prefix, n) }

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

// duFixCRC recomputes the trailing checksum of a state encoding.
func duFixCRC(b []byte) {
	if len(b) < 4 {
		return
	}
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crc32.MakeTable(crc32.Castagnoli)))
}
