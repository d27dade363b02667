package orderbook_test

import (
	"fmt"

	"github.com/agora-exchange/agora/orderbook"
)

func ExampleBook_Place() {
	book, _ := orderbook.New(orderbook.Config{})
	var events []orderbook.Event

	// A seller offers 100 t at 5,000 per t; it rests.
	ask := orderbook.Order{ID: 1, Owner: 10, Side: orderbook.Sell, Type: orderbook.Limit, TIF: orderbook.GTC, Price: 5000, Qty: 100}
	events, res, _ := book.Place(ask, 1, events[:0])
	fmt.Println("ask:", len(events), "events, resting", res.Resting)

	// A buyer bids 5,100 for 60 t: it trades at the resting price.
	bid := orderbook.Order{ID: 2, Owner: 20, Side: orderbook.Buy, Type: orderbook.Limit, TIF: orderbook.GTC, Price: 5100, Qty: 60}
	events, res, _ = book.Place(bid, 2, events[:0])
	for _, e := range events {
		fmt.Printf("%v: maker %d sells %d at %d to taker %d, maker has %d left\n", e.Kind, e.OrderID, e.Qty, e.Price, e.TakerID, e.Remaining)
	}
	fmt.Printf("filled %d, resting %d\n", res.Filled, res.Resting)

	_, _, okBid := book.BestBid()
	askPrice, askQty, _ := book.BestAsk()
	fmt.Println("bids:", okBid, "best ask:", askPrice, askQty)
	// Output:
	// ask: 0 events, resting 100
	// fill: maker 1 sells 60 at 5000 to taker 2, maker has 40 left
	// filled 60, resting 0
	// bids: false best ask: 5000 40
}

func ExampleBook_Cancel() {
	book, _ := orderbook.New(orderbook.Config{})
	bid := orderbook.Order{ID: 7, Owner: 20, Side: orderbook.Buy, Type: orderbook.Limit, TIF: orderbook.GTC, Price: 4900, Qty: 30}
	book.Place(bid, 1, nil)

	_, err := book.Cancel(7, 21, 2, nil)
	fmt.Println("someone else:", err)

	events, err := book.Cancel(7, 20, 2, nil)
	fmt.Println(events[0].Kind, events[0].Reason, events[0].Qty, err, book.Len())

	_, err = book.Cancel(7, 20, 3, nil)
	fmt.Println("again:", err)
	// Output:
	// someone else: orderbook: order belongs to another owner
	// cancel requested 30 <nil> 0
	// again: orderbook: unknown order
}

func ExampleBook_Amend() {
	book, _ := orderbook.New(orderbook.Config{})
	for id := orderbook.OrderID(1); id <= 2; id++ {
		o := orderbook.Order{ID: id, Owner: 20, Side: orderbook.Buy, Type: orderbook.Limit, TIF: orderbook.GTC, Price: 4900, Qty: 30}
		book.Place(o, 1, nil)
	}
	queue := func() {
		for o := range book.OrdersAt(orderbook.Buy, 4900) {
			fmt.Printf(" %d(%d)", o.ID, o.Qty)
		}
		fmt.Println()
	}

	// Reducing at the same price keeps the order's place.
	events, _, _ := book.Amend(1, 20, 4900, 10, 2, nil)
	fmt.Print(events[0].Reason, " ", events[0].Qty, ":")
	queue()

	// Increasing loses it.
	book.Amend(1, 20, 4900, 50, 3, nil)
	fmt.Print("increased:")
	queue()
	// Output:
	// amend-down 20: 1(10) 2(30)
	// increased: 2(30) 1(50)
}

func ExampleBook_Depth() {
	book, _ := orderbook.New(orderbook.Config{})
	orders := []orderbook.Order{
		{ID: 1, Owner: 1, Side: orderbook.Sell, Price: 5050, Qty: 10},
		{ID: 2, Owner: 2, Side: orderbook.Sell, Price: 5000, Qty: 20},
		{ID: 3, Owner: 3, Side: orderbook.Sell, Price: 5000, Qty: 5},
		{ID: 4, Owner: 4, Side: orderbook.Buy, Price: 4950, Qty: 15},
	}
	for _, o := range orders {
		o.Type, o.TIF = orderbook.Limit, orderbook.GTC
		book.Place(o, 1, nil)
	}
	for _, side := range []orderbook.Side{orderbook.Sell, orderbook.Buy} {
		for _, lv := range book.Depth(side, 5, nil) {
			fmt.Printf("%v %d: %d in %d orders\n", side, lv.Price, lv.Qty, lv.Orders)
		}
	}
	// Output:
	// sell 5000: 25 in 2 orders
	// sell 5050: 10 in 1 orders
	// buy 4950: 15 in 1 orders
}
