package audit

import "errors"

// Errors of the audit chain, of record decoding and of Verify; durable
// recovery returns them too.
var (
	// ErrMismatch reports a journal record whose stored audit hash is not
	// the hash recomputed by replaying it, or a snapshot that differs from
	// the replayed state: the journal was changed after it was written, or
	// replayed under another catalog.
	ErrMismatch = errors.New("audit: chain mismatch")
	// ErrJournalGap reports a journal that does not continue its snapshot:
	// it starts after the snapshot's sequence number + 1, ends before it,
	// or skips a sequence number.
	ErrJournalGap = errors.New("audit: journal does not continue the snapshot")
	// ErrBadRecord reports a journal record whose payload does not decode.
	ErrBadRecord = errors.New("audit: undecodable journal record")
)
