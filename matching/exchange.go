package matching

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/internal/feed"
	"github.com/agora-exchange/agora/internal/table"
	"github.com/agora-exchange/agora/wire"
)

// Results of the engine, forwarded so that callers need import only this
// package.
type (
	Counters     = engine.Counters
	Level        = engine.Level
	Onboarding   = engine.Onboarding
	OrderInfo    = engine.OrderInfo
	Subscription = engine.Subscription
	TenderBid    = engine.TenderBid
	TenderInfo   = engine.TenderInfo
	TenderState  = engine.TenderState
	Uncross      = engine.Uncross
)

const (
	TenderOpen      = engine.TenderOpen
	TenderAwarded   = engine.TenderAwarded
	TenderFailed    = engine.TenderFailed
	TenderCancelled = engine.TenderCancelled
)

// Errors of New, NewJournaled and RestoreState.
var (
	// ErrInvalidConfig reports an unusable Config (or durable.Options).
	ErrInvalidConfig = engine.ErrInvalidConfig
	// ErrBadState reports state bytes (MarshalState output or a snapshot's
	// payload) that are not a valid exchange state.
	ErrBadState = engine.ErrBadState
	// ErrConfigMismatch reports a state produced under another catalog or
	// default self-trade prevention policy than the Config.
	ErrConfigMismatch = engine.ErrConfigMismatch
)

// DefaultFeedBytes is the default size of the ordered output feed's
// in-memory buffer (Config.FeedBytes).
const DefaultFeedBytes = 8 << 20

// Config configures an Exchange. Zero fields mean the defaults.
type Config struct {
	// Catalog is the taxonomy and the delivery bases the exchange trades on.
	// Nil means catalog.Sample(). The exchange does not copy it: the caller
	// must not change it afterwards.
	Catalog *catalog.Catalog
	// DefaultSTP is the self-trade prevention policy for orders that leave
	// STP at STPDefault. Zero means STPCancelIncoming.
	DefaultSTP STP
	// MaxOrdersPerMarket bounds the orders resting in one market; see
	// engine.Config. Zero means no bound but the book's, 2^31-1.
	MaxOrdersPerMarket int
	// Grades and Transport are the grade scales and the transport table of
	// clearing pools (see engine.Config); nil means none.
	Grades    *catalog.Grades
	Transport *catalog.Transport
	// PoolRoots, when set, are the only categories on which a clearing
	// pool may open (see engine.Config); nil means any.
	PoolRoots []catalog.CategoryID
	// FeedBytes bounds the memory of the ordered output feed (see
	// Exchange.Feed): the outputs of the newest commands that fit in it
	// are kept for readers, each event counting the size of its compact
	// form in the feed (8 bytes per non-zero 8-byte word of the Event plus
	// 8: about 90 bytes for an order's event). Zero means
	// DefaultFeedBytes.
	FeedBytes int
	// Verifiers verifies the signatures of each key algorithm. Nil means
	// wire.DefaultVerifiers() (Ed25519). It must not change afterwards.
	Verifiers *wire.Verifiers
	// TrustVerified takes Command.SignatureVerified as given: a gateway
	// in front of the exchange, or the primary of a replica, verified the
	// signatures (see Exchange.Verify). By default Submit verifies every
	// signed command itself and overwrites the flag.
	TrustVerified bool
}

// Validate reports whether the config is usable; errors wrap
// ErrInvalidConfig.
func (c Config) Validate() error {
	if c.FeedBytes < 0 {
		return fmt.Errorf("%w: FeedBytes %d", ErrInvalidConfig, c.FeedBytes)
	}
	return c.engine().Validate()
}

// EngineConfig returns the configuration of the engine an exchange with
// this config runs (package durable builds its engines with it).
func (c Config) EngineConfig() engine.Config { return c.engine() }

func (c Config) engine() engine.Config {
	return engine.Config{Catalog: c.Catalog, DefaultSTP: c.DefaultSTP, MaxOrdersPerMarket: c.MaxOrdersPerMarket, Grades: c.Grades, Transport: c.Transport, PoolRoots: c.PoolRoots}
}

// Exchange is Agora's central exchange: the concurrent front door of the
// deterministic engine (package engine). It owns one engine and locks it by
// the scope of each command (engine.ScopeOf): one lock per market for the
// commands of that market, an admin lock for tenders and for opening
// markets, and every lock for what changes the registry or the
// subscriptions. See the package documentation for the ordering
// guarantees.
//
// An Exchange is safe for concurrent use. Commands on different markets run
// in parallel; commands on one market are serialised by that market's lock.
type Exchange struct {
	seq atomic.Uint64
	_   [56]byte // keep the hot sequence counter on its own cache line

	eng *engine.Engine

	// adminMu serialises the ScopeAdmin commands (tenders, opening a
	// market) and, with every market lock, the ScopeAll ones.
	adminMu  sync.Mutex
	adminBuf []byte // feed scratch, under adminMu

	// The open markets, by key and by index (the engine's index - 1). Both
	// are added to under adminMu and read without a lock.
	byKey   table.Map[slot]
	byIndex table.List[slot]

	outputs    *feed.Buffer
	pubScratch sync.Pool // *[]byte: encoding scratch of publishUnlocked

	// jrn is the journal of an exchange made by NewJournaled (durable.go);
	// nil for one made by New. It is set before the exchange is returned
	// and never changes. jmu (the journal lock) serialises journaled
	// commands and guards jerr (sticky) and jbuf (encoding scratch).
	jrn  Journal
	jmu  sync.Mutex
	jerr error
	jbuf []byte

	sig signer // sign.go

	// pools is set once a clearing pool is open: placements then look for
	// the pool of their category (slotFor).
	pools atomic.Bool
}

// slot is one open market with its lock.
type slot struct {
	mu  sync.Mutex
	m   *engine.Market
	buf []byte // feed scratch, under mu
}

// lane returns the market's lane of the output feed.
func (s *slot) lane() int { return int((s.m.Index() - 1) % feedLanes) }

// feedLanes is the number of lanes of the output feed: the markets publish
// their outputs into lane index modulo feedLanes, so that submitters on
// different markets do not share the feed's memory.
const feedLanes = 16

// keyOf packs a market key into the 64-bit key of the market index.
func keyOf(k MarketKey) uint64 { return uint64(k.Category)<<32 | uint64(k.Basis) }

// New returns an exchange with no participants and no markets; a market
// opens on its first valid order. It returns an error wrapping
// ErrInvalidConfig if cfg is invalid.
func New(cfg Config) (*Exchange, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	eng, err := engine.New(cfg.engine())
	if err != nil {
		return nil, err
	}
	return newExchange(eng, 0, cfg.FeedBytes, cfg)
}

// newExchange wraps eng, whose state follows command seq. cfg, if given,
// supplies the verification settings (Verifiers, TrustVerified); without
// it they are the defaults.
func newExchange(eng *engine.Engine, seq uint64, feedBytes int, cfg ...Config) (*Exchange, error) {
	if feedBytes == 0 {
		feedBytes = DefaultFeedBytes
	}
	out, err := feed.New(feedBytes, feedLanes, seq)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	x := &Exchange{eng: eng, outputs: out}
	var c Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	x.sig.init(c)
	x.publishKeys()
	x.seq.Store(seq)
	for i := uint64(1); i <= uint64(eng.Markets()); i++ {
		x.addSlot(eng.MarketAt(i))
	}
	return x, nil
}

// addSlot publishes a market the engine opened. The caller holds adminMu
// (or is the only user of x).
func (x *Exchange) addSlot(m *engine.Market) *slot {
	s := &slot{m: m}
	x.byKey.Put(keyOf(m.Key()), s)
	x.byIndex.Append(s)
	if _, ok := m.Pool(); ok {
		x.pools.Store(true)
	}
	return s
}

// Catalog returns the catalog the exchange trades on. It must not be changed.
func (x *Exchange) Catalog() *catalog.Catalog { return x.eng.Catalog() }

// Seq returns the sequence number of the last command processed.
func (x *Exchange) Seq() uint64 { return x.seq.Load() }

// Submit processes one command and appends its events to dst, which it
// returns. The events of the command carry one new sequence number, and
// are published under it in the ordered output feed (see Feed).
//
// A refused command appends a single EventRejected (plus any GTD expiries
// that the command's time triggered first), changes nothing else, and
// returns the sentinel error of its reason (see RejectReason.Err); check it
// with errors.Is. A nil error means the command was accepted.
//
// Cost: what engine.Engine.Apply costs, plus the lock of the command's
// scope and the copy of its events into the feed. CmdPlace, CmdCancel
// and CmdAmend on an open market take that market's lock alone and
// allocate nothing when steady, once dst has room; CmdRegister,
// CmdSetStatus, a global CmdExpire, CmdSubscribe, CmdUnsubscribe and
// CmdSetRating take every lock: O(markets).
//
// On a journaled exchange (NewJournaled, durable.Open) Submit returns only
// once the journal holds the command, and returns ErrJournal, with no
// events, once the journal has failed; SubmitContext bounds the wait.
func (x *Exchange) Submit(cmd Command, dst []Event) ([]Event, error) {
	if !x.sig.trust && cmd.Signed() && Binding(cmd.Kind) {
		x.Verify(&cmd) // before sequencing, outside every lock: see sign.go
	}
	if x.jrn != nil {
		return x.submitJournaled(context.Background(), &cmd, dst)
	}
	return x.apply(&cmd, dst)
}

// slotFor returns the open market a ScopeMarket command names, or nil.
func (x *Exchange) slotFor(cmd *Command) *slot {
	switch cmd.Kind {
	case CmdCancel, CmdAmend:
		i := engine.MarketIndexOf(cmd.OrderID)
		if i == 0 {
			return nil
		}
		return x.byIndex.Get(int(i - 1))
	case CmdPlace:
		if x.pools.Load() {
			if s := x.poolSlot(cmd.Category); s != nil {
				return s
			}
		}
	}
	return x.byKey.Get(keyOf(cmd.Key()))
}

// poolSlot returns the clearing pool whose subtree holds category c, or
// nil: a pool is the only market keyed with basis 0. O(depth).
func (x *Exchange) poolSlot(c catalog.CategoryID) *slot {
	if s := x.byKey.Get(keyOf(MarketKey{Category: c})); s != nil {
		return s
	}
	for a := range x.eng.Catalog().Taxonomy.Ancestors(c) {
		if s := x.byKey.Get(keyOf(MarketKey{Category: a})); s != nil {
			return s
		}
	}
	return nil
}

// apply applies one command under the locks of its scope, takes its
// sequence number under them and publishes its output. It takes exactly
// one sequence number per command, whatever the path.
func (x *Exchange) apply(cmd *Command, dst []Event) ([]Event, error) {
	start := len(dst)
	var err error
	switch engine.ScopeOf(cmd) {
	case engine.ScopeMarket:
		if s := x.slotFor(cmd); s != nil {
			s.mu.Lock()
			seq := x.seq.Add(1)
			dst, err = x.eng.ApplyMarket(s.m, seq, cmd, dst)
			s.buf = x.publishNow(s.lane(), seq, dst[start:], s.buf)
			s.mu.Unlock()
			return dst, err
		}
		// The market is not open: opening it is ScopeAdmin.
		x.adminMu.Lock()
		if s := x.slotFor(cmd); s != nil { // opened meanwhile
			s.mu.Lock()
			x.adminMu.Unlock()
			seq := x.seq.Add(1)
			dst, err = x.eng.ApplyMarket(s.m, seq, cmd, dst)
			s.buf = x.publishNow(s.lane(), seq, dst[start:], s.buf)
			s.mu.Unlock()
			return dst, err
		}
		n := x.eng.Markets()
		seq := x.seq.Add(1)
		dst, err = x.eng.Apply(seq, cmd, dst)
		if x.eng.Markets() > n {
			x.addSlot(x.eng.MarketAt(uint64(n + 1)))
		}
		x.adminBuf = x.publishNow(0, seq, dst[start:], x.adminBuf)
		x.adminMu.Unlock()
	case engine.ScopeAdmin:
		x.adminMu.Lock()
		seq := x.seq.Add(1)
		dst, err = x.eng.Apply(seq, cmd, dst)
		x.adminBuf = x.publishNow(0, seq, dst[start:], x.adminBuf)
		x.adminMu.Unlock()
	default:
		n := x.lockAll()
		seq := x.seq.Add(1)
		dst, err = x.eng.Apply(seq, cmd, dst)
		if err == nil && (cmd.Kind == CmdRegisterKey || cmd.Kind == CmdRotateKey) {
			x.publishKeys()
		}
		x.adminBuf = x.publishNow(0, seq, dst[start:], x.adminBuf)
		x.unlockAll(n)
	}
	return dst, err
}

// lockAll takes adminMu and every market lock, in index order, and returns
// the number of markets locked (none opens meanwhile: opening takes
// adminMu).
func (x *Exchange) lockAll() int {
	x.adminMu.Lock()
	n := x.byIndex.Len()
	for i := range n {
		x.byIndex.Get(i).mu.Lock()
	}
	return n
}

func (x *Exchange) unlockAll(n int) {
	for i := range n {
		x.byIndex.Get(i).mu.Unlock()
	}
	x.adminMu.Unlock()
}
