package registry

import (
	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
)

// A Backend is an opened storage backend that describes itself: what it
// is called, where it keeps the session, the helper's directory and lock,
// and the files that hold its secrets. Its users ask it, never its type.
type Backend struct {
	backends.Store
	// Name is the backend's name; for "auto", the one it chose.
	Name string
	// LockFile is the lock that every writer of the session takes,
	// whatever the backend, in Dir; "" when there is no config
	// directory.
	LockFile string

	file *file.Store // the file backend, nil for the others
}

// Dir is the helper's own directory, os.UserConfigDir()/
// prusa-credential-helper, where every backend keeps its locks and the
// file backend the other hosts' credentials, as the settings file and
// notices need it; "" when there is no config directory.
func Dir(opts Options) string {
	return file.HelperDir(opts.Getenv, opts.GOOS)
}

// String is the backend as status and doctor name it: the file backend
// with its session file, e.g. "file (/home/m/.config/prusa-connect/
// prusa_tokens.json)".
func (b *Backend) String() string {
	if b.file != nil {
		return b.Name + " (" + b.file.TokensFile() + ")"
	}
	return b.Name
}

// Private returns the files and directories that hold the backend's
// secrets: the file backend's; nothing for an OS store, which guards its
// own.
func (b *Backend) Private() []file.Private {
	if b.file == nil {
		return nil
	}
	return b.file.Private()
}

// UnusedSessionFile is an earlier version's session file that still
// exists beside the file backend's, which wins; "" when there is none.
func (b *Backend) UnusedSessionFile() string {
	if b.file == nil {
		return ""
	}
	return b.file.UnusedSessionFile()
}

// WritesDir is the directory the backend writes its data to, which must
// be writable: the file backend's; "" for an OS store.
func (b *Backend) WritesDir() string {
	if b.file == nil {
		return ""
	}
	return b.file.Dir()
}
