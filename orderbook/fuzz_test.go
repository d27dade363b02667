package orderbook

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

const fuzzOpBytes = 8

// decodeOps turns bytes into commands, fuzzOpBytes bytes each, over small
// ID, owner, price and quantity ranges so that orders collide, cross and
// self-trade. A few byte values map to invalid fields.
func decodeOps(data []byte) (Config, []op) {
	var cfg Config
	if len(data) > 0 {
		cfg.DefaultSTP = STP(data[0] % 4)
		data = data[1:]
	}
	now := int64(100)
	var ops []op
	for len(data) >= fuzzOpBytes && len(ops) < 300 {
		c := data[:fuzzOpBytes]
		data = data[fuzzOpBytes:]
		now += int64(c[7] % 4)
		t := now
		if c[7]&0xf0 == 0xf0 {
			t = now - 3 // an older time counts as the latest seen
		}
		id := OrderID(1 + c[1]%24)
		if c[1] == 255 {
			id = 0
		}
		owner := catalog.ParticipantID(1 + c[2]%3)
		if c[2] == 255 {
			owner = 0
		}
		price := catalog.Price(95 + c[4]%11)
		if c[4] == 255 {
			price = 0
		}
		qty := catalog.Qty(1 + c[5]%10)
		if c[5] == 255 {
			qty = 0
		}
		switch c[0] % 8 {
		case 0, 1, 2, 3, 7:
			o := Order{
				ID: id, Owner: owner, Side: Side(1 + c[3]&1), Type: Limit,
				TIF: TimeInForce(1 + (c[3]>>1)%4), Price: price, Qty: qty,
				STP: STP((c[3] >> 3) % 4), Tag: uint64(c[6]),
			}
			if c[3]&0x80 != 0 && c[6]&1 == 1 {
				o.Side = 0
			}
			if c[3]&0x60 == 0x60 && c[6]&2 == 2 {
				o.STP = stpEnd
			}
			if c[0]%8 == 7 {
				o.Type, o.Price = Market, 0
				if o.TIF != FOK {
					o.TIF = IOC
				}
			}
			if o.TIF == GTD {
				o.ExpireAt = now + 1 + int64(c[7]>>2)%16
			}
			if m := c[6] >> 2; m%3 == 1 && qty > 0 {
				o.MinQty = 1 + catalog.Qty(m)%qty
			} else if m%3 == 2 {
				o.MinQty = qty // all-or-none
			}
			ops = append(ops, op{kind: opPlace, order: o, now: t})
		case 4:
			ops = append(ops, op{kind: opCancel, id: id, owner: owner, now: t})
		case 5:
			ops = append(ops, op{kind: opAmend, id: id, owner: owner, price: price, qty: qty, now: t})
		case 6:
			ops = append(ops, op{kind: opExpire, now: t})
		}
	}
	return cfg, ops
}

// record is what one command returned.
type record struct {
	ev  []Event
	res Result
	err error
}

// FuzzBook decodes bytes into commands, applies them to a Book and to the
// reference, and requires no panic, the book's invariants after every
// command, identical results, the event checks of eventChecker, and that
// replaying the commands into a fresh Book returns identical results.
func FuzzBook(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 1, 1, 0, 5, 4, 0, 0, 0, 2, 2, 1, 5, 4, 0, 0})
	// A crossing amend that fills completely.
	f.Add([]byte{1,
		0, 1, 1, 0, 3, 3, 0, 0, // buy 1 @98 qty 4
		1, 2, 2, 1, 7, 9, 0, 1, // sell 2 @102 qty 10
		5, 1, 1, 0, 7, 3, 0, 1, // amend 1 to @102 qty 4
	})
	// Self-trade with every policy, IOC, FOK, market, GTD expiry.
	f.Add([]byte{2,
		0, 1, 1, 1, 5, 4, 0, 0,
		0, 2, 1, 0x09, 5, 4, 0, 0,
		0, 3, 2, 0x10, 5, 9, 0, 0,
		0, 4, 1, 0x18, 5, 9, 0, 0,
		0, 5, 2, 0x02, 4, 2, 0, 0,
		7, 6, 3, 0x06, 0, 20, 0, 1,
		0, 7, 3, 0x03, 6, 5, 0, 4,
		6, 0, 0, 0, 0, 0, 0, 60,
		4, 3, 2, 0, 0, 0, 0, 0,
	})
	// MinQty and all-or-none on both sides.
	f.Add([]byte{0,
		0, 1, 1, 1, 5, 9, 8, 0,
		0, 2, 2, 1, 5, 3, 4, 0,
		0, 3, 3, 0, 6, 5, 0, 1,
		0, 4, 3, 4, 6, 5, 0, 1,
		5, 1, 1, 0, 5, 4, 0, 1,
	})
	f.Add([]byte{3, 255, 255, 255, 0x80, 255, 255, 3, 0xf0, 7, 1, 1, 2, 5, 5, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, ops := decodeOps(data)
		h := newHarness(t, cfg)
		var first []record
		for _, o := range ops {
			ev, res, err := h.step(o, true)
			first = append(first, record{ev: slices.Clone(ev), res: res, err: err})
		}
		// Replay into a fresh book: the same commands give the same events.
		b, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var dst []Event
		for i, o := range ops {
			var res Result
			dst, res, err = apply(b, o, dst[:0])
			if len(dst) != len(first[i].ev) || (len(dst) > 0 && !slices.Equal(dst, first[i].ev)) ||
				res != first[i].res || err != first[i].err {
				t.Fatalf("replay of command %d %v: %+v %+v %v, first run %+v %+v %v", i, o, dst, res, err, first[i].ev, first[i].res, first[i].err)
			}
		}
		require.Equal(t, snapshot(h.book), snapshot(b))
	})
}
