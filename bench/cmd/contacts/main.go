// Command contacts measures how many contacts buyers and sellers need to find
// counterparties: by direct search, and through Agora's exchange, which it
// runs on the generated orders. With no flags it reproduces the example that
// motivates Agora: 5 buyers and 5 sellers in one market make 50 direct
// contacts, against 10 postings to the exchange.
//
//	go run ./bench/cmd/contacts
//	go run ./bench/cmd/contacts -buyers 100000 -sellers 100000 -markets 1000
//	go run ./bench/cmd/contacts -sweep -format csv > sweep.csv
//	go run ./bench/cmd/contacts -sweep -plot contacts.svg
//
// See bench/CONTACTS.md for the model and every flag. The command lives in
// its own module (bench/cmd), so that the charting library it draws with
// (gonum.org/v1/plot) stays out of the engine's module; the repository's
// go.work lets it run from the repository root.
package main

import (
	"os"

	"github.com/agora-exchange/agora/bench/cmd/internal/plot"
	"github.com/agora-exchange/agora/bench/contacts/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr, cli.Options{Plot: plot.Save, Figures: plot.Figures}))
}
