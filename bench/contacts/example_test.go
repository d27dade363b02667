package contacts_test

import (
	"fmt"

	"github.com/agora-exchange/agora/bench/contacts"
)

// The example that motivates Agora: five buyers and five sellers of one good.
func Example() {
	r, err := contacts.Run(contacts.Config{Buyers: 5, Sellers: 5, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("direct contacts by sellers:", r.InformedBySellers)
	fmt.Println("direct contacts by buyers: ", r.InformedByBuyers)
	fmt.Println("direct contacts in total:  ", r.DirectInformed())
	fmt.Println("postings to the exchange:  ", r.ExchangePostings())
	fmt.Printf("ratio: %.0f\n", r.Ratio())
	fmt.Println("trades, direct and exchange:", r.DirectTrades, r.ExchangeTrades)
	// Output:
	// direct contacts by sellers: 25
	// direct contacts by buyers:  25
	// direct contacts in total:   50
	// postings to the exchange:   10
	// ratio: 5
	// trades, direct and exchange: 2 2
}

// Two markets of 3 buyers × 2 sellers and 1 buyer × 4 sellers.
func ExampleFromLayout() {
	m, err := contacts.FromLayout([]int{3, 1}, []int{2, 4}, contacts.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := m.Count()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("uninformed per side:", r.UninformedByBuyers)
	fmt.Println("informed per side:  ", r.InformedByBuyers)
	fmt.Println("postings:           ", r.ExchangePostings())
	// Output:
	// uninformed per side: 24
	// informed per side:   10
	// postings:            10
}
