package clearing

import (
	"fmt"

	"github.com/agora-exchange/agora/catalog"
)

// Limits on the input that keep every intermediate sum of the solver inside
// an int64 (a path of the flow network has at most 2·MaxOrders+2 arcs whose
// costs are below 4·MaxPrice).
const (
	MaxPrice  catalog.Price = 1 << 36 // per lot, in minor units
	MaxQty    int64         = 1 << 40 // lots
	MaxOrders               = 1 << 20 // requests plus offers
	MaxLead   int32         = 1 << 20 // days
)

// OrderID identifies an order within its side of a pool. Zero is invalid.
type OrderID uint64

// Side tells requests (buyers) from offers (sellers). The zero value is invalid.
type Side uint8

const (
	SideRequest Side = 1 + iota // a buyer's request
	SideOffer                   // a seller's offer
)

var sideNames = [...]string{SideRequest: "request", SideOffer: "offer"}

func (s Side) String() string {
	if s == 0 || int(s) >= len(sideNames) {
		return fmt.Sprintf("Side(%d)", uint8(s))
	}
	return sideNames[s]
}

// Request is a buyer's order.
//
// Quantities are counts of lots; money is in minor units per lot. Limit is
// the most the buyer pays per lot delivered, at par grade: for goods of a
// grade with differential D the buyer pays up to Limit + D.
type Request struct {
	ID    OrderID
	Owner catalog.ParticipantID // the buying company; never trades with itself
	// Category is a leaf or a group: any leaf in its subtree will do.
	Category catalog.CategoryID
	// Accept lists bases at which the buyer takes the goods itself, at no
	// transport cost.
	Accept []catalog.BasisID
	// Deliver, when not zero, is the buyer's own basis: it also takes
	// delivery there from any basis the transport table connects to it, at
	// the table's cost. At least one of Accept and Deliver must be given.
	Deliver   catalog.BasisID
	MinGrade  catalog.Grade // lowest acceptable grade; 0 accepts any
	MaxLead   int32         // longest acceptable lead time in days; 0 accepts any
	MinRating uint8         // lowest acceptable supplier rating, 0..catalog.MaxRating
	Qty       int64         // lots wanted, 1..MaxQty
	// MinQty must be zero: see ErrAllOrNone.
	MinQty int64
	Limit  catalog.Price // the most per lot delivered at par, on tick
	// Priority orders equal claims: lower is earlier (the engine's sequence
	// number). Ties are broken by side (requests first), then ID.
	Priority uint64
}

// Offer is a seller's order.
type Offer struct {
	ID    OrderID
	Owner catalog.ParticipantID // the selling company
	// Category is a tradable leaf.
	Category catalog.CategoryID
	Basis    catalog.BasisID // shipping basis (ex works)
	// Grade is the ordinal of the goods in the scale of Category, or 0 when
	// Category has no grade scale.
	Grade  catalog.Grade
	Lead   int32 // lead time in days, 0..MaxLead
	Rating uint8 // the supplier's rating, 0..catalog.MaxRating
	Qty    int64 // lots offered, 1..MaxQty
	MinQty int64 // must be zero: see ErrAllOrNone
	// Limit is the least the seller accepts per lot ex works, for the goods
	// of its own grade.
	Limit    catalog.Price
	Priority uint64
}

// Fill is the trade between one request and one offer.
//
// Prices: BuyerPrice is the buyer's price per lot delivered at par grade
// (never above the request's Limit) and SellerPrice the seller's price per
// lot ex works for its grade (never below the offer's Limit). The buyer
// pays Paid() = BuyerPrice + GradeDiff per lot for the goods it receives,
// the carrier gets Transport and the seller SellerPrice:
//
//	BuyerPrice + GradeDiff = SellerPrice + Transport
//
// that is, BuyerPrice − SellerPrice = Transport − GradeDiff (the
// differential enters with a minus sign when the buyer's price is read at
// par, and with a plus sign when the seller's price is: Paid() −
// (SellerPrice − GradeDiff) = Transport + GradeDiff).
type Fill struct {
	Request, Offer OrderID
	Buyer, Seller  catalog.ParticipantID
	Qty            int64 // lots
	BuyerPrice     catalog.Price
	SellerPrice    catalog.Price
	Transport      catalog.Price // per lot, from the offer's basis to the buyer
	GradeDiff      catalog.Price // differential of the offer's grade from par
}

// Paid returns what the buyer pays per lot delivered for the grade it
// receives: BuyerPrice + GradeDiff.
func (f Fill) Paid() catalog.Price { return f.BuyerPrice + f.GradeDiff }

// Outcome says how an order fared.
type Outcome uint8

const (
	// Filled: the whole quantity traded.
	Filled Outcome = 1 + iota
	// NoCounterparty: no order of the other side is compatible with this
	// one, whatever the price; Constraint names what excluded most candidates.
	NoCounterparty
	// PricedOut: compatible counterparties exist, but at the clearing
	// prices this order's limit is worse than its price.
	PricedOut
	// Margin: the order's limit equals its clearing price, so trading or
	// not is worth the same to it, and it traded part or none of its
	// quantity: surplus was maximal either way, and earlier orders at the
	// margin were served first.
	Margin
)

var outcomeNames = [...]string{Filled: "filled", NoCounterparty: "no compatible counterparty", PricedOut: "priced out", Margin: "at the margin"}

func (o Outcome) String() string {
	if o == 0 || int(o) >= len(outcomeNames) {
		return fmt.Sprintf("Outcome(%d)", uint8(o))
	}
	return outcomeNames[o]
}

// Constraint names the compatibility rule that excluded counterparties.
type Constraint uint8

const (
	// ConstraintCategory: no order of the other side in a compatible category.
	ConstraintCategory Constraint = 1 + iota
	// ConstraintGrade: the offer's grade is below the request's minimum.
	ConstraintGrade
	// ConstraintBasis: the offer's basis is neither accepted nor connected
	// to the buyer's basis by the transport table.
	ConstraintBasis
	// ConstraintLead: the offer's lead time is above the request's maximum.
	ConstraintLead
	// ConstraintRating: the supplier's rating is below the request's minimum.
	ConstraintRating
	// ConstraintCompany: the only candidates belong to the same company.
	ConstraintCompany
)

var constraintNames = [...]string{ConstraintCategory: "category", ConstraintGrade: "grade", ConstraintBasis: "basis", ConstraintLead: "lead time", ConstraintRating: "rating", ConstraintCompany: "same company"}

func (c Constraint) String() string {
	if c == 0 || int(c) >= len(constraintNames) {
		return fmt.Sprintf("Constraint(%d)", uint8(c))
	}
	return constraintNames[c]
}

// OrderResult is the outcome of one order.
type OrderResult struct {
	ID      OrderID
	Owner   catalog.ParticipantID
	Filled  int64 // lots traded
	Outcome Outcome
	// Price is the order's clearing price: for a request per lot delivered
	// at par, for an offer per lot ex works. Every fill of the order is at
	// it. HasPrice is false when the order has no compatible counterparty.
	Price    catalog.Price
	HasPrice bool
	// Surplus is (Limit − Price) × Filled for a request and (Price − Limit)
	// × Filled for an offer.
	Surplus int64
	// Constraint and Excluded explain NoCounterparty: the rule that excluded
	// the most candidate orders of the other side (ties go to grade, basis,
	// lead time, rating, in that order), and how many it excluded.
	Constraint Constraint
	Excluded   int
}

// ParticipantSurplus is one company's share of the clearing.
type ParticipantSurplus struct {
	Owner   catalog.ParticipantID
	Bought  int64 // lots
	Sold    int64 // lots
	Surplus int64 // minor units
}

// Result is a clearing. Requests and Offers are parallel to the input
// slices. Fills are sorted by request priority, then offer priority.
// Participants is sorted by Owner.
type Result struct {
	Fills        []Fill
	Requests     []OrderResult
	Offers       []OrderResult
	Participants []ParticipantSurplus
	Volume       int64 // lots traded
	Surplus      int64 // total surplus, the optimum
}
