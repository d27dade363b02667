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
		"request: 200 t of 23.51.12 Portland cement M500 (CEM I 42.5N) at MSK\n  notified: Uralcement JSC, CementTorg LLC\n",
		"request: 60 t of 23.51.13 Portland cement M400 (CEM II 32.5B) at SPB\n  notified: Uralcement JSC, StroyMix LLC\n",
		"request: 150 m3 of 23.63.10 Ready-mixed concrete B25 (M350) at SPB\n  notified: nobody\n",
		"request: 40 t of 24.10.62.110 Rebar A500C, 12 mm at EKB\n  notified: MetallTorg LLC\n",
		"request: 10 t of 24.42.11 Aluminium, unwrought, grade A7 at NSK\n  notified: nobody\n",
		"request: 80 m3 of 08.12.11 Construction sand at MSK\n  notified: nobody\n",
		"Uralcement JSC posts offer: 300 t of 23.51.12 Portland cement M500 (CEM I 42.5N) at MSK\n  notified: CementTorg LLC\n",
		"Uralcement JSC holds subscription 1 to 23.51\n",
		"notifications delivered: 6\n",
	} {
		require.Contains(t, out, want)
	}
}
