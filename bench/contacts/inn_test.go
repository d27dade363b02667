package contacts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// Every serial gets a valid INN whose region is not 00, distinct across
// the boundary between the two ranges.
func TestINNRegion(t *testing.T) {
	seen := map[string]int{}
	for _, s := range []int{1, 2, 99, 9_999_999, 10_000_000, 10_000_001, 76_999_999, 77_000_000, 700_000_001, MaxParticipants} {
		v, err := inn(s)
		require.NoError(t, err, "serial %d", s)
		require.NoError(t, catalog.ValidateINN(v), "serial %d", s)
		require.False(t, strings.HasPrefix(v, "00"), "serial %d: %s", s, v)
		_, dup := seen[v]
		require.False(t, dup, "serial %d repeats %s of serial %d", s, v, seen[v])
		seen[v] = s
	}
	v, _ := inn(1)
	require.True(t, strings.HasPrefix(v, "77"), v)
}

// The INN body is the region and the serial, digit for digit, and the
// names count buyers and sellers from 1.
func TestINNBodyAndNames(t *testing.T) {
	for s, body := range map[int]string{1: "770000001", 1_234_567: "771234567", 10_000_000: "010000000", 123_456_789: "123456789"} {
		v, err := inn(s)
		require.NoError(t, err)
		require.Len(t, v, 10)
		require.Equal(t, body, v[:9], "serial %d", s)
	}
	var buf []byte
	var got []string
	for p := range 5 {
		var n string
		buf, n = participantName(buf, p, 2)
		got = append(got, n)
	}
	require.Equal(t, []string{"Buyer 1", "Buyer 2", "Seller 1", "Seller 2", "Seller 3"}, got)
}
