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
		"journaled 10 commands",
		"verify: records 1..10 OK",
		"tamper: seq 7 at offset",
		"verify: first bad record: seq 7 in 00000000000000000001.wal at offset",
		"open: refused (audit chain mismatch)",
	} {
		require.Contains(t, out, want)
	}
}
