package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/agora-exchange/agora/catalog"
	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/wire"
)

// maxBody bounds a request body.
const maxBody = 64 << 10

// maxLevels bounds the price levels a depth request returns per side.
const maxLevels = 100

// Reasons of the errors the gateway itself answers (the exchange's own
// refusals carry a wire.RejectReason name instead).
const (
	reasonBadRequest       = "bad-request"
	reasonNotFound         = "not-found"
	reasonMethodNotAllowed = "method-not-allowed"
	reasonBodyTooLarge     = "body-too-large"
	reasonJournal          = "journal-failed"
	reasonNotEncodable     = "not-encodable"
	reasonFeedTruncated    = "feed-truncated"
	reasonFeedAhead        = "feed-ahead"
	reasonUnavailable      = "unavailable"
)

// descriptions of the gateway's own reasons.
var gatewayReasons = map[string]string{
	reasonBadRequest:       "the request is malformed: bad JSON, an unknown field, a field the route sets, or a bad ID or query",
	reasonNotFound:         "no such route or resource",
	reasonMethodNotAllowed: "the route does not take this method",
	reasonBodyTooLarge:     "the request body exceeds 64 KiB",
	reasonJournal:          "the journal failed; the exchange acknowledges nothing until it is reopened",
	reasonNotEncodable:     "the command cannot be journaled, so it was refused before taking a sequence number",
	reasonFeedTruncated:    "the outputs asked for are no longer held; resume from the oldest held",
	reasonFeedAhead:        "the client has seen outputs this exchange never acknowledged (another directory, or lost in async mode)",
	reasonUnavailable:      "the exchange is closing",
}

// Server is the gateway's HTTP handler on one exchange. Every command it
// submits gets its Time from now (Unix milliseconds by default).
//
// The output stream serves an output only once its command has been
// acknowledged by the exchange (see acked): in the sync and group-commit
// journal modes an acknowledged command is durable, so a client never sees
// an output that recovery after a crash would not have.
type Server struct {
	x     *matching.Exchange
	now   func() int64
	mux   *http.ServeMux
	files fs.FS // the page
	acked watermark
	// ping is the interval of keep-alive comments on an idle stream.
	ping time.Duration
}

// NewServer returns the gateway on x. now gives each command's time;
// nil means the wall clock in Unix milliseconds. Every command sent to x
// must go through the Server, which tracks what x has acknowledged.
func NewServer(x *matching.Exchange, now func() int64) *Server {
	if now == nil {
		now = func() int64 { return time.Now().UnixMilli() }
	}
	s := &Server{x: x, now: now, mux: http.NewServeMux(), files: pageFiles(), ping: 15 * time.Second}
	s.acked.init(x.Seq()) // what recovery restored is on disk
	routes := []struct {
		path string
		m    methods
	}{
		{"/api/catalog", methods{"GET": s.catalog}},
		{"/api/participants", methods{"GET": s.participants, "POST": s.register}},
		{"/api/participants/{id}/status", methods{"POST": s.setStatus}},
		{"/api/orders", methods{"POST": s.place}},
		{"/api/orders/{id}/cancel", methods{"POST": s.cancel}},
		{"/api/orders/{id}/amend", methods{"POST": s.amend}},
		{"/api/depth", methods{"GET": s.depth}},
		{"/api/tenders", methods{"POST": s.openTender}},
		{"/api/tenders/{id}", methods{"GET": s.tender}},
		{"/api/tenders/{id}/bids", methods{"POST": s.bid}},
		{"/api/tenders/{id}/close", methods{"POST": s.closeTender}},
		{"/api/stream", methods{"GET": s.stream}},
		{"/static/", methods{"GET": s.static}},
		{"/{$}", methods{"GET": s.index}},
		{"/", methods{"": s.notFound}},
	}
	for _, r := range routes {
		s.mux.Handle(r.path, r.m)
	}
	return s
}

// ServeHTTP serves the gateway's routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// methods routes one path by method; the key "" takes any method. A method
// the path does not take gets 405 with an Allow header and a JSON error.
type methods map[string]http.HandlerFunc

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := m[r.Method]; ok {
		h(w, r)
		return
	}
	if h, ok := m["HEAD"]; r.Method == "HEAD" && ok {
		h(w, r)
		return
	}
	if h, ok := m[""]; ok {
		h(w, r)
		return
	}
	allow := ""
	for _, k := range []string{"GET", "POST"} {
		if _, ok := m[k]; ok {
			if allow != "" {
				allow += ", "
			}
			allow += k
		}
	}
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, apiError{Reason: reasonMethodNotAllowed,
		Message: fmt.Sprintf("%s takes %s, not %s", r.URL.Path, allow, r.Method)})
}

// apiError is the body of every error response, under the key "error".
type apiError struct {
	Status      int    `json:"status"`
	Reason      string `json:"reason"`      // a wire.RejectReason name, or one of the gateway's
	Description string `json:"description"` // what Reason means
	Message     string `json:"message,omitempty"`
	Seq         uint64 `json:"seq,omitempty"` // the refused command's sequence number
}

// errorBody is an error response: the error, and for a refused command its
// events (the rejection, plus any expiries its time triggered).
type errorBody struct {
	Error  apiError     `json:"error"`
	Events []wire.Event `json:"events,omitempty"`
}

// result is the body of an accepted command.
type result struct {
	Seq    uint64       `json:"seq"`
	Events []wire.Event `json:"events"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a failed write leaves nothing to tell
}

func writeError(w http.ResponseWriter, status int, e apiError, evs ...wire.Event) {
	e.Status = status
	if e.Description == "" {
		e.Description = gatewayReasons[e.Reason]
	}
	writeJSON(w, status, errorBody{Error: e, Events: evs})
}

func badRequest(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusBadRequest, apiError{Reason: reasonBadRequest, Message: fmt.Sprintf(format, args...)})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, apiError{Reason: reasonNotFound, Message: "no route " + r.URL.Path})
}

// decode reads the request body, one JSON object of wire.Command fields
// (snake_case, enums as lower-case names, IDs as strings or numbers), into
// cmd. The route sets the kind and the gateway the time, so a body that
// sets either, an unknown field or trailing data is a bad request.
func decode(w http.ResponseWriter, r *http.Request, cmd *wire.Command) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(cmd)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, apiError{Reason: reasonBodyTooLarge})
		return false
	case err != nil:
		badRequest(w, "malformed JSON: %v", err)
		return false
	case cmd.Kind != 0:
		badRequest(w, "kind is set by the route")
		return false
	case cmd.Time != 0:
		badRequest(w, "time is set by the gateway")
		return false
	}
	return true
}

// submit stamps cmd with the time, submits it, and answers: 200 with the
// events of an accepted command; 422 with the reject reason, the refused
// command's seq and its events when the exchange refused it (a refusal
// takes a sequence number and appears in the stream like any output);
// 400 for a command the journal cannot encode; 503 when the journal has
// failed.
func (s *Server) submit(w http.ResponseWriter, cmd wire.Command) {
	evs, err := s.submitCmd(cmd)
	var seq uint64
	if len(evs) > 0 {
		seq = evs[0].Seq
	}
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, result{Seq: seq, Events: evs})
	case errors.Is(err, matching.ErrJournal):
		writeError(w, http.StatusServiceUnavailable, apiError{Reason: reasonJournal, Message: err.Error()})
	default:
		for _, e := range evs {
			if e.Kind == wire.EventRejected {
				writeError(w, http.StatusUnprocessableEntity, apiError{Reason: e.Reject.String(),
					Description: e.Reject.Description(), Message: err.Error(), Seq: seq}, evs...)
				return
			}
		}
		writeError(w, http.StatusBadRequest, apiError{Reason: reasonNotEncodable, Message: err.Error()})
	}
}

// submitCmd stamps cmd with the time, submits it and records its
// acknowledgement; it returns what Submit does.
func (s *Server) submitCmd(cmd wire.Command) ([]wire.Event, error) {
	cmd.Time = s.now()
	evs, err := s.x.Submit(cmd, nil)
	if len(evs) > 0 && !errors.Is(err, matching.ErrJournal) {
		s.acked.advance(evs[0].Seq)
	}
	return evs, err
}

// pathID parses the {id} of the path into id (an encoding.TextUnmarshaler).
func pathID(w http.ResponseWriter, r *http.Request, id interface{ UnmarshalText([]byte) error }) bool {
	if err := id.UnmarshalText([]byte(r.PathValue("id"))); err != nil {
		badRequest(w, "bad ID %q in the path: %v", r.PathValue("id"), err)
		return false
	}
	return true
}

// POST /api/participants {name, inn, kpp}: register a company (pending).
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var cmd wire.Command
	if decode(w, r, &cmd) {
		cmd.Kind = wire.CmdRegister
		s.submit(w, cmd)
	}
}

// POST /api/participants/{id}/status {status}: moderate a company.
func (s *Server) setStatus(w http.ResponseWriter, r *http.Request) {
	var id catalog.ParticipantID
	var cmd wire.Command
	if !pathID(w, r, &id) || !decode(w, r, &cmd) {
		return
	}
	if cmd.Participant != 0 && cmd.Participant != id {
		badRequest(w, "participant %d in the body, %d in the path", cmd.Participant, id)
		return
	}
	cmd.Kind, cmd.Participant = wire.CmdSetStatus, id
	s.submit(w, cmd)
}

// POST /api/orders {participant, category, basis, side, type, tif, price,
// qty, ...}: place an order.
func (s *Server) place(w http.ResponseWriter, r *http.Request) {
	var cmd wire.Command
	if decode(w, r, &cmd) {
		cmd.Kind = wire.CmdPlace
		s.submit(w, cmd)
	}
}

// POST /api/orders/{id}/cancel {participant}.
func (s *Server) cancel(w http.ResponseWriter, r *http.Request) { s.orderCommand(w, r, wire.CmdCancel) }

// POST /api/orders/{id}/amend {participant, price, qty}.
func (s *Server) amend(w http.ResponseWriter, r *http.Request) { s.orderCommand(w, r, wire.CmdAmend) }

func (s *Server) orderCommand(w http.ResponseWriter, r *http.Request, kind wire.CommandKind) {
	var id wire.OrderID
	var cmd wire.Command
	if !pathID(w, r, &id) || !decode(w, r, &cmd) {
		return
	}
	if cmd.OrderID != 0 && cmd.OrderID != id {
		badRequest(w, "order %d in the body, %d in the path", cmd.OrderID, id)
		return
	}
	cmd.Kind, cmd.OrderID = kind, id
	s.submit(w, cmd)
}

// POST /api/tenders {participant, category, basis, qty, price, close_at, ...}.
func (s *Server) openTender(w http.ResponseWriter, r *http.Request) {
	var cmd wire.Command
	if decode(w, r, &cmd) {
		cmd.Kind = wire.CmdOpenTender
		s.submit(w, cmd)
	}
}

// POST /api/tenders/{id}/bids {participant, price, qty, lead_time}.
func (s *Server) bid(w http.ResponseWriter, r *http.Request) { s.tenderCommand(w, r, wire.CmdBid) }

// POST /api/tenders/{id}/close {participant}.
func (s *Server) closeTender(w http.ResponseWriter, r *http.Request) {
	s.tenderCommand(w, r, wire.CmdCloseTender)
}

func (s *Server) tenderCommand(w http.ResponseWriter, r *http.Request, kind wire.CommandKind) {
	var id wire.TenderID
	var cmd wire.Command
	if !pathID(w, r, &id) || !decode(w, r, &cmd) {
		return
	}
	if cmd.Tender != 0 && cmd.Tender != id {
		badRequest(w, "tender %d in the body, %d in the path", cmd.Tender, id)
		return
	}
	cmd.Kind, cmd.Tender = kind, id
	s.submit(w, cmd)
}

// GET /api/tenders/{id}: the tender, and its ranked bids once closed.
func (s *Server) tender(w http.ResponseWriter, r *http.Request) {
	var id wire.TenderID
	if !pathID(w, r, &id) {
		return
	}
	info, ok := s.x.Tender(id)
	if !ok {
		writeError(w, http.StatusNotFound, apiError{Reason: wire.ReasonUnknownTender.String(),
			Description: wire.ReasonUnknownTender.Description(), Message: fmt.Sprintf("no tender %d", id)})
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Tender matching.TenderInfo  `json:"tender"`
		Bids   []matching.TenderBid `json:"bids"`
	}{info, s.x.TenderBids(id, []matching.TenderBid{})})
}

// GET /api/participants: every participant. GET /api/participants?inn=X:
// the participant registered with INN X, or 404 unknown-participant.
func (s *Server) participants(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("inn") {
		writeJSON(w, http.StatusOK, s.x.Participants([]catalog.Participant{}))
		return
	}
	p, ok := s.x.ParticipantByINN(q.Get("inn"))
	if !ok {
		writeError(w, http.StatusNotFound, apiError{Reason: wire.ReasonUnknownParticipant.String(),
			Description: wire.ReasonUnknownParticipant.Description(), Message: "no participant with INN " + strconv.Quote(q.Get("inn"))})
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// GET /api/catalog: the tradable categories and the delivery bases.
func (s *Server) catalog(w http.ResponseWriter, r *http.Request) {
	cat := s.x.Catalog()
	out := struct {
		Categories []catalog.Category `json:"categories"`
		Bases      []catalog.Basis    `json:"bases"`
	}{[]catalog.Category{}, []catalog.Basis{}}
	for c := range cat.Taxonomy.All() {
		if cat.Taxonomy.IsLeaf(c.ID) {
			out.Categories = append(out.Categories, c)
		}
	}
	for b := range cat.Bases.All() {
		out.Bases = append(out.Bases, b)
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /api/depth?category=C&basis=B&levels=N: the best N (default 10, at
// most 100) price levels of each side of a market. C and B are IDs or
// codes ("23.51.12", "MSK"). A market that has not opened is empty.
func (s *Server) depth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cat := s.x.Catalog()
	var key matching.MarketKey
	if c, ok := lookupCategory(cat, q.Get("category")); !ok {
		writeError(w, http.StatusBadRequest, apiError{Reason: wire.ReasonUnknownCategory.String(),
			Description: wire.ReasonUnknownCategory.Description(), Message: fmt.Sprintf("category %q", q.Get("category"))})
		return
	} else if !cat.Taxonomy.IsLeaf(c.ID) {
		writeError(w, http.StatusBadRequest, apiError{Reason: wire.ReasonNotLeaf.String(),
			Description: wire.ReasonNotLeaf.Description(), Message: fmt.Sprintf("category %q", q.Get("category"))})
		return
	} else {
		key.Category = c.ID
	}
	if b, ok := lookupBasis(cat, q.Get("basis")); !ok {
		writeError(w, http.StatusBadRequest, apiError{Reason: wire.ReasonUnknownBasis.String(),
			Description: wire.ReasonUnknownBasis.Description(), Message: fmt.Sprintf("basis %q", q.Get("basis"))})
		return
	} else {
		key.Basis = b.ID
	}
	n := 10
	if v := q.Get("levels"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > maxLevels {
			badRequest(w, "levels %q: want 1..%d", v, maxLevels)
			return
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Market matching.MarketKey `json:"market"`
		Bids   []matching.Level   `json:"bids"`
		Asks   []matching.Level   `json:"asks"`
	}{key, s.x.Depth(key, wire.Buy, n, []matching.Level{}), s.x.Depth(key, wire.Sell, n, []matching.Level{})})
}

func lookupCategory(cat *catalog.Catalog, v string) (catalog.Category, bool) {
	if c, ok := cat.Taxonomy.ByCode(v); ok {
		return c, true
	}
	var id catalog.CategoryID
	if id.UnmarshalText([]byte(v)) != nil {
		return catalog.Category{}, false
	}
	return cat.Taxonomy.ByID(id)
}

func lookupBasis(cat *catalog.Catalog, v string) (catalog.Basis, bool) {
	if b, ok := cat.Bases.ByCode(v); ok {
		return b, true
	}
	var id catalog.BasisID
	if id.UnmarshalText([]byte(v)) != nil {
		return catalog.Basis{}, false
	}
	return cat.Bases.ByID(id)
}

// watermark is the highest sequence number the exchange has acknowledged
// to the gateway. The journal writes records in sequence order, so an
// acknowledged seq implies that every earlier one is journaled too.
type watermark struct {
	mu  sync.Mutex
	seq uint64
	ch  chan struct{} // closed when seq grows
}

func (m *watermark) init(seq uint64) {
	m.seq, m.ch = seq, make(chan struct{})
}

func (m *watermark) advance(seq uint64) {
	m.mu.Lock()
	if seq > m.seq {
		m.seq = seq
		close(m.ch)
		m.ch = make(chan struct{})
	}
	m.mu.Unlock()
}

func (m *watermark) load() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seq
}

// wait returns once seq is acknowledged, or ctx's error.
func (m *watermark) wait(ctx context.Context, seq uint64) error {
	for {
		m.mu.Lock()
		if m.seq >= seq {
			m.mu.Unlock()
			return nil
		}
		ch := m.ch
		m.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
