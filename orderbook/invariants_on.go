//go:build invariants

package orderbook

const invariantsEnabled = true
