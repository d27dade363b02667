package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// wantOutput is the quickstart's whole output. The crossing request of
// 400 t at 6,500 RUB (seq 16) takes the 6,450 offer (200 t) first, then
// 200 of the 300 t offered at 6,500, leaving 100 t there. Both fills come
// from seq 16 and are numbered 1 and 2 on their own.
//
// Messages in: 10 registrations and verifications, 1 refused registration
// and 5 postings. Out: 5 registered + 5 status changed + 5 accepted + 2
// done (the request and the 6,450 offer) = 17 acknowledgements, the
// refusal being addressed to no registered company, plus 2 fills × 2
// sides = 4 fill reports.
const wantOutput = `market: 23.51.12 Portland cement M500 (CEM I 42.5N) (t), tick 1.00 RUB, lot 1 t, basis Moscow
  under 23.51 Cement
  under 23 Other non-metallic mineral products
registered and verified 5 companies (seq 1-10)
seq 11: refused Fly-by-night LLC: INN 7707083894 fails its check digit (matching.ErrInvalidINN)
postings (seq: the command's sequence number; its fills are listed under it):
seq 12: CementTorg LLC offers 300 t at 6500.00 RUB/t: rests 300 t
seq 13: Uralcement JSC offers 200 t at 6450.00 RUB/t: rests 200 t
seq 14: IE Petrov A.V. offers 100 t at 6600.00 RUB/t: rests 100 t
seq 15: StroyMontazh LLC requests 150 t at 6300.00 RUB/t: rests 150 t
seq 16: Gorod Development JSC requests 400 t at 6500.00 RUB/t: filled in 2 fills
  fill 1: Gorod Development JSC buys 200 t from Uralcement JSC at 6450.00 RUB/t
  fill 2: Gorod Development JSC buys 200 t from CementTorg LLC at 6500.00 RUB/t
depth (offers, best first):
  6500.00 RUB   100 t  1 order(s)
  6600.00 RUB   100 t  1 order(s)
depth (requests, best first):
  6300.00 RUB   150 t  1 order(s)
messages in: 16, one per command received (refused ones too)
messages out: 21, one per event addressed to a registered company: 17 acknowledgements + 4 fill reports (each of the 2 fills is reported to its buyer and to its seller)
`

// TestRun runs the quickstart and checks every line it prints: the seq of
// each command, the fills numbered apart from it, the book and the
// message counts.
func TestRun(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, run(&buf))
	require.Equal(t, wantOutput, buf.String())
}
