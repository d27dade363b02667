// Command gateway serves an Agora exchange over HTTP and JSON, with a live
// web page: a market's book depth and fills, a tender board, and a form to
// place an order.
//
//	go run ./examples/gateway                      # a fresh exchange in a temp dir
//	go run ./examples/gateway -dir data -addr 127.0.0.1:8080 -journal sync
//
// The exchange is durable, kept in -dir (default: a temporary directory,
// removed at exit). An exchange that holds nothing yet is seeded with four
// verified companies (-seed=false leaves it empty); the sample catalog is
// always the one traded. It prints the page's URL and serves until SIGINT
// or SIGTERM, then closes the exchange. Restarted on the same -dir, it
// recovers the exchange, and pages resume their streams where they were.
//
// # API
//
// Bodies are JSON objects of the fields of wire.Command that the command's
// kind reads (see package matching), snake_case, with enums as lower-case
// names ("buy", "limit", "gtc", "verified") and IDs as strings (numbers are
// read too; order IDs may exceed 2^53, so a JavaScript client keeps them as
// strings). The route sets the command's kind and the gateway its time, in
// Unix milliseconds, the unit of every time field (close_at, expire_at,
// lead_time).
//
//	GET  /                              the page
//	GET  /api/catalog                   tradable categories and delivery bases
//	GET  /api/participants              every participant
//	GET  /api/participants?inn=X        the participant with INN X
//	POST /api/participants              register {name, inn, kpp}
//	POST /api/participants/{id}/status  moderate {status}
//	POST /api/orders                    place {participant, category, basis, side, type, tif, price, qty, ...}
//	POST /api/orders/{id}/cancel        cancel {participant}
//	POST /api/orders/{id}/amend         amend {participant, price, qty}
//	GET  /api/depth?category=C&basis=B  book depth (IDs or codes; &levels=N, default 10)
//	POST /api/tenders                   open a tender {participant, category, basis, qty, price, close_at, ...}
//	GET  /api/tenders/{id}              the tender, and its ranked bids once closed
//	POST /api/tenders/{id}/bids         bid {participant, price, qty, lead_time}
//	POST /api/tenders/{id}/close        close and award {participant}
//	GET  /api/stream                    outputs in sequence order (server-sent events)
//
// A command answers 200 {"seq", "events"}. Every error answers a JSON body
// {"error": {"status", "reason", "description", "message", "seq"}}:
//
//	400 bad-request         malformed JSON, an unknown field, kind or time set, a bad ID or query
//	                        (a depth query names a bad market: unknown-category, not-leaf, unknown-basis)
//	404 not-found           no such route; unknown-participant, unknown-tender for a lookup
//	405 method-not-allowed  the route exists for other methods (see the Allow header)
//	413 body-too-large      a body over 64 KiB
//	422 <reject reason>     the exchange refused the command: reason is the wire.RejectReason name
//	                        (unknown-order, not-verified, price-not-on-tick, ...) and the body also
//	                        carries the refused command's seq and events; the refusal took that
//	                        sequence number and appears in the stream too
//	503 journal-failed      the journal failed; nothing is acknowledged until a restart
//
// 422 is the one status of refusals, whether the command was invalid in
// itself or in the exchange's current state: the reason tells them apart.
//
// # Stream
//
// GET /api/stream sends one "output" message per sequence number, its id
// the seq and its data {"seq", "events"}, in order, with no gap and no
// duplicate. It resumes after Last-Event-ID (EventSource sends it on
// reconnecting), or starts at ?from=N, or at the oldest output held. An
// output is sent once its command is acknowledged, so in the sync and
// group-commit journal modes a client never sees an output a crash could
// lose. When the outputs asked for are gone, one "feed-error" message
// {"reason": "feed-truncated", "want", "oldest", "last"} ends the stream.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/wire"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// openExchange opens the durable exchange kept in dir, on the sample
// catalog, with the journal in mode. It is the gateway's one call into the
// durability layer; everything else uses the *matching.Exchange API.
func openExchange(dir string, mode journal.Mode) (*matching.Exchange, error) {
	return durable.Open(dir, matching.Config{}, durable.Options{
		Journal:       journal.Options{Mode: mode},
		SnapshotEvery: 100_000,
	})
}

// journalModes are the values of -journal.
var journalModes = map[string]journal.Mode{
	"sync":         journal.ModeSync,
	"group-commit": journal.ModeGroupCommit,
	"group":        journal.ModeGroupCommit,
	"async":        journal.ModeAsync,
}

// run is the gateway: it parses args, opens the exchange, serves until ctx
// is done, then shuts the server down and closes the exchange.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	dir := fs.String("dir", "", "the exchange's directory (default: a temporary directory, removed at exit)")
	modeName := fs.String("journal", "group-commit", "journal mode: sync, group-commit or async")
	seed := fs.Bool("seed", true, "seed an empty exchange with four verified companies")
	if err := fs.Parse(args); err != nil {
		return err
	}
	mode, ok := journalModes[*modeName]
	if !ok {
		return fmt.Errorf("-journal %q: want sync, group-commit or async", *modeName)
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "agora-gateway-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	x, err := openExchange(*dir, mode)
	if err != nil {
		return err
	}
	srv := NewServer(x, nil)
	if *seed && x.Seq() == 0 {
		if err := srv.seed(); err != nil {
			durable.Of(x).Close()
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		durable.Of(x).Close()
		return err
	}
	rec := durable.Of(x).Recovery()
	fmt.Fprintf(stdout, "gateway: http://%s/ (exchange in %s, journal %s, seq %d: snapshot %d + %d replayed)\n",
		ln.Addr(), *dir, mode, x.Seq(), rec.SnapshotSeq, rec.Replayed)

	// Streams end when ctx does: a request's context derives from base.
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		cancel()
		sctx, done := context.WithTimeout(context.Background(), 5*time.Second)
		err = hs.Shutdown(sctx)
		done()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if cerr := durable.Of(x).Close(); err == nil {
		err = cerr
	}
	if err == nil {
		fmt.Fprintln(stdout, "gateway: exchange closed")
	}
	return err
}

// seedCompanies are the companies an empty exchange starts with.
var seedCompanies = []struct{ name, inn, kpp string }{
	{"StroyMontazh LLC", "7707083893", "773601001"},
	{"Gorod Development JSC", "7736207543", ""},
	{"CementTorg LLC", "5001007329", ""},
	{"Uralcement JSC", "6658008627", ""},
}

// seed registers and verifies seedCompanies through the server's path.
func (s *Server) seed() error {
	for _, c := range seedCompanies {
		evs, err := s.submitCmd(wire.Command{Kind: wire.CmdRegister, Name: c.name, INN: c.inn, KPP: c.kpp})
		if err != nil {
			return fmt.Errorf("seed %s: %w", c.name, err)
		}
		id := evs[len(evs)-1].Participant
		if _, err := s.submitCmd(wire.Command{Kind: wire.CmdSetStatus, Participant: id, Status: catalog.StatusVerified}); err != nil {
			return fmt.Errorf("seed %s: %w", c.name, err)
		}
	}
	return nil
}
