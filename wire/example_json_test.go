package wire_test

import (
	"encoding/json"
	"fmt"

	"github.com/agora-exchange/agora/wire"
)

// A Command as JSON: snake_case keys, enums by name, IDs as strings, and
// the fields its kind does not read left out.
func ExampleCommand_json() {
	cmd := wire.Command{
		Kind: wire.CmdPlace, Time: 1_700_000_000_000, Participant: 2,
		Category: 17, Basis: 1, ClientOrderID: 42,
		Side: wire.Buy, Type: wire.Limit, TIF: wire.GTC,
		Price: 650_000, Qty: 40,
	}
	b, _ := json.Marshal(cmd)
	fmt.Println(string(b))

	// A gateway reads a client's JSON into a Command and submits it; the
	// exchange validates it like any other.
	var back wire.Command
	err := json.Unmarshal(b, &back)
	fmt.Println(err, back.Side, back.TIF, back.Price, back.Qty)
	fmt.Println(wire.CheckShape(&back))
	// Output:
	// {"kind":"place","time":1700000000000,"participant":"2","category":"17","basis":"1","client_order_id":42,"side":"buy","type":"limit","tif":"gtc","price":650000,"qty":40}
	// <nil> buy gtc 650000 40
	// none
}

// An Event as JSON. Order IDs are strings: the first order of the 8,192nd
// market is 2^53+1, which a JavaScript number cannot hold.
func ExampleEvent_json() {
	fill := wire.Event{
		Seq: 9, Time: 1_700_000_000_500, Kind: wire.EventFill, Command: wire.CmdPlace,
		Participant: 3, Category: 17, Basis: 1,
		OrderID: 8192<<wire.OrderMarketShift | 1, Side: wire.Sell, Price: 650_000, Qty: 40,
		MakerParticipant: 2, MakerOrderID: 8192<<wire.OrderMarketShift | 2, MakerClientOrderID: 42,
	}
	b, _ := json.Marshal(fill)
	fmt.Println(string(b))

	var back wire.Event
	_ = json.Unmarshal(b, &back)
	fmt.Println(back.Kind, back.OrderID, back.OrderID == fill.OrderID)

	rej, _ := json.Marshal(wire.Event{Seq: 10, Kind: wire.EventRejected, Command: wire.CmdCancel, Participant: 3, Reject: wire.ReasonUnknownOrder})
	fmt.Println(string(rej))
	// Output:
	// {"seq":9,"time":1700000000500,"kind":"fill","command":"place","participant":"3","category":"17","basis":"1","order_id":"9007199254740993","side":"sell","price":650000,"qty":40,"maker_participant":"2","maker_order_id":"9007199254740994","maker_client_order_id":42}
	// fill 9007199254740993 true
	// {"seq":10,"time":0,"kind":"rejected","reject":"unknown-order","command":"cancel","participant":"3"}
}
