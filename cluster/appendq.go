package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/agora-exchange/agora/replog"
)

// appendQueue sends the appends of a gateway's concurrent Submits to one
// stream in batches (group commit): while one batch is on its way, the
// appends that arrive queue up and go out together as the next one
// (replog.BatchAppender: pipelined, one round trip per batch). One
// sender runs while anything is queued and stops when nothing is; a
// stream that is no BatchAppender gets each append alone.
type appendQueue struct {
	s       replog.Stream
	ba      replog.BatchAppender
	timeout time.Duration // of each batch

	mu      sync.Mutex
	running bool
	queue   []*queuedAppend
}

type queuedAppend struct {
	req  replog.AppendRequest
	done chan replog.AppendResult // buffered: the sender never blocks
}

// appendBatch is the most appends one batch sends.
const appendBatch = 256

func newAppendQueue(s replog.Stream, r replog.Retry) *appendQueue {
	q := &appendQueue{s: s, timeout: r.CallTimeout}
	q.ba, _ = s.(replog.BatchAppender)
	if q.timeout <= 0 {
		q.timeout = 2 * time.Second
	}
	return q
}

// append appends data under message ID id, as one try of Stream.Append:
// its errors are Append's, and a try whose answer has not come when ctx
// is done is replog.ErrTimeout (its outcome is unknown: retry under the
// same ID).
func (q *appendQueue) append(ctx context.Context, data []byte, id string) (replog.Ack, error) {
	opts := replog.AppendOptions{ID: id}
	if q.ba == nil {
		return q.s.Append(ctx, data, opts)
	}
	a := &queuedAppend{req: replog.AppendRequest{Data: data, Opts: opts}, done: make(chan replog.AppendResult, 1)}
	q.mu.Lock()
	q.queue = append(q.queue, a)
	if !q.running {
		q.running = true
		go q.run()
	}
	q.mu.Unlock()
	select {
	case r := <-a.done:
		return r.Ack, r.Err
	case <-ctx.Done():
		q.mu.Lock()
		for i, b := range q.queue {
			if b == a { // not sent: take it back
				q.queue = append(q.queue[:i], q.queue[i+1:]...)
				break
			}
		}
		q.mu.Unlock()
		select {
		case r := <-a.done: // answered meanwhile
			return r.Ack, r.Err
		default:
		}
		return replog.Ack{}, fmt.Errorf("%w: append to %s: %w", replog.ErrTimeout, q.s.Name(), ctx.Err())
	}
}

// run sends the queue in batches of up to appendBatch until it is empty.
func (q *appendQueue) run() {
	var reqs []replog.AppendRequest
	for {
		q.mu.Lock()
		n := min(len(q.queue), appendBatch)
		if n == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		batch := make([]*queuedAppend, n)
		copy(batch, q.queue)
		q.queue = append(q.queue[:0], q.queue[n:]...)
		q.mu.Unlock()
		reqs = reqs[:0]
		for _, a := range batch {
			reqs = append(reqs, a.req)
		}
		ctx, cancel := context.WithTimeout(context.Background(), q.timeout)
		res := q.ba.AppendBatch(ctx, reqs)
		cancel()
		for i, a := range batch {
			a.done <- res[i]
		}
	}
}
