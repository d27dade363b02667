package engine

import (
	"errors"
	"fmt"
	"math"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/wire"
)

// Config configures an Engine. Zero fields mean the defaults.
type Config struct {
	// Catalog is the taxonomy and the delivery bases the engine trades on.
	// Nil means catalog.Sample(). The engine does not copy it: the caller
	// must not change it afterwards.
	Catalog *catalog.Catalog
	// DefaultSTP is the self-trade prevention policy for orders that leave
	// STP at STPDefault. Zero means STPCancelIncoming.
	DefaultSTP wire.STP
	// MaxOrdersPerMarket bounds the orders resting in one market's book;
	// an order that would rest beyond it is refused with ReasonCapacity
	// (IOC, FOK and market orders still trade). Zero means the book's
	// limit, 2^31-1. It is not part of the state: restore a state under
	// the value it was made with.
	MaxOrdersPerMarket int
	// Shards and Shard place the engine in a cluster whose markets are
	// sharded: it applies the commands of shard Shard (0-based) of Shards.
	// Its k-th market gets index (k-1)*Shards + Shard + 1 and its k-th
	// tender ID (k-1)*Shards + Shard + 1, so no two shards issue the same
	// order or tender ID and each ID names its shard (see ShardOfOrder and
	// ShardOfTender). Zero Shards means 1, an unsharded engine, whose
	// indexes and IDs are 1, 2, 3, ... and whose state bytes are those of
	// an engine without these fields. The state (AppendState) does not
	// record them: RestoreState must be given the same values.
	Shards uint32
	Shard  uint32
	// Grades and Transport are the grade scales and the transport table
	// that clearing pools read (see CmdOpenPool); nil means no scales and
	// delivery only within a basis. They must belong to Catalog's taxonomy
	// and bases, and must not change afterwards. Like Catalog's content
	// they are not part of the state: restore under the same values.
	Grades    *catalog.Grades
	Transport *catalog.Transport
	// PoolRoots are the categories on which a clearing pool may open
	// (CmdOpenPool of another root is refused with ReasonPoolConflict).
	// Empty means any category in an unsharded engine and none in a
	// sharded one: a cluster sends every market command of a pool root's
	// subtree to the pool's shard (PoolRootOf; cluster.Config.Route), so
	// its engines must be given the same roots for the cluster's life. No
	// root may lie in another's subtree. Like Catalog's content they are
	// not part of the state.
	PoolRoots []catalog.CategoryID
}

// Validate reports whether the config is usable; errors wrap
// ErrInvalidConfig.
func (c Config) Validate() error {
	if c.MaxOrdersPerMarket < 0 || c.MaxOrdersPerMarket > math.MaxInt32 {
		return fmt.Errorf("%w: MaxOrdersPerMarket %d", ErrInvalidConfig, c.MaxOrdersPerMarket)
	}
	if c.DefaultSTP > wire.STPCancelBoth {
		return fmt.Errorf("%w: DefaultSTP %v", ErrInvalidConfig, c.DefaultSTP)
	}
	if c.Shards > MaxShards || c.Shard >= max(c.Shards, 1) {
		return fmt.Errorf("%w: shard %d of %d (at most %d shards)", ErrInvalidConfig, c.Shard, c.Shards, MaxShards)
	}
	cat := c.Catalog
	if cat != nil {
		if cat.Taxonomy == nil || cat.Bases == nil {
			return fmt.Errorf("%w: catalog without taxonomy or bases", ErrInvalidConfig)
		}
		if err := cat.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	if len(c.PoolRoots) > 0 {
		if cat == nil {
			var err error
			if cat, err = catalog.Sample(); err != nil {
				return err
			}
		}
		for i, r := range c.PoolRoots {
			if _, ok := cat.Taxonomy.ByID(r); !ok {
				return fmt.Errorf("%w: pool root %d is no category", ErrInvalidConfig, r)
			}
			for _, o := range c.PoolRoots[:i] {
				if cat.Taxonomy.Covers(o, r) || cat.Taxonomy.Covers(r, o) {
					return fmt.Errorf("%w: pool roots %d and %d overlap", ErrInvalidConfig, o, r)
				}
			}
		}
	}
	return nil
}

// Engine is Agora's deterministic state machine: the catalog, the registry
// of participants, one order book per market, subscriptions, tenders, call
// auctions and message counters. Apply turns one command into its events.
// See the package documentation for the partition of its state.
type Engine struct {
	cfg Config
	cat *catalog.Catalog
	ids idLayout // numbers the markets and the tenders

	registry registry
	markets  markets
	// outside counts the commands that reached no market.
	outside counterSet
	subs    subscriptions
	tenders tenders
	sign    signing // keys.go
	// pools maps the root of each clearing pool to its market (pools.go).
	pools map[catalog.CategoryID]*Market
	// poolsRestored is set by RestoreState once the pools section is read.
	poolsRestored bool
}

// New returns an engine with no participants and no markets; a market
// opens on its first valid order. It returns an error wrapping
// ErrInvalidConfig if cfg is invalid.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Catalog == nil {
		c, err := catalog.Sample()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		cfg.Catalog = c
	}
	if cfg.Shards == 0 {
		cfg.Shards = 1
	}
	if cfg.DefaultSTP == wire.STPDefault {
		cfg.DefaultSTP = wire.STPCancelIncoming
	}
	e := &Engine{cfg: cfg, cat: cfg.Catalog}
	e.ids = newIDLayout(cfg)
	e.tenders.ids = e.ids
	e.registry.init()
	e.markets.init()
	e.outside.known = &e.registry.registered
	e.outside.dense = &byID{}
	return e, nil
}

// Catalog returns the catalog the engine trades on. It must not be changed.
func (e *Engine) Catalog() *catalog.Catalog { return e.cat }

// Config returns the engine's configuration, defaults applied.
func (e *Engine) Config() Config { return e.cfg }

// Apply applies the command numbered seq and appends its events, each
// carrying seq, to dst, which it returns. The engine keeps no reference to
// dst or to cmd.
//
// A refused command appends a single EventRejected (plus any GTD expiries
// that the command's time triggered first), changes nothing else, and
// returns the sentinel error of its reason (see wire.RejectReason.Err); a
// nil error means the command was accepted. No input makes Apply panic.
//
// The engine does not check seq: the caller numbers the commands, and the
// same commands with the same numbers always produce the same events.
//
// Cost: CmdPlace, CmdCancel and CmdAmend cost what the market's book
// operation costs (O(log L) in price levels plus O(1) per fill) and
// allocate nothing when steady, once dst has room. CmdRegister,
// CmdSetStatus, a global CmdExpire, CmdSubscribe, CmdUnsubscribe and
// CmdSetRating cost O(markets) at most, plus O(orders) to cancel the resting
// orders of a suspended participant. A resting order and CmdOpenTender add
// O(depth) subscription-index lookups plus O(n log n) in the n matching
// subscriptions. CmdBid costs O(1) in a sealed tender and O(bids) in an
// auction (the bidder's rank); CmdCloseTender O(bids log bids). CmdUncross
// costs the book's uncross: O(log L + C) in the crossed levels plus O(1)
// per fill. Opening a market costs O(1) amortised.
func (e *Engine) Apply(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	shape := wire.CheckShape(cmd)
	if cmd.Kind == 0 || cmd.Kind > wire.MaxCommandKind {
		return e.rejectOutside(seq, cmd, shape, dst)
	}
	if ScopeOf(cmd) == ScopeMarket {
		if m := e.MarketFor(cmd); m != nil {
			return e.ApplyMarket(m, seq, cmd, dst)
		}
		return e.applyNoMarket(seq, cmd, dst)
	}
	if shape != wire.ReasonNone {
		switch cmd.Kind {
		case wire.CmdBid, wire.CmdCloseTender, wire.CmdCancelTender:
			// The command still advances the clock of the tender it names.
			return e.tenderCommand(seq, cmd, dst, func(_ uint64, dst []wire.Event) ([]wire.Event, wire.RejectReason) {
				if t := e.tenders.get(cmd.Tender); t != nil {
					t.advance(cmd.Time)
				}
				return dst, shape
			})
		}
		return e.rejectOutside(seq, cmd, shape, dst)
	}
	if wire.Binding(cmd.Kind) && (cmd.Signed() || e.sign.mayRequire) {
		// A tender command (the market ones went to ApplyMarket above).
		if r := e.signedTender(cmd); r != wire.ReasonNone {
			return e.tenderCommand(seq, cmd, dst, func(_ uint64, dst []wire.Event) ([]wire.Event, wire.RejectReason) {
				if t := e.tenders.get(cmd.Tender); t != nil && cmd.Kind != wire.CmdOpenTender {
					t.advance(cmd.Time)
				}
				return dst, r
			})
		}
		start := len(dst)
		dst, err := e.applyOutside(seq, cmd, dst)
		markSigned(cmd, dst[start:])
		return dst, err
	}
	return e.applyOutside(seq, cmd, dst)
}

// applyOutside applies a valid-shaped command of ScopeAdmin or ScopeAll.
func (e *Engine) applyOutside(seq uint64, cmd *wire.Command, dst []wire.Event) ([]wire.Event, error) {
	switch cmd.Kind {
	case wire.CmdRegisterKey, wire.CmdConfirmKey, wire.CmdRotateKey, wire.CmdRevokeKey, wire.CmdSetSignPolicy:
		return e.keyCommand(seq, cmd, dst)
	case wire.CmdRegister:
		return e.register(seq, cmd, dst)
	case wire.CmdSetStatus:
		return e.setStatus(seq, cmd, dst)
	case wire.CmdExpire:
		return e.expireAll(seq, cmd, dst)
	case wire.CmdSubscribe:
		return e.subscribe(seq, cmd, dst)
	case wire.CmdUnsubscribe:
		return e.unsubscribe(seq, cmd, dst)
	case wire.CmdListSubscriptions:
		return e.listSubscriptions(seq, cmd, dst)
	case wire.CmdSetRating:
		return e.setRating(seq, cmd, dst)
	case wire.CmdOpenTender:
		return e.openTender(seq, cmd, dst)
	case wire.CmdBid:
		return e.bid(seq, cmd, dst)
	case wire.CmdCloseTender:
		return e.closeTender(seq, cmd, dst)
	case wire.CmdCancelTender:
		return e.cancelTender(seq, cmd, dst)
	}
	return e.rejectOutside(seq, cmd, wire.ReasonInvalidCommand, dst)
}

// rejected returns the EventRejected of cmd for reason r at time now, the
// effective time of the command (see wire.Command.Time).
func rejected(seq uint64, now int64, cmd *wire.Command, r wire.RejectReason) wire.Event {
	return wire.Event{
		Seq: seq, Time: now, Kind: wire.EventRejected, Reject: r, Command: cmd.Kind,
		Participant: cmd.Participant, Category: cmd.Category, Basis: cmd.Basis,
		OrderID: cmd.OrderID, ClientOrderID: cmd.ClientOrderID, Side: cmd.Side,
		Price: cmd.Price, Qty: cmd.Qty, Subscription: cmd.Subscription, Tender: cmd.Tender,
	}
}

// rejectOutside rejects a command that reached no market, counting it in
// the outside counters. It belongs to ScopeAdmin.
func (e *Engine) rejectOutside(seq uint64, cmd *wire.Command, r wire.RejectReason, dst []wire.Event) ([]wire.Event, error) {
	start := len(dst)
	dst = append(dst, rejected(seq, cmd.Time, cmd, r))
	e.outside.in(cmd.Participant, cmd.Kind)
	e.outside.out(dst[start:])
	return dst, r.Err()
}

// countOutside counts a command that no market handles, and its events.
func (e *Engine) countOutside(p catalog.ParticipantID, k wire.CommandKind, evs []wire.Event) {
	e.outside.in(p, k)
	e.outside.out(evs)
}

// tradable maps a category ID to its tradable leaf.
func (e *Engine) tradable(id catalog.CategoryID) (catalog.Category, wire.RejectReason) {
	c, err := e.cat.Taxonomy.Tradable(id)
	switch {
	case err == nil:
		return c, wire.ReasonNone
	case errors.Is(err, catalog.ErrUnknownCategory):
		return c, wire.ReasonUnknownCategory
	}
	return c, wire.ReasonNotLeaf
}
