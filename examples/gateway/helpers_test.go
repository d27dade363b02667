package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/wire"
)

// gw is a gateway under test on a durable exchange in dir, with a clock
// the test moves.
type gw struct {
	t   *testing.T
	dir string
	x   *matching.Exchange
	s   *Server
	srv *httptest.Server
	clk *atomic.Int64
}

// startGW opens (or reopens) the exchange in dir and serves it; seed
// seeds an empty one. The clock is shared across restarts, as a wall
// clock would be.
func startGW(t *testing.T, dir string, clk *atomic.Int64, seed bool) *gw {
	t.Helper()
	x, err := openExchange(dir, journal.ModeGroupCommit)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	s := NewServer(x, func() int64 { return clk.Add(1) })
	s.ping = 50 * time.Millisecond
	if seed && x.Seq() == 0 {
		if err := s.seed(); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	g := &gw{t: t, dir: dir, x: x, s: s, srv: httptest.NewServer(s), clk: clk}
	t.Cleanup(g.stop)
	return g
}

// stop closes the server (and its streams) and the exchange; it may be
// called more than once.
func (g *gw) stop() {
	if g.srv == nil {
		return
	}
	g.srv.CloseClientConnections()
	g.srv.Close()
	if err := durable.Of(g.x).Close(); err != nil {
		g.t.Errorf("close: %v", err)
	}
	g.srv = nil
}

// do sends a request with body (nil: none) and returns the status and
// the decoded JSON body.
func (g *gw) do(method, path, body string) (int, map[string]any) {
	g.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.srv.URL+path, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		g.t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		g.t.Fatalf("%s %s: Content-Type %q, body %s", method, path, ct, b)
	}
	var v map[string]any
	if len(b) > 0 && b[0] == '[' {
		var list []any
		if err := json.Unmarshal(b, &list); err != nil {
			g.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
		return res.StatusCode, map[string]any{"list": list}
	}
	if err := json.Unmarshal(b, &v); err != nil {
		g.t.Fatalf("%s %s: %v in %s", method, path, err, b)
	}
	return res.StatusCode, v
}

// command sends a command and requires 200; it returns its result.
func (g *gw) command(path, body string) result {
	g.t.Helper()
	res, err := http.Post(g.srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		g.t.Fatalf("POST %s %s: %d %s", path, body, res.StatusCode, b)
	}
	var r result
	if err := json.Unmarshal(b, &r); err != nil {
		g.t.Fatalf("POST %s: %v in %s", path, err, b)
	}
	if len(r.Events) == 0 || r.Events[0].Seq != r.Seq {
		g.t.Fatalf("POST %s: result %+v: want events of seq %d", path, r, r.Seq)
	}
	return r
}

// participant returns the ID of the seeded company with inn.
func (g *gw) participant(inn string) catalog.ParticipantID {
	g.t.Helper()
	p, ok := g.x.ParticipantByINN(inn)
	if !ok {
		g.t.Fatalf("no participant with INN %s", inn)
	}
	return p.ID
}

// The seeded companies' INNs.
const (
	innStroy  = "7707083893"
	innGorod  = "7736207543"
	innCement = "5001007329"
	innUral   = "6658008627"
)

// order is the body of a limit GTC order on cement M500 at Moscow.
func (g *gw) order(p catalog.ParticipantID, side string, price, qty int) string {
	g.t.Helper()
	key := g.cement()
	b, _ := json.Marshal(map[string]any{"participant": p, "category": key.Category, "basis": key.Basis,
		"side": side, "type": "limit", "tif": "gtc", "price": price, "qty": qty})
	return string(b)
}

// cement is the market of cement M500 at Moscow.
func (g *gw) cement() matching.MarketKey {
	g.t.Helper()
	cat := g.x.Catalog()
	c, ok1 := cat.Taxonomy.ByCode("23.51.12")
	b, ok2 := cat.Bases.ByCode("MSK")
	if !ok1 || !ok2 {
		g.t.Fatal("the sample catalog lacks cement M500 at Moscow")
	}
	return matching.MarketKey{Category: c.ID, Basis: b.ID}
}

// sseMsg is one server-sent event.
type sseMsg struct {
	id, event, data string
}

// sse is a client of the output stream.
type sse struct {
	t      *testing.T
	res    *http.Response
	rd     *bufio.Reader
	cancel context.CancelFunc
}

// openStream opens GET path with the Last-Event-ID header (if not "").
func (g *gw) openStream(path, lastID string) *sse {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	req, err := http.NewRequestWithContext(ctx, "GET", g.srv.URL+path, nil)
	if err != nil {
		g.t.Fatal(err)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		g.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(res.Body)
		cancel()
		g.t.Fatalf("stream %s: %d %s %s", path, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	s := &sse{t: g.t, res: res, rd: bufio.NewReader(res.Body), cancel: cancel}
	g.t.Cleanup(s.close)
	return s
}

func (s *sse) close() { s.cancel(); s.res.Body.Close() }

// next returns the next message other than comments and retry lines, or
// ok false at the end of the stream.
func (s *sse) next() (m sseMsg, ok bool) {
	s.t.Helper()
	var data bytes.Buffer
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			return m, false
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if m.event != "" || data.Len() > 0 {
				m.data = data.String()
				return m, true
			}
		case strings.HasPrefix(line, ":"), strings.HasPrefix(line, "retry:"):
		case strings.HasPrefix(line, "id: "):
			m.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			m.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			data.WriteString(line[6:])
		default:
			s.t.Fatalf("stream: unexpected line %q", line)
		}
	}
}

// output reads the next message and requires an output.
func (s *sse) output() output {
	s.t.Helper()
	m, ok := s.next()
	if !ok {
		s.t.Fatal("stream ended")
	}
	if m.event != "output" {
		s.t.Fatalf("stream: message %+v, want an output", m)
	}
	var o output
	if err := json.Unmarshal([]byte(m.data), &o); err != nil {
		s.t.Fatalf("stream: %v in %s", err, m.data)
	}
	if m.id != jsonNum(o.Seq) {
		s.t.Fatalf("stream: id %q for output seq %d", m.id, o.Seq)
	}
	for _, e := range o.Events {
		if e.Seq != o.Seq {
			s.t.Fatalf("stream: event of seq %d in output %d", e.Seq, o.Seq)
		}
	}
	return o
}

func jsonNum(n uint64) string { b, _ := json.Marshal(n); return string(b) }

// kinds returns the kinds of evs.
func kinds(evs []wire.Event) []wire.EventKind {
	var k []wire.EventKind
	for _, e := range evs {
		k = append(k, e.Kind)
	}
	return k
}
