package engine

import "errors"

// Errors of the engine's construction and of state encoding. The errors of
// rejected commands are the sentinels of package wire (see
// wire.RejectReason.Err).
var (
	// ErrInvalidConfig is returned by New and RestoreState for an unusable
	// Config; it is not a RejectReason.
	ErrInvalidConfig = errors.New("matching: invalid config")
	// ErrBadState reports state bytes (AppendState output or a snapshot's
	// payload) that are not a valid engine state.
	ErrBadState = errors.New("matching: invalid state encoding")
	// ErrConfigMismatch reports a state produced under another catalog or
	// default self-trade prevention policy than the Config.
	ErrConfigMismatch = errors.New("matching: state belongs to another configuration")
	// ErrNotPool reports a pool query on a market that is not a clearing
	// pool.
	ErrNotPool = errors.New("matching: not a clearing pool")
)
