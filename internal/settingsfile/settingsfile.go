// Package settingsfile reads and writes the helper's settings file: the
// choices that must stick because git and docker run the helper without
// options (today one, the backend).
//
// The file is UTF-8 text, one setting a line:
//
//	# written by prusa-credential-helper config set
//	backend = secret-service
//
// Blank lines and lines whose first non-blank character is "#" are
// ignored. Every other line is a key, "=", and a value; blanks around
// either are dropped, and the value runs to the end of the line (no
// quoting, no escapes). A key that is not known, a key given twice, a
// line without "=" and an empty value are errors that name the file and
// the line: a file that does not parse is never half used.
package settingsfile

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safefile"
)

// Name is the settings file's name in the helper's directory.
const Name = "settings"

// Backend is the key of the storage backend.
const Backend = "backend"

// Keys are the known settings.
var Keys = []string{Backend}

// Setting is one line of the file.
type Setting struct {
	Key, Value string
	Line       int
}

// File is a parsed settings file.
type File struct {
	Path     string
	Settings []Setting
	lines    []string // as read, for Set
}

// Get returns the setting of key, and false when the file has none.
func (f *File) Get(key string) (Setting, bool) {
	for _, s := range f.Settings {
		if s.Key == key {
			return s, true
		}
	}
	return Setting{}, false
}

// Error is a settings file that does not parse.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg) }

// Hint names the fix.
func (e *Error) Hint() string {
	return fmt.Sprintf("fix or remove line %d of %s; each line is \"key = value\", and the keys are: %s",
		e.Line, e.Path, strings.Join(Keys, ", "))
}

// Read reads and parses the settings file at path. A missing file holds
// no settings. It is read as the secrets files are, since it decides where
// they go: never through a link, never from a pipe, a file of another user
// or a directory others may write (safefile).
func Read(path string) (*File, error) {
	if err := safefile.PrepareDir(filepath.Dir(path), true, nil); err != nil {
		return nil, err
	}
	data, err := safefile.ReadFile(path, nil)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses data, the content of the settings file at path.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path}
	if len(data) > 0 {
		f.lines = strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	for i, line := range f.lines {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		bad := func(format string, args ...any) error {
			return &Error{Path: path, Line: n, Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case !ok:
			return nil, bad("not \"key = value\"")
		case !slices.Contains(Keys, key):
			return nil, bad("unknown setting %q", key)
		case value == "":
			return nil, bad("%s has no value", key)
		}
		if prev, dup := f.Get(key); dup {
			return nil, bad("%s is set again (first on line %d)", key, prev.Line)
		}
		f.Settings = append(f.Settings, Setting{Key: key, Value: value, Line: n})
	}
	return f, nil
}

// Set sets key to value in the settings file at path, keeping its other
// lines (comments included), and creating it, 0600 in a 0700 directory,
// when missing. The file is replaced atomically. A file that does not
// parse is left as it is.
func Set(path, key, value string) error {
	if !slices.Contains(Keys, key) {
		return fmt.Errorf("unknown setting %q (the settings are: %s)", key, strings.Join(Keys, ", "))
	}
	if value == "" || strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("%s: %q is not a value", key, value)
	}
	f, err := Read(path)
	if err != nil {
		return err
	}
	lines := f.lines
	if len(lines) == 0 {
		lines = []string{"# prusa-credential-helper settings: \"key = value\" lines, see 'prusa-credential-helper config --help'"}
	}
	entry := key + " = " + value
	if s, ok := f.Get(key); ok {
		lines[s.Line-1] = entry
	} else {
		lines = append(lines, entry)
	}
	return atomicfile.Write(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}
