package orderbook

import "errors"

// ErrInvalidRestore is returned by Restore for an order that could not have
// been resting in a valid book.
var ErrInvalidRestore = errors.New("orderbook: order cannot be restored")

// Restore puts a resting order back into the book exactly as described,
// without matching: it joins the tail of its price level, keeps its
// original, filled and cancelled quantities, and rejoins the expiry heap if
// it is GTD. Restoring the orders of each side in the order of Orders(side)
// rebuilds the same queues; it is how snapshots are loaded.
//
// Cost: as for a resting Place. Errors (state unchanged): ErrInvalidRestore
// wrapping the first failed check (ID, owner, side, price, quantities, TIF,
// crossing the opposite side), ErrDuplicateID, ErrCapacity.
func (b *Book) Restore(o OrderInfo) error {
	if invariantsEnabled {
		defer b.mustHold()
	}
	fail := func(err error) error { return errors.Join(ErrInvalidRestore, err) }
	switch {
	case o.ID == 0:
		return fail(ErrInvalidID)
	case o.Owner == 0:
		return fail(ErrInvalidOwner)
	case !o.Side.Valid():
		return fail(ErrInvalidSide)
	case o.Price <= 0:
		return fail(ErrInvalidPrice)
	case o.Qty <= 0 || o.Filled < 0 || o.Cancelled < 0 || o.Original != o.Qty+o.Filled+o.Cancelled:
		return fail(ErrInvalidQty)
	case o.MinQty < 0:
		return fail(ErrInvalidMinQty)
	case o.TIF != GTC && o.TIF != GTD:
		return fail(ErrInvalidTIF)
	case (o.TIF == GTD) != (o.ExpireAt != 0):
		return fail(ErrInvalidTIF)
	case o.STP >= stpEnd:
		return fail(ErrInvalidSTP)
	}
	namesake := none
	if oi, held := b.slots.find(o.ID); held {
		if b.ord(oi).qty != 0 {
			return ErrDuplicateID
		}
		namesake = oi
	}
	if !b.crossAllowed() {
		if p, _, ok := b.best(o.Side.Opposite()); ok && crosses(o.Side, o.Price, p, false) {
			return fail(errors.New("order would cross the opposite side"))
		}
	}
	if b.full() {
		return ErrCapacity
	}
	in := Order{ID: o.ID, Owner: o.Owner, Side: o.Side, TIF: o.TIF, Price: o.Price, MinQty: o.MinQty, ExpireAt: o.ExpireAt, STP: o.STP, Tag: o.Tag}
	b.add(&in, o.Qty, o.Original, o.Cancelled, namesake)
	return nil
}
