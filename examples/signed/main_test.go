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
		"t=30  replayed bid of Uralcement JSC refused: matching: nonce already used or too old",
		"t=35  tampered bid of CementTorg LLC refused: matching: invalid signature",
		"t=40  Uralcement JSC rotates key 2 to key 4",
		"  seq 15  bid          signed by Uralcement JSC         with key 2 (ed25519): bid 5450.00 RUB/t",
		"  seq 21  bid          signed by Uralcement JSC         with key 4 (ed25519): bid 5420.00 RUB/t",
		"  seq 22  close-tender signed by Gorod Development JSC  with key 1 (ed25519): award to Uralcement JSC 500 t at 5420.00 RUB/t",
		"  bid          nonce 2  key 4 of Uralcement JSC         valid=true",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "valid=false")
}
