package cluster

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/replog"
)

// Config configures a cluster's nodes, replicas and gateways; every one of
// them must be given the same Shards, Prefix and Engine. Zero fields mean
// the defaults.
type Config struct {
	// Shards is the number of shards, fixed when the cluster is created
	// (recorded in KV: see EnsureRecorded). Resharding is not supported.
	// Zero means 1, the unsharded layout: the IDs, command bytes, audit
	// chain and state of a single exchange.
	Shards uint32
	// Prefix names the streams and buckets; default "AGORA".
	Prefix string
	// Engine configures each shard's engine; Shards and Shard are set by
	// the cluster. Clearing pools need their roots declared in
	// Engine.PoolRoots (see Route).
	Engine engine.Config
	// Duplicates is the dedupe window of the command streams: a Submit
	// retried within it under the same request ID is applied once; after
	// it, it is a new command. Default replog.DefaultDuplicates.
	Duplicates time.Duration
	// OutputMaxAge is how long output messages are kept; default 24 h.
	OutputMaxAge time.Duration
	// Retry is how calls to the log are retried.
	Retry replog.Retry
	// Now returns command time (Command.Time) for the gateway's stamps and
	// the owners' expiry ticks; default time.Now().UnixNano.
	Now func() int64
	// Clock is wall time for heartbeats and the snapshot interval;
	// default time.Now.
	Clock func() time.Time
	// SnapshotEvery and SnapshotInterval are the owner's snapshot cadence:
	// after that many commands or that much time; defaults 100,000 and 10
	// minutes.
	SnapshotEvery    uint64
	SnapshotInterval time.Duration
	// Replicas is the number of Agora nodes that apply each shard (not
	// the log's own replication); default 2.
	Replicas int
	// Heartbeat and TTL are the liveness period and timeout; defaults 1 s
	// and 3 s.
	Heartbeat, TTL time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.Shards == 0 {
		c.Shards = 1
	}
	if c.Shards > engine.MaxShards {
		return c, fmt.Errorf("%w: %d shards", ErrInvalidConfig, c.Shards)
	}
	if c.Prefix == "" {
		c.Prefix = "AGORA"
	}
	for _, r := range c.Prefix {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return c, fmt.Errorf("%w: prefix %q", ErrInvalidConfig, c.Prefix)
		}
	}
	if c.Duplicates <= 0 {
		c.Duplicates = replog.DefaultDuplicates
	}
	if c.OutputMaxAge <= 0 {
		c.OutputMaxAge = 24 * time.Hour
	}
	if c.Now == nil {
		c.Now = func() int64 { return time.Now().UnixNano() }
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.SnapshotEvery == 0 {
		c.SnapshotEvery = 100_000
	}
	if c.SnapshotInterval <= 0 {
		c.SnapshotInterval = 10 * time.Minute
	}
	if c.Replicas <= 0 {
		c.Replicas = 2
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = time.Second
	}
	if c.TTL <= 0 {
		c.TTL = 3 * time.Second
	}
	if c.TTL <= c.Heartbeat {
		return c, fmt.Errorf("%w: TTL %v not above heartbeat %v", ErrInvalidConfig, c.TTL, c.Heartbeat)
	}
	if err := c.Engine.Validate(); err != nil {
		return c, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if c.Engine.Catalog == nil {
		// What the engines would take, resolved once so that Route reads
		// the same taxonomy.
		cat, err := catalog.Sample()
		if err != nil {
			return c, err
		}
		c.Engine.Catalog = cat
	}
	return c, nil
}

func (c *Config) engineConfig(shard uint32) engine.Config {
	e := c.Engine
	e.Shards, e.Shard = c.Shards, shard
	return e
}

// Stream and bucket names.
func (c *Config) globalName() string { return c.Prefix + "_GLOBAL" }
func (c *Config) commandName(k uint32) string {
	return c.Prefix + "_CMD_" + strconv.FormatUint(uint64(k), 10)
}
func (c *Config) outputName(k uint32) string {
	return c.Prefix + "_OUT_" + strconv.FormatUint(uint64(k), 10)
}
func (c *Config) snapshotBucket() string { return c.Prefix + "_SNAPSHOTS" }
func (c *Config) kvBucket() string       { return c.Prefix + "_KV" }

func snapshotName(shard uint32, seq uint64) string {
	return fmt.Sprintf("shard-%05d-%020d", shard, seq)
}

// streams are the streams of one cluster.
type streams struct {
	global replog.Stream
	cmds   []replog.Stream
	outs   []replog.Stream
}

func openStreams(ctx context.Context, log replog.Log, c *Config) (*streams, error) {
	s := &streams{}
	var err error
	if s.global, err = log.Stream(ctx, replog.StreamConfig{Name: c.globalName(), Duplicates: c.Duplicates}); err != nil {
		return nil, err
	}
	for k := range c.Shards {
		cmd, err := log.Stream(ctx, replog.StreamConfig{Name: c.commandName(k), Duplicates: c.Duplicates, Sources: []string{c.globalName()}})
		if err != nil {
			return nil, err
		}
		out, err := log.Stream(ctx, replog.StreamConfig{Name: c.outputName(k), Duplicates: c.Duplicates, MaxAge: c.OutputMaxAge})
		if err != nil {
			return nil, err
		}
		s.cmds = append(s.cmds, cmd)
		s.outs = append(s.outs, out)
	}
	return s, nil
}

// EnsureRecorded records the cluster's shard count in its KV bucket, or
// checks it against the recorded one: ErrConfigMismatch if it differs.
func EnsureRecorded(ctx context.Context, log replog.Log, cfg Config) error {
	c, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	kv, err := log.KV(ctx, c.kvBucket())
	if err != nil {
		return err
	}
	want := []byte("shards=" + strconv.FormatUint(uint64(c.Shards), 10))
	_, err = kv.Create(ctx, "config", want)
	if err == nil {
		return nil
	}
	e, gerr := kv.Get(ctx, "config")
	if gerr != nil {
		return fmt.Errorf("%w (get: %w)", err, gerr)
	}
	if string(e.Value) != string(want) {
		return fmt.Errorf("%w: recorded %q, configured %q", ErrConfigMismatch, e.Value, want)
	}
	return nil
}
