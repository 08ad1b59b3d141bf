// Package registry lists the storage backends that this build and
// platform offer, in order of preference, and opens one by name. Opening a
// backend is the first time it costs anything: listing them connects to
// nothing and starts nothing.
package registry

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
)

// Default is the backend used when none is named: the file, because it
// works everywhere, headless too, and is shared with the Python SDK.
const Default = "file"

// Options is what opening a backend may need.
type Options struct {
	// Getenv reads the environment; nil reads nothing.
	Getenv func(string) string
	// GOOS is the operating system whose conventions apply; "" means
	// runtime.GOOS.
	GOOS string
	// TokensFile overrides the file backend's session file.
	TokensFile string
}

// A backend is one entry of the registry.
type backend struct {
	name string
	// why returns "" when the backend is available in this build on
	// this platform, and otherwise says why not.
	why  func(goos string) string
	open func(Options) (backends.Store, error)
}

func all() []backend {
	return []backend{
		{name: "file", why: func(string) string { return "" }, open: openFile},
		{name: "keychain", why: notYet("macOS")},
		{name: "wincred", why: notYet("Windows")},
		{name: "secret-service", why: notYet("Linux and BSD desktops")},
	}
}

func notYet(where string) func(string) string {
	return func(string) string {
		return "this build has no OS secret stores yet (the backend is planned for " + where + ")"
	}
}

// Names returns the backends available here, in order of preference.
func Names(goos string) []string {
	if goos == "" {
		goos = runtime.GOOS
	}
	var names []string
	for _, b := range all() {
		if b.why(goos) == "" {
			names = append(names, b.name)
		}
	}
	return names
}

// Open opens the backend called name ("" means Default). A name this build
// does not know, or a backend this platform lacks, is an error that lists
// the available ones; there is never a silent fallback to another backend.
func Open(name string, opts Options) (backends.Store, error) {
	if opts.GOOS == "" {
		opts.GOOS = runtime.GOOS
	}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	if name == "" {
		name = Default
	}
	for _, b := range all() {
		if b.name != name {
			continue
		}
		if why := b.why(opts.GOOS); why != "" {
			return nil, &Error{Name: name, Why: why, Available: Names(opts.GOOS), Err: backends.ErrUnavailable}
		}
		return b.open(opts)
	}
	return nil, &Error{Name: name, Why: "no such backend", Available: Names(opts.GOOS)}
}

// Error reports a backend that cannot be opened because it is unknown or
// not available here.
type Error struct {
	Name      string
	Why       string
	Available []string
	Err       error
}

func (e *Error) Error() string {
	return fmt.Sprintf("backend %q: %s", e.Name, e.Why)
}

func (e *Error) Unwrap() error { return e.Err }

// Hint names the fix.
func (e *Error) Hint() string {
	return fmt.Sprintf("choose one of: %s (--backend or PRUSA_CREDENTIAL_BACKEND)", strings.Join(e.Available, ", "))
}

func openFile(opts Options) (backends.Store, error) {
	fo, err := file.DefaultOptions(opts.Getenv, opts.GOOS)
	if err != nil {
		return nil, fmt.Errorf("file backend: cannot find the config directory: %w", err)
	}
	fo.TokensFile = opts.TokensFile
	return file.New(fo), nil
}
