package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, run(&buf))
	out := buf.String()
	for _, want := range []string{
		"tender 1: Gorod Development JSC buys 500 t of Portland cement M500",
		"t=55  Novoroscement JSC  bids 5400.00 RUB/t for 200 t (lead 7 d): rank 1, best 5400.00 RUB/t",
		"      close extended to t=70",
		"      close extended to t=80",
		"t=66  Uralcement JSC     bid 5420.00 RUB for 300 t refused: matching: bid does not improve the bidder's previous bid",
		"close at t=79 refused: matching: tender's close time has not come",
		"closed at t=80:",
		"  award: Novoroscement JSC  200 t at 5400.00 RUB/t (rank 1)",
		"  award: CementTorg LLC     250 t at 5430.00 RUB/t (rank 2)",
		"  award: Uralcement JSC      50 t at 5450.00 RUB/t (rank 3)",
		"  Gorod Development JSC: 500 t awarded to 3 suppliers, 0 t uncovered",
	} {
		require.Contains(t, out, want)
	}
}
