// Package replogtest is the conformance suite of package replog: every
// implementation of replog.Log must pass Run. It checks dense order,
// deduplication within the window and none after it, the dedupe check
// before the expected-last check, resuming from any seq, the truncation
// error, racing appenders, outputs stored exactly once under racing and
// lagging putters, sourcing with namespaced IDs and origin sequences, the
// object store (values over 1 MiB included) and the KV bucket.
package replogtest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/replog"
)

// Harness is one log under test.
type Harness struct {
	// Log is the implementation. Each subtest gets a fresh Harness and
	// uses its own stream and bucket names, so one log service may serve
	// them all.
	Log replog.Log
	// Window is the dedupe window the suite gives its streams; Advance
	// must be able to move past it.
	Window time.Duration
	// Advance moves the log's clock forward by d: a fake clock's step,
	// or a sleep for a real service.
	Advance func(d time.Duration)
	// Timeout bounds every wait of the suite; zero means 10 s.
	Timeout time.Duration
	// Faults, if set, turns the implementation's fault injection on or
	// off; the suite turns it on while racing appenders and putters run
	// (they retry timed-out calls under the same message ID).
	Faults func(on bool)
}

func faults(h Harness, on bool) {
	if h.Faults != nil {
		h.Faults(on)
	}
}

// Run runs the suite; newHarness is called once per subtest.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	for _, c := range []struct {
		name string
		f    func(*testing.T, Harness)
	}{
		{"DenseOrder", denseOrder},
		{"DedupeWithinWindow", dedupeWithinWindow},
		{"NoDedupeAfterWindow", noDedupeAfterWindow},
		{"ExpectLast", expectLast},
		{"ResumeFromAnySeq", resumeFromAnySeq},
		{"ReadWaits", readWaits},
		{"Truncation", truncation},
		{"RacingAppenders", racingAppenders},
		{"OutputsExactlyOnce", outputsExactlyOnce},
		{"OutputDivergence", outputDivergence},
		{"OutputBatches", outputBatches},
		{"Sourcing", sourcing},
		{"Objects", objectStore},
		{"KV", keyValue},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			if h.Timeout <= 0 {
				h.Timeout = 10 * time.Second
			}
			c.f(t, h)
		})
	}
}

func ctxOf(t *testing.T, h Harness) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeout)
	t.Cleanup(cancel)
	return ctx
}

func open(t *testing.T, h Harness, name string, sources ...string) replog.Stream {
	t.Helper()
	s, err := h.Log.Stream(ctxOf(t, h), replog.StreamConfig{Name: name, Duplicates: h.Window, Sources: sources})
	require.NoError(t, err)
	return s
}

// appendRetry appends under a retry policy, as every caller must.
func appendRetry(ctx context.Context, s replog.Stream, data []byte, opts replog.AppendOptions) (replog.Ack, error) {
	var ack replog.Ack
	err := replog.Retry{CallTimeout: time.Second, Backoff: time.Millisecond, Attempts: 50}.Do(ctx, func(ctx context.Context) error {
		var err error
		ack, err = s.Append(ctx, data, opts)
		return err
	})
	return ack, err
}

func readAll(t *testing.T, ctx context.Context, s replog.Stream, from, to uint64) []replog.Msg {
	t.Helper()
	var out []replog.Msg
	for from <= to {
		msgs, err := s.Read(ctx, from, int(to-from+1))
		require.NoError(t, err)
		require.NotEmpty(t, msgs)
		for _, m := range msgs {
			require.Equal(t, from, m.Seq, "dense order")
			from++
			out = append(out, m)
		}
	}
	return out
}

func payload(i int) []byte { return []byte(fmt.Sprintf("command %d", i)) }

func denseOrder(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_DENSE")
	const n = 100
	for i := 1; i <= n; i++ {
		ack, err := appendRetry(ctx, s, payload(i), replog.AppendOptions{ID: fmt.Sprintf("id-%d", i)})
		require.NoError(t, err)
		require.Equal(t, uint64(i), ack.Seq)
		require.False(t, ack.Duplicate)
	}
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, replog.Info{First: 1, Last: n}, info)
	for i, m := range readAll(t, ctx, s, 1, n) {
		require.Equal(t, payload(i+1), m.Data)
		require.Equal(t, fmt.Sprintf("id-%d", i+1), m.ID)
		require.Zero(t, m.Origin)
	}
}

func dedupeWithinWindow(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_DEDUPE")
	a, err := s.Append(ctx, []byte("first"), replog.AppendOptions{ID: "a"})
	require.NoError(t, err)
	_, err = s.Append(ctx, []byte("other"), replog.AppendOptions{ID: "b"})
	require.NoError(t, err)
	again, err := s.Append(ctx, []byte("retry with other bytes"), replog.AppendOptions{ID: "a"})
	require.NoError(t, err)
	require.Equal(t, replog.Ack{Seq: a.Seq, Duplicate: true}, again)
	// The dedupe check comes before the expected-last check: a retry
	// with a stale expectation is still a duplicate, not an error.
	stale, err := s.Append(ctx, []byte("first"), replog.AppendOptions{ID: "a", CheckLast: true, ExpectLast: 0})
	require.NoError(t, err)
	require.Equal(t, replog.Ack{Seq: a.Seq, Duplicate: true}, stale)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(2), info.Last, "a duplicate stores nothing")
	msgs := readAll(t, ctx, s, 1, 2)
	require.Equal(t, []byte("first"), msgs[0].Data)
	// No ID: no dedupe.
	x, err := s.Append(ctx, []byte("x"), replog.AppendOptions{})
	require.NoError(t, err)
	y, err := s.Append(ctx, []byte("x"), replog.AppendOptions{})
	require.NoError(t, err)
	require.Equal(t, x.Seq+1, y.Seq)
}

func noDedupeAfterWindow(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_WINDOW")
	a, err := s.Append(ctx, []byte("first"), replog.AppendOptions{ID: "a"})
	require.NoError(t, err)
	h.Advance(h.Window + h.Window/2 + 50*time.Millisecond)
	b, err := s.Append(ctx, []byte("after the window"), replog.AppendOptions{ID: "a"})
	require.NoError(t, err)
	require.False(t, b.Duplicate, "a retry after the window is a new command")
	require.Equal(t, a.Seq+1, b.Seq)
	c, err := s.Append(ctx, []byte("within the new window"), replog.AppendOptions{ID: "a"})
	require.NoError(t, err)
	require.Equal(t, replog.Ack{Seq: b.Seq, Duplicate: true}, c)
}

func expectLast(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_EXPECT")
	ack, err := s.Append(ctx, []byte("1"), replog.AppendOptions{ID: "1", CheckLast: true, ExpectLast: 0})
	require.NoError(t, err)
	require.Equal(t, uint64(1), ack.Seq)
	_, err = s.Append(ctx, []byte("2"), replog.AppendOptions{ID: "2", CheckLast: true, ExpectLast: 0})
	require.ErrorIs(t, err, replog.ErrWrongLast)
	var wl *replog.WrongLastError
	require.ErrorAs(t, err, &wl)
	require.Equal(t, uint64(0), wl.Expected)
	require.Equal(t, uint64(1), wl.Last)
	ack, err = s.Append(ctx, []byte("2"), replog.AppendOptions{ID: "2", CheckLast: true, ExpectLast: 1})
	require.NoError(t, err)
	require.Equal(t, uint64(2), ack.Seq)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(2), info.Last, "the refused append stored nothing")
}

func resumeFromAnySeq(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_RESUME")
	const n = 40
	for i := 1; i <= n; i++ {
		_, err := appendRetry(ctx, s, payload(i), replog.AppendOptions{ID: fmt.Sprint(i)})
		require.NoError(t, err)
	}
	for from := uint64(1); from <= n; from++ {
		msgs := readAll(t, ctx, s, from, n)
		require.Len(t, msgs, int(n-from+1))
		require.Equal(t, payload(int(from)), msgs[0].Data)
		one, err := s.Read(ctx, from, 1)
		require.NoError(t, err)
		require.Len(t, one, 1)
		require.Equal(t, from, one[0].Seq)
	}
	_, err := s.Read(ctx, 0, 1)
	require.ErrorIs(t, err, replog.ErrInvalid)
}

func readWaits(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_WAIT")
	_, err := s.Append(ctx, []byte("1"), replog.AppendOptions{ID: "1"})
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = s.Read(short, 2, 1)
	cancel()
	require.Error(t, err, "nothing at seq 2 yet")
	got := make(chan []replog.Msg, 1)
	go func() {
		msgs, _ := s.Read(ctx, 2, 10)
		got <- msgs
	}()
	_, err = s.Append(ctx, []byte("2"), replog.AppendOptions{ID: "2"})
	require.NoError(t, err)
	select {
	case msgs := <-got:
		require.NotEmpty(t, msgs)
		require.Equal(t, uint64(2), msgs[0].Seq)
		require.Equal(t, []byte("2"), msgs[0].Data)
	case <-ctx.Done():
		t.Fatal("a waiting read never saw the append")
	}
}

func truncation(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_TRUNC")
	for i := 1; i <= 20; i++ {
		_, err := appendRetry(ctx, s, payload(i), replog.AppendOptions{ID: fmt.Sprint(i)})
		require.NoError(t, err)
	}
	require.NoError(t, s.Purge(ctx, 11))
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, replog.Info{First: 11, Last: 20}, info)
	for _, from := range []uint64{1, 10} {
		_, err = s.Read(ctx, from, 5)
		require.ErrorIs(t, err, replog.ErrTruncated)
		var te *replog.TruncatedError
		require.ErrorAs(t, err, &te)
		require.Equal(t, from, te.Requested)
		require.Equal(t, uint64(11), te.First)
		require.Contains(t, te.Error(), fmt.Sprint(from))
		require.Contains(t, te.Error(), "11")
	}
	msgs := readAll(t, ctx, s, 11, 20)
	require.Equal(t, payload(11), msgs[0].Data)
	ack, err := s.Append(ctx, []byte("after"), replog.AppendOptions{ID: "after", CheckLast: true, ExpectLast: 20})
	require.NoError(t, err)
	require.Equal(t, uint64(21), ack.Seq, "sequence numbers are never reused")
}

func racingAppenders(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_RACE")
	const writers, each = 8, 40
	var wg sync.WaitGroup
	faults(h, true)
	seqs := make([][]uint64, writers)
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("w%d-%d", w, i)
				data := []byte(id)
				ack, err := appendRetry(ctx, s, data, replog.AppendOptions{ID: id})
				if err != nil {
					errs[w] = err
					return
				}
				seqs[w] = append(seqs[w], ack.Seq)
				if i%5 == 0 { // a retry of a landed append
					again, err := appendRetry(ctx, s, data, replog.AppendOptions{ID: id})
					if err != nil || again.Seq != ack.Seq || !again.Duplicate {
						errs[w] = fmt.Errorf("retry of %s: %+v, %v (first seq %d)", id, again, err, ack.Seq)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	faults(h, false)
	for _, err := range errs {
		require.NoError(t, err)
	}
	const n = writers * each
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(n), info.Last, "every append once")
	seen := map[string]uint64{}
	for _, m := range readAll(t, ctx, s, 1, n) {
		require.Equal(t, m.ID, string(m.Data))
		_, dup := seen[m.ID]
		require.False(t, dup, "ID %s stored twice", m.ID)
		seen[m.ID] = m.Seq
	}
	for w := range writers {
		require.Len(t, seqs[w], each)
		for i, seq := range seqs[w] {
			require.Equal(t, seen[fmt.Sprintf("w%d-%d", w, i)], seq, "the ack names the stored seq")
			if i > 0 {
				require.Greater(t, seq, seqs[w][i-1], "one writer's appends stay in order")
			}
		}
	}
}

func headOf(n uint64) []byte { return []byte(fmt.Sprintf("head-%032d", n)) }

func outputsExactlyOnce(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_OUT")
	const putters, n = 4, 60
	var wg sync.WaitGroup
	errs := make([]error, putters)
	faults(h, true)
	storedBy := make([]int, putters)
	for p := range putters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if p == putters-1 {
				// A lagging replica: it starts once the others are done
				// with a good part of the outputs.
				for {
					info, err := s.Info(ctx)
					if err == nil && info.Last >= n/2 || ctx.Err() != nil {
						break
					}
					time.Sleep(time.Millisecond)
				}
			}
			for i := uint64(1); i <= n; i++ {
				err := replog.Retry{CallTimeout: time.Second, Backoff: time.Millisecond, Attempts: 50}.Do(ctx, func(ctx context.Context) error {
					stored, err := replog.PutOutput(ctx, s, i, headOf(i), payload(int(i)))
					if stored {
						storedBy[p]++
					}
					return err
				})
				if err != nil {
					errs[p] = fmt.Errorf("output %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	faults(h, false)
	requireOutputs(t, ctx, s, n, errs)
	total := 0
	for _, c := range storedBy {
		total += c
	}
	require.LessOrEqual(t, total, n, "no output stored twice")
	// A putter that is ahead of the stream is refused.
	_, err := replog.PutOutput(ctx, s, n+2, headOf(n+2), nil)
	require.ErrorIs(t, err, replog.ErrOutputGap)
}

// requireOutputs checks that no putter failed and that s holds outputs
// 1..n exactly once, each with its payload, head and ID.
func requireOutputs(t *testing.T, ctx context.Context, s replog.Stream, n int, putErrs []error) {
	t.Helper()
	for _, err := range putErrs {
		require.NoError(t, err)
	}
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(n), info.Last, "each output exactly once")
	for _, m := range readAll(t, ctx, s, 1, uint64(n)) {
		require.Equal(t, payload(int(m.Seq)), m.Data)
		require.Equal(t, headOf(m.Seq), m.Head)
		require.Equal(t, replog.OutputID(m.Seq), m.ID)
	}
}

func outputDivergence(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_DIVERGE")
	for i := uint64(1); i <= 3; i++ {
		stored, err := replog.PutOutput(ctx, s, i, headOf(i), payload(int(i)))
		require.NoError(t, err)
		require.True(t, stored)
	}
	stored, err := replog.PutOutput(ctx, s, 2, headOf(2), payload(2))
	require.NoError(t, err, "the same output again agrees")
	require.False(t, stored)
	_, err = replog.PutOutput(ctx, s, 2, headOf(99), payload(2))
	require.ErrorIs(t, err, replog.ErrDivergence)
	var de *replog.DivergenceError
	require.ErrorAs(t, err, &de)
	require.Equal(t, uint64(2), de.Seq)
	require.Equal(t, headOf(2), de.Stored)
	require.Equal(t, headOf(99), de.Mine)
	// After the dedupe window the comparison still holds.
	h.Advance(h.Window + h.Window/2 + 50*time.Millisecond)
	_, err = replog.PutOutput(ctx, s, 1, headOf(7), payload(1))
	require.ErrorIs(t, err, replog.ErrDivergence)
	_, err = replog.PutOutput(ctx, s, 3, headOf(3), payload(3))
	require.NoError(t, err)
}

// outputBatches: putters racing with batches of random sizes (sent
// pipelined when the stream is a BatchAppender) store each output exactly
// once; a batch that meets another head stops at it with a divergence.
func outputBatches(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	s := open(t, h, "CONF_BATCH")
	const putters, n = 3, 200
	var wg sync.WaitGroup
	errs := make([]error, putters)
	faults(h, true)
	for p := range putters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next := uint64(1); next <= n; {
				size := min(1+int(next*uint64(p+3))%17, n-int(next)+1)
				outs := make([]replog.Output, size)
				for i := range outs {
					seq := next + uint64(i)
					outs[i] = replog.Output{Seq: seq, Head: headOf(seq), Data: payload(int(seq))}
				}
				err := replog.Retry{CallTimeout: time.Second, Backoff: time.Millisecond, Attempts: 50}.Do(ctx, func(ctx context.Context) error {
					done, err := replog.PutOutputs(ctx, s, outs)
					outs = outs[done:]
					next += uint64(done)
					return err
				})
				if err != nil {
					errs[p] = fmt.Errorf("outputs from %d: %w", next, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	faults(h, false)
	requireOutputs(t, ctx, s, n, errs)
	// A batch over stored outputs agrees up to the one stored with
	// another head, and stops there.
	outs := []replog.Output{
		{Seq: n - 2, Head: headOf(n - 2), Data: payload(n - 2)},
		{Seq: n - 1, Head: headOf(99), Data: payload(n - 1)},
		{Seq: n, Head: headOf(n), Data: payload(n)},
	}
	done, err := replog.PutOutputs(ctx, s, outs)
	require.Equal(t, 1, done)
	require.ErrorIs(t, err, replog.ErrDivergence)
	// A batch that extends the stream stores its outputs.
	outs = []replog.Output{
		{Seq: n, Head: headOf(n), Data: payload(n)},
		{Seq: n + 1, Head: headOf(n + 1), Data: payload(n + 1)},
		{Seq: n + 2, Head: headOf(n + 2), Data: payload(n + 2)},
	}
	done, err = replog.PutOutputs(ctx, s, outs)
	require.NoError(t, err)
	require.Equal(t, 3, done)
	// A long batch of stored outputs (a replica catching up) agrees,
	// compared in one range read, up to a head that differs.
	outs = make([]replog.Output, 40)
	for i := range outs {
		seq := uint64(101 + i)
		outs[i] = replog.Output{Seq: seq, Head: headOf(seq), Data: payload(int(seq))}
	}
	done, err = replog.PutOutputs(ctx, s, outs)
	require.NoError(t, err)
	require.Equal(t, 40, done)
	outs[30].Head = headOf(7)
	done, err = replog.PutOutputs(ctx, s, outs)
	require.Equal(t, 30, done)
	require.ErrorIs(t, err, replog.ErrDivergence)
	_, err = replog.PutOutputs(ctx, s, []replog.Output{{Seq: 1}, {Seq: 3}})
	require.ErrorIs(t, err, replog.ErrInvalid)
	_, err = replog.PutOutputs(ctx, s, []replog.Output{{Seq: 0}, {Seq: 1}})
	require.ErrorIs(t, err, replog.ErrInvalid)

	// Outputs known stored compare, appending nothing, up to a head that
	// differs: heads are chained, so one that differs makes every later
	// one differ.
	before, err := s.Info(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, before.Last, uint64(n+2))
	outs = make([]replog.Output, 150)
	for i := range outs {
		seq := uint64(30 + i)
		outs[i] = replog.Output{Seq: seq, Head: headOf(seq)}
	}
	done, err = replog.CompareStored(ctx, s, outs)
	require.NoError(t, err)
	require.Equal(t, 150, done)
	for i := 120; i < len(outs); i++ {
		outs[i].Head = headOf(1000 + outs[i].Seq)
	}
	done, err = replog.CompareStored(ctx, s, outs)
	require.Equal(t, 120, done)
	var de *replog.DivergenceError
	require.ErrorAs(t, err, &de)
	require.Equal(t, uint64(150), de.Seq)
	done, err = replog.CompareStored(ctx, s, outs[:120])
	require.NoError(t, err)
	require.Equal(t, 120, done)
	after, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, before.Last, after.Last, "CompareStored appended")
	_, err = replog.CompareStored(ctx, s, []replog.Output{{Seq: 0}})
	require.ErrorIs(t, err, replog.ErrInvalid)
	_, err = replog.CompareStored(ctx, s, []replog.Output{{Seq: 4}, {Seq: 6}})
	require.ErrorIs(t, err, replog.ErrInvalid)
	// Outputs no longer retained cannot be compared, unless the last of
	// them is: its head vouches for the ones before it.
	require.NoError(t, s.Purge(ctx, 40))
	done, err = replog.CompareStored(ctx, s, outs[:0:0])
	require.NoError(t, err)
	require.Zero(t, done)
	_, err = replog.CompareStored(ctx, s, []replog.Output{{Seq: 5, Head: headOf(5)}})
	require.ErrorIs(t, err, replog.ErrTruncated)
	done, err = replog.CompareStored(ctx, s, outs[:20])
	require.NoError(t, err)
	require.Equal(t, 20, done)
	done, err = replog.CompareStored(ctx, s, outs[:121])
	require.Zero(t, done)
	require.ErrorIs(t, err, replog.ErrTruncated)
}

func sourcing(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	g := open(t, h, "CONF_GLOBAL")
	shards := []replog.Stream{open(t, h, "CONF_SHARD0", "CONF_GLOBAL"), open(t, h, "CONF_SHARD1", "CONF_GLOBAL")}
	const globals = 10
	faults(h, true)
	for i := 1; i <= globals; i++ {
		_, err := appendRetry(ctx, g, payload(i), replog.AppendOptions{ID: fmt.Sprintf("g.%d", i)})
		require.NoError(t, err)
		for k, s := range shards {
			_, err := appendRetry(ctx, s, []byte("local"), replog.AppendOptions{ID: fmt.Sprintf("s%d.%d", k, i)})
			require.NoError(t, err)
		}
	}
	// A local ID equal to a global one: the sourced copy is deduplicated
	// against it, which is why IDs must be namespaced.
	_, err := appendRetry(ctx, shards[0], []byte("collides"), replog.AppendOptions{ID: "g.collide"})
	require.NoError(t, err)
	_, err = appendRetry(ctx, g, []byte("global collide"), replog.AppendOptions{ID: "g.collide"})
	require.NoError(t, err)
	_, err = appendRetry(ctx, g, []byte("last global"), replog.AppendOptions{ID: "g.last"})
	require.NoError(t, err)
	faults(h, false)

	for k, s := range shards {
		var origins []uint64
		var got [][]byte
		deadline := time.Now().Add(h.Timeout)
		var from uint64 = 1
		for len(got) == 0 || string(got[len(got)-1]) != "last global" {
			require.True(t, time.Now().Before(deadline), "shard %d never received the globals", k)
			msgs, err := s.Read(ctx, from, 100)
			require.NoError(t, err)
			for _, m := range msgs {
				require.Equal(t, from, m.Seq)
				from++
				if m.Origin.Seq != 0 {
					require.Equal(t, "CONF_GLOBAL", m.Origin.Stream)
					origins = append(origins, m.Origin.Seq)
					got = append(got, m.Data)
				}
			}
		}
		want := []uint64{}
		for i := uint64(1); i <= globals; i++ {
			want = append(want, i)
		}
		if k == 0 {
			want = append(want, globals+2) // the colliding global is lost here
		} else {
			want = append(want, globals+1, globals+2)
		}
		require.Equal(t, want, origins, "shard %d: globals in global order", k)
		require.True(t, bytes.Equal(payload(1), got[0]))
	}
	_, err = h.Log.Stream(ctx, replog.StreamConfig{Name: "CONF_SHARD0", Duplicates: h.Window, Sources: []string{"CONF_OTHER"}})
	require.ErrorIs(t, err, replog.ErrInvalid)
}

func objectStore(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	o, err := h.Log.Objects(ctx, "CONF_SNAPSHOTS")
	require.NoError(t, err)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<17) // 2 MiB, over a KV value's cap
	require.NoError(t, o.Put(ctx, "snap-2", big))
	require.NoError(t, o.Put(ctx, "snap-1", []byte("small")))
	got, err := o.Get(ctx, "snap-2")
	require.NoError(t, err)
	require.True(t, bytes.Equal(big, got))
	names, err := o.List(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"snap-1", "snap-2"}, names)
	require.NoError(t, o.Put(ctx, "snap-1", []byte("replaced")))
	got, err = o.Get(ctx, "snap-1")
	require.NoError(t, err)
	require.Equal(t, []byte("replaced"), got)
	require.NoError(t, o.Delete(ctx, "snap-1"))
	_, err = o.Get(ctx, "snap-1")
	require.ErrorIs(t, err, replog.ErrNotFound)
	names, err = o.List(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"snap-2"}, names)
}

func keyValue(t *testing.T, h Harness) {
	ctx := ctxOf(t, h)
	kv, err := h.Log.KV(ctx, "CONF_KV")
	require.NoError(t, err)
	_, err = kv.Get(ctx, "config")
	require.ErrorIs(t, err, replog.ErrNotFound)
	r1, err := kv.Create(ctx, "config", []byte("shards=4"))
	require.NoError(t, err)
	_, err = kv.Create(ctx, "config", []byte("shards=8"))
	require.ErrorIs(t, err, replog.ErrExists)
	e, err := kv.Get(ctx, "config")
	require.NoError(t, err)
	require.Equal(t, []byte("shards=4"), e.Value)
	require.Equal(t, r1, e.Revision)
	r2, err := kv.Update(ctx, "config", []byte("v2"), r1)
	require.NoError(t, err)
	require.Greater(t, r2, r1)
	_, err = kv.Update(ctx, "config", []byte("v3"), r1)
	require.ErrorIs(t, err, replog.ErrWrongRevision)
	r3, err := kv.Put(ctx, "node.a", []byte("beat"))
	require.NoError(t, err)
	require.Greater(t, r3, r2)
	keys, err := kv.Keys(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"config", "node.a"}, keys)
	require.NoError(t, kv.Delete(ctx, "node.a"))
	_, err = kv.Get(ctx, "node.a")
	require.ErrorIs(t, err, replog.ErrNotFound)
	keys, err = kv.Keys(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"config"}, keys)
}
