package matching

import (
	"fmt"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
)

// EventKind tells what an Event reports. The zero value is invalid.
type EventKind uint8

const (
	// EventAccepted: a CmdPlace passed validation; OrderID is assigned. It
	// precedes the order's fills.
	EventAccepted EventKind = 1 + iota
	// EventRejected: the command was refused (Reject says why) and changed
	// nothing.
	EventRejected
	// EventFill: one execution. OrderID/Participant/Side/Remaining are the
	// incoming (taker) order's, Maker* the resting order's; Price is the
	// resting order's price.
	EventFill
	// EventCancelled: Qty was removed from OrderID for the reason in Cancel.
	// Remaining is the open quantity left (non-zero only for an amend down).
	EventCancelled
	// EventExpired: a GTD order reached its expiry; Qty was its open quantity.
	EventExpired
	// EventAmended: the order now has Price and open quantity Remaining.
	EventAmended
	// EventDone: the order was filled completely and left the book.
	EventDone
	// EventRegistered: a company was registered as Participant (pending).
	EventRegistered
	// EventStatusChanged: Participant's moderation status is now Status.
	EventStatusChanged
	eventEnd
)

func (k EventKind) String() string {
	switch k {
	case EventAccepted:
		return "accepted"
	case EventRejected:
		return "rejected"
	case EventFill:
		return "fill"
	case EventCancelled:
		return "cancelled"
	case EventExpired:
		return "expired"
	case EventAmended:
		return "amended"
	case EventDone:
		return "done"
	case EventRegistered:
		return "registered"
	case EventStatusChanged:
		return "status-changed"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// CancelReason says why quantity was cancelled.
type CancelReason = orderbook.CancelReason

// Event is one outcome of a command. Every event carries the sequence number
// of the command that caused it; the events of one command are contiguous
// and in causal order. Events are plain values.
//
// An accepted order ends with exactly one terminal event: EventDone (filled),
// EventCancelled with Remaining 0, or EventExpired.
type Event struct {
	Seq    uint64 // sequence number of the command
	Time   int64  // the command's time
	Kind   EventKind
	Reject RejectReason // EventRejected only
	Cancel CancelReason // EventCancelled only

	Command     CommandKind // kind of the command that caused the event
	Participant catalog.ParticipantID
	Category    catalog.CategoryID
	Basis       catalog.BasisID

	OrderID       OrderID
	ClientOrderID uint64
	Side          Side
	Price         catalog.Price
	Qty           catalog.Qty
	Remaining     catalog.Qty

	MakerParticipant   catalog.ParticipantID
	MakerOrderID       OrderID
	MakerClientOrderID uint64
	MakerRemaining     catalog.Qty

	Status catalog.Status
}

// Key returns the market key of the event.
func (e *Event) Key() MarketKey { return MarketKey{Category: e.Category, Basis: e.Basis} }

// Err returns the sentinel error of a rejection, or nil.
func (e *Event) Err() error { return e.Reject.Err() }
