package e2e

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/cluster"
	"github.com/agora-exchange/agora/natsjs"
	"github.com/agora-exchange/agora/replog"
	"github.com/agora-exchange/agora/wire"
)

// Markets returns n tradable markets of the sample catalog.
func Markets(n int) ([]wire.MarketKey, error) {
	cat, err := catalog.Sample()
	if err != nil {
		return nil, err
	}
	var out []wire.MarketKey
	for c := catalog.CategoryID(1); c < 200 && len(out) < n; c++ {
		if _, err := cat.Taxonomy.Tradable(c); err != nil {
			continue
		}
		for b := catalog.BasisID(1); b < 20 && len(out) < n; b++ {
			if _, ok := cat.Bases.ByID(b); ok {
				out = append(out, wire.MarketKey{Category: c, Basis: b})
			}
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("e2e: only %d markets in the sample catalog", len(out))
	}
	return out, nil
}

// Place returns an order of a crossing flow, client order ID i: buys and
// sells around one price on market m, so that many of them fill.
func Place(p catalog.ParticipantID, m wire.MarketKey, i uint64, sell bool) wire.Command {
	side, price := wire.Buy, catalog.Price(100+i%5)*10_000
	if sell {
		side, price = wire.Sell, catalog.Price(98+i%5)*10_000
	}
	return wire.Command{Kind: wire.CmdPlace, Participant: p, Category: m.Category, Basis: m.Basis,
		ClientOrderID: i, Side: side, Type: wire.Limit, TIF: wire.GTC, Price: price, Qty: catalog.Qty(1 + i%3)}
}

// Register registers n active participants through g and returns them.
func Register(ctx context.Context, g *cluster.Gateway, n int) ([]catalog.ParticipantID, error) {
	var ps []catalog.ParticipantID
	for i := range n {
		inn, err := catalog.LegalEntityINN(fmt.Sprintf("77%07d", i+1))
		if err != nil {
			return nil, err
		}
		ack, err := g.Submit(ctx, fmt.Sprintf("reg-%d", i), wire.Command{Kind: wire.CmdRegister, Name: fmt.Sprintf("Company %d", i), INN: inn})
		if err != nil {
			return nil, err
		}
		res, err := g.Wait(ctx, ack)
		if err != nil {
			return nil, err
		}
		var p catalog.ParticipantID
		for _, ev := range res.Events {
			if ev.Kind == wire.EventRegistered {
				p = ev.Participant
			}
		}
		if p == 0 {
			return nil, fmt.Errorf("e2e: registration %d refused: %+v", i, res.Events)
		}
		ack, err = g.Submit(ctx, fmt.Sprintf("act-%d", i), wire.Command{Kind: wire.CmdSetStatus, Participant: p, Status: catalog.Status(2)})
		if err != nil {
			return nil, err
		}
		if _, err := g.Wait(ctx, ack); err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// Node is an Agora node on its own NATS connection.
type Node struct {
	Name string
	NC   *nats.Conn
	Log  *natsjs.Log
	Node *cluster.Node

	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// StartNode connects to urls and runs Agora node name of the cluster of
// cfg until Crash or Stop.
// Connection options (credentials, TLS) come last in opts.
func StartNode(ctx context.Context, urls, name string, cfg cluster.Config, opts ...nats.Option) (*Node, error) {
	nc, err := nats.Connect(urls, append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(20 * time.Millisecond), nats.Timeout(time.Second), nats.Name(name)}, opts...)...)
	if err != nil {
		return nil, err
	}
	l, err := natsjs.Connect(nc, natsjs.Options{CallTimeout: time.Second})
	if err != nil {
		nc.Close()
		return nil, err
	}
	n, err := cluster.NewNode(ctx, l, cfg, name)
	if err != nil {
		l.Close()
		nc.Close()
		return nil, err
	}
	if _, err := n.Sync(ctx); err != nil {
		n.Crash()
		l.Close()
		nc.Close()
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	node := &Node{Name: name, NC: nc, Log: l, Node: n, cancel: cancel, done: make(chan error, 1)}
	go func() { node.done <- n.Run(rctx, 0) }()
	return node, nil
}

// Crash stops the node as a crash would: its heartbeat stays until its
// TTL. It returns the error that ended the node's loop, nil for the crash
// itself.
func (n *Node) Crash() error {
	var err error
	n.once.Do(func() {
		n.cancel()
		err = <-n.done
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		n.Log.Close()
		n.NC.Close()
	})
	return err
}

// Gateway opens a gateway of cfg on its own connection to urls; close
// returns it.
func Gateway(ctx context.Context, urls string, cfg cluster.Config, opts ...nats.Option) (*cluster.Gateway, func(), error) {
	nc, err := nats.Connect(urls, append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(20 * time.Millisecond), nats.Timeout(time.Second), nats.Name("gateway")}, opts...)...)
	if err != nil {
		return nil, nil, err
	}
	l, err := natsjs.Connect(nc, natsjs.Options{CallTimeout: time.Second})
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	g, err := cluster.NewGateway(ctx, l, cfg)
	if err != nil {
		l.Close()
		nc.Close()
		return nil, nil, err
	}
	return g, func() { l.Close(); nc.Close() }, nil
}

// ReadAll reads messages from..to of s.
func ReadAll(ctx context.Context, s replog.Stream, from, to uint64) ([]replog.Msg, error) {
	var out []replog.Msg
	for from <= to {
		msgs, err := s.Read(ctx, from, int(min(to-from+1, 1024)))
		if err != nil {
			return out, err
		}
		for _, m := range msgs {
			if m.Seq != from {
				return out, fmt.Errorf("e2e: stream %s: seq %d where %d was expected", s.Name(), m.Seq, from)
			}
			from++
			out = append(out, m)
		}
	}
	return out, nil
}

func encode(cmd *wire.Command) []byte { return wire.AppendCommand(nil, cmd) }
