package durable

import (
	"errors"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/matching"
)

// Errors of Open, of a Store and of Verify. Recovery and verification
// report the audit package's errors; they are forwarded here.
var (
	// ErrNotDurable reports a durable-only call on an exchange that Open
	// did not make (Of returned nil).
	ErrNotDurable = errors.New("durable: exchange is not durable")
	// ErrJournal is matching.ErrJournal: the log failed or was closed
	// (sticky; see matching.ErrJournal).
	ErrJournal = matching.ErrJournal
	// ErrAuditMismatch is audit.ErrMismatch: a record or snapshot that
	// fails the audit chain.
	ErrAuditMismatch = audit.ErrMismatch
	// ErrJournalGap is audit.ErrJournalGap: a journal that does not
	// continue the snapshot.
	ErrJournalGap = audit.ErrJournalGap
	// ErrBadRecord is audit.ErrBadRecord: a record that does not decode.
	ErrBadRecord = audit.ErrBadRecord
)
