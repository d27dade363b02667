package engine

import (
	"errors"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
	"github.com/agora-exchange/agora/wire"
)

// Uncross describes a uniform-price clearing of a market (see
// orderbook.Uncross).
type Uncross = orderbook.Uncross

// setMarketMode handles a CmdSetMarketMode with a valid mode on m.
func (e *Engine) setMarketMode(m *Market, seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	var err error
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	m.scratch, err = m.book.SetMode(cmd.MarketMode, cmd.Time, m.scratch[:0])
	now := m.book.Now()                                 // the effective time: the book's clock never goes back
	dst = m.translate(seq, now, cmd, 0, m.scratch, dst) // expiries
	r := wire.ReasonNone
	switch {
	case err == nil:
		dst = append(dst, wire.Event{
			Seq: seq, Time: now, Kind: wire.EventMarketMode, Command: cmd.Kind,
			Category: m.key.Category, Basis: m.key.Basis, MarketMode: cmd.MarketMode,
		})
	case errors.Is(err, orderbook.ErrCrossed):
		r = wire.ReasonCrossed
	default:
		r = wire.ReasonInvalidMode // unreachable: checked above
	}
	if r != wire.ReasonNone {
		dst = append(dst, rejected(seq, now, cmd, r))
	}
	m.counters.out(dst[start:])
	return dst, r.Err()
}

// uncross handles a CmdUncross with a positive reference price on m.
func (e *Engine) uncross(m *Market, seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	var err error
	start := len(dst)
	m.counters.in(cmd.Participant, cmd.Kind)
	var u Uncross
	m.scratch, u, err = m.book.Uncross(cmd.RefPrice, cmd.Time, m.scratch[:0])
	if err != nil {
		// Unreachable: the reference price was checked above.
		dst = append(dst, rejected(seq, m.book.Now(), cmd, wire.ReasonInvalidPrice))
		m.counters.out(dst[start:])
		return dst, wire.ErrInvalidPrice
	}
	now := m.book.Now() // the effective time: the book's clock never goes back
	dst = m.translate(seq, now, cmd, 0, m.scratch, dst)
	dst = append(dst, wire.Event{
		Seq: seq, Time: now, Kind: wire.EventUncrossed, Command: cmd.Kind,
		Category: m.key.Category, Basis: m.key.Basis, MarketMode: m.book.Mode(),
		Price: u.Price, Qty: u.Volume - u.SelfTrade, Remaining: u.SelfTrade,
		Imbalance: u.Imbalance, BestPrice: cmd.RefPrice,
	})
	m.counters.out(dst[start:])
	return dst, nil
}

// Indicative returns the uniform price and volume at which m would clear
// now with reference price ref (see orderbook.Book.Indicative: the largest
// volume, then the smallest imbalance, then the price closest to ref, then
// the lower price). ok is false when nothing would trade. It changes
// nothing. Cost: O(log L + C) in the C crossed price levels.
func (m *Market) Indicative(ref catalog.Price) (u Uncross, ok bool) { return m.book.Indicative(ref) }

// Mode returns m's trading mode. Cost: O(1).
func (m *Market) Mode() wire.MarketMode { return m.book.Mode() }
