//go:build race

package orderbook

const raceEnabled = true
