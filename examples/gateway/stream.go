package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/agora-exchange/agora/matching"
	"github.com/agora-exchange/agora/wire"
)

// streamRetry is the reconnection delay the stream asks EventSource for.
const streamRetry = 500 * time.Millisecond

// output is the data of one SSE "output" message: the events of one
// sequence number (none for a command that caused none).
type output struct {
	Seq    uint64       `json:"seq"`
	Events []wire.Event `json:"events"`
}

// streamError is the data of an SSE "feed-error" message, after which the
// server closes the stream. Oldest is the oldest sequence number the
// exchange holds (or the next to come when it holds none yet), Last the
// newest it has acknowledged.
type streamError struct {
	Reason      string `json:"reason"`
	Description string `json:"description"`
	Want        uint64 `json:"want"`
	Oldest      uint64 `json:"oldest"`
	Last        uint64 `json:"last"`
}

// GET /api/stream: the exchange's outputs in sequence order as
// server-sent events, one "output" message per sequence number with its
// number as the SSE id, with no gap and no duplicate. It starts after the
// Last-Event-ID header (EventSource sends it when it reconnects), else at
// ?from=N, else at the oldest output held. An output is sent only once its
// command is acknowledged. When the outputs asked for are no longer held
// (reason feed-truncated), or the client has seen outputs this exchange
// never acknowledged (feed-ahead), the stream sends one "feed-error"
// message naming the oldest seq held and closes; the client should reload
// its view and resume from that seq.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	from, ok := streamStart(w, r, s.x)
	if !ok {
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: %d\n\n", streamRetry.Milliseconds())
	if rc.Flush() != nil {
		return
	}
	ctx := r.Context()
	if last := s.acked.load(); from > last+1 {
		s.feedError(w, rc, streamError{Reason: reasonFeedAhead, Want: from, Last: last})
		return
	}
	rd := s.x.Feed(from)
	var evs []wire.Event
	var buf []byte
	for {
		var seq uint64
		var err error
		if rd.Lag() > 0 {
			seq, evs, err = rd.Next(ctx, evs[:0])
		} else {
			// Idle: wait with a deadline, to send a keep-alive comment.
			wctx, cancel := context.WithTimeout(ctx, s.ping)
			seq, evs, err = rd.Next(wctx, evs[:0])
			cancel()
			if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				if _, err := w.Write([]byte(": ping\n\n")); err != nil || rc.Flush() != nil {
					return
				}
				continue
			}
		}
		var te *matching.FeedTruncatedError
		switch {
		case errors.As(err, &te):
			s.feedError(w, rc, streamError{Reason: reasonFeedTruncated, Want: te.Want, Last: s.acked.load()})
			return
		case err != nil: // the client left, or the exchange closed
			return
		}
		if s.acked.wait(ctx, seq) != nil {
			return
		}
		buf = append(buf[:0], "id: "...)
		buf = strconv.AppendUint(buf, seq, 10)
		buf = append(buf, "\nevent: output\ndata: "...)
		data, err := json.Marshal(output{Seq: seq, Events: nonNil(evs)})
		if err != nil {
			return // events always marshal; stop rather than skip a seq
		}
		buf = append(buf, data...)
		buf = append(buf, "\n\n"...)
		if _, err := w.Write(buf); err != nil {
			return
		}
		if rd.Lag() == 0 && rc.Flush() != nil {
			return
		}
	}
}

func nonNil(evs []wire.Event) []wire.Event {
	if evs == nil {
		return []wire.Event{}
	}
	return evs
}

func (s *Server) feedError(w http.ResponseWriter, rc *http.ResponseController, e streamError) {
	e.Description = gatewayReasons[e.Reason]
	e.Oldest = s.x.FeedOldest()
	data, _ := json.Marshal(e)
	fmt.Fprintf(w, "event: feed-error\ndata: %s\n\n", data)
	_ = rc.Flush()
}

// streamStart returns the first sequence number a stream request asks
// for, or answers 400 for a bad Last-Event-ID or from.
func streamStart(w http.ResponseWriter, r *http.Request, x *matching.Exchange) (uint64, bool) {
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil || id == ^uint64(0) {
			badRequest(w, "Last-Event-ID %q is not a sequence number", v)
			return 0, false
		}
		return id + 1, true
	}
	if v := r.URL.Query().Get("from"); v != "" {
		from, err := strconv.ParseUint(v, 10, 64)
		if err != nil || from == 0 {
			badRequest(w, "from %q: want a sequence number from 1", v)
			return 0, false
		}
		return from, true
	}
	return x.FeedOldest(), true
}
