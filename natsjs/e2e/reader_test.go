package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/natsjs"
	"github.com/agora-exchange/agora/replog"
)

// TestReaderSurvivesLeaderKill: after a Read timed out waiting at the end
// of a stream, the stream's leader is killed and a message appended; a
// Read from that seq returns it within a few seconds, through a
// connection that never dropped.
func TestReaderSurvivesLeaderKill(t *testing.T) {
	t.Parallel() // each test runs its own cluster
	c := startCluster(t)
	setup := newLog(t, connect(t, c))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := setup.Stream(ctx, replog.StreamConfig{Name: "READER"})
	require.NoError(t, err)
	leader, err := StreamLeader(ctx, setup.JetStream(), c, "READER")
	require.NoError(t, err)
	// The reader's connection stays up: it is to another server.
	nc, err := nats.Connect(c.URL((leader+1)%c.N()), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	l := newLog(t, nc)
	s, err := l.Stream(ctx, replog.StreamConfig{Name: "READER"})
	require.NoError(t, err)
	for i := range 3 {
		_, err := s.Append(ctx, []byte{byte(i)}, replog.AppendOptions{ID: string(rune('a' + i))})
		require.NoError(t, err)
	}
	msgs, err := s.Read(ctx, 1, 10)
	require.NoError(t, err)
	require.Len(t, msgs, 3)
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = s.Read(short, 4, 10)
	cancelShort()
	require.Error(t, err, "nothing at 4 yet")

	c.Stop(leader)
	ack, err := s.Append(ctx, []byte("after"), replog.AppendOptions{ID: "after"})
	require.NoError(t, err)
	require.Equal(t, uint64(4), ack.Seq)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, replog.Info{First: 1, Last: 4}, info)

	// Bounded: well under the consumer's own heartbeat-based recovery.
	rctx, cancelRead := context.WithTimeout(ctx, 3*time.Second)
	defer cancelRead()
	var got []replog.Msg
	for rctx.Err() == nil && len(got) == 0 {
		a, cancelA := context.WithTimeout(rctx, time.Second)
		got, err = s.Read(a, 4, 10)
		cancelA()
	}
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, []byte("after"), got[0].Data)
	require.NoError(t, c.Restart(leader))
}

// TestReadersDeleteTheirConsumers: readers started at many positions of
// one stream, beyond the idle readers a handle keeps, leave no more
// consumers on the server than the readers kept (JetStream allows 1,000
// per stream by default); after Close, none.
func TestReadersDeleteTheirConsumers(t *testing.T) {
	t.Parallel() // each test runs its own cluster
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	nc := connect(t, c)
	const kept = 2
	l, err := natsjs.Connect(nc, natsjs.Options{CallTimeout: time.Second, Cursors: kept})
	require.NoError(t, err)
	s, err := l.Stream(ctx, replog.StreamConfig{Name: "READERS"})
	require.NoError(t, err)
	const n = 60
	for i := range n {
		_, err := s.Append(ctx, []byte{byte(i)}, replog.AppendOptions{ID: fmt.Sprint(i)})
		require.NoError(t, err)
	}
	const reads = 20
	for i := range reads {
		from := uint64(1 + 3*i) // no idle reader is positioned there
		msgs, err := s.Read(ctx, from, 2)
		require.NoError(t, err)
		require.Equal(t, from, msgs[0].Seq)
	}
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	consumers := func() int {
		st, err := js.Stream(ctx, "READERS")
		require.NoError(t, err)
		info, err := st.Info(ctx)
		require.NoError(t, err)
		return info.State.Consumers
	}
	waitFor(t, 10*time.Second, "the stopped readers' consumers deleted", func() bool { return consumers() <= kept })
	l.Close()
	require.Zero(t, consumers(), "Close waits for its readers' consumers to go")
}
