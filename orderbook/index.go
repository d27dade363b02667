package orderbook

import "math/bits"

// hashIndex maps non-zero uint64 keys (order IDs, prices) to int32 slots. It
// is an open-addressing table with linear probing and backward-shift
// deletion: a delete leaves no tombstone, so lookups of absent keys stay
// short however much the book churns (Go's built-in map slows down under
// heavy insert/delete churn as tombstones accumulate). Keys are scattered by
// Fibonacci hashing. The table holds no pointers, so the garbage collector
// never scans it.
//
// get, put and del cost O(1) expected; put allocates only when the table
// doubles (load above 3/4).
type hashIndex struct {
	slots []hashSlot
	shift uint8 // 64 - log2(len(slots))
	n     int
}

type hashSlot struct {
	key uint64 // 0 marks an empty slot
	val int32
}

const (
	fibonacci = 0x9E3779B97F4A7C15
	blockBits = 4
)

func newHashIndex(capacity int) hashIndex {
	size := 2 << blockBits
	for size*3/4 < capacity {
		size *= 2
	}
	return hashIndex{slots: make([]hashSlot, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
}

// home returns a key's preferred slot. Keys are grouped in blocks of
// 2^blockBits consecutive values; a block's position is scattered by
// Fibonacci hashing, and within it the key keeps its offset, on every other
// slot. Sequential IDs, the common case, therefore land close together
// (cache-friendly) with a free slot between neighbours, so probe runs and
// backward shifts stay short, while strided or patterned keys still spread
// across the table.
func (h *hashIndex) home(key uint64) int {
	block := ((key >> blockBits) * fibonacci) >> (h.shift + blockBits + 1)
	return int(block<<(blockBits+1) | (key&(1<<blockBits-1))<<1)
}

// Len returns the number of keys.
func (h *hashIndex) Len() int { return h.n }

func (h *hashIndex) get(key uint64) (int32, bool) {
	if key == 0 {
		return 0, false
	}
	mask := len(h.slots) - 1
	for i := h.home(key); ; i = (i + 1) & mask {
		s := &h.slots[i]
		if s.key == key {
			return s.val, true
		}
		if s.key == 0 {
			return 0, false
		}
	}
}

// put sets key to val. Key 0 is ignored (it marks empty slots).
func (h *hashIndex) put(key uint64, val int32) {
	if key == 0 {
		return
	}
	if (h.n+1)*4 > len(h.slots)*3 {
		h.grow()
	}
	mask := len(h.slots) - 1
	for i := h.home(key); ; i = (i + 1) & mask {
		s := &h.slots[i]
		if s.key == key {
			s.val = val
			return
		}
		if s.key == 0 {
			s.key, s.val = key, val
			h.n++
			return
		}
	}
}

// del removes key and reports whether it was present.
func (h *hashIndex) del(key uint64) bool {
	if key == 0 {
		return false
	}
	mask := len(h.slots) - 1
	i := h.home(key)
	for {
		s := &h.slots[i]
		if s.key == 0 {
			return false
		}
		if s.key == key {
			break
		}
		i = (i + 1) & mask
	}
	// Backward-shift: pull later entries of the probe run into the hole.
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		s := h.slots[j]
		if s.key == 0 {
			break
		}
		home := h.home(s.key)
		// Move s into the hole at i unless its home lies cyclically in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			h.slots[i] = s
			i = j
		}
	}
	h.slots[i] = hashSlot{}
	h.n--
	return true
}

func (h *hashIndex) grow() {
	old := h.slots
	*h = newHashIndex(len(old)) // capacity len(old) gives twice the slots
	for _, s := range old {
		if s.key != 0 {
			h.put(s.key, s.val)
		}
	}
}
