package engine

import (
	"errors"
	"slices"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
	"github.com/agora-exchange/agora/wire"
)

// registry is the exchange's register of companies: their identity, status
// and rating. It is written only by ScopeAll commands, so every other
// command may read it.
type registry struct {
	parts *catalog.Participants
	// registered is the number of registered participants (their IDs run
	// from 1); the message counters read it to ignore made-up IDs.
	registered uint32
}

func (r *registry) init() { r.parts = catalog.NewParticipants() }

// known reports whether p is registered.
func (e *Engine) known(p catalog.ParticipantID) bool {
	_, ok := e.registry.parts.Status(p)
	return ok
}

// Participant returns the registered participant id. Cost: O(1).
func (e *Engine) Participant(id catalog.ParticipantID) (catalog.Participant, bool) {
	return e.registry.parts.Get(id)
}

// ParticipantByINN returns the participant registered with inn (10 or
// 12 digits, as registered): when branches of one company registered it
// with different KPPs, the first of them, the lowest ID. It reads the
// registry, which only ScopeAll commands write. Cost: one map lookup, no
// allocation.
func (e *Engine) ParticipantByINN(inn string) (catalog.Participant, bool) {
	return e.registry.parts.LookupINN(inn)
}

// Participants appends every registered participant to dst in ID order
// and returns the extended slice. It reads the registry, which only
// ScopeAll commands write. Cost: O(participants); it allocates only if dst
// lacks room.
func (e *Engine) Participants(dst []catalog.Participant) []catalog.Participant {
	return e.registry.parts.AppendAll(dst)
}

func (e *Engine) register(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	id, err := e.registry.parts.Register(cmd.Name, cmd.INN, cmd.KPP)
	if err == nil {
		e.registry.registered = uint32(id)
	}
	var r wire.RejectReason
	switch {
	case err == nil:
	case errors.Is(err, catalog.ErrInvalidINN):
		r = wire.ReasonInvalidINN
	case errors.Is(err, catalog.ErrInvalidKPP):
		r = wire.ReasonInvalidKPP
	case errors.Is(err, catalog.ErrDuplicateParticipant):
		r = wire.ReasonDuplicateParticipant
	default:
		r = wire.ReasonInvalidName
	}
	start := len(dst)
	if r != wire.ReasonNone {
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	} else {
		dst = append(dst, wire.Event{Seq: seq, Time: cmd.Time, Kind: wire.EventRegistered, Command: cmd.Kind, Participant: id, Status: catalog.StatusPending})
	}
	e.outside.in(0, cmd.Kind)
	e.outside.out(dst[start:])
	return dst, r.Err()
}

func (e *Engine) setStatus(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	err := e.registry.parts.SetStatus(cmd.Participant, cmd.Status)
	var r wire.RejectReason
	switch {
	case err == nil:
	case errors.Is(err, catalog.ErrUnknownParticipant):
		r = wire.ReasonUnknownParticipant
	default:
		r = wire.ReasonBadTransition
	}
	if r != wire.ReasonNone {
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	} else {
		dst = append(dst, wire.Event{Seq: seq, Time: cmd.Time, Kind: wire.EventStatusChanged, Command: cmd.Kind, Participant: cmd.Participant, Status: cmd.Status})
	}
	e.outside.in(0, cmd.Kind)
	e.outside.out(dst[start:])
	if r == wire.ReasonNone && cmd.Status == catalog.StatusSuspended {
		var ids []wire.OrderID
		for _, m := range e.markets.list {
			ids = ids[:0]
			for _, side := range [2]wire.Side{wire.Buy, wire.Sell} {
				for o := range m.book.Orders(side) {
					if o.Owner == cmd.Participant {
						ids = append(ids, o.ID)
					}
				}
			}
			slices.Sort(ids)
			mstart := len(dst)
			now := max(m.book.Now(), cmd.Time) // the market's effective time
			if m.pool != nil {
				dst = m.cancelPoolOwner(seq, now, cmd, cmd.Participant, dst)
			}
			for _, id := range ids {
				m.scratch, _ = m.book.Cancel(id, cmd.Participant, now, m.scratch[:0])
				for i := range m.scratch {
					if m.scratch[i].Kind == orderbook.EventCancel && m.scratch[i].OrderID == id {
						m.scratch[i].Reason = orderbook.CancelSuspended
					}
				}
				dst = m.translate(seq, now, cmd, 0, m.scratch, dst)
			}
			m.counters.out(dst[mstart:])
		}
	}
	return dst, r.Err()
}

// expireAll advances every market to the command's time (CmdExpire with
// no market named).
func (e *Engine) expireAll(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	for _, m := range e.markets.list {
		start := len(dst)
		dst, _ = m.expire(seq, cmd, dst)
		m.counters.out(dst[start:])
	}
	e.outside.in(cmd.Participant, cmd.Kind)
	return dst, nil
}

// traderStatus checks that p may trade: registered, verified, not
// suspended.
func (e *Engine) traderStatus(p catalog.ParticipantID) wire.RejectReason {
	st, ok := e.registry.parts.Status(p)
	switch {
	case !ok:
		return wire.ReasonUnknownParticipant
	case st == catalog.StatusSuspended:
		return wire.ReasonSuspended
	case !st.CanTrade():
		return wire.ReasonNotVerified
	}
	return wire.ReasonNone
}
