package natsjs

import (
	"testing"

	"github.com/agora-exchange/agora/replog"
)

func TestParseSource(t *testing.T) {
	for _, c := range []struct {
		in   string
		want replog.Origin
	}{
		{"AGORA_GLOBAL 17 > >", replog.Origin{Stream: "AGORA_GLOBAL", Seq: 17}},
		{"AGORA_GLOBAL:a1b2 3 > >", replog.Origin{Stream: "AGORA_GLOBAL", Seq: 3}},
		{"bad", replog.Origin{}},
		{"S x", replog.Origin{}},
	} {
		if got := parseSource(c.in); got != c.want {
			t.Errorf("parseSource(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
	if v, ok := parseLast("wrong last sequence: 42"); !ok || v != 42 {
		t.Errorf("parseLast = %d, %v", v, ok)
	}
	if _, ok := parseLast("wrong last sequence"); ok {
		t.Error("parseLast read a number from a constant message")
	}
}
