package natsjs_test

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/agora-exchange/agora/natsjs"
	"github.com/agora-exchange/agora/replog"
)

// Example opens a shard's command stream on a NATS cluster and appends
// a command under a namespaced message ID. It needs a running NATS
// JetStream cluster, so it has no output to check; module natsjs/e2e runs
// the same against an embedded cluster.
func Example() {
	nc, err := nats.Connect("nats://127.0.0.1:4222", nats.UserCredentials("agora.creds"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer nc.Close()
	log, err := natsjs.Connect(nc, natsjs.Options{CallTimeout: time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer log.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := log.Stream(ctx, replog.StreamConfig{Name: "AGORA_CMD_0", Duplicates: 2 * time.Minute})
	if err != nil {
		fmt.Println(err)
		return
	}
	ack, err := s.Append(ctx, []byte("encoded command"), replog.AppendOptions{ID: "c.request-1"})
	fmt.Println(ack.Seq, ack.Duplicate, err)
}
