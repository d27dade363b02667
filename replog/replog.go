package replog

import (
	"context"
	"time"
)

// Msg is one message of a stream. Data, ID and Head belong to the
// receiver: an implementation never changes them after returning them.
type Msg struct {
	Seq  uint64 // from 1, dense
	ID   string // the message ID it was appended under; "" for none
	Data []byte
	// Head is the audit-chain head of an output message; nil otherwise.
	Head []byte
	// Origin is where a sourced message came from; zero for a message
	// appended to this stream.
	Origin Origin
}

// Origin names a message of a source stream.
type Origin struct {
	Stream string
	Seq    uint64
}

// AppendOptions are the options of one append.
type AppendOptions struct {
	// ID is the message ID. An append whose ID the stream saw within its
	// dedupe window stores nothing and returns the first seq. "" turns
	// deduplication off for this append.
	ID string
	// CheckLast makes the append fail with a *WrongLastError unless the
	// stream's last sequence is ExpectLast (0 for an empty stream). The
	// dedupe check comes first.
	CheckLast  bool
	ExpectLast uint64
	// Head is stored with the message as Msg.Head.
	Head []byte
}

// Ack is the answer to an append: the message's sequence number, and
// whether it was a duplicate of an earlier append within the window.
type Ack struct {
	Seq       uint64
	Duplicate bool
}

// Info describes a stream's retained range: messages First..Last. An empty
// stream has Last = First-1 (First 1, Last 0 when nothing was ever
// appended); after a purge of everything First is Last+1.
type Info struct {
	First, Last uint64
}

// StreamConfig configures a stream.
type StreamConfig struct {
	Name string
	// Duplicates is the dedupe window. Zero means DefaultDuplicates.
	Duplicates time.Duration
	// MaxAge drops messages older than it; zero keeps them until purged.
	MaxAge time.Duration
	// Sources are streams whose every message is copied into this one,
	// in order, keeping its ID and recording its Origin.
	Sources []string
}

// DefaultDuplicates is the dedupe window of a StreamConfig that sets none,
// JetStream's default.
const DefaultDuplicates = 2 * time.Minute

// Stream is one replicated stream. It is safe for concurrent use.
type Stream interface {
	// Name returns the stream's name.
	Name() string
	// Append stores data as the next message and returns its seq once it
	// is durable. Errors: ErrTimeout (the outcome is unknown: retry under
	// the same ID), ErrWrongLast, the context's error.
	Append(ctx context.Context, data []byte, opts AppendOptions) (Ack, error)
	// Read returns up to max (at least 1) messages from seq from on, in
	// order and without gaps. If from is beyond the last message, it waits
	// for it until ctx is done. Errors: *TruncatedError when from is before
	// the first retained message, ErrInvalid for from 0, ErrTimeout, the
	// context's error.
	Read(ctx context.Context, from uint64, max int) ([]Msg, error)
	// Info returns the retained range.
	Info(ctx context.Context) (Info, error)
	// Purge removes the messages before seq before. Sequence numbers are
	// never reused.
	Purge(ctx context.Context, before uint64) error
}

// BatchAppender is a Stream that can send several appends before their
// answers come back (pipelining), in order: the stream applies them in
// the order given, as consecutive Appends would be.
type BatchAppender interface {
	Stream
	// AppendBatch sends every append, then returns each one's answer as
	// Append would give it: res[i] answers reqs[i]. An append whose answer
	// did not come before ctx is done gets ErrTimeout (its outcome is
	// unknown: retry under the same ID).
	AppendBatch(ctx context.Context, reqs []AppendRequest) (res []AppendResult)
}

// AppendRequest is one append of a batch.
type AppendRequest struct {
	Data []byte
	Opts AppendOptions
}

// AppendResult is the answer to one append of a batch.
type AppendResult struct {
	Ack Ack
	Err error
}

// Objects is an object store bucket, for snapshots (values may be large).
// It is safe for concurrent use.
type Objects interface {
	// Put stores data under name, replacing any object of that name.
	Put(ctx context.Context, name string, data []byte) error
	// Get returns the object; ErrNotFound if there is none.
	Get(ctx context.Context, name string) ([]byte, error)
	// List returns the names, sorted.
	List(ctx context.Context) ([]string, error)
	// Delete removes the object; deleting a missing one is not an error.
	Delete(ctx context.Context, name string) error
}

// Entry is a KV value and its revision (positive, increasing per bucket).
type Entry struct {
	Key      string
	Value    []byte
	Revision uint64
}

// KV is a key-value bucket for small values (liveness, configuration).
// It is safe for concurrent use.
type KV interface {
	// Get returns the latest value; ErrNotFound if there is none.
	Get(ctx context.Context, key string) (Entry, error)
	// Put stores value and returns its revision.
	Put(ctx context.Context, key string, value []byte) (uint64, error)
	// Create stores value only if key has none; ErrExists otherwise.
	Create(ctx context.Context, key string, value []byte) (uint64, error)
	// Update stores value only if rev is the key's latest revision;
	// ErrWrongRevision otherwise.
	Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error)
	// Keys returns the keys that hold a value, sorted.
	Keys(ctx context.Context) ([]string, error)
	// Delete removes key's value.
	Delete(ctx context.Context, key string) error
}

// Log opens the streams and buckets of one log service. It is safe for
// concurrent use.
type Log interface {
	// Stream creates the stream of cfg, or binds to it if it exists with
	// the same configuration (ErrInvalid if it exists with other sources).
	Stream(ctx context.Context, cfg StreamConfig) (Stream, error)
	// Objects creates or binds an object store bucket.
	Objects(ctx context.Context, bucket string) (Objects, error)
	// KV creates or binds a key-value bucket.
	KV(ctx context.Context, bucket string) (KV, error)
}
