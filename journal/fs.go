package journal

import (
	"io"
	"io/fs"
	"os"
)

// File is the part of an open file the journal uses. *os.File implements it.
type File interface {
	io.Writer
	io.ReaderAt
	io.Closer
	// Sync commits the file's contents to stable storage (fsync).
	Sync() error
	// Stat returns the file's metadata; the journal uses only Size.
	Stat() (fs.FileInfo, error)
}

// FS is the filesystem seam. OSFS is the implementation backed by package
// os; tests substitute fault-injecting or in-memory implementations. Paths
// are joined with filepath.Join.
type FS interface {
	// OpenFile opens name with os.OpenFile flags (os.O_RDONLY,
	// os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, ...).
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	// ReadDir returns the names of the regular files in dir, sorted.
	ReadDir(dir string) ([]string, error)
	// MkdirAll creates dir and its parents if missing.
	MkdirAll(dir string, perm fs.FileMode) error
	// Remove deletes a file.
	Remove(name string) error
	// Rename atomically replaces newname with oldname.
	Rename(oldname, newname string) error
	// Truncate changes the size of a file. It does not sync.
	Truncate(name string, size int64) error
	// SyncDir commits dir's entries (creations, renames, removals) to
	// stable storage.
	SyncDir(dir string) error
}

// OSFS is the FS backed by the operating system. Its zero value is ready
// to use and it holds no state.
type OSFS struct{}

var _ FS = OSFS{}

// OpenFile implements FS with os.OpenFile.
func (OSFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// ReadDir implements FS with os.ReadDir; directories are left out.
func (OSFS) ReadDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// MkdirAll implements FS with os.MkdirAll.
func (OSFS) MkdirAll(dir string, perm fs.FileMode) error { return os.MkdirAll(dir, perm) }

// Remove implements FS with os.Remove.
func (OSFS) Remove(name string) error { return os.Remove(name) }

// Rename implements FS with os.Rename.
func (OSFS) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }

// Truncate implements FS with os.Truncate.
func (OSFS) Truncate(name string, size int64) error { return os.Truncate(name, size) }

// SyncDir opens dir and fsyncs it.
func (OSFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
