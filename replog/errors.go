package replog

import (
	"errors"
	"fmt"
)

var (
	// ErrTimeout reports a call that got no answer in time: it may or may
	// not have taken effect. Retry it under the same message ID.
	ErrTimeout = errors.New("replog: call timed out")
	// ErrWrongLast reports an append whose expected last sequence did not
	// match; see *WrongLastError.
	ErrWrongLast = errors.New("replog: wrong last sequence")
	// ErrTruncated reports a read before the first retained message; see
	// *TruncatedError.
	ErrTruncated = errors.New("replog: stream truncated")
	// ErrDivergence reports an output already stored with another audit
	// head; see *DivergenceError.
	ErrDivergence = errors.New("replog: replicas diverge")
	// ErrNotFound reports a missing key, object or stream.
	ErrNotFound = errors.New("replog: not found")
	// ErrExists reports a key created twice.
	ErrExists = errors.New("replog: already exists")
	// ErrWrongRevision reports a KV update whose revision is not the
	// key's latest.
	ErrWrongRevision = errors.New("replog: wrong revision")
	// ErrInvalid reports an invalid argument (an empty name, a zero
	// sequence number, a config that contradicts the existing stream).
	ErrInvalid = errors.New("replog: invalid argument")
	// ErrOutputGap reports an output put beyond the end of its stream:
	// output n while the stream holds fewer than n-1.
	ErrOutputGap = errors.New("replog: output beyond the end of its stream")
	// ErrClosed reports a call on a closed log.
	ErrClosed = errors.New("replog: closed")
)

// WrongLastError is the error of an append with AppendOptions.CheckLast
// whose ExpectLast was not the stream's last sequence.
type WrongLastError struct {
	Stream         string
	Expected, Last uint64
}

func (e *WrongLastError) Error() string {
	return fmt.Sprintf("replog: stream %s: expected last sequence %d, last is %d", e.Stream, e.Expected, e.Last)
}

// Is reports ErrWrongLast.
func (e *WrongLastError) Is(target error) bool { return target == ErrWrongLast }

// TruncatedError is the error of a read that starts before the first
// retained message.
type TruncatedError struct {
	Stream           string
	Requested, First uint64
}

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("replog: stream %s: read from %d, but the first retained message is %d", e.Stream, e.Requested, e.First)
}

// Is reports ErrTruncated.
func (e *TruncatedError) Is(target error) bool { return target == ErrTruncated }

// DivergenceError reports that output Seq of a stream is stored with
// another audit head than the one a replica computed: the replicas do not
// apply the same history, and the replica must stop.
type DivergenceError struct {
	Stream       string
	Seq          uint64
	Stored, Mine []byte
}

func (e *DivergenceError) Error() string {
	return fmt.Sprintf("replog: stream %s: output %d stored with head %x, computed %x", e.Stream, e.Seq, e.Stored, e.Mine)
}

// Is reports ErrDivergence.
func (e *DivergenceError) Is(target error) bool { return target == ErrDivergence }
