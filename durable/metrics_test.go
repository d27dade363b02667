package durable_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/journal/journaltest"
	. "github.com/agora-exchange/agora/matching"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestMetrics drives a scenario that must move every metric: commands and
// rejections by kind and reason, the journal's fsyncs, batches and queue
// depth, snapshots, and the lag of a feed reader.
func TestMetrics(t *testing.T) {
	var logs syncBuffer
	dir := t.TempDir()
	x, err := durable.Open(dir, Config{}, durable.Options{Logger: newLogger(&logs)})
	require.NoError(t, err)
	s := durable.Of(x)
	defer s.Close()
	require.Contains(t, logs.String(), "durable: recovered")
	before := logs.String()

	m := s.Metrics()
	require.Zero(t, m.Commands[CmdRegister])
	require.True(t, m.JournalStats)

	sub := func(c Command) {
		_, _ = x.Submit(c, nil)
	}
	for i := range 3 {
		sub(Command{Kind: CmdRegister, Time: 1, Name: "Co", INN: exINN(i + 1)})
	}
	sub(Command{Kind: CmdRegister, Time: 1, Name: "Bad INN", INN: "7700000000"})              // rejected
	sub(Command{Kind: CmdSetStatus, Time: 2, Participant: 1, Status: catalog.StatusVerified}) // accepted
	sub(Command{Kind: CmdCancel, Time: 3, Participant: 1, OrderID: 12345})                    // rejected
	sub(Command{Kind: 200, Time: 4})                                                          // rejected, unknown kind
	require.Equal(t, before, logs.String(), "nothing is logged per command")

	r := x.Feed(1)
	for range 2 {
		_, _, err := r.Next(context.Background(), nil)
		require.NoError(t, err)
	}
	idle := x.Feed(x.Seq() + 1)

	m = s.Metrics(r, idle)
	require.Equal(t, uint64(4), m.Commands[CmdRegister])
	require.Equal(t, uint64(1), m.Rejections[CmdRegister])
	require.Equal(t, uint64(1), m.Commands[CmdSetStatus])
	require.Zero(t, m.Rejections[CmdSetStatus])
	require.Equal(t, uint64(1), m.Commands[CmdCancel])
	require.Equal(t, uint64(1), m.Rejections[CmdCancel])
	require.Equal(t, uint64(1), m.Commands[0], "kinds out of range count at 0")
	require.Equal(t, uint64(1), m.Rejections[0])
	require.Equal(t, uint64(1), m.RejectReasons[ReasonInvalidINN])
	require.Equal(t, uint64(1), m.RejectReasons[ReasonUnknownOrder])
	require.Equal(t, uint64(1), m.RejectReasons[ReasonInvalidCommand]+m.RejectReasons[ReasonUnknownParticipant]+m.RejectReasons[ReasonInvalidType], "the unknown kind's reason")
	var total uint64
	for _, n := range m.RejectReasons {
		total += n
	}
	require.Equal(t, uint64(3), total)

	// Every record went through one write and fsync; none is pending.
	require.Equal(t, uint64(7), m.Seq)
	require.Equal(t, m.Seq, m.Journal.BatchRecords.Sum)
	require.Equal(t, m.Journal.BatchRecords.Count, m.Journal.FsyncNanos.Count)
	require.Positive(t, m.Journal.FsyncNanos.Count)
	require.Zero(t, m.Journal.QueueDepth)
	require.Equal(t, []uint64{5, 0}, m.FeedLag, "lag of each reader")
	require.Equal(t, uint64(7), m.FeedLast)
	require.Zero(t, m.Snapshots)

	require.NoError(t, s.Snapshot())
	m = s.Metrics()
	require.Equal(t, uint64(1), m.Snapshots)
	require.Equal(t, uint64(1), m.SnapshotNanos.Count)
	require.Positive(t, m.SnapshotNanos.Sum)
	require.Equal(t, uint64(7), m.LastSnapshotSeq)
	require.Contains(t, logs.String(), "durable: snapshot written")
	require.Contains(t, logs.String(), "seq=7")
}

// TestMetricsGroupCommitBatches: concurrent submitters share fsyncs, so
// batches hold more records than there are fsyncs, and every record is
// counted once.
func TestMetricsGroupCommitBatches(t *testing.T) {
	x, err := durable.Open(t.TempDir(), Config{}, durable.Options{})
	require.NoError(t, err)
	s := durable.Of(x)
	defer s.Close()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 40 {
				_, _ = x.Submit(Command{Kind: CmdRegister, Time: 1, Name: "Co", INN: exINN(1000*w + i)}, nil)
			}
		})
	}
	wg.Wait()
	m := s.Metrics()
	require.Equal(t, uint64(320), m.Commands[CmdRegister])
	require.Equal(t, uint64(320), m.Journal.BatchRecords.Sum)
	require.Less(t, m.Journal.FsyncNanos.Count, uint64(320), "group commit shares fsyncs")
	var multi uint64
	for i := 1; i < journal.HistogramBuckets; i++ {
		multi += m.Journal.BatchRecords.Counts[i]
	}
	require.Positive(t, multi, "some batch held more than one record")
}

// TestLogsJournalFault: the log's first failure is logged once, as an
// error, however many submits meet it afterwards.
func TestLogsJournalFault(t *testing.T) {
	var logs syncBuffer
	ffs := &duFaultFS{kind: "fsync"}
	x, err := durable.Open(t.TempDir(), Config{}, durable.Options{Journal: journal.Options{FS: ffs}, Logger: newLogger(&logs)})
	require.NoError(t, err)
	defer durable.Of(x).Close()
	_, err = x.Submit(Command{Kind: CmdRegister, Time: 1, Name: "Co", INN: exINN(1)}, nil)
	require.NoError(t, err)
	ffs.mu.Lock()
	ffs.armed = true
	ffs.mu.Unlock()
	for i := range 3 {
		_, err = x.Submit(Command{Kind: CmdRegister, Time: 1, Name: "Co", INN: exINN(2 + i)}, nil)
		require.ErrorIs(t, err, ErrJournal)
	}
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "durable: journal failed"), out)
	require.Contains(t, out, "level=ERROR")
	require.ErrorIs(t, durable.Of(x).Snapshot(), ErrJournal)
}

// failRenameFS fails the rename that installs a snapshot.
type failRenameFS struct{ journal.OSFS }

func (failRenameFS) Rename(from, to string) error {
	if strings.HasSuffix(to, ".snap") {
		return errors.New("rename refused")
	}
	return journal.OSFS{}.Rename(from, to)
}

// TestLogsSnapshotFailureAndRecovery: a snapshot that fails to write is
// counted and logged; recovery logs the torn tail it cut off.
func TestLogsSnapshotFailureAndRecovery(t *testing.T) {
	var logs syncBuffer
	dir := t.TempDir()
	x, err := durable.Open(dir, Config{}, durable.Options{Journal: journal.Options{FS: failRenameFS{}}, Logger: newLogger(&logs)})
	require.NoError(t, err)
	duDrive(t, x, newDuGen(x.Catalog(), 9), 30)
	require.Error(t, durable.Of(x).Snapshot())
	m := durable.Of(x).Metrics()
	require.Equal(t, uint64(1), m.SnapshotFailures)
	require.Zero(t, m.Snapshots)
	require.Contains(t, logs.String(), "durable: snapshot failed")
	require.NoError(t, durable.Of(x).Close())

	// Tear the final record, as a crash during its write would.
	firsts, err := journaltest.Segments(dir)
	require.NoError(t, err)
	last := filepath.Join(dir, journaltest.SegmentName(firsts[len(firsts)-1]))
	fi, err := os.Stat(last)
	require.NoError(t, err)
	require.NoError(t, journaltest.Truncate(last, fi.Size()-3))
	logs = syncBuffer{}
	y, err := durable.Open(dir, Config{}, durable.Options{Logger: newLogger(&logs)})
	require.NoError(t, err)
	defer durable.Of(y).Close()
	require.Equal(t, uint64(29), y.Seq())
	out := logs.String()
	require.Contains(t, out, "durable: cut off a torn journal tail")
	require.Contains(t, out, "replayed=29")
}
