package journal

import (
	"fmt"
	"time"
)

// Mode selects when an appended record counts as durable. The zero Mode is
// not a mode of its own: in Options it selects the default, ModeGroupCommit.
type Mode uint8

const (
	// ModeSync writes and fsyncs every record on its own before Wait
	// returns. It is the slowest mode: one fsync per record.
	ModeSync Mode = 1 + iota
	// ModeGroupCommit batches the records of concurrent appenders: the first
	// waiter writes everything buffered so far with one write and one fsync
	// and wakes every waiter the batch covers. Wait still returns only once
	// the record is on stable storage. This is the default.
	ModeGroupCommit
	// ModeAsync acknowledges at once: Wait returns without waiting for
	// the disk (unless the log has already failed). A background flusher
	// writes and fsyncs the buffer FlushInterval after it stops being
	// empty, or sooner when half of MaxUnsyncedCommands or FlushBytes are
	// buffered. The unsynced backlog (records enqueued but not yet written
	// and fsynced) never holds more than MaxUnsyncedCommands records, nor
	// more than MaxUnsyncedBytes bytes of frames unless it is one record
	// larger than that: Enqueue blocks until the record fits. A crash
	// therefore loses at most MaxUnsyncedCommands acknowledged records
	// (4,096 by default). Never use it where an acknowledgement is a
	// promise.
	ModeAsync
)

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case 0:
		return "default"
	case ModeSync:
		return "sync"
	case ModeGroupCommit:
		return "group-commit"
	case ModeAsync:
		return "async"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Defaults applied to zero Options fields.
const (
	DefaultMode          = ModeGroupCommit
	DefaultFlushInterval = 10 * time.Millisecond
	DefaultFlushBytes    = 1 << 20
	DefaultSegmentBytes  = 64 << 20
	// DefaultMaxUnsyncedCommands bounds the ModeAsync backlog in records.
	DefaultMaxUnsyncedCommands = 4096
	// DefaultMaxUnsyncedBytes bounds the ModeAsync backlog in frame bytes.
	DefaultMaxUnsyncedBytes = 4 << 20
)

// Options configures a FileLog. The zero value is valid: every zero field
// takes its default.
type Options struct {
	// Mode is the durability mode; zero means ModeGroupCommit.
	Mode Mode
	// FlushInterval bounds how long ModeAsync keeps a record in memory
	// before writing it; zero means 10ms. Ignored by the other modes.
	FlushInterval time.Duration
	// FlushBytes makes ModeAsync flush early once this many bytes of frames
	// are buffered; zero means 1 MiB. Ignored by the other modes.
	FlushBytes int
	// MaxUnsyncedCommands bounds the ModeAsync backlog: at most this many
	// enqueued records are not yet written and fsynced, so a crash loses
	// at most this many acknowledged records. Enqueue blocks while the
	// backlog is full. Zero means 4,096. Ignored by the other modes, which
	// acknowledge nothing before it is on stable storage.
	MaxUnsyncedCommands int
	// MaxUnsyncedBytes bounds the ModeAsync backlog in bytes of frames
	// (16 bytes of framing plus the payload per record); a single record
	// larger than the bound is admitted into an empty backlog. Zero means
	// 4 MiB. Ignored by the other modes.
	MaxUnsyncedBytes int
	// TruncateDamagedTail lets Open cut off a damaged complete final frame
	// (see the package documentation on recovery) as it cuts off a torn
	// one, reporting it through RecoveryInfo.DamagedTail. Without it such
	// a frame makes Open fail with a *CorruptError: the record may have
	// been acknowledged.
	TruncateDamagedTail bool
	// SegmentBytes is the size past which the log starts a new segment
	// file; zero means 64 MiB. A segment exceeds it only when it holds a
	// single record larger than the limit.
	SegmentBytes int64
	// FS is the filesystem; nil means OSFS.
	FS FS
}

// Validate reports whether o is usable. It returns an error wrapping
// ErrInvalidOptions for an unknown Mode or a negative size, count or
// interval.
func (o Options) Validate() error {
	switch {
	case o.Mode > ModeAsync:
		return fmt.Errorf("%w: unknown mode %d", ErrInvalidOptions, uint8(o.Mode))
	case o.FlushInterval < 0:
		return fmt.Errorf("%w: negative FlushInterval %v", ErrInvalidOptions, o.FlushInterval)
	case o.FlushBytes < 0:
		return fmt.Errorf("%w: negative FlushBytes %d", ErrInvalidOptions, o.FlushBytes)
	case o.SegmentBytes < 0:
		return fmt.Errorf("%w: negative SegmentBytes %d", ErrInvalidOptions, o.SegmentBytes)
	case o.MaxUnsyncedCommands < 0:
		return fmt.Errorf("%w: negative MaxUnsyncedCommands %d", ErrInvalidOptions, o.MaxUnsyncedCommands)
	case o.MaxUnsyncedBytes < 0:
		return fmt.Errorf("%w: negative MaxUnsyncedBytes %d", ErrInvalidOptions, o.MaxUnsyncedBytes)
	}
	return nil
}

// withDefaults returns o with every zero field replaced by its default.
func (o Options) withDefaults() Options {
	if o.Mode == 0 {
		o.Mode = DefaultMode
	}
	if o.FlushInterval == 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.FlushBytes == 0 {
		o.FlushBytes = DefaultFlushBytes
	}
	if o.SegmentBytes == 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.MaxUnsyncedCommands == 0 {
		o.MaxUnsyncedCommands = DefaultMaxUnsyncedCommands
	}
	if o.MaxUnsyncedBytes == 0 {
		o.MaxUnsyncedBytes = DefaultMaxUnsyncedBytes
	}
	if o.FS == nil {
		o.FS = OSFS{}
	}
	return o
}
