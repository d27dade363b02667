package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
	"github.com/agora-exchange/agora/wire"
)

// State encoding.
//
// MarshalState writes the whole state of an exchange as deterministic bytes:
// the same state always encodes to the same bytes (nothing depends on map
// iteration order or on memory layout). All integers are little endian or
// varints (encoding/binary: uvarint for unsigned values, zig-zag varint for
// signed ones); a string is a uvarint length followed by its bytes.
//
//	magic    [8]byte  "AGORASTA"
//	version  uint16   stateVersion (2; version 1, which has no signing
//	                  section, is read too)
//	sections, in ascending tag order, each at most once:
//	  tag    uint8
//	  length uvarint
//	  body   [length]byte
//	crc      uint32   CRC-32C (Castagnoli) of everything before it
//
// Sections (a missing section means that part of the state is empty, so a
// later version can add one; an unknown tag is an error, never skipped,
// because a section holds state that must not be lost):
//
//	1 meta          seq, DefaultSTP
//	2 audit         the audit chain head at seq, 32 bytes (snapshot files
//	                of a durable exchange only; RestoreState ignores it)
//	3 catalog       categories in ID order (code, name, unit, tick, lot),
//	                then bases in ID order (code, name)
//	4 participants  in ID order: name, INN, KPP, status, rating
//	5 markets       in index (opening) order: category, basis, the last
//	                local order number, book mode, book clock, the number
//	                of resting buy and sell orders, then those orders (buy
//	                side, then sell side) in priority order with every
//	                OrderInfo field, then the market's message counters
//	6 outside       the counters of commands that reached no market
//	7 subscriptions in ID order, removed ones as a zero owner
//	8 tenders       in ID order, every term and result, with the bids in
//	                first-bid order
//	9 signing       keys, signature policies, the signing clock and the
//	                nonce tables (see appendSigning in keys.go); written
//	                only when not empty (version 2)
//	10 pools        the clearing pools in index order (version 3): the
//	                pool's position in the markets section, its order
//	                count, then its orders in ID order (see appendPools).
//	                A pool is in the markets section too, keyed (root, 0)
//	                with an empty book.
//
// Counters are the total followed by the per-participant counters in
// participant order. The client order ID index of each market is not
// stored: restoring rebuilds it from the resting orders' tags.
const (
	stateMagic   = "AGORASTA"
	stateVersion = 3

	secMeta          = 1
	secAudit         = 2
	secCatalog       = 3
	secParticipants  = 4
	secMarkets       = 5
	secOutside       = 6
	secSubscriptions = 7
	secTenders       = 8
	secSigning       = 9
	secPools         = 10
	secEnd           = 11

	stateHeaderSize = len(stateMagic) + 2
	// ChainSize is the size of an audit chain head: a SHA-256 hash.
	ChainSize = sha256.Size
)

var stateCRC = crc32.MakeTable(crc32.Castagnoli)

// AppendState appends the complete state of the engine after command seq
// to dst, in the versioned binary format described in the package's state
// encoding notes (see RestoreState): sequence number, catalog,
// participants, markets with their resting orders, counters, subscriptions
// and tenders. chain, if not nil, is the audit chain head at seq, stored in
// its own section. Equal states give equal bytes, so two engines can be
// compared by their encodings. It reads every part of the state (it is of
// ScopeAll). Cost: O(participants + orders + subscriptions + bids); it
// allocates only to grow dst (nil dst: one allocation sized for the state).
func (e *Engine) AppendState(dst []byte, seq uint64, chain *[ChainSize]byte) []byte {
	list := e.markets.list
	if dst == nil {
		n := 1 << 12
		for _, m := range list {
			n += 48 * m.book.Len()
		}
		dst = make([]byte, 0, n)
	}
	start := len(dst)
	dst = append(dst, stateMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, stateVersion)

	var sec section
	sec.begin(&dst, secMeta)
	dst = binary.AppendUvarint(dst, seq)
	dst = append(dst, byte(e.cfg.DefaultSTP))
	sec.end(&dst)

	if chain != nil {
		sec.begin(&dst, secAudit)
		dst = append(dst, chain[:]...)
		sec.end(&dst)
	}

	sec.begin(&dst, secCatalog)
	dst = appendCatalog(dst, e.cat)
	sec.end(&dst)

	sec.begin(&dst, secParticipants)
	dst = binary.AppendUvarint(dst, uint64(e.registry.parts.Len()))
	for p := range e.registry.parts.All() {
		dst = appendString(dst, p.Name)
		dst = appendString(dst, p.INN)
		dst = appendString(dst, p.KPP)
		dst = append(dst, byte(p.Status), p.Rating)
	}
	sec.end(&dst)

	sec.begin(&dst, secMarkets)
	dst = binary.AppendUvarint(dst, uint64(len(list)))
	for _, m := range list {
		dst = m.appendState(dst)
	}
	sec.end(&dst)

	sec.begin(&dst, secOutside)
	dst = e.outside.appendState(dst)
	sec.end(&dst)

	sec.begin(&dst, secSubscriptions)
	dst = e.subs.appendState(dst)
	sec.end(&dst)

	sec.begin(&dst, secTenders)
	dst = e.tenders.appendState(dst)
	sec.end(&dst)

	if !e.signingEmpty() {
		sec.begin(&dst, secSigning)
		dst = e.appendSigning(dst)
		sec.end(&dst)
	}

	if len(e.pools) != 0 {
		sec.begin(&dst, secPools)
		dst = e.appendPools(dst)
		sec.end(&dst)
	}

	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], stateCRC))
}

// section frames one section. The body is written after a provisional
// one-byte length, which end widens if needed.
type section struct{ tagAt, bodyAt int }

func (s *section) begin(dst *[]byte, tag byte) {
	s.tagAt = len(*dst)
	*dst = append(*dst, tag, 0)
	s.bodyAt = len(*dst)
}

func (s *section) end(dst *[]byte) {
	b := *dst
	n := uint64(len(b) - s.bodyAt)
	var lb [binary.MaxVarintLen64]byte
	ln := binary.PutUvarint(lb[:], n)
	if ln > 1 {
		b = append(b, lb[:ln-1]...) // room for the wider length
		copy(b[s.bodyAt+ln-1:], b[s.bodyAt:len(b)-(ln-1)])
	}
	copy(b[s.tagAt+1:], lb[:ln])
	*dst = b
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func appendCatalog(dst []byte, c *catalog.Catalog) []byte {
	dst = binary.AppendUvarint(dst, uint64(c.Taxonomy.Len()))
	for cat := range c.Taxonomy.All() {
		dst = appendString(dst, cat.Code)
		dst = appendString(dst, cat.Name)
		dst = appendString(dst, cat.Unit)
		dst = binary.AppendVarint(dst, int64(cat.Tick))
		dst = binary.AppendVarint(dst, int64(cat.Lot))
	}
	dst = binary.AppendUvarint(dst, uint64(c.Bases.Len()))
	for b := range c.Bases.All() {
		dst = appendString(dst, b.Code)
		dst = appendString(dst, b.Name)
	}
	return dst
}

func (m *Market) appendState(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(m.key.Category))
	dst = binary.AppendUvarint(dst, uint64(m.key.Basis))
	dst = binary.AppendUvarint(dst, m.nextLocal)
	dst = append(dst, byte(m.book.Mode()))
	dst = binary.AppendVarint(dst, m.book.Now())
	var counts [2]int
	for i, side := range [2]wire.Side{wire.Buy, wire.Sell} {
		for range m.book.Orders(side) {
			counts[i]++
		}
		dst = binary.AppendUvarint(dst, uint64(counts[i]))
	}
	for _, side := range [2]wire.Side{wire.Buy, wire.Sell} {
		for o := range m.book.Orders(side) {
			dst = binary.AppendUvarint(dst, uint64(o.ID)&localMask)
			dst = binary.AppendUvarint(dst, uint64(o.Owner))
			dst = append(dst, byte(o.TIF), byte(o.STP))
			dst = binary.AppendVarint(dst, int64(o.Price))
			dst = binary.AppendVarint(dst, int64(o.Qty))
			dst = binary.AppendVarint(dst, int64(o.MinQty))
			dst = binary.AppendVarint(dst, int64(o.Original))
			dst = binary.AppendVarint(dst, int64(o.Filled))
			dst = binary.AppendVarint(dst, int64(o.Cancelled))
			dst = binary.AppendVarint(dst, o.ExpireAt)
			dst = binary.AppendUvarint(dst, o.Tag)
		}
	}
	return m.counters.appendState(dst)
}

func appendCounters(dst []byte, c *Counters) []byte {
	for _, v := range [...]uint64{c.Postings, c.Cancels, c.Amends, c.Tenders, c.Bids, c.Other, c.Reports, c.Fills, c.Notifications} {
		dst = binary.AppendUvarint(dst, v)
	}
	return dst
}

func (s *counterSet) appendState(dst []byte) []byte {
	dst = appendCounters(dst, &s.total)
	ids := s.ids()
	dst = binary.AppendUvarint(dst, uint64(len(ids)))
	for _, p := range ids {
		dst = binary.AppendUvarint(dst, uint64(p))
		dst = appendCounters(dst, s.get(p))
	}
	return dst
}

func (s *subscriptions) appendState(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s.list)))
	for i := range s.list {
		sub := &s.list[i]
		dst = binary.AppendUvarint(dst, uint64(sub.Owner))
		if sub.Owner == 0 {
			continue // removed
		}
		dst = binary.AppendUvarint(dst, uint64(sub.Category))
		dst = binary.AppendUvarint(dst, uint64(len(sub.Bases)))
		for _, b := range sub.Bases {
			dst = binary.AppendUvarint(dst, uint64(b))
		}
		dst = binary.AppendVarint(dst, int64(sub.MinQty))
		dst = binary.AppendVarint(dst, int64(sub.MaxQty))
	}
	return dst
}

func (ts *tenders) appendState(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ts.list)))
	for _, t := range ts.list {
		in := &t.info
		dst = binary.AppendUvarint(dst, uint64(in.Buyer))
		dst = binary.AppendUvarint(dst, uint64(in.Category))
		dst = binary.AppendUvarint(dst, uint64(in.Basis))
		dst = binary.AppendVarint(dst, int64(in.Qty))
		dst = binary.AppendVarint(dst, int64(in.Reserve))
		dst = binary.AppendVarint(dst, in.OpenAt)
		dst = binary.AppendVarint(dst, in.CloseAt)
		dst = append(dst, byte(in.Mode), byte(in.Evaluation), byte(in.State))
		dst = binary.AppendVarint(dst, int64(in.Decrement))
		dst = binary.AppendVarint(dst, in.Extension)
		for _, w := range [...]uint16{in.WeightPrice, in.WeightLeadTime, in.WeightRating, in.MinWinners, in.MaxWinners} {
			dst = binary.AppendUvarint(dst, uint64(w))
		}
		dst = appendBool(dst, in.SubscribersOnly)
		dst = binary.AppendVarint(dst, int64(in.Best))
		dst = binary.AppendVarint(dst, int64(in.Awarded))
		dst = binary.AppendUvarint(dst, uint64(in.Winners))
		dst = binary.AppendVarint(dst, int64(t.lot))
		dst = binary.AppendVarint(dst, int64(t.share))
		dst = binary.AppendVarint(dst, t.clock)
		dst = binary.AppendUvarint(dst, uint64(len(t.bids)))
		for i := range t.bids {
			b := &t.bids[i]
			dst = binary.AppendUvarint(dst, uint64(b.bidder))
			dst = binary.AppendVarint(dst, int64(b.price))
			dst = binary.AppendVarint(dst, int64(b.qty))
			dst = binary.AppendVarint(dst, b.lead)
			dst = binary.AppendUvarint(dst, b.seq)
			dst = append(dst, b.rating)
			dst = binary.AppendUvarint(dst, uint64(b.score))
			dst = binary.AppendUvarint(dst, uint64(b.rank))
			dst = binary.AppendVarint(dst, int64(b.award))
		}
	}
	return dst
}

// stateSections checks the envelope of b and returns its sections by tag.
func stateSections(b []byte) ([secEnd][]byte, error) {
	var secs [secEnd][]byte
	if len(b) < stateHeaderSize+4 || string(b[:len(stateMagic)]) != stateMagic {
		return secs, fmt.Errorf("%w: not an Agora state (bad magic)", ErrBadState)
	}
	v := binary.LittleEndian.Uint16(b[len(stateMagic):])
	if v < 1 || v > stateVersion {
		return secs, fmt.Errorf("%w: unsupported version %d", ErrBadState, v)
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, stateCRC) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return secs, fmt.Errorf("%w: checksum mismatch", ErrBadState)
	}
	r := stateReader{b: body[stateHeaderSize:]}
	last := 0
	for len(r.b) > 0 && r.err == nil {
		off := len(body) - len(r.b)
		tag := int(r.u8())
		n := r.uvarint()
		if r.err == nil && (tag <= last || tag >= secEnd) {
			return secs, fmt.Errorf("%w: section tag %d at offset %d out of order or unknown", ErrBadState, tag, off)
		}
		if r.err == nil && n > uint64(len(r.b)) {
			return secs, fmt.Errorf("%w: section %d at offset %d overruns the state", ErrBadState, tag, off)
		}
		if r.err != nil {
			break
		}
		secs[tag] = r.b[:n:n]
		r.b = r.b[n:]
		last = tag
	}
	if r.err != nil {
		return secs, fmt.Errorf("%w: section framing: %w", ErrBadState, r.err)
	}
	if secs[secMeta] == nil {
		return secs, fmt.Errorf("%w: no meta section", ErrBadState)
	}
	if v == 1 && secs[secSigning] != nil {
		return secs, fmt.Errorf("%w: a version 1 state has no signing section", ErrBadState)
	}
	if v < 3 && secs[secPools] != nil {
		return secs, fmt.Errorf("%w: a version %d state has no pools section", ErrBadState, v)
	}
	return secs, nil
}

// RestoreState returns a new engine holding the state that AppendState
// encoded in b, with the sequence number it was taken after and its audit
// chain head (nil if b has none). It is how recovery, replicas and tests
// load a state.
//
// Zero fields of cfg take the state's values: a nil Catalog means the
// catalog stored in b (a state is self-contained), STPDefault means the
// stored default. A non-zero field must equal the stored one, otherwise the
// error wraps ErrConfigMismatch: the same commands would not produce the
// same events under a different catalog or default.
//
// Every value is checked as it is restored (each resting order as by
// orderbook.Book.Restore, IDs, references between sections), so the
// result passes CheckInvariants. Errors: ErrInvalidConfig, ErrBadState
// (wrapping the cause: bad magic, version, checksum, framing, or a value no
// valid engine could hold), ErrConfigMismatch. It never panics, whatever b
// holds. Cost: O(len(b)) plus O(log L) per resting order.
func RestoreState(cfg Config, b []byte) (e *Engine, seq uint64, chain *[ChainSize]byte, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, 0, nil, err
	}
	secs, err := stateSections(b)
	if err != nil {
		return nil, 0, nil, err
	}
	fail := func(what string, r *stateReader, e error) error {
		if e == nil {
			e = r.err
		}
		if e == nil && len(r.b) != 0 {
			e = fmt.Errorf("%d trailing bytes", len(r.b))
		}
		if e == nil {
			return nil
		}
		if errors.Is(e, ErrBadState) || errors.Is(e, ErrConfigMismatch) {
			return fmt.Errorf("%s: %w", what, e)
		}
		return fmt.Errorf("%w: %s: %w", ErrBadState, what, e)
	}

	r := stateReader{b: secs[secMeta]}
	seq = r.uvarint()
	stp := wire.STP(r.u8())
	if err := fail("meta", &r, nil); err != nil {
		return nil, 0, nil, err
	}
	if stp == wire.STPDefault || stp > wire.STPCancelBoth {
		return nil, 0, nil, fmt.Errorf("%w: meta: default STP %d", ErrBadState, stp)
	}
	switch {
	case cfg.DefaultSTP == wire.STPDefault:
		cfg.DefaultSTP = stp
	case cfg.DefaultSTP != stp:
		return nil, 0, nil, fmt.Errorf("%w: DefaultSTP %v, state has %v", ErrConfigMismatch, cfg.DefaultSTP, stp)
	}
	if a := secs[secAudit]; a != nil {
		if len(a) != ChainSize {
			return nil, 0, nil, fmt.Errorf("%w: audit section of %d bytes", ErrBadState, len(a))
		}
		chain = new([ChainSize]byte)
		copy(chain[:], a)
	}

	if c := secs[secCatalog]; c != nil {
		if cfg.Catalog == nil {
			r = stateReader{b: c}
			cat, err := decodeCatalog(&r)
			if err := fail("catalog", &r, err); err != nil {
				return nil, 0, nil, err
			}
			cfg.Catalog = cat
		} else if !slicesEqual(appendCatalog(nil, cfg.Catalog), c) {
			return nil, 0, nil, fmt.Errorf("%w: the configured catalog differs from the state's", ErrConfigMismatch)
		}
	}
	e, err = New(cfg)
	if err != nil {
		return nil, 0, nil, err
	}

	steps := []struct {
		tag  int
		name string
		fn   func(*stateReader) error
	}{
		{secParticipants, "participants", e.restoreParticipants},
		{secMarkets, "markets", e.restoreMarkets},
		{secOutside, "outside counters", e.outside.restore},
		{secSubscriptions, "subscriptions", e.restoreSubscriptions},
		{secTenders, "tenders", e.restoreTenders},
		{secSigning, "signing", e.restoreSigning},
		{secPools, "pools", e.restorePools},
	}
	for _, s := range steps {
		if secs[s.tag] == nil {
			continue
		}
		r = stateReader{b: secs[s.tag]}
		if err := fail(s.name, &r, s.fn(&r)); err != nil {
			return nil, 0, nil, err
		}
	}
	for _, m := range e.markets.list {
		if m.pool != nil && !e.poolsRestored {
			return nil, 0, nil, fmt.Errorf("%w: pool %v without its pools section", ErrBadState, m.key)
		}
	}
	// The procurement sections refer to each other and to the registry:
	// hold them to the same invariants as a running engine.
	if err := e.checkProcurement(); err != nil {
		return nil, 0, nil, fmt.Errorf("%w: %w", ErrBadState, err)
	}
	return e, seq, chain, nil
}

func slicesEqual(a, b []byte) bool { return string(a) == string(b) }

func decodeCatalog(r *stateReader) (*catalog.Catalog, error) {
	tax := catalog.NewTaxonomy()
	n := r.count(5)
	for range n {
		code, name, unit := r.str(), r.str(), r.str()
		tick, lot := r.varint(), r.varint()
		if r.err != nil {
			return nil, r.err
		}
		if _, err := tax.Add(code, name, unit, catalog.Price(tick), catalog.Qty(lot)); err != nil {
			return nil, err
		}
	}
	bases := catalog.NewBases()
	n = r.count(2)
	for range n {
		code, name := r.str(), r.str()
		if r.err != nil {
			return nil, r.err
		}
		if _, err := bases.Add(code, name); err != nil {
			return nil, err
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	c := &catalog.Catalog{Taxonomy: tax, Bases: bases}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func (e *Engine) restoreParticipants(r *stateReader) error {
	n := r.count(5)
	for i := range n {
		name, inn, kpp := r.str(), r.str(), r.str()
		st, rating := catalog.Status(r.u8()), r.u8()
		if r.err != nil {
			return r.err
		}
		id, err := e.registry.parts.Register(name, inn, kpp)
		if err != nil {
			return fmt.Errorf("participant %d: %w", i+1, err)
		}
		if id != catalog.ParticipantID(i+1) {
			return fmt.Errorf("participant %d registered as %d", i+1, id)
		}
		switch st {
		case catalog.StatusPending:
		case catalog.StatusVerified, catalog.StatusSuspended:
			err = e.registry.parts.SetStatus(id, st)
		default:
			err = fmt.Errorf("status %d", st)
		}
		if err == nil {
			err = e.registry.parts.SetRating(id, rating)
		}
		if err != nil {
			return fmt.Errorf("participant %d: %w", id, err)
		}
	}
	e.registry.registered = uint32(e.registry.parts.Len())
	return nil
}

func (e *Engine) restoreMarkets(r *stateReader) error {
	n := r.count(8)
	if n > 0 && e.ids.global(uint64(n)) > MaxMarkets {
		return fmt.Errorf("%d markets", n)
	}
	for i := range n {
		key := wire.MarketKey{Category: catalog.CategoryID(r.uvarint32()), Basis: catalog.BasisID(r.uvarint32())}
		nextLocal := r.uvarint()
		mode := orderbook.Mode(r.u8())
		now := r.varint()
		if r.err != nil {
			return r.err
		}
		if e.markets.byKey[key] != nil {
			return fmt.Errorf("market %d: %v opened twice", i+1, key)
		}
		if key.Basis == 0 {
			// A clearing pool: its orders are in the pools section.
			if err := e.restorePoolMarket(r, i, key, nextLocal, mode, now); err != nil {
				return err
			}
			continue
		}
		cat, rr := e.tradable(key.Category)
		if rr != wire.ReasonNone {
			return fmt.Errorf("market %d: category %d: %v", i+1, key.Category, rr)
		}
		if _, ok := e.cat.Bases.ByID(key.Basis); !ok {
			return fmt.Errorf("market %d: unknown basis %d", i+1, key.Basis)
		}
		if e.poolOf(key.Category) != nil {
			return fmt.Errorf("market %d: %v inside a pool", i+1, key)
		}
		if nextLocal >= localMask || now < 0 {
			return fmt.Errorf("market %d: order number %d, clock %d", i+1, nextLocal, now)
		}
		var counts [2]int
		counts[0] = r.count(12)
		counts[1] = r.count(12)
		if r.err != nil {
			return r.err
		}
		if counts[0]+counts[1] > len(r.b)/12 {
			return fmt.Errorf("market %d: %d orders in %d bytes", i+1, counts[0]+counts[1], len(r.b))
		}
		m, err := e.openMarket(key, cat, counts[0]+counts[1])
		if err != nil {
			return err
		}
		m.nextLocal = nextLocal
		m.book.Expire(now, nil) // the book is empty: this only sets its clock
		if mode != orderbook.Continuous {
			if _, err := m.book.SetMode(mode, now, nil); err != nil {
				return fmt.Errorf("market %d: mode %d: %w", i+1, mode, err)
			}
		}
		for si, side := range [2]wire.Side{wire.Buy, wire.Sell} {
			for range counts[si] {
				o := OrderInfo{Side: side}
				local := r.uvarint()
				o.Owner = catalog.ParticipantID(r.uvarint32())
				o.TIF, o.STP = wire.TimeInForce(r.u8()), wire.STP(r.u8())
				o.Price = catalog.Price(r.varint())
				o.Qty, o.MinQty = catalog.Qty(r.varint()), catalog.Qty(r.varint())
				o.Original, o.Filled, o.Cancelled = catalog.Qty(r.varint()), catalog.Qty(r.varint()), catalog.Qty(r.varint())
				o.ExpireAt = r.varint()
				o.Tag = r.uvarint()
				if r.err != nil {
					return r.err
				}
				if local == 0 || local > nextLocal {
					return fmt.Errorf("market %d: order number %d beyond %d", i+1, local, nextLocal)
				}
				if _, ok := e.registry.parts.Status(o.Owner); !ok {
					return fmt.Errorf("market %d: order %d of unknown participant %d", i+1, local, o.Owner)
				}
				o.ID = wire.OrderID(m.index<<marketShift | local)
				if err := m.book.Restore(o); err != nil {
					return fmt.Errorf("market %d: order %d: %w", i+1, o.ID, err)
				}
				if o.Tag != 0 {
					ck := clientKey{owner: o.Owner, id: o.Tag}
					if _, dup := m.clientIDs[ck]; dup {
						return fmt.Errorf("market %d: client order ID %d of participant %d used twice", i+1, o.Tag, o.Owner)
					}
					m.clientIDs[ck] = struct{}{}
				}
			}
		}
		if err := m.counters.restore(r); err != nil {
			return fmt.Errorf("market %d counters: %w", i+1, err)
		}
	}
	return nil
}

func decodeCounters(r *stateReader, c *Counters) {
	for _, v := range [...]*uint64{&c.Postings, &c.Cancels, &c.Amends, &c.Tenders, &c.Bids, &c.Other, &c.Reports, &c.Fills, &c.Notifications} {
		*v = r.uvarint()
	}
}

func (s *counterSet) restore(r *stateReader) error {
	decodeCounters(r, &s.total)
	n := r.count(10)
	var last catalog.ParticipantID
	for i := range n {
		p := catalog.ParticipantID(r.uvarint32())
		if r.err == nil && i > 0 && p <= last {
			return fmt.Errorf("participant %d out of order", p)
		}
		if r.err == nil && !s.tracked(p) {
			return fmt.Errorf("counters of participant %d, not registered", p)
		}
		last = p
		decodeCounters(r, s.of(p))
	}
	return r.err
}

func (e *Engine) restoreSubscriptions(r *stateReader) error {
	n := r.count(1)
	for i := range n {
		id := wire.SubscriptionID(i + 1)
		owner := catalog.ParticipantID(r.uvarint32())
		if r.err != nil {
			return r.err
		}
		if owner == 0 {
			e.subs.list = append(e.subs.list, Subscription{}) // removed; its ID is never reused
			continue
		}
		sub := Subscription{Owner: owner, Category: catalog.CategoryID(r.uvarint32())}
		nb := r.count(1)
		if nb > wire.MaxFilterBases {
			return fmt.Errorf("subscription %d: %d bases", id, nb)
		}
		for range nb {
			sub.Bases = append(sub.Bases, catalog.BasisID(r.uvarint32()))
		}
		sub.MinQty, sub.MaxQty = catalog.Qty(r.varint()), catalog.Qty(r.varint())
		if r.err != nil {
			return r.err
		}
		if !e.known(owner) {
			return fmt.Errorf("subscription %d: unknown participant %d", id, owner)
		}
		if _, ok := e.cat.Taxonomy.ByID(sub.Category); !ok {
			return fmt.Errorf("subscription %d: unknown category %d", id, sub.Category)
		}
		for j, b := range sub.Bases {
			if _, ok := e.cat.Bases.ByID(b); !ok || (j > 0 && b <= sub.Bases[j-1]) {
				return fmt.Errorf("subscription %d: bases %v", id, sub.Bases)
			}
		}
		if sub.MinQty < 0 || sub.MaxQty < 0 || (sub.MaxQty != 0 && sub.MaxQty < sub.MinQty) {
			return fmt.Errorf("subscription %d: quantity filter [%d, %d]", id, sub.MinQty, sub.MaxQty)
		}
		if got := e.subs.add(sub); got != id {
			return fmt.Errorf("subscription %d stored as %d", id, got)
		}
	}
	return nil
}

func (e *Engine) restoreTenders(r *stateReader) error {
	n := r.count(20)
	for i := range n {
		t := &tender{byBidder: map[catalog.ParticipantID]int{}}
		in := &t.info
		in.ID = wire.TenderID(e.ids.global(uint64(i) + 1))
		in.Buyer = catalog.ParticipantID(r.uvarint32())
		in.Category, in.Basis = catalog.CategoryID(r.uvarint32()), catalog.BasisID(r.uvarint32())
		in.Qty, in.Reserve = catalog.Qty(r.varint()), catalog.Price(r.varint())
		in.OpenAt, in.CloseAt = r.varint(), r.varint()
		in.Mode, in.Evaluation, in.State = wire.TenderMode(r.u8()), wire.Evaluation(r.u8()), TenderState(r.u8())
		in.Decrement, in.Extension = catalog.Price(r.varint()), r.varint()
		for _, w := range [...]*uint16{&in.WeightPrice, &in.WeightLeadTime, &in.WeightRating, &in.MinWinners, &in.MaxWinners} {
			*w = r.uvarint16()
		}
		in.SubscribersOnly = r.bool()
		in.Best, in.Awarded = catalog.Price(r.varint()), catalog.Qty(r.varint())
		in.Winners = int(r.uvarint32())
		t.lot, t.share, t.clock = catalog.Qty(r.varint()), catalog.Qty(r.varint()), r.varint()
		nb := r.count(9)
		if r.err != nil {
			return r.err
		}
		if !e.known(in.Buyer) {
			return fmt.Errorf("tender %d: unknown buyer %d", in.ID, in.Buyer)
		}
		cat, rr := e.tradable(in.Category)
		if _, ok := e.cat.Bases.ByID(in.Basis); !ok || rr != wire.ReasonNone {
			return fmt.Errorf("tender %d: market %d/%d", in.ID, in.Category, in.Basis)
		}
		switch {
		case in.Qty <= 0 || t.lot != cat.Lot || t.share <= 0 || t.share > in.Qty || in.Reserve < 0:
			return fmt.Errorf("tender %d: quantity %d, lot %d, share %d, reserve %d", in.ID, in.Qty, t.lot, t.share, in.Reserve)
		case in.Mode < wire.TenderSealed || in.Mode > wire.TenderAuction || in.Evaluation < wire.EvalLowestPrice || in.Evaluation > wire.EvalWeighted ||
			in.State < TenderOpen || in.State > TenderCancelled:
			return fmt.Errorf("tender %d: mode %d, evaluation %d, state %d", in.ID, in.Mode, in.Evaluation, in.State)
		case in.Mode == wire.TenderAuction && in.Decrement <= 0:
			return fmt.Errorf("tender %d: decrement %d", in.ID, in.Decrement)
		}
		for j := range nb {
			b := tenderBid{bidder: catalog.ParticipantID(r.uvarint32())}
			b.price, b.qty, b.lead = catalog.Price(r.varint()), catalog.Qty(r.varint()), r.varint()
			b.seq, b.rating = r.uvarint(), r.u8()
			b.score, b.rank = r.uvarint32(), r.uvarint32()
			b.award = catalog.Qty(r.varint())
			if r.err != nil {
				return r.err
			}
			if _, dup := t.byBidder[b.bidder]; dup || !e.known(b.bidder) {
				return fmt.Errorf("tender %d: bidder %d unknown or twice", in.ID, b.bidder)
			}
			if b.price <= 0 || b.qty <= 0 || b.lead <= 0 || b.award < 0 || b.rating > catalog.MaxRating {
				return fmt.Errorf("tender %d: bid of %d: price %d, quantity %d, lead time %d", in.ID, b.bidder, b.price, b.qty, b.lead)
			}
			t.byBidder[b.bidder] = j
			t.bids = append(t.bids, b)
		}
		in.Bidders = len(t.bids)
		e.tenders.list = append(e.tenders.list, t)
	}
	return nil
}

// stateReader decodes a state section. The first error sticks; every read
// after it returns zero values, so decoding never panics.
type stateReader struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (r *stateReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *stateReader) u8() uint8 {
	if len(r.b) < 1 {
		r.fail(errShort)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *stateReader) bool() bool {
	switch r.u8() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail(errors.New("bad boolean"))
	return false
}

func (r *stateReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errors.New("bad uvarint"))
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *stateReader) uvarint32() uint32 {
	v := r.uvarint()
	if v > 1<<32-1 {
		r.fail(fmt.Errorf("value %d out of range", v))
		return 0
	}
	return uint32(v)
}

func (r *stateReader) uvarint16() uint16 {
	v := r.uvarint()
	if v > 1<<16-1 {
		r.fail(fmt.Errorf("value %d out of range", v))
		return 0
	}
	return uint16(v)
}

func (r *stateReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errors.New("bad varint"))
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *stateReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail(errShort)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// count reads an item count and checks it against the bytes left, at
// least min bytes per item, so a corrupt count cannot make the decoder
// allocate or loop without bound.
func (r *stateReader) count(min int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)/min) {
		r.fail(fmt.Errorf("count %d exceeds the %d bytes left", n, len(r.b)))
	}
	if r.err != nil {
		return 0
	}
	return int(n)
}
