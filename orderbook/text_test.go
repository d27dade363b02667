package orderbook

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/internal/enumtext"
	"github.com/agora-exchange/agora/internal/jsoncheck"
)

// TestNameTablesComplete checks every enum's table of names: one name per
// valid value, lower-case and hyphenated, distinct, read back by its
// Parse function and UnmarshalText.
func TestNameTablesComplete(t *testing.T) {
	require.NoError(t, enumtext.CheckEnum(sideNames[:], 1, ParseSide), "Side")
	require.NoError(t, enumtext.CheckEnum(typeNames[:], 1, ParseOrderType), "OrderType")
	require.NoError(t, enumtext.CheckEnum(tifNames[:], 1, ParseTimeInForce), "TimeInForce")
	require.NoError(t, enumtext.CheckEnum(stpNames[:], 0, ParseSTP), "STP")
	require.NoError(t, enumtext.CheckEnum(eventNames[:], 1, ParseEventKind), "EventKind")
	require.NoError(t, enumtext.CheckEnum(cancelNames[:], 1, ParseCancelReason), "CancelReason")
	require.NoError(t, enumtext.CheckEnum(modeNames[:], 1, ParseMode), "Mode")
}

func TestEnumNames(t *testing.T) {
	require.Equal(t, "gtc", GTC.String())
	require.Equal(t, "fok", FOK.String())
	require.Equal(t, "cancel-incoming", STPCancelIncoming.String())
	require.Equal(t, "TimeInForce(9)", TimeInForce(9).String())
	_, err := ParseTimeInForce("GTC")
	require.ErrorIs(t, err, ErrUnknownName, "names are lower-case only")

	b, err := json.Marshal(struct {
		S Side
		T TimeInForce
		M map[Side]int
	}{Sell, IOC, map[Side]int{Buy: 1}})
	require.NoError(t, err)
	require.JSONEq(t, `{"S":"sell","T":"ioc","M":{"buy":1}}`, string(b))
	var bad struct{ S Side }
	err = json.Unmarshal([]byte(`{"S":"sideways"}`), &bad)
	require.ErrorIs(t, err, ErrUnknownName)
}

func TestOrderIDText(t *testing.T) {
	big := OrderID(8192<<40 | 1) // the first order of the 8,192nd market: above 2^53
	require.Greater(t, uint64(big), uint64(1)<<53)
	b, err := json.Marshal(big)
	require.NoError(t, err)
	require.Equal(t, `"9007199254740993"`, string(b))
	var back OrderID
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, big, back)

	for in, want := range map[string]OrderID{
		`9007199254740993`:       big, // a plain integer is exact decimal text too
		`"18446744073709551615"`: math.MaxUint64,
		`"0"`:                    0,
	} {
		var id OrderID
		require.NoError(t, json.Unmarshal([]byte(in), &id), in)
		require.Equal(t, want, id, in)
	}
	for _, in := range []string{`"18446744073709551616"`, `"-1"`, `-1`, `1.5`, `1e3`, `""`, `"12a"`, `" 1"`, `true`, `{}`} {
		var id OrderID
		err := json.Unmarshal([]byte(in), &id)
		require.Error(t, err, in)
		if in != `true` && in != `{}` {
			require.True(t, errors.Is(err, ErrMalformedID), "%s: %v", in, err)
		}
	}
	id := OrderID(7)
	require.NoError(t, json.Unmarshal([]byte(`null`), &id))
	require.Equal(t, OrderID(7), id, "null leaves the ID unchanged")
	require.ErrorIs(t, id.UnmarshalText([]byte("x")), ErrMalformedID)
}

// TestJSONRoundTrip: the book's value types keep every field through JSON,
// under snake_case names, with IDs and enums as strings.
func TestJSONRoundTrip(t *testing.T) {
	for name, check := range map[string]func() (string, error){
		"Order":     jsoncheck.RoundTrip[Order],
		"Event":     jsoncheck.RoundTrip[Event],
		"Result":    jsoncheck.RoundTrip[Result],
		"Level":     jsoncheck.RoundTrip[Level],
		"OrderInfo": jsoncheck.RoundTrip[OrderInfo],
		"Uncross":   jsoncheck.RoundTrip[Uncross],
	} {
		js, err := check()
		require.NoError(t, err, "%s: %s", name, js)
	}
	b, err := json.Marshal(Level{Price: 650000, Qty: 40, Orders: 2})
	require.NoError(t, err)
	require.Equal(t, `{"price":650000,"qty":40,"orders":2}`, string(b))
}
