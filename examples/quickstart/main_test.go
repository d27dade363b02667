package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRun runs the quickstart and checks the trades and the book it prints:
// the crossing request of 400 t at 6,500 RUB takes the 6,450 offer (200 t)
// first, then 200 of the 300 t offered at 6,500, leaving 100 t there.
func TestRun(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, run(&buf))
	out := buf.String()
	for _, want := range []string{
		"market: 23.51.12 Portland cement M500",
		"registered and verified 5 companies",
		"refused: Fly-by-night LLC: matching: invalid INN",
		"Gorod Development JSC buys 200 t from Uralcement JSC at 6450.00 RUB/t",
		"Gorod Development JSC buys 200 t from CementTorg LLC at 6500.00 RUB/t",
		"  6500.00 RUB   100 t  1 order(s)",
		"  6600.00 RUB   100 t  1 order(s)",
		"  6300.00 RUB   150 t  1 order(s)",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "6450.00 RUB   ") // the 6,450 offer is gone
}
