package durable_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/matching"
	"github.com/stretchr/testify/require"
)

// lookupScenario registers a company with a branch (one INN, two KPPs) and
// another company, verifies the first and suspends the branch.
func lookupScenario(t *testing.T, x *matching.Exchange) (head, branch, other catalog.ParticipantID) {
	t.Helper()
	reg := func(name, inn, kpp string) catalog.ParticipantID {
		evs, err := x.Submit(matching.Command{Kind: matching.CmdRegister, Time: 1, Name: name, INN: inn, KPP: kpp}, nil)
		require.NoError(t, err)
		return evs[0].Participant
	}
	head = reg("Cement Works JSC", "7707083893", "")
	branch = reg("Cement Works JSC, Tula", "7707083893", "710401001")
	other = reg("Builder LLC", "7736207543", "")
	_, err := x.Submit(matching.Command{Kind: matching.CmdSetStatus, Time: 2, Participant: head, Status: catalog.StatusVerified}, nil)
	require.NoError(t, err)
	_, err = x.Submit(matching.Command{Kind: matching.CmdSetStatus, Time: 2, Participant: branch, Status: catalog.StatusSuspended}, nil)
	require.NoError(t, err)
	return head, branch, other
}

func checkLookups(t *testing.T, x *matching.Exchange, head, branch, other catalog.ParticipantID) {
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

// TestParticipantLookupsAfterReopen: a reopened durable exchange answers
// the lookups from its recovered state, from the journal and from a
// snapshot.
func TestParticipantLookupsAfterReopen(t *testing.T) {
	dir := t.TempDir()
	x, err := durable.Open(dir, matching.Config{}, durable.Options{})
	require.NoError(t, err)
	head, branch, other := lookupScenario(t, x)
	require.NoError(t, durable.Of(x).Close())

	y, err := durable.Open(dir, matching.Config{}, durable.Options{})
	require.NoError(t, err)
	checkLookups(t, y, head, branch, other)
	require.NoError(t, durable.Of(y).Snapshot())
	require.NoError(t, durable.Of(y).Close())

	z, err := durable.Open(dir, matching.Config{}, durable.Options{})
	require.NoError(t, err)
	defer durable.Of(z).Close()
	checkLookups(t, z, head, branch, other)
}

// TestFeedShowsOnlyDurableOutputs: on a durable exchange a reader of the
// ordered feed gets an output only once the journal holds its command; the
// outputs of acknowledged commands are all there, in order, byte for byte.
func TestFeedShowsOnlyDurableOutputs(t *testing.T) {
	dir := t.TempDir()
	x, err := durable.Open(dir, matching.Config{}, durable.Options{})
	require.NoError(t, err)
	defer durable.Of(x).Close()
	r := x.Feed(1)
	var want [][]matching.Event
	for i := range 20 {
		evs, err := x.Submit(matching.Command{Kind: matching.CmdRegister, Time: int64(i + 1), Name: "Company", INN: fmt.Sprintf("77%08d", i)}, nil)
		_ = err // refused INNs are outputs too
		want = append(want, evs)
		// Acknowledged: the output is in the feed.
		require.GreaterOrEqual(t, x.FeedLast(), uint64(i+1))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range want {
		seq, got, err := r.Next(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, uint64(i+1), seq)
		require.Equal(t, want[i], got)
	}
}
