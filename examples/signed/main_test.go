package main

import (
	"bytes"
	"strings"
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
		"the auditor re-verifies the journal:",
		"  seq 15  bid          Uralcement JSC         key 2 ed25519 6a3803d5 valid=true  accepted",
		"  seq 16  bid          CementTorg LLC         key 3 ed25519 b62e867f valid=true  accepted",
		"  seq 17  bid          Uralcement JSC         key 2 ed25519 6a3803d5 valid=true  refused: nonce-replayed",
		"  seq 18  bid          CementTorg LLC         key 3 ed25519 b62e867f valid=false refused: signature-invalid",
		"  seq 21  bid          Uralcement JSC         key 4 ed25519 c5b940ed valid=true  accepted",
		"  seq 22  close-tender Gorod Development JSC  key 1 ed25519 34750f98 valid=true  accepted",
		"audit passed: 7 binding actions, 6 with a valid signature, 2 refused",
		"  key 4 of Uralcement JSC         ed25519 SHA-256 c5b940ed3f65c391965de8295fc5d25f474fa57b48d36eb10ad363b8539c1b79",
	} {
		require.Contains(t, out, want)
	}
	// Only the tampered bid, which the exchange refused, fails to verify.
	require.Equal(t, 1, strings.Count(out, "valid=false"))
}
