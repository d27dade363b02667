package durable_test

import (
	"bytes"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/matching"
	. "github.com/agora-exchange/agora/matching"
)

// update rewrites the golden journal: go test ./durable -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden journal in ../matching/testdata/golden/journal")

// goldenDir holds the golden files of package matching: the codec bytes of
// a fixed scenario that uses every command kind (commands.bin, written by
// matching's TestGoldenFormats), its final state (state.bin), and the
// journal directory that a durable exchange writes for it (journal/,
// written here).
const goldenDir = "../matching/testdata/golden"

// goldenCommands decodes the golden scenario's commands.
func goldenCommands(t *testing.T) []Command {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, "commands.bin"))
	require.NoError(t, err)
	var cmds []Command
	for len(b) > 0 {
		c, n, err := DecodeCommand(b)
		require.NoError(t, err)
		cmds = append(cmds, c)
		b = b[n:]
	}
	require.NotEmpty(t, cmds)
	return cmds
}

// goldenJournal runs the scenario on a durable exchange in dir, in sync
// mode with small segments and two snapshots, and closes it.
func goldenJournal(t *testing.T, dir string, cmds []Command) {
	t.Helper()
	x, err := durable.Open(dir, Config{}, durable.Options{Journal: journal.Options{Mode: journal.ModeSync, SegmentBytes: 1 << 10}})
	require.NoError(t, err)
	for i := range cmds {
		_, _ = x.Submit(cmds[i], nil)
		if i == len(cmds)/3 || i == 2*len(cmds)/3 {
			require.NoError(t, durable.Of(x).Snapshot())
		}
	}
	require.NoError(t, durable.Of(x).Close())
}

// readDir returns every file under dir by its relative path.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	}))
	return files
}

// TestGoldenJournal holds the journal directory (segments and snapshots)
// that the golden scenario writes to the bytes committed in
// ../matching/testdata/golden/journal. A change to the record payload, the
// audit chain, the framing or the snapshot files fails here; a deliberate
// format change bumps its version, keeps a reader of the old one, and
// rewrites the files with -update.
func TestGoldenJournal(t *testing.T) {
	jdir := t.TempDir()
	goldenJournal(t, jdir, goldenCommands(t))
	got := readDir(t, jdir)
	gdir := filepath.Join(goldenDir, "journal")
	if *update {
		require.NoError(t, os.RemoveAll(gdir))
		for name, b := range got {
			p := filepath.Join(gdir, name)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, b, 0o644))
		}
		return
	}
	want := readDir(t, gdir)
	require.Equal(t, slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got)), "journal file names")
	for name, w := range want {
		require.True(t, bytes.Equal(w, got[name]), "journal/%s differs from the golden bytes", name)
	}
}

// TestGoldenJournalRecovers opens a copy of the committed golden journal
// with today's reader: it recovers to the golden state at the golden
// scenario's last seq, and verifies.
func TestGoldenJournalRecovers(t *testing.T) {
	cmds := goldenCommands(t)
	state, err := os.ReadFile(filepath.Join(goldenDir, "state.bin"))
	require.NoError(t, err)
	dir := t.TempDir()
	for name, b := range readDir(t, filepath.Join(goldenDir, "journal")) {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, b, 0o644))
	}
	rep, err := durable.Verify(dir, Config{})
	require.NoError(t, err)
	require.Equal(t, uint64(len(cmds)), rep.LastSeq)
	y, err := durable.Open(dir, Config{}, durable.Options{})
	require.NoError(t, err)
	defer durable.Of(y).Close()
	require.Equal(t, uint64(len(cmds)), y.Seq())
	got, err := y.MarshalState()
	require.NoError(t, err)
	require.Equal(t, state, got, "the journal recovers to the golden state")
}

// TestGoldenV1JournalRecovers opens a copy of the journal directory written
// with codec and state version 1 (testdata/golden/v1, before signatures):
// it verifies and recovers to the state that replaying the version 1
// commands gives today, and the version 1 state file restores to it too.
func TestGoldenV1JournalRecovers(t *testing.T) { goldenOldJournalRecovers(t, "v1") }

// TestGoldenV2JournalRecovers does the same for the journal written with
// codec and state version 2 (testdata/golden/v2, before clearing pools).
func TestGoldenV2JournalRecovers(t *testing.T) { goldenOldJournalRecovers(t, "v2") }

func goldenOldJournalRecovers(t *testing.T, version string) {
	v1 := filepath.Join(goldenDir, version)
	state, err := os.ReadFile(filepath.Join(v1, "state.bin"))
	require.NoError(t, err)
	old, err := matching.RestoreState(Config{}, state)
	require.NoError(t, err)
	want, err := old.MarshalState()
	require.NoError(t, err)
	dir := t.TempDir()
	for name, b := range readDir(t, filepath.Join(v1, "journal")) {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, b, 0o644))
	}
	_, err = durable.Verify(dir, Config{})
	require.NoError(t, err)
	y, err := durable.Open(dir, Config{}, durable.Options{})
	require.NoError(t, err)
	defer durable.Of(y).Close()
	require.Equal(t, old.Seq(), y.Seq())
	got, err := y.MarshalState()
	require.NoError(t, err)
	require.Equal(t, want, got, "the %s journal recovers to the %s state", version, version)
}
