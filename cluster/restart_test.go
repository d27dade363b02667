package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/replog"
	"github.com/agora-exchange/agora/replog/memlog"
	"github.com/agora-exchange/agora/wire"
)

// failingLog fails reads of one stream with errInjected while fail > 0,
// counting down: an error of the log that is neither a timeout nor a fault
// of the shard's history.
type failingLog struct {
	replog.Log
	stream string
	fail   atomic.Int32
}

var errInjected = errors.New("injected read error")

func (l *failingLog) Stream(ctx context.Context, cfg replog.StreamConfig) (replog.Stream, error) {
	s, err := l.Log.Stream(ctx, cfg)
	if err != nil || cfg.Name != l.stream {
		return s, err
	}
	return &failingStream{Stream: s, l: l}, nil
}

type failingStream struct {
	replog.Stream
	l *failingLog
}

func (s *failingStream) Read(ctx context.Context, from uint64, max int) ([]replog.Msg, error) {
	if s.l.fail.Add(-1) >= 0 {
		return nil, fmt.Errorf("stream %s: %w", s.Name(), errInjected)
	}
	return s.Stream.Read(ctx, from, max)
}

// TestNodeRestartsReplicaAfterLogError: a replica stopped by an error of
// the log (not a divergence) is started again by the node's next Sync and
// catches up, and the error is not reported as an alert.
func TestNodeRestartsReplicaAfterLogError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	mem := memlog.New(memlog.Options{})
	t.Cleanup(mem.Close)
	cfg := testConfig(1)
	c, err := cfg.withDefaults()
	require.NoError(t, err)
	log := &failingLog{Log: mem, stream: c.commandName(0)}
	n, err := NewNode(ctx, log, cfg, "n0")
	require.NoError(t, err)
	t.Cleanup(n.Crash)
	_, err = n.Sync(ctx)
	require.NoError(t, err)
	g, err := NewGateway(ctx, mem, cfg)
	require.NoError(t, err)
	gen := newGen(t, 1, 2)
	send := func(i int) (cmd wire.Command, ack Ack) {
		cmd = gen.next()
		ack, err := g.Submit(ctx, fmt.Sprint("q", i), cmd)
		require.NoError(t, err)
		return cmd, ack
	}
	await := func(i int, cmd wire.Command, ack Ack) {
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		defer wcancel()
		res, err := g.Wait(wctx, ack)
		require.NoError(t, err, "command %d", i)
		if ack.Global {
			gen.learn(cmd, res.ByShard[0])
		} else {
			gen.learn(cmd, res.Events)
		}
	}
	submit := func(i int) { cmd, ack := send(i); await(i, cmd, ack) }
	for i := range 5 {
		submit(i)
	}
	log.fail.Store(1) // the replica's next read fails: its Run ends
	require.Eventually(t, func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.runs[0].ended()
	}, 5*time.Second, time.Millisecond, "the injected error ends the replica's Run")
	// A command appended while no replica runs is applied once Sync has
	// started the replica again.
	cmd, ack := send(5)
	_, err = n.Sync(ctx)
	require.NoError(t, err)
	await(5, cmd, ack)
	for i := 6; i < 10; i++ {
		submit(i)
	}
	require.Less(t, log.fail.Load(), int32(0), "the injected error was returned")
	require.Empty(t, n.Errors())
}

// failingKV fails every call while fail is set.
type failingKV struct {
	replog.KV
	fail *atomic.Bool
}

func (k *failingKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	if k.fail.Load() {
		return 0, fmt.Errorf("kv put %s: %w", key, errInjected)
	}
	return k.KV.Put(ctx, key, value)
}

type failingKVLog struct {
	replog.Log
	fail atomic.Bool
}

func (l *failingKVLog) KV(ctx context.Context, bucket string) (replog.KV, error) {
	kv, err := l.Log.KV(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return &failingKV{KV: kv, fail: &l.fail}, nil
}

// TestNodeRunSurvivesSyncErrors: while heartbeats fail with an error that
// is not a timeout, Run keeps its replicas serving and keeps trying; the
// error is kept in SyncErr; ctx ends Run.
func TestNodeRunSurvivesSyncErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	mem := memlog.New(memlog.Options{})
	t.Cleanup(mem.Close)
	cfg := testConfig(1)
	cfg.Heartbeat = time.Millisecond
	log := &failingKVLog{Log: mem}
	n, err := NewNode(ctx, log, cfg, "n0")
	require.NoError(t, err)
	rctx, rcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(rctx, 0) }()
	g, err := NewGateway(ctx, mem, cfg)
	require.NoError(t, err)
	gen := newGen(t, 2, 2)
	submit := func(i int) {
		cmd := gen.next()
		ack, err := g.Submit(ctx, fmt.Sprint("q", i), cmd)
		require.NoError(t, err)
		res, err := g.Wait(ctx, ack)
		require.NoError(t, err, "command %d", i)
		if ack.Global {
			gen.learn(cmd, res.ByShard[0])
		} else {
			gen.learn(cmd, res.Events)
		}
	}
	submit(0)
	log.fail.Store(true)
	require.Eventually(t, func() bool { return errors.Is(n.SyncErr(), errInjected) }, 5*time.Second, time.Millisecond)
	for i := 1; i < 10; i++ {
		submit(i)
	}
	select {
	case err := <-done:
		t.Fatalf("Run ended on a failing heartbeat: %v", err)
	default:
	}
	log.fail.Store(false)
	submit(10)
	require.Eventually(t, func() bool { return n.SyncErr() == nil }, 5*time.Second, time.Millisecond, "a Sync that succeeds clears it")
	rcancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.Empty(t, n.Errors())
}

// TestNewNodeRefusesInvalidName: a node name KV cannot hold is refused
// up front.
func TestNewNodeRefusesInvalidName(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{})
	t.Cleanup(log.Close)
	for _, name := range []string{"", "bad name", "a.b", "x*", "y>"} {
		_, err := NewNode(ctx, log, testConfig(1), name)
		require.ErrorIs(t, err, ErrInvalidConfig, "%q", name)
	}
}
