package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun runs the example on an embedded cluster and checks what it
// prints: the shard map, trades with fills, the crash, and no
// acknowledged command lost.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, options{prefix: "EXAMPLE", shards: 4, orders: 100, tempDir: t.TempDir()}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := out.String()
	for _, re := range []string{
		`shard 0: node-[ab], node-[ab]\n`, `shard 3: node-[ab], node-[ab]\n`,
		`traded: 100 orders, [1-9][0-9]* fills`,
		`crashed node-[ab]\n`,
		`traded on: 200 orders`,
		`acknowledged 200, found 200 at their seqs, lost 0\n`,
	} {
		if !regexp.MustCompile(re).MatchString(s) {
			t.Errorf("output lacks %q:\n%s", re, s)
		}
	}
}
