// Package registry lists the storage backends that this build and
// platform offer, in order of preference, and opens one by name. Opening a
// backend is the first time it costs anything: listing them connects to
// nothing and starts nothing, and the OS secret stores of other systems
// are not even linked into the binary (each is wired in a file built only
// for its system).
//
// The backends, best first:
//
//	keychain        macOS Keychain                    darwin
//	wincred         Windows Credential Manager        windows
//	secret-service  freedesktop.org Secret Service    linux, *bsd
//	file            JSON files, shared with prusactl  everywhere (the default)
//
// "auto" picks the first OS store that is reachable (see Open). See
// package keyring for how the OS stores were chosen.
package registry

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// Default is the backend used when none is named: the file, because it
// works everywhere, headless too, and is shared with the Python SDK.
const Default = "file"

// Auto is the name that asks for the best OS store available here.
const Auto = "auto"

// Options is what opening a backend may need.
type Options struct {
	// Getenv reads the environment; nil reads nothing.
	Getenv func(string) string
	// GOOS is the operating system whose conventions apply; "" means
	// runtime.GOOS. The OS stores are available only when it is the
	// system this binary was built for.
	GOOS string
	// TokensFile overrides the file backend's session file.
	TokensFile string
	// Timeout bounds every call to an OS secret store (and connecting
	// to D-Bus); 0 means five seconds.
	Timeout time.Duration
	// Warn receives what a backend fixed that the user should know
	// about (the file backend: a secrets file others could read); nil
	// drops it.
	Warn func(msg string)
}

// opener opens a backend. auto is true when "auto" chose it: a probe
// that must not start anything (such as an activatable Secret Service).
type opener func(opts Options, auto bool) (backends.Store, error)

// A backend is one entry of the registry.
type backend struct {
	name string
	what string
	// systems are the GOOS values the backend exists on; nil means
	// every system.
	systems []string
}

func all() []backend {
	return []backend{
		{name: "keychain", what: "the macOS Keychain", systems: []string{"darwin"}},
		{name: "wincred", what: "Windows Credential Manager", systems: []string{"windows"}},
		{name: "secret-service", what: "the Secret Service", systems: []string{"linux", "freebsd", "openbsd", "netbsd", "dragonfly"}},
		{name: "file"},
	}
}

// openers returns how to open each backend built into this binary.
func openers() map[string]opener {
	m := osStores() // from the file built for this system
	m["file"] = openFile
	return m
}

// why returns "" when b is available on goos in this build, and
// otherwise says why not.
func (b backend) why(goos string) string {
	if b.systems != nil && !slices.Contains(b.systems, goos) {
		return fmt.Sprintf("not available here: %s exists only on %s; this is %s", b.what, strings.Join(b.systems, ", "), goos)
	}
	if _, ok := openers()[b.name]; !ok || (b.systems != nil && goos != runtime.GOOS) {
		return fmt.Sprintf("not available here: this binary, built for %s, does not include %s", runtime.GOOS, b.what)
	}
	return ""
}

// Names returns the backends available here, in order of preference. It
// connects to nothing and starts nothing.
func Names(goos string) []string {
	var names []string
	for _, b := range all() {
		if b.why(cmp.Or(goos, runtime.GOOS)) == "" {
			names = append(names, b.name)
		}
	}
	return names
}

// Open opens the backend called name: name itself, Default for "", and
// for Auto the one it chooses.
//
// Auto takes the first OS store available here that is reachable (the
// Keychain and Credential Manager always are; see osStores for the Secret
// Service), else the file. A store that is there but fails — a locked
// collection, a keyring that does not answer — is an error, not a reason
// to fall back: the session must not silently move between stores from
// one run to the next.
//
// A name this build does not know, a backend this platform lacks, or an
// OS store that cannot be opened is an *Error that lists the available
// backends; there is never a silent fallback to another backend.
func Open(name string, opts Options) (*Backend, error) {
	opts.GOOS = cmp.Or(opts.GOOS, runtime.GOOS)
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	name = cmp.Or(name, Default)
	if name == Auto {
		return openAuto(opts)
	}
	i := slices.IndexFunc(all(), func(b backend) bool { return b.name == name })
	if i < 0 {
		return nil, &Error{Name: name, Why: "no such backend", Available: Names(opts.GOOS)}
	}
	if why := all()[i].why(opts.GOOS); why != "" {
		return nil, &Error{Name: name, Why: why, Available: Names(opts.GOOS), Err: backends.ErrUnavailable}
	}
	return open(name, opts, false)
}

func openAuto(opts Options) (*Backend, error) {
	for _, name := range Names(opts.GOOS) {
		if name == "file" {
			break // the OS stores come first
		}
		if b, err := open(name, opts, true); !errors.Is(err, backends.ErrUnavailable) {
			return b, err
		}
	}
	return open("file", opts, true)
}

// open opens the backend called name, which is available here. The
// failure to open an OS store is an *Error.
func open(name string, opts Options, auto bool) (*Backend, error) {
	s, err := openers()[name](opts, auto)
	switch {
	case err == nil:
		b := &Backend{Store: s, Name: name, LockFile: lockFile(opts, "session.lock")}
		b.file, _ = s.(*file.Store)
		return b, nil
	case name == "file":
		return nil, err // it says enough already (no config directory)
	}
	return nil, &Error{Name: name, Why: err.Error(), Available: Names(opts.GOOS), Err: err}
}

// Error reports a backend that cannot be opened because it is unknown,
// not available here, or its store cannot be reached (no D-Bus session
// bus, no Secret Service, a locked collection).
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

// Hint names the fix: the store's own (unlock it...), if it has one, and
// the backends to choose from.
func (e *Error) Hint() string {
	names := strings.Join(append(slices.Clone(e.Available), Auto), ", ")
	if h := hint.Of(e.Err); h != "" {
		return fmt.Sprintf("%s (backends here: %s; --backend or PRUSA_CREDENTIAL_BACKEND)", h, names)
	}
	return fmt.Sprintf("choose one of: %s (--backend or PRUSA_CREDENTIAL_BACKEND)", names)
}

func openFile(opts Options, _ bool) (backends.Store, error) {
	fo, err := file.DefaultOptions(opts.Getenv, opts.GOOS)
	if err != nil {
		return nil, hint.With(fmt.Errorf("file backend: cannot find the config directory: %w", err), configDirHint(opts.GOOS))
	}
	if opts.TokensFile != "" {
		// A session file the user named is theirs: no earlier session
		// is carried into it.
		fo.TokensFile, fo.OldTokensFile = opts.TokensFile, ""
	}
	fo.Warn = opts.Warn
	return file.New(fo), nil
}

// lockFile is the lock called name in the helper's directory (Dir), or ""
// when there is none.
func lockFile(opts Options, name string) string {
	if dir := Dir(opts); dir != "" {
		return filepath.Join(dir, name)
	}
	return ""
}

// configDirHint names the environment variables from which the file
// backend finds its directories on goos. A login session has them; a
// service, a cron job or a container may start without them.
func configDirHint(goos string) string {
	vars := map[string]string{"windows": "APPDATA and LOCALAPPDATA", "darwin": "HOME", "ios": "HOME", "plan9": "home"}[goos]
	return "set " + cmp.Or(vars, "HOME (or XDG_CONFIG_HOME)") + " in the environment that runs the helper (a service, a cron job or a container may start without it)"
}
