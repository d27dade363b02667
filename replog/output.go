package replog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
)

// OutputID returns the message ID of output n.
func OutputID(n uint64) string { return "o." + strconv.FormatUint(n, 10) }

// PutOutput publishes output n (n >= 1) of its stream exactly once: data
// and head, appended with message ID OutputID(n) and expected last
// sequence n-1. If output n is already stored (by this caller's earlier
// try, or by another replica) it compares heads: equal is success, a
// mismatch is a *DivergenceError. It reports whether this call stored it.
//
// Errors: ErrDivergence, ErrOutputGap (the stream answered that it holds
// fewer than n-1 outputs; a replicated log's server cut off by a partition
// can give that answer from its old state, so a caller that knows output
// n-1 is stored retries), ErrTimeout and the context's error from the stream (retry the
// same call), ErrTruncated when output n exists but is no longer retained,
// so the heads cannot be compared. Cost: one append, plus one read when
// the output was there already.
func PutOutput(ctx context.Context, s Stream, n uint64, head, data []byte) (stored bool, err error) {
	if n == 0 {
		return false, fmt.Errorf("%w: output 0", ErrInvalid)
	}
	ack, err := s.Append(ctx, data, AppendOptions{ID: OutputID(n), CheckLast: true, ExpectLast: n - 1, Head: head})
	var wl *WrongLastError
	switch {
	case err == nil && !ack.Duplicate && ack.Seq == n:
		return true, nil
	case err == nil && ack.Seq != n:
		return false, fmt.Errorf("%w: stream %s: output %d stored at seq %d", ErrDivergence, s.Name(), n, ack.Seq)
	case errors.As(err, &wl):
		if wl.Last < n {
			return false, fmt.Errorf("%w: stream %s: output %d, last %d", ErrOutputGap, s.Name(), n, wl.Last)
		}
	case err != nil:
		return false, err
	}
	// Output n is there: compare.
	msgs, err := s.Read(ctx, n, 1)
	if err != nil {
		return false, err
	}
	if len(msgs) == 0 || msgs[0].Seq != n {
		return false, fmt.Errorf("%w: stream %s: output %d not readable", ErrOutputGap, s.Name(), n)
	}
	if !bytes.Equal(msgs[0].Head, head) {
		return false, &DivergenceError{Stream: s.Name(), Seq: n, Stored: msgs[0].Head, Mine: bytes.Clone(head)}
	}
	return false, nil
}
