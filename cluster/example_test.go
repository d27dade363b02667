package cluster_test

import (
	"context"
	"fmt"
	"time"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/cluster"
	"github.com/agora-exchange/agora/replog/memlog"
	"github.com/agora-exchange/agora/wire"
)

// Example runs a 2-shard cluster on the in-memory log: one node applies
// both shards, and a gateway registers a buyer and a seller (global
// commands, applied by every shard), activates them and crosses their
// orders in one market. Package natsjs provides the same log on NATS
// JetStream; natsjs/e2e/examples/cluster runs this across nodes.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{})
	defer log.Close()
	cfg := cluster.Config{Shards: 2, Heartbeat: 50 * time.Millisecond, TTL: time.Second}

	node, err := cluster.NewNode(ctx, log, cfg, "node-a")
	if err != nil {
		fmt.Println(err)
		return
	}
	nctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- node.Run(nctx, 0) }()
	defer func() { stop(); <-done }()

	g, err := cluster.NewGateway(ctx, log, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	submit := func(id string, cmd wire.Command) []wire.Event {
		ack, err := g.Submit(ctx, id, cmd)
		if err != nil {
			fmt.Println(err)
			return nil
		}
		res, err := g.Wait(ctx, ack)
		if err != nil {
			fmt.Println(err)
			return nil
		}
		return res.Events
	}
	var parts []catalog.ParticipantID
	for i, name := range []string{"Buyer LLC", "Seller LLC"} {
		inn, _ := catalog.LegalEntityINN(fmt.Sprintf("77%07d", i+1))
		for _, ev := range submit("reg-"+name, wire.Command{Kind: wire.CmdRegister, Name: name, INN: inn}) {
			if ev.Kind == wire.EventRegistered {
				parts = append(parts, ev.Participant)
			}
		}
		submit("act-"+name, wire.Command{Kind: wire.CmdSetStatus, Participant: parts[i], Status: catalog.Status(2)})
	}

	// Portland cement M500 delivered to Moscow, in the sample catalog
	// (the engine's default).
	cat, err := catalog.Sample()
	if err != nil {
		fmt.Println(err)
		return
	}
	cement, _ := cat.Taxonomy.ByCode("23.51.12")
	moscow, _ := cat.Bases.ByCode("MSK")
	market := wire.MarketKey{Category: cement.ID, Basis: moscow.ID}
	fmt.Println("market's shard:", cluster.ShardOf(market, cfg.Shards))
	order := func(p catalog.ParticipantID, side wire.Side, kopecks catalog.Price, tons catalog.Qty) wire.Command {
		return wire.Command{Kind: wire.CmdPlace, Participant: p, Category: market.Category, Basis: market.Basis,
			Side: side, Type: wire.Limit, TIF: wire.GTC, Price: kopecks, Qty: tons}
	}
	submit("sell-1", order(parts[1], wire.Sell, 645_000, 200))
	for _, ev := range submit("buy-1", order(parts[0], wire.Buy, 650_000, 150)) {
		if ev.Kind == wire.EventFill {
			fmt.Printf("fill: participant %d buys %d t from participant %d at %d kopecks/t\n", ev.Participant, ev.Qty, ev.MakerParticipant, ev.Price)
		}
	}
	// Output:
	// market's shard: 0
	// fill: participant 1 buys 150 t from participant 2 at 645000 kopecks/t
}
