package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/clearing"
)

// wantOutput is the example's whole output. Tula's M550 is the marginal
// supply into Moscow: at its limit 6000.00 + 50.00 transport − 20.00
// premium, Moscow buyers pay 6030.00 at par. Belgorod's 800 t are all
// taken (Voronezh 500, pickup 300), and its price 5890.00 is the highest
// at which Capital Homes, paying 6030.00, would not rather buy Belgorod
// delivered to Moscow (140.00). Express Repairs wants M550 within 3 days:
// the two plants below M550 and the two with longer lead times tie, so
// grade is named.
const wantOutput = `cement pool 23.51: par M500, M400 at -30.00, M550 at +20.00 RUB/t; prices in RUB/t
offers (ex works, for their own grade):
  O1 Tula Cement Plant M550 at TUL, 1000 t, lead  7 d, rating 80, min 6000.00
  O2 Belgorod Cement   M500 at BEL,  800 t, lead  5 d, rating 70, min 5600.00
  O3 Ryazan Cement     M400 at RZN,  600 t, lead  3 d, rating 50, min 5000.00
requests (delivered, at par):
  R1 MosStroy          M500+ to MSK      600 t, lead <=14 d rating >=60, max 7000.00
  R2 Capital Homes     any  to MSK      700 t, lead <=10 d rating >= 0, max 6300.00
  R3 Voronezh Concrete M500+ to VRN      500 t, lead any    rating >= 0, max 6400.00
  R4 Chernozem Build   M500+ pickup BEL  300 t, lead any    rating >=60, max 5900.00
  R5 Express Repairs   M550+ to MSK      100 t, lead <=3 d  rating >= 0, max 7500.00
trades (buyer price at par delivered; paid = for the grade received; seller price ex works):
  R1 MosStroy <- O1 Tula Cement Plant: 600 t M550 from TUL, buyer 6030.00, paid 6050.00, seller 6000.00, transport 50.00, grade 20.00
  R2 Capital Homes <- O1 Tula Cement Plant: 100 t M550 from TUL, buyer 6030.00, paid 6050.00, seller 6000.00, transport 50.00, grade 20.00
  R2 Capital Homes <- O3 Ryazan Cement: 600 t M400 from RZN, buyer 6030.00, paid 6000.00, seller 5940.00, transport 60.00, grade -30.00
  R3 Voronezh Concrete <- O2 Belgorod Cement: 500 t M500 from BEL, buyer 5930.00, paid 5930.00, seller 5890.00, transport 40.00, grade 0.00
  R4 Chernozem Build <- O2 Belgorod Cement: 300 t M500 from BEL, buyer 5890.00, paid 5890.00, seller 5890.00, transport 0.00, grade 0.00
surplus by company (RUB):
  Tula Cement Plant bought    0 t, sold  700 t, surplus 0.00
  Belgorod Cement   bought    0 t, sold  800 t, surplus 232000.00
  Ryazan Cement     bought    0 t, sold  600 t, surplus 564000.00
  MosStroy          bought  600 t, sold    0 t, surplus 582000.00
  Capital Homes     bought  700 t, sold    0 t, surplus 189000.00
  Voronezh Concrete bought  500 t, sold    0 t, surplus 235000.00
  Chernozem Build   bought  300 t, sold    0 t, surplus 3000.00
  Express Repairs   bought    0 t, sold    0 t, surplus 0.00
total: 2100 t traded, surplus 1805000.00 RUB; exact-match markets on the same orders: 90000.00 RUB
requests not filled completely:
  R5 Express Repairs: 0 of 100 t, no compatible counterparty (grade excluded 2 of the offers)
offers not filled completely:
  O1 Tula Cement Plant: 700 of 1000 t, at the margin
`

func TestOutput(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, run(&b))
	require.Equal(t, wantOutput, b.String())
}

// TestClearingProperties checks the example's clearing against its
// contract: limits, the price identity, surplus accounting, and that the
// multi-attribute clearing beats the exact-match markets.
func TestClearingProperties(t *testing.T) {
	m, err := setup()
	require.NoError(t, err)
	res, err := clearing.Clear(clearing.FromCatalog(m.d), m.reqs, m.offs)
	require.NoError(t, err)
	lim := map[clearing.OrderID]int64{}
	for _, r := range m.reqs {
		lim[r.ID] = int64(r.Limit)
	}
	olim := map[clearing.OrderID]int64{}
	for _, o := range m.offs {
		olim[o.ID] = int64(o.Limit)
	}
	var total int64
	for _, f := range res.Fills {
		require.LessOrEqual(t, int64(f.BuyerPrice), lim[f.Request])
		require.GreaterOrEqual(t, int64(f.SellerPrice), olim[f.Offer])
		require.Equal(t, f.BuyerPrice+f.GradeDiff, f.SellerPrice+f.Transport)
		total += f.Qty * (lim[f.Request] + int64(f.GradeDiff) - olim[f.Offer] - int64(f.Transport))
	}
	require.Equal(t, total, res.Surplus)
	exact, err := m.exactMatch()
	require.NoError(t, err)
	require.Equal(t, int64(300*30000), exact, "only the Belgorod pickup matches exactly")
	require.Greater(t, res.Surplus, exact)
	require.Equal(t, clearing.NoCounterparty, res.Requests[4].Outcome)
	require.Equal(t, clearing.ConstraintGrade, res.Requests[4].Constraint)

	// The exchange's pool clears exactly as the solver does.
	c, err := m.pool()
	require.NoError(t, err)
	require.Len(t, c.fills, len(res.Fills))
	for i, f := range res.Fills {
		g := c.fills[i]
		require.Equal(t, f.Request, c.req[g.OrderID])
		require.Equal(t, f.Offer, c.off[g.MakerOrderID])
		require.Equal(t, f.Qty, int64(g.Qty))
		require.Equal(t, f.BuyerPrice, g.Price)
		require.Equal(t, f.SellerPrice, g.SellerPrice)
		require.Equal(t, f.Transport, g.Transport)
		require.Equal(t, f.GradeDiff, g.GradeDiff)
	}
	require.Equal(t, res.Surplus, c.ind.Surplus)
}
