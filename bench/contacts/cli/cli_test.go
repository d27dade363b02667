package cli_test

import (
	"bytes"
	"encoding/json"
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
	require.Regexp(t, `direct search, informed .*\s25\s+25\s+50\n`, out)
	require.Regexp(t, `exchange, postings \(B\+S\)\s+5\s+5\s+10\n`, out)
	require.Contains(t, out, "direct search: 50 contacts (25 by buyers, 25 by sellers); exchange: 10 postings; ratio 5.0")
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
	require.Len(t, lines, 3)
	require.Equal(t, contacts.CSVHeader, lines[0])
	require.True(t, strings.HasPrefix(lines[1], "50,40,3,1,4000,"), lines[1])
	require.True(t, strings.HasPrefix(lines[2], "50,40,3,2,4000,"), lines[2])
	_, again, _ := run(cli.Options{}, "-format", "csv", "-seeds", "2", "-buyers", "50", "-sellers", "40", "-markets", "3")
	require.Equal(t, out, again)

	code, out, _ = run(cli.Options{}, "-format", "json")
	require.Equal(t, cli.ExitOK, code)
	var r contacts.Result
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	require.EqualValues(t, 50, r.DirectInformed())
	require.EqualValues(t, 10, r.ExchangePostings())
}

func TestSweep(t *testing.T) {
	var plotted *contacts.Sweep
	opt := cli.Options{Plot: func(path string, s *contacts.Sweep) error {
		require.Equal(t, "out.svg", path)
		plotted = s
		return nil
	}}
	code, out, errs := run(opt, "-sweep", "-to", "200", "-seeds", "2", "-plot", "out.svg")
	require.Equal(t, cli.ExitOK, code, errs)
	require.Contains(t, errs, "sweep [")
	require.Contains(t, errs, "100%")
	require.Contains(t, out, "log-log least-squares fit")
	require.Regexp(t, `direct_informed\s+2\.0000`, out)
	require.NotNil(t, plotted)
	require.Len(t, plotted.Results, 6*2)

	code, out, errs = run(cli.Options{}, "-sweep", "-to", "50", "-format", "json", "-progress=false")
	require.Equal(t, cli.ExitOK, code, errs)
	require.Empty(t, errs)
	var s struct {
		Results []contacts.Result
		Fits    []map[string]any
	}
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	require.Len(t, s.Results, 4*3)
	require.Len(t, s.Fits, len(contacts.Models))

	code, out, errs = run(cli.Options{}, "-sweep", "-to", "20", "-format", "csv", "-progress=false")
	require.Equal(t, cli.ExitOK, code, errs)
	require.True(t, strings.HasPrefix(out, contacts.CSVHeader+"\n"))
	require.Contains(t, errs, "slope")
}
