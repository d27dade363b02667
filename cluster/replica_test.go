package cluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/internal/cmdgen"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/replog"
	"github.com/agora-exchange/agora/replog/memlog"
	"github.com/agora-exchange/agora/wire"
)

func testConfig(shards uint32) Config {
	var now int64
	return Config{
		Shards: shards,
		Retry:  replog.Retry{CallTimeout: 50 * time.Millisecond, Backoff: 100 * time.Microsecond, Attempts: 2000},
		Now:    func() int64 { now++; return now }, // used by one goroutine per test
	}
}

// testStreams opens the streams of cfg, defaults applied.
func testStreams(ctx context.Context, log replog.Log, cfg Config) (*streams, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return openStreams(ctx, log, &c)
}

// runReplica runs a replica of shard until the test ends.
func runReplica(t *testing.T, log replog.Log, cfg Config, shard uint32) *Replica {
	t.Helper()
	r, err := NewReplica(context.Background(), log, cfg, shard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})
	return r
}

// TestUnshardedMatchesSingleExchange: random commands through the gateway
// and the replica path of an unsharded cluster give the events and the
// audit chain of a durable single exchange fed the same commands, byte for
// byte, and the same order IDs.
func TestUnshardedMatchesSingleExchange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{Seed: 3})
	t.Cleanup(log.Close)
	log.SetFaults(memlog.Faults{DropRequest: 0.05, DropReply: 0.05, HoldSource: 0.3, StaleLast: 0.05})
	cfg := testConfig(1)
	gw, err := NewGateway(ctx, log, cfg)
	require.NoError(t, err)
	runReplica(t, log, cfg, 0)
	g := newGen(t, 11, 4)
	for i := range 300 {
		cmd := g.next()
		ack, err := gw.Submit(ctx, fmt.Sprint("r", i), cmd)
		require.NoError(t, err)
		res, err := gw.Wait(ctx, ack)
		require.NoError(t, err)
		g.learn(cmd, res.Events)
	}
	log.SetFaults(memlog.Faults{})
	st, err := testStreams(ctx, log, cfg)
	require.NoError(t, err)
	info, err := st.cmds[0].Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(300), info.Last, "each command once")

	x, err := durable.Open(t.TempDir(), matching.Config{}, durable.Options{})
	require.NoError(t, err)
	defer durable.Of(x).Close()
	for seq := uint64(1); seq <= info.Last; seq++ {
		msgs, err := st.cmds[0].Read(ctx, seq, 1)
		require.NoError(t, err)
		cmd, _, err := wire.DecodeCommand(msgs[0].Data)
		require.NoError(t, err)
		want, _ := x.Submit(cmd, nil)
		outs, err := st.outs[0].Read(ctx, seq, 1)
		require.NoError(t, err)
		_, got, err := DecodeOutput(outs[0].Data, nil)
		require.NoError(t, err)
		require.Equal(t, encodeEvents(want), encodeEvents(got), "seq %d", seq)
		_, head, ok := durable.Of(x).AuditHead()
		require.True(t, ok)
		require.Equal(t, head[:], outs[0].Head, "audit head at seq %d", seq)
	}
	require.NotEmpty(t, g.orders, "the run placed orders")
}

// TestBadPayloadsRejectedIdentically: corrupt, truncated and oversized
// payloads each take one seq and are refused the same way by three
// replicas, which publish one output each.
func TestBadPayloadsRejectedIdentically(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{})
	defer log.Close()
	cfg := testConfig(2)
	st, err := testStreams(ctx, log, cfg)
	require.NoError(t, err)
	good := wire.AppendCommand(nil, &wire.Command{Kind: wire.CmdExpire, Time: 5})
	place := wire.AppendCommand(nil, &wire.Command{Kind: wire.CmdPlace, Time: 6, Participant: 1, Category: 12, Basis: 1, Qty: 1, Side: wire.Buy, Type: wire.Limit, TIF: wire.GTC, Price: 1})
	wrongShard := RouteOf(&wire.Command{Kind: wire.CmdPlace, Category: 12, Basis: 1}, 2).Shard != 0
	payloads := [][]byte{
		{0xff, 0x01, 0x02},                   // corrupt
		good[:len(good)/2],                   // truncated
		make([]byte, MaxPayload+1),           // oversized
		append(append([]byte{}, good...), 0), // trailing byte
		good,
	}
	if wrongShard {
		payloads = append(payloads, place) // misrouted
	}
	for i, p := range payloads {
		_, err := st.cmds[0].Append(ctx, p, replog.AppendOptions{ID: fmt.Sprint("c.", i)})
		require.NoError(t, err)
	}
	var reps []*Replica
	for range 3 {
		r, err := NewReplica(ctx, log, cfg, 0)
		require.NoError(t, err)
		n, err := r.Step(ctx, 100)
		require.NoError(t, err)
		require.Equal(t, len(payloads), n)
		reps = append(reps, r)
	}
	for _, r := range reps[1:] {
		require.Equal(t, reps[0].Head(), r.Head())
	}
	info, err := st.outs[0].Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(len(payloads)), info.Last, "one output per seq")
	outs, err := st.outs[0].Read(ctx, 1, len(payloads))
	require.NoError(t, err)
	wantReason := []wire.RejectReason{wire.ReasonInvalidCommand, wire.ReasonInvalidCommand, wire.ReasonTooLarge, wire.ReasonInvalidCommand}
	for i, m := range outs {
		_, evs, err := DecodeOutput(m.Data, nil)
		require.NoError(t, err)
		if i < len(wantReason) || i == 5 {
			require.Len(t, evs, 1, "payload %d", i)
			require.Equal(t, wire.EventRejected, evs[0].Kind)
			if i < len(wantReason) {
				require.Equal(t, wantReason[i], evs[0].Reject, "payload %d", i)
			}
		}
	}
}

// TestOutputDivergenceStopsReplica: an output stored with another head
// stops the replica with a typed error.
func TestOutputDivergenceStopsReplica(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{})
	defer log.Close()
	cfg := testConfig(1)
	st, err := testStreams(ctx, log, cfg)
	require.NoError(t, err)
	_, err = st.cmds[0].Append(ctx, wire.AppendCommand(nil, &wire.Command{Kind: wire.CmdExpire, Time: 1}), replog.AppendOptions{ID: "c.1"})
	require.NoError(t, err)
	_, err = replog.PutOutput(ctx, st.outs[0], 1, make([]byte, 32), outputOf(0, nil))
	require.NoError(t, err)
	r, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	_, err = r.Step(ctx, 10)
	require.ErrorIs(t, err, replog.ErrDivergence)
	_, err = r.Step(ctx, 10)
	require.ErrorIs(t, err, ErrStopped)
	require.ErrorIs(t, r.Err(), replog.ErrDivergence)
}

// TestGlobalCollisionCaught: a local message whose ID equals a global's
// makes the shard stream drop the sourced global; the replica catches the
// gap in origin seqs instead of absorbing it.
func TestGlobalCollisionCaught(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{})
	defer log.Close()
	cfg := testConfig(2)
	st, err := testStreams(ctx, log, cfg)
	require.NoError(t, err)
	reg := func(n int) []byte {
		return wire.AppendCommand(nil, &wire.Command{Kind: wire.CmdRegister, Name: "X", INN: newGen(t, 1, 1).inn(), Time: int64(n)})
	}
	_, err = st.global.Append(ctx, reg(1), replog.AppendOptions{ID: "g.a"})
	require.NoError(t, err)
	_, err = st.cmds[1].Append(ctx, reg(2), replog.AppendOptions{ID: "g.b"}) // the collision
	require.NoError(t, err)
	_, err = st.global.Append(ctx, reg(3), replog.AppendOptions{ID: "g.b"})
	require.NoError(t, err)
	_, err = st.global.Append(ctx, reg(4), replog.AppendOptions{ID: "g.c"})
	require.NoError(t, err)
	r0, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	n, err := r0.Step(ctx, 10)
	require.NoError(t, err)
	require.Equal(t, 3, n, "shard 0 has every global")
	r1, err := NewReplica(ctx, log, cfg, 1)
	require.NoError(t, err)
	_, err = r1.Step(ctx, 10)
	require.ErrorIs(t, err, ErrGlobalOrder)
	var ge *GlobalOrderError
	require.ErrorAs(t, err, &ge)
	require.Equal(t, uint64(2), ge.Want)
	require.Equal(t, uint64(3), ge.Got)
	require.Equal(t, uint32(1), ge.Shard)
}

// TestSnapshotPurgeAndHandover: the owner snapshots and purges; a replica
// that starts later restores the newest snapshot and reaches the same
// head; a read before the first retained seq names both seqs.
func TestSnapshotPurgeAndHandover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{})
	defer log.Close()
	cfg := testConfig(2)
	cfg.SnapshotEvery = 20
	gw, err := NewGateway(ctx, log, cfg)
	require.NoError(t, err)
	owner, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	other, err := NewReplica(ctx, log, cfg, 1)
	require.NoError(t, err)
	lagging, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	g := newGen(t, 5, 6)
	snaps := 0
	for i := range 200 {
		cmd := g.next()
		if RouteOf(&cmd, 2).Global {
			done := make(chan struct{})
			go func() { // a global waits for both shards' outputs
				defer close(done)
				for _, r := range []*Replica{owner, other} {
					for {
						n, err := r.Step(ctx, 1)
						require.NoError(t, err)
						if n > 0 && r.origin > 0 {
							info, _ := r.st.global.Info(ctx)
							if r.origin == info.Last {
								break
							}
						}
					}
				}
			}()
			ack, err := gw.Submit(ctx, fmt.Sprint("r", i), cmd)
			require.NoError(t, err)
			<-done
			res, err := gw.Wait(ctx, ack)
			require.NoError(t, err)
			g.learn(cmd, res.Events)
			continue
		}
		ack, err := gw.Submit(ctx, fmt.Sprint("r", i), cmd)
		require.NoError(t, err)
		r := map[uint32]*Replica{0: owner, 1: other}[ack.Shard]
		for r.Seq() < ack.Seq {
			_, err := r.Step(ctx, 100)
			require.NoError(t, err)
		}
		res, err := gw.Wait(ctx, ack)
		require.NoError(t, err)
		g.learn(cmd, res.Events)
		took, err := owner.MaybeSnapshot(ctx)
		require.NoError(t, err)
		if took {
			snaps++
		}
	}
	require.GreaterOrEqual(t, snaps, 3)
	names, err := owner.snapshots(ctx)
	require.NoError(t, err)
	require.Len(t, names, 2, "the newest two are kept")
	info, err := owner.st.cmds[0].Info(ctx)
	require.NoError(t, err)
	require.Greater(t, info.First, uint64(1), "purged")
	_, err = owner.st.cmds[0].Read(ctx, 1, 1)
	var te *replog.TruncatedError
	require.ErrorAs(t, err, &te)
	require.Equal(t, uint64(1), te.Requested)
	require.Equal(t, info.First, te.First)

	// The lagging replica (started at 0) catches up through the snapshot.
	for lagging.Seq() < owner.Seq() {
		_, err := lagging.Step(ctx, 100)
		require.NoError(t, err)
	}
	require.Equal(t, owner.Head(), lagging.Head())
	// A new replica (handover) restores the newest snapshot.
	fresh, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	require.Greater(t, fresh.Seq(), uint64(0))
	for fresh.Seq() < owner.Seq() {
		_, err := fresh.Step(ctx, 100)
		require.NoError(t, err)
	}
	require.Equal(t, owner.Head(), fresh.Head())
	require.Equal(t, owner.Engine().AppendState(nil, 0, nil), fresh.Engine().AppendState(nil, 0, nil))
}

// TestCatchUpComparesStoredOutputs: a replica that catches up on a shard
// whose outputs another replica published compares them, appending none
// of them again, and ends in the same state; a head that differs from the
// stored one stops it with ErrDivergence at that output, before it writes
// a snapshot or appends an output of its own.
func TestCatchUpComparesStoredOutputs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	mem := memlog.New(memlog.Options{})
	defer mem.Close()
	log := newProbedLog(mem)
	cfg := testConfig(1)
	st, err := testStreams(ctx, log, cfg)
	require.NoError(t, err)
	const n = 600
	for i := 1; i <= n; i++ {
		cmd := wire.Command{Kind: wire.CmdRegister, Name: fmt.Sprintf("OOO %d", i), INN: cmdgen.INN("77", i), Time: int64(i)}
		_, err := st.cmds[0].Append(ctx, wire.AppendCommand(nil, &cmd), replog.AppendOptions{ID: fmt.Sprintf("c.%d", i)})
		require.NoError(t, err)
	}
	catchUp := func(r *Replica) error {
		for r.Seq() < n {
			if _, err := r.Step(ctx, 256); err != nil {
				return err
			}
		}
		return nil
	}
	first, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	require.NoError(t, catchUp(first))
	outs := &log.of(st.outs[0].Name()).appends
	require.Equal(t, int64(n), outs.Load(), "the first replica appends every output once")

	second, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	require.NoError(t, catchUp(second))
	require.Equal(t, int64(n), outs.Load(), "the catching-up replica appended outputs")
	require.Equal(t, first.Head(), second.Head())
	require.Equal(t, first.Engine().AppendState(nil, n, nil), second.Engine().AppendState(nil, n, nil))

	// Outputs beyond the stored ones are still put by the one that is
	// ahead: a command after the backlog.
	cmd := wire.Command{Kind: wire.CmdRegister, Name: "OOO last", INN: cmdgen.INN("77", n+1), Time: n + 1}
	_, err = st.cmds[0].Append(ctx, wire.AppendCommand(nil, &cmd), replog.AppendOptions{ID: "c.last"})
	require.NoError(t, err)
	_, err = second.Step(ctx, 10)
	require.NoError(t, err)
	require.Equal(t, int64(n+1), outs.Load())

	// A replica whose output 450 differs from the stored one stops there,
	// at the latest when it would snapshot: it compares stored outputs in
	// batches of up to compareEvery.
	third, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	for third.Seq() < 449 {
		_, err := third.Step(ctx, int(449-third.Seq()))
		require.NoError(t, err)
	}
	third.head[0] ^= 1 // every later head differs
	require.NoError(t, catchUp(third), "compared later")
	err = third.Snapshot(ctx)
	var de *replog.DivergenceError
	require.ErrorAs(t, err, &de)
	require.Equal(t, uint64(450), de.Seq)
	require.ErrorIs(t, third.Err(), replog.ErrDivergence)
	_, err = third.Step(ctx, 10)
	require.ErrorIs(t, err, ErrStopped)
	require.Equal(t, int64(n+1), outs.Load())
	names, err := third.snapshots(ctx)
	require.NoError(t, err)
	require.Empty(t, names, "a diverged replica wrote a snapshot")

	// So does one that is then given a command of its own to publish.
	fourth, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	for fourth.Seq() < 449 {
		_, err := fourth.Step(ctx, int(449-fourth.Seq()))
		require.NoError(t, err)
	}
	fourth.head[0] ^= 1
	require.NoError(t, catchUp(fourth))
	cmd = wire.Command{Kind: wire.CmdRegister, Name: "OOO later", INN: cmdgen.INN("77", n+2), Time: n + 2}
	_, err = st.cmds[0].Append(ctx, wire.AppendCommand(nil, &cmd), replog.AppendOptions{ID: "c.later"})
	require.NoError(t, err)
	for err == nil {
		_, err = fourth.Step(ctx, 10)
	}
	require.ErrorAs(t, err, &de)
	require.Equal(t, uint64(450), de.Seq)
	require.Equal(t, int64(n+1), outs.Load(), "a diverged replica appended an output")
}

// outputOf returns the output message of evs.
func outputOf(origin uint64, evs []wire.Event) []byte {
	b, _ := appendOutput(nil, origin, evs)
	return b
}

// TestSnapshotPurgesDespiteLaggingList: the second snapshot purges the
// command stream before the seq after the first even when the listing
// does not show the snapshot just written yet, and a purge that timed out
// is done by the next MaybeSnapshot.
func TestSnapshotPurgesDespiteLaggingList(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mem := memlog.New(memlog.Options{})
	defer mem.Close()
	log := newProbedLog(mem)
	log.lagList.Store(true)
	cfg := testConfig(1)
	cfg.SnapshotEvery = 1 << 20
	cfg.Retry.Attempts = 3
	st, err := testStreams(ctx, log, cfg)
	require.NoError(t, err)
	appendExpiries(t, ctx, st.cmds[0], 20)
	r, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	first := func() uint64 {
		info, err := st.cmds[0].Info(ctx)
		require.NoError(t, err)
		return info.First
	}
	step := func(to uint64) {
		for r.Seq() < to {
			_, err := r.Step(ctx, int(to-r.Seq()))
			require.NoError(t, err)
		}
	}
	step(5)
	require.NoError(t, r.Snapshot(ctx))
	step(10)
	require.NoError(t, r.Snapshot(ctx))
	require.Equal(t, uint64(6), first(), "purged before the seq after the older snapshot")

	log.of(st.cmds[0].Name()).failPurges.Store(int64(cfg.Retry.Attempts))
	step(15)
	require.ErrorIs(t, r.Snapshot(ctx), replog.ErrTimeout)
	require.Equal(t, uint64(6), first())
	took, err := r.MaybeSnapshot(ctx)
	require.NoError(t, err)
	require.False(t, took)
	require.Equal(t, uint64(11), first(), "the failed purge done by MaybeSnapshot")
}

// TestRunSnapshotsOnCadence: an owner running through a backlog bounds
// its steps so that it snapshots every SnapshotEvery commands exactly,
// though a step may take up to stepBatch commands.
func TestRunSnapshotsOnCadence(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log := memlog.New(memlog.Options{})
	defer log.Close()
	cfg := testConfig(1)
	cfg.SnapshotEvery = 100
	cfg.SnapshotInterval = time.Hour
	st, err := testStreams(ctx, log, cfg)
	require.NoError(t, err)
	const n = 1000
	appendExpiries(t, ctx, st.cmds[0], n)
	r, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx, func() bool { return true }) }()
	require.Eventually(t, func() bool {
		names, err := r.snapshots(ctx)
		return err == nil && len(names) == 2 && names[1] == snapshotName(0, n)
	}, 5*time.Second, time.Millisecond)
	stop()
	require.ErrorIs(t, <-done, context.Canceled)
	names, err := r.snapshots(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{snapshotName(0, n-100), snapshotName(0, n)}, names)
}

// probedLog is a log whose streams count appends and Info calls and can
// fail the next purges or Info calls with ErrTimeout, and whose object
// listings can leave out the newest object, as a listing served by a
// lagging follower may.
type probedLog struct {
	replog.Log
	lagList atomic.Bool
	mu      sync.Mutex
	streams map[string]*streamProbe
}

// streamProbe is what a probedLog counts and injects on one stream.
type streamProbe struct {
	appends, infos        atomic.Int64
	failPurges, failInfos atomic.Int64 // how many of the next calls fail
}

func newProbedLog(l replog.Log) *probedLog {
	return &probedLog{Log: l, streams: map[string]*streamProbe{}}
}

// of returns the probe of stream name.
func (l *probedLog) of(name string) *streamProbe {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.streams[name]
	if p == nil {
		p = new(streamProbe)
		l.streams[name] = p
	}
	return p
}

func (l *probedLog) Stream(ctx context.Context, cfg replog.StreamConfig) (replog.Stream, error) {
	s, err := l.Log.Stream(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &probedStream{BatchAppender: s.(replog.BatchAppender), p: l.of(cfg.Name)}, nil
}

func (l *probedLog) Objects(ctx context.Context, bucket string) (replog.Objects, error) {
	o, err := l.Log.Objects(ctx, bucket)
	if err != nil {
		return nil, err
	}
	return laggingObjects{Objects: o, lag: &l.lagList}, nil
}

type probedStream struct {
	replog.BatchAppender
	p *streamProbe
}

func (s *probedStream) Append(ctx context.Context, data []byte, opts replog.AppendOptions) (replog.Ack, error) {
	s.p.appends.Add(1)
	return s.BatchAppender.Append(ctx, data, opts)
}

func (s *probedStream) AppendBatch(ctx context.Context, reqs []replog.AppendRequest) []replog.AppendResult {
	s.p.appends.Add(int64(len(reqs)))
	return s.BatchAppender.AppendBatch(ctx, reqs)
}

func (s *probedStream) Info(ctx context.Context) (replog.Info, error) {
	s.p.infos.Add(1)
	if s.p.failInfos.Add(-1) >= 0 {
		return replog.Info{}, replog.ErrTimeout
	}
	return s.BatchAppender.Info(ctx)
}

func (s *probedStream) Purge(ctx context.Context, before uint64) error {
	if s.p.failPurges.Add(-1) >= 0 {
		return replog.ErrTimeout
	}
	return s.BatchAppender.Purge(ctx, before)
}

type laggingObjects struct {
	replog.Objects
	lag *atomic.Bool
}

func (o laggingObjects) List(ctx context.Context) ([]string, error) {
	names, err := o.Objects.List(ctx)
	if o.lag.Load() && len(names) > 0 {
		names = names[:len(names)-1]
	}
	return names, err
}

// TestStoredLearnedOncePerFlush: a catching-up replica asks the output
// stream how far it reaches once per flush; when that fails it does not
// ask again in the same flush, and puts the outputs instead (PutOutputs
// compares them with the stored ones), reaching the same state.
func TestStoredLearnedOncePerFlush(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mem := memlog.New(memlog.Options{})
	defer mem.Close()
	log := newProbedLog(mem)
	cfg := testConfig(1)
	cfg.Retry.Attempts = 3
	st, err := testStreams(ctx, log, cfg)
	require.NoError(t, err)
	const n = 100
	appendExpiries(t, ctx, st.cmds[0], n)
	first, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	_, err = first.Step(ctx, n)
	require.NoError(t, err)
	require.Equal(t, uint64(n), first.Seq())

	outs := log.of(st.outs[0].Name())
	second, err := NewReplica(ctx, log, cfg, 0)
	require.NoError(t, err)
	infos, appends := outs.infos.Load(), outs.appends.Load()
	outs.failInfos.Store(int64(cfg.Retry.Attempts))
	_, err = second.Step(ctx, n)
	require.NoError(t, err)
	require.Equal(t, int64(cfg.Retry.Attempts), outs.infos.Load()-infos, "Info calls in one flush")
	require.Equal(t, int64(n), outs.appends.Load()-appends, "outputs put, as stored was not learned")
	require.Equal(t, first.Head(), second.Head())
}

// appendExpiries appends n expiry commands to s, IDs c.1 to c.n.
func appendExpiries(t *testing.T, ctx context.Context, s replog.Stream, n int) {
	t.Helper()
	appendExpiriesFrom(t, ctx, s, 1, n)
}

// appendExpiriesFrom appends expiry commands from to to to s, IDs c.from
// to c.to, at times from to to.
func appendExpiriesFrom(t *testing.T, ctx context.Context, s replog.Stream, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		_, err := s.Append(ctx, wire.AppendCommand(nil, &wire.Command{Kind: wire.CmdExpire, Time: int64(i)}), replog.AppendOptions{ID: fmt.Sprintf("c.%d", i)})
		require.NoError(t, err)
	}
}

// TestTrailingReplicaCompares: a replica that trails the owner on a busy
// shard (commands read in batches) puts none of the outputs the owner
// published: after trailFor it compares them in one go, one Info and no
// appends. Outputs the owner has not published (an owner down) it puts
// itself. A command read alone it puts at once.
func TestTrailingReplicaCompares(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mem := memlog.New(memlog.Options{})
	defer mem.Close()
	ownerLog, trailLog := newProbedLog(mem), newProbedLog(mem)
	cfg := testConfig(1)
	st, err := testStreams(ctx, mem, cfg)
	require.NoError(t, err)
	const n = 100
	appendExpiries(t, ctx, st.cmds[0], n)
	owner, err := NewReplica(ctx, ownerLog, cfg, 0)
	require.NoError(t, err)
	_, err = owner.Step(ctx, n)
	require.NoError(t, err)

	trail, err := NewReplica(ctx, trailLog, cfg, 0)
	require.NoError(t, err)
	trail.trailing = true
	outs := trailLog.of(st.outs[0].Name())
	got, err := trail.Step(ctx, n)
	require.NoError(t, err)
	require.Equal(t, n, got)
	require.Len(t, trail.pending, n, "the outputs wait")
	t0 := time.Now()
	_, err = trail.Step(ctx, n) // no command comes: the wait ends at trailFor
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(t0), trailFor/2)
	require.Empty(t, trail.pending)
	require.Equal(t, int64(0), outs.appends.Load(), "outputs put by the trailing replica")
	require.Equal(t, int64(1), outs.infos.Load(), "Info calls")
	require.Equal(t, owner.Head(), trail.Head())

	// The owner is down: the trailing replica puts the outputs itself.
	appendExpiriesFrom(t, ctx, st.cmds[0], n+1, n+50)
	got, err = trail.Step(ctx, 50)
	require.NoError(t, err)
	require.Equal(t, 50, got)
	_, err = trail.Step(ctx, 50)
	require.NoError(t, err)
	require.Equal(t, int64(50), outs.appends.Load())
	info, err := st.outs[0].Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(n+50), info.Last)

	// One command read alone is put at once.
	appended := outs.appends.Load()
	appendExpiriesFrom(t, ctx, st.cmds[0], n+51, n+51)
	got, err = trail.Step(ctx, 50)
	require.NoError(t, err)
	require.Equal(t, 1, got)
	require.Empty(t, trail.pending)
	require.Equal(t, appended+1, outs.appends.Load())
}
