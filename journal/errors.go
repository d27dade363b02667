package journal

import (
	"errors"
	"strconv"
)

// Sentinel errors. Test for them with errors.Is: the errors returned by this
// package wrap them with context.
var (
	// ErrSequenceGap reports a record whose Seq is not exactly one more than
	// the last enqueued Seq.
	ErrSequenceGap = errors.New("journal: sequence gap")
	// ErrCorrupt reports on-disk data that fails verification somewhere other
	// than a torn final record. The concrete error is a *CorruptError.
	ErrCorrupt = errors.New("journal: corrupt data")
	// ErrFailed reports that a write or fsync failed. It is sticky: once a
	// log has failed, every later Enqueue, Wait, Append and Sync returns an
	// error wrapping ErrFailed, and nothing more is acknowledged.
	ErrFailed = errors.New("journal: log failed")
	// ErrTruncated reports a Replay from a sequence number whose segment was
	// removed by TruncateBefore.
	ErrTruncated = errors.New("journal: records truncated")
	// ErrClosed reports a call on a closed log.
	ErrClosed = errors.New("journal: log closed")
	// ErrNoSnapshot reports that a directory holds no snapshot file.
	ErrNoSnapshot = errors.New("journal: no snapshot")
	// ErrInvalidOptions reports an Options value that fails Validate.
	ErrInvalidOptions = errors.New("journal: invalid options")
	// ErrRecordTooLarge reports a payload longer than MaxPayloadBytes.
	ErrRecordTooLarge = errors.New("journal: record too large")
	// ErrInvalidTicket reports a Ticket that this log never issued.
	ErrInvalidTicket = errors.New("journal: invalid ticket")
)

// CorruptError describes data that failed verification. It wraps ErrCorrupt.
type CorruptError struct {
	// File is the path of the damaged file.
	File string
	// Offset is the byte offset in File where the damage was found: the
	// start of the bad frame, header or field.
	Offset int64
	// Seq is the sequence number expected at Offset (0 when unknown).
	Seq uint64
	// Reason says what failed.
	Reason string
}

// Error implements error.
func (e *CorruptError) Error() string {
	s := "journal: corrupt data in " + e.File + " at offset " + strconv.FormatInt(e.Offset, 10)
	if e.Seq != 0 {
		s += " (seq " + strconv.FormatUint(e.Seq, 10) + ")"
	}
	return s + ": " + e.Reason
}

// Unwrap returns ErrCorrupt.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }
