package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/wire"
)

func newGW(t *testing.T) *gw {
	var clk atomic.Int64
	clk.Store(1_000_000)
	return startGW(t, t.TempDir(), &clk, true)
}

func TestSeededCompaniesAreVerified(t *testing.T) {
	g := newGW(t)
	code, body := g.do("GET", "/api/participants", "")
	if code != 200 {
		t.Fatalf("list: %d %v", code, body)
	}
	list := body["list"].([]any)
	if len(list) != len(seedCompanies) {
		t.Fatalf("%d participants, want %d", len(list), len(seedCompanies))
	}
	for i, v := range list {
		p := v.(map[string]any)
		if p["inn"] != seedCompanies[i].inn || p["status"] != "verified" {
			t.Errorf("participant %d: %v, want INN %s verified", i, p, seedCompanies[i].inn)
		}
	}
}

func TestRegisterModerateLookup(t *testing.T) {
	g := newGW(t)
	r := g.command("/api/participants", `{"name":"IE Petrov A.V.","inn":"500100732259"}`)
	if r.Events[0].Kind != wire.EventRegistered {
		t.Fatalf("register: %v", kinds(r.Events))
	}
	id := r.Events[0].Participant
	code, p := g.do("GET", "/api/participants?inn=500100732259", "")
	if code != 200 || p["id"] != fmt.Sprint(id) || p["status"] != "pending" || p["name"] != "IE Petrov A.V." {
		t.Fatalf("lookup: %d %v, want participant %d pending", code, p, id)
	}
	// A pending company cannot trade yet.
	code, e := g.do("POST", "/api/orders", g.order(id, "buy", 550000, 1))
	wantReject(t, code, e, wire.ReasonNotVerified)

	r = g.command(fmt.Sprintf("/api/participants/%d/status", id), `{"status":"verified"}`)
	if r.Events[0].Kind != wire.EventStatusChanged || r.Events[0].Status != catalog.StatusVerified {
		t.Fatalf("moderate: %+v", r.Events)
	}
	if code, p = g.do("GET", "/api/participants?inn=500100732259", ""); p["status"] != "verified" {
		t.Fatalf("lookup after moderation: %d %v", code, p)
	}
	g.command("/api/orders", g.order(id, "buy", 550000, 1))
}

func TestPlaceFillAmendCancelDepth(t *testing.T) {
	g := newGW(t)
	seller, buyer := g.participant(innCement), g.participant(innStroy)
	sell := g.command("/api/orders", g.order(seller, "sell", 550000, 10))
	if got := kinds(sell.Events); !slices.Equal(got, []wire.EventKind{wire.EventAccepted}) {
		t.Fatalf("sell: %v", got)
	}
	ask := sell.Events[0].OrderID
	buy := g.command("/api/orders", g.order(buyer, "buy", 560000, 4))
	var fill *wire.Event
	for i := range buy.Events {
		if buy.Events[i].Kind == wire.EventFill {
			fill = &buy.Events[i]
		}
	}
	if fill == nil || fill.Qty != 4 || fill.Price != 550000 || fill.MakerOrderID != ask || fill.MakerParticipant != seller {
		t.Fatalf("buy: %+v, want a fill of 4 at 550000 against order %d", buy.Events, ask)
	}
	depth := func() (bids, asks [][2]int64) {
		key := g.cement()
		code, d := g.do("GET", fmt.Sprintf("/api/depth?category=%d&basis=MSK&levels=5", key.Category), "")
		if code != 200 {
			t.Fatalf("depth: %d %v", code, d)
		}
		conv := func(v any) (out [][2]int64) {
			for _, l := range v.([]any) {
				m := l.(map[string]any)
				out = append(out, [2]int64{int64(m["price"].(float64)), int64(m["qty"].(float64))})
			}
			return out
		}
		return conv(d["bids"]), conv(d["asks"])
	}
	if bids, asks := depth(); len(bids) != 0 || !slices.Equal(asks, [][2]int64{{550000, 6}}) {
		t.Fatalf("depth after the fill: bids %v asks %v, want asks [550000 6]", bids, asks)
	}
	am := g.command(fmt.Sprintf("/api/orders/%d/amend", ask), fmt.Sprintf(`{"participant":"%d","price":570000,"qty":5}`, seller))
	if !slices.Contains(kinds(am.Events), wire.EventAmended) {
		t.Fatalf("amend: %v", kinds(am.Events))
	}
	if _, asks := depth(); !slices.Equal(asks, [][2]int64{{570000, 5}}) {
		t.Fatalf("depth after the amend: asks %v, want [570000 5]", asks)
	}
	// Cancelling someone else's order is refused.
	code, e := g.do("POST", fmt.Sprintf("/api/orders/%d/cancel", ask), fmt.Sprintf(`{"participant":"%d"}`, buyer))
	wantReject(t, code, e, wire.ReasonNotOwner)
	c := g.command(fmt.Sprintf("/api/orders/%d/cancel", ask), fmt.Sprintf(`{"participant":"%d"}`, seller))
	if c.Events[0].Kind != wire.EventCancelled || c.Events[0].Qty != 5 {
		t.Fatalf("cancel: %+v", c.Events)
	}
	if bids, asks := depth(); len(bids)+len(asks) != 0 {
		t.Fatalf("depth after the cancel: %v %v, want empty", bids, asks)
	}
}

func TestTenderOpenBidCloseAward(t *testing.T) {
	g := newGW(t)
	buyer, s1, s2 := g.participant(innGorod), g.participant(innCement), g.participant(innUral)
	key := g.cement()
	closeAt := g.clk.Load() + 1000
	open := g.command("/api/tenders", fmt.Sprintf(`{"participant":"%d","category":"%d","basis":"%d","qty":100,"price":600000,
		"tender_mode":"sealed","evaluation":"lowest-price","close_at":%d}`, buyer, key.Category, key.Basis, closeAt))
	var tid wire.TenderID
	for _, e := range open.Events {
		if e.Kind == wire.EventTenderOpened {
			tid = e.Tender
		}
	}
	if tid == 0 {
		t.Fatalf("open: %v", kinds(open.Events))
	}
	g.command(fmt.Sprintf("/api/tenders/%d/bids", tid), fmt.Sprintf(`{"participant":"%d","price":580000,"qty":100,"lead_time":5}`, s1))
	g.command(fmt.Sprintf("/api/tenders/%d/bids", tid), fmt.Sprintf(`{"participant":"%d","price":570000,"qty":100,"lead_time":7}`, s2))
	// Above the reserve: refused.
	code, e := g.do("POST", fmt.Sprintf("/api/tenders/%d/bids", tid), fmt.Sprintf(`{"participant":"%d","price":610000,"qty":100,"lead_time":5}`, s1))
	wantReject(t, code, e, wire.ReasonAboveReserve)
	// Before the close time: refused.
	code, e = g.do("POST", fmt.Sprintf("/api/tenders/%d/close", tid), fmt.Sprintf(`{"participant":"%d"}`, buyer))
	wantReject(t, code, e, wire.ReasonTenderNotDue)

	g.clk.Store(closeAt)
	cl := g.command(fmt.Sprintf("/api/tenders/%d/close", tid), fmt.Sprintf(`{"participant":"%d"}`, buyer))
	var winner catalog.ParticipantID
	for _, e := range cl.Events {
		if e.Kind == wire.EventAwarded {
			winner = e.Participant
			if e.Qty != 100 || e.Price != 570000 {
				t.Errorf("award %+v, want 100 at 570000", e)
			}
		}
	}
	if winner != s2 {
		t.Fatalf("close: %v, winner %d, want %d", kinds(cl.Events), winner, s2)
	}
	code, info := g.do("GET", fmt.Sprintf("/api/tenders/%d", tid), "")
	if code != 200 {
		t.Fatalf("tender: %d %v", code, info)
	}
	tender := info["tender"].(map[string]any)
	bids := info["bids"].([]any)
	if tender["state"] != "awarded" || tender["awarded"] != float64(100) || len(bids) != 2 {
		t.Fatalf("tender %v bids %v, want awarded 100 with 2 bids", tender, bids)
	}
	if b := bids[0].(map[string]any); b["bidder"] != fmt.Sprint(s2) || b["rank"] != float64(1) || b["awarded"] != float64(100) {
		t.Fatalf("best bid %v, want bidder %d rank 1 awarded 100", b, s2)
	}
}

func TestCatalogAndPage(t *testing.T) {
	g := newGW(t)
	code, cat := g.do("GET", "/api/catalog", "")
	if code != 200 {
		t.Fatalf("catalog: %d", code)
	}
	var cement, moscow bool
	for _, c := range cat["categories"].([]any) {
		cement = cement || c.(map[string]any)["code"] == "23.51.12"
	}
	for _, b := range cat["bases"].([]any) {
		moscow = moscow || b.(map[string]any)["code"] == "MSK"
	}
	if !cement || !moscow {
		t.Fatalf("catalog lacks cement or Moscow: %v", cat)
	}
	for path, want := range map[string]string{
		"/":                 `id="order-form"`,
		"/static/app.js":    "new EventSource(",
		"/static/style.css": ".depth",
	} {
		res, err := http.Get(g.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = fmt.Fprint(&b, readAll(t, res))
		if res.StatusCode != 200 || !strings.Contains(b.String(), want) {
			t.Errorf("GET %s: %d, body lacks %q", path, res.StatusCode, want)
		}
	}
}

// wantReject requires a 422 carrying reason, its description and the seq
// of the refused command, whose events hold the rejection.
func wantReject(t *testing.T, code int, body map[string]any, reason wire.RejectReason) {
	t.Helper()
	e, _ := body["error"].(map[string]any)
	if code != http.StatusUnprocessableEntity || e == nil || e["reason"] != reason.String() ||
		e["description"] != reason.Description() || e["status"] != float64(code) {
		t.Fatalf("got %d %v, want 422 %s (%s)", code, body, reason, reason.Description())
	}
	seq, _ := e["seq"].(float64)
	evs, _ := body["events"].([]any)
	if seq == 0 || len(evs) == 0 {
		t.Fatalf("refusal without its seq or events: %v", body)
	}
	last := evs[len(evs)-1].(map[string]any)
	if last["kind"] != "rejected" || last["reject"] != reason.String() || last["seq"] != seq {
		t.Fatalf("refusal events %v, want a rejection %s at seq %v", evs, reason, seq)
	}
}

func TestErrors(t *testing.T) {
	g := newGW(t)
	seller := g.participant(innCement)
	sell := g.command("/api/orders", g.order(seller, "sell", 550000, 10))
	ask := sell.Events[0].OrderID
	long := `{"name":"` + strings.Repeat("x", maxBody) + `"}`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		reason                   string
	}{
		{"malformed JSON", "POST", "/api/orders", `{"participant":`, 400, reasonBadRequest},
		{"not an object", "POST", "/api/orders", `[1,2]`, 400, reasonBadRequest},
		{"unknown field", "POST", "/api/orders", `{"colour":"red"}`, 400, reasonBadRequest},
		{"unknown enum name", "POST", "/api/orders", `{"side":"long"}`, 400, reasonBadRequest},
		{"trailing data", "POST", "/api/participants", `{"name":"A"} {"name":"B"}`, 400, reasonBadRequest},
		{"kind set", "POST", "/api/orders", `{"kind":"cancel"}`, 400, reasonBadRequest},
		{"time set", "POST", "/api/orders", `{"time":5}`, 400, reasonBadRequest},
		{"bad order ID", "POST", "/api/orders/abc/cancel", `{}`, 400, reasonBadRequest},
		{"path and body disagree", "POST", fmt.Sprintf("/api/orders/%d/cancel", ask), fmt.Sprintf(`{"order_id":"%d"}`, ask+1), 400, reasonBadRequest},
		{"body too large", "POST", "/api/participants", long, 413, reasonBodyTooLarge},
		{"unknown route", "GET", "/api/nothing", "", 404, reasonNotFound},
		{"unknown static file", "GET", "/static/none.js", "", 404, reasonNotFound},
		{"unknown INN", "GET", "/api/participants?inn=7707083894", "", 404, wire.ReasonUnknownParticipant.String()},
		{"unknown tender", "GET", "/api/tenders/42", "", 404, wire.ReasonUnknownTender.String()},
		{"wrong method", "DELETE", "/api/orders", "", 405, reasonMethodNotAllowed},
		{"wrong method on the stream", "POST", "/api/stream", "", 405, reasonMethodNotAllowed},
		{"depth of an unknown category", "GET", "/api/depth?category=99.99&basis=MSK", "", 400, wire.ReasonUnknownCategory.String()},
		{"depth of a group", "GET", "/api/depth?category=23&basis=MSK", "", 400, wire.ReasonNotLeaf.String()},
		{"depth at an unknown basis", "GET", "/api/depth?category=23.51.12&basis=XXX", "", 400, wire.ReasonUnknownBasis.String()},
		{"depth of too many levels", "GET", "/api/depth?category=23.51.12&basis=MSK&levels=1000", "", 400, reasonBadRequest},
		{"stream from zero", "GET", "/api/stream?from=0", "", 400, reasonBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := g.do(tc.method, tc.path, tc.body)
			e, _ := body["error"].(map[string]any)
			if code != tc.status || e == nil || e["reason"] != tc.reason || e["status"] != float64(tc.status) {
				t.Fatalf("got %d %v, want %d %s", code, body, tc.status, tc.reason)
			}
			if d, _ := e["description"].(string); d == "" {
				t.Fatalf("error without a description: %v", e)
			}
		})
	}
	// The 405 names the methods the route takes.
	req, _ := http.NewRequest("PUT", g.srv.URL+"/api/participants", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, POST" {
		t.Fatalf("PUT /api/participants: %d Allow %q, want 405 GET, POST", res.StatusCode, res.Header.Get("Allow"))
	}
	// A bad Last-Event-ID is a bad request too.
	req, _ = http.NewRequest("GET", g.srv.URL+"/api/stream", nil)
	req.Header.Set("Last-Event-ID", "seven")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body errorBody
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 400 || body.Error.Reason != reasonBadRequest {
		t.Fatalf("stream with Last-Event-ID seven: %d %+v %v", res.StatusCode, body, err)
	}
	res.Body.Close()
}

func TestRefusalsCarryTheirReason(t *testing.T) {
	g := newGW(t)
	seller := g.participant(innCement)
	for _, tc := range []struct {
		name, path, body string
		reason           wire.RejectReason
	}{
		{"cancel an unknown order", "/api/orders/1099511627999/cancel", fmt.Sprintf(`{"participant":"%d"}`, seller), wire.ReasonUnknownOrder},
		{"price off the tick", "/api/orders", g.order(seller, "sell", 550001, 1), wire.ReasonPriceNotOnTick},
		{"no quantity", "/api/orders", g.order(seller, "sell", 550000, 0), wire.ReasonInvalidQty},
		{"unknown participant", "/api/orders", g.order(999, "sell", 550000, 1), wire.ReasonUnknownParticipant},
		{"bad INN", "/api/participants", `{"name":"Bad INN LLC","inn":"7707083894"}`, wire.ReasonInvalidINN},
		{"duplicate INN", "/api/participants", `{"name":"Again","inn":"` + innCement + `"}`, wire.ReasonDuplicateParticipant},
		{"field the kind does not read", "/api/participants", `{"name":"X LLC","inn":"7710140679","price":5}`, wire.ReasonUnreadField},
		{"bid on an unknown tender", "/api/tenders/9/bids", fmt.Sprintf(`{"participant":"%d","price":500000,"qty":1,"lead_time":1}`, seller), wire.ReasonUnknownTender},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := g.do("POST", tc.path, tc.body)
			wantReject(t, code, body, tc.reason)
		})
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}
