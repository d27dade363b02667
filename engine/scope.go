package engine

import "github.com/agora-exchange/agora/wire"

// Scope is the part of the engine's state that a command may change. The
// front door (package matching) locks by scope: commands whose scopes are
// disjoint may be applied at the same time (see the package documentation).
// The zero value is invalid.
type Scope uint8

const (
	// ScopeMarket: one open market's state (its book, order numbers,
	// client order IDs and counters). The command names the market by
	// Category and Basis, or for CmdCancel and CmdAmend by OrderID; it
	// reads the catalog, the registry and the subscriptions. A ScopeMarket
	// command whose market is not open yet is ScopeAdmin: it may open it.
	ScopeMarket Scope = 1 + iota
	// ScopeAdmin: the tenders, the market table (opening a market), and the
	// counters of commands that reach no market; it reads the registry and
	// the subscriptions.
	ScopeAdmin
	// ScopeAll: everything, the registry, the subscriptions and the keys
	// and signature policies included.
	ScopeAll
	scopeEnd
)

// String returns the scope's name.
func (s Scope) String() string {
	switch s {
	case ScopeMarket:
		return "market"
	case ScopeAdmin:
		return "admin"
	case ScopeAll:
		return "all"
	}
	return "Scope(invalid)"
}

// scopes gives the scope of each command kind; TestScopesComplete checks
// that every kind has one. CmdExpire is ScopeMarket when it names a market
// and ScopeAll when it names none (see ScopeOf).
var scopes = [...]Scope{
	wire.CmdRegister:          ScopeAll,
	wire.CmdSetStatus:         ScopeAll,
	wire.CmdPlace:             ScopeMarket,
	wire.CmdCancel:            ScopeMarket,
	wire.CmdAmend:             ScopeMarket,
	wire.CmdExpire:            ScopeMarket,
	wire.CmdSubscribe:         ScopeAll,
	wire.CmdUnsubscribe:       ScopeAll,
	wire.CmdListSubscriptions: ScopeAdmin,
	wire.CmdSetRating:         ScopeAll,
	wire.CmdOpenTender:        ScopeAdmin,
	wire.CmdBid:               ScopeAdmin,
	wire.CmdCloseTender:       ScopeAdmin,
	wire.CmdCancelTender:      ScopeAdmin,
	wire.CmdSetMarketMode:     ScopeMarket,
	wire.CmdUncross:           ScopeMarket,
	wire.CmdRegisterKey:       ScopeAll,
	wire.CmdConfirmKey:        ScopeAll,
	wire.CmdRotateKey:         ScopeAll,
	wire.CmdRevokeKey:         ScopeAll,
	wire.CmdSetSignPolicy:     ScopeAll,
	wire.CmdOpenPool:          ScopeMarket,
	wire.CmdClearPool:         ScopeMarket,
}

// ScopeOf returns the scope of cmd. An unknown kind is ScopeAdmin: it is
// rejected, and counted, outside every market. Cost: O(1).
func ScopeOf(cmd *wire.Command) Scope {
	if int(cmd.Kind) >= len(scopes) || scopes[cmd.Kind] == 0 {
		return ScopeAdmin
	}
	if cmd.Kind == wire.CmdExpire && cmd.Category == 0 && cmd.Basis == 0 {
		return ScopeAll
	}
	return scopes[cmd.Kind]
}
