package catalog

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/internal/enumtext"
	"github.com/agora-exchange/agora/internal/jsoncheck"
)

// TestNameTablesComplete checks Status's table of names.
func TestNameTablesComplete(t *testing.T) {
	require.NoError(t, enumtext.CheckEnum(statusNames[:], 1, ParseStatus), "Status")
}

func TestIDText(t *testing.T) {
	type ids struct {
		C CategoryID
		B BasisID
		P ParticipantID
		S Status
	}
	in := ids{C: 1<<32 - 1, B: 7, P: 123456, S: StatusVerified}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	require.JSONEq(t, `{"C":"4294967295","B":"7","P":"123456","S":"verified"}`, string(b))
	var out ids
	require.NoError(t, json.Unmarshal(b, &out))
	require.Equal(t, in, out)
	require.NoError(t, json.Unmarshal([]byte(`{"C":12,"B":"3","P":9}`), &out), "plain integers read too")
	require.Equal(t, ids{C: 12, B: 3, P: 9, S: StatusVerified}, out)
	for _, bad := range []string{`{"C":"4294967296"}`, `{"B":-1}`, `{"P":"1.0"}`, `{"S":"Verified"}`} {
		err := json.Unmarshal([]byte(bad), &out)
		require.Error(t, err, bad)
	}
	err = json.Unmarshal([]byte(`{"P":"x"}`), &out)
	require.ErrorIs(t, err, ErrMalformedID)
	err = json.Unmarshal([]byte(`{"S":"Verified"}`), &out)
	require.ErrorIs(t, err, ErrUnknownName)
	m, err := json.Marshal(map[ParticipantID]int{5: 1})
	require.NoError(t, err)
	require.Equal(t, `{"5":1}`, string(m))
}

// TestJSONRoundTrip: Participant, Category and Basis keep every field
// through JSON, under snake_case names, with IDs and the status as strings.
func TestJSONRoundTrip(t *testing.T) {
	for name, check := range map[string]func() (string, error){
		"Participant": jsoncheck.RoundTrip[Participant],
		"Category":    jsoncheck.RoundTrip[Category],
		"Basis":       jsoncheck.RoundTrip[Basis],
	} {
		js, err := check()
		require.NoError(t, err, "%s: %s", name, js)
	}
}
