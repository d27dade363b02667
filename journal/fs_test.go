package journal

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// memFS is an in-memory FS that models what survives a power loss: file
// contents survive only up to their last Sync, and directory entries
// (creations, renames, removals) only up to the last SyncDir.
type memFS struct {
	mu      sync.Mutex
	files   map[string]*memInode // the current namespace
	durable map[string]*memInode // the namespace as of the last SyncDir
}

type memInode struct {
	data   []byte
	synced []byte
}

func newMemFS() *memFS {
	return &memFS{files: map[string]*memInode{}, durable: map[string]*memInode{}}
}

// crash simulates a power loss: unsynced data and directory changes vanish.
func (m *memFS) crash() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files = map[string]*memInode{}
	for name, ino := range m.durable {
		ino.data = slices.Clone(ino.synced)
		m.files[name] = ino
	}
}

// bytes returns a copy of a file's current contents.
func (m *memFS) bytes(name string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ino := m.files[name]; ino != nil {
		return slices.Clone(ino.data)
	}
	return nil
}

// put replaces a file's contents, durably.
func (m *memFS) put(name string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ino := &memInode{data: slices.Clone(data), synced: slices.Clone(data)}
	m.files[name] = ino
	m.durable[name] = ino
}

func (m *memFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ino := m.files[name]
	switch {
	case ino == nil && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case ino != nil && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	case ino == nil:
		ino = &memInode{}
		m.files[name] = ino
	}
	if flag&os.O_TRUNC != 0 {
		ino.data = ino.data[:0]
	}
	return &memFile{fs: m, ino: ino, name: name, flag: flag}, nil
}

func (m *memFS) ReadDir(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for name := range m.files {
		if filepath.Dir(name) == filepath.Clean(dir) {
			names = append(names, filepath.Base(name))
		}
	}
	slices.Sort(names)
	return names, nil
}

func (m *memFS) MkdirAll(string, fs.FileMode) error { return nil }

func (m *memFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files[name] == nil {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(m.files, name)
	return nil
}

func (m *memFS) Rename(oldname, newname string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ino := m.files[oldname]
	if ino == nil {
		return &fs.PathError{Op: "rename", Path: oldname, Err: fs.ErrNotExist}
	}
	delete(m.files, oldname)
	m.files[newname] = ino
	return nil
}

func (m *memFS) Truncate(name string, size int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ino := m.files[name]
	if ino == nil {
		return &fs.PathError{Op: "truncate", Path: name, Err: fs.ErrNotExist}
	}
	if size <= int64(len(ino.data)) {
		ino.data = ino.data[:size]
	} else {
		ino.data = append(ino.data, make([]byte, size-int64(len(ino.data)))...)
	}
	return nil
}

func (m *memFS) SyncDir(string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.durable = map[string]*memInode{}
	for k, v := range m.files {
		m.durable[k] = v
	}
	return nil
}

type memFile struct {
	fs     *memFS
	ino    *memInode
	name   string
	flag   int
	off    int64
	closed bool
}

func (f *memFile) Write(b []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed || f.flag&(os.O_WRONLY|os.O_RDWR) == 0 {
		return 0, os.ErrInvalid
	}
	if f.flag&os.O_APPEND != 0 {
		f.off = int64(len(f.ino.data))
	}
	if gap := f.off - int64(len(f.ino.data)); gap > 0 {
		f.ino.data = append(f.ino.data, make([]byte, gap)...)
	}
	end := f.off + int64(len(b))
	if end > int64(len(f.ino.data)) {
		f.ino.data = append(f.ino.data, make([]byte, end-int64(len(f.ino.data)))...)
	}
	copy(f.ino.data[f.off:], b)
	f.off = end
	return len(b), nil
}

func (f *memFile) ReadAt(b []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, os.ErrClosed
	}
	if off >= int64(len(f.ino.data)) {
		return 0, io.EOF
	}
	n := copy(b, f.ino.data[off:])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.ino.synced = slices.Clone(f.ino.data)
	return nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return os.ErrClosed
	}
	f.closed = true
	return nil
}

func (f *memFile) Stat() (fs.FileInfo, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return memInfo{name: filepath.Base(f.name), size: int64(len(f.ino.data))}, nil
}

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

// faultFS wraps an FS, counts file syncs and writes, and injects faults
// into writes and syncs of files whose base name contains match.
type faultFS struct {
	FS
	match string

	mu          sync.Mutex
	syncs       int
	writes      int
	syncDelay   time.Duration
	syncsLeft   int   // successful syncs before every later sync fails; <0 never
	shortAfter  int   // successful writes before one short write; <0 never
	spaceLeft   int64 // bytes before ENOSPC; <0 unlimited
	faultsFired int
}

func newFaultFS(inner FS) *faultFS {
	return &faultFS{FS: inner, syncsLeft: -1, shortAfter: -1, spaceLeft: -1}
}

func (f *faultFS) syncCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.syncs
}

func (f *faultFS) arm(fn func(*faultFS)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *faultFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	file, err := f.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f, name: name}, nil
}

type faultFile struct {
	File
	fs   *faultFS
	name string
}

func (f *faultFile) Write(b []byte) (int, error) {
	ff := f.fs
	ff.mu.Lock()
	if !strings.Contains(filepath.Base(f.name), ff.match) {
		ff.mu.Unlock()
		return f.File.Write(b)
	}
	ff.writes++
	switch {
	case ff.shortAfter == 0:
		ff.shortAfter = -1
		ff.faultsFired++
		ff.mu.Unlock()
		n, err := f.File.Write(b[:len(b)/2])
		if err != nil {
			return n, err
		}
		return n, nil // a short write without an error: the caller must notice
	case ff.spaceLeft >= 0 && int64(len(b)) > ff.spaceLeft:
		room := ff.spaceLeft
		ff.spaceLeft = 0
		ff.faultsFired++
		ff.mu.Unlock()
		n, _ := f.File.Write(b[:room])
		return n, &fs.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
	}
	if ff.shortAfter > 0 {
		ff.shortAfter--
	}
	if ff.spaceLeft > 0 {
		ff.spaceLeft -= int64(len(b))
	}
	ff.mu.Unlock()
	return f.File.Write(b)
}

var errInjectedSync = &fs.PathError{Op: "fsync", Path: "injected", Err: syscall.EIO}

func (f *faultFile) Sync() error {
	ff := f.fs
	ff.mu.Lock()
	ff.syncs++
	delay := ff.syncDelay
	fail := false
	if strings.Contains(filepath.Base(f.name), ff.match) {
		switch {
		case ff.syncsLeft == 0:
			fail = true
			ff.faultsFired++
		case ff.syncsLeft > 0:
			ff.syncsLeft--
		}
	}
	ff.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if fail {
		return errInjectedSync
	}
	return f.File.Sync()
}

// clone returns an independent copy of m.
func (m *memFS) clone() *memFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := newMemFS()
	inodes := map[*memInode]*memInode{}
	cp := func(ino *memInode) *memInode {
		if n, ok := inodes[ino]; ok {
			return n
		}
		n := &memInode{data: slices.Clone(ino.data), synced: slices.Clone(ino.synced)}
		inodes[ino] = n
		return n
	}
	for k, v := range m.files {
		c.files[k] = cp(v)
	}
	for k, v := range m.durable {
		c.durable[k] = cp(v)
	}
	return c
}
