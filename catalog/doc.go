// Package catalog holds Agora's reference data: the category taxonomy, the
// delivery bases and the registry of participants. The order books and the
// exchange read it to decide what may be traded, where, in which steps and by
// whom.
//
// # Taxonomy
//
// Goods and services sit in a tree of categories with dotted OKPD2-style
// codes: "23" (other non-metallic mineral products) contains "23.51" (cement),
// which contains "23.51.12" (Portland cement M500). A code is one or more
// groups of ASCII digits separated by dots; the parent of a code is the code
// without its last group, and a parent must be added before its children. IDs
// are dense and assigned from 1 in load order, so lookups by ID are slice
// indexes.
//
// Only leaf categories are tradable. A leaf has a unit of measure (t, m3, l,
// thousand pcs, t·km, ...), a tick and a lot. Prices (Price) are int64 minor
// currency units (kopecks) and must be positive multiples of the tick;
// quantities (Qty) are int64 amounts of the unit and must be positive
// multiples of the lot. Group categories may leave unit, tick and lot empty;
// they exist so that a supplier can subscribe to a whole branch (see
// Taxonomy.Covers and Taxonomy.Descendants). Money and quantity are never
// floating point; Notional computes price × quantity with an overflow check.
//
// # Delivery bases
//
// A basis is a delivery region or point (Moscow, Novorossiysk port, ...). A
// market is a (leaf category, basis) pair, as on commodity exchanges.
//
// # Participants and moderation
//
// A company registers with its taxpayer number (INN): 10 digits for a legal
// entity, 12 for an individual entrepreneur, checked with the official check
// digit algorithm (ValidateINN). A legal entity may add a KPP (registration
// reason code, one per branch); the pair (INN, KPP) is unique. A new
// participant is pending; moderation verifies it or refuses it (suspended),
// and may later suspend and reinstate it. Only verified participants may
// trade (Status.CanTrade; transitions in Status.CanTransition).
//
// # Invariants
//
//   - IDs (CategoryID, BasisID, ParticipantID) start at 1 and are never
//     reused; zero is never valid.
//   - Every category's parent exists and has a smaller ID; Depth is the number
//     of code groups.
//   - After LoadTaxonomyCSV or a nil Taxonomy.Validate, every leaf has a unit,
//     tick > 0 and lot > 0.
//   - A failed Add, Register or SetStatus leaves its container unchanged.
//
// # Concurrency
//
// No type in this package is safe for concurrent mutation. Taxonomy, Bases and
// Catalog are built once and then treated as immutable: callers must not add
// to them after handing them to an exchange. Read-only use from many
// goroutines after setup is safe. Participants changes while an exchange runs;
// its owner serializes access and uses Participants.Clone for snapshots.
//
// The package has no global mutable state, does not print, and reports bad
// input with errors (sentinels in errors.go, checked with errors.Is) rather
// than panics. Lookups by ID (Taxonomy.ByID, Taxonomy.IsLeaf,
// Participants.Status, ...) do not allocate.
package catalog
