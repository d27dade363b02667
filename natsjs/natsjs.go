package natsjs

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/agora-exchange/agora/replog"
)

// Header names of the messages the adapter stores.
const (
	// HeadHeader carries an output message's audit-chain head, in hex.
	HeadHeader   = "Agora-Head"
	msgIDHeader  = "Nats-Msg-Id"
	sourceHeader = "Nats-Stream-Source"
)

// Options configures a Log. Zero fields mean the defaults.
type Options struct {
	// Replicas is the JetStream replication of every stream and bucket
	// the Log creates; default 3 (R3: an append is acknowledged once 2 of
	// 3 servers hold it).
	Replicas int
	// SubjectPrefix prefixes each stream's subject ("<prefix>.<stream>");
	// default "agora".
	SubjectPrefix string
	// Storage is the stream storage; default jetstream.FileStorage.
	Storage jetstream.StorageType
	// CallTimeout bounds each JetStream request; a request that times out,
	// or finds no responder (a stream without a leader), is retried under
	// the same message ID after Backoff until the caller's context is
	// done. Defaults 2 s and 25 ms.
	CallTimeout time.Duration
	Backoff     time.Duration
	// ReadBatch is how many messages a reader's consumer asks for at a
	// time, at least: a reader started by a Read of more messages asks
	// for that many. Default 256.
	ReadBatch int
	// Cursors is how many idle readers a stream keeps positioned for the
	// next Read; default 8. Each holds one ephemeral consumer on the
	// server; the oldest beyond Cursors is stopped and its consumer
	// deleted.
	Cursors int
}

func (o Options) withDefaults() Options {
	if o.Replicas <= 0 {
		o.Replicas = 3
	}
	if o.SubjectPrefix == "" {
		o.SubjectPrefix = "agora"
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 2 * time.Second
	}
	if o.Backoff <= 0 {
		o.Backoff = 25 * time.Millisecond
	}
	if o.ReadBatch <= 0 {
		o.ReadBatch = 256
	}
	if o.Cursors <= 0 {
		o.Cursors = 8
	}
	return o
}

// Log is a replog.Log on JetStream. It is safe for concurrent use. It
// does not own the connection: Close stops its readers, and the caller
// closes the connection.
type Log struct {
	js   jetstream.JetStream
	opts Options

	mu      sync.Mutex
	streams []*stream
	closed  bool
	done    chan struct{}
	deletes sync.WaitGroup // consumers of stopped readers being deleted
	// draining is set once Close waits for deletes: a reader stopped
	// after that deletes its consumer before its stop returns.
	draining bool
}

var (
	_ replog.Log           = (*Log)(nil)
	_ replog.BatchAppender = (*stream)(nil)
)

// New returns a Log on js. Connection options (TLS, credentials, servers,
// reconnects) are the caller's: they are those of the connection js was
// made from; so is the timeout of asynchronous publishes (AppendBatch):
// give js jetstream.WithPublishAsyncTimeout, or an append whose answer
// never comes stays pending in js.
func New(js jetstream.JetStream, opts Options) *Log {
	return &Log{js: js, opts: opts.withDefaults(), done: make(chan struct{})}
}

// Connect returns a Log on nc's JetStream context, whose asynchronous
// publishes (AppendBatch) time out after Options.CallTimeout. Errors:
// jetstream.New's.
func Connect(nc *nats.Conn, opts Options) (*Log, error) {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(opts.withDefaults().CallTimeout))
	if err != nil {
		return nil, err
	}
	return New(js, opts), nil
}

// Close stops the Log's readers and deletes their consumers (each delete
// bounded by Options.CallTimeout); later calls fail with replog.ErrClosed.
func (l *Log) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	close(l.done)
	ss := l.streams
	l.mu.Unlock()
	for _, s := range ss {
		s.closeCursors()
	}
	l.mu.Lock()
	l.draining = true
	l.mu.Unlock()
	l.deletes.Wait()
}

// background runs f on a goroutine of its own that Close waits for, or,
// once Close waits, before it returns.
func (l *Log) background(f func()) {
	l.mu.Lock()
	if l.draining {
		l.mu.Unlock()
		f()
		return
	}
	l.deletes.Add(1)
	l.mu.Unlock()
	go func() {
		defer l.deletes.Done()
		f()
	}()
}

func (l *Log) isClosed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// errBehind marks an answer from a server that is behind the leader.
var errBehind = errors.New("natsjs: answered by a server behind the leader")

// retryable reports an error after which the same request may be sent
// again: no answer in time, no responder (no leader), a temporary
// JetStream unavailability, an answer from a server that is behind.
func retryable(err error) bool {
	if errors.Is(err, errBehind) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, nats.ErrDisconnected) ||
		errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, replog.ErrTimeout) ||
		errors.Is(err, jetstream.ErrAsyncPublishTimeout) || errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
		return true
	}
	if strings.HasSuffix(err.Error(), "JetStream system temporarily unavailable") {
		// A direct get's or a pull's 503 status: nats.go gives it as
		// text only.
		return true
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		// 503 "JetStream system temporarily unavailable", 10008 cluster
		// not available, 10009 no leader / not current, 10158 a duplicate
		// of a message ID still being stored.
		return apiErr.Code == 503 || apiErr.ErrorCode == 10008 || apiErr.ErrorCode == 10009 || apiErr.ErrorCode == 10158 || apiErr.Code == 408
	}
	return false
}

// do runs call, each try under its own CallTimeout, until it returns a
// non-retryable result or ctx is done (then replog.ErrTimeout wrapping the
// last error: the outcome is unknown).
func (l *Log) do(ctx context.Context, what string, call func(ctx context.Context) error) error {
	for {
		if l.isClosed() {
			return replog.ErrClosed
		}
		cctx, cancel := context.WithTimeout(ctx, l.opts.CallTimeout)
		err := call(cctx)
		cancel()
		if err == nil || !retryable(err) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %s: %w", replog.ErrTimeout, what, err)
		}
		t := time.NewTimer(l.opts.Backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: %s: %w", replog.ErrTimeout, what, err)
		case <-l.done:
			t.Stop()
			return replog.ErrClosed
		case <-t.C:
		}
	}
}

func (l *Log) subject(name string) string { return l.opts.SubjectPrefix + "." + name }

// Stream implements replog.Log: it creates the stream of cfg (file
// storage, Options.Replicas, dedupe window cfg.Duplicates, direct get on,
// each source sourced whole) or binds to an existing one with the same
// sources. Errors: replog.ErrInvalid for a bad name or other sources,
// replog.ErrTimeout, JetStream's.
func (l *Log) Stream(ctx context.Context, cfg replog.StreamConfig) (replog.Stream, error) {
	if cfg.Name == "" || strings.ContainsAny(cfg.Name, ". *>\t\r\n") || slices.Contains(cfg.Sources, cfg.Name) {
		return nil, fmt.Errorf("%w: stream name %q, sources %v", replog.ErrInvalid, cfg.Name, cfg.Sources)
	}
	if cfg.Duplicates <= 0 {
		cfg.Duplicates = replog.DefaultDuplicates
	}
	if cfg.MaxAge > 0 && cfg.Duplicates > cfg.MaxAge {
		cfg.Duplicates = cfg.MaxAge
	}
	jcfg := jetstream.StreamConfig{
		Name: cfg.Name, Subjects: []string{l.subject(cfg.Name)},
		Replicas: l.opts.Replicas, Storage: l.opts.Storage,
		Duplicates: cfg.Duplicates, MaxAge: cfg.MaxAge,
		Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardOld,
		AllowDirect: true,
	}
	for _, src := range cfg.Sources {
		jcfg.Sources = append(jcfg.Sources, &jetstream.StreamSource{Name: src})
	}
	var js jetstream.Stream
	err := l.do(ctx, "stream "+cfg.Name, func(ctx context.Context) error {
		var err error
		js, err = l.js.Stream(ctx, cfg.Name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			js, err = l.js.CreateStream(ctx, jcfg)
			if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				js, err = l.js.Stream(ctx, cfg.Name)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var have []string
	for _, src := range js.CachedInfo().Config.Sources {
		have = append(have, src.Name)
	}
	if !slices.Equal(have, cfg.Sources) {
		return nil, fmt.Errorf("%w: stream %s exists with sources %v", replog.ErrInvalid, cfg.Name, have)
	}
	s := &stream{l: l, name: cfg.Name, subj: l.subject(cfg.Name), js: js}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, replog.ErrClosed
	}
	l.streams = append(l.streams, s)
	return s, nil
}

type stream struct {
	l    *Log
	name string
	subj string
	js   jetstream.Stream

	mu      sync.Mutex
	cursors []*cursor // idle readers, each positioned at its next seq
	// purged is the first seq retained after this handle's last Purge:
	// reads below it are refused at once, though a direct get answered
	// by a follower that has not applied the purge yet would return the
	// message.
	purged atomic.Uint64
}

// cursor is an ordered consumer read from one goroutine at a time.
type cursor struct {
	s    *stream
	cons jetstream.Consumer
	it   jetstream.MessagesContext
	next uint64
}

// stop stops the reader and deletes its consumer on the server, in the
// background (Close waits for it, bounded by Options.CallTimeout): a
// reader that only stopped would keep its consumer, counted against the
// stream's consumer limit, for readerInactive.
func (c *cursor) stop() {
	c.it.Stop()
	info := c.cons.CachedInfo()
	if info == nil {
		return
	}
	c.s.l.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.s.l.opts.CallTimeout)
		defer cancel()
		_ = c.s.js.DeleteConsumer(ctx, info.Name) // gone anyway after readerInactive
	})
}

func (s *stream) Name() string { return s.name }

func (s *stream) closeCursors() {
	s.mu.Lock()
	cs := s.cursors
	s.cursors = nil
	s.mu.Unlock()
	for _, c := range cs {
		c.stop()
	}
}

// Append implements replog.Stream: one publish with the message ID and,
// with CheckLast, the expected last sequence; JetStream checks the ID
// against its dedupe window first. A try that gets no answer is sent again
// under the same ID until ctx is done. Errors: *replog.WrongLastError,
// replog.ErrTimeout, replog.ErrClosed, JetStream's.
func (s *stream) Append(ctx context.Context, data []byte, opts replog.AppendOptions) (replog.Ack, error) {
	m := s.msg(data, opts)
	var pa *jetstream.PubAck
	err := s.l.do(ctx, "append to "+s.name, func(ctx context.Context) error {
		var err error
		// No retries inside nats.go (by default it waits 250 ms before
		// each of two more tries when the stream has no leader): do
		// retries every Backoff, so an append goes through within
		// Backoff of a new leader.
		pa, err = s.l.js.PublishMsg(ctx, m, jetstream.WithRetryAttempts(0))
		return err
	})
	return s.appendResult(ctx, pa, err, opts)
}

func (s *stream) msg(data []byte, opts replog.AppendOptions) *nats.Msg {
	m := &nats.Msg{Subject: s.subj, Data: data, Header: nats.Header{}}
	if opts.ID != "" {
		m.Header.Set(msgIDHeader, opts.ID)
	}
	if opts.CheckLast {
		m.Header.Set(jetstream.ExpectedLastSeqHeader, strconv.FormatUint(opts.ExpectLast, 10))
	}
	if opts.Head != nil {
		m.Header.Set(HeadHeader, hex.EncodeToString(opts.Head))
	}
	return m
}

// AppendBatch implements replog.BatchAppender: asynchronous publishes,
// all sent before the first answer is awaited, each answered as Append
// answers (an answer that is a retryable error, or none before ctx is
// done, is replog.ErrTimeout).
func (s *stream) AppendBatch(ctx context.Context, reqs []replog.AppendRequest) []replog.AppendResult {
	res := make([]replog.AppendResult, len(reqs))
	futs := make([]jetstream.PubAckFuture, len(reqs))
	for i, r := range reqs {
		if s.l.isClosed() {
			res[i].Err = replog.ErrClosed
			continue
		}
		f, err := s.l.js.PublishMsgAsync(s.msg(r.Data, r.Opts))
		if err != nil {
			res[i].Err = fmt.Errorf("%w: append to %s: %w", replog.ErrTimeout, s.name, err)
			continue
		}
		futs[i] = f
	}
	for i, f := range futs {
		if f == nil {
			continue
		}
		select {
		case pa := <-f.Ok():
			res[i].Ack, res[i].Err = s.appendResult(ctx, pa, nil, reqs[i].Opts)
		case err := <-f.Err():
			if retryable(err) {
				err = fmt.Errorf("%w: append to %s: %w", replog.ErrTimeout, s.name, err)
			}
			res[i].Ack, res[i].Err = s.appendResult(ctx, nil, err, reqs[i].Opts)
		case <-ctx.Done():
			res[i].Err = fmt.Errorf("%w: append to %s: %w", replog.ErrTimeout, s.name, ctx.Err())
		}
	}
	return res
}

// appendResult maps a publish's answer to Append's.
func (s *stream) appendResult(ctx context.Context, pa *jetstream.PubAck, err error, opts replog.AppendOptions) (replog.Ack, error) {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
		last, ok := parseLast(apiErr.Description)
		if !ok {
			var lerr error
			if last, lerr = s.lastAfterWrongLast(ctx, opts.ExpectLast); lerr != nil {
				return replog.Ack{}, lerr
			}
		}
		return replog.Ack{}, &replog.WrongLastError{Stream: s.name, Expected: opts.ExpectLast, Last: last}
	}
	if err != nil {
		return replog.Ack{}, err
	}
	return replog.Ack{Seq: pa.Sequence, Duplicate: pa.Duplicate}, nil
}

// lastAfterWrongLast finds the last sequence of a stream whose append
// was refused with a wrong last sequence that the error does not name (a
// replicated stream's answer). A stream info can be stale for a while
// after a partition heals (a server that was cut off may still answer
// with its old state), and a stale last below the expectation would
// report a gap that is not there; so a last below it is asked again, up
// to 5 times 100 ms apart, and the largest answer counts.
func (s *stream) lastAfterWrongLast(ctx context.Context, expected uint64) (uint64, error) {
	var last uint64
	for try := 0; try < 5; try++ {
		if try > 0 {
			t := time.NewTimer(100 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return 0, fmt.Errorf("%w: %w", replog.ErrTimeout, ctx.Err())
			case <-t.C:
			}
		}
		info, err := s.Info(ctx)
		if err != nil {
			return 0, err
		}
		last = max(last, info.Last)
		if last >= expected {
			break
		}
	}
	return last, nil
}

// parseLast reads the sequence of "wrong last sequence: N".
func parseLast(desc string) (uint64, bool) {
	_, n, ok := strings.Cut(desc, ": ")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(n), 10, 64)
	return v, err == nil
}

// Info implements replog.Stream.
func (s *stream) Info(ctx context.Context) (replog.Info, error) {
	var st jetstream.StreamState
	err := s.l.do(ctx, "info of "+s.name, func(ctx context.Context) error {
		info, err := s.js.Info(ctx)
		if err != nil {
			return err
		}
		if info.Cluster != nil && info.Cluster.Leader == "" {
			// A stream without a leader is described from a replica's
			// state, which may be stale: ask again.
			return fmt.Errorf("%w: stream %s has no leader", replog.ErrTimeout, s.name)
		}
		st = info.State
		return nil
	})
	if err != nil {
		return replog.Info{}, err
	}
	if st.Msgs == 0 {
		return replog.Info{First: st.LastSeq + 1, Last: st.LastSeq}, nil
	}
	return replog.Info{First: st.FirstSeq, Last: st.LastSeq}, nil
}

// Purge implements replog.Stream.
func (s *stream) Purge(ctx context.Context, before uint64) error {
	info, err := s.Info(ctx)
	if err != nil {
		return err
	}
	before = min(before, info.Last+1)
	if before <= info.First {
		return nil
	}
	err = s.l.do(ctx, "purge of "+s.name, func(ctx context.Context) error {
		return s.js.Purge(ctx, jetstream.WithPurgeSequence(before))
	})
	if err == nil {
		s.mu.Lock()
		if before > s.purged.Load() {
			s.purged.Store(before)
		}
		s.mu.Unlock()
	}
	return err
}

// Read implements replog.Stream. A read of one message that is stored is
// one direct get (when a follower answers that it has not stored it yet,
// but the leader says it is stored, a few more gets within about 60 ms);
// otherwise the stream's idle reader positioned at from is used, or a new
// ordered consumer is started there, which is deleted when the reader
// stops. Such a read ends 20 µs after its last message when no other
// follows within that, and otherwise collects messages (up to max) while
// they come at most 1 ms apart. An ordered consumer silently starts at the
// first retained message when from was purged, so every message's seq is
// checked: a read that does not begin at from fails with a
// *replog.TruncatedError naming from and the first retained seq. A read
// below what this handle purged fails so at once; through another handle,
// a direct get may for a moment be answered by a follower that has not
// applied the purge yet and return the purged message, as it was stored.
// Errors: *replog.TruncatedError, replog.ErrInvalid, replog.ErrTimeout,
// replog.ErrClosed, the context's.
func (s *stream) Read(ctx context.Context, from uint64, max int) ([]replog.Msg, error) {
	if from == 0 || max < 1 {
		return nil, fmt.Errorf("%w: read from %d, max %d", replog.ErrInvalid, from, max)
	}
	if s.l.isClosed() {
		return nil, replog.ErrClosed
	}
	if first := s.purged.Load(); from < first {
		return nil, &replog.TruncatedError{Stream: s.name, Requested: from, First: first}
	}
	if max == 1 {
		raw, err := s.get(ctx, from)
		if err == nil {
			return []replog.Msg{fromRaw(raw)}, nil
		}
		if !errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, err
		}
		if msgs, err := s.getStored(ctx, from); msgs != nil || err != nil {
			return msgs, err
		}
	}
	rctx := ctx
	c := s.idleCursor(from)
	if c == nil {
		// A new reader gets half of the call's time: after a partition
		// heals, JetStream may refuse to start consumers, or start one
		// that delivers nothing, for many seconds while its stream
		// leader answers gets. The other half reads what is stored by
		// gets.
		if dl, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			rctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(dl)/2))
			defer cancel()
		}
		var err error
		if c, err = s.newCursor(rctx, from, max); err != nil {
			if rctx != ctx && ctx.Err() == nil && errors.Is(err, replog.ErrTimeout) {
				return s.readByGets(ctx, from, max, err)
			}
			return nil, err
		}
	}
	msgs, err := s.readCursor(rctx, c, max)
	if err != nil {
		// A reader that waited in vain is not kept: its consumer may sit
		// on a server that is gone or was cut off, and nothing tells
		// it apart from one that is merely early.
		c.stop()
		if rctx != ctx && ctx.Err() == nil && rctx.Err() != nil {
			return s.readByGets(ctx, from, max, err)
		}
		return nil, err
	}
	s.park(c)
	return msgs, nil
}

// get is one direct get of message seq.
func (s *stream) get(ctx context.Context, seq uint64) (*jetstream.RawStreamMsg, error) {
	var raw *jetstream.RawStreamMsg
	err := s.l.do(ctx, "get from "+s.name, func(ctx context.Context) error {
		var err error
		raw, err = s.js.GetMsg(ctx, seq)
		return err
	})
	return raw, err
}

// getStored reads message seq, which a direct get did not find, by gets
// while the stream's leader says it is stored: a direct get may be
// answered by a follower that has not stored it yet, and a reader
// started for it would cost a consumer. It returns nil and no error when
// seq is not stored yet, or when the gets kept failing to find it.
func (s *stream) getStored(ctx context.Context, seq uint64) ([]replog.Msg, error) {
	info, err := s.Info(ctx)
	if err != nil || seq > info.Last {
		return nil, nil
	}
	if seq < info.First {
		return nil, &replog.TruncatedError{Stream: s.name, Requested: seq, First: info.First}
	}
	for wait := 500 * time.Microsecond; wait <= 32*time.Millisecond; wait *= 2 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w: get %d of %s: %w", replog.ErrTimeout, seq, s.name, ctx.Err())
		case <-t.C:
		}
		raw, err := s.get(ctx, seq)
		if err == nil {
			return []replog.Msg{fromRaw(raw)}, nil
		}
		if !errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, err
		}
	}
	return nil, nil
}

// readByGets reads up to max stored messages from from by direct gets,
// one call each, stopping at the first not stored. With none stored it
// returns the reader's error, why.
func (s *stream) readByGets(ctx context.Context, from uint64, max int, why error) ([]replog.Msg, error) {
	var out []replog.Msg
	for seq := from; len(out) < max; seq++ {
		raw, err := s.get(ctx, seq)
		if err != nil {
			if len(out) > 0 {
				return out, nil
			}
			if errors.Is(err, jetstream.ErrMsgNotFound) || errors.Is(err, replog.ErrTimeout) {
				return nil, why
			}
			return nil, err
		}
		if raw.Sequence != seq {
			break
		}
		out = append(out, fromRaw(raw))
	}
	return out, nil
}

// idleCursor takes the idle reader at from, or returns nil.
func (s *stream) idleCursor(from uint64) *cursor {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.cursors {
		if c.next == from {
			s.cursors = slices.Delete(s.cursors, i, i+1)
			return c
		}
	}
	return nil
}

// readerInactive is how long the server keeps a reader's consumer once
// nothing pulls from it: the consumer of a reader whose delete failed (a
// stopped reader deletes its own) goes then. nats.go's
// default for ordered consumers is 5 minutes, and JetStream allows 1,000
// consumers per stream by default, so readers started at over 3 a second
// on one stream would exhaust it ("maximum consumers limit reached"). A
// running reader always has a pull waiting (PullExpiry 5 s), so it is
// never inactive that long.
const readerInactive = 30 * time.Second

// newCursor starts a reader at from.
func (s *stream) newCursor(ctx context.Context, from uint64, want int) (*cursor, error) {
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	if from < info.First {
		return nil, &replog.TruncatedError{Stream: s.name, Requested: from, First: info.First}
	}
	var cons jetstream.Consumer
	var it jetstream.MessagesContext
	err = s.l.do(ctx, "reader of "+s.name, func(ctx context.Context) error {
		var err error
		cons, err = s.js.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
			DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from,
			InactiveThreshold: readerInactive,
		})
		if err != nil {
			return err
		}
		it, err = cons.Messages(jetstream.PullMaxMessages(max(s.l.opts.ReadBatch, want)),
			jetstream.PullExpiry(5*time.Second), jetstream.PullHeartbeat(time.Second))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &cursor{s: s, cons: cons, it: it, next: from}, nil
}

// park keeps c for the next Read from c.next, stopping the oldest idle
// reader beyond Options.Cursors.
func (s *stream) park(c *cursor) {
	s.mu.Lock()
	if s.l.isClosed() {
		s.mu.Unlock()
		c.stop()
		return
	}
	s.cursors = append(s.cursors, c)
	var drop *cursor
	if len(s.cursors) > s.l.opts.Cursors {
		drop = s.cursors[0]
		s.cursors = s.cursors[1:]
	}
	s.mu.Unlock()
	if drop != nil {
		drop.stop()
	}
}

// A read through a reader waits for its first message, then lingerShort
// for each further one, or lingerLong once a second one has come within
// lingerShort (a sign of a flow, whose next messages are worth a batch);
// messages already delivered to the client come without waiting. At low
// load a read therefore ends within lingerShort of its message, far below
// a replicated append's round trip, and under load it collects a batch.
const (
	lingerShort = 20 * time.Microsecond
	lingerLong  = time.Millisecond
)

// readCursor waits for the message at c.next, then takes what else comes
// within the linger, up to max.
func (s *stream) readCursor(ctx context.Context, c *cursor, max int) ([]replog.Msg, error) {
	var out []replog.Msg
	for len(out) < max {
		var m jetstream.Msg
		var err error
		if len(out) == 0 {
			m, err = c.it.Next(jetstream.NextContext(ctx))
		} else {
			linger := lingerShort
			if len(out) > 1 {
				linger = lingerLong
			}
			m, err = c.it.Next(jetstream.NextMaxWait(linger))
			if err != nil {
				return out, nil
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if s.l.isClosed() {
				return nil, replog.ErrClosed
			}
			return nil, err
		}
		meta, err := m.Metadata()
		if err != nil {
			return nil, err
		}
		seq := meta.Sequence.Stream
		if seq < c.next {
			continue // redelivered after a reset
		}
		if seq > c.next {
			if len(out) > 0 {
				// The rest was purged under this reader: return what
				// came in order; the next Read reports the truncation.
				c.next = 0
				return out, nil
			}
			return nil, &replog.TruncatedError{Stream: s.name, Requested: c.next, First: seq}
		}
		out = append(out, toMsg(seq, m.Headers(), m.Data()))
		c.next++
	}
	return out, nil
}

func fromRaw(raw *jetstream.RawStreamMsg) replog.Msg {
	return toMsg(raw.Sequence, raw.Header, raw.Data)
}

func toMsg(seq uint64, h nats.Header, data []byte) replog.Msg {
	m := replog.Msg{Seq: seq, Data: data}
	if h == nil {
		return m
	}
	m.ID = h.Get(msgIDHeader)
	if hd := h.Get(HeadHeader); hd != "" {
		if b, err := hex.DecodeString(hd); err == nil {
			m.Head = b
		}
	}
	if src := h.Get(sourceHeader); src != "" {
		m.Origin = parseSource(src)
		m.Head = nil
	}
	return m
}

// parseSource reads the origin of a sourced message from its
// Nats-Stream-Source header: "<stream>[:<domain hash>] <seq> <filter>
// <transform>".
func parseSource(v string) replog.Origin {
	f := strings.Fields(v)
	if len(f) < 2 {
		return replog.Origin{}
	}
	name, _, _ := strings.Cut(f[0], ":")
	seq, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return replog.Origin{}
	}
	return replog.Origin{Stream: name, Seq: seq}
}

// Objects implements replog.Log: a JetStream object store bucket of
// Options.Replicas (objects are chunked, so snapshots may exceed the 1 MiB
// cap of a KV value).
func (l *Log) Objects(ctx context.Context, bucket string) (replog.Objects, error) {
	var os jetstream.ObjectStore
	err := l.do(ctx, "object store "+bucket, func(ctx context.Context) error {
		var err error
		os, err = l.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: bucket, Replicas: l.opts.Replicas, Storage: l.opts.Storage})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &objects{l: l, os: os}, nil
}

type objects struct {
	l  *Log
	os jetstream.ObjectStore
}

func (o *objects) Put(ctx context.Context, name string, data []byte) error {
	if name == "" {
		return fmt.Errorf("%w: empty object name", replog.ErrInvalid)
	}
	return o.l.do(ctx, "put "+name, func(ctx context.Context) error {
		_, err := o.os.Put(ctx, jetstream.ObjectMeta{Name: name}, bytes.NewReader(data))
		return err
	})
}

func (o *objects) Get(ctx context.Context, name string) ([]byte, error) {
	var b []byte
	err := o.l.do(ctx, "get "+name, func(ctx context.Context) error {
		r, err := o.os.Get(ctx, name)
		if err != nil {
			return err
		}
		defer r.Close()
		b, err = io.ReadAll(r)
		if errors.Is(err, jetstream.ErrDigestMismatch) {
			// The chunks came from a consumer on a server still behind
			// the leader (JetStream may place it on any): ask again.
			return fmt.Errorf("%w: %w", errBehind, err)
		}
		return err
	})
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("%w: object %s", replog.ErrNotFound, name)
	}
	return b, err
}

func (o *objects) List(ctx context.Context) ([]string, error) {
	var names []string
	err := o.l.do(ctx, "list", func(ctx context.Context) error {
		infos, err := o.os.List(ctx)
		if errors.Is(err, jetstream.ErrNoObjectsFound) {
			names = nil
			return nil
		}
		if err != nil {
			return err
		}
		names = names[:0]
		for _, in := range infos {
			if !in.Deleted {
				names = append(names, in.Name)
			}
		}
		return nil
	})
	sort.Strings(names)
	return names, err
}

func (o *objects) Delete(ctx context.Context, name string) error {
	err := o.l.do(ctx, "delete "+name, func(ctx context.Context) error {
		return o.os.Delete(ctx, name)
	})
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil
	}
	return err
}

// KV implements replog.Log: a JetStream key-value bucket of
// Options.Replicas keeping one revision per key.
//
// Reads are served by the bucket's stream leader, so that a read sees
// every write acknowledged before it (replog.KV's contract). JetStream's
// own KV reads do not promise that: direct gets may be answered by a
// follower that lags, and a key listing runs on a consumer that may be
// placed on one. So the bucket's stream has direct gets turned off, Get
// asks the leader for a key's last message, and Keys asks the leader for
// the stream's subjects. A bucket is bound if it exists, created
// otherwise (never updated, which would turn direct gets back on).
func (l *Log) KV(ctx context.Context, bucket string) (replog.KV, error) {
	var kv jetstream.KeyValue
	var st jetstream.Stream
	err := l.do(ctx, "kv "+bucket, func(ctx context.Context) error {
		var err error
		kv, err = l.js.KeyValue(ctx, bucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = l.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucket, Replicas: l.opts.Replicas, Storage: l.opts.Storage, History: 1})
			if errors.Is(err, jetstream.ErrBucketExists) {
				kv, err = l.js.KeyValue(ctx, bucket)
			}
		}
		if err != nil {
			return err
		}
		if st, err = l.js.Stream(ctx, kvStreamPrefix+bucket); err != nil {
			return err
		}
		if cfg := st.CachedInfo().Config; cfg.AllowDirect {
			cfg.AllowDirect = false
			if _, err = l.js.UpdateStream(ctx, cfg); err != nil {
				return err
			}
			if kv, err = l.js.KeyValue(ctx, bucket); err != nil {
				return err
			}
			if st, err = l.js.Stream(ctx, kvStreamPrefix+bucket); err != nil {
				return err
			}
		}
		if st.CachedInfo().Config.AllowDirect {
			return fmt.Errorf("natsjs: bucket %s: direct gets still on", bucket)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &keyValue{l: l, kv: kv, stream: st, prefix: kvSubjectPrefix + bucket + "."}, nil
}

// The names JetStream gives a bucket's stream and its keys' subjects, and
// the header that marks a delete or a purge.
const (
	kvStreamPrefix    = "KV_"
	kvSubjectPrefix   = "$KV."
	kvOperationHeader = "KV-Operation"
)

type keyValue struct {
	l      *Log
	kv     jetstream.KeyValue
	stream jetstream.Stream // the bucket's stream, direct gets off
	prefix string           // of the keys' subjects
}

// last returns the last message of key's subject from the stream leader,
// and whether it holds a value (not a delete or purge marker).
func (k *keyValue) last(ctx context.Context, subject string) (*jetstream.RawStreamMsg, bool, error) {
	m, err := k.stream.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	switch m.Header.Get(kvOperationHeader) {
	case "DEL", "PURGE":
		return m, false, nil
	}
	return m, true, nil
}

func (k *keyValue) Get(ctx context.Context, key string) (replog.Entry, error) {
	var e replog.Entry
	found := false
	err := k.l.do(ctx, "get "+key, func(ctx context.Context) error {
		m, ok, err := k.last(ctx, k.prefix+key)
		if err != nil || !ok {
			return err
		}
		e, found = replog.Entry{Key: key, Value: m.Data, Revision: m.Sequence}, true
		return nil
	})
	if err == nil && !found {
		return replog.Entry{}, fmt.Errorf("%w: key %s", replog.ErrNotFound, key)
	}
	return e, err
}

func (k *keyValue) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	if key == "" {
		return 0, fmt.Errorf("%w: empty key", replog.ErrInvalid)
	}
	var rev uint64
	err := k.l.do(ctx, "put "+key, func(ctx context.Context) error {
		var err error
		rev, err = k.kv.Put(ctx, key, value)
		return err
	})
	return rev, err
}

func wrongRevision(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

func (k *keyValue) Create(ctx context.Context, key string, value []byte) (uint64, error) {
	if key == "" {
		return 0, fmt.Errorf("%w: empty key", replog.ErrInvalid)
	}
	var rev uint64
	err := k.l.do(ctx, "create "+key, func(ctx context.Context) error {
		var err error
		rev, err = k.kv.Create(ctx, key, value)
		return err
	})
	if errors.Is(err, jetstream.ErrKeyExists) || wrongRevision(err) {
		return 0, fmt.Errorf("%w: key %s", replog.ErrExists, key)
	}
	return rev, err
}

func (k *keyValue) Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error) {
	var out uint64
	err := k.l.do(ctx, "update "+key, func(ctx context.Context) error {
		var err error
		out, err = k.kv.Update(ctx, key, value, rev)
		return err
	})
	if errors.Is(err, jetstream.ErrKeyExists) || wrongRevision(err) || errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, fmt.Errorf("%w: key %s, revision %d", replog.ErrWrongRevision, key, rev)
	}
	return out, err
}

func (k *keyValue) Keys(ctx context.Context) ([]string, error) {
	var keys []string
	err := k.l.do(ctx, "keys", func(ctx context.Context) error {
		keys = keys[:0]
		info, err := k.stream.Info(ctx, jetstream.WithSubjectFilter(k.prefix+">"))
		if err != nil {
			return err
		}
		for subject := range info.State.Subjects {
			_, ok, err := k.last(ctx, subject)
			if err != nil {
				return err
			}
			if ok {
				keys = append(keys, strings.TrimPrefix(subject, k.prefix))
			}
		}
		return nil
	})
	sort.Strings(keys)
	return keys, err
}

func (k *keyValue) Delete(ctx context.Context, key string) error {
	return k.l.do(ctx, "delete "+key, func(ctx context.Context) error {
		return k.kv.Delete(ctx, key)
	})
}

// JetStream returns the JetStream context the Log uses.
func (l *Log) JetStream() jetstream.JetStream { return l.js }
