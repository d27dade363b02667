package clearing

import "errors"

// Sentinel errors. Clear wraps them (or a catalog sentinel such as
// catalog.ErrUnknownGrade, catalog.ErrUnknownBasis, catalog.ErrNoRoute,
// catalog.ErrOffTick, catalog.ErrNotLeaf, catalog.ErrUnknownCategory) with the
// side and ID of the order at fault; test with errors.Is.
var (
	// ErrNoCatalog reports Clear called without a taxonomy.
	ErrNoCatalog = errors.New("clearing: no catalog")
	// ErrAllOrNone reports an order that needs its whole quantity or a
	// minimum quantity (MinQty > 0). With such orders, choosing the trades
	// that maximise surplus is NP-hard (it contains the knapsack problem),
	// so clearing does not take them; trade them in a book instead.
	ErrAllOrNone = errors.New("clearing: all-or-none and minimum-quantity orders are not supported")
	// ErrBadQty reports a quantity that is not positive or above MaxQty.
	ErrBadQty = errors.New("clearing: bad quantity")
	// ErrBadPrice reports a limit that is not positive or above MaxPrice.
	ErrBadPrice = errors.New("clearing: bad price")
	// ErrBadOrder reports an order without an ID, without an owner, or a
	// request that names no basis at all, or an out-of-range lead time or
	// rating.
	ErrBadOrder = errors.New("clearing: bad order")
	// ErrDuplicateID reports two requests (or two offers) with one ID.
	ErrDuplicateID = errors.New("clearing: duplicate order ID")
	// ErrTooMany reports more than MaxOrders orders.
	ErrTooMany = errors.New("clearing: too many orders")
	// ErrOverflow reports a surplus or notional that does not fit in an int64.
	ErrOverflow = errors.New("clearing: overflow")
)
