package journal

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSnapshots(t *testing.T) {
	dir := t.TempDir()
	_, _, err := LoadLatestSnapshot(nil, dir, false)
	isErr(t, err, ErrNoSnapshot)
	_, _, err = LoadLatestSnapshot(nil, filepath.Join(dir, "missing"), true)
	isErr(t, err, ErrNoSnapshot)

	ok(t, WriteSnapshot(nil, dir, 10, []byte("state at ten")))
	ok(t, WriteSnapshot(OSFS{}, dir, 20, []byte("state at twenty")))
	ok(t, WriteSnapshot(nil, dir, 15, []byte{}))
	names, err := OSFS{}.ReadDir(dir)
	ok(t, err)
	eq(t, len(names), 3, "files (no temporaries left)")
	eq(t, names[2], "00000000000000000020.snap", "name")

	seq, payload, err := LoadLatestSnapshot(nil, dir, false)
	ok(t, err)
	eq(t, seq, uint64(20), "newest seq")
	eq(t, string(payload), "state at twenty", "payload")

	// A stale temporary file from a crash mid-write is ignored.
	ok(t, os.WriteFile(filepath.Join(dir, "00000000000000000030.snap.tmp"), []byte("partial"), 0o644))
	seq, _, err = LoadLatestSnapshot(nil, dir, false)
	ok(t, err)
	eq(t, seq, uint64(20), "tmp ignored")

	// Damage the newest payload.
	p20 := filepath.Join(dir, "00000000000000000020.snap")
	b, err := os.ReadFile(p20)
	ok(t, err)
	b[len(b)-1] ^= 0x01
	ok(t, os.WriteFile(p20, b, 0o644))
	_, _, err = LoadLatestSnapshot(nil, dir, false)
	ce := corruptErr(t, err)
	eq(t, ce.File, p20, "corrupt file")
	eq(t, ce.Offset, int64(snapshotHeaderSize), "offset of payload")
	eq(t, ce.Seq, uint64(20), "seq")

	s, err := LoadSnapshot(nil, dir, true)
	ok(t, err)
	eq(t, s.Seq, uint64(15), "fallback seq")
	eq(t, len(s.Payload), 0, "empty payload")
	eq(t, len(s.Skipped), 1, "skipped")
	eq(t, s.Skipped[0].File, p20, "skipped file")
	eq(t, s.File, filepath.Join(dir, "00000000000000000015.snap"), "used file")

	// Truncate the one at 15: its length no longer matches.
	p15 := filepath.Join(dir, "00000000000000000015.snap")
	ok(t, os.Truncate(p15, snapshotHeaderSize-1))
	seq, payload, err = LoadLatestSnapshot(nil, dir, true)
	ok(t, err)
	eq(t, seq, uint64(10), "second fallback")
	eq(t, string(payload), "state at ten", "payload")

	// All damaged: never ErrNoSnapshot.
	p10 := filepath.Join(dir, "00000000000000000010.snap")
	b, err = os.ReadFile(p10)
	ok(t, err)
	b[3] ^= 0x80
	ok(t, os.WriteFile(p10, b, 0o644))
	_, _, err = LoadLatestSnapshot(nil, dir, true)
	ce = corruptErr(t, err)
	eq(t, ce.File, p20, "newest corrupt file reported")
	truth(t, !errors.Is(err, ErrNoSnapshot), "damage is not absence")

	ok(t, RemoveSnapshotsBefore(nil, dir, 20))
	names, err = OSFS{}.ReadDir(dir)
	ok(t, err)
	eq(t, len(names), 2, "files after retention")
	eq(t, names[0], "00000000000000000020.snap", "kept")
	eq(t, names[1], "00000000000000000030.snap.tmp", "newer tmp kept")
}

func TestSnapshotHeaderChecks(t *testing.T) {
	mfs := newMemFS()
	ok(t, WriteSnapshot(mfs, memDir, 7, []byte("payload")))
	name := filepath.Join(memDir, "00000000000000000007.snap")
	good := mfs.bytes(name)
	for off := range snapshotHeaderSize {
		m := mfs.clone()
		d := append([]byte(nil), good...)
		d[off] ^= 0x04
		m.put(name, d)
		_, _, err := LoadLatestSnapshot(m, memDir, false)
		ce := corruptErr(t, err)
		eq(t, ce.File, name, "file")
	}
	// A snapshot whose name disagrees with its header.
	m := mfs.clone()
	m.put(filepath.Join(memDir, "00000000000000000008.snap"), good)
	_, _, err := LoadLatestSnapshot(m, memDir, false)
	ce := corruptErr(t, err)
	eq(t, ce.Offset, int64(10), "seq field offset")
}

func TestSnapshotAtomicity(t *testing.T) {
	// An fsync failure leaves no snapshot and no temporary file.
	mfs := newMemFS()
	ffs := newFaultFS(mfs)
	ok(t, WriteSnapshot(ffs, memDir, 1, []byte("one")))
	ffs.arm(func(f *faultFS) { f.syncsLeft = 0 })
	err := WriteSnapshot(ffs, memDir, 2, []byte("two"))
	truth(t, err != nil, "write must fail")
	names, _ := mfs.ReadDir(memDir)
	eq(t, len(names), 1, "only the old snapshot")
	seq, payload, err := LoadLatestSnapshot(mfs, memDir, false)
	ok(t, err)
	eq(t, seq, uint64(1), "old snapshot")
	eq(t, string(payload), "one", "old payload")

	// A completed snapshot survives a power loss.
	mfs = newMemFS()
	ok(t, WriteSnapshot(mfs, memDir, 3, []byte("three")))
	mfs.crash()
	seq, payload, err = LoadLatestSnapshot(mfs, memDir, false)
	ok(t, err)
	eq(t, seq, uint64(3), "seq after crash")
	eq(t, string(payload), "three", "payload after crash")
}
