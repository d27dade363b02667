package durable_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agora-exchange/agora/durable"
	"github.com/agora-exchange/agora/journal/journaltest"
	. "github.com/agora-exchange/agora/matching"

	"github.com/stretchr/testify/require"

	"github.com/agora-exchange/agora/journal"
)

// The crash test re-executes the test binary as a child that trades
// through a durable exchange and prints every acknowledgement, kills it
// with SIGKILL at a random moment, then recovers in the parent.
const (
	crashDirEnv    = "AGORA_CRASH_DIR"
	crashSeedEnv   = "AGORA_CRASH_SEED"
	crashPointsEnv = "AGORA_CRASH_POINTS" // number of kill points; default 50 (20 async)
	crashModeEnv   = "AGORA_CRASH_MODE"   // "async" for the asynchronous journal

	// The asynchronous child's backlog bound and a flush interval long
	// enough that the bound, not the timer, limits what a kill loses.
	crashAsyncBound    = 64
	crashAsyncInterval = 100 * time.Millisecond

	crashChildCommands = 1600 // per child run, over all its goroutines
	crashWorkers       = 4
)

// TestCrashChild is the child of TestCrashRecovery; it does nothing unless
// started by it. It prints "ack <seq> <crc32c of the command bytes> <unix
// nanoseconds>" for each acknowledged command, as soon as Submit returns.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrashRecovery")
	}
	seed, err := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	opts := durable.Options{SnapshotEvery: 200}
	if os.Getenv(crashModeEnv) == "async" {
		opts.Journal = journal.Options{Mode: journal.ModeAsync, FlushInterval: crashAsyncInterval, MaxUnsyncedCommands: crashAsyncBound}
	}
	x, err := durable.Open(dir, Config{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var outMu sync.Mutex
	var wg sync.WaitGroup
	for w := range crashWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newDuGen(x.Catalog(), seed*16+uint64(w))
			g.Adopt(x)
			var evs []Event
			var line, enc []byte
			for range crashChildCommands / crashWorkers {
				c := g.Next()
				var err error
				evs, err = x.Submit(c, evs[:0])
				if errors.Is(err, ErrJournal) {
					panic(err) // the disk is healthy: a journal failure is a bug
				}
				g.Observe(evs)
				if len(evs) == 0 {
					continue // no event carries the seq
				}
				enc = AppendCommand(enc[:0], &c)
				line = fmt.Appendf(line[:0], "ack %d %d %d\n", evs[0].Seq, journaltest.CRC(enc), time.Now().UnixNano())
				outMu.Lock()
				_, _ = os.Stdout.Write(line)
				outMu.Unlock()
			}
		}()
	}
	wg.Wait()
	_ = durable.Of(x).Close()
}

type crashAck struct {
	seq uint64
	crc uint32
	at  time.Time // when the child printed it
}

func parseAcks(t *testing.T, out []byte) []crashAck {
	var acks []crashAck
	for line := range bytes.Lines(out) {
		if !bytes.HasSuffix(line, []byte("\n")) || !bytes.HasPrefix(line, []byte("ack ")) {
			continue // the line the kill cut short, or test chatter
		}
		f := strings.Fields(string(line))
		require.Len(t, f, 4, "%q", line)
		seq, err := strconv.ParseUint(f[1], 10, 64)
		require.NoError(t, err)
		crc, err := strconv.ParseUint(f[2], 10, 32)
		require.NoError(t, err)
		ns, err := strconv.ParseInt(f[3], 10, 64)
		require.NoError(t, err)
		acks = append(acks, crashAck{seq: seq, crc: uint32(crc), at: time.Unix(0, ns)})
	}
	return acks
}

// killChild kills a child started by the crash test. The kill may come
// just after the child exited on its own and was reaped: then there is no
// process to signal (os.ErrProcessDone), and the child counts as finished.
func killChild(p *os.Process) (finished bool, err error) {
	err = p.Signal(syscall.SIGKILL)
	if errors.Is(err, os.ErrProcessDone) {
		return true, nil
	}
	return false, err
}

func TestKillChildAfterExit(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("in the child")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	require.NoError(t, cmd.Start())
	require.NoError(t, cmd.Wait()) // exited and reaped
	finished, err := killChild(cmd.Process)
	require.NoError(t, err)
	require.True(t, finished)
}

// TestCrashRecovery kills a child running on the default journal
// (group commit) at random moments: no acknowledged command is ever lost.
func TestCrashRecovery(t *testing.T) { crashRecovery(t, false) }

// TestCrashRecoveryAsync does the same on the asynchronous journal: a kill
// loses at most the configured backlog bound of acknowledged commands.
// The largest loss, in commands and in time (from the oldest lost
// acknowledgement to the kill), is logged, not asserted.
func TestCrashRecoveryAsync(t *testing.T) { crashRecovery(t, true) }

func crashRecovery(t *testing.T, async bool) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("in the child")
	}
	points := 50
	if async {
		points = 20
	}
	if s := os.Getenv(crashPointsEnv); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		points = n
	} else if testing.Short() {
		points = 10
	}
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	seed0 := r.Uint64() % 1_000_000
	t.Logf("seed %d", seed0)

	// ref follows the journal: after each recovery the records it has not
	// seen yet are replayed into it, so the recovered state can be
	// compared with a replay of the whole recovered journal.
	ref, err := New(Config{})
	require.NoError(t, err)
	var killedEarly, finished int
	var tChild, tCheck time.Duration
	var maxLost int
	var maxWindow time.Duration
	for point := range points {
		seed := seed0 + uint64(point)
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashSeedEnv+"="+strconv.FormatUint(seed, 10),
			"GORACE=atexit_sleep_ms=0")
		if async {
			cmd.Env = append(cmd.Env, crashModeEnv+"=async")
		}
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		t0 := time.Now()
		require.NoError(t, cmd.Start())
		// A mix of kill times: during start-up and recovery, mid-run, and
		// sometimes never (the child finishes).
		var delay time.Duration
		switch k := r.IntN(10); {
		case k < 2:
			delay = time.Duration(r.IntN(15)) * time.Millisecond
		case k < 9:
			delay = time.Duration(15+r.IntN(150)) * time.Millisecond
		default:
			delay = 5 * time.Second
		}
		var killedAt time.Time
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			require.NoError(t, err, "child exited on its own with an error; stderr:\n%s", stderr.String())
			finished++
		case <-time.After(delay):
			killedAt = time.Now()
			gone, err := killChild(cmd.Process)
			require.NoError(t, err)
			err = <-done
			if gone {
				require.NoError(t, err, "child exited on its own with an error; stderr:\n%s", stderr.String())
				finished++
				killedAt = time.Time{}
			}
		}
		tChild += time.Since(t0)
		t0 = time.Now()
		acks := parseAcks(t, out.Bytes())
		if len(acks) == 0 {
			killedEarly++
		}

		// Recover.
		x, err := durable.Open(dir, Config{}, durable.Options{})
		require.NoError(t, err, "point %d: recovery failed; child stderr:\n%s", point, stderr.String())
		require.NoError(t, x.CheckInvariants(), "point %d", point)
		var maxAck uint64
		lost := 0
		var oldestLost time.Time
		for _, a := range acks {
			maxAck = max(maxAck, a.seq)
			if a.seq > x.Seq() {
				lost++
				if oldestLost.IsZero() || a.at.Before(oldestLost) {
					oldestLost = a.at
				}
			}
		}
		if async {
			require.LessOrEqual(t, lost, crashAsyncBound, "point %d: a kill lost %d acknowledged commands", point, lost)
			maxLost = max(maxLost, lost)
			if lost > 0 && !killedAt.IsZero() {
				maxWindow = max(maxWindow, killedAt.Sub(oldestLost))
			}
		} else {
			require.GreaterOrEqual(t, x.Seq(), maxAck, "point %d: an acknowledged command was lost", point)
		}
		recovered := x.Seq()
		got := duMarshal(t, x)
		require.NoError(t, durable.Of(x).Close())

		// Every acknowledged command is in the journal under its seq, and
		// the recovered state equals a replay of the recovered journal.
		want := make(map[uint64]uint32, len(acks))
		for _, a := range acks {
			want[a.seq] = a.crc
		}
		duReplayInto(t, dir, ref, func(seq uint64, cmdBytes []byte, _ []Event) {
			if crc, ok := want[seq]; ok {
				require.Equal(t, crc, journaltest.CRC(cmdBytes), "point %d: seq %d holds another command than the one acknowledged", point, seq)
				delete(want, seq)
			}
		})
		for seq := range want {
			require.Greater(t, seq, recovered, "point %d: acknowledged seq %d not found in the journal", point, seq)
		}
		require.Equal(t, got, duMarshal(t, ref), "point %d: recovered state differs from a replay of the journal", point)

		// Trading continues on the recovered exchange.
		if point%5 != 4 {
			tCheck += time.Since(t0)
			continue
		}
		x, err = durable.Open(dir, Config{}, durable.Options{})
		require.NoError(t, err)
		g := newDuGen(x.Catalog(), seed^0xabcdef)
		g.Adopt(x)
		for range 5 {
			before := x.Seq()
			c := g.Next()
			evs, err := x.Submit(c, nil)
			require.NotErrorIs(t, err, ErrJournal)
			require.Equal(t, before+1, x.Seq(), "point %d: %+v: %v %+v", point, c, err, evs)
			g.Observe(evs)
		}
		require.NoError(t, durable.Of(x).Close())
		tCheck += time.Since(t0)
	}
	t0 := time.Now()
	duReplayInto(t, dir, ref, func(uint64, []byte, []Event) {})
	report, err := durable.Verify(dir, Config{})
	require.NoError(t, err)
	require.True(t, report.OK())
	require.Equal(t, ref.Seq(), report.LastSeq)
	snaps, err := journal.ListSnapshots(nil, dir)
	require.NoError(t, err)
	t.Logf("children %v, recovery checks %v, audit %v", tChild, tCheck, time.Since(t0))
	t.Logf("%d kill points: %d killed before any acknowledgement, %d finished; %d commands journaled, %d snapshots kept, %d checked by the audit",
		points, killedEarly, finished, ref.Seq(), len(snaps), report.Snapshots)
	if async {
		t.Logf("async: bound %d commands; largest loss at one kill %d commands; largest loss window %v (oldest lost acknowledgement to the kill)",
			crashAsyncBound, maxLost, maxWindow)
	}
}

// duCorruptTemplate is a journal of a short run with the state after every
// prefix, shared by the FuzzRecoverCorrupt iterations.
type duCorruptTemplate struct {
	segment []byte   // the single segment file
	name    string   // its file name
	states  [][]byte // states[k]: MarshalState after k commands
}

var (
	duTemplateOnce sync.Once
	duTemplate     duCorruptTemplate
	duTemplateErr  error
)

func duBuildTemplate() (duCorruptTemplate, error) {
	var tpl duCorruptTemplate
	dir, err := os.MkdirTemp("", "agora-corrupt-")
	if err != nil {
		return tpl, err
	}
	defer os.RemoveAll(dir)
	x, err := durable.Open(dir, Config{}, durable.Options{Journal: journal.Options{Mode: journal.ModeSync}})
	if err != nil {
		return tpl, err
	}
	g := newDuGen(x.Catalog(), 31)
	s, _ := x.MarshalState()
	tpl.states = append(tpl.states, s)
	var evs []Event
	for range 80 {
		evs, _ = x.Submit(g.Next(), evs[:0])
		g.Observe(evs)
		s, _ := x.MarshalState()
		tpl.states = append(tpl.states, s)
	}
	if err := durable.Of(x).Close(); err != nil {
		return tpl, err
	}
	tpl.name = fmt.Sprintf("%020d.wal", 1)
	tpl.segment, err = os.ReadFile(filepath.Join(dir, tpl.name))
	return tpl, err
}

// duFixFrameCRCs recomputes the CRC of every frame that still parses, so
// that only the audit chain can notice a changed payload.
func duFixFrameCRCs(seg []byte) {
	frames, _ := journaltest.Frames(seg)
	for _, fr := range frames {
		journaltest.FixCRC(seg, fr)
	}
}

// FuzzRecoverCorrupt damages a journal (a flipped byte, optionally with the
// frame checksums fixed up, and/or a truncation) and recovers it: Open
// must not panic, and must either fail with a clear error or recover the
// state of an exact prefix of the commands.
func FuzzRecoverCorrupt(f *testing.F) {
	duTemplateOnce.Do(func() { duTemplate, duTemplateErr = duBuildTemplate() })
	require.NoError(f, duTemplateErr)
	tpl := duTemplate
	f.Add(uint32(100), byte(1), uint32(0), byte(1))
	f.Add(uint32(500), byte(0x80), uint32(0), byte(5))
	f.Add(uint32(0), byte(0), uint32(len(tpl.segment)-3), byte(2))
	f.Add(uint32(len(tpl.segment)-10), byte(4), uint32(0), byte(1))
	f.Add(uint32(9), byte(4), uint32(17), byte(7))
	f.Fuzz(func(t *testing.T, pos uint32, mask byte, cut uint32, mode byte) {
		seg := bytes.Clone(tpl.segment)
		if mode&1 != 0 {
			if mask == 0 {
				mask = 1
			}
			seg[int(pos)%len(seg)] ^= mask
		}
		if mode&4 != 0 {
			duFixFrameCRCs(seg)
		}
		if mode&2 != 0 {
			seg = seg[:int(cut)%len(seg)]
		}
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, tpl.name), seg, 0o644))
		x, err := durable.Open(dir, Config{}, durable.Options{})
		if err != nil {
			var ce *journal.CorruptError
			require.True(t, errors.As(err, &ce) || errors.Is(err, durable.ErrAuditMismatch) || errors.Is(err, durable.ErrBadRecord),
				"unclear error: %v", err)
			return
		}
		defer durable.Of(x).Close()
		require.LessOrEqual(t, x.Seq(), uint64(len(tpl.states)-1))
		require.Equal(t, tpl.states[x.Seq()], duMarshal(t, x), "recovered state is not the prefix of %d commands", x.Seq())
		_, err = x.Submit(Command{Kind: CmdExpire, Time: 1 << 40}, nil)
		require.NoError(t, err)
	})
}
