package matching

import (
	"cmp"
	"slices"

	"github.com/agora-exchange/agora/catalog"
)

// SubscriptionID names a subscription. The exchange assigns them from 1 in
// sequence order and never reuses one. Zero is never valid.
type SubscriptionID uint64

// MaxFilterBases is the largest number of delivery bases one subscription's
// filter may list.
const MaxFilterBases = 64

// Subscription is a participant's standing interest in a subtree of the
// taxonomy: a subscription to Category covers Category and every category
// below it. A posting passes the filters if its basis is one of Bases (or
// Bases is empty) and its quantity q satisfies MinQty <= q and, when MaxQty
// is not zero, q <= MaxQty.
type Subscription struct {
	ID       SubscriptionID
	Owner    catalog.ParticipantID
	Category catalog.CategoryID
	Bases    []catalog.BasisID // ascending and distinct; empty means any basis
	MinQty   catalog.Qty
	MaxQty   catalog.Qty // 0 means no maximum
}

// passes reports whether a posting at basis with quantity qty passes the
// filters of s (the category is checked by the caller).
func (s *Subscription) passes(basis catalog.BasisID, qty catalog.Qty) bool {
	if qty < s.MinQty || (s.MaxQty != 0 && qty > s.MaxQty) {
		return false
	}
	if len(s.Bases) == 0 {
		return true
	}
	_, ok := slices.BinarySearch(s.Bases, basis)
	return ok
}

// subKey indexes subscriptions by category and basis; basis 0 holds the
// subscriptions that accept any basis.
type subKey struct {
	cat   catalog.CategoryID
	basis catalog.BasisID
}

// subscriptions is the exchange's subscription index. It is written only
// with every lock of the exchange held (lockAll), so it may be read under
// adminMu or under any one market lock. Every iteration that produces output
// walks slices kept in ascending ID order, never a map.
type subscriptions struct {
	list    []Subscription // list[id-1]; a removed subscription has Owner 0
	live    int
	byKey   map[subKey][]subEntry                      // ascending IDs
	byOwner map[catalog.ParticipantID][]SubscriptionID // ascending IDs
}

// subEntry is a subscription as its index bucket holds it: what the
// fan-out checks, inline, so that a posting reads one contiguous slice per
// bucket.
type subEntry struct {
	id     SubscriptionID
	owner  catalog.ParticipantID
	minQty catalog.Qty
	maxQty catalog.Qty
}

// subHit is one subscription that matched a posting.
type subHit struct {
	owner catalog.ParticipantID
	sub   SubscriptionID
}

func (s *subscriptions) get(id SubscriptionID) *Subscription {
	if id == 0 || id > SubscriptionID(len(s.list)) || s.list[id-1].Owner == 0 {
		return nil
	}
	return &s.list[id-1]
}

// add stores sub (its ID is assigned) and returns the ID.
func (s *subscriptions) add(sub Subscription) SubscriptionID {
	if s.byKey == nil {
		s.byKey = make(map[subKey][]subEntry)
		s.byOwner = make(map[catalog.ParticipantID][]SubscriptionID)
	}
	sub.ID = SubscriptionID(len(s.list) + 1)
	s.list = append(s.list, sub)
	s.live++
	e := subEntry{id: sub.ID, owner: sub.Owner, minQty: sub.MinQty, maxQty: sub.MaxQty}
	if len(sub.Bases) == 0 {
		k := subKey{cat: sub.Category}
		s.byKey[k] = append(s.byKey[k], e)
	}
	for _, b := range sub.Bases {
		k := subKey{cat: sub.Category, basis: b}
		s.byKey[k] = append(s.byKey[k], e)
	}
	s.byOwner[sub.Owner] = append(s.byOwner[sub.Owner], sub.ID)
	return sub.ID
}

// remove deletes subscription id, which exists. Cost: O(subscriptions in
// its index buckets and of its owner).
func (s *subscriptions) remove(id SubscriptionID) {
	sub := &s.list[id-1]
	drop := func(ids []SubscriptionID) []SubscriptionID {
		if i, ok := slices.BinarySearch(ids, id); ok {
			ids = slices.Delete(ids, i, i+1)
		}
		return ids
	}
	del := func(k subKey) {
		es := s.byKey[k]
		if i, ok := slices.BinarySearchFunc(es, id, func(e subEntry, id SubscriptionID) int { return cmp.Compare(e.id, id) }); ok {
			es = slices.Delete(es, i, i+1)
		}
		if len(es) == 0 {
			delete(s.byKey, k)
		} else {
			s.byKey[k] = es
		}
	}
	if len(sub.Bases) == 0 {
		del(subKey{cat: sub.Category})
	}
	for _, b := range sub.Bases {
		del(subKey{cat: sub.Category, basis: b})
	}
	if ids := drop(s.byOwner[sub.Owner]); len(ids) == 0 {
		delete(s.byOwner, sub.Owner)
	} else {
		s.byOwner[sub.Owner] = ids
	}
	*sub = Subscription{}
	s.live--
}

// posting describes a new request, offer or tender for the fan-out.
type posting struct {
	kind      CommandKind
	poster    catalog.ParticipantID
	cat       catalog.CategoryID
	basis     catalog.BasisID
	side      Side
	price     catalog.Price
	qty       catalog.Qty
	remaining catalog.Qty
	order     OrderID
	tender    TenderID
	openAt    int64
	closeAt   int64
	maker     catalog.ParticipantID // revealed poster (tenders only)
}

// match appends to hits one entry per participant that must be notified of
// p: a verified participant other than the poster that holds a
// subscription covering p's category whose filters pass; its entry names
// the lowest-numbered such subscription. The result is in participant
// order.
//
// Cost: O(depth) index lookups (two per category on the path from p's
// category to its root: the posting's basis and "any basis") plus O(h log h)
// in the h subscriptions found there. It never looks at a subscription
// outside the posting's path and basis.
func (s *subscriptions) match(tax *catalog.Taxonomy, parts *catalog.Participants, p *posting, hits []subHit) []subHit {
	start := len(hits)
	if s.live == 0 {
		return hits
	}
	for c := p.cat; c != 0; {
		for _, b := range [2]catalog.BasisID{p.basis, 0} {
			for _, e := range s.byKey[subKey{cat: c, basis: b}] {
				if e.owner == p.poster || p.qty < e.minQty || (e.maxQty != 0 && p.qty > e.maxQty) {
					continue
				}
				if st, _ := parts.Status(e.owner); !st.CanTrade() {
					continue
				}
				hits = append(hits, subHit{owner: e.owner, sub: e.id})
			}
			if p.basis == 0 {
				break
			}
		}
		cat, ok := tax.ByID(c)
		if !ok {
			break
		}
		c = cat.Parent
	}
	found := hits[start:]
	if len(found) > 1 {
		slices.SortFunc(found, func(a, b subHit) int {
			return cmp.Or(cmp.Compare(a.owner, b.owner), cmp.Compare(a.sub, b.sub))
		})
		found = slices.CompactFunc(found, func(a, b subHit) bool { return a.owner == b.owner })
	}
	return hits[:start+len(found)]
}

// covers reports whether participant owner holds a subscription that
// covers a posting in cat at basis with quantity qty. Cost: O(owner's
// subscriptions × depth).
func (s *subscriptions) covers(tax *catalog.Taxonomy, owner catalog.ParticipantID, cat catalog.CategoryID, basis catalog.BasisID, qty catalog.Qty) bool {
	for _, id := range s.byOwner[owner] {
		sub := &s.list[id-1]
		if tax.Covers(sub.Category, cat) && sub.passes(basis, qty) {
			return true
		}
	}
	return false
}

// notify appends one EventNotified per participant to be told of p (see
// subscriptions.match), in participant order. hits is scratch space owned
// by the caller's lock. The caller holds adminMu or a market lock.
func (x *Exchange) notify(seq uint64, time int64, p *posting, hits *[]subHit, dst []Event) []Event {
	if x.subs.live == 0 {
		return dst
	}
	*hits = x.subs.match(x.cat.Taxonomy, x.parts, p, (*hits)[:0])
	for _, h := range *hits {
		dst = append(dst, Event{
			Seq: seq, Time: time, Kind: EventNotified, Command: p.kind,
			Participant: h.owner, Category: p.cat, Basis: p.basis,
			OrderID: p.order, Side: p.side, Price: p.price, Qty: p.qty, Remaining: p.remaining,
			MakerParticipant: p.maker, Subscription: h.sub,
			Tender: p.tender, OpenAt: p.openAt, CloseAt: p.closeAt,
		})
	}
	return dst
}

// checkSubscribe validates a CmdSubscribe and returns its normalized
// filter bases. The caller holds adminMu.
func (x *Exchange) checkSubscribe(cmd *Command) ([]catalog.BasisID, RejectReason) {
	if r := x.traderStatus(cmd.Participant); r != ReasonNone {
		return nil, r
	}
	if _, ok := x.cat.Taxonomy.ByID(cmd.Category); !ok {
		return nil, ReasonUnknownCategory
	}
	if cmd.MinQty < 0 || cmd.MaxQty < 0 || (cmd.MaxQty != 0 && cmd.MaxQty < cmd.MinQty) || len(cmd.Bases) > MaxFilterBases {
		return nil, ReasonInvalidFilter
	}
	for _, b := range cmd.Bases {
		if _, ok := x.cat.Bases.ByID(b); !ok {
			return nil, ReasonUnknownBasis
		}
	}
	if len(cmd.Bases) == 0 {
		return nil, ReasonNone
	}
	bases := slices.Clone(cmd.Bases)
	slices.Sort(bases)
	return slices.Compact(bases), ReasonNone
}

// outsideCount counts a command that no market handles, and its events.
func (x *Exchange) outsideCount(p catalog.ParticipantID, k CommandKind, evs []Event) {
	x.outMu.Lock()
	x.outside.in(p, k)
	x.outside.out(evs)
	x.outMu.Unlock()
}

func subscriptionEvent(seq uint64, cmd *Command, kind EventKind, s *Subscription) Event {
	return Event{
		Seq: seq, Time: cmd.Time, Kind: kind, Command: cmd.Kind,
		Participant: s.Owner, Category: s.Category, Subscription: s.ID,
		Bases: slices.Clone(s.Bases), MinQty: s.MinQty, MaxQty: s.MaxQty,
	}
}

// subscribe handles CmdSubscribe. It changes the index that the order path
// reads, so it takes every lock.
func (x *Exchange) subscribe(cmd *Command, dst []Event) ([]Event, error) {
	list := x.lockAll()
	defer x.unlockAll(list)
	seq := x.seq.Add(1)
	start := len(dst)
	bases, r := x.checkSubscribe(cmd)
	if r != ReasonNone {
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	} else {
		id := x.subs.add(Subscription{Owner: cmd.Participant, Category: cmd.Category, Bases: bases, MinQty: cmd.MinQty, MaxQty: cmd.MaxQty})
		dst = append(dst, subscriptionEvent(seq, cmd, EventSubscribed, x.subs.get(id)))
	}
	x.outsideCount(cmd.Participant, cmd.Kind, dst[start:])
	return dst, r.Err()
}

// unsubscribe handles CmdUnsubscribe under every lock.
func (x *Exchange) unsubscribe(cmd *Command, dst []Event) ([]Event, error) {
	list := x.lockAll()
	defer x.unlockAll(list)
	seq := x.seq.Add(1)
	start := len(dst)
	r := ReasonNone
	sub := x.subs.get(cmd.Subscription)
	switch {
	case !x.known(cmd.Participant):
		r = ReasonUnknownParticipant
	case sub == nil:
		r = ReasonUnknownSubscription
	case sub.Owner != cmd.Participant:
		r = ReasonNotSubscriber
	}
	if r != ReasonNone {
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	} else {
		e := subscriptionEvent(seq, cmd, EventUnsubscribed, sub)
		x.subs.remove(cmd.Subscription)
		dst = append(dst, e)
	}
	x.outsideCount(cmd.Participant, cmd.Kind, dst[start:])
	return dst, r.Err()
}

// listSubscriptions handles CmdListSubscriptions. It only reads the index,
// so adminMu is enough.
func (x *Exchange) listSubscriptions(cmd *Command, dst []Event) ([]Event, error) {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	seq := x.seq.Add(1)
	start := len(dst)
	r := ReasonNone
	if !x.known(cmd.Participant) {
		r = ReasonUnknownParticipant
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	}
	if r == ReasonNone {
		for _, id := range x.subs.byOwner[cmd.Participant] {
			dst = append(dst, subscriptionEvent(seq, cmd, EventSubscription, x.subs.get(id)))
		}
	}
	x.outsideCount(cmd.Participant, cmd.Kind, dst[start:])
	return dst, r.Err()
}

// setRating handles CmdSetRating under every lock (it writes the registry).
func (x *Exchange) setRating(cmd *Command, dst []Event) ([]Event, error) {
	list := x.lockAll()
	defer x.unlockAll(list)
	seq := x.seq.Add(1)
	start := len(dst)
	r := ReasonNone
	switch {
	case !x.known(cmd.Participant):
		r = ReasonUnknownParticipant
	case cmd.Rating > catalog.MaxRating:
		r = ReasonInvalidRating
	}
	if r == ReasonNone {
		if x.parts.SetRating(cmd.Participant, cmd.Rating) != nil {
			r = ReasonInvalidRating // unreachable: checked above
		}
		x.tenders.ratings++
	}
	if r != ReasonNone {
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	} else {
		dst = append(dst, Event{Seq: seq, Time: cmd.Time, Kind: EventRatingChanged, Command: cmd.Kind, Participant: cmd.Participant, Rating: cmd.Rating})
	}
	x.outsideCount(0, cmd.Kind, dst[start:])
	return dst, r.Err()
}

// known reports whether p is registered. The caller holds adminMu or a
// market lock.
func (x *Exchange) known(p catalog.ParticipantID) bool {
	_, ok := x.parts.Status(p)
	return ok
}

// Subscriptions appends participant p's subscriptions, in ID order, to dst.
// The Bases of each are copies. Cost: O(p's subscriptions) under adminMu.
func (x *Exchange) Subscriptions(p catalog.ParticipantID, dst []Subscription) []Subscription {
	x.adminMu.Lock()
	defer x.adminMu.Unlock()
	for _, id := range x.subs.byOwner[p] {
		s := *x.subs.get(id)
		s.Bases = slices.Clone(s.Bases)
		dst = append(dst, s)
	}
	return dst
}
