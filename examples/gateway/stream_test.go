package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sameEvents requires the events of a stream output to be those the
// command's response carried.
func sameEvents(t *testing.T, got output, want result) {
	t.Helper()
	a, _ := json.Marshal(got.Events)
	b, _ := json.Marshal(want.Events)
	if got.Seq != want.Seq || string(a) != string(b) {
		t.Fatalf("stream output %d %s, the command's response %d %s", got.Seq, a, want.Seq, b)
	}
}

func TestStreamFromStartAndResume(t *testing.T) {
	g := newGW(t)
	seller, buyer := g.participant(innCement), g.participant(innStroy)
	seeded := g.x.Seq()
	var sent []result
	for i := range 4 {
		sent = append(sent, g.command("/api/orders", g.order(seller, "sell", 550000+100*i, 3)))
		sent = append(sent, g.command("/api/orders", g.order(buyer, "buy", 550000+100*i, 2)))
	}
	// No Last-Event-ID: from the oldest output held, the first command.
	s := g.openStream("/api/stream", "")
	for seq := uint64(1); seq <= seeded; seq++ {
		if o := s.output(); o.Seq != seq {
			t.Fatalf("output %d, want %d", o.Seq, seq)
		}
	}
	for _, r := range sent {
		sameEvents(t, s.output(), r)
	}
	s.close()

	// Disconnected meanwhile.
	for range 3 {
		sent = append(sent, g.command("/api/orders", g.order(buyer, "buy", 540000, 1)))
	}
	// Resume after the output 3 back from the end of what was read.
	read := len(sent) - 3
	s = g.openStream("/api/stream", fmt.Sprint(sent[read-3].Seq))
	for _, r := range sent[read-2:] {
		sameEvents(t, s.output(), r)
	}
	// Live from there on.
	r := g.command("/api/orders", g.order(seller, "sell", 540000, 2))
	sameEvents(t, s.output(), r)
	// ?from=N starts at N itself.
	s2 := g.openStream(fmt.Sprintf("/api/stream?from=%d", r.Seq), "")
	sameEvents(t, s2.output(), r)
}

// Concurrent submitters finish in any order; the stream still carries
// every seq once, in order, each with the events its submitter got.
func TestStreamOrderUnderConcurrentSubmitters(t *testing.T) {
	g := newGW(t)
	from := g.x.Seq() + 1
	s := g.openStream(fmt.Sprintf("/api/stream?from=%d", from), "")
	ids := []string{innStroy, innGorod, innCement, innUral}
	var mu sync.Mutex
	bySeq := map[uint64]result{}
	var wg sync.WaitGroup
	const each = 25
	for i, inn := range ids {
		p := g.participant(inn)
		side := []string{"buy", "sell"}[i%2]
		wg.Go(func() {
			for k := range each {
				body := g.order(p, side, 550000+100*(k%5), 1)
				res, err := http.Post(g.srv.URL+"/api/orders", "application/json", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				var r result
				err = json.NewDecoder(res.Body).Decode(&r)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 {
					t.Errorf("place: %d %v", res.StatusCode, err)
					return
				}
				mu.Lock()
				bySeq[r.Seq] = r
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(bySeq) != len(ids)*each {
		t.Fatalf("%d distinct seqs for %d commands", len(bySeq), len(ids)*each)
	}
	for seq := from; seq < from+uint64(len(bySeq)); seq++ {
		o := s.output()
		if o.Seq != seq {
			t.Fatalf("output %d, want %d: a gap or a duplicate", o.Seq, seq)
		}
		sameEvents(t, o, bySeq[seq])
	}
}

func TestStreamKeepAlive(t *testing.T) {
	g := newGW(t)
	s := g.openStream(fmt.Sprintf("/api/stream?from=%d", g.x.Seq()+1), "")
	// An idle stream sends comments (every 50ms here); the client skips
	// them, and the next output still comes through.
	var saw bool
	for !saw {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		saw = line == ": ping\n"
	}
	r := g.command("/api/orders", g.order(g.participant(innUral), "sell", 550000, 1))
	sameEvents(t, s.output(), r)
}

func TestRestartRecoversAndStreamResumes(t *testing.T) {
	dir := t.TempDir()
	var clk atomic.Int64
	clk.Store(1_000_000)
	g := startGW(t, dir, &clk, true)
	seller, buyer := g.participant(innCement), g.participant(innStroy)
	g.command("/api/orders", g.order(seller, "sell", 550000, 10))
	g.command("/api/orders", g.order(buyer, "buy", 550000, 4))
	last := g.command("/api/orders", g.order(buyer, "buy", 549000, 2)).Seq
	_, before := g.do("GET", "/api/depth?category=23.51.12&basis=MSK", "")
	g.stop()

	g = startGW(t, dir, &clk, true) // the seed is not repeated: the exchange holds data
	if g.x.Seq() != last {
		t.Fatalf("recovered seq %d, want %d", g.x.Seq(), last)
	}
	code, list := g.do("GET", "/api/participants", "")
	if n := len(list["list"].([]any)); code != 200 || n != len(seedCompanies) {
		t.Fatalf("participants after the restart: %d, %d, want %d", code, n, len(seedCompanies))
	}
	if p := g.participant(innCement); p != seller {
		t.Fatalf("INN %s is participant %d after the restart, was %d", innCement, p, seller)
	}
	_, after := g.do("GET", "/api/depth?category=23.51.12&basis=MSK", "")
	a, _ := json.Marshal(after)
	b, _ := json.Marshal(before)
	if string(a) != string(b) {
		t.Fatalf("depth after the restart %s, before %s", a, b)
	}

	// A client that had read up to last resumes with the next command.
	s := g.openStream("/api/stream", fmt.Sprint(last))
	r := g.command("/api/orders", g.order(seller, "sell", 551000, 1))
	if r.Seq != last+1 {
		t.Fatalf("first command after the restart took seq %d, want %d", r.Seq, last+1)
	}
	sameEvents(t, s.output(), r)

	// A client that had read less asks for outputs the reopened exchange
	// does not hold: one typed error naming the oldest held, then the end.
	s = g.openStream("/api/stream", "2")
	m, ok := s.next()
	var e streamError
	if !ok || m.event != "feed-error" || json.Unmarshal([]byte(m.data), &e) != nil {
		t.Fatalf("resume from 3 after the restart: %+v %v, want a feed-error", m, ok)
	}
	if e.Reason != reasonFeedTruncated || e.Want != 3 || e.Oldest != last+1 || e.Last != last+1 || e.Description == "" {
		t.Fatalf("feed-error %+v, want feed-truncated want 3 oldest %d last %d", e, last+1, last+1)
	}
	if m, ok := s.next(); ok {
		t.Fatalf("the stream goes on after its feed-error: %+v", m)
	}

	// A client ahead of the exchange (another directory, say) is told so.
	s = g.openStream("/api/stream", fmt.Sprint(last+10))
	m, ok = s.next()
	if !ok || m.event != "feed-error" || json.Unmarshal([]byte(m.data), &e) != nil || e.Reason != reasonFeedAhead || e.Want != last+11 {
		t.Fatalf("resume ahead: %+v %v %+v, want feed-ahead", m, ok, e)
	}
}

func TestWatermark(t *testing.T) {
	var m watermark
	m.init(5)
	ctx := context.Background()
	if err := m.wait(ctx, 5); err != nil {
		t.Fatalf("wait for an acknowledged seq: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- m.wait(ctx, 7) }()
	m.advance(6)
	m.advance(4) // never goes back
	if m.load() != 6 {
		t.Fatalf("watermark %d, want 6", m.load())
	}
	m.advance(7)
	if err := <-done; err != nil {
		t.Fatalf("wait for 7: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.wait(cctx, 8); err == nil {
		t.Fatal("wait for an unacknowledged seq with a cancelled context returned nil")
	}
}

// lockedBuffer is an io.Writer safe for the server goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var urlRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)

// startRun runs the gateway's main loop with args and returns its URL,
// a stop function (the signal) and its output.
func startRun(t *testing.T, args ...string) (string, func() error, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, &out, &errs) }()
	for {
		if u := urlRE.FindString(out.String()); u != "" {
			stop := func() error { cancel(); return <-done }
			return u, stop, &out
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("run ended before serving: %v, %s", err, errs.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestRunServesThenClosesOnSignal(t *testing.T) {
	dir := t.TempDir()
	u, stop, out := startRun(t, "-dir", dir, "-journal", "sync")
	res, err := http.Get(u + "api/participants?inn=" + innUral)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	_ = json.NewDecoder(res.Body).Decode(&p)
	res.Body.Close()
	if res.StatusCode != 200 || p["status"] != "verified" {
		t.Fatalf("lookup on the running gateway: %d %v", res.StatusCode, p)
	}
	// An open stream does not hold up the shutdown.
	sres, err := http.Get(u + "api/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer sres.Body.Close()
	line, _ := bufio.NewReader(sres.Body).ReadString('\n')
	if !strings.HasPrefix(line, "retry:") {
		t.Fatalf("stream starts with %q", line)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out.String(), "gateway: exchange closed") {
		t.Fatalf("output %q lacks the close", out.String())
	}
	_, _ = io.Copy(io.Discard, sres.Body) // the stream was ended

	// Again on the same directory: recovered, not seeded twice.
	u, stop, out = startRun(t, "-dir", dir)
	res, err = http.Get(u + "api/participants")
	if err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	_ = json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if len(list) != len(seedCompanies) {
		t.Fatalf("%d participants after a restart, want %d", len(list), len(seedCompanies))
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if want := fmt.Sprintf("seq %d:", 2*len(seedCompanies)); !strings.Contains(out.String(), want) {
		t.Fatalf("output %q lacks %q", out.String(), want)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-journal", "fast"}, {"-nope"}} {
		var out, errs lockedBuffer
		if err := run(context.Background(), args, &out, &errs); err == nil {
			t.Errorf("run %v: nil error", args)
		}
	}
}
