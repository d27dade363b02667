package orderbook

// The expiry heap is a binary min-heap of GTD order indices ordered by
// (expireAt, id), so expiry order is deterministic. Each order keeps its
// heap position in heapIdx for O(log n) removal on cancel or fill.

func (b *Book) heapLess(i, j int) bool {
	ai, ci := b.expiry[i], b.expiry[j]
	if a, c := b.coldOf(ai).expireAt, b.coldOf(ci).expireAt; a != c {
		return a < c
	}
	return b.ord(ai).id < b.ord(ci).id
}

func (b *Book) heapSwap(i, j int) {
	h := b.expiry
	h[i], h[j] = h[j], h[i]
	b.ord(h[i]).heapIdx = int32(i)
	b.ord(h[j]).heapIdx = int32(j)
}

func (b *Book) heapUp(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !b.heapLess(i, p) {
			return
		}
		b.heapSwap(i, p)
		i = p
	}
}

func (b *Book) heapDown(i int) bool {
	start := i
	n := len(b.expiry)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && b.heapLess(r, l) {
			m = r
		}
		if !b.heapLess(m, i) {
			break
		}
		b.heapSwap(i, m)
		i = m
	}
	return i > start
}

func (b *Book) heapPush(oi int32) {
	b.expiry = append(b.expiry, oi)
	i := len(b.expiry) - 1
	b.ord(oi).heapIdx = int32(i)
	b.heapUp(i)
}

func (b *Book) heapRemove(pos int32) {
	i := int(pos)
	last := len(b.expiry) - 1
	oi := b.expiry[i]
	if i != last {
		b.heapSwap(i, last)
	}
	b.expiry = b.expiry[:last]
	b.ord(oi).heapIdx = none
	if i != last {
		if !b.heapDown(i) {
			b.heapUp(i)
		}
	}
}
