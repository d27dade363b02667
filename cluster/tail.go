package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/agora-exchange/agora/replog"
)

// outputTail follows one shard's output stream for a gateway's Waits: one
// reader, reading forward in batches, serves every Wait on the shard
// instead of one reader each. It runs while someone waits at or beyond
// its position and stops when no one does. It keeps the last tailKeep
// outputs it read, for the Waits that come after it passed their output
// (a client's Wait often follows its output); a Wait for an output older
// than those reads it itself (a stored message: one get).
type outputTail struct {
	s       replog.Stream
	retry   replog.Retry  // of a read of an output the tail passed
	timeout time.Duration // of each of the tail's reads

	mu      sync.Mutex
	running bool
	next    uint64 // the seq the running tail reads next
	waiters map[uint64][]chan tailResult
	recent  []replog.Msg // the outputs read last, output n at n%tailKeep
}

type tailResult struct {
	m   replog.Msg
	err error
}

// tailBatch is how many outputs one read of the tail asks for.
const tailBatch = 256

// tailKeep is how many of the outputs it read last a tail keeps.
const tailKeep = 1024

func newOutputTail(s replog.Stream, r replog.Retry) *outputTail {
	t := &outputTail{s: s, retry: r, timeout: r.CallTimeout, waiters: map[uint64][]chan tailResult{}}
	if t.timeout <= 0 {
		t.timeout = 2 * time.Second
	}
	return t
}

// wait returns output seq once it is stored. Errors: *replog.TruncatedError
// (the output aged out), the log's errors other than timeouts, and the
// context's (wrapped in replog.ErrTimeout).
func (t *outputTail) wait(ctx context.Context, seq uint64) (replog.Msg, error) {
	t.mu.Lock()
	if t.recent != nil {
		if m := t.recent[seq%tailKeep]; m.Seq == seq {
			t.mu.Unlock()
			return m, nil
		}
	}
	if t.running && seq < t.next {
		t.mu.Unlock()
		return t.readOne(ctx, seq)
	}
	if !t.running && seq < t.next && t.recent != nil {
		// Behind where the tail stopped, and not kept: read it alone.
		t.mu.Unlock()
		return t.readOne(ctx, seq)
	}
	ch := make(chan tailResult, 1)
	t.waiters[seq] = append(t.waiters[seq], ch)
	if !t.running {
		// A tail that stopped a little before seq goes on from where it
		// stopped: its reader is positioned there, and the Waits for the
		// outputs between, which often come just after, find them kept.
		if t.next == 0 || seq-t.next > tailKeep {
			t.next = seq
		}
		t.running = true
		go t.run()
	}
	t.mu.Unlock()
	select {
	case r := <-ch:
		return r.m, r.err
	case <-ctx.Done():
		t.mu.Lock()
		chs := t.waiters[seq]
		for i, c := range chs {
			if c == ch {
				chs = append(chs[:i], chs[i+1:]...)
				break
			}
		}
		if len(chs) == 0 {
			delete(t.waiters, seq)
		} else {
			t.waiters[seq] = chs
		}
		t.mu.Unlock()
		select {
		case r := <-ch: // delivered meanwhile
			return r.m, r.err
		default:
		}
		return replog.Msg{}, fmt.Errorf("%w: output %d of %s: %w", replog.ErrTimeout, seq, t.s.Name(), ctx.Err())
	}
}

// readOne reads one output the tail has passed.
func (t *outputTail) readOne(ctx context.Context, seq uint64) (replog.Msg, error) {
	var msgs []replog.Msg
	err := t.retry.Do(ctx, func(ctx context.Context) error {
		var err error
		msgs, err = t.s.Read(ctx, seq, 1)
		return err
	})
	if err != nil {
		return replog.Msg{}, err
	}
	return msgs[0], nil
}

// run reads forward from next while anyone waits, handing each output to
// its waiters.
func (t *outputTail) run() {
	for {
		t.mu.Lock()
		if len(t.waiters) == 0 {
			t.running = false
			t.mu.Unlock()
			return
		}
		from := t.next
		t.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), t.timeout)
		msgs, err := t.s.Read(ctx, from, tailBatch)
		cancel()
		t.mu.Lock()
		var te *replog.TruncatedError
		switch {
		case err == nil:
			if t.recent == nil {
				t.recent = make([]replog.Msg, tailKeep)
			}
			for _, m := range msgs {
				t.recent[m.Seq%tailKeep] = m
				t.deliver(m.Seq, tailResult{m: m})
			}
			if len(msgs) > 0 {
				t.next = msgs[len(msgs)-1].Seq + 1
			}
		case errors.As(err, &te) && te.First > from:
			for seq := range t.waiters {
				if seq < te.First {
					t.deliver(seq, tailResult{err: err})
				}
			}
			t.next = te.First
		case errors.Is(err, replog.ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
			// Nothing new yet: read again while anyone waits.
		default:
			for seq := range t.waiters {
				t.deliver(seq, tailResult{err: err})
			}
			t.running = false
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
	}
}

// deliver hands r to the waiters of seq; t.mu is held.
func (t *outputTail) deliver(seq uint64, r tailResult) {
	for _, ch := range t.waiters[seq] {
		ch <- r
	}
	delete(t.waiters, seq)
}
