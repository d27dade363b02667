package orderbook

import "errors"

// Sentinel errors returned by Book methods. Check them with errors.Is; the
// returned error may wrap them with context.
var (
	ErrInvalidID      = errors.New("orderbook: order ID must be non-zero")
	ErrDuplicateID    = errors.New("orderbook: duplicate order ID")
	ErrUnknownOrder   = errors.New("orderbook: unknown order")
	ErrNotOwner       = errors.New("orderbook: order belongs to another owner")
	ErrInvalidOwner   = errors.New("orderbook: owner must be non-zero")
	ErrInvalidSide    = errors.New("orderbook: invalid side")
	ErrInvalidType    = errors.New("orderbook: invalid order type")
	ErrInvalidTIF     = errors.New("orderbook: invalid time in force")
	ErrInvalidPrice   = errors.New("orderbook: invalid price")
	ErrInvalidQty     = errors.New("orderbook: quantity must be positive")
	ErrInvalidMinQty  = errors.New("orderbook: minimum quantity must be in [0, quantity]")
	ErrInvalidSTP     = errors.New("orderbook: invalid self-trade prevention mode")
	ErrExpired        = errors.New("orderbook: good-till-date expiry is not after the command time")
	ErrOverflow       = errors.New("orderbook: price × quantity overflows int64")
	ErrCallMode       = errors.New("orderbook: not allowed while the market is in call mode")
	ErrCapacity       = errors.New("orderbook: book holds the maximum number of orders")
	ErrPriceNotOnTick = errors.New("orderbook: price is not a multiple of the tick")
	ErrQtyNotOnLot    = errors.New("orderbook: quantity is not a multiple of the lot")
	ErrInvalidConfig  = errors.New("orderbook: invalid config")
	ErrInvalidMode    = errors.New("orderbook: invalid mode")
	ErrCrossed        = errors.New("orderbook: book is crossed; uncross it first")
)
