package contacts_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/bench/contacts"
)

// versionRE matches the module version a run reports; it names the build,
// not the counts, so the pages are compared without it.
var versionRE = regexp.MustCompile(`version [^\s;]+`)

func unversioned(s string) string { return versionRE.ReplaceAllString(s, "version V") }

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", name))
	require.NoError(t, err)
	return string(b)
}

func docBlock(t *testing.T, doc, file, name string) string {
	t.Helper()
	b, ok := contacts.Block(doc, name)
	require.True(t, ok, "%s has no generated block %q", file, name)
	return b
}

// rowN returns the N of a Markdown table row "| N | ...", or 0.
func rowN(line string) int {
	f, _, ok := strings.Cut(strings.TrimPrefix(line, "| "), " |")
	if !ok || !strings.HasPrefix(line, "| ") {
		return 0
	}
	n, err := strconv.Atoi(f)
	if err != nil {
		return 0
	}
	return n
}

// smallLines keeps the lines of a generated tables text that do not depend
// on sizes above hi: headings, parameters, table headers and the rows of
// N <= hi; the fitted slopes (which need every size) are left out.
func smallLines(s string, hi int) []string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		switch n := rowN(line); {
		case n > hi:
		case n > 0, strings.HasPrefix(line, "#"), strings.HasPrefix(line, "Parameters:"), strings.HasPrefix(line, "| N |"):
			out = append(out, line)
		}
	}
	return out
}

// The generated blocks of bench/CONTACTS.md and bench/RESULTS.md must be
// what the code computes today: the 5 × 5 example in full, the figure
// tables' parameters and every row up to N = 200, and the counts of the
// N = 10⁴ scale run. CONTACTS_FULL=1 regenerates every block at full size
// (minutes of CPU) and compares it byte for byte, version aside. Regenerate
// the pages with
//
//	go run ./bench/cmd/contacts -figures bench/contacts/figures -docs bench/CONTACTS.md,bench/RESULTS.md
func TestDocs(t *testing.T) {
	const hint = "stale page: regenerate with go run ./bench/cmd/contacts -figures bench/contacts/figures -docs bench/CONTACTS.md,bench/RESULTS.md"
	page, results := readDoc(t, "CONTACTS.md"), readDoc(t, "RESULTS.md")

	ex, err := contacts.Run(contacts.ExampleConfig())
	require.NoError(t, err)
	example, err := contacts.ExampleBlock(&ex)
	require.NoError(t, err)
	require.Equal(t, unversioned(example), unversioned(docBlock(t, page, "CONTACTS.md", contacts.BlockExample)), hint)

	full := os.Getenv("CONTACTS_FULL") != ""
	hi := figuresSmallTo
	if full {
		hi = 100_000
	}
	figs := contacts.Figures(5, hi)
	sweeps := make([]*contacts.Sweep, len(figs))
	for i, f := range figs {
		sweeps[i], err = contacts.RunSweep(context.Background(), f.Sweep)
		require.NoError(t, err)
	}
	tables, err := contacts.TablesBlock(figs, sweeps)
	require.NoError(t, err)
	got := docBlock(t, page, "CONTACTS.md", contacts.BlockTables)
	if full {
		require.Equal(t, unversioned(tables), unversioned(got), hint)
	} else {
		want := smallLines(unversioned(tables), figuresSmallTo)
		require.Len(t, want, 2*(3+len(contacts.DefaultSizes(5, figuresSmallTo))*4), "rows kept of the small tables")
		require.Equal(t, want, smallLines(unversioned(got), figuresSmallTo), hint)
	}

	counts := docBlock(t, results, "RESULTS.md", contacts.BlockCounts)
	var scale []contacts.Result
	sizes := contacts.ScaleSizes(10_000)
	if full {
		sizes = contacts.ScaleSizes(1_000_000)
	}
	for _, n := range sizes {
		r, err := contacts.Run(contacts.ScaleConfig(n))
		require.NoError(t, err)
		scale = append(scale, r)
	}
	if full {
		require.Equal(t, contacts.CountsBlock(sweeps[0], scale), counts, hint)
		return
	}
	// The slopes need every size; the scale rows are checked up to 10⁴.
	for line := range strings.SplitSeq(contacts.CountsBlock(sweeps[0], scale), "\n") {
		if rowN(line) > 0 {
			require.Contains(t, counts, line+"\n", hint)
		}
	}
}

func TestSplice(t *testing.T) {
	doc := "intro\n" + contacts.BeginMarker(contacts.BlockTables) + "\nold\ntext\n" + contacts.EndMarker(contacts.BlockTables) + "\nafter\n"
	b, ok := contacts.Block(doc, contacts.BlockTables)
	require.True(t, ok)
	require.Equal(t, "old\ntext\n", b)
	out, n := contacts.Splice(doc, map[string]string{contacts.BlockTables: "new\n", contacts.BlockCounts: "absent\n"})
	require.Equal(t, 1, n)
	require.Equal(t, "intro\n"+contacts.BeginMarker(contacts.BlockTables)+"\nnew\n"+contacts.EndMarker(contacts.BlockTables)+"\nafter\n", out)
	b, ok = contacts.Block(out, contacts.BlockTables)
	require.True(t, ok)
	require.Equal(t, "new\n", b)
	_, ok = contacts.Block(doc, contacts.BlockCounts)
	require.False(t, ok)
	same, n := contacts.Splice("no markers\n", map[string]string{contacts.BlockTables: "x\n"})
	require.Zero(t, n)
	require.Equal(t, "no markers\n", same)
}
