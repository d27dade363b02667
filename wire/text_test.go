package wire

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/internal/enumtext"
	"github.com/agora-exchange/agora/internal/jsoncheck"
	"github.com/agora-exchange/agora/orderbook"
)

// TestNameTablesComplete checks every enum's table of names: one name per
// valid value, lower-case and hyphenated, distinct, read back by its
// Parse function and UnmarshalText.
func TestNameTablesComplete(t *testing.T) {
	require.NoError(t, enumtext.CheckEnum(commandNames[:], 1, ParseCommandKind), "CommandKind")
	require.NoError(t, enumtext.CheckEnum(eventNames[:], 1, ParseEventKind), "EventKind")
	require.NoError(t, enumtext.CheckEnum(reasonNames[:], 0, ParseRejectReason), "RejectReason")
	require.NoError(t, enumtext.CheckEnum(tenderModeNames[:], 1, ParseTenderMode), "TenderMode")
	require.NoError(t, enumtext.CheckEnum(evalNames[:], 1, ParseEvaluation), "Evaluation")
	require.NoError(t, enumtext.CheckEnum(signPolicyNames[:], 1, ParseSignPolicy), "SignPolicy")
	require.Len(t, commandNames, int(MaxCommandKind)+1)
	require.Len(t, eventNames, int(MaxEventKind)+1)
	require.Len(t, reasonNames, int(MaxRejectReason)+1)
}

// TestForwardedParsers: the parsers of the aliased order-book enums are
// the order book's.
func TestForwardedParsers(t *testing.T) {
	for _, c := range []struct {
		name string
		got  func() (string, error)
	}{
		{"sell", func() (string, error) { v, err := ParseSide("sell"); return v.String(), err }},
		{"market", func() (string, error) { v, err := ParseOrderType("market"); return v.String(), err }},
		{"gtd", func() (string, error) { v, err := ParseTimeInForce("gtd"); return v.String(), err }},
		{"cancel-both", func() (string, error) { v, err := ParseSTP("cancel-both"); return v.String(), err }},
		{"self-trade", func() (string, error) { v, err := ParseCancelReason("self-trade"); return v.String(), err }},
		{"call", func() (string, error) { v, err := ParseMarketMode("call"); return v.String(), err }},
	} {
		got, err := c.got()
		require.NoError(t, err, c.name)
		require.Equal(t, c.name, got)
	}
	_, err := ParseSide("Buy")
	require.ErrorIs(t, err, ErrUnknownName)
	require.ErrorIs(t, err, orderbook.ErrUnknownName)
	require.ErrorIs(t, err, catalog.ErrUnknownName)
}

// TestRejectReasonNames: the short name follows the constant's name, the
// description keeps the sentinel's text, and Err is unchanged.
func TestRejectReasonNames(t *testing.T) {
	require.Equal(t, "unknown-order", ReasonUnknownOrder.String())
	require.Equal(t, "unknown order", ReasonUnknownOrder.Description())
	require.Equal(t, "duplicate-client-order-id", ReasonDuplicateClientOrderID.String())
	require.Equal(t, "invalid-inn", ReasonInvalidINN.String())
	require.Equal(t, "none", ReasonNone.String())
	require.Equal(t, "none", ReasonNone.Description())
	require.Equal(t, "RejectReason(200)", RejectReason(200).Description())
	require.Equal(t, "RejectReason(200)", RejectReason(200).String())
	for r := RejectReason(1); r <= MaxRejectReason; r++ {
		require.Equal(t, "matching: "+r.Description(), r.Err().Error(), r.String())
	}
}

// TestOrderIDBeyondFloat: the first 8,191 markets' IDs fit a float64
// exactly, the 8,192nd market's do not, as OrderID documents.
func TestOrderIDBeyondFloat(t *testing.T) {
	last := OrderID(8191<<OrderMarketShift | (1<<OrderMarketShift - 1))
	first := OrderID(8192<<OrderMarketShift | 1)
	require.Less(t, uint64(last), uint64(1)<<53)
	require.Greater(t, uint64(first), uint64(1)<<53)
	require.NotEqual(t, uint64(first), uint64(float64(first)), "a float64 rounds it")
}

func TestWireIDText(t *testing.T) {
	var tid TenderID
	require.NoError(t, tid.UnmarshalText([]byte("18446744073709551615")))
	require.Equal(t, TenderID(1<<64-1), tid)
	b, err := tid.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "18446744073709551615", string(b))
	var sid SubscriptionID
	require.NoError(t, sid.UnmarshalJSON([]byte(`"42"`)))
	require.Equal(t, SubscriptionID(42), sid)
	err = sid.UnmarshalJSON([]byte(`"4x"`))
	require.True(t, errors.Is(err, ErrMalformedID), "%v", err)
	var p catalog.ParticipantID
	err = p.UnmarshalText([]byte("4294967296"))
	require.ErrorIs(t, err, ErrMalformedID, "a ParticipantID holds 32 bits")
}

// TestJSONRoundTrip: Command, Event and MarketKey keep every field through
// JSON, under snake_case names, with IDs and enums as strings.
func TestJSONRoundTrip(t *testing.T) {
	for name, check := range map[string]func() (string, error){
		"Command":   jsoncheck.RoundTrip[Command],
		"Event":     jsoncheck.RoundTrip[Event],
		"MarketKey": jsoncheck.RoundTrip[MarketKey],
	} {
		js, err := check()
		require.NoError(t, err, "%s: %s", name, js)
	}
}

// TestJSONOmitsZeroFields: a field at its zero value is left out of a
// Command's or an Event's JSON, except kind and time (and seq), and reads
// back as zero.
func TestJSONOmitsZeroFields(t *testing.T) {
	b, err := json.Marshal(Command{Kind: CmdCancel, Participant: 3, OrderID: 1<<OrderMarketShift | 9})
	require.NoError(t, err)
	require.Equal(t, `{"kind":"cancel","time":0,"participant":"3","order_id":"1099511627785"}`, string(b))
	b, err = json.Marshal(Event{Seq: 5, Kind: EventRejected, Reject: ReasonUnknownOrder, Command: CmdCancel})
	require.NoError(t, err)
	require.Equal(t, `{"seq":5,"time":0,"kind":"rejected","reject":"unknown-order","command":"cancel"}`, string(b))
	var c Command
	require.NoError(t, json.Unmarshal([]byte(`{"kind":"place","side":"buy","type":"limit","tif":"gtc","price":650000,"qty":10}`), &c))
	require.Equal(t, Command{Kind: CmdPlace, Side: Buy, Type: Limit, TIF: GTC, Price: 650000, Qty: 10}, c)
	require.Equal(t, ReasonNone, CheckShape(&Command{Kind: CmdPlace, Side: Buy, Type: Limit, TIF: GTC, Price: 650000, Qty: 10}))
	err = json.Unmarshal([]byte(`{"kind":"plac"}`), &c)
	require.ErrorIs(t, err, ErrUnknownName)
	err = json.Unmarshal([]byte(`{"kind":"place","order_id":"-3"}`), &c)
	require.ErrorIs(t, err, ErrMalformedID)
}
