package durable

import (
	"sync/atomic"
	"time"

	"github.com/agora-exchange/agora/journal"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/wire"
)

// Metrics is a snapshot of a durable exchange's activity since Open. All
// durations are integer nanoseconds; histograms have fixed power-of-two
// buckets (journal.Histogram).
type Metrics struct {
	// Commands counts the journaled commands by kind (index: the
	// CommandKind; index 0 counts kinds out of range), and Rejections those
	// of them refused, by kind. RejectReasons counts the refusals by reason
	// (index: the RejectReason). They are counted as commands are
	// journaled, under the journal lock, with atomic adds.
	Commands      [wire.MaxCommandKind + 1]uint64
	Rejections    [wire.MaxCommandKind + 1]uint64
	RejectReasons [wire.MaxRejectReason + 1]uint64
	// Journal holds the file journal's fsync latency histogram, its
	// group-commit batch sizes (records per write and fsync) and its queue
	// depth (records enqueued and not yet durable). JournalStats is false
	// when the Log does not report them.
	Journal      journal.Stats
	JournalStats bool
	// Snapshots is the number of snapshots written and SnapshotNanos their
	// durations (encoding, log sync and write); SnapshotFailures counts the
	// snapshots that failed to write; LastSnapshotSeq is the seq of the
	// newest written by this process.
	Snapshots        uint64
	SnapshotFailures uint64
	SnapshotNanos    journal.Histogram
	LastSnapshotSeq  uint64
	// Seq is the exchange's sequence number, FeedOldest and FeedLast the
	// range its ordered output feed holds, and FeedLag the lag
	// (FeedReader.Lag) of each reader passed to Metrics, in order.
	Seq                  uint64
	FeedOldest, FeedLast uint64
	FeedLag              []uint64
}

// Metrics returns the exchange's metrics, with the lag of each of readers
// (readers of this exchange's feed; they must not be in use concurrently).
// Cost: a copy of the counters, the journal's statistics under its mutex,
// and a mutex of the snapshot histogram; no exchange lock. The zero value
// for a nil Store.
func (s *Store) Metrics(readers ...*matching.FeedReader) Metrics {
	var m Metrics
	if s == nil {
		return m
	}
	for i := range m.Commands {
		m.Commands[i] = s.m.commands[i].Load()
		m.Rejections[i] = s.m.rejections[i].Load()
	}
	for i := range m.RejectReasons {
		m.RejectReasons[i] = s.m.reasons[i].Load()
	}
	if st, ok := s.log.(interface{ Stats() journal.Stats }); ok {
		m.Journal, m.JournalStats = st.Stats(), true
	}
	m.Snapshots = s.m.snapshots.Load()
	m.SnapshotFailures = s.m.snapFailures.Load()
	m.LastSnapshotSeq = s.m.lastSnap.Load()
	s.snapMu.Lock() // snapshot() observes under it
	m.SnapshotNanos = s.m.snapNanos
	s.snapMu.Unlock()
	m.Seq = s.x.Seq()
	m.FeedOldest, m.FeedLast = s.x.FeedOldest(), s.x.FeedLast()
	for _, r := range readers {
		m.FeedLag = append(m.FeedLag, r.Lag())
	}
	return m
}

// counters are the Store's metrics.
type counters struct {
	commands     [wire.MaxCommandKind + 1]atomic.Uint64
	rejections   [wire.MaxCommandKind + 1]atomic.Uint64
	reasons      [wire.MaxRejectReason + 1]atomic.Uint64
	snapshots    atomic.Uint64
	snapFailures atomic.Uint64
	lastSnap     atomic.Uint64
	snapNanos    journal.Histogram // under Store.snapMu
}

// count adds one journaled command and its outcome: a refused command's
// last event is its EventRejected.
func (c *counters) count(kind matching.CommandKind, evs []matching.Event) {
	k := int(kind)
	if k > int(wire.MaxCommandKind) {
		k = 0
	}
	c.commands[k].Add(1)
	if n := len(evs); n > 0 && evs[n-1].Kind == wire.EventRejected {
		c.rejections[k].Add(1)
		r := int(evs[n-1].Reject)
		if r > int(wire.MaxRejectReason) {
			r = 0
		}
		c.reasons[r].Add(1)
	}
}

// snapshot records a snapshot written; the caller holds Store.snapMu.
func (c *counters) snapshot(seq uint64, took time.Duration) {
	c.snapshots.Add(1)
	c.lastSnap.Store(seq)
	c.snapNanos.Observe(int64(took))
}
