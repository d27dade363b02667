package e2e

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
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
	c, err := StartCluster(t.TempDir(), 3)
	if err != nil { // once more: on a loaded machine a port may be taken
		t.Logf("starting the cluster again: %v", err)
		c, err = StartCluster(t.TempDir(), 3)
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
}
