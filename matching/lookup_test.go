package matching

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/catalog"
)

// lookupScenario registers a company with a branch (one INN, two KPPs) and
// another company, verifies the first and suspends the branch.
func lookupScenario(t *testing.T, x *Exchange) (head, branch, other catalog.ParticipantID) {
	t.Helper()
	reg := func(name, inn, kpp string) catalog.ParticipantID {
		evs, err := x.Submit(Command{Kind: CmdRegister, Time: 1, Name: name, INN: inn, KPP: kpp}, nil)
		require.NoError(t, err)
		return evs[0].Participant
	}
	head = reg("Cement Works JSC", "7707083893", "")
	branch = reg("Cement Works JSC, Tula", "7707083893", "710401001")
	other = reg("Builder LLC", "7736207543", "")
	_, err := x.Submit(Command{Kind: CmdSetStatus, Time: 2, Participant: head, Status: catalog.StatusVerified}, nil)
	require.NoError(t, err)
	_, err = x.Submit(Command{Kind: CmdSetStatus, Time: 2, Participant: branch, Status: catalog.StatusSuspended}, nil)
	require.NoError(t, err)
	return head, branch, other
}

func checkLookups(t *testing.T, x *Exchange, head, branch, other catalog.ParticipantID) {
	t.Helper()
	p, ok := x.ParticipantByINN("7707083893")
	require.True(t, ok)
	require.Equal(t, head, p.ID, "the first registration of an INN answers")
	require.Equal(t, catalog.StatusVerified, p.Status)
	p, ok = x.ParticipantByINN("7736207543")
	require.True(t, ok)
	require.Equal(t, catalog.Participant{ID: other, Name: "Builder LLC", INN: "7736207543", Status: catalog.StatusPending}, p)
	_, ok = x.ParticipantByINN("7707083894")
	require.False(t, ok)

	all := x.Participants(nil)
	require.Len(t, all, 3)
	require.Equal(t, []catalog.ParticipantID{head, branch, other}, []catalog.ParticipantID{all[0].ID, all[1].ID, all[2].ID})
	require.Equal(t, catalog.StatusSuspended, all[1].Status)
	require.Equal(t, "710401001", all[1].KPP)
	for _, q := range all {
		got, ok := x.Participant(q.ID)
		require.True(t, ok)
		require.Equal(t, got, q)
	}
}

func TestParticipantLookups(t *testing.T) {
	x, err := New(Config{})
	require.NoError(t, err)
	_, ok := x.ParticipantByINN("7707083893")
	require.False(t, ok)
	require.Empty(t, x.Participants(nil))
	head, branch, other := lookupScenario(t, x)
	checkLookups(t, x, head, branch, other)

	buf := make([]catalog.Participant, 0, 4)
	require.Zero(t, testing.AllocsPerRun(50, func() { buf = x.Participants(buf[:0]) }))
	require.Zero(t, testing.AllocsPerRun(50, func() { _, _ = x.ParticipantByINN("7736207543") }))
}
