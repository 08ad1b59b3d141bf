package configure

import (
	"bytes"
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// The names of the binary: its own, and the protocol names that git and
// docker look for on PATH, which are links to it.
const (
	MainName       = "prusa-credential-helper"
	GitLinkName    = "git-credential-" + HelperName
	DockerLinkName = "docker-credential-" + HelperName
)

// LinkState says what Install found or did.
type LinkState int

const (
	// LinkOnPath: PATH already finds the name, and it is this binary.
	LinkOnPath LinkState = iota
	// LinkPresent: the link was already in place.
	LinkPresent
	// LinkCreated: the link was made (or a stale one replaced).
	LinkCreated
)

// LinkResult is the outcome of installing one name.
type LinkResult struct {
	Path  string // where the name is (or was to be installed)
	State LinkState
	How   string // how a created link was made: "symlink", "hard link" or "copy"
	// DirOnPath reports whether Path's directory is on PATH.
	DirOnPath bool
	// Shadowed, when set, is another program of the name that PATH finds
	// first, so the tool runs that one instead.
	Shadowed string
}

// Linker installs the protocol names (git-credential-prusa,
// docker-credential-prusa) as links to the running binary, which is how
// git and docker find a helper: on PATH by name.
//
// On Unix a link is a symbolic link, relative when it sits beside the
// binary (so moving both keeps it working). Windows needs a real
// executable with an .exe name: a hard link, else a copy (which must be
// made again after an upgrade; doctor notices a stale one).
type Linker struct {
	// Executable returns the running binary (os.Executable).
	Executable func() (string, error)
	// Getenv reads PATH (and PATHEXT on Windows).
	Getenv func(string) string
	// Dir is where to put the links; "" means beside the binary, unless
	// PATH already finds the name as this binary.
	Dir string
	// Force replaces a file of that name that is not this binary.
	Force bool
}

// Install installs name (without .exe). It changes nothing when PATH (or,
// with Dir set, Dir) already has it as this binary, and does not replace a
// different file unless Force is set or it is a symbolic link to a
// prusa-credential-helper binary (an earlier install). An error carries a
// hint that says how to make the link by hand.
func (l *Linker) Install(name string) (LinkResult, error) {
	exe, err := l.Executable()
	if err == nil {
		exe, err = filepath.Abs(exe)
	}
	if err != nil {
		return LinkResult{}, fmt.Errorf("cannot find this binary to link %s to it: %w", name, err)
	}
	found, lookErr := LookPath(name, l.Getenv)
	foundUs := lookErr == nil && SameBinary(found, exe)
	if l.Dir == "" && foundUs {
		return LinkResult{Path: found, State: LinkOnPath, DirOnPath: true}, nil
	}
	dir := cmp.Or(l.Dir, filepath.Dir(exe))
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	path := filepath.Join(dir, name+exeSuffix())
	res := LinkResult{Path: path, DirOnPath: DirOnPath(dir, l.Getenv)}
	if lookErr == nil && !foundUs && filepath.Clean(found) != path {
		res.Shadowed = found
	}
	if _, err := os.Lstat(path); err == nil {
		if SameBinary(path, exe) {
			res.State = LinkPresent
			return res, nil
		}
		if !l.Force && !staleLink(path) {
			return res, hint.With(fmt.Errorf("%s exists and is not this binary (%s); it was left as it is", path, exe),
				"remove it, or run the command again with --force to replace it")
		}
	}
	how, err := makeLink(exe, path)
	if err != nil {
		return res, hint.With(fmt.Errorf("cannot install %s in %s: %w", name, dir, err), manualLink(exe, path))
	}
	res.State, res.How = LinkCreated, how
	return res, nil
}

// manualLink says how to install the name by hand when its directory is
// not writable.
func manualLink(exe, path string) string {
	if runtime.GOOS == "windows" {
		return fmt.Sprintf("copy it yourself (as an administrator if needed): %s; or pass --link-dir with a directory on your PATH that you can write to", hint.Copy(exe, path))
	}
	return fmt.Sprintf("make it yourself: sudo ln -s %s %s; or pass --link-dir with a directory on your PATH that you can write to (such as ~/.local/bin)", hint.Path(exe), hint.Path(path))
}

// staleLink reports whether path is a symbolic link (Readlink fails on
// anything else) to a binary called prusa-credential-helper: an earlier
// install that may be replaced.
func staleLink(path string) bool {
	target, err := os.Readlink(path)
	return err == nil && strings.TrimSuffix(strings.ToLower(filepath.Base(target)), ".exe") == MainName
}

// replaceWith puts a new file at path through a temporary name in the same
// directory, so that path is the old or the new file, never missing.
func replaceWith(path string, create func(tmp string) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	os.Remove(tmp)
	if err := create(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// SameBinary reports whether a and b are the same executable: the same
// file (through any links), or files with the same content (a copy, as
// Windows installs and test harnesses make).
func SameBinary(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA != nil || errB != nil {
		return false
	}
	if os.SameFile(fa, fb) {
		return true
	}
	if !fa.Mode().IsRegular() || !fb.Mode().IsRegular() || fa.Size() != fb.Size() {
		return false
	}
	// Both are the size of this binary, a few MB: compare them whole.
	da, errA := os.ReadFile(a)
	db, errB := os.ReadFile(b)
	return errA == nil && errB == nil && bytes.Equal(da, db)
}

// LookPath finds the executable name in the directories of PATH as
// getenv reports it, like exec.LookPath (with PATHEXT on Windows), but
// without the process environment, so that callers and tests choose it.
func LookPath(name string, getenv func(string) string) (string, error) {
	names := []string{name}
	if runtime.GOOS == "windows" {
		exts := cmp.Or(getenv("PATHEXT"), ".com;.exe;.bat;.cmd")
		if ext := filepath.Ext(name); ext == "" || !strings.Contains(strings.ToLower(exts), strings.ToLower(ext)) {
			names = nil
			for _, ext := range strings.Split(exts, ";") {
				if ext != "" {
					names = append(names, name+ext)
				}
			}
		}
	}
	for _, dir := range filepath.SplitList(getenv("PATH")) {
		if dir == "" {
			continue
		}
		for _, n := range names {
			cand := filepath.Join(dir, n)
			if fi, err := os.Stat(cand); err == nil && fi.Mode().IsRegular() && (runtime.GOOS == "windows" || fi.Mode().Perm()&0o111 != 0) {
				return cand, nil
			}
		}
	}
	return "", fmt.Errorf("%s: %w", name, fs.ErrNotExist)
}

// DirOnPath reports whether dir is one of PATH's directories.
func DirOnPath(dir string, getenv func(string) string) bool {
	want := filepath.Clean(dir)
	for _, d := range filepath.SplitList(getenv("PATH")) {
		if d == "" {
			continue
		}
		if abs, err := filepath.Abs(d); err == nil {
			d = abs
		}
		d = filepath.Clean(d)
		if d == want || (runtime.GOOS == "windows" && strings.EqualFold(d, want)) {
			return true
		}
	}
	return false
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}
