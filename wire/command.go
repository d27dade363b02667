package wire

import (
	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/orderbook"
)

// OrderID is an exchange-assigned order ID. It encodes the market, so a
// cancel or amend finds its market in O(1): the high 24 bits hold the
// market's index (1 for the first market opened, 2 for the next, ...) and
// the low OrderMarketShift bits the market's own order number (1, 2, 3,
// ... in acceptance order):
//
//	OrderID = index<<OrderMarketShift | number
//
// Zero is never valid. The IDs of the first 8,191 markets are below 2^53;
// from the 8,192nd market on (index 8192 = 2^(53-OrderMarketShift)) every
// ID exceeds 2^53, so a reader whose numbers are float64 (as in
// JavaScript) must read them as strings. That is how they marshal: in text
// and JSON an OrderID is a string of its decimal digits (see
// orderbook.OrderID.MarshalText), and UnmarshalJSON reads such a string or
// a plain JSON integer.
type OrderID = orderbook.OrderID

// OrderMarketShift is the position of the market index in an OrderID:
// OrderID = index<<OrderMarketShift | number.
const OrderMarketShift = 40

// Re-exported order attributes, so callers need import only this package.
type (
	Side        = orderbook.Side
	OrderType   = orderbook.OrderType
	TimeInForce = orderbook.TimeInForce
	STP         = orderbook.STP
)

const (
	Buy  = orderbook.Buy
	Sell = orderbook.Sell

	Limit  = orderbook.Limit
	Market = orderbook.Market

	GTC = orderbook.GTC
	GTD = orderbook.GTD
	IOC = orderbook.IOC
	FOK = orderbook.FOK

	STPDefault        = orderbook.STPDefault
	STPCancelResting  = orderbook.STPCancelResting
	STPCancelIncoming = orderbook.STPCancelIncoming
	STPCancelBoth     = orderbook.STPCancelBoth
)

// MarketKey names a market: a tradable leaf category at a delivery basis.
type MarketKey struct {
	Category catalog.CategoryID `json:"category"`
	Basis    catalog.BasisID    `json:"basis"`
}

// CommandKind tells what a Command asks for. The zero value is invalid.
type CommandKind uint8

const (
	// CmdRegister registers a company (Name, INN, KPP). It starts pending.
	CmdRegister CommandKind = 1 + iota
	// CmdSetStatus moves Participant to Status (moderation). Suspending a
	// participant cancels all its resting orders.
	CmdSetStatus
	// CmdPlace places an order for Participant on market (Category, Basis).
	CmdPlace
	// CmdCancel cancels Participant's order OrderID.
	CmdCancel
	// CmdAmend sets Participant's order OrderID to Price and Qty (open
	// quantity).
	CmdAmend
	// CmdExpire advances market (Category, Basis) to Time, expiring due GTD
	// orders; with Category and Basis zero it advances every market.
	CmdExpire
	// CmdSubscribe subscribes verified Participant to Category (any level of
	// the taxonomy; it covers the whole subtree), with optional filters:
	// Bases (delivery bases; empty means any), MinQty and MaxQty (posted
	// quantity bounds; zero means unbounded).
	CmdSubscribe
	// CmdUnsubscribe removes Participant's subscription Subscription.
	CmdUnsubscribe
	// CmdListSubscriptions lists Participant's subscriptions as
	// EventSubscription events, in subscription ID order.
	CmdListSubscriptions
	// CmdSetRating sets Participant's supplier rating to Rating
	// (0..catalog.MaxRating); moderation only.
	CmdSetRating
	// CmdOpenTender opens a tender for buyer Participant: Category (a
	// tradable leaf), Basis, Qty, Price (reserve, 0 = none), OpenAt,
	// CloseAt, TenderMode, Decrement and Extension (auction mode),
	// Evaluation and the weights, MinWinners, MaxWinners and
	// SubscribersOnly. See Exchange.Submit for the rules.
	CmdOpenTender
	// CmdBid places or improves Participant's bid on Tender: Price, Qty
	// (at most the tender's quantity) and LeadTime.
	CmdBid
	// CmdCloseTender closes Tender at Time (at or after its close time) and
	// awards it. Participant is the buyer, or zero for the operator.
	CmdCloseTender
	// CmdCancelTender cancels Tender before its close; buyer only.
	CmdCancelTender
	// CmdSetMarketMode switches market (Category, Basis) to MarketMode
	// (operator command; a market that has not opened yet opens). In call
	// mode orders accumulate without matching until CmdUncross.
	CmdSetMarketMode
	// CmdUncross clears market (Category, Basis) at one uniform price (see
	// Exchange.Indicative), using RefPrice as the reference price. The
	// market stays in its mode.
	CmdUncross
	// CmdRegisterKey registers a public key of Participant for signing
	// binding commands: KeyAlgorithm, PublicKey (at most MaxKeyLen bytes)
	// and the validity window [ValidFrom, ValidUntil). The key starts
	// pending; EventKeyRegistered carries its KeyID.
	CmdRegisterKey
	// CmdConfirmKey confirms Participant's pending key KeyID (moderation,
	// as a certificate is checked). Confirming a key that a CmdRotateKey
	// registered retires the key it replaces (EventKeyRetired).
	CmdConfirmKey
	// CmdRotateKey registers a new key of Participant (KeyAlgorithm,
	// PublicKey, ValidFrom, ValidUntil) to replace its key KeyID. The new
	// key is pending until confirmed; the old one signs until then.
	CmdRotateKey
	// CmdRevokeKey revokes Participant's key KeyID, for good. Commands it
	// signed earlier stand, resting orders included; see the package
	// documentation of matching.
	CmdRevokeKey
	// CmdSetSignPolicy sets SignPolicy (operator command): exchange-wide
	// when Category, Basis and Tender are zero, for market (Category,
	// Basis), or for Tender. The most specific policy wins.
	CmdSetSignPolicy
	// CmdOpenPool opens a clearing pool on Category, a category of any
	// level (operator command): from then on every order placed in its
	// subtree rests in the pool, without matching, until CmdClearPool
	// clears the pool's orders at once for the largest total surplus (see
	// package clearing). A pool is one market, keyed (Category, 0).
	CmdOpenPool
	// CmdClearPool clears the pool on Category at the command's time
	// (operator command): EventPoolFill per traded pair, the filled orders
	// reduced or done, the rest left resting.
	CmdClearPool
	cmdEnd
)

// MaxCommandKind is the largest valid CommandKind: the valid kinds are
// 1..MaxCommandKind.
const MaxCommandKind = cmdEnd - 1

// Command is every request to the exchange, as a plain value that can be
// encoded (see AppendCommand), journaled and replayed. Which fields matter
// depends on Kind; the others must be zero values or are ignored as
// documented on each kind.
type Command struct {
	Kind CommandKind `json:"kind"`
	// Time is the command's time in the caller's unit (for example Unix
	// milliseconds). The engine never reads a clock; GTD expiry and tender
	// deadlines compare against this field.
	//
	// Each market and each tender has a clock that never goes backwards.
	// A command that names an existing market (CmdPlace, CmdExpire,
	// CmdSetMarketMode, CmdUncross by Category and Basis; CmdCancel and
	// CmdAmend by OrderID) or an existing tender (CmdBid, CmdCloseTender,
	// CmdCancelTender) first advances that clock to Time, even if it is
	// then refused, and is handled at its effective time max(clock, Time):
	// its events carry that time, so a command cannot beat a deadline that
	// an earlier command passed. A global CmdExpire and a suspension's
	// cancellations advance each market they reach, and its events carry
	// that market's effective time. A command that reaches no market or
	// tender, a refusal of one that names none that exists, and every event
	// without a market or tender carry Time unchanged.
	Time int64 `json:"time"`
	// Participant issues the command (for CmdSetStatus: the company whose
	// status changes).
	Participant catalog.ParticipantID `json:"participant,omitempty"`

	Category catalog.CategoryID `json:"category,omitempty"`
	Basis    catalog.BasisID    `json:"basis,omitempty"`

	OrderID OrderID `json:"order_id,omitempty"`
	// ClientOrderID is the participant's own ID for a new order (0 = none).
	// It must be unique among the participant's live orders in the market.
	// In JSON it is a number, as the client chose it: a client that reads
	// JSON as float64 (JavaScript) should keep it below 2^53.
	ClientOrderID uint64 `json:"client_order_id,omitempty"`

	Side     Side          `json:"side,omitempty"`
	Type     OrderType     `json:"type,omitempty"`
	TIF      TimeInForce   `json:"tif,omitempty"`
	STP      STP           `json:"stp,omitempty"`
	Price    catalog.Price `json:"price,omitempty"`
	Qty      catalog.Qty   `json:"qty,omitempty"`
	MinQty   catalog.Qty   `json:"min_qty,omitempty"`
	ExpireAt int64         `json:"expire_at,omitempty"`

	Status catalog.Status `json:"status,omitempty"`
	Name   string         `json:"name,omitempty"`
	INN    string         `json:"inn,omitempty"`
	KPP    string         `json:"kpp,omitempty"`

	// Subscriptions (CmdSubscribe, CmdUnsubscribe). MinQty above is the
	// subscription's minimum quantity.
	Bases        []catalog.BasisID `json:"bases,omitempty"`   // delivery-basis filter; empty means any. The exchange copies it.
	MaxQty       catalog.Qty       `json:"max_qty,omitempty"` // maximum posted quantity; 0 means none
	Subscription SubscriptionID    `json:"subscription,omitempty"`

	// Rating is the supplier rating of CmdSetRating.
	Rating uint8 `json:"rating,omitempty"`

	// Tenders (CmdOpenTender, CmdBid, CmdCloseTender, CmdCancelTender).
	// Qty is the tender's quantity or the bid's, Price the reserve or the
	// bid price.
	Tender          TenderID      `json:"tender,omitempty"`
	TenderMode      TenderMode    `json:"tender_mode,omitempty"`
	Evaluation      Evaluation    `json:"evaluation,omitempty"`
	OpenAt          int64         `json:"open_at,omitempty"`      // 0 means the command's time
	CloseAt         int64         `json:"close_at,omitempty"`     // must be after the opening
	Decrement       catalog.Price `json:"decrement,omitempty"`    // auction mode: minimum improvement of a bidder's own bid
	Extension       int64         `json:"extension,omitempty"`    // auction mode: anti-sniping window and extension; 0 = none
	WeightPrice     uint16        `json:"weight_price,omitempty"` // EvalWeighted: weights in basis points, summing to 10000
	WeightLeadTime  uint16        `json:"weight_lead_time,omitempty"`
	WeightRating    uint16        `json:"weight_rating,omitempty"`
	MinWinners      uint16        `json:"min_winners,omitempty"`      // 0 or 1: no minimum
	MaxWinners      uint16        `json:"max_winners,omitempty"`      // 0: no maximum
	SubscribersOnly bool          `json:"subscribers_only,omitempty"` // only suppliers subscribed to the category may bid
	LeadTime        int64         `json:"lead_time,omitempty"`        // CmdBid: delivery lead time, > 0, in the caller's unit

	// Grade is, for an order placed in a clearing pool, the offer's grade
	// or the request's minimum grade (an ordinal of the category's scale,
	// see catalog.Grades; 0 means none or any). In a pool, Basis is the
	// offer's shipping basis or the request's own basis (delivery there at
	// the transport table's cost; 0 = none), Bases the bases at which a
	// request takes the goods itself, LeadTime the offered or the longest
	// accepted lead time in days, and Rating a request's minimum supplier
	// rating.
	Grade catalog.Grade `json:"grade,omitempty"`

	// Call auctions.
	MarketMode MarketMode    `json:"market_mode,omitempty"` // CmdSetMarketMode
	RefPrice   catalog.Price `json:"ref_price,omitempty"`   // CmdUncross: the reference price, > 0

	// Keys (CmdRegisterKey, CmdConfirmKey, CmdRotateKey, CmdRevokeKey)
	// and the signature policy (CmdSetSignPolicy). KeyID also names the
	// key of a signed command.
	KeyID        KeyID      `json:"key_id,omitempty"`
	KeyAlgorithm Algorithm  `json:"key_algorithm,omitempty"`
	PublicKey    []byte     `json:"public_key,omitempty"`  // at most MaxKeyLen bytes; the exchange copies it
	ValidFrom    int64      `json:"valid_from,omitempty"`  // the key signs at effective times in [ValidFrom, ValidUntil)
	ValidUntil   int64      `json:"valid_until,omitempty"` // must be after ValidFrom
	SignPolicy   SignPolicy `json:"sign_policy,omitempty"`

	// Signature of a binding command (CmdPlace, CmdCancel, CmdAmend,
	// CmdOpenTender, CmdBid, CmdCloseTender, CmdCancelTender): KeyID
	// above, Nonce, Signature over SigningBytes, and SignatureVerified,
	// which the verification before sequencing sets (see Verify); the
	// engine reads only the flag. A command is signed when any of these
	// four fields is set.
	Nonce             uint64 `json:"nonce,omitempty"`     // per participant and domain, from 1; see the package documentation of matching
	Signature         []byte `json:"signature,omitempty"` // at most MaxSignatureLen bytes
	SignatureVerified bool   `json:"signature_verified,omitempty"`
}

// Signed reports whether c, a binding command (see Binding), carries a
// signature: any of KeyID, Nonce, Signature and SignatureVerified is set.
// (A key command sets KeyID to name a key, and is not signed.) Cost: O(1).
func (c *Command) Signed() bool {
	return c.KeyID != 0 || c.Nonce != 0 || len(c.Signature) != 0 || c.SignatureVerified
}

// Key returns the market key of the command.
func (c *Command) Key() MarketKey { return MarketKey{Category: c.Category, Basis: c.Basis} }

// cmdField is one optional field of a Command, as a bit of a fieldSet.
type cmdField uint8

const (
	fParticipant cmdField = iota
	fCategory
	fBasis
	fOrderID
	fClientOrderID
	fSide
	fType
	fTIF
	fSTP
	fPrice
	fQty
	fMinQty
	fExpireAt
	fStatus
	fName
	fINN
	fKPP
	fBases
	fMaxQty
	fSubscription
	fRating
	fTender
	fTenderMode
	fEvaluation
	fOpenAt
	fCloseAt
	fDecrement
	fExtension
	fWeightPrice
	fWeightLeadTime
	fWeightRating
	fMinWinners
	fMaxWinners
	fSubscribersOnly
	fLeadTime
	fMarketMode
	fRefPrice
	fKeyID
	fKeyAlgorithm
	fPublicKey
	fValidFrom
	fValidUntil
	fSignPolicy
	fNonce
	fSignature
	fSignatureVerified
	fGrade
	fieldEnd
)

// fieldSet is a set of cmdFields.
type fieldSet uint64

func fields(fs ...cmdField) fieldSet {
	var s fieldSet
	for _, f := range fs {
		s |= 1 << f
	}
	return s
}

// set returns the fields of c that differ from their zero value. Kind and
// Time are always read and are not in the set. Cost: O(1).
func (c *Command) set() fieldSet {
	var s fieldSet
	if c.Participant != 0 {
		s |= 1 << fParticipant
	}
	if c.Category != 0 {
		s |= 1 << fCategory
	}
	if c.Basis != 0 {
		s |= 1 << fBasis
	}
	if c.OrderID != 0 {
		s |= 1 << fOrderID
	}
	if c.ClientOrderID != 0 {
		s |= 1 << fClientOrderID
	}
	if c.Side != 0 {
		s |= 1 << fSide
	}
	if c.Type != 0 {
		s |= 1 << fType
	}
	if c.TIF != 0 {
		s |= 1 << fTIF
	}
	if c.STP != 0 {
		s |= 1 << fSTP
	}
	if c.Price != 0 {
		s |= 1 << fPrice
	}
	if c.Qty != 0 {
		s |= 1 << fQty
	}
	if c.MinQty != 0 {
		s |= 1 << fMinQty
	}
	if c.ExpireAt != 0 {
		s |= 1 << fExpireAt
	}
	if c.Status != 0 || len(c.Name)|len(c.INN)|len(c.KPP)|len(c.Bases) != 0 ||
		uint64(c.MaxQty)|uint64(c.Subscription)|uint64(c.Rating)|uint64(c.Tender)|uint64(c.TenderMode)|uint64(c.Evaluation) != 0 ||
		uint64(c.OpenAt)|uint64(c.CloseAt)|uint64(c.Decrement)|uint64(c.Extension)|uint64(c.LeadTime)|uint64(c.RefPrice) != 0 ||
		uint64(c.WeightPrice)|uint64(c.WeightLeadTime)|uint64(c.WeightRating)|uint64(c.MinWinners)|uint64(c.MaxWinners) != 0 ||
		c.SubscribersOnly || c.MarketMode != 0 || c.Grade != 0 {
		s |= c.setOther()
	}
	if uint64(c.KeyID)|c.Nonce|uint64(c.KeyAlgorithm)|uint64(c.SignPolicy) != 0 || len(c.PublicKey)|len(c.Signature) != 0 ||
		c.ValidFrom|c.ValidUntil != 0 || c.SignatureVerified {
		s |= c.setKeys()
	}
	return s
}

// setOther is set for the fields of registration, moderation,
// subscriptions, tenders, call auctions and pools, out of the common path
// of orders.
func (c *Command) setOther() fieldSet {
	var s fieldSet
	if c.Status != 0 {
		s |= 1 << fStatus
	}
	if c.Name != "" {
		s |= 1 << fName
	}
	if c.INN != "" {
		s |= 1 << fINN
	}
	if c.KPP != "" {
		s |= 1 << fKPP
	}
	if len(c.Bases) != 0 {
		s |= 1 << fBases
	}
	if c.MaxQty != 0 {
		s |= 1 << fMaxQty
	}
	if c.Subscription != 0 {
		s |= 1 << fSubscription
	}
	if c.Rating != 0 {
		s |= 1 << fRating
	}
	if c.Tender != 0 {
		s |= 1 << fTender
	}
	if c.TenderMode != 0 {
		s |= 1 << fTenderMode
	}
	if c.Evaluation != 0 {
		s |= 1 << fEvaluation
	}
	if c.OpenAt != 0 {
		s |= 1 << fOpenAt
	}
	if c.CloseAt != 0 {
		s |= 1 << fCloseAt
	}
	if c.Decrement != 0 {
		s |= 1 << fDecrement
	}
	if c.Extension != 0 {
		s |= 1 << fExtension
	}
	if c.WeightPrice != 0 {
		s |= 1 << fWeightPrice
	}
	if c.WeightLeadTime != 0 {
		s |= 1 << fWeightLeadTime
	}
	if c.WeightRating != 0 {
		s |= 1 << fWeightRating
	}
	if c.MinWinners != 0 {
		s |= 1 << fMinWinners
	}
	if c.MaxWinners != 0 {
		s |= 1 << fMaxWinners
	}
	if c.SubscribersOnly {
		s |= 1 << fSubscribersOnly
	}
	if c.LeadTime != 0 {
		s |= 1 << fLeadTime
	}
	if c.MarketMode != 0 {
		s |= 1 << fMarketMode
	}
	if c.RefPrice != 0 {
		s |= 1 << fRefPrice
	}
	if c.Grade != 0 {
		s |= 1 << fGrade
	}
	return s
}

// setKeys is set for the key and signature fields, out of the common
// path of unsigned commands.
func (c *Command) setKeys() fieldSet {
	var s fieldSet
	if c.KeyID != 0 {
		s |= 1 << fKeyID
	}
	if c.KeyAlgorithm != 0 {
		s |= 1 << fKeyAlgorithm
	}
	if len(c.PublicKey) != 0 {
		s |= 1 << fPublicKey
	}
	if c.ValidFrom != 0 {
		s |= 1 << fValidFrom
	}
	if c.ValidUntil != 0 {
		s |= 1 << fValidUntil
	}
	if c.SignPolicy != 0 {
		s |= 1 << fSignPolicy
	}
	if c.Nonce != 0 {
		s |= 1 << fNonce
	}
	if len(c.Signature) != 0 {
		s |= 1 << fSignature
	}
	if c.SignatureVerified {
		s |= 1 << fSignatureVerified
	}
	return s
}

// sigFields are the fields of a signature, read by every binding kind.
var sigFields = fields(fKeyID, fNonce, fSignature, fSignatureVerified)

// readFields is the set of fields each command kind reads, besides Kind
// and Time; the package documentation lists them. A command that sets any
// other field is refused with ReasonUnreadField. Category and Basis of
// CmdCancel and CmdAmend are optional: when set, they must name the
// order's market (ReasonWrongMarket).
var readFields = [cmdEnd]fieldSet{
	CmdRegister:  fields(fName, fINN, fKPP),
	CmdSetStatus: fields(fParticipant, fStatus),
	CmdPlace: fields(fParticipant, fCategory, fBasis, fClientOrderID, fSide, fType, fTIF, fSTP,
		fPrice, fQty, fMinQty, fExpireAt, fBases, fRating, fLeadTime, fGrade) | sigFields,
	CmdCancel:            fields(fParticipant, fCategory, fBasis, fOrderID) | sigFields,
	CmdAmend:             fields(fParticipant, fCategory, fBasis, fOrderID, fPrice, fQty) | sigFields,
	CmdExpire:            fields(fParticipant, fCategory, fBasis),
	CmdSubscribe:         fields(fParticipant, fCategory, fBases, fMinQty, fMaxQty),
	CmdUnsubscribe:       fields(fParticipant, fSubscription),
	CmdListSubscriptions: fields(fParticipant),
	CmdSetRating:         fields(fParticipant, fRating),
	CmdOpenTender: fields(fParticipant, fCategory, fBasis, fQty, fPrice, fOpenAt, fCloseAt,
		fTenderMode, fDecrement, fExtension, fEvaluation, fWeightPrice, fWeightLeadTime,
		fWeightRating, fMinWinners, fMaxWinners, fSubscribersOnly) | sigFields,
	CmdBid:           fields(fParticipant, fTender, fPrice, fQty, fLeadTime) | sigFields,
	CmdCloseTender:   fields(fParticipant, fTender) | sigFields,
	CmdCancelTender:  fields(fParticipant, fTender) | sigFields,
	CmdSetMarketMode: fields(fParticipant, fCategory, fBasis, fMarketMode),
	CmdUncross:       fields(fParticipant, fCategory, fBasis, fRefPrice),
	CmdRegisterKey:   fields(fParticipant, fKeyAlgorithm, fPublicKey, fValidFrom, fValidUntil),
	CmdConfirmKey:    fields(fParticipant, fKeyID),
	CmdRotateKey:     fields(fParticipant, fKeyID, fKeyAlgorithm, fPublicKey, fValidFrom, fValidUntil),
	CmdRevokeKey:     fields(fParticipant, fKeyID),
	CmdSetSignPolicy: fields(fCategory, fBasis, fTender, fSignPolicy),
	CmdOpenPool:      fields(fParticipant, fCategory),
	CmdClearPool:     fields(fParticipant, fCategory),
}

// Binding reports whether kind k is a binding command, one that may carry
// a signature and that a signature policy governs: CmdPlace, CmdCancel,
// CmdAmend, CmdOpenTender, CmdBid, CmdCloseTender and CmdCancelTender.
func Binding(k CommandKind) bool { return k < cmdEnd && readFields[k]&(1<<fSignature) != 0 }

// CheckShape returns why c must be refused before any state is read:
// ReasonTooLarge when a variable-size field exceeds its limit (checked
// first, so that a command journaled with its over-limit fields clipped
// replays to the same refusal), ReasonInvalidCommand for an unknown kind,
// ReasonUnreadField when c sets a field its kind does not read (see the
// package documentation of matching for the table); ReasonNone otherwise.
// Cost: O(1), no allocation.
func CheckShape(c *Command) RejectReason {
	switch {
	case tooLarge(c):
		return ReasonTooLarge
	case c.Kind == 0 || c.Kind >= cmdEnd:
		return ReasonInvalidCommand
	case c.set()&^readFields[c.Kind] != 0:
		return ReasonUnreadField
	}
	return ReasonNone
}

// tooLarge reports whether a string field of c is longer than MaxStringLen
// bytes, Bases holds more than MaxBases IDs, PublicKey is longer than
// MaxKeyLen bytes or Signature longer than MaxSignatureLen.
func tooLarge(c *Command) bool {
	return len(c.Name) > MaxStringLen || len(c.INN) > MaxStringLen || len(c.KPP) > MaxStringLen || len(c.Bases) > MaxBases ||
		len(c.PublicKey) > MaxKeyLen || len(c.Signature) > MaxSignatureLen
}

// SubscriptionID names a subscription. The exchange assigns them from 1 in
// sequence order and never reuses one. Zero is never valid.
type SubscriptionID uint64

// MaxFilterBases is the largest number of delivery bases one subscription's
// filter may list.
const MaxFilterBases = 64

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
