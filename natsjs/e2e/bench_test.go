package e2e

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/agora-exchange/agora/cluster"
	"github.com/agora-exchange/agora/natsjs"
	"github.com/agora-exchange/agora/replog"
)

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs f and reports ops/s and the process CPU time per op
// (3 servers, the clients and the Agora nodes share the process).
func measure(b *testing.B, ops int, f func()) {
	b.Helper()
	c0, t0 := cpuTime(), time.Now()
	b.ResetTimer()
	f()
	b.StopTimer()
	el, cpu := time.Since(t0), cpuTime()-c0
	b.ReportMetric(float64(ops)/el.Seconds(), "ops/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(ops), "cpu-µs/op")
}

// benchStream starts a bench cluster and returns a connection to it and
// the R3 stream named name, created through natsjs.
func benchStream(b *testing.B, name string) (*nats.Conn, replog.Stream) {
	c := startBenchCluster(b)
	nc := connect(b, c)
	s, err := newLog(b, nc).Stream(context.Background(), replog.StreamConfig{Name: name})
	if err != nil {
		b.Fatal(err)
	}
	return nc, s
}

// reportLatency sorts lat and reports its p50 and p99 in µs.
func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkAppendAsync: raw asynchronous publishes to an R3 stream, every
// ack awaited.
func BenchmarkAppendAsync(b *testing.B) {
	nc, _ := benchStream(b, "BENCH_RAW")
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, 96)
	measure(b, b.N, func() {
		for i := range b.N {
			for try := 0; ; try++ {
				_, err := js.PublishAsync("agora.BENCH_RAW", payload, jetstream.WithMsgID(fmt.Sprintf("r%d", i)), jetstream.WithStallWait(time.Second))
				if err == nil {
					break
				}
				if try == 100 {
					b.Fatal(err)
				}
			}
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(60 * time.Second):
			b.Fatal("acks did not arrive")
		}
	})
}

// BenchmarkAppendSync: one synchronous R3 append at a time through
// natsjs, each awaited before the next; it reports the p50/p99 of one
// append, the floor under a gateway Submit's latency.
func BenchmarkAppendSync(b *testing.B) {
	_, s := benchStream(b, "BENCH_SYNC")
	ctx := context.Background()
	payload := make([]byte, 96)
	lat := make([]time.Duration, b.N)
	measure(b, b.N, func() {
		for i := range b.N {
			t0 := time.Now()
			if _, err := s.Append(ctx, payload, replog.AppendOptions{ID: fmt.Sprintf("s%d", i)}); err != nil {
				b.Fatal(err)
			}
			lat[i] = time.Since(t0)
		}
	})
	reportLatency(b, lat)
}

// BenchmarkSubmit: gateway Submit to stored output (Wait), 4 shards
// (AGORA_E2E_SHARDS sets them), 3 NATS servers and 2 Agora nodes in one
// process; it reports throughput, CPU per command, the p50/p99 of
// Submit+Wait and the p50 of Submit alone (the append of the command).
// Each of the sub-benchmark's client goroutines submits a command and
// waits for its output before it submits the next, so clients=N keeps N
// commands in flight:
// clients=4096 is a deep pipeline (throughput; the gateway's batches and
// the replicas' reads fill up), clients=64 a shallow one (throughput and
// latency under moderate load), clients=1 one command at a time (latency
// without queueing).
func BenchmarkSubmit(b *testing.B) {
	for _, clients := range []int{4096, 64, 1} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchSubmit(b, clients) })
	}
}

func benchSubmit(b *testing.B, clients int) {
	c := startBenchCluster(b)
	ctx := context.Background()
	cfg := testConfig("BENCH", uint32(envInt("AGORA_E2E_SHARDS", 4)))
	for _, name := range []string{"a", "b"} {
		nd, err := StartNode(ctx, c.URLs(), name, cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = nd.Crash() })
	}
	g, closeG, err := Gateway(ctx, c.URLs(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(closeG)
	ps, err := Register(ctx, g, 4)
	if err != nil {
		b.Fatal(err)
	}
	markets, err := Markets(8)
	if err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, b.N)
	alat := make([]time.Duration, b.N) // Submit alone: the append
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	measure(b, b.N, func() {
		var wg sync.WaitGroup
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= int64(b.N) {
						return
					}
					t0 := time.Now()
					cmd := Place(ps[(i/8)%int64(len(ps))], markets[i%8], uint64(i+1), i/8%2 == 1)
					ack, err := g.Submit(ctx, fmt.Sprintf("b%d", i), cmd)
					alat[i] = time.Since(t0)
					if err == nil {
						_, err = g.Wait(ctx, ack)
					}
					if err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
						return
					}
					lat[i] = time.Since(t0)
				}
			}()
		}
		wg.Wait()
	})
	if failed.Load() > 0 {
		b.Fatalf("%d submits failed: %v", failed.Load(), firstErr.Load())
	}
	reportLatency(b, lat)
	slices.Sort(alat)
	b.ReportMetric(float64(alat[len(alat)/2].Microseconds()), "submit-p50-µs")
}

// BenchmarkFailoverCrash: the time from killing the leader of an R3
// stream to the next acknowledged append (each op kills one leader and
// restarts it afterwards).
func BenchmarkFailoverCrash(b *testing.B) {
	c := startBenchCluster(b)
	nc := connect(b, c)
	l := newLog(b, nc)
	ctx := context.Background()
	s, err := l.Stream(ctx, replog.StreamConfig{Name: "BENCH_FAIL"})
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		if _, err := s.Append(ctx, []byte("x"), replog.AppendOptions{ID: fmt.Sprintf("pre%d", i)}); err != nil {
			b.Fatal(err)
		}
		leader, err := StreamLeader(ctx, l.JetStream(), c, "BENCH_FAIL")
		if err != nil {
			b.Fatal(err)
		}
		c.Stop(leader)
		t0 := time.Now()
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err = s.Append(actx, []byte("y"), replog.AppendOptions{ID: fmt.Sprintf("post%d", i)})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		if err := c.Restart(leader); err != nil {
			b.Fatal(err)
		}
		if err := c.WaitReady(20 * time.Second); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/failover")
}

// BenchmarkRecovery: a replica recovering a shard of AGORA_E2E_RECOVERY_N
// commands (default 5,000; the target is stated for 1,000,000) whose
// outputs are already stored, as a restarted node finds them: from seq 1,
// and from a snapshot at 90 %. Each op is one recovery of each kind.
func BenchmarkRecovery(b *testing.B) {
	n := envInt("AGORA_E2E_RECOVERY_N", 5_000)
	c := startBenchCluster(b)
	ctx := context.Background()
	cfg := testConfig("REC", 1)
	g, closeG, err := Gateway(ctx, c.URLs(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(closeG)
	nc := connect(b, c)
	l := newLog(b, nc)
	// Registrations are applied by a replica; the places go in raw.
	first, err := cluster.NewReplica(ctx, l, cfg, 0)
	if err != nil {
		b.Fatal(err)
	}
	stepCtx, stopStep := context.WithCancel(ctx)
	stepped := make(chan struct{})
	go func() {
		defer close(stepped)
		for stepCtx.Err() == nil {
			_, _ = first.Step(stepCtx, 256)
		}
	}()
	ps, err := Register(ctx, g, 4)
	stopStep()
	<-stepped
	if err != nil {
		b.Fatal(err)
	}
	markets, err := Markets(8)
	if err != nil {
		b.Fatal(err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		cmd := Place(ps[(i/8)%len(ps)], markets[i%8], uint64(i+1), i/8%2 == 1)
		for {
			_, err := js.PublishAsync("agora.REC_CMD_0", encode(&cmd), jetstream.WithMsgID(fmt.Sprintf("c.r%d", i)))
			if errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
				// 4,096 in flight for too long: let them land, then go on
				// (the message ID dedupes a publish that did go out).
				<-js.PublishAsyncComplete()
				continue
			}
			if err != nil {
				b.Fatal(err)
			}
			break
		}
	}
	<-js.PublishAsyncComplete()
	s, err := l.Stream(ctx, replog.StreamConfig{Name: "REC_CMD_0", Duplicates: cfg.Duplicates, Sources: []string{"REC_GLOBAL"}})
	if err != nil {
		b.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// Steps of 1,024 commands, as Replica.Run takes them.
	catchUp := func(r *cluster.Replica, to uint64) {
		for r.Seq() < to {
			if _, err := r.Step(ctx, int(min(1024, to-r.Seq()))); err != nil {
				b.Fatal(err)
			}
		}
	}
	// The first replica publishes every output, snapshotting at 90 %.
	catchUp(first, info.Last*9/10)
	if err := first.Snapshot(ctx); err != nil {
		b.Fatal(err)
	}
	catchUp(first, info.Last)
	objs, err := l.Objects(ctx, "REC_SNAPSHOTS")
	if err != nil {
		b.Fatal(err)
	}
	snap, err := objs.Get(ctx, fmt.Sprintf("shard-%05d-%020d", 0, info.Last*9/10))
	if err != nil {
		b.Fatal(err)
	}
	var full, fromSnap time.Duration
	c0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		// From seq 1: no snapshot in the bucket.
		if err := objs.Delete(ctx, fmt.Sprintf("shard-%05d-%020d", 0, info.Last*9/10)); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		r, err := cluster.NewReplica(ctx, l, cfg, 0)
		if err != nil {
			b.Fatal(err)
		}
		catchUp(r, info.Last)
		full += time.Since(t0)
		if err := objs.Put(ctx, fmt.Sprintf("shard-%05d-%020d", 0, info.Last*9/10), snap); err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		r, err = cluster.NewReplica(ctx, l, cfg, 0)
		if err != nil {
			b.Fatal(err)
		}
		if r.Seq() != info.Last*9/10 {
			b.Fatalf("restored at %d", r.Seq())
		}
		catchUp(r, info.Last)
		fromSnap += time.Since(t0)
	}
	b.StopTimer()
	b.ReportMetric(float64(full.Milliseconds())/float64(b.N), "ms-from-1")
	b.ReportMetric(float64(fromSnap.Milliseconds())/float64(b.N), "ms-from-snapshot")
	b.ReportMetric(float64(info.Last), "commands")
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/float64(b.N)/float64(info.Last+info.Last/10), "cpu-µs/cmd")
}

// BenchmarkFailoverPartition: the time from cutting the leader of an R3
// stream off through the route proxies to the next append acknowledged
// through the other two servers (each op heals afterwards).
func BenchmarkFailoverPartition(b *testing.B) {
	c := startCluster(b)
	ctx := context.Background()
	setup := newLog(b, connect(b, c))
	if _, err := setup.Stream(ctx, replog.StreamConfig{Name: "BENCH_PART"}); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		leader, err := StreamLeader(ctx, setup.JetStream(), c, "BENCH_PART")
		if err != nil {
			b.Fatal(err)
		}
		var urls []string
		for j := range c.N() {
			if j != leader {
				urls = append(urls, c.URL(j))
			}
		}
		nc, err := nats.Connect(strings.Join(urls, ","))
		if err != nil {
			b.Fatal(err)
		}
		l, err := natsjs.Connect(nc, natsjs.Options{CallTimeout: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		s, err := l.Stream(ctx, replog.StreamConfig{Name: "BENCH_PART"})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Partition(leader); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		actx, cancel := context.WithTimeout(ctx, 60*time.Second)
		_, err = s.Append(actx, []byte("y"), replog.AppendOptions{ID: fmt.Sprintf("p%d", i)})
		cancel()
		total += time.Since(t0)
		if err := c.Heal(leader); err != nil {
			b.Fatal(err)
		}
		l.Close()
		nc.Close()
		if err != nil {
			b.Fatal(err)
		}
		time.Sleep(2 * time.Second) // let the healed server catch up
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/failover")
}

// BenchmarkOwnerFailover: one shard, two Agora nodes, one replica each
// (Replicas 1, heartbeat 200 ms, TTL 1 s): the time from crashing the
// shard's owner to the output of a command submitted right after.
func BenchmarkOwnerFailover(b *testing.B) {
	c := startBenchCluster(b)
	ctx := context.Background()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		cfg := testConfig(fmt.Sprintf("OWN%d", i), 1)
		cfg.Replicas = 1
		nodes := map[string]*Node{}
		for _, name := range []string{"a", "b"} {
			nd, err := StartNode(ctx, c.URLs(), name, cfg)
			if err != nil {
				b.Fatal(err)
			}
			nodes[name] = nd
		}
		g, closeG, err := Gateway(ctx, c.URLs(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		ps, err := Register(ctx, g, 1)
		if err != nil {
			b.Fatal(err)
		}
		markets, err := Markets(1)
		if err != nil {
			b.Fatal(err)
		}
		owner := cluster.Rendezvous(0, []string{"a", "b"}, 1)[0]
		t0 := time.Now()
		_ = nodes[owner].Crash()
		ack, err := g.Submit(ctx, "after", Place(ps[0], markets[0], 1, false))
		if err == nil {
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			_, err = g.Wait(wctx, ack)
			cancel()
		}
		total += time.Since(t0)
		closeG()
		for _, nd := range nodes {
			_ = nd.Crash()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/failover")
}
