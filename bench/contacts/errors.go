package contacts

import "errors"

// Sentinel errors. Check them with errors.Is; the returned errors wrap them
// with the offending value.
var (
	// ErrInvalidConfig: a Config or SweepConfig field is out of range.
	ErrInvalidConfig = errors.New("contacts: invalid config")
	// ErrExchange: the exchange refused a generated command or its counters
	// disagree with the events it emitted. It means the generator and the
	// engine disagree about what is valid, so the run measured nothing.
	ErrExchange = errors.New("contacts: exchange run failed")
)
