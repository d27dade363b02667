package orderbook

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestOrderSlotIsOneCacheLine keeps the hot half of an order slot within
// one 64-byte cache line: a cancel touches one line per order it visits.
func TestOrderSlotIsOneCacheLine(t *testing.T) {
	require.LessOrEqual(t, unsafe.Sizeof(order{}), uintptr(64))
	require.Zero(t, 64%unsafe.Sizeof(order{}), "slots must not straddle lines")
}
