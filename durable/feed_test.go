package durable_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/journal"
	. "github.com/agora-exchange/agora/matching"
)

// feedDrive runs n generated commands on x and records the encoded
// events Submit returned for each sequence number.
func feedDrive(t *testing.T, x *Exchange, g *duGen, n int, out map[uint64][]byte) {
	t.Helper()
	var evs []Event
	for range n {
		c := g.Next()
		evs, _ = x.Submit(c, evs[:0])
		g.Observe(evs)
		out[x.Seq()] = duEncode(nil, evs)
	}
}

// feedRead reads outputs from..to with r and checks each against want.
func feedRead(t *testing.T, r *durable.FeedReader, from, to uint64, want map[uint64][]byte) {
	t.Helper()
	var evs []Event
	for s := from; s <= to; s++ {
		seq, got, err := r.Next(context.Background(), evs[:0])
		require.NoError(t, err, "output %d", s)
		require.Equal(t, s, seq)
		require.Equal(t, want[s], duEncode(nil, got), "output %d", s)
		evs = got
	}
}

// TestFeedFromTheJournal: a durable exchange whose in-memory feed holds
// only its newest outputs serves every older one from the journal, byte
// for byte what Submit returned, from any starting point, across
// snapshots and a reopen.
func TestFeedFromTheJournal(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{FeedBytes: 2 << 10}
	x, err := durable.Open(dir, cfg, durable.Options{})
	require.NoError(t, err)
	g := newDuGen(x.Catalog(), 7)
	want := map[uint64][]byte{}
	feedDrive(t, x, g, 700, want)
	require.NoError(t, durable.Of(x).Snapshot())
	feedDrive(t, x, g, 600, want)
	require.NoError(t, durable.Of(x).Snapshot())
	feedDrive(t, x, g, 500, want)
	last := x.Seq()
	require.Greater(t, x.FeedOldest(), uint64(1000), "the small in-memory feed dropped the older outputs")

	_, _, err = x.Feed(1).Next(context.Background(), nil)
	require.ErrorIs(t, err, ErrFeedTruncated, "the exchange's own feed no longer holds seq 1")

	s := durable.Of(x)
	for _, from := range []uint64{1, 2, 699, 700, 701, 1000, 1300, 1301, x.FeedOldest() - 1, x.FeedOldest()} {
		feedRead(t, s.Feed(from), from, min(from+450, last), want)
	}
	feedRead(t, s.Feed(1), 1, last, want)

	// A reader at the end waits for the next command, then gets it.
	r := s.Feed(last + 1)
	done := make(chan error, 1)
	go func() {
		seq, evs, err := r.Next(context.Background(), nil)
		if err == nil && (seq != last+1 || len(evs) == 0) {
			err = errors.New("wrong output")
		}
		done <- err
	}()
	feedDrive(t, x, g, 1, want)
	require.NoError(t, <-done)
	require.NoError(t, s.Close())

	y, err := durable.Open(dir, cfg, durable.Options{})
	require.NoError(t, err)
	defer durable.Of(y).Close()
	feedRead(t, durable.Of(y).Feed(1), 1, last+1, want)
}

// TestFeedTruncatedJournal: once snapshots have let the journal drop its
// oldest segments, a read older than any state the reader can rebuild
// gets a *FeedTruncatedError naming the oldest output it can serve, and a
// reader there serves every output after it.
func TestFeedTruncatedJournal(t *testing.T) {
	dir := t.TempDir()
	x, err := durable.Open(dir, Config{FeedBytes: 2 << 10}, durable.Options{Journal: journal.Options{SegmentBytes: 4 << 10}})
	require.NoError(t, err)
	s := durable.Of(x)
	defer s.Close()
	g := newDuGen(x.Catalog(), 8)
	want := map[uint64][]byte{}
	for range 4 {
		feedDrive(t, x, g, 500, want)
		require.NoError(t, s.Snapshot())
	}
	feedDrive(t, x, g, 100, want)
	first, err := journal.FirstSegmentSeq(nil, dir)
	require.NoError(t, err)
	require.Greater(t, first, uint64(1), "old segments were removed")

	_, _, err = s.Feed(1).Next(context.Background(), nil)
	var te *FeedTruncatedError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, ErrFeedTruncated)
	require.Equal(t, uint64(1), te.Want)
	require.Equal(t, uint64(1501), te.Oldest, "the previous snapshot, at 1500, is the oldest state kept")
	feedRead(t, s.Feed(te.Oldest), te.Oldest, x.Seq(), want)
	_, _, err = s.Feed(te.Oldest-1).Next(context.Background(), nil)
	require.ErrorIs(t, err, ErrFeedTruncated)
}

// TestFeedFromTheJournalConcurrent: readers starting at seq 1 while
// submitters run see 1..N in order, each output as Submit returned it.
func TestFeedFromTheJournalConcurrent(t *testing.T) {
	dir := t.TempDir()
	x, err := durable.Open(dir, Config{FeedBytes: 4 << 10}, durable.Options{})
	require.NoError(t, err)
	s := durable.Of(x)
	defer s.Close()
	g := newDuGen(x.Catalog(), 9)
	want := map[uint64][]byte{}
	feedDrive(t, x, g, 800, want)

	const total = 2000
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var evs []Event
		for x.Seq() < total {
			c := g.Next()
			var err error
			evs, err = x.Submit(c, evs[:0])
			if errors.Is(err, ErrJournal) {
				return
			}
			g.Observe(evs)
			mu.Lock()
			want[x.Seq()] = duEncode(nil, evs) // the only submitter: Seq is this command's
			mu.Unlock()
		}
	}()
	got := make([][][]byte, 2)
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := s.Feed(1)
			var evs []Event
			for s := uint64(1); s <= total; s++ {
				seq, out, err := r.Next(context.Background(), evs[:0])
				if err != nil || seq != s {
					t.Errorf("reader %d at %d: seq %d, %v", i, s, seq, err)
					return
				}
				got[i] = append(got[i], duEncode(nil, out))
				evs = out
			}
		}(i)
	}
	wg.Wait()
	for i := range got {
		require.Len(t, got[i], total)
		for j, b := range got[i] {
			require.Equal(t, want[uint64(j+1)], b, "reader %d, output %d", i, j+1)
		}
	}
}
