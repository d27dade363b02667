package orderbook

import "github.com/agora-exchange/agora/catalog"

// OrderID identifies an order within a book. Zero is never valid.
//
// A book takes the IDs its caller gives. The exchange (packages wire and
// engine) gives each order an ID that encodes its market: the high 24 bits
// hold the market's index (1 for the first market opened) and the low 40
// bits (wire.OrderMarketShift) the market's own order number, so
// ID = index<<40 | number. The IDs of the first 8,191 markets are below
// 2^53; from the 8,192nd market on (index 8192 = 2^13) every ID exceeds
// 2^53, beyond what a float64, and so a JavaScript number, holds exactly.
//
// In text and JSON an OrderID is a string of its decimal digits
// (MarshalText), and it reads back from such a string or from a plain JSON
// integer (UnmarshalJSON); a reader in JavaScript must keep it a string.
type OrderID uint64

// Side is the side of an order. The zero value is invalid.
type Side uint8

const (
	Buy  Side = 1 + iota // a buyer's request
	Sell                 // a seller's offer
	sideEnd
)

// Opposite returns the other side.
func (s Side) Opposite() Side {
	if s == Buy {
		return Sell
	}
	return Buy
}

// Valid reports whether s is Buy or Sell.
func (s Side) Valid() bool { return s == Buy || s == Sell }

// OrderType is limit or market. The zero value is invalid.
type OrderType uint8

const (
	Limit  OrderType = 1 + iota // trades at its price or better; the rest may rest
	Market                      // trades at any price; never rests (IOC or FOK only)
	typeEnd
)

// TimeInForce says how long an order stays active. The zero value is invalid.
type TimeInForce uint8

const (
	GTC TimeInForce = 1 + iota // good till cancelled: the remainder rests
	GTD                        // good till date: rests until Order.ExpireAt
	IOC                        // immediate or cancel: the remainder is cancelled
	FOK                        // fill or kill: fills completely at once, or not at all
	tifEnd
)

// STP is the self-trade prevention policy applied when an incoming order would
// trade with a resting order of the same owner. The zero value, STPDefault,
// means "use the book's configured default" on an Order; it is not a valid
// book default.
type STP uint8

const (
	STPDefault        STP = iota // on an Order: use Config.DefaultSTP
	STPCancelResting             // cancel the resting order and keep matching
	STPCancelIncoming            // cancel the rest of the incoming order
	STPCancelBoth                // cancel both
	stpEnd
)

// Order is a request to place an order. It is a plain value.
type Order struct {
	ID    OrderID               `json:"id"`
	Owner catalog.ParticipantID `json:"owner"`
	Side  Side                  `json:"side"`
	Type  OrderType             `json:"type"`
	TIF   TimeInForce           `json:"tif"`
	// Price is the limit price; it must be positive for Limit and zero for
	// Market orders.
	Price catalog.Price `json:"price"`
	Qty   catalog.Qty   `json:"qty"`
	// MinQty is the minimum quantity of each execution (0 = none). See the
	// package documentation for the exact rule. MinQty == Qty is all-or-none.
	MinQty catalog.Qty `json:"min_qty"`
	// ExpireAt is the expiry time of a GTD order, in the caller's time unit;
	// it must be after the command time. It must be zero for other TIFs.
	ExpireAt int64 `json:"expire_at"`
	STP      STP   `json:"stp"`
	// Tag is an opaque value kept with the order and reported in its events
	// and OrderInfo (matching stores the client order ID here).
	Tag uint64 `json:"tag"`
}

// EventKind tells what a book Event reports. The zero value is invalid.
type EventKind uint8

const (
	EventFill   EventKind = 1 + iota // a trade (resting vs incoming, or in an uncross)
	EventCancel                      // an order, or the rest of one, was cancelled
	EventExpire                      // a GTD order reached its expiry
	eventEnd
)

// CancelReason says why an order was cancelled. The zero value is invalid.
type CancelReason uint8

const (
	CancelRequested   CancelReason = 1 + iota // the owner asked
	CancelIOC                                 // IOC or market remainder that did not fill
	CancelFOK                                 // FOK that could not fill completely
	CancelSelfTrade                           // self-trade prevention
	CancelAmendDown                           // the quantity removed by an amend
	CancelAuctionOnly                         // an IOC/FOK/market order in call mode
	CancelSuspended                           // the owner was suspended
	CancelWouldCross                          // unfillable remainder that would rest crossing the book (MinQty)
	cancelEnd
)

// Event is one outcome of a book operation, appended to the caller's slice.
//
// For EventFill, OrderID/Owner/Side/Remaining describe the resting (maker)
// order and Taker* the incoming order; Price is the execution price (the
// maker's) and Qty the traded quantity. In a fill of Book.Uncross both
// orders were resting: OrderID is the buy order, Taker* (with TakerTag) the
// sell order, and Price the clearing price. For EventCancel and
// EventExpire, OrderID is the order concerned, Qty the quantity removed and
// Remaining the open quantity left (always 0 except for CancelAmendDown and
// for CancelSelfTrade in an uncross).
type Event struct {
	Kind           EventKind             `json:"kind"`
	Reason         CancelReason          `json:"reason"`
	Side           Side                  `json:"side"`
	Owner          catalog.ParticipantID `json:"owner"`
	OrderID        OrderID               `json:"order_id"`
	Price          catalog.Price         `json:"price"`
	Qty            catalog.Qty           `json:"qty"`
	Remaining      catalog.Qty           `json:"remaining"`
	TakerID        OrderID               `json:"taker_id"`
	TakerOwner     catalog.ParticipantID `json:"taker_owner"`
	TakerRemaining catalog.Qty           `json:"taker_remaining"`
	Tag            uint64                `json:"tag"`       // the Tag of OrderID
	TakerTag       uint64                `json:"taker_tag"` // the Tag of TakerID in uncross fills; 0 otherwise
}

// Result summarises what happened to an incoming order.
type Result struct {
	Filled    catalog.Qty `json:"filled"`    // quantity traded by this call
	Resting   catalog.Qty `json:"resting"`   // open quantity now resting in the book (0 if none)
	Cancelled catalog.Qty `json:"cancelled"` // quantity cancelled by this call (IOC/FOK/market/STP)
}

// Level is one aggregated price level.
type Level struct {
	Price  catalog.Price `json:"price"`
	Qty    catalog.Qty   `json:"qty"`    // total open quantity
	Orders int           `json:"orders"` // number of orders
}

// OrderInfo describes a live order.
type OrderInfo struct {
	ID        OrderID               `json:"id"`
	Owner     catalog.ParticipantID `json:"owner"`
	Side      Side                  `json:"side"`
	TIF       TimeInForce           `json:"tif"`
	Price     catalog.Price         `json:"price"`
	Qty       catalog.Qty           `json:"qty"` // open (remaining) quantity
	MinQty    catalog.Qty           `json:"min_qty"`
	Original  catalog.Qty           `json:"original"` // quantity ever requested, increases by amends included
	Filled    catalog.Qty           `json:"filled"`
	Cancelled catalog.Qty           `json:"cancelled"` // removed by amends down
	ExpireAt  int64                 `json:"expire_at"`
	STP       STP                   `json:"stp"`
	Tag       uint64                `json:"tag"`
}
