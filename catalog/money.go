package catalog

import "math/bits"

// Price is an amount of money in minor currency units (for example kopecks or
// cents). On a market it is always a positive multiple of the category's tick.
type Price int64

// Qty is a quantity in the category's base unit of measure. On a market it is
// always a positive multiple of the category's lot.
type Qty int64

// CategoryID identifies a category of the taxonomy. Zero is never a valid ID.
type CategoryID uint32

// BasisID identifies a delivery basis (region or delivery point). Zero is never
// a valid ID.
type BasisID uint32

// ParticipantID identifies a registered company. Zero is never a valid ID.
type ParticipantID uint32

// Notional returns price × qty in minor units and reports whether the product
// fits in an int64. Negative inputs report false. Cost: O(1), no allocation.
func Notional(p Price, q Qty) (int64, bool) {
	if p < 0 || q < 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(p), uint64(q))
	if hi != 0 || lo > 1<<63-1 {
		return 0, false
	}
	return int64(lo), true
}
