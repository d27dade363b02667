package engine

import (
	"cmp"
	"slices"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/wire"
)

// Subscription is a participant's standing interest in a subtree of the
// taxonomy: a subscription to Category covers Category and every category
// below it. A posting passes the filters if its basis is one of Bases (or
// Bases is empty) and its quantity q satisfies MinQty <= q and, when MaxQty
// is not zero, q <= MaxQty.
type Subscription struct {
	ID       wire.SubscriptionID   `json:"id"`
	Owner    catalog.ParticipantID `json:"owner"`
	Category catalog.CategoryID    `json:"category"`
	Bases    []catalog.BasisID     `json:"bases"` // ascending and distinct; empty means any basis
	MinQty   catalog.Qty           `json:"min_qty"`
	MaxQty   catalog.Qty           `json:"max_qty"` // 0 means no maximum
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
// by ScopeAll commands, so every other command may read it. Every iteration that produces output
// walks slices kept in ascending ID order, never a map.
type subscriptions struct {
	list    []Subscription // list[id-1]; a removed subscription has Owner 0
	live    int
	byKey   map[subKey][]subEntry                           // ascending IDs
	byOwner map[catalog.ParticipantID][]wire.SubscriptionID // ascending IDs
}

// subEntry is a subscription as its index bucket holds it: what the
// fan-out checks, inline, so that a posting reads one contiguous slice per
// bucket.
type subEntry struct {
	id     wire.SubscriptionID
	owner  catalog.ParticipantID
	minQty catalog.Qty
	maxQty catalog.Qty
}

// subHit is one subscription that matched a posting.
type subHit struct {
	owner catalog.ParticipantID
	sub   wire.SubscriptionID
}

func (s *subscriptions) get(id wire.SubscriptionID) *Subscription {
	if id == 0 || id > wire.SubscriptionID(len(s.list)) || s.list[id-1].Owner == 0 {
		return nil
	}
	return &s.list[id-1]
}

// add stores sub (its ID is assigned) and returns the ID.
func (s *subscriptions) add(sub Subscription) wire.SubscriptionID {
	if s.byKey == nil {
		s.byKey = make(map[subKey][]subEntry)
		s.byOwner = make(map[catalog.ParticipantID][]wire.SubscriptionID)
	}
	sub.ID = wire.SubscriptionID(len(s.list) + 1)
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
func (s *subscriptions) remove(id wire.SubscriptionID) {
	sub := &s.list[id-1]
	drop := func(ids []wire.SubscriptionID) []wire.SubscriptionID {
		if i, ok := slices.BinarySearch(ids, id); ok {
			ids = slices.Delete(ids, i, i+1)
		}
		return ids
	}
	del := func(k subKey) {
		es := s.byKey[k]
		if i, ok := slices.BinarySearchFunc(es, id, func(e subEntry, id wire.SubscriptionID) int { return cmp.Compare(e.id, id) }); ok {
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
	kind      wire.CommandKind
	poster    catalog.ParticipantID
	cat       catalog.CategoryID
	basis     catalog.BasisID
	side      wire.Side
	price     catalog.Price
	qty       catalog.Qty
	remaining catalog.Qty
	order     wire.OrderID
	tender    wire.TenderID
	openAt    int64
	closeAt   int64
	maker     catalog.ParticipantID // revealed poster (tenders only)
	// A pool request also names the bases where it takes the goods
	// (bases) and its longest lead time; each accepted basis is matched
	// against the subscriptions' basis filters, like basis.
	bases []catalog.BasisID
	lead  int64
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
	for _, b := range p.bases {
		if b != p.basis {
			q := *p
			q.basis, q.bases = b, nil
			hits = s.match(tax, parts, &q, hits)
		}
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
// by the caller.
func (e *Engine) notify(seq uint64, time int64, p *posting, hits *[]subHit, dst []wire.Event) []wire.Event {
	if e.subs.live == 0 {
		return dst
	}
	*hits = e.subs.match(e.cat.Taxonomy, e.registry.parts, p, (*hits)[:0])
	for _, h := range *hits {
		dst = append(dst, wire.Event{
			Seq: seq, Time: time, Kind: wire.EventNotified, Command: p.kind,
			Participant: h.owner, Category: p.cat, Basis: p.basis,
			OrderID: p.order, Side: p.side, Price: p.price, Qty: p.qty, Remaining: p.remaining,
			MakerParticipant: p.maker, Subscription: h.sub,
			Tender: p.tender, OpenAt: p.openAt, CloseAt: p.closeAt,
			Bases: slices.Clone(p.bases), LeadTime: p.lead,
		})
	}
	return dst
}

// checkSubscribe validates a CmdSubscribe and returns its normalized
// filter bases.
func (e *Engine) checkSubscribe(cmd *wire.Command) ([]catalog.BasisID, wire.RejectReason) {
	if r := e.traderStatus(cmd.Participant); r != wire.ReasonNone {
		return nil, r
	}
	if _, ok := e.cat.Taxonomy.ByID(cmd.Category); !ok {
		return nil, wire.ReasonUnknownCategory
	}
	if cmd.MinQty < 0 || cmd.MaxQty < 0 || (cmd.MaxQty != 0 && cmd.MaxQty < cmd.MinQty) || len(cmd.Bases) > wire.MaxFilterBases {
		return nil, wire.ReasonInvalidFilter
	}
	for _, b := range cmd.Bases {
		if _, ok := e.cat.Bases.ByID(b); !ok {
			return nil, wire.ReasonUnknownBasis
		}
	}
	if len(cmd.Bases) == 0 {
		return nil, wire.ReasonNone
	}
	bases := slices.Clone(cmd.Bases)
	slices.Sort(bases)
	return slices.Compact(bases), wire.ReasonNone
}

func subscriptionEvent(seq uint64, cmd *wire.Command, kind wire.EventKind, s *Subscription) wire.Event {
	return wire.Event{
		Seq: seq, Time: cmd.Time, Kind: kind, Command: cmd.Kind,
		Participant: s.Owner, Category: s.Category, Subscription: s.ID,
		Bases: slices.Clone(s.Bases), MinQty: s.MinQty, MaxQty: s.MaxQty,
	}
}

// subscribe handles CmdSubscribe. It changes the index that the order path
// reads, so it takes every lock.
func (e *Engine) subscribe(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	bases, r := e.checkSubscribe(cmd)
	if r != wire.ReasonNone {
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	} else {
		id := e.subs.add(Subscription{Owner: cmd.Participant, Category: cmd.Category, Bases: bases, MinQty: cmd.MinQty, MaxQty: cmd.MaxQty})
		dst = append(dst, subscriptionEvent(seq, cmd, wire.EventSubscribed, e.subs.get(id)))
	}
	e.countOutside(cmd.Participant, cmd.Kind, dst[start:])
	return dst, r.Err()
}

// unsubscribe handles CmdUnsubscribe under every lock.
func (e *Engine) unsubscribe(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	r := wire.ReasonNone
	sub := e.subs.get(cmd.Subscription)
	switch {
	case !e.known(cmd.Participant):
		r = wire.ReasonUnknownParticipant
	case sub == nil:
		r = wire.ReasonUnknownSubscription
	case sub.Owner != cmd.Participant:
		r = wire.ReasonNotSubscriber
	}
	if r != wire.ReasonNone {
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	} else {
		ev := subscriptionEvent(seq, cmd, wire.EventUnsubscribed, sub)
		e.subs.remove(cmd.Subscription)
		dst = append(dst, ev)
	}
	e.countOutside(cmd.Participant, cmd.Kind, dst[start:])
	return dst, r.Err()
}

// listSubscriptions handles CmdListSubscriptions. It only reads the index.
func (e *Engine) listSubscriptions(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	r := wire.ReasonNone
	if !e.known(cmd.Participant) {
		r = wire.ReasonUnknownParticipant
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	}
	if r == wire.ReasonNone {
		for _, id := range e.subs.byOwner[cmd.Participant] {
			dst = append(dst, subscriptionEvent(seq, cmd, wire.EventSubscription, e.subs.get(id)))
		}
	}
	e.countOutside(cmd.Participant, cmd.Kind, dst[start:])
	return dst, r.Err()
}

// setRating handles CmdSetRating under every lock (it writes the registry).
func (e *Engine) setRating(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	r := wire.ReasonNone
	switch {
	case !e.known(cmd.Participant):
		r = wire.ReasonUnknownParticipant
	case cmd.Rating > catalog.MaxRating:
		r = wire.ReasonInvalidRating
	}
	if r == wire.ReasonNone {
		if e.registry.parts.SetRating(cmd.Participant, cmd.Rating) != nil {
			r = wire.ReasonInvalidRating // unreachable: checked above
		}
		e.tenders.ratings++
	}
	if r != wire.ReasonNone {
		dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	} else {
		dst = append(dst, wire.Event{Seq: seq, Time: cmd.Time, Kind: wire.EventRatingChanged, Command: cmd.Kind, Participant: cmd.Participant, Rating: cmd.Rating})
	}
	e.countOutside(0, cmd.Kind, dst[start:])
	return dst, r.Err()
}

// Subscriptions appends participant p's subscriptions, in ID order, to dst.
// The Bases of each are copies. Cost: O(p's subscriptions).
func (e *Engine) Subscriptions(p catalog.ParticipantID, dst []Subscription) []Subscription {
	for _, id := range e.subs.byOwner[p] {
		s := *e.subs.get(id)
		s.Bases = slices.Clone(s.Bases)
		dst = append(dst, s)
	}
	return dst
}
