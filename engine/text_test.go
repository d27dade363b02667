package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/internal/enumtext"
	"github.com/agora-exchange/agora/internal/jsoncheck"
)

// TestNameTablesComplete checks TenderState's table of names.
func TestNameTablesComplete(t *testing.T) {
	require.NoError(t, enumtext.CheckEnum(tenderStateNames[:], 1, ParseTenderState), "TenderState")
}

// TestJSONRoundTrip: the engine's result types keep every field through
// JSON, under snake_case names, with IDs and enums as strings.
func TestJSONRoundTrip(t *testing.T) {
	for name, check := range map[string]func() (string, error){
		"Counters":     jsoncheck.RoundTrip[Counters],
		"Onboarding":   jsoncheck.RoundTrip[Onboarding],
		"TenderInfo":   jsoncheck.RoundTrip[TenderInfo],
		"TenderBid":    jsoncheck.RoundTrip[TenderBid],
		"Subscription": jsoncheck.RoundTrip[Subscription],
		"Level":        jsoncheck.RoundTrip[Level],
		"OrderInfo":    jsoncheck.RoundTrip[OrderInfo],
		"Uncross":      jsoncheck.RoundTrip[Uncross],
	} {
		js, err := check()
		require.NoError(t, err, "%s: %s", name, js)
	}
}
