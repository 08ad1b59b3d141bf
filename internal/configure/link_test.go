package configure

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// fakeBinary writes an executable file standing in for the helper.
func fakeBinary(t *testing.T, dir, content string) string {
	t.Helper()
	path := filepath.Join(dir, MainName+exeSuffix())
	writeFile(t, path, content, 0o755)
	return path
}

func pathEnv(dirs ...string) func(string) string {
	return func(k string) string {
		if k == "PATH" {
			return strings.Join(dirs, string(os.PathListSeparator))
		}
		return ""
	}
}

func TestLinkerBesideBinary(t *testing.T) {
	bin := t.TempDir()
	exe := fakeBinary(t, bin, "binary v1")
	l := &Linker{Executable: func() (string, error) { return exe, nil }, Getenv: pathEnv()}

	res, err := l.Install("git-credential-prusa")
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	want := filepath.Join(bin, "git-credential-prusa"+exeSuffix())
	if res.State != LinkCreated || res.Path != want || res.DirOnPath {
		t.Errorf("Install = %+v, want created at %s, not on PATH", res, want)
	}
	if !SameBinary(want, exe) {
		t.Errorf("%s is not the binary", want)
	}
	if runtime.GOOS != "windows" {
		if target, err := os.Readlink(want); err != nil || target != MainName {
			t.Errorf("link target = %q, %v; want the relative %q", target, err, MainName)
		}
	}

	// Again: already there.
	if res, err := l.Install("git-credential-prusa"); err != nil || res.State != LinkPresent {
		t.Errorf("second Install = %+v, %v; want present", res, err)
	}

	// On PATH as this binary: nothing to do, wherever it is.
	l.Getenv = pathEnv(bin)
	if res, err := l.Install("git-credential-prusa"); err != nil || res.State != LinkOnPath || !res.DirOnPath {
		t.Errorf("Install with the link on PATH = %+v, %v; want on PATH", res, err)
	}
}

func TestLinkerShadowed(t *testing.T) {
	exe := fakeBinary(t, t.TempDir(), "binary v2")
	old := t.TempDir()
	writeFile(t, filepath.Join(old, "git-credential-prusa"+exeSuffix()), "binary v1", 0o755)
	l := &Linker{Executable: func() (string, error) { return exe, nil }, Getenv: pathEnv(old, filepath.Dir(exe))}
	res, err := l.Install("git-credential-prusa")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(old, "git-credential-prusa"+exeSuffix()); res.State != LinkCreated || res.Shadowed != want || !res.DirOnPath {
		t.Errorf("Install = %+v, want created beside the binary, shadowed by %s", res, want)
	}
}

func TestLinkerLinkDir(t *testing.T) {
	exe := fakeBinary(t, t.TempDir(), "binary")
	dir := filepath.Join(t.TempDir(), "bin")
	l := &Linker{Executable: func() (string, error) { return exe, nil }, Getenv: pathEnv(dir), Dir: dir}
	res, err := l.Install("docker-credential-prusa")
	if err != nil {
		t.Fatal(err)
	}
	if res.State != LinkCreated || !res.DirOnPath || filepath.Dir(res.Path) != dir {
		t.Errorf("Install = %+v, want created in %s, on PATH", res, dir)
	}
	if runtime.GOOS != "windows" {
		if target, _ := os.Readlink(res.Path); target != exe {
			t.Errorf("link target = %q, want the absolute %q", target, exe)
		}
	}
}

func TestLinkerConflicts(t *testing.T) {
	bin := t.TempDir()
	exe := fakeBinary(t, bin, "binary v2")
	name := "git-credential-prusa"
	path := filepath.Join(bin, name+exeSuffix())
	writeFile(t, path, "someone else's program", 0o755)
	l := &Linker{Executable: func() (string, error) { return exe, nil }, Getenv: pathEnv()}

	_, err := l.Install(name)
	if err == nil || !strings.Contains(err.Error(), "exists and is not this binary") || !strings.Contains(hint.Of(err), "--force") {
		t.Fatalf("Install over another file = %v (hint %q), want a refusal naming --force", err, hint.Of(err))
	}
	if got := readFile(t, path); got != "someone else's program" {
		t.Errorf("the other file changed: %q", got)
	}

	l.Force = true
	if res, err := l.Install(name); err != nil || res.State != LinkCreated || !SameBinary(path, exe) {
		t.Errorf("Install --force = %+v, %v; want the file replaced", res, err)
	}
}

func TestLinkerReplacesStaleSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the Windows links are not symlinks")
	}
	bin := t.TempDir()
	exe := fakeBinary(t, bin, "binary")
	path := filepath.Join(bin, "git-credential-prusa")
	if err := os.Symlink("/old/place/prusa-credential-helper", path); err != nil {
		t.Fatal(err)
	}
	l := &Linker{Executable: func() (string, error) { return exe, nil }, Getenv: pathEnv()}
	if res, err := l.Install("git-credential-prusa"); err != nil || res.State != LinkCreated || !SameBinary(path, exe) {
		t.Errorf("Install over a stale link = %+v, %v; want it replaced", res, err)
	}
}

func TestLinkerUnwritableDir(t *testing.T) {
	exe := fakeBinary(t, t.TempDir(), "binary")
	// A file where the directory should be fails for every user, root too.
	blocker := filepath.Join(t.TempDir(), "file")
	writeFile(t, blocker, "", 0o644)
	l := &Linker{Executable: func() (string, error) { return exe, nil }, Getenv: pathEnv(), Dir: filepath.Join(blocker, "bin")}
	_, err := l.Install("git-credential-prusa")
	if err == nil || !strings.Contains(err.Error(), "cannot install git-credential-prusa in ") {
		t.Fatalf("Install = %v, want an error", err)
	}
	if h := hint.Of(err); !strings.Contains(h, "--link-dir") || !strings.Contains(h, exe) {
		t.Errorf("hint = %q, want the manual command and --link-dir", h)
	}

	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		return // root writes anywhere
	}
	ro := t.TempDir()
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(ro, 0o755)
	l.Dir = ro
	if _, err := l.Install("git-credential-prusa"); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("Install in a read-only directory = %v, want permission denied", err)
	}
}

func TestSameBinaryAndLookPath(t *testing.T) {
	a := fakeBinary(t, t.TempDir(), "same bytes")
	b := fakeBinary(t, t.TempDir(), "same bytes")
	c := fakeBinary(t, t.TempDir(), "other bytes")
	if !SameBinary(a, b) {
		t.Error("SameBinary(copy) = false")
	}
	if SameBinary(a, c) {
		t.Error("SameBinary(different) = true")
	}
	if SameBinary(a, filepath.Join(t.TempDir(), "missing")) {
		t.Error("SameBinary(missing) = true")
	}

	dirNoExec := t.TempDir()
	writeFile(t, filepath.Join(dirNoExec, MainName), "not executable", 0o644)
	env := pathEnv("", dirNoExec, filepath.Dir(b), filepath.Dir(a))
	got, err := LookPath(MainName, env)
	if err != nil || got != b && runtime.GOOS != "windows" {
		t.Errorf("LookPath = %q, %v; want %q (the first executable)", got, err, b)
	}
	if _, err := LookPath("no-such-program", env); err == nil {
		t.Error("LookPath(missing) succeeded")
	}
	if !DirOnPath(filepath.Dir(a), env) || DirOnPath(t.TempDir(), env) {
		t.Error("DirOnPath is wrong")
	}
}
