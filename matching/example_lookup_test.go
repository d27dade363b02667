package matching_test

import (
	"fmt"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

func ExampleExchange_ParticipantByINN() {
	x, _ := matching.New(matching.Config{})
	for _, c := range []matching.Command{
		{Kind: matching.CmdRegister, Name: "Cement Works JSC", INN: "7707083893"},
		{Kind: matching.CmdRegister, Name: "Cement Works JSC, Tula", INN: "7707083893", KPP: "710401001"},
		{Kind: matching.CmdRegister, Name: "Builder LLC", INN: "7736207543"},
	} {
		x.Submit(c, nil)
	}

	// A gateway maps a company's INN to its participant ID, after a
	// restart too. Branches share the INN; the first registration answers.
	p, ok := x.ParticipantByINN("7736207543")
	fmt.Println(p.ID, p.Name, p.Status, ok)
	p, _ = x.ParticipantByINN("7707083893")
	fmt.Println(p.ID, p.Name)
	_, ok = x.ParticipantByINN("7707083894")
	fmt.Println(ok)
	// Output:
	// 3 Builder LLC pending true
	// 1 Cement Works JSC
	// false
}

func ExampleExchange_Participants() {
	x, _ := matching.New(matching.Config{})
	for _, inn := range []string{"7707083893", "7736207543"} {
		x.Submit(matching.Command{Kind: matching.CmdRegister, Name: "Company " + inn, INN: inn}, nil)
	}
	x.Submit(matching.Command{Kind: matching.CmdSetStatus, Participant: 2, Status: catalog.StatusVerified}, nil)

	// Participants appends to the caller's buffer, in ID order.
	var buf []catalog.Participant
	buf = x.Participants(buf[:0])
	for _, p := range buf {
		fmt.Println(p.ID, p.INN, p.Status)
	}
	// Output:
	// 1 7707083893 pending
	// 2 7736207543 verified
}
