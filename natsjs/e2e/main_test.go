package e2e

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/agora-exchange/agora/natsjs"
	"github.com/agora-exchange/agora/replog/replogtest"
)

// TestMain checks that no goroutine outlives the tests, except three of
// nats-server's own that may still be winding down right after
// Shutdown+WaitForShutdown on a slow machine: its shared clock ticker, a
// file store's state flusher and a stream source's wait for its consumer
// (which ends on its own timer).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server/ats.Register.func1"),
		goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server.(*fileStore).flushStreamStateLoop"),
		goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server.(*stream).trySetupSourceConsumer.func3"))
}

// startCluster starts a 3-server cluster for the test.
func startCluster(t testing.TB) *Cluster {
	t.Helper()
	return startClusterWith(t, ClusterOptions{})
}

// startBenchCluster starts the 3-server cluster of a benchmark that does
// not partition: routed without proxies, as a deployment is, unless
// AGORA_E2E_PROXIED=1 asks for the test clusters' proxied routes.
func startBenchCluster(t testing.TB) *Cluster {
	t.Helper()
	return startClusterWith(t, ClusterOptions{Direct: os.Getenv("AGORA_E2E_PROXIED") != "1"})
}

// clusterStarts serialises the clusters' starts in this test binary,
// whose tests run in parallel: a cluster picks its ports by binding and
// releasing them, and another cluster starting at the same time could
// take one in between.
var clusterStarts sync.Mutex

func startClusterWith(t testing.TB, opts ClusterOptions) *Cluster {
	t.Helper()
	clusterStarts.Lock()
	defer clusterStarts.Unlock()
	c, err := StartClusterWith(t.TempDir(), 3, opts)
	if err != nil { // once more: on a loaded machine a port may be taken
		t.Logf("starting the cluster again: %v", err)
		c, err = StartClusterWith(t.TempDir(), 3, opts)
	}
	require.NoError(t, err)
	t.Cleanup(c.Shutdown)
	return c
}

// connect returns a connection to every running server of c, closed at
// the end of the test, that reconnects for as long as the test runs.
func connect(t testing.TB, c *Cluster) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(c.URLs(), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond), nats.Timeout(time.Second))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

func newLog(t testing.TB, nc *nats.Conn) *natsjs.Log {
	t.Helper()
	l, err := natsjs.Connect(nc, natsjs.Options{CallTimeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(l.Close)
	return l
}

// TestConformance runs replog's conformance suite on JetStream against a
// 3-server R3 cluster.
func TestConformance(t *testing.T) {
	t.Parallel() // each test runs its own cluster
	c := startCluster(t)
	nc := connect(t, c)
	replogtest.Run(t, func(t *testing.T) replogtest.Harness {
		return replogtest.Harness{
			Log:     newLog(t, nc),
			Window:  time.Second,
			Advance: time.Sleep,
			Timeout: 30 * time.Second,
		}
	})
	t.Run("KVReadsFromTheLeader", func(t *testing.T) { kvReadsFromTheLeader(t, nc) })
}

// kvReadsFromTheLeader: a bucket's stream has direct gets off (a follower
// may answer a direct get with an older state), whether natsjs created it
// or found it made by nats.go with them on, and binding it again keeps
// them off; reads still see every write.
func kvReadsFromTheLeader(t *testing.T, nc *nats.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l := newLog(t, nc)
	direct := func(bucket string) bool {
		st, err := l.JetStream().Stream(ctx, "KV_"+bucket)
		require.NoError(t, err)
		return st.CachedInfo().Config.AllowDirect
	}
	_, err := l.KV(ctx, "LEADER_KV")
	require.NoError(t, err)
	require.False(t, direct("LEADER_KV"))
	_, err = l.JetStream().CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "MADE_KV", Replicas: 3, History: 1})
	require.NoError(t, err)
	require.True(t, direct("MADE_KV"), "nats.go turns direct gets on")
	kv, err := l.KV(ctx, "MADE_KV")
	require.NoError(t, err)
	require.False(t, direct("MADE_KV"))
	for i := range 20 {
		key := fmt.Sprintf("node.%d", i)
		rev, err := kv.Put(ctx, key, []byte{byte(i)})
		require.NoError(t, err)
		e, err := kv.Get(ctx, key)
		require.NoError(t, err)
		require.Equal(t, rev, e.Revision)
		keys, err := kv.Keys(ctx)
		require.NoError(t, err)
		require.Len(t, keys, i+1)
		require.Contains(t, keys, key)
	}
	again, err := newLog(t, nc).KV(ctx, "MADE_KV")
	require.NoError(t, err)
	require.False(t, direct("MADE_KV"))
	keys, err := again.Keys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 20)
}
