package engine

import (
	"fmt"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
	"github.com/agora-exchange/agora/wire"
)

// checkProcurement checks the subscriptions and the tenders against their
// invariants and against the registry. Cost: O(subscriptions × bases +
// bids).
func (e *Engine) checkProcurement() error {
	if err := e.subs.check(e.known); err != nil {
		return fmt.Errorf("subscriptions: %w", err)
	}
	if err := e.tenders.check(e.known); err != nil {
		return fmt.Errorf("tenders: %w", err)
	}
	return nil
}

// check verifies the subscription index: the live count, that every live
// subscription of a registered owner sits in exactly the index buckets its
// category and bases name and in its owner's list, in ascending ID order,
// and that the index holds nothing else.
func (s *subscriptions) check(known func(catalog.ParticipantID) bool) error {
	live, entries, owned := 0, 0, 0
	for i := range s.list {
		sub := &s.list[i]
		if sub.Owner == 0 {
			continue
		}
		live++
		if sub.ID != wire.SubscriptionID(i+1) {
			return fmt.Errorf("%w: subscription %d holds ID %d", orderbook.ErrInvariant, i+1, sub.ID)
		}
		if !known(sub.Owner) {
			return fmt.Errorf("%w: subscription %d of unknown participant %d", orderbook.ErrInvariant, sub.ID, sub.Owner)
		}
		keys := []subKey{{cat: sub.Category}}
		if len(sub.Bases) > 0 {
			keys = keys[:0]
			for j, b := range sub.Bases {
				if j > 0 && b <= sub.Bases[j-1] {
					return fmt.Errorf("%w: subscription %d bases not ascending", orderbook.ErrInvariant, sub.ID)
				}
				keys = append(keys, subKey{cat: sub.Category, basis: b})
			}
		}
		for _, k := range keys {
			found := false
			for _, en := range s.byKey[k] {
				if en.id == sub.ID {
					found = en.owner == sub.Owner && en.minQty == sub.MinQty && en.maxQty == sub.MaxQty
				}
			}
			if !found {
				return fmt.Errorf("%w: subscription %d missing from its index bucket", orderbook.ErrInvariant, sub.ID)
			}
		}
		entries += len(keys)
	}
	if live != s.live {
		return fmt.Errorf("%w: %d live subscriptions, counted %d", orderbook.ErrInvariant, live, s.live)
	}
	n := 0
	for k, es := range s.byKey {
		if len(es) == 0 {
			return fmt.Errorf("%w: empty index bucket %v left behind", orderbook.ErrInvariant, k)
		}
		for j, en := range es {
			if j > 0 && en.id <= es[j-1].id {
				return fmt.Errorf("%w: index bucket not in ascending ID order", orderbook.ErrInvariant)
			}
		}
		n += len(es)
	}
	if n != entries {
		return fmt.Errorf("%w: index holds %d entries, subscriptions need %d", orderbook.ErrInvariant, n, entries)
	}
	for owner, ids := range s.byOwner {
		if len(ids) == 0 {
			return fmt.Errorf("%w: empty subscription list of participant %d left behind", orderbook.ErrInvariant, owner)
		}
		for j, id := range ids {
			if id == 0 || int(id) > len(s.list) || s.list[id-1].Owner != owner || (j > 0 && id <= ids[j-1]) {
				return fmt.Errorf("%w: participant %d lists subscription %d", orderbook.ErrInvariant, owner, id)
			}
		}
		owned += len(ids)
	}
	if owned != live {
		return fmt.Errorf("%w: owners list %d subscriptions, %d live", orderbook.ErrInvariant, owned, live)
	}
	return nil
}

// check verifies every tender: its ID, its buyer, its state, its terms
// (quantity, winner limits, open before close), that each bidder has one
// bid indexed by byBidder, that bids respect the tender's quantity and
// reserve, and that an awarded tender awarded exactly the sum of its bids'
// awards, at most its quantity, to Winners bids.
func (ts *tenders) check(known func(catalog.ParticipantID) bool) error {
	for i, t := range ts.list {
		in := &t.info
		if in.ID != wire.TenderID(ts.ids.global(uint64(i)+1)) {
			return fmt.Errorf("%w: tender %d holds ID %d", orderbook.ErrInvariant, i+1, in.ID)
		}
		if !known(in.Buyer) {
			return fmt.Errorf("%w: tender %d of unknown buyer %d", orderbook.ErrInvariant, in.ID, in.Buyer)
		}
		if in.State < TenderOpen || in.State > TenderCancelled || in.Qty <= 0 || in.CloseAt <= in.OpenAt {
			return fmt.Errorf("%w: tender %d has state %v, quantity %d, open %d, close %d", orderbook.ErrInvariant, in.ID, in.State, in.Qty, in.OpenAt, in.CloseAt)
		}
		if len(t.byBidder) != len(t.bids) || in.Bidders != len(t.bids) {
			return fmt.Errorf("%w: tender %d indexes %d of %d bids (Bidders %d)", orderbook.ErrInvariant, in.ID, len(t.byBidder), len(t.bids), in.Bidders)
		}
		var awarded catalog.Qty
		winners := 0
		for j := range t.bids {
			b := &t.bids[j]
			if k, ok := t.byBidder[b.bidder]; !ok || k != j {
				return fmt.Errorf("%w: tender %d bid %d not indexed by its bidder", orderbook.ErrInvariant, in.ID, j)
			}
			if b.bidder == in.Buyer || !known(b.bidder) {
				return fmt.Errorf("%w: tender %d has a bid of participant %d", orderbook.ErrInvariant, in.ID, b.bidder)
			}
			if b.qty <= 0 || b.qty > in.Qty || b.price <= 0 || (in.Reserve > 0 && b.price > in.Reserve) {
				return fmt.Errorf("%w: tender %d bid of %d: %d at %d", orderbook.ErrInvariant, in.ID, b.bidder, b.qty, b.price)
			}
			if b.award < 0 || b.award > b.qty {
				return fmt.Errorf("%w: tender %d bid of %d awarded %d of %d", orderbook.ErrInvariant, in.ID, b.bidder, b.award, b.qty)
			}
			if b.award > 0 {
				awarded += b.award
				winners++
			}
		}
		switch in.State {
		case TenderAwarded:
			if awarded != in.Awarded || awarded > in.Qty || winners != in.Winners || winners == 0 {
				return fmt.Errorf("%w: tender %d awarded %d to %d, bids hold %d for %d", orderbook.ErrInvariant, in.ID, in.Awarded, in.Winners, awarded, winners)
			}
		default:
			if awarded != 0 || in.Awarded != 0 || in.Winners != 0 {
				return fmt.Errorf("%w: tender %d in state %v awarded %d", orderbook.ErrInvariant, in.ID, in.State, awarded)
			}
		}
	}
	return nil
}
