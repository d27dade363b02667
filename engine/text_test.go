package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/internal/enumtext"
)

// TestNameTablesComplete checks TenderState's table of names.
func TestNameTablesComplete(t *testing.T) {
	require.NoError(t, enumtext.CheckEnum(tenderStateNames[:], 1, ParseTenderState), "TenderState")
}
