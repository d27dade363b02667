package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/bench/contacts"
	"github.com/agora-exchange/agora/bench/contacts/cli"
)

func run(opt cli.Options, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = cli.Run(args, &o, &e, opt)
	return code, o.String(), e.String()
}

func TestDefaultRun(t *testing.T) {
	code, out, errs := run(cli.Options{})
	require.Equal(t, cli.ExitOK, code, errs)
	require.Contains(t, out, "5 buyers, 5 sellers, 1 market")
	require.Regexp(t, `direct search, informed\s+25\s+25\s+50\s`, out)
	require.Regexp(t, `direct search, exhaustive\s+25\s+25\s+50\s`, out)
	require.Contains(t, out, "exchange messages: 10 postings (5 buy, 5 sell)")
	require.Contains(t, out, "onboarding messages: 40 (10 registrations, 10 verifications, 20 replies); all messages: 68")
	require.Contains(t, out, "direct search (informed): 50 contacts (25 inquiries + 25 replies); exchange: 10 postings, ratio 5.00; 28 trading messages, ratio 1.79; 68 messages with onboarding, ratio 0.74")
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-buyers", "-1"},
		{"-sellers", "-3"},
		{"-markets", "0"},
		{"-format", "xml"},
		{"-depth", "0"},
		{"-compat", "1.5"},
		{"-bases", "2"},
		{"-arrival", "sometimes"},
		{"-subscribe", "everyone"},
		{"-seeds", "-1"},
		{"-nosuchflag"},
		{"extra"},
		{"-plot", "x.svg"},
		{"-sweep", "-plot", "x.svg"},
		{"-sweep", "-buyers", "10"},
		{"-sweep", "-from", "0"},
		{"-sweep", "-from", "10", "-to", "5"},
		{"-ratio", "2"},
		{"-search", "random"},
		{"-search", "sample:0"},
		{"-fit-from", "10"},
		{"-figures", "dir"},
	} {
		code, out, errs := run(cli.Options{}, args...)
		require.Equal(t, cli.ExitUsage, code, "%v", args)
		require.Empty(t, out, "%v", args)
		require.NotEmpty(t, errs, "%v", args)
	}
	_, _, errs := run(cli.Options{}, "-format", "xml")
	require.Contains(t, errs, `unknown -format "xml"`)
	_, _, errs = run(cli.Options{}, "-sweep", "-plot", "x.svg")
	require.Contains(t, errs, cli.PlotCommand)
	code, _, _ := run(cli.Options{}, "-h")
	require.Equal(t, cli.ExitOK, code)
}

func TestCSVAndJSON(t *testing.T) {
	code, out, _ := run(cli.Options{}, "-format", "csv", "-seeds", "2", "-buyers", "50", "-sellers", "40", "-markets", "3")
	require.Equal(t, cli.ExitOK, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 5, "two seeds × two search models")
	require.Equal(t, contacts.CSVHeader, lines[0])
	require.Regexp(t, `^[^,]+,50,40,3,1,3,0,1,0.5,priority,none,"exhaustive,informed",0,1,exhaustive,50,40,4000,2000,`, lines[1])
	require.Regexp(t, `^[^,]+,50,40,3,1,3,0,1,0.5,priority,none,"exhaustive,informed",0,1,informed,`, lines[2])
	require.Regexp(t, `^[^,]+,50,40,3,1,3,0,1,0.5,priority,none,"exhaustive,informed",0,2,exhaustive,`, lines[3])
	_, again, _ := run(cli.Options{}, "-format", "csv", "-seeds", "2", "-buyers", "50", "-sellers", "40", "-markets", "3")
	require.Equal(t, out, again)

	code, out, _ = run(cli.Options{}, "-format", "json")
	require.Equal(t, cli.ExitOK, code)
	var r contacts.Result
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	c, _ := r.Contacts("informed")
	require.EqualValues(t, 50, c)
	require.EqualValues(t, 10, r.ExchangePostings())
	// snake_case keys everywhere, the engine counters included.
	require.NotRegexp(t, `"[A-Z][A-Za-z]*"\s*:`, out)
	for _, key := range []string{`"exchange_counters"`, `"postings": 10`, `"onboarding_counters"`, `"registrations": 10`, `"fill_rate": 0.4`, `"efficiency": 1`, `"mean_price"`, `"parameters"`, `"version"`, `"search_model": "informed"`, `"direct_trades"`, `"max_surplus"`} {
		require.Contains(t, out, key)
	}

	code, out, _ = run(cli.Options{}, "-format", "csv", "-buyers", "30", "-sellers", "20", "-search", "sample:3,sequential:10", "-contact-cost", "7")
	require.Equal(t, cli.ExitOK, code)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	require.Contains(t, lines[1], ",sample:3,30,20,180,90,630,")
	require.Contains(t, lines[2], ",sequential:10,")
}

func TestSweep(t *testing.T) {
	var plotted *contacts.Sweep
	opt := cli.Options{Plot: func(path string, s *contacts.Sweep) error {
		require.Equal(t, "out.svg", path)
		plotted = s
		return nil
	}}
	code, out, errs := run(opt, "-sweep", "-to", "200", "-seeds", "2", "-plot", "out.svg", "-fit-from", "20")
	require.Equal(t, cli.ExitOK, code, errs)
	require.NotContains(t, errs, "\r", "stderr is not a terminal: no progress bar")
	require.NotContains(t, errs, "sweep [")
	require.Contains(t, out, "log-log least-squares fit")
	require.Contains(t, out, "fit from N >= 20")
	require.Regexp(t, `contacts:exhaustive\s+2\.0000`, out)
	require.NotNil(t, plotted)
	require.Len(t, plotted.Results, 6*2)

	code, out, errs = run(cli.Options{}, "-sweep", "-to", "50", "-format", "json", "-progress=false")
	require.Equal(t, cli.ExitOK, code, errs)
	require.Empty(t, errs)
	var s struct {
		Parameters map[string]any    `json:"parameters"`
		Sweep      map[string]any    `json:"sweep"`
		Results    []contacts.Result `json:"results"`
		Fits       []map[string]any  `json:"fits"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	require.Len(t, s.Results, 4*3)
	require.Len(t, s.Fits, len(contacts.Quantities(contacts.Config{})))
	require.Contains(t, s.Parameters, "version")
	require.Contains(t, s.Parameters, "zipf")
	require.Contains(t, s.Sweep, "bootstrap_seed")
	require.Contains(t, s.Fits[0], "ci95_low")
	require.Contains(t, s.Fits[0], "local_slopes")
	require.NotRegexp(t, `"[A-Z][A-Za-z]*"\s*:`, out)

	code, out, errs = run(cli.Options{}, "-sweep", "-to", "20", "-format", "csv", "-progress=false")
	require.Equal(t, cli.ExitOK, code, errs)
	require.True(t, strings.HasPrefix(out, contacts.CSVHeader+"\n"))
	require.Contains(t, errs, "slope")
}

func TestIsTerminal(t *testing.T) {
	var buf bytes.Buffer
	require.False(t, cli.IsTerminal(&buf))
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	defer f.Close()
	require.False(t, cli.IsTerminal(f), "a regular file is not a terminal")
	code, _, _ := func() (int, string, string) {
		c := cli.Run([]string{"-sweep", "-to", "20", "-seeds", "1"}, &buf, f, cli.Options{})
		return c, "", ""
	}()
	require.Equal(t, cli.ExitOK, code)
	b, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	require.NotContains(t, string(b), "\r")
}

func TestFigures(t *testing.T) {
	dir := t.TempDir()
	var got []*contacts.Sweep
	opt := cli.Options{Figures: func(d string, s []*contacts.Sweep) error {
		require.Equal(t, dir, d)
		got = s
		return nil
	}}
	code, out, errs := run(opt, "-figures", dir, "-to", "20")
	require.Equal(t, cli.ExitOK, code, errs)
	require.Contains(t, out, dir)
	require.Len(t, got, len(contacts.Figures(5, 20)))
	md, err := os.ReadFile(filepath.Join(dir, "tables.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "### one market")
	require.Contains(t, string(md), "contacts:sequential:20")
	csv, err := os.ReadFile(filepath.Join(dir, "contacts.csv"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(csv), contacts.CSVHeader+"\n"))
}

// -docs rewrites the generated blocks of the pages it names and refuses a
// page that has none.
func TestFiguresDocs(t *testing.T) {
	dir := t.TempDir()
	opt := cli.Options{Figures: func(string, []*contacts.Sweep) error { return nil }}
	page := filepath.Join(dir, "page.md")
	stale := "intro\n" + contacts.BeginMarker(contacts.BlockExample) + "\nstale\n" + contacts.EndMarker(contacts.BlockExample) + "\n" +
		contacts.BeginMarker(contacts.BlockTables) + "\nstale\n" + contacts.EndMarker(contacts.BlockTables) + "\nend\n"
	require.NoError(t, os.WriteFile(page, []byte(stale), 0o644))
	code, out, errs := run(opt, "-figures", dir, "-to", "10", "-docs", page)
	require.Equal(t, cli.ExitOK, code, errs)
	require.Contains(t, out, "rewrote 2 generated blocks of "+page)
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	ex, ok := contacts.Block(string(b), contacts.BlockExample)
	require.True(t, ok)
	require.Contains(t, ex, "25 inquiries + 25 replies")
	tables, ok := contacts.Block(string(b), contacts.BlockTables)
	require.True(t, ok)
	md, err := os.ReadFile(filepath.Join(dir, "tables.md"))
	require.NoError(t, err)
	require.Equal(t, string(md), tables)
	require.True(t, strings.HasSuffix(string(b), contacts.EndMarker(contacts.BlockTables)+"\nend\n"))

	bare := filepath.Join(dir, "bare.md")
	require.NoError(t, os.WriteFile(bare, []byte("no blocks\n"), 0o644))
	code, _, errs = run(opt, "-figures", dir, "-to", "10", "-docs", bare)
	require.Equal(t, cli.ExitError, code)
	require.Contains(t, errs, "no generated block markers")
}
