// Package table holds the two concurrent indexes of Agora's front door:
// Map, from a 64-bit key to a pointer, and List, an append-only sequence of
// pointers. Both are read without locks by any number of goroutines while
// one writer at a time (the caller serialises writers) adds entries, and
// both grow in O(1) amortised time per entry: nothing ever copies the whole
// index on an insert.
package table

import (
	"sync/atomic"
)

// Map maps uint64 keys to non-nil *V. Get is safe concurrently with
// everything; Put must not run concurrently with another Put. Entries are
// never removed. The zero value is an empty map.
type Map[V any] struct {
	cur atomic.Pointer[mapTable[V]]
	n   int // entries, guarded by the writer
}

type mapTable[V any] struct {
	mask  uint64
	slots []mapSlot[V]
}

type mapSlot[V any] struct {
	key uint64
	val atomic.Pointer[V] // nil: empty; set last, after key
}

// mix is a bijective 64-bit finaliser (splitmix64), so sequential keys
// spread over the slots.
func mix(k uint64) uint64 {
	k ^= k >> 30
	k *= 0xbf58476d1ce4e5b9
	k ^= k >> 27
	k *= 0x94d049bb133111eb
	k ^= k >> 31
	return k
}

// Get returns the value of key, or nil. Cost: O(1) expected, no locks, no
// allocation.
func (m *Map[V]) Get(key uint64) *V {
	t := m.cur.Load()
	if t == nil {
		return nil
	}
	for i := mix(key) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		v := s.val.Load()
		if v == nil {
			return nil
		}
		if s.key == key {
			return v
		}
	}
}

// Len returns the number of entries. It must be called by the writer.
func (m *Map[V]) Len() int { return m.n }

// Put adds key with value v (non-nil), replacing nothing: it reports false
// and changes nothing if key is present. Cost: O(1) amortised; the table
// doubles (a rehash readers do not see until it is complete) when it is
// half full.
func (m *Map[V]) Put(key uint64, v *V) bool {
	if v == nil {
		panic("table: nil value") // a programming error of the caller
	}
	t := m.cur.Load()
	if t == nil || 2*(m.n+1) > len(t.slots) {
		t = m.grow(t)
	}
	for i := mix(key) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		old := s.val.Load()
		if old == nil {
			s.key = key
			s.val.Store(v) // publishes key too: readers load val first
			m.n++
			return true
		}
		if s.key == key {
			return false
		}
	}
}

func (m *Map[V]) grow(old *mapTable[V]) *mapTable[V] {
	size := 16
	if old != nil {
		size = 2 * len(old.slots)
	}
	t := &mapTable[V]{mask: uint64(size - 1), slots: make([]mapSlot[V], size)}
	if old != nil {
		for i := range old.slots {
			s := &old.slots[i]
			v := s.val.Load()
			if v == nil {
				continue
			}
			for j := mix(s.key) & t.mask; ; j = (j + 1) & t.mask {
				if t.slots[j].val.Load() == nil {
					t.slots[j].key = s.key
					t.slots[j].val.Store(v)
					break
				}
			}
		}
	}
	m.cur.Store(t)
	return t
}

// pageBits sets the List page size: 4096 entries.
const pageBits = 12

// List is an append-only list of non-nil *V, indexed from 0. Get and Len
// are safe concurrently with everything; Append must not run concurrently
// with another Append. The zero value is an empty list.
type List[V any] struct {
	pages atomic.Pointer[[]*[1 << pageBits]atomic.Pointer[V]]
	n     atomic.Int64
}

// Len returns the number of entries appended so far.
func (l *List[V]) Len() int { return int(l.n.Load()) }

// Get returns entry i, or nil if i is out of range. Cost: O(1), no locks.
func (l *List[V]) Get(i int) *V {
	if i < 0 || i >= int(l.n.Load()) {
		return nil
	}
	pages := *l.pages.Load()
	return pages[i>>pageBits][i&(1<<pageBits-1)].Load()
}

// Append adds v (non-nil) at index Len() and returns that index. Cost: O(1)
// amortised: a new page every 4096 entries, and a copy of the page
// pointers (not the entries) when their slice grows.
func (l *List[V]) Append(v *V) int {
	if v == nil {
		panic("table: nil value") // a programming error of the caller
	}
	i := int(l.n.Load())
	var pages []*[1 << pageBits]atomic.Pointer[V]
	if p := l.pages.Load(); p != nil {
		pages = *p
	}
	if i>>pageBits == len(pages) {
		grown := append(pages[:len(pages):len(pages)], new([1 << pageBits]atomic.Pointer[V]))
		l.pages.Store(&grown)
		pages = grown
	}
	pages[i>>pageBits][i&(1<<pageBits-1)].Store(v)
	l.n.Store(int64(i + 1))
	return i
}
