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
	informed, _ := r.Outcome("informed")
	fmt.Println("inquiries by buyers:        ", informed.Inquiries)
	fmt.Println("replies by sellers:         ", informed.Contacts-informed.Inquiries)
	fmt.Println("direct contacts in total:   ", informed.Contacts)
	fmt.Println("postings to the exchange:   ", r.ExchangePostings())
	fmt.Println("trading messages:           ", r.ExchangeMessages())
	fmt.Println("messages with onboarding:   ", r.AllMessages())
	fmt.Println("trades, direct and exchange:", r.DirectTrades, r.Exchange.Trades)
	// Output:
	// inquiries by buyers:         25
	// replies by sellers:          25
	// direct contacts in total:    50
	// postings to the exchange:    10
	// trading messages:            28
	// messages with onboarding:    68
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
	ex, _ := r.Outcome("exhaustive")
	in, _ := r.Outcome("informed")
	fmt.Println("exhaustive inquiries:", ex.Inquiries)
	fmt.Println("informed inquiries:  ", in.Inquiries)
	fmt.Println("postings:            ", r.ExchangePostings())
	// Output:
	// exhaustive inquiries: 24
	// informed inquiries:   10
	// postings:             10
}
