package matching

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

func prLimit(p catalog.ParticipantID, cat catalog.CategoryID, basis catalog.BasisID, side Side, price catalog.Price, qty catalog.Qty) Command {
	return Command{Kind: CmdPlace, Participant: p, Category: cat, Basis: basis, Side: side, Type: Limit, TIF: GTC, Price: price, Qty: qty}
}

func TestSubscriptionCoversSubtree(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	root := f.trader("Root")     // 23: all non-metallic minerals
	group := f.trader("Group")   // 23.51: cement
	leaf := f.trader("Leaf")     // 23.51.12: M500 only
	other := f.trader("Other")   // 23.51.13: M400, a sibling
	metals := f.trader("Metals") // 24
	f.subscribe(root, "23")
	gSub := f.subscribe(group, "23.51")
	f.subscribe(leaf, "23.51.12")
	f.subscribe(other, "23.51.13")
	f.subscribe(metals, "24")
	f.subscribe(buyer, "23") // the poster is never notified of its own posting

	m500, msk := f.cid("23.51.12"), f.bid("MSK")
	evs := f.must(prLimit(buyer, m500, msk, Buy, 500000, 100))
	require.Equal(t, []catalog.ParticipantID{root, group, leaf}, prNotified(evs))
	n := prOnly(evs, EventNotified)[1]
	require.Equal(t, gSub, n.Subscription)
	require.Equal(t, evs[0].OrderID, n.OrderID)
	require.Equal(t, CmdPlace, n.Command)
	require.Equal(t, Buy, n.Side)
	require.Equal(t, catalog.Price(500000), n.Price)
	require.Equal(t, catalog.Qty(100), n.Qty)
	require.Equal(t, catalog.Qty(100), n.Remaining)
	require.Equal(t, m500, n.Category)
	require.Equal(t, msk, n.Basis)
	require.Zero(t, n.MakerParticipant, "an order's poster stays anonymous")

	// An offer by a subscriber notifies the others, including the buyer,
	// and the part that traded at once is not offered any more.
	evs = f.must(prLimit(leaf, m500, msk, Sell, 500000, 150))
	require.Len(t, prOnly(evs, EventFill), 1)
	require.Equal(t, []catalog.ParticipantID{buyer, root, group}, prNotified(evs))
	require.Equal(t, catalog.Qty(50), prOnly(evs, EventNotified)[0].Remaining)

	// An order that does not rest is not a posting.
	evs = f.must(prLimit(group, m500, msk, Buy, 500000, 50))
	require.Empty(t, prNotified(evs))
	require.Equal(t, EventDone, evs[len(evs)-1].Kind)

	c := f.x.Counters(root)
	require.Equal(t, uint64(2), c.Notifications)
	require.Equal(t, uint64(6), f.x.TotalCounters().Notifications)
}

func TestSubscriptionNoDoubleNotification(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	s := f.trader("Supplier")
	first := f.subscribe(s, "23.51.12")
	f.subscribe(s, "23")
	f.subscribe(s, "23.51", "MSK")
	f.subscribe(s, "23.51.12") // a duplicate subscription is allowed
	evs := f.must(prLimit(buyer, f.cid("23.51.12"), f.bid("MSK"), Buy, 100, 1))
	ns := prOnly(evs, EventNotified)
	require.Len(t, ns, 1)
	require.Equal(t, first, ns[0].Subscription, "the lowest-numbered matching subscription")
}

func TestSubscriptionFilters(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	msk := f.trader("MSK only")
	spbKzn := f.trader("SPB or KZN")
	small := f.trader("up to 100")
	large := f.trader("from 200")
	band := f.trader("50..150")
	f.subscribe(msk, "23", "MSK")
	f.subscribe(spbKzn, "23.51", "KZN", "SPB", "KZN")
	f.must(Command{Kind: CmdSubscribe, Participant: small, Category: f.cid("23"), MaxQty: 100})
	f.must(Command{Kind: CmdSubscribe, Participant: large, Category: f.cid("23"), MinQty: 200})
	f.must(Command{Kind: CmdSubscribe, Participant: band, Category: f.cid("23"), MinQty: 50, MaxQty: 150})

	var subs []Subscription
	subs = f.x.Subscriptions(spbKzn, subs)
	require.Len(t, subs, 1)
	want := []catalog.BasisID{f.bid("SPB"), f.bid("KZN")}
	slices.Sort(want)
	require.Equal(t, want, subs[0].Bases, "sorted and distinct")

	m500 := f.cid("23.51.12")
	cases := []struct {
		basis string
		qty   catalog.Qty
		want  []catalog.ParticipantID
	}{
		{"MSK", 10, []catalog.ParticipantID{msk, small}},
		{"MSK", 100, []catalog.ParticipantID{msk, small, band}},
		{"SPB", 150, []catalog.ParticipantID{spbKzn, band}},
		{"KZN", 200, []catalog.ParticipantID{spbKzn, large}},
		{"EKB", 50, []catalog.ParticipantID{small, band}},
	}
	for i, c := range cases {
		evs := f.must(prLimit(buyer, m500, f.bid(c.basis), Buy, catalog.Price(100*(i+1)), c.qty))
		require.Equal(t, c.want, prNotified(evs), "case %d", i)
	}
}

func TestSubscriptionLifecycle(t *testing.T) {
	f := newPrFix(t)
	buyer := f.trader("Buyer")
	s := f.trader("Supplier")
	a := f.subscribe(s, "23")
	b := f.subscribe(s, "24", "MSK", "SPB")

	evs := f.must(Command{Kind: CmdListSubscriptions, Participant: s})
	require.Len(t, evs, 2)
	require.Equal(t, EventSubscription, evs[0].Kind)
	require.Equal(t, a, evs[0].Subscription)
	require.Equal(t, f.cid("23"), evs[0].Category)
	require.Empty(t, evs[0].Bases)
	require.Equal(t, b, evs[1].Subscription)
	require.Len(t, evs[1].Bases, 2)
	require.Empty(t, f.must(Command{Kind: CmdListSubscriptions, Participant: buyer}))

	evs = f.must(Command{Kind: CmdUnsubscribe, Participant: s, Subscription: a})
	require.Equal(t, EventUnsubscribed, evs[0].Kind)
	require.Equal(t, a, evs[0].Subscription)
	require.Empty(t, prNotified(f.must(prLimit(buyer, f.cid("23.51.12"), f.bid("MSK"), Buy, 100, 1))))
	require.Equal(t, []catalog.ParticipantID{s}, prNotified(f.must(prLimit(buyer, f.cid("24.42.11"), f.bid("SPB"), Buy, 1000, 1))))
	require.Len(t, f.x.Subscriptions(s, nil), 1)

	// A suspended subscriber keeps its subscription but is not notified;
	// verified again, it is.
	f.must(Command{Kind: CmdSetStatus, Participant: s, Status: catalog.StatusSuspended})
	require.Empty(t, prNotified(f.must(prLimit(buyer, f.cid("24.42.11"), f.bid("SPB"), Buy, 2000, 1))))
	f.must(Command{Kind: CmdSetStatus, Participant: s, Status: catalog.StatusVerified})
	require.Len(t, prNotified(f.must(prLimit(buyer, f.cid("24.42.11"), f.bid("MSK"), Buy, 3000, 1))), 1)

	// Removing the last subscription empties the index.
	f.must(Command{Kind: CmdUnsubscribe, Participant: s, Subscription: b})
	require.Empty(t, f.x.Subscriptions(s, nil))
	// The invariants hold that no empty index bucket or owner list is
	// left behind.
	require.NoError(t, f.x.CheckInvariants())
}

func TestSubscriptionRejections(t *testing.T) {
	f := newPrFix(t)
	s := f.trader("Supplier")
	other := f.trader("Other")
	pending := f.company("Pending", false)
	suspended := f.trader("Suspended")
	f.must(Command{Kind: CmdSetStatus, Participant: suspended, Status: catalog.StatusSuspended})
	sub := f.subscribe(s, "23")
	cement := f.cid("23.51")
	sub2 := f.subscribe(s, "24")
	f.must(Command{Kind: CmdUnsubscribe, Participant: s, Subscription: sub2})

	cases := []struct {
		name string
		cmd  Command
		want RejectReason
	}{
		{"unknown participant", Command{Kind: CmdSubscribe, Participant: 999, Category: cement}, ReasonUnknownParticipant},
		{"pending", Command{Kind: CmdSubscribe, Participant: pending, Category: cement}, ReasonNotVerified},
		{"suspended", Command{Kind: CmdSubscribe, Participant: suspended, Category: cement}, ReasonSuspended},
		{"unknown category", Command{Kind: CmdSubscribe, Participant: s, Category: 9999}, ReasonUnknownCategory},
		{"no category", Command{Kind: CmdSubscribe, Participant: s}, ReasonUnknownCategory},
		{"unknown basis", Command{Kind: CmdSubscribe, Participant: s, Category: cement, Bases: []catalog.BasisID{f.bid("MSK"), 999}}, ReasonUnknownBasis},
		{"negative min", Command{Kind: CmdSubscribe, Participant: s, Category: cement, MinQty: -1}, ReasonInvalidFilter},
		{"negative max", Command{Kind: CmdSubscribe, Participant: s, Category: cement, MaxQty: -1}, ReasonInvalidFilter},
		{"max below min", Command{Kind: CmdSubscribe, Participant: s, Category: cement, MinQty: 10, MaxQty: 9}, ReasonInvalidFilter},
		{"too many bases", Command{Kind: CmdSubscribe, Participant: s, Category: cement, Bases: make([]catalog.BasisID, MaxFilterBases+1)}, ReasonInvalidFilter},
		{"unsubscribe unknown", Command{Kind: CmdUnsubscribe, Participant: s, Subscription: 999}, ReasonUnknownSubscription},
		{"unsubscribe zero", Command{Kind: CmdUnsubscribe, Participant: s}, ReasonUnknownSubscription},
		{"unsubscribe twice", Command{Kind: CmdUnsubscribe, Participant: s, Subscription: sub2}, ReasonUnknownSubscription},
		{"unsubscribe other's", Command{Kind: CmdUnsubscribe, Participant: other, Subscription: sub}, ReasonNotSubscriber},
		{"unsubscribe unknown participant", Command{Kind: CmdUnsubscribe, Participant: 999, Subscription: sub}, ReasonUnknownParticipant},
		{"list unknown participant", Command{Kind: CmdListSubscriptions, Participant: 999}, ReasonUnknownParticipant},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.t = t
			f.reject(c.cmd, c.want)
		})
	}
}

// prBrute computes the notifications of a posting by walking every
// subscription: the lowest-numbered matching subscription of each verified
// participant other than the poster, in participant order.
func prBrute(x *Exchange, poster catalog.ParticipantID, cat catalog.CategoryID, basis catalog.BasisID, qty catalog.Qty) []prHit {
	best := map[catalog.ParticipantID]SubscriptionID{}
	var all []Subscription
	for p := catalog.ParticipantID(1); ; p++ {
		if _, ok := x.Participant(p); !ok {
			break
		}
		all = x.Subscriptions(p, all)
	}
	for _, s := range all {
		if s.Owner == 0 || s.Owner == poster || !x.Catalog().Taxonomy.Covers(s.Category, cat) {
			continue
		}
		if len(s.Bases) > 0 && !slices.Contains(s.Bases, basis) {
			continue
		}
		if qty < s.MinQty || (s.MaxQty != 0 && qty > s.MaxQty) {
			continue
		}
		if p, _ := x.Participant(s.Owner); p.Status != catalog.StatusVerified {
			continue
		}
		if cur, ok := best[s.Owner]; !ok || s.ID < cur {
			best[s.Owner] = s.ID
		}
	}
	var out []prHit
	for p, id := range best {
		out = append(out, prHit{owner: p, sub: id})
	}
	slices.SortFunc(out, func(a, b prHit) int { return int(a.owner) - int(b.owner) })
	return out
}

// TestNotificationsRandom checks the notifications of random postings
// against the brute-force set of covering subscriptions, through random
// subscribes, unsubscribes and status changes, and that replaying the
// commands reproduces every event.
func TestNotificationsRandom(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		f := newPrFix(t)
		var cats, leaves []catalog.CategoryID
		for c := range f.cat.Taxonomy.All() {
			cats = append(cats, c.ID)
			if _, err := f.cat.Taxonomy.Tradable(c.ID); err == nil {
				leaves = append(leaves, c.ID)
			}
		}
		var bases []catalog.BasisID
		for b := range f.cat.Bases.All() {
			bases = append(bases, b.ID)
		}
		var parts []catalog.ParticipantID
		for i := range 12 {
			parts = append(parts, f.company("P", i%6 != 5))
		}
		subscribed := 0 // subscriptions ever made: the IDs run from 1
		run := func(cmd Command) []Event {
			evs, _ := f.submit(cmd)
			for _, e := range evs {
				if e.Kind == EventSubscribed {
					subscribed++
				}
			}
			return evs
		}
		notified := 0
		for range 400 {
			p := parts[rng.IntN(len(parts))]
			switch op := rng.IntN(10); {
			case op < 3:
				cmd := Command{Kind: CmdSubscribe, Participant: p, Category: cats[rng.IntN(len(cats))]}
				for range rng.IntN(3) {
					cmd.Bases = append(cmd.Bases, bases[rng.IntN(len(bases))])
				}
				if rng.IntN(3) == 0 {
					cmd.MinQty = catalog.Qty(rng.IntN(50))
				}
				if rng.IntN(3) == 0 {
					cmd.MaxQty = catalog.Qty(rng.IntN(100))
				}
				run(cmd)
			case op == 3:
				run(Command{Kind: CmdUnsubscribe, Participant: p, Subscription: SubscriptionID(rng.IntN(subscribed + 2))})
			case op == 4:
				st := []catalog.Status{catalog.StatusVerified, catalog.StatusSuspended}[rng.IntN(2)]
				run(Command{Kind: CmdSetStatus, Participant: p, Status: st})
			default:
				leaf := leaves[rng.IntN(len(leaves))]
				c, _ := f.cat.Taxonomy.ByID(leaf)
				basis := bases[rng.IntN(len(bases))]
				qty := c.Lot * catalog.Qty(1+rng.IntN(120))
				// Prices far apart so that nothing trades and every
				// accepted order rests.
				side, price := Buy, c.Tick*catalog.Price(1+rng.IntN(10))
				if rng.IntN(2) == 0 {
					side, price = Sell, c.Tick*catalog.Price(1000+rng.IntN(10))
				}
				want := prBrute(f.x, p, leaf, basis, qty)
				evs := run(prLimit(p, leaf, basis, side, price, qty))
				if evs[0].Kind != EventAccepted {
					require.Empty(t, prOnly(evs, EventNotified))
					continue
				}
				var got []prHit
				for _, e := range prOnly(evs, EventNotified) {
					require.Equal(t, evs[0].OrderID, e.OrderID)
					got = append(got, prHit{owner: e.Participant, sub: e.Subscription})
				}
				require.Equal(t, want, got, "seed %d", seed)
				notified += len(got)
			}
		}
		require.Positive(t, notified)
		require.Equal(t, uint64(notified), f.x.TotalCounters().Notifications)

		f.replay()
	}
}

// prHit is one expected notification: the participant and the
// lowest-numbered subscription of it that covers the posting.
type prHit struct {
	owner catalog.ParticipantID
	sub   SubscriptionID
}
