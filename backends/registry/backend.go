package registry

import (
	"os"
	"path/filepath"

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
	// Dir is the helper's own directory, os.UserConfigDir()/
	// prusa-credential-helper, where every backend keeps its locks and
	// the file backend the other hosts' credentials; "" when there is
	// no config directory.
	Dir string
	// LockFile is the lock that every writer of the session takes,
	// whatever the backend, in Dir; "" with Dir.
	LockFile string

	file *file.Store // the file backend, nil for the others
}

// A Private is a file, or a directory of files, that holds secrets and
// must be the user's alone.
type Private struct {
	// What it is, for the name of doctor's check: "session", ...
	What string
	Path string
	Dir  bool
}

// describe wraps the opened store s, called name.
func describe(s backends.Store, name string, opts Options) *Backend {
	b := &Backend{Store: s, Name: name, Dir: Dir(opts)}
	if b.Dir != "" {
		b.LockFile = filepath.Join(b.Dir, "session.lock")
	}
	b.file, _ = s.(*file.Store)
	return b
}

// Dir is the helper's own directory (see Backend.Dir), for what needs it
// without a backend (the settings file, notices); "" when there is no
// config directory.
func Dir(opts Options) string {
	dir, _ := file.HelperDir(opts.Getenv, opts.GOOS)
	return dir
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
// secrets: the file backend's directory, session file and credentials
// (with an earlier layout's file while it exists); nothing for an OS
// store, which guards its own.
func (b *Backend) Private() []Private {
	if b.file == nil {
		return nil
	}
	p := []Private{
		{What: "dir", Path: b.file.Dir(), Dir: true},
		{What: "session", Path: b.file.TokensFile()},
		{What: "credentials", Path: b.file.CredentialsDir(), Dir: true},
	}
	if legacy := b.file.LegacyCredentialsFile(); exists(legacy) {
		p = append(p, Private{What: "credentials.json", Path: legacy})
	}
	if unused := b.UnusedSessionFile(); unused != "" {
		p = append(p, Private{What: "unused-session", Path: unused})
	}
	return p
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

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
