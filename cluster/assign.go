package cluster

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agora-exchange/agora/replog"
)

// Rendezvous returns the n nodes (fewer if there are fewer) that replicate
// shard: the nodes by decreasing FNV-1a 64 of "agora/rendezvous/v1", the
// node's name, a zero byte and the shard (4 bytes, little endian), mixed
// by SplitMix64's finalizer, ties
// broken by name. The first is the shard's owner. A node joining or
// leaving moves only the shards it wins or held: about S/N of S shards.
// Cost: O(len(nodes) log len(nodes)).
func Rendezvous(shard uint32, nodes []string, n int) []string {
	type scored struct {
		node  string
		score uint64
	}
	s := make([]scored, 0, len(nodes))
	for _, node := range nodes {
		h := fnv.New64a()
		h.Write([]byte("agora/rendezvous/v1"))
		h.Write([]byte(node))
		var b [5]byte
		binary.LittleEndian.PutUint32(b[1:], shard)
		h.Write(b[:])
		s = append(s, scored{node, mix64(h.Sum64())})
	}
	slices.SortFunc(s, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(a.node, b.node)
	})
	out := make([]string, 0, min(n, len(s)))
	for i := 0; i < n && i < len(s); i++ {
		out = append(out, s[i].node)
	}
	return out
}

// mix64 is SplitMix64's finalizer: FNV-1a alone spreads short, similar
// names poorly.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// Membership is the liveness of a cluster's nodes: a heartbeat per node in
// KV (key "node.<name>", the Clock's time in Unix nanoseconds), live while
// younger than TTL.
type Membership struct {
	cfg Config
	kv  replog.KV
}

// NewMembership returns the membership of the cluster on log.
func NewMembership(ctx context.Context, log replog.Log, cfg Config) (*Membership, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	kv, err := log.KV(ctx, c.kvBucket())
	if err != nil {
		return nil, err
	}
	return &Membership{cfg: c, kv: kv}, nil
}

// Beat records that node is alive now.
func (m *Membership) Beat(ctx context.Context, node string) error {
	if node == "" || strings.ContainsAny(node, ". *>") {
		return fmt.Errorf("%w: node name %q", ErrInvalidConfig, node)
	}
	_, err := m.kv.Put(ctx, "node."+node, strconv.AppendInt(nil, m.cfg.Clock().UnixNano(), 10))
	return err
}

// Leave removes node's heartbeat (a clean shutdown).
func (m *Membership) Leave(ctx context.Context, node string) error {
	return m.kv.Delete(ctx, "node."+node)
}

// Live returns the nodes whose heartbeat is younger than TTL, sorted.
func (m *Membership) Live(ctx context.Context) ([]string, error) {
	keys, err := m.kv.Keys(ctx)
	if err != nil {
		return nil, err
	}
	now := m.cfg.Clock().UnixNano()
	var live []string
	for _, k := range keys {
		name, ok := strings.CutPrefix(k, "node.")
		if !ok {
			continue
		}
		e, err := m.kv.Get(ctx, k)
		if errors.Is(err, replog.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		at, err := strconv.ParseInt(string(e.Value), 10, 64)
		if err == nil && now-at < int64(m.cfg.TTL) {
			live = append(live, name)
		}
	}
	return live, nil
}

// Node is one Agora process of a cluster: it beats, and runs a replica of
// every shard it is among the Replicas top nodes of (Rendezvous over the
// live nodes), owning those it is first for (the owner ticks, snapshots
// and truncates). Ownership is soft: correctness never depends on it, since
// replicas only apply the log and publish outputs exactly once.
type Node struct {
	name string
	cfg  Config
	log  replog.Log
	mem  *Membership

	mu      sync.Mutex
	runs    map[uint32]*run
	errs    []error
	syncErr error
	closed  bool
}

type run struct {
	cancel context.CancelFunc
	done   chan struct{}
	rep    *Replica
	owner  atomic.Bool // the node owns the shard: tick, snapshot, truncate
}

// ended reports whether the replica's Run has returned.
func (r *run) ended() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// NewNode returns node name of the cluster on log; it records or checks
// the cluster's configuration (EnsureRecorded). Errors: ErrInvalidConfig
// (also for an empty name, or one with '.', ' ', '*' or '>'), the log's.
func NewNode(ctx context.Context, log replog.Log, cfg Config, name string) (*Node, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if name == "" || strings.ContainsAny(name, ". *>") {
		return nil, fmt.Errorf("%w: node name %q", ErrInvalidConfig, name)
	}
	if err := EnsureRecorded(ctx, log, c); err != nil {
		return nil, err
	}
	mem, err := NewMembership(ctx, log, c)
	if err != nil {
		return nil, err
	}
	return &Node{name: name, cfg: c, log: log, mem: mem, runs: map[uint32]*run{}}, nil
}

// Sync beats, reads the live nodes and starts or stops replicas to match
// the assignment. Call it every Heartbeat (Run does). It returns the
// shards the node now replicates.
func (n *Node) Sync(ctx context.Context) ([]uint32, error) {
	if err := n.mem.Beat(ctx, n.name); err != nil {
		return nil, err
	}
	live, err := n.mem.Live(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(live, n.name) {
		live = append(live, n.name)
	}
	var stopped []*run
	defer func() { // wait outside the lock: a stopping replica may ask owns
		for _, r := range stopped {
			<-r.done
		}
	}()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, replog.ErrClosed
	}
	var mine []uint32
	for k := range n.cfg.Shards {
		reps := Rendezvous(k, live, n.cfg.Replicas)
		if !slices.Contains(reps, n.name) {
			if r := n.runs[k]; r != nil {
				r.cancel()
				stopped = append(stopped, r)
				delete(n.runs, k)
			}
			continue
		}
		mine = append(mine, k)
		if r := n.runs[k]; r != nil {
			if !r.ended() || r.rep.Err() != nil {
				r.owner.Store(reps[0] == n.name)
				continue
			}
			// Run ended on an error of the log, not of the shard's
			// history: start the shard again from its snapshot.
			r.cancel()
			delete(n.runs, k)
		}
		rep, err := NewReplica(ctx, n.log, n.cfg, k)
		if err != nil {
			return mine, err
		}
		rctx, cancel := context.WithCancel(context.Background())
		r := &run{cancel: cancel, done: make(chan struct{}), rep: rep}
		r.owner.Store(reps[0] == n.name)
		n.runs[k] = r
		go func() {
			defer close(r.done)
			err := rep.Run(rctx, r.owner.Load)
			if err != nil && rctx.Err() == nil && rep.Err() != nil {
				n.mu.Lock()
				n.errs = append(n.errs, fmt.Errorf("node %s shard %d: %w", n.name, k, err))
				n.mu.Unlock()
			}
		}()
	}
	return mine, nil
}

// Errors returns the errors that stopped replicas for good (divergence,
// global order): the alerts an operator must see. A replica stopped by
// any other error of the log is started again, from its snapshot, by the
// next Sync.
func (n *Node) Errors() []error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.errs)
}

// SyncErr returns the error of Run's latest Sync, nil once one succeeds:
// Run goes on after it, so it is a sign of trouble with the log, not an
// alert.
func (n *Node) SyncErr() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.syncErr
}

// Run calls Sync every Heartbeat and, for each shard it owns, appends an
// expiry tick every tick (zero: none), until ctx is done or the log is
// closed; then it stops its replicas without leaving (as a crash would;
// call Close to leave) and returns why. A Sync that fails (the log
// unavailable for a while) is tried again at the next heartbeat, and its
// error is kept for SyncErr.
func (n *Node) Run(ctx context.Context, tick time.Duration) error {
	t := time.NewTicker(n.cfg.Heartbeat)
	defer t.Stop()
	var tc <-chan time.Time
	if tick > 0 {
		tt := time.NewTicker(tick)
		defer tt.Stop()
		tc = tt.C
	}
	for {
		_, err := n.Sync(ctx)
		if errors.Is(err, replog.ErrClosed) {
			n.stop()
			return err
		}
		if ctx.Err() == nil {
			n.mu.Lock()
			n.syncErr = err
			n.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			n.stop()
			return ctx.Err()
		case <-t.C:
		case <-tc:
			n.mu.Lock()
			var reps []*Replica
			for _, r := range n.runs {
				if r.owner.Load() {
					reps = append(reps, r.rep)
				}
			}
			n.mu.Unlock()
			for _, r := range reps {
				_, _ = r.Tick(ctx)
			}
		}
	}
}

// stop ends every replica (a crash: the heartbeat stays until its TTL).
func (n *Node) stop() {
	n.mu.Lock()
	runs := n.runs
	n.runs = map[uint32]*run{}
	n.closed = true
	n.mu.Unlock()
	for _, r := range runs {
		r.cancel()
		<-r.done
	}
}

// Crash stops every replica at once and stops beating, leaving the
// heartbeat to expire, as a crashed process would.
func (n *Node) Crash() { n.stop() }

// Close stops the replicas and removes the node's heartbeat.
func (n *Node) Close(ctx context.Context) error {
	n.stop()
	return n.mem.Leave(ctx, n.name)
}
