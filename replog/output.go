package replog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
)

// OutputID returns the message ID of output n.
func OutputID(n uint64) string { return "o." + strconv.FormatUint(n, 10) }

// PutOutput publishes output n (n >= 1) of its stream exactly once: data
// and head, appended with message ID OutputID(n) and expected last
// sequence n-1. If output n is already stored (by this caller's earlier
// try, or by another replica) it compares heads: equal is success, a
// mismatch is a *DivergenceError. It reports whether this call stored it.
//
// Errors: ErrDivergence, ErrOutputGap (the stream answered that it holds
// fewer than n-1 outputs; a replicated log's server cut off by a partition
// can give that answer from its old state, so a caller that knows output
// n-1 is stored retries), ErrTimeout and the context's error from the stream (retry the
// same call), ErrTruncated when output n exists but is no longer retained,
// so the heads cannot be compared. Cost: one append, plus one read when
// the output was there already.
func PutOutput(ctx context.Context, s Stream, n uint64, head, data []byte) (stored bool, err error) {
	if n == 0 {
		return false, fmt.Errorf("%w: output 0", ErrInvalid)
	}
	ack, err := s.Append(ctx, data, outputOptions(n, head))
	return settleOutput(ctx, s, n, head, ack, err)
}

func outputOptions(n uint64, head []byte) AppendOptions {
	return AppendOptions{ID: OutputID(n), CheckLast: true, ExpectLast: n - 1, Head: head}
}

// settleOutput turns the answer to the append of output n into
// PutOutput's result, reading the stored output to compare heads when it
// was there already.
func settleOutput(ctx context.Context, s Stream, n uint64, head []byte, ack Ack, err error) (stored bool, _ error) {
	stored, there, err := answerOf(s, n, ack, err)
	if err != nil || !there {
		return stored, err
	}
	msgs, err := s.Read(ctx, n, 1)
	if err != nil {
		return false, err
	}
	return false, compareOutput(s, n, head, msgs)
}

// answerOf reads the answer to the append of output n: stored by it,
// there already (to compare), or an error.
func answerOf(s Stream, n uint64, ack Ack, err error) (stored, there bool, _ error) {
	var wl *WrongLastError
	switch {
	case err == nil && !ack.Duplicate && ack.Seq == n:
		return true, false, nil
	case err == nil && ack.Seq != n:
		return false, false, fmt.Errorf("%w: stream %s: output %d stored at seq %d", ErrDivergence, s.Name(), n, ack.Seq)
	case errors.As(err, &wl):
		if wl.Last < n {
			return false, false, fmt.Errorf("%w: stream %s: output %d, last %d", ErrOutputGap, s.Name(), n, wl.Last)
		}
	case err != nil:
		return false, false, err
	}
	return false, true, nil
}

// compareOutput compares head with that of output n among msgs, read
// from n on.
func compareOutput(s Stream, n uint64, head []byte, msgs []Msg) error {
	if len(msgs) == 0 || msgs[0].Seq > n || n-msgs[0].Seq >= uint64(len(msgs)) {
		return fmt.Errorf("%w: stream %s: output %d not readable", ErrOutputGap, s.Name(), n)
	}
	m := &msgs[n-msgs[0].Seq]
	if !bytes.Equal(m.Head, head) {
		return &DivergenceError{Stream: s.Name(), Seq: n, Stored: m.Head, Mine: bytes.Clone(head)}
	}
	return nil
}

// batchReadMin is how many outputs of a batch found stored already make
// PutOutputs compare them with one range read instead of a read each.
const batchReadMin = 16

// checkOutputs checks that outs are consecutive outputs from 1 on:
// ErrInvalid if not.
func checkOutputs(outs []Output) error {
	if len(outs) > 0 && outs[0].Seq == 0 {
		return fmt.Errorf("%w: output 0", ErrInvalid)
	}
	for i := 1; i < len(outs); i++ {
		if outs[i].Seq != outs[0].Seq+uint64(i) {
			return fmt.Errorf("%w: outputs %d and %d are not consecutive", ErrInvalid, outs[i-1].Seq, outs[i].Seq)
		}
	}
	return nil
}

// Output is one output for PutOutputs.
type Output struct {
	Seq        uint64
	Head, Data []byte
}

// PutOutputs publishes consecutive outputs (outs[i].Seq = outs[0].Seq+i)
// as PutOutput publishes each, but when s is a BatchAppender it sends them
// all before waiting for the answers. It returns how many of outs, from
// the first, are now stored with the heads given (by this call or
// before), and the error that stopped the next one (PutOutput's errors):
// the caller retries from outs[done]. Cost: one round trip for the batch,
// plus, for the outputs found stored already, one read each, or one read
// of the batch's range when there are 16 or more; after an append refused
// in the batch, one PutOutput for it and each after it.
func PutOutputs(ctx context.Context, s Stream, outs []Output) (done int, err error) {
	if err := checkOutputs(outs); err != nil {
		return 0, err
	}
	ba, ok := s.(BatchAppender)
	if ok && len(outs) > 1 {
		reqs := make([]AppendRequest, len(outs))
		for i, o := range outs {
			reqs[i] = AppendRequest{Data: o.Data, Opts: outputOptions(o.Seq, o.Head)}
		}
		res := ba.AppendBatch(ctx, reqs)
		// How far the answers go without an error, and which of those
		// outputs were there already.
		ok, there := 0, make([]bool, len(outs))
		nThere := 0
		for ; ok < len(outs); ok++ {
			_, t, err := answerOf(s, outs[ok].Seq, res[ok].Ack, res[ok].Err)
			if err != nil {
				break
			}
			if t {
				there[ok] = true
				nThere++
			}
		}
		var stored []Msg // outputs read for comparing, from stored[0].Seq on
		for ; done < ok; done++ {
			o := &outs[done]
			if !there[done] {
				continue
			}
			if len(stored) == 0 || o.Seq < stored[0].Seq || o.Seq >= stored[0].Seq+uint64(len(stored)) {
				// Many outputs there (a replica catching up) are read in
				// one go; a few, one get each (a range read may cost a
				// reader's start).
				max := 1
				if nThere >= batchReadMin {
					max = ok - done
				}
				var err error
				if stored, err = s.Read(ctx, o.Seq, max); err != nil {
					break
				}
			}
			if err := compareOutput(s, o.Seq, o.Head, stored); err != nil {
				if errors.Is(err, ErrDivergence) {
					return done, err
				}
				break
			}
		}
	}
	for ; done < len(outs); done++ {
		o := &outs[done]
		if _, err := PutOutput(ctx, s, o.Seq, o.Head, o.Data); err != nil {
			return done, err
		}
	}
	return done, nil
}

// CompareStored compares consecutive outputs (outs[i].Seq = outs[0].Seq+i)
// that the caller knows are stored already (none beyond the stream's last
// message: Read would wait for it) with the stored ones, without
// appending: a replica catching up on outputs that another replica
// published. Heads are audit-chain heads, each committing to every output
// before it, so when the last output's stored head equals the one given,
// so do all the others: CompareStored reads that one output, and only on
// a mismatch reads the range to find the first that differs. It returns
// how many of outs, from the first, are stored with the heads given, and
// the error that stopped the next one.
//
// Errors: *DivergenceError (ErrDivergence) for the first stored head that
// differs; *TruncatedError (ErrTruncated) when the stream no longer
// retains the last of outs, or, after a mismatch, outs[done]; ErrInvalid
// for outputs that are not consecutive or output 0; Read's errors
// (ErrTimeout, the context's). Cost: one read of one message; after a
// mismatch, one Read per batch of messages the stream returns.
func CompareStored(ctx context.Context, s Stream, outs []Output) (done int, err error) {
	if err := checkOutputs(outs); err != nil {
		return 0, err
	}
	if len(outs) == 0 {
		return 0, nil
	}
	last := &outs[len(outs)-1]
	msgs, err := s.Read(ctx, last.Seq, 1)
	if err != nil {
		return 0, err
	}
	if compareOutput(s, last.Seq, last.Head, msgs) == nil {
		return len(outs), nil
	}
	for done < len(outs) {
		msgs, err := s.Read(ctx, outs[done].Seq, len(outs)-done)
		if err != nil {
			return done, err
		}
		for n := min(len(msgs), len(outs)-done); n > 0; n-- {
			o := &outs[done]
			if err := compareOutput(s, o.Seq, o.Head, msgs); err != nil {
				return done, err
			}
			done++
		}
	}
	return done, nil
}
