// Package doctor checks, in one run, everything the helper needs to work
// and explains what is wrong: the three names on PATH, the git helper
// chain for Prusa Connect, docker's config, the storage backend, the
// session and its tokens' expiry, the clock against Prusa Account, and the
// permissions of the files that hold secrets.
//
// Each check yields findings: ok, warn (works, but something is off or
// unverified) or fail (broken, or leaks tokens), with a hint that names the
// fix for every finding that is not ok. No finding ever carries a secret.
//
// Everything a check touches is injected (environment, git, the binary's
// path, HTTP client, clock, backend, session), so tests drive each
// finding without the machine's own setup.
package doctor

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/configure"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safetext"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
)

// Status is how a finding rates.
type Status string

// The statuses, from best to worst.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Finding is the result of one check.
type Finding struct {
	Check   string `json:"check"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

// Doctor holds what the checks look at.
type Doctor struct {
	// Getenv reads the environment (PATH, DOCKER_CONFIG, HOME...).
	Getenv func(string) string
	// GOOS is the operating system whose conventions apply; "" means
	// runtime.GOOS.
	GOOS string
	// Executable returns the running binary (os.Executable).
	Executable func() (string, error)
	// Git runs git; nil means configure.ExecGit.
	Git configure.Runner
	// HTTPClient reaches Prusa Account for the clock check; nil means a
	// client with a short timeout.
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// AccountURL is Prusa Account, whose Date header the clock is
	// checked against.
	AccountURL string
	// Hosts are the Prusa hosts (helper.Hosts.Names).
	Hosts []string
	// Backend is the storage backend in use.
	Backend Backend
	// Session describes the session without refreshing it; nil skips
	// the session checks.
	Session func() (session.Status, error)
	// PrivateFiles are the files (and directories of files) that hold
	// secrets, checked for permissions, one finding each.
	PrivateFiles []PrivateFile
	// UnusedSessionFile is an earlier version's session file that still
	// exists beside the one in use, which wins; "" when there is none.
	UnusedSessionFile string
}

// Backend is the storage backend as the run opened it.
type Backend struct {
	// Name describes it, e.g. "file (/home/m/.config/...)".
	Name string
	// Store is the open backend; nil when opening failed.
	Store backends.Store
	// Err is why it could not be opened.
	Err error
	// Dir, when set, is a directory the backend writes to, checked for
	// writability (the file backend's).
	Dir string
	// Source says what chose the backend: an option, the environment,
	// the settings file or the default.
	Source string
}

// PrivateFile is a file that must not be readable by others or, with
// Dir, a directory that must not be open to others, nor any file in it.
type PrivateFile struct {
	Check, Path string
	Dir         bool
}

// GitURL is the URL whose helper chain is checked.
const GitURL = "https://connect.prusa3d.com"

// Run runs every check and returns the findings in a fixed order.
func (d *Doctor) Run(ctx context.Context) []Finding {
	// The files first: the file backend tightens a secrets file that
	// others can read as soon as it reads it.
	files, loose := d.checkFiles()
	gitFindings, gitUsesUs := d.checkGit(ctx)
	dockerFinding, dockerUsesUs := d.checkDocker()
	// The calls run in order, so the backend has read its files before
	// recheckFiles looks at them again.
	return slices.Concat(d.checkPath(gitUsesUs, dockerUsesUs), gitFindings,
		[]Finding{dockerFinding, d.checkBackend()}, d.checkSession(), d.checkUnusedSession(),
		[]Finding{d.checkClock(ctx)}, d.recheckFiles(files, loose))
}

// Worst returns the worst status among fs (OK for none).
func Worst(fs []Finding) Status {
	w := OK
	for _, f := range fs {
		if f.Status == Fail || f.Status == Warn && w == OK {
			w = f.Status
		}
	}
	return w
}

// ExitCode is the exit status of a doctor run: 0 when nothing failed
// (warnings included), 1 when a check failed.
func ExitCode(fs []Finding) int {
	if Worst(fs) == Fail {
		return 1
	}
	return 0
}

// Print writes one line per finding, its hint on the next, and a summary.
func Print(w io.Writer, fs []Finding) error {
	counts := map[Status]int{}
	for _, f := range fs {
		counts[f.Status]++
		if _, err := fmt.Fprintf(w, "%-4s  %s: %s\n", f.Status, f.Check, safetext.Escape(f.Message)); err != nil {
			return err
		}
		if f.Hint != "" {
			fmt.Fprintf(w, "      hint: %s\n", safetext.Escape(f.Hint))
		}
	}
	_, err := fmt.Fprintf(w, "%d ok, %d warn, %d fail\n", counts[OK], counts[Warn], counts[Fail])
	return err
}

// PrintJSON writes the findings as a JSON array.
func PrintJSON(w io.Writer, fs []Finding) error {
	if fs == nil {
		fs = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(fs)
}

func (d *Doctor) goos() string { return cmp.Or(d.GOOS, runtime.GOOS) }

func (d *Doctor) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func ok(check, format string, args ...any) Finding {
	return Finding{Check: check, Status: OK, Message: fmt.Sprintf(format, args...)}
}

func finding(check string, st Status, hint, format string, args ...any) Finding {
	return Finding{Check: check, Status: st, Message: fmt.Sprintf(format, args...), Hint: hint}
}
