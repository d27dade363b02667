package matching_test

import (
	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
)

// verifiedCompany registers a company at time t and verifies it at t+1,
// returning its participant ID, or 0 if either command was refused.
func verifiedCompany(x *matching.Exchange, t int64, name, inn string) catalog.ParticipantID {
	evs, err := x.Submit(matching.Command{Kind: matching.CmdRegister, Time: t, Name: name, INN: inn}, nil)
	if err != nil {
		return 0
	}
	p := evs[0].Participant
	if _, err := x.Submit(matching.Command{Kind: matching.CmdSetStatus, Time: t + 1, Participant: p, Status: catalog.StatusVerified}, nil); err != nil {
		return 0
	}
	return p
}
