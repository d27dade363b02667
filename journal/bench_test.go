package journal

import (
	"strconv"
	"sync"
	"testing"
)

// BenchmarkAppend measures acknowledged appends of 128-byte payloads in
// each mode with 1, 8 and 64 concurrent submitters that follow the
// engine's pattern: Enqueue under a shared lock, Wait outside it.
func BenchmarkAppend(b *testing.B) {
	payload := make([]byte, 128)
	for i := range payload {
		payload[i] = byte(i)
	}
	for _, mode := range allModes {
		for _, submitters := range []int{1, 8, 64} {
			b.Run(mode.String()+"/submitters="+strconv.Itoa(submitters), func(b *testing.B) {
				l, err := Open(b.TempDir(), Options{Mode: mode})
				if err != nil {
					b.Fatal(err)
				}
				var engine sync.Mutex
				var next uint64 = 1
				var wg sync.WaitGroup
				b.ReportAllocs()
				b.ResetTimer()
				for w := range submitters {
					n := b.N / submitters
					if w < b.N%submitters {
						n++
					}
					wg.Go(func() {
						for range n {
							engine.Lock()
							tk, err := l.Enqueue(Record{Seq: next, Payload: payload})
							next++
							engine.Unlock()
							if err == nil {
								err = l.Wait(tk)
							}
							if err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				if err := l.Sync(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// BenchmarkEnqueue measures the cost the engine pays under its lock.
func BenchmarkEnqueue(b *testing.B) {
	l, err := Open(b.TempDir(), Options{Mode: ModeAsync})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	payload := make([]byte, 128)
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		seq++
		if _, err := l.Enqueue(Record{Seq: seq, Payload: payload}); err != nil {
			b.Fatal(err)
		}
	}
}
