package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLookupINN(t *testing.T) {
	p := NewParticipants()
	head, err := p.Register("Cement Works JSC", "7707083893", "")
	require.NoError(t, err)
	branch, err := p.Register("Cement Works JSC, Tula branch", "7707083893", "710401001")
	require.NoError(t, err)
	other, err := p.Register("Builder LLC", "7736207543", "773601001")
	require.NoError(t, err)
	_, err = p.Register("Builder LLC again", "7736207543", "773601001")
	require.ErrorIs(t, err, ErrDuplicateParticipant)

	got, ok := p.LookupINN("7707083893")
	require.True(t, ok)
	require.Equal(t, head, got.ID, "branches share the INN: the first registered answers")
	got, ok = p.LookupINN("7736207543")
	require.True(t, ok)
	require.Equal(t, Participant{ID: other, Name: "Builder LLC", INN: "7736207543", KPP: "773601001", Status: StatusPending}, got)
	id, ok := p.ByINN("7707083893", "710401001")
	require.True(t, ok)
	require.Equal(t, branch, id)
	_, ok = p.LookupINN("7707083894")
	require.False(t, ok)
	_, ok = p.LookupINN("")
	require.False(t, ok)

	require.NoError(t, p.Verify(head))
	got, _ = p.LookupINN("7707083893")
	require.Equal(t, StatusVerified, got.Status, "the lookup reads the current record")

	c := p.Clone()
	_, err = p.Register("Late Co", "500100732259", "")
	require.NoError(t, err)
	_, ok = c.LookupINN("500100732259")
	require.False(t, ok, "a clone shares no index with its origin")
	got, ok = c.LookupINN("7707083893")
	require.True(t, ok)
	require.Equal(t, head, got.ID)

	var zero Participants
	_, err = zero.Register("Zero Co", "7707083893", "")
	require.NoError(t, err)
	_, ok = zero.LookupINN("7707083893")
	require.True(t, ok, "the zero registry indexes INNs too")
	var nilp *Participants
	_, ok = nilp.LookupINN("7707083893")
	require.False(t, ok)
	require.Empty(t, nilp.AppendAll(nil))
}

func TestAppendAll(t *testing.T) {
	p := NewParticipants()
	for _, inn := range []string{"7707083893", "7736207543", "500100732259"} {
		_, err := p.Register("Co "+inn, inn, "")
		require.NoError(t, err)
	}
	all := p.AppendAll(nil)
	require.Len(t, all, 3)
	for i, x := range all {
		require.Equal(t, ParticipantID(i+1), x.ID)
	}
	pre := []Participant{{Name: "kept"}}
	require.Equal(t, append(pre, all...), p.AppendAll(pre))

	all[0].Name = "changed"
	got, _ := p.Get(1)
	require.Equal(t, "Co 7707083893", got.Name, "the caller owns the copies")

	buf := make([]Participant, 0, 8)
	allocs := testing.AllocsPerRun(100, func() { buf = p.AppendAll(buf[:0]) })
	require.Zero(t, allocs)
	lookups := testing.AllocsPerRun(100, func() { _, _ = p.LookupINN("7736207543") })
	require.Zero(t, lookups)
}
