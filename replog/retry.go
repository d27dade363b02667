package replog

import (
	"context"
	"errors"
	"time"
)

// Retry is how a caller retries calls that time out: each attempt gets its
// own deadline, CallTimeout, and a timed-out attempt is tried again after
// Backoff, up to Attempts in all. Zero fields mean the defaults.
type Retry struct {
	CallTimeout time.Duration // default 2 s
	Backoff     time.Duration // default 50 ms
	Attempts    int           // default 10
}

func (r Retry) withDefaults() Retry {
	if r.CallTimeout <= 0 {
		r.CallTimeout = 2 * time.Second
	}
	if r.Backoff <= 0 {
		r.Backoff = 50 * time.Millisecond
	}
	if r.Attempts <= 0 {
		r.Attempts = 10
	}
	return r
}

// Do runs call until it returns anything but a timeout (ErrTimeout, or the
// attempt's own deadline), the attempts are used up, or ctx is done. The
// call must be idempotent: an append passes the same message ID every
// time. It returns call's last error; with ctx done, ctx's error.
func (r Retry) Do(ctx context.Context, call func(ctx context.Context) error) error {
	r = r.withDefaults()
	var err error
	for i := 0; i < r.Attempts; i++ {
		if i > 0 {
			t := time.NewTimer(r.Backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		actx, cancel := context.WithTimeout(ctx, r.CallTimeout)
		err = call(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !errors.Is(err, ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
	}
	return err
}
