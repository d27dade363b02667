package matching

import "hash/crc32"

// The journal's record framing as documented by package journal, for tests
// that forge records (a byte changed and its CRC-32C fixed, so that only the
// audit chain can notice).
const (
	segHeaderSize = 8 + 2 + 8 + 4 // magic, version, first seq, CRC-32C
	frameHeader   = 4 + 4 + 8     // length, CRC-32C, seq
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)
