package cluster

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidConfig reports an unusable Config.
	ErrInvalidConfig = errors.New("cluster: invalid config")
	// ErrConfigMismatch reports a cluster recorded in KV with another
	// number of shards: resharding is not supported.
	ErrConfigMismatch = errors.New("cluster: configuration differs from the recorded one")
	// ErrInvalidRequest reports a Submit without a request ID, or a
	// command that does not encode within MaxPayload.
	ErrInvalidRequest = errors.New("cluster: invalid request")
	// ErrGlobalOrder reports a sourced global command out of global
	// order at a shard (a gap or a repeat); see *GlobalOrderError.
	ErrGlobalOrder = errors.New("cluster: global commands out of order")
	// ErrBadSnapshot reports a snapshot object that does not decode.
	ErrBadSnapshot = errors.New("cluster: invalid snapshot")
	// ErrBadOutput reports an output message that does not decode.
	ErrBadOutput = errors.New("cluster: invalid output")
	// ErrStopped reports a replica stopped for good by an earlier error
	// (divergence or global order); it wraps that error.
	ErrStopped = errors.New("cluster: replica stopped")
)

// GlobalOrderError reports that shard Shard found, at its seq Seq, the
// global command of origin seq Got where it expected Want: Got > Want is a
// gap (a global was lost, for instance deduplicated against a colliding
// message ID), Got < Want a repeat. The replica stops.
type GlobalOrderError struct {
	Shard     uint32
	Seq       uint64
	Want, Got uint64
}

func (e *GlobalOrderError) Error() string {
	what := "gap"
	if e.Got < e.Want {
		what = "repeat"
	}
	return fmt.Sprintf("cluster: shard %d seq %d: global %s: origin seq %d, expected %d", e.Shard, e.Seq, what, e.Got, e.Want)
}

// Is reports ErrGlobalOrder.
func (e *GlobalOrderError) Is(target error) bool { return target == ErrGlobalOrder }
