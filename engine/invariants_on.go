//go:build invariants

package engine

// invariantsEnabled makes every pool command check its pool's invariants
// afterwards (see mustHoldPool): the tests' build, never a release one.
const invariantsEnabled = true
