// Command contacts is bench/cmd/contacts with the -plot flag served: it
// takes the same flags and draws sweeps with gonum.org/v1/plot.
//
//	cd bench/plot && go run ./cmd/contacts -sweep -plot ../contacts.svg
package main

import (
	"os"

	"github.com/agora-exchange/agora/bench/contacts/cli"
	"github.com/agora-exchange/agora/bench/plot"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr, cli.Options{Plot: plot.Save}))
}
