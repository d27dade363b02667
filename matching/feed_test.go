package matching

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
)

// encodeOutput is the feed's encoding of one command's events, for
// byte-for-byte comparison.
func encodeOutput(evs []Event) []byte {
	b := binary.AppendUvarint(nil, uint64(len(evs)))
	for i := range evs {
		b = AppendEvent(b, &evs[i])
	}
	return b
}

// TestEngineMatchesExchange runs random command streams, procurement
// included, through the exchange and through a bare engine applying the
// same commands with the same sequence numbers: the events and the final
// state are the same, byte for byte. It is the replica path.
func TestEngineMatchesExchange(t *testing.T) {
	for seed := range uint64(6) {
		x, err := New(Config{})
		require.NoError(t, err)
		cmds := duDrive(t, x, newDuGen(x.Catalog(), seed), 1500)
		e, err := engine.New(engine.Config{})
		require.NoError(t, err)
		y, err := New(Config{})
		require.NoError(t, err)
		var got, want []Event
		for i := range cmds {
			want, _ = y.Submit(cmds[i], want[:0])
			got, _ = e.Apply(uint64(i+1), &cmds[i], got[:0])
			require.Equal(t, encodeOutput(want), encodeOutput(got), "seed %d command %d (%v)", seed, i+1, cmds[i].Kind)
		}
		require.Equal(t, duMarshal(t, x), e.AppendState(nil, uint64(len(cmds)), nil), "seed %d", seed)
		require.NoError(t, e.CheckInvariants())
	}
}

// TestFeedConcurrent runs submitters on several markets and procurement
// commands at once, with readers attached from the start and from the
// middle: every reader sees every sequence number in order, once, with the
// events Submit returned for it, byte for byte.
func TestFeedConcurrent(t *testing.T) {
	f := newExFixture(t, Config{})
	traders := []catalog.ParticipantID{f.trader("A"), f.trader("B"), f.trader("C"), f.trader("D")}
	keys := []MarketKey{f.key("23.51.12", "MSK"), f.key("23.51.12", "SPB"), f.key("23.51.13", "MSK"), f.key("23.51.13", "SPB")}
	start := f.x.Seq()
	const perSubmitter = 1500
	var mu sync.Mutex
	returned := map[uint64][]byte{}
	record := func(evs []Event) {
		if len(evs) == 0 {
			return
		}
		mu.Lock()
		returned[evs[0].Seq] = encodeOutput(evs)
		mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type seen struct {
		seqs []uint64
		outs map[uint64][]byte
		err  error
	}
	readers := make([]*seen, 3)
	var rg sync.WaitGroup
	total := start + uint64(len(keys))*perSubmitter + perSubmitter/10
	for i := range readers {
		readers[i] = &seen{outs: map[uint64][]byte{}}
		from := uint64(1)
		if i == 2 {
			from = start + 1
		}
		r := f.x.Feed(from)
		rg.Go(func() {
			var evs []Event
			for r.Pos() <= total {
				seq, got, err := r.Next(ctx, evs[:0])
				if err != nil {
					readers[i].err = err
					return
				}
				evs = got
				readers[i].seqs = append(readers[i].seqs, seq)
				readers[i].outs[seq] = encodeOutput(got)
			}
		})
	}
	var sg sync.WaitGroup
	for i, k := range keys {
		sg.Go(func() {
			var evs []Event
			for j := range perSubmitter {
				side, price := Buy, catalog.Price(500_000-100*(j%7))
				if j%2 == 1 {
					side, price = Sell, catalog.Price(500_000+100*(j%5)-300)
				}
				evs, _ = f.x.Submit(Command{Kind: CmdPlace, Participant: traders[i], Category: k.Category, Basis: k.Basis,
					Side: side, Type: Limit, TIF: GTC, Price: price, Qty: catalog.Qty(1 + j%9), Time: int64(2000 + j)}, evs[:0])
				record(evs)
			}
		})
	}
	sg.Go(func() {
		var evs []Event
		for j := range perSubmitter / 10 {
			evs, _ = f.x.Submit(Command{Kind: CmdSubscribe, Participant: traders[j%4], Category: keys[0].Category, Time: int64(2000 + j)}, evs[:0])
			record(evs)
		}
	})
	sg.Wait()
	rg.Wait()
	require.Equal(t, total, f.x.Seq())
	for i, r := range readers {
		require.NoError(t, r.err, "reader %d", i)
		from := uint64(1)
		if i == 2 {
			from = start + 1
		}
		require.Len(t, r.seqs, int(total-from+1), "reader %d", i)
		for j, s := range r.seqs {
			require.Equal(t, from+uint64(j), s, "reader %d: no gap, no duplicate", i)
		}
		for s, b := range returned {
			if s >= from {
				require.Equal(t, b, r.outs[s], "reader %d seq %d: the bytes Submit returned", i, s)
			}
		}
	}
}

// TestFeedTruncatedAndSlowReader: a reader that asks for an output the
// bounded buffer no longer holds gets a typed error naming both sequence
// numbers, never a gap, and Submit never waits for readers.
func TestFeedTruncatedAndSlowReader(t *testing.T) {
	f := newExFixture(t, Config{FeedBytes: 4 << 10})
	a, b := f.trader("A"), f.trader("B")
	k := f.key("23.51.12", "MSK")
	slow := f.x.Feed(1) // never reads until the end
	for j := range 2000 {
		f.place([]catalog.ParticipantID{a, b}[j%2], k, []Side{Buy, Sell}[j%2], catalog.Price(400_000+200*(j%2)*100), 1)
	}
	oldest := f.x.FeedOldest()
	require.Greater(t, oldest, uint64(1), "the 4 KiB buffer dropped the oldest outputs")
	_, _, err := slow.Next(context.Background(), nil)
	var te *FeedTruncatedError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, ErrFeedTruncated)
	require.Equal(t, uint64(1), te.Want)
	require.Equal(t, oldest, te.Oldest)
	require.Equal(t, uint64(1), slow.Pos(), "a failed read does not move the reader")
	slow.Seek(te.Oldest)
	seq, evs, err := slow.Next(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, oldest, seq)
	require.NotEmpty(t, evs)
	require.Equal(t, seq, evs[0].Seq)
	require.Equal(t, f.x.Seq()-oldest, slow.Lag())
}

func TestFeedWaitsAndHonoursContext(t *testing.T) {
	f := newExFixture(t, Config{})
	r := f.x.Feed(f.x.Seq() + 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := r.Next(ctx, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	done := make(chan error, 1)
	go func() {
		_, evs, err := r.Next(context.Background(), nil)
		if err == nil && (len(evs) != 1 || evs[0].Kind != EventRegistered) {
			err = errors.New(fmt.Sprint("unexpected output ", evs))
		}
		done <- err
	}()
	f.register("Late")
	require.NoError(t, <-done)
}

func TestFeedConfig(t *testing.T) {
	_, err := New(Config{FeedBytes: -1})
	require.ErrorIs(t, err, ErrInvalidConfig)
}

// TestFeedBytesCountEncodedOutputs checks the contract of Config.FeedBytes:
// the feed holds the newest outputs whose wire encodings fit in it, no
// more and no fewer.
func TestFeedBytesCountEncodedOutputs(t *testing.T) {
	const budget = 2 << 10
	f := newExFixture(t, Config{FeedBytes: budget})
	a, b := f.trader("A"), f.trader("B")
	k := f.key("23.51.12", "MSK")
	sizes := map[uint64]int{}
	for j := range 300 {
		evs, _ := f.x.Submit(Command{Kind: CmdPlace, Participant: []catalog.ParticipantID{a, b}[j%2], Category: k.Category, Basis: k.Basis,
			Side: []Side{Buy, Sell}[j%2], Type: Limit, TIF: GTC, Price: catalog.Price(400_000 + 20_000*(j%2)), Qty: 1}, nil)
		n := 0
		for i := range evs {
			n += len(appendFeedEvent(nil, &evs[i]))
		}
		sizes[evs[0].Seq] = max(n, 1)
	}
	last := f.x.FeedLast()
	want, used := last+1, 0
	for s := last; s >= 1 && used+sizes[s] <= budget; s-- {
		used += sizes[s]
		want = s
	}
	require.Greater(t, want, uint64(1), "the budget is smaller than the outputs")
	require.Equal(t, want, f.x.FeedOldest(), "oldest output held under a %d-byte budget", budget)
}
