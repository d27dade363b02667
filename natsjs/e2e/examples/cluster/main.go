// Command cluster runs Agora as two nodes on a 3-server NATS JetStream
// cluster, all in one process: it prints the shard map, trades across the
// shards, crashes a node, trades on, and checks that no acknowledged
// command was lost. With -nats it runs the same nodes against an external
// NATS cluster instead; see README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/agora-exchange/agora/cluster"
	"github.com/agora-exchange/agora/natsjs"
	"github.com/agora-exchange/agora/natsjs/e2e"
	"github.com/agora-exchange/agora/replog"
	"github.com/agora-exchange/agora/wire"
)

type options struct {
	urls    string // external NATS servers; "" starts an embedded cluster
	creds   string
	prefix  string
	shards  uint32
	orders  int
	tempDir string
}

func main() {
	var o options
	flag.StringVar(&o.urls, "nats", "", "comma-separated URLs of an external NATS cluster (default: start 3 embedded servers)")
	flag.StringVar(&o.creds, "creds", "", "NATS credentials file for -nats")
	flag.StringVar(&o.prefix, "prefix", "EXAMPLE", "stream and bucket name prefix")
	flag.IntVar(&o.orders, "orders", 400, "orders before and after the crash, each")
	flag.Parse()
	o.shards = 4
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, o options) error {
	var natsOpts []nats.Option
	if o.creds != "" {
		natsOpts = append(natsOpts, nats.UserCredentials(o.creds))
	}
	urls := o.urls
	if urls == "" {
		dir := o.tempDir
		if dir == "" {
			d, err := os.MkdirTemp("", "agora-cluster-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(d)
			dir = d
		}
		c, err := e2e.StartCluster(dir, 3)
		if err != nil {
			return err
		}
		defer c.Shutdown()
		urls = c.URLs()
		fmt.Fprintf(w, "NATS: 3 embedded servers, JetStream R3\n")
	}
	cfg := cluster.Config{Shards: o.shards, Prefix: o.prefix, Heartbeat: 200 * time.Millisecond, TTL: time.Second,
		Retry: replog.Retry{CallTimeout: time.Second, Backoff: 20 * time.Millisecond, Attempts: 100}}
	names := []string{"node-a", "node-b"}
	nodes := map[string]*e2e.Node{}
	for _, name := range names {
		n, err := e2e.StartNode(ctx, urls, name, cfg, natsOpts...)
		if err != nil {
			return err
		}
		nodes[name] = n
		defer n.Crash()
	}
	fmt.Fprintln(w, "shard map (owner first):")
	for k := range o.shards {
		fmt.Fprintf(w, "  shard %d: %s\n", k, strings.Join(cluster.Rendezvous(k, names, 2), ", "))
	}
	g, closeG, err := e2e.Gateway(ctx, urls, cfg, natsOpts...)
	if err != nil {
		return err
	}
	defer closeG()
	ps, err := e2e.Register(ctx, g, 4)
	if err != nil {
		return err
	}
	markets, err := e2e.Markets(8)
	if err != nil {
		return err
	}
	acks := map[string]cluster.Ack{}
	fills := 0
	perShard := make([]int, o.shards)
	trade := func(from, to int) error {
		for i := from; i < to; i++ {
			req := fmt.Sprintf("order-%d", i)
			m := markets[i%len(markets)]
			cmd := e2e.Place(ps[(i/8)%len(ps)], m, uint64(i+1), i/8%2 == 1)
			var ack cluster.Ack
			var err error
			for attempt := 0; attempt < 20; attempt++ {
				if ack, err = g.Submit(ctx, req, cmd); err == nil {
					break
				}
			}
			if err != nil {
				return fmt.Errorf("%s: %w", req, err)
			}
			res, err := g.Wait(ctx, ack)
			if err != nil {
				return err
			}
			acks[req] = ack
			perShard[ack.Shard]++
			for _, ev := range res.Events {
				if ev.Kind == wire.EventFill {
					fills++
				}
			}
		}
		return nil
	}
	if err := trade(0, o.orders); err != nil {
		return err
	}
	fmt.Fprintf(w, "traded: %d orders, %d fills, per shard %v\n", o.orders, fills, perShard)
	victim := cluster.Rendezvous(0, names, 2)[0]
	if err := nodes[victim].Crash(); err != nil {
		return err
	}
	fmt.Fprintf(w, "crashed %s\n", victim)
	if err := trade(o.orders, 2*o.orders); err != nil {
		return err
	}
	fmt.Fprintf(w, "traded on: %d orders, %d fills in all\n", 2*o.orders, fills)

	// Check: every acknowledged command is in its shard's stream, at its
	// seq, once.
	nc, err := nats.Connect(urls, natsOpts...)
	if err != nil {
		return err
	}
	defer nc.Close()
	l, err := natsjs.Connect(nc, natsjs.Options{})
	if err != nil {
		return err
	}
	defer l.Close()
	found := 0
	for k := range o.shards {
		s, err := l.Stream(ctx, replog.StreamConfig{Name: fmt.Sprintf("%s_CMD_%d", o.prefix, k), Sources: []string{o.prefix + "_GLOBAL"}})
		if err != nil {
			return err
		}
		info, err := s.Info(ctx)
		if err != nil {
			return err
		}
		msgs, err := e2e.ReadAll(ctx, s, info.First, info.Last)
		if err != nil {
			return err
		}
		byID := map[string]uint64{}
		for _, m := range msgs {
			if _, dup := byID[m.ID]; dup && m.ID != "" {
				return fmt.Errorf("shard %d: %s stored twice", k, m.ID)
			}
			byID[m.ID] = m.Seq
		}
		for req, ack := range acks {
			if ack.Shard == k && byID["c."+req] == ack.Seq {
				found++
			}
		}
	}
	lost := len(acks) - found
	fmt.Fprintf(w, "acknowledged %d, found %d at their seqs, lost %d\n", len(acks), found, lost)
	if lost != 0 {
		return errors.New("acknowledged commands lost")
	}
	for name, n := range nodes {
		if errs := n.Node.Errors(); len(errs) > 0 {
			return fmt.Errorf("%s: %v", name, errs)
		}
	}
	return nil
}
