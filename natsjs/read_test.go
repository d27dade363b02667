package natsjs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/agora-exchange/agora/replog"
)

// lagStream is a stream of messages first..last whose direct gets answer
// "not found" misses times first, as a follower that has not stored them
// yet would. Starting a reader fails, and is counted; any other call
// panics on the nil embedded Stream (the test fails).
type lagStream struct {
	jetstream.Stream
	first, last uint64
	misses      int
	gets        int
	readers     int
}

func (f *lagStream) GetMsg(_ context.Context, seq uint64, _ ...jetstream.GetMsgOpt) (*jetstream.RawStreamMsg, error) {
	f.gets++
	if f.misses > 0 {
		f.misses--
		return nil, jetstream.ErrMsgNotFound
	}
	if seq < f.first || seq > f.last {
		return nil, jetstream.ErrMsgNotFound
	}
	return &jetstream.RawStreamMsg{Sequence: seq, Data: []byte{byte(seq)}}, nil
}

func (f *lagStream) Info(context.Context, ...jetstream.StreamInfoOpt) (*jetstream.StreamInfo, error) {
	return &jetstream.StreamInfo{State: jetstream.StreamState{Msgs: f.last - f.first + 1, FirstSeq: f.first, LastSeq: f.last}}, nil
}

var errNoReaders = errors.New("no readers here")

func (f *lagStream) OrderedConsumer(context.Context, jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	f.readers++
	return nil, errNoReaders
}

func lagging(f *lagStream) *stream {
	return &stream{l: New(nil, Options{CallTimeout: time.Second}), name: "LAG", js: f}
}

// TestReadOneOfALaggingFollower: a one-message Read that a follower
// answers with "not found" while the leader holds the message gets it by
// trying again, starting no reader; one beyond the stream's last message
// starts a reader (to wait for it) at once; one of a purged message names
// the first retained; a follower that never catches up is given up on
// after a few gets, for a reader.
func TestReadOneOfALaggingFollower(t *testing.T) {
	ctx := context.Background()
	f := &lagStream{first: 1, last: 5, misses: 3}
	msgs, err := lagging(f).Read(ctx, 4, 1)
	if err != nil || len(msgs) != 1 || msgs[0].Seq != 4 || msgs[0].Data[0] != 4 {
		t.Fatalf("Read(4, 1) = %+v, %v; want message 4", msgs, err)
	}
	if f.gets != 4 || f.readers != 0 {
		t.Errorf("%d gets and %d readers; want 4 gets and no reader", f.gets, f.readers)
	}

	f = &lagStream{first: 1, last: 5}
	if _, err := lagging(f).Read(ctx, 6, 1); !errors.Is(err, errNoReaders) {
		t.Fatalf("Read(6, 1): %v; want the reader's start", err)
	}
	if f.gets != 1 || f.readers != 1 {
		t.Errorf("%d gets and %d readers; want 1 get and 1 reader", f.gets, f.readers)
	}

	f = &lagStream{first: 4, last: 5, misses: 1}
	var te *replog.TruncatedError
	if _, err := lagging(f).Read(ctx, 3, 1); !errors.As(err, &te) || te.Requested != 3 || te.First != 4 {
		t.Fatalf("Read(3, 1) of a purged message: %v; want a TruncatedError naming 3 and 4", err)
	}

	f = &lagStream{first: 1, last: 5, misses: 1 << 20}
	start := time.Now()
	if _, err := lagging(f).Read(ctx, 2, 1); !errors.Is(err, errNoReaders) {
		t.Fatalf("Read(2, 1) of a follower that never catches up: %v; want the reader's start", err)
	}
	if f.gets < 3 || f.gets > 10 || f.readers != 1 {
		t.Errorf("%d gets and %d readers; want a few gets, then 1 reader", f.gets, f.readers)
	}
	t.Logf("gave up after %d gets in %v", f.gets, time.Since(start))
}
