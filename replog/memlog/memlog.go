// Package memlog is an in-memory replog.Log with fault injection, for
// tests of the cluster runtime and as the reference implementation of the
// conformance suite (package replogtest).
//
// # Faults
//
// SetFaults makes stream calls fail the ways a replicated log service
// fails: a call lost before it takes effect, a call whose answer is lost
// after it took effect (both return replog.ErrTimeout at once, as if the
// caller's deadline had passed), random delays, and sourced messages that
// arrive late. LoseLeader makes every call on a stream wait, as calls on a
// JetStream stream without a leader do, until the leader is back
// (RestoreLeader) or the call's context is done (replog.ErrTimeout). KV and
// object store calls are never faulted.
//
// Time comes from Options.Clock, so tests can move the dedupe window and
// the MaxAge retention without sleeping.
package memlog

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/agora-exchange/agora/replog"
)

// Options configures a Log. Zero fields mean the defaults.
type Options struct {
	// Clock returns the time; nil means time.Now.
	Clock func() time.Time
	// Seed seeds the fault injection.
	Seed uint64
}

// Faults are the failures SetFaults injects into stream calls.
// Probabilities are in [0, 1].
type Faults struct {
	// DropRequest is the probability that a call is lost before it takes
	// effect; it returns replog.ErrTimeout.
	DropRequest float64
	// DropReply is the probability that a call takes effect but its answer
	// is lost; it returns replog.ErrTimeout.
	DropReply float64
	// MaxDelay delays each call by a random duration up to it.
	MaxDelay time.Duration
	// HoldSource is the probability that a sourced message waits, at each
	// append to its target stream, instead of being copied; a reader that
	// reaches the end of the target receives every held message.
	HoldSource float64
	// StaleLast is the probability that a conditional append (CheckLast)
	// is refused by a stale server: a *replog.WrongLastError naming a
	// last below the stream's, as a replicated log's former leader, cut
	// off by a partition, answers until it learns it lost the lead.
	StaleLast float64
}

// Log is an in-memory replog.Log. It is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	clock   func() time.Time
	rng     *rand.Rand
	faults  Faults
	streams map[string]*stream
	kvs     map[string]*kv
	objs    map[string]*objects
	closed  bool
	done    chan struct{}
}

var (
	_ replog.Log           = (*Log)(nil)
	_ replog.BatchAppender = (*stream)(nil)
)

// New returns an empty log.
func New(opts Options) *Log {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Log{
		clock: opts.Clock, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		streams: map[string]*stream{}, kvs: map[string]*kv{}, objs: map[string]*objects{},
		done: make(chan struct{}),
	}
}

// SetFaults replaces the injected faults; the zero Faults turns them off.
func (l *Log) SetFaults(f Faults) {
	l.mu.Lock()
	l.faults = f
	l.mu.Unlock()
}

// LoseLeader makes every call on the named stream wait until
// RestoreLeader or until its context is done. It returns ErrNotFound for
// an unknown stream.
func (l *Log) LoseLeader(name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.streams[name]
	if s == nil {
		return fmt.Errorf("%w: stream %s", replog.ErrNotFound, name)
	}
	if s.leader == nil {
		s.leader = make(chan struct{})
	}
	return nil
}

// RestoreLeader ends LoseLeader.
func (l *Log) RestoreLeader(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.streams[name]; s != nil && s.leader != nil {
		close(s.leader)
		s.leader = nil
	}
}

// Close makes every later call fail with replog.ErrClosed and wakes
// waiting readers.
func (l *Log) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.done)
	}
}

// Stream implements replog.Log.
func (l *Log) Stream(_ context.Context, cfg replog.StreamConfig) (replog.Stream, error) {
	if cfg.Name == "" || slices.Contains(cfg.Sources, cfg.Name) {
		return nil, fmt.Errorf("%w: stream name %q, sources %v", replog.ErrInvalid, cfg.Name, cfg.Sources)
	}
	if cfg.Duplicates <= 0 {
		cfg.Duplicates = replog.DefaultDuplicates
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, replog.ErrClosed
	}
	if s := l.streams[cfg.Name]; s != nil {
		if !slices.Equal(s.cfg.Sources, cfg.Sources) {
			return nil, fmt.Errorf("%w: stream %s exists with sources %v", replog.ErrInvalid, cfg.Name, s.cfg.Sources)
		}
		return s, nil
	}
	s := &stream{l: l, cfg: cfg, first: 1, ids: map[string]idEntry{}, changed: make(chan struct{})}
	s.cfg.Sources = slices.Clone(cfg.Sources)
	// A new stream receives what its sources already hold.
	for _, name := range s.cfg.Sources {
		if src := l.streams[name]; src != nil {
			for _, m := range src.msgs {
				c := m.msg
				c.Origin, c.Head = replog.Origin{Stream: name, Seq: c.Seq}, nil
				s.pending = append(s.pending, c)
			}
		}
	}
	s.flush(l.clock())
	l.streams[cfg.Name] = s
	return s, nil
}

// Objects implements replog.Log.
func (l *Log) Objects(_ context.Context, bucket string) (replog.Objects, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, replog.ErrClosed
	}
	o := l.objs[bucket]
	if o == nil {
		o = &objects{l: l, m: map[string][]byte{}}
		l.objs[bucket] = o
	}
	return o, nil
}

// KV implements replog.Log.
func (l *Log) KV(_ context.Context, bucket string) (replog.KV, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, replog.ErrClosed
	}
	k := l.kvs[bucket]
	if k == nil {
		k = &kv{l: l, m: map[string]replog.Entry{}}
		l.kvs[bucket] = k
	}
	return k, nil
}

type idEntry struct {
	seq uint64
	at  time.Time
}

type stored struct {
	msg replog.Msg
	at  time.Time
}

type stream struct {
	l       *Log
	cfg     replog.StreamConfig
	first   uint64   // seq of msgs[0]
	msgs    []stored // first .. first+len-1
	ids     map[string]idEntry
	idOrder []string // IDs in append order, to expire the window
	pending []replog.Msg
	changed chan struct{} // closed and replaced on every change
	leader  chan struct{} // non-nil while the stream has no leader
}

func (s *stream) Name() string { return s.cfg.Name }

func (s *stream) last() uint64 { return s.first + uint64(len(s.msgs)) - 1 }

// enter waits for the stream's leader and the injected delay, then returns
// with l.mu held. drop reports an injected lost request, lostReply a lost
// answer.
func (s *stream) enter(ctx context.Context) (lostReply bool, err error) {
	l := s.l
	l.mu.Lock()
	delay := time.Duration(0)
	if l.faults.MaxDelay > 0 {
		delay = time.Duration(l.rng.Int64N(int64(l.faults.MaxDelay) + 1))
	}
	l.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, fmt.Errorf("%w: %w", replog.ErrTimeout, ctx.Err())
		case <-t.C:
		}
	}
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return false, replog.ErrClosed
		}
		w := s.leader
		if w == nil {
			break
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("%w: stream %s has no leader: %w", replog.ErrTimeout, s.cfg.Name, ctx.Err())
		case <-w:
		}
	}
	if err := ctx.Err(); err != nil {
		l.mu.Unlock()
		return false, fmt.Errorf("%w: %w", replog.ErrTimeout, err)
	}
	if l.faults.DropRequest > 0 && l.rng.Float64() < l.faults.DropRequest {
		l.mu.Unlock()
		return false, fmt.Errorf("%w: request lost", replog.ErrTimeout)
	}
	return l.faults.DropReply > 0 && l.rng.Float64() < l.faults.DropReply, nil
}

func (s *stream) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// expire drops what the dedupe window and MaxAge no longer keep. l.mu held.
func (s *stream) expire(now time.Time) {
	for len(s.idOrder) > 0 {
		id := s.idOrder[0]
		e := s.ids[id]
		if now.Sub(e.at) < s.cfg.Duplicates {
			break
		}
		delete(s.ids, id)
		s.idOrder = s.idOrder[1:]
	}
	if s.cfg.MaxAge > 0 {
		n := 0
		for n < len(s.msgs) && now.Sub(s.msgs[n].at) >= s.cfg.MaxAge {
			n++
		}
		if n > 0 {
			s.msgs = slices.Delete(s.msgs, 0, n)
			s.first += uint64(n)
		}
	}
}

// store appends m (with its ID, Data, Head and Origin) as the next message
// unless its ID is within the window; it returns the seq and whether it
// was a duplicate. l.mu held.
func (s *stream) store(m replog.Msg, now time.Time) (uint64, bool) {
	if m.ID != "" {
		if e, ok := s.ids[m.ID]; ok {
			return e.seq, true
		}
	}
	m.Seq = s.last() + 1
	s.msgs = append(s.msgs, stored{msg: m, at: now})
	if m.ID != "" {
		s.ids[m.ID] = idEntry{seq: m.Seq, at: now}
		s.idOrder = append(s.idOrder, m.ID)
	}
	// Copy into every stream that sources this one.
	for _, t := range s.l.streams {
		if slices.Contains(t.cfg.Sources, s.cfg.Name) {
			c := m
			c.Origin = replog.Origin{Stream: s.cfg.Name, Seq: m.Seq}
			c.Head = nil
			t.pending = append(t.pending, c)
			if s.l.faults.HoldSource == 0 || s.l.rng.Float64() >= s.l.faults.HoldSource {
				t.flush(now)
			}
		}
	}
	s.notify()
	return m.Seq, false
}

// flush copies the held sourced messages in. l.mu held.
func (s *stream) flush(now time.Time) {
	p := s.pending
	s.pending = nil
	for _, m := range p {
		s.store(m, now)
	}
}

func (s *stream) Append(ctx context.Context, data []byte, opts replog.AppendOptions) (replog.Ack, error) {
	lost, err := s.enter(ctx)
	if err != nil {
		return replog.Ack{}, err
	}
	l := s.l
	defer l.mu.Unlock()
	now := l.clock()
	s.expire(now)
	if len(s.pending) > 0 && (l.faults.HoldSource == 0 || l.rng.Float64() >= l.faults.HoldSource) {
		s.flush(now)
	}
	if opts.CheckLast && s.last() > 0 && l.faults.StaleLast > 0 && l.rng.Float64() < l.faults.StaleLast {
		return replog.Ack{}, &replog.WrongLastError{Stream: s.cfg.Name, Expected: opts.ExpectLast, Last: l.rng.Uint64N(s.last())}
	}
	ack, err := s.appendLocked(data, opts, now)
	if err == nil && lost {
		return replog.Ack{}, fmt.Errorf("%w: reply lost", replog.ErrTimeout)
	}
	return ack, err
}

// AppendBatch implements replog.BatchAppender: the appends in order,
// each with its own injected faults.
func (s *stream) AppendBatch(ctx context.Context, reqs []replog.AppendRequest) []replog.AppendResult {
	res := make([]replog.AppendResult, len(reqs))
	for i, r := range reqs {
		res[i].Ack, res[i].Err = s.Append(ctx, r.Data, r.Opts)
	}
	return res
}

func (s *stream) appendLocked(data []byte, opts replog.AppendOptions, now time.Time) (replog.Ack, error) {
	if opts.ID != "" {
		if e, ok := s.ids[opts.ID]; ok {
			return replog.Ack{Seq: e.seq, Duplicate: true}, nil
		}
	}
	if opts.CheckLast && opts.ExpectLast != s.last() {
		return replog.Ack{}, &replog.WrongLastError{Stream: s.cfg.Name, Expected: opts.ExpectLast, Last: s.last()}
	}
	seq, _ := s.store(replog.Msg{ID: opts.ID, Data: bytes.Clone(data), Head: bytes.Clone(opts.Head)}, now)
	return replog.Ack{Seq: seq}, nil
}

func (s *stream) Read(ctx context.Context, from uint64, max int) ([]replog.Msg, error) {
	if from == 0 || max < 1 {
		return nil, fmt.Errorf("%w: read from %d, max %d", replog.ErrInvalid, from, max)
	}
	lost, err := s.enter(ctx)
	if err != nil {
		return nil, err
	}
	l := s.l
	for {
		now := l.clock()
		s.expire(now)
		if from < s.first {
			first := s.first
			l.mu.Unlock()
			return nil, &replog.TruncatedError{Stream: s.cfg.Name, Requested: from, First: first}
		}
		if from > s.last() && len(s.pending) > 0 {
			s.flush(now)
		}
		if from <= s.last() {
			i := from - s.first
			n := min(uint64(max), uint64(len(s.msgs))-i)
			out := make([]replog.Msg, n)
			for k := range out {
				out[k] = s.msgs[i+uint64(k)].msg
			}
			l.mu.Unlock()
			if lost {
				return nil, fmt.Errorf("%w: reply lost", replog.ErrTimeout)
			}
			return out, nil
		}
		w := s.changed
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-l.done:
			return nil, replog.ErrClosed
		case <-w:
		}
		l.mu.Lock()
	}
}

func (s *stream) Info(ctx context.Context) (replog.Info, error) {
	lost, err := s.enter(ctx)
	if err != nil {
		return replog.Info{}, err
	}
	defer s.l.mu.Unlock()
	s.expire(s.l.clock())
	if lost {
		return replog.Info{}, fmt.Errorf("%w: reply lost", replog.ErrTimeout)
	}
	return replog.Info{First: s.first, Last: s.last()}, nil
}

func (s *stream) Purge(ctx context.Context, before uint64) error {
	lost, err := s.enter(ctx)
	if err != nil {
		return err
	}
	defer s.l.mu.Unlock()
	s.expire(s.l.clock())
	if before > s.first {
		n := min(before-s.first, uint64(len(s.msgs)))
		s.msgs = slices.Delete(s.msgs, 0, int(n))
		s.first += n
		s.notify()
	}
	if lost {
		return fmt.Errorf("%w: reply lost", replog.ErrTimeout)
	}
	return nil
}

type objects struct {
	l *Log
	m map[string][]byte
}

func (o *objects) lock() error {
	o.l.mu.Lock()
	if o.l.closed {
		o.l.mu.Unlock()
		return replog.ErrClosed
	}
	return nil
}

func (o *objects) Put(_ context.Context, name string, data []byte) error {
	if name == "" {
		return fmt.Errorf("%w: empty object name", replog.ErrInvalid)
	}
	if err := o.lock(); err != nil {
		return err
	}
	defer o.l.mu.Unlock()
	o.m[name] = bytes.Clone(data)
	return nil
}

func (o *objects) Get(_ context.Context, name string) ([]byte, error) {
	if err := o.lock(); err != nil {
		return nil, err
	}
	defer o.l.mu.Unlock()
	b, ok := o.m[name]
	if !ok {
		return nil, fmt.Errorf("%w: object %s", replog.ErrNotFound, name)
	}
	return bytes.Clone(b), nil
}

func (o *objects) List(_ context.Context) ([]string, error) {
	if err := o.lock(); err != nil {
		return nil, err
	}
	defer o.l.mu.Unlock()
	names := make([]string, 0, len(o.m))
	for n := range o.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func (o *objects) Delete(_ context.Context, name string) error {
	if err := o.lock(); err != nil {
		return err
	}
	defer o.l.mu.Unlock()
	delete(o.m, name)
	return nil
}

type kv struct {
	l   *Log
	m   map[string]replog.Entry
	rev uint64
}

func (k *kv) lock() error {
	k.l.mu.Lock()
	if k.l.closed {
		k.l.mu.Unlock()
		return replog.ErrClosed
	}
	return nil
}

func (k *kv) Get(_ context.Context, key string) (replog.Entry, error) {
	if err := k.lock(); err != nil {
		return replog.Entry{}, err
	}
	defer k.l.mu.Unlock()
	e, ok := k.m[key]
	if !ok {
		return replog.Entry{}, fmt.Errorf("%w: key %s", replog.ErrNotFound, key)
	}
	e.Value = bytes.Clone(e.Value)
	return e, nil
}

func (k *kv) set(key string, value []byte) uint64 {
	k.rev++
	k.m[key] = replog.Entry{Key: key, Value: bytes.Clone(value), Revision: k.rev}
	return k.rev
}

func (k *kv) Put(_ context.Context, key string, value []byte) (uint64, error) {
	if key == "" {
		return 0, fmt.Errorf("%w: empty key", replog.ErrInvalid)
	}
	if err := k.lock(); err != nil {
		return 0, err
	}
	defer k.l.mu.Unlock()
	return k.set(key, value), nil
}

func (k *kv) Create(_ context.Context, key string, value []byte) (uint64, error) {
	if key == "" {
		return 0, fmt.Errorf("%w: empty key", replog.ErrInvalid)
	}
	if err := k.lock(); err != nil {
		return 0, err
	}
	defer k.l.mu.Unlock()
	if _, ok := k.m[key]; ok {
		return 0, fmt.Errorf("%w: key %s", replog.ErrExists, key)
	}
	return k.set(key, value), nil
}

func (k *kv) Update(_ context.Context, key string, value []byte, rev uint64) (uint64, error) {
	if err := k.lock(); err != nil {
		return 0, err
	}
	defer k.l.mu.Unlock()
	if e, ok := k.m[key]; !ok || e.Revision != rev {
		return 0, fmt.Errorf("%w: key %s, revision %d", replog.ErrWrongRevision, key, rev)
	}
	return k.set(key, value), nil
}

func (k *kv) Keys(_ context.Context) ([]string, error) {
	if err := k.lock(); err != nil {
		return nil, err
	}
	defer k.l.mu.Unlock()
	keys := make([]string, 0, len(k.m))
	for key := range k.m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys, nil
}

func (k *kv) Delete(_ context.Context, key string) error {
	if err := k.lock(); err != nil {
		return err
	}
	defer k.l.mu.Unlock()
	delete(k.m, key)
	return nil
}
