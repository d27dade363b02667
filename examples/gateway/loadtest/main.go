// Command loadtest measures a running gateway from a Go client: it places
// -n limit orders on cement M500 at Moscow from -c concurrent clients (the
// seeded companies, buying and selling around 5,500.00 RUB/t so that most
// orders fill), and reads the output stream meanwhile. It prints the
// throughput, the latency of an order (request sent to response read) at
// p50, p99 and max, and the stream's delivery lag: when each order's output
// arrived on the stream, after its response (negative: before it) and after
// its request was sent.
//
//	go build -o /tmp/gateway ./examples/gateway
//	/tmp/gateway -journal sync -addr 127.0.0.1:8080 &
//	go run ./examples/gateway/loadtest -url http://127.0.0.1:8080/ -n 10000 -c 8
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/wire"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// sample is one order's timings.
type sample struct {
	sent, answered, streamed time.Time
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	base := fs.String("url", "", "the gateway's URL")
	n := fs.Int("n", 10_000, "orders to place")
	c := fs.Int("c", 8, "concurrent clients")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *base == "" || *n < 1 || *c < 1 {
		return errors.New("want -url, -n >= 1 and -c >= 1")
	}
	u := strings.TrimSuffix(*base, "/")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *c + 1}}
	var cat struct {
		Categories []catalog.Category `json:"categories"`
		Bases      []catalog.Basis    `json:"bases"`
	}
	if err := getJSON(client, u+"/api/catalog", &cat); err != nil {
		return err
	}
	var key wire.MarketKey
	for _, x := range cat.Categories {
		if x.Code == "23.51.12" {
			key.Category = x.ID
		}
	}
	for _, b := range cat.Bases {
		if b.Code == "MSK" {
			key.Basis = b.ID
		}
	}
	var people []catalog.Participant
	if err := getJSON(client, u+"/api/participants", &people); err != nil {
		return err
	}
	people = slices.DeleteFunc(people, func(p catalog.Participant) bool { return p.Status != catalog.StatusVerified })
	if key.Category == 0 || key.Basis == 0 || len(people) < 2 {
		return errors.New("the gateway lacks cement M500 at Moscow or two verified companies (run it with -seed)")
	}
	order := func(i int) wire.Command {
		side := wire.Buy
		if i%2 == 1 {
			side = wire.Sell
		}
		return wire.Command{Participant: people[i%len(people)].ID, Category: key.Category, Basis: key.Basis,
			Side: side, Type: wire.Limit, TIF: wire.GTC, Price: catalog.Price(549_800 + 100*(i%5)), Qty: 1}
	}

	// The first order tells where the stream starts.
	first, err := place(client, u, order(0))
	if err != nil {
		return err
	}
	samples := make([]sample, *n)
	streamed := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	from := first + 1
	go func() { streamed <- readStream(ctx, client, u, from, samples) }()

	// The clients.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	next := make(chan int, *n)
	for i := range *n {
		next <- i
	}
	close(next)
	seqOf := make([]uint64, *n)
	start := time.Now()
	for range *c {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				seq, err := place(client, u, order(i+1))
				t1 := time.Now()
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
				seqOf[i] = seq
				mu.Lock()
				if seq >= from && seq < from+uint64(*n) {
					samples[seq-from].sent, samples[seq-from].answered = t0, t1
				} else {
					failed = fmt.Errorf("order %d took seq %d outside %d..%d: another client is submitting", i, seq, from, from+uint64(*n)-1)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failed != nil {
		return failed
	}
	select {
	case err := <-streamed:
		if err != nil {
			return err
		}
	case <-time.After(30 * time.Second):
		return errors.New("the stream did not deliver every order within 30s")
	}

	var lat, lagResp, lagSent []time.Duration
	for _, s := range samples {
		lat = append(lat, s.answered.Sub(s.sent))
		lagResp = append(lagResp, s.streamed.Sub(s.answered))
		lagSent = append(lagSent, s.streamed.Sub(s.sent))
	}
	fmt.Fprintf(w, "%d orders from %d clients in %v: %.0f orders/s\n", *n, *c, elapsed.Round(time.Millisecond), float64(*n)/elapsed.Seconds())
	fmt.Fprintf(w, "latency (sent to response):         %s\n", pct(lat))
	fmt.Fprintf(w, "stream lag (after the response):     %s\n", pct(lagResp))
	fmt.Fprintf(w, "stream lag (after the request sent): %s\n", pct(lagSent))
	return nil
}

func pct(d []time.Duration) string {
	slices.Sort(d)
	at := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return fmt.Sprintf("p50 %v  p99 %v  max %v", at(0.50).Round(time.Microsecond), at(0.99).Round(time.Microsecond), d[len(d)-1].Round(time.Microsecond))
}

func getJSON(client *http.Client, url string, v any) error {
	res, err := client.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// place posts an order and returns its seq; a refusal is an error.
func place(client *http.Client, u string, cmd wire.Command) (uint64, error) {
	body, err := json.Marshal(cmd)
	if err != nil {
		return 0, err
	}
	// The route sets the kind and the gateway the time.
	body = bytes.Replace(body, []byte(`"kind":"",`), nil, 1)
	res, err := client.Post(u+"/api/orders", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var r struct {
		Seq uint64 `json:"seq"`
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	if res.StatusCode != 200 {
		return 0, fmt.Errorf("place: %d %s", res.StatusCode, b)
	}
	return r.Seq, json.Unmarshal(b, &r)
}

// readStream reads the stream from seq from on and stamps the arrival of
// each of the len(samples) outputs.
func readStream(ctx context.Context, client *http.Client, u string, from uint64, samples []sample) error {
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/stream?from=%d", u, from), nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	rd := bufio.NewReaderSize(res.Body, 1<<16)
	want := from
	for want < from+uint64(len(samples)) {
		line, err := rd.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("stream: %w", err)
		}
		if !bytes.HasPrefix(line, []byte("id: ")) {
			continue
		}
		now := time.Now()
		var seq uint64
		if _, err := fmt.Sscanf(string(line), "id: %d\n", &seq); err != nil || seq != want {
			return fmt.Errorf("stream: id line %q, want seq %d", line, want)
		}
		samples[seq-from].streamed = now
		want++
	}
	return nil
}
