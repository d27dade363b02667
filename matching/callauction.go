package matching

import (
	"errors"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
)

// MarketMode is how a market trades. The zero value is invalid.
type MarketMode = orderbook.Mode

const (
	// MarketContinuous: incoming orders match at once (every market starts
	// so).
	MarketContinuous = orderbook.Continuous
	// MarketCall: orders accumulate without matching until CmdUncross
	// clears them at one uniform price; IOC, FOK and market orders are
	// cancelled.
	MarketCall = orderbook.Call
)

// Uncross describes a uniform-price clearing of a market (see
// orderbook.Uncross).
type Uncross = orderbook.Uncross

// lockMarket returns the market of key locked, with a new sequence number,
// opening the market first if it has not opened yet (under adminMu, so
// markets open in sequence order). If the key names no tradable market, it
// rejects the command instead and returns a nil market.
func (x *Exchange) lockMarket(cmd *Command, dst []Event) (*market, uint64, []Event, error) {
	if m := x.table.Load().byKey[cmd.Key()]; m != nil {
		m.mu.Lock()
		return m, x.seq.Add(1), dst, nil
	}
	x.adminMu.Lock()
	m := x.table.Load().byKey[cmd.Key()]
	if m == nil {
		cat, r := x.tradable(cmd.Category)
		if r == ReasonNone {
			if _, ok := x.cat.Bases.ByID(cmd.Basis); !ok {
				r = ReasonUnknownBasis
			}
		}
		if r == ReasonNone && len(x.table.Load().list) >= maxMarkets {
			r = ReasonCapacity
		}
		if r != ReasonNone {
			dst, err := x.rejectOutside(cmd, r, dst)
			x.adminMu.Unlock()
			return nil, 0, dst, err
		}
		m = x.openMarket(cmd.Key(), cat)
	}
	m.mu.Lock()
	seq := x.seq.Add(1)
	x.adminMu.Unlock()
	return m, seq, dst, nil
}

// setMarketMode handles CmdSetMarketMode under the market's lock.
func (x *Exchange) setMarketMode(cmd *Command, dst []Event) ([]Event, error) {
	if cmd.MarketMode != MarketContinuous && cmd.MarketMode != MarketCall {
		return x.reject(cmd, ReasonInvalidMode, dst)
	}
	m, seq, dst, err := x.lockMarket(cmd, dst)
	if m == nil {
		return dst, err
	}
	defer m.mu.Unlock()
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	m.scratch, err = m.book.SetMode(cmd.MarketMode, cmd.Time, m.scratch[:0])
	now := m.book.Now()                                 // the effective time: the book's clock never goes back
	dst = m.translate(seq, now, cmd, 0, m.scratch, dst) // expiries
	r := ReasonNone
	switch {
	case err == nil:
		dst = append(dst, Event{
			Seq: seq, Time: now, Kind: EventMarketMode, Command: cmd.Kind,
			Category: m.key.Category, Basis: m.key.Basis, MarketMode: cmd.MarketMode,
		})
	case errors.Is(err, orderbook.ErrCrossed):
		r = ReasonCrossed
	default:
		r = ReasonInvalidMode // unreachable: checked above
	}
	if r != ReasonNone {
		dst = append(dst, rejected(seq, now, cmd, r))
	}
	m.counters.out(dst[start:])
	return dst, r.Err()
}

// uncross handles CmdUncross under the market's lock.
func (x *Exchange) uncross(cmd *Command, dst []Event) ([]Event, error) {
	if cmd.RefPrice <= 0 {
		return x.reject(cmd, ReasonInvalidPrice, dst)
	}
	m, seq, dst, err := x.lockMarket(cmd, dst)
	if m == nil {
		return dst, err
	}
	defer m.mu.Unlock()
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	var u Uncross
	m.scratch, u, err = m.book.Uncross(cmd.RefPrice, cmd.Time, m.scratch[:0])
	if err != nil {
		// Unreachable: the reference price was checked above.
		dst = append(dst, rejected(seq, m.book.Now(), cmd, ReasonInvalidPrice))
		m.counters.out(dst[start:])
		return dst, ErrInvalidPrice
	}
	now := m.book.Now() // the effective time: the book's clock never goes back
	dst = m.translate(seq, now, cmd, 0, m.scratch, dst)
	dst = append(dst, Event{
		Seq: seq, Time: now, Kind: EventUncrossed, Command: cmd.Kind,
		Category: m.key.Category, Basis: m.key.Basis, MarketMode: m.book.Mode(),
		Price: u.Price, Qty: u.Volume - u.SelfTrade, Remaining: u.SelfTrade,
		Imbalance: u.Imbalance, BestPrice: cmd.RefPrice,
	})
	m.counters.out(dst[start:])
	return dst, nil
}

// Indicative returns the uniform price and volume at which market key would
// clear now with reference price ref (see orderbook.Book.Indicative: the
// largest volume, then the smallest imbalance, then the price closest to
// ref, then the lower price). ok is false when nothing would trade or the
// market has never opened. It changes nothing. Cost: O(log L + C) in the C
// crossed price levels, under the market lock.
func (x *Exchange) Indicative(key MarketKey, ref catalog.Price) (u Uncross, ok bool) {
	m := x.table.Load().byKey[key]
	if m == nil {
		return Uncross{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.book.Indicative(ref)
}

// Mode returns the trading mode of market key; a market that has not
// opened yet is MarketContinuous. O(1) plus the market lock.
func (x *Exchange) Mode(key MarketKey) MarketMode {
	m := x.table.Load().byKey[key]
	if m == nil {
		return MarketContinuous
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.book.Mode()
}
