package journal

import "math/bits"

// HistogramBuckets is the number of buckets of a Histogram.
const HistogramBuckets = 40

// Histogram counts non-negative integer observations in fixed
// power-of-two buckets: Counts[0] counts values up to 1, Counts[i] values
// in (2^(i-1), 2^i], and the last bucket everything larger. It is a plain
// value: copying it copies the counts.
type Histogram struct {
	Counts [HistogramBuckets]uint64
	// Count is the number of observations and Sum their total.
	Count, Sum uint64
}

// BucketUpper returns the largest value bucket i counts (the last bucket
// has no bound: it returns the largest int64).
func BucketUpper(i int) int64 {
	if i >= HistogramBuckets-1 {
		return 1<<63 - 1
	}
	return 1 << i
}

// Observe adds one observation; a negative v counts as 0. O(1).
func (h *Histogram) Observe(v int64) {
	if v < 0 {
		v = 0
	}
	i := 0
	if v > 1 {
		i = min(bits.Len64(uint64(v-1)), HistogramBuckets-1)
	}
	h.Counts[i]++
	h.Count++
	h.Sum += uint64(v)
}

// Stats is a snapshot of a FileLog's activity since Open.
type Stats struct {
	// FsyncNanos is the latency of every fsync of a segment after a
	// write, in nanoseconds.
	FsyncNanos Histogram
	// BatchRecords is the number of records made durable by each write
	// and fsync: 1 in ModeSync, the group-commit or async batch otherwise.
	BatchRecords Histogram
	// QueueDepth is the number of records enqueued and not yet durable.
	QueueDepth uint64
}

// Stats returns the log's statistics. Cost: a copy under the log's mutex
// (about 700 bytes).
func (l *FileLog) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.QueueDepth = l.lastSeq - l.durable
	return s
}
