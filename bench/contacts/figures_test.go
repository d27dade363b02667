package contacts_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/bench/contacts"
)

var update = flag.Bool("update", false, "rewrite testdata/figures-small.csv")

// FiguresSmallTo is the largest N of the committed small-size counts.
const figuresSmallTo = 200

// The figures of bench/CONTACTS.md at small sizes, counts only, must match
// the committed testdata: a change to the model or the engine that moves a
// count makes the committed figures stale and fails here. Regenerate both
// with `go run ./bench/cmd/contacts -figures bench/contacts/figures -docs bench/CONTACTS.md,bench/RESULTS.md` and
// `go test ./bench/contacts -run FiguresSmall -update`.
func TestFiguresSmall(t *testing.T) {
	var buf bytes.Buffer
	for _, f := range contacts.Figures(5, figuresSmallTo) {
		s, err := contacts.RunSweep(context.Background(), f.Sweep)
		require.NoError(t, err)
		var csv bytes.Buffer
		require.NoError(t, contacts.WriteCSV(&csv, s.Results))
		// Drop the version column: it names the build, not the counts.
		for line := range strings.SplitSeq(strings.TrimSuffix(csv.String(), "\n"), "\n") {
			_, rest, _ := strings.Cut(line, ",")
			buf.WriteString(f.Name + "," + rest + "\n")
		}
	}
	path := filepath.Join("testdata", "figures-small.csv")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), buf.String(), "small-size counts changed: regenerate the figures and the testdata")
}
