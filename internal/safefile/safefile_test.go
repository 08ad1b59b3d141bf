//go:build unix

package safefile

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		make func(path string) error
		want string // "" reads
	}{
		{"regular", func(p string) error { return os.WriteFile(p, []byte("{}"), 0o600) }, ""},
		{"missing", func(string) error { return nil }, "no such file"},
		{"symlink", func(p string) error { return os.Symlink(outside, p) }, "is a symbolic link"},
		{"hard link", func(p string) error { return os.Link(outside, p) }, "has 2 names"},
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o600) }, "is a named pipe (FIFO)"},
		{"directory", func(p string) error { return os.Mkdir(p, 0o700) }, "is a directory"},
		{"oversized", func(p string) error { return os.WriteFile(p, make([]byte, MaxSize+1), 0o600) }, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := tt.make(path); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFile(path, nil)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ReadFile = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadFile error = %v, want %q", err, tt.want)
			}
			var e *Error
			if errors.As(err, &e) && (e.Path != path || e.Hint() == "") {
				t.Errorf("error %+v should name %s and a fix", e, path)
			}
		})
	}
	if fi, _ := os.Stat(outside); fi.Mode().Perm() != 0o644 {
		t.Errorf("the file behind a link or hard link was chmodded to %04o", fi.Mode().Perm())
	}
}

func TestReadFileTightens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	var warned []string
	if _, err := ReadFile(path, func(m string) { warned = append(warned, m) }); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 || len(warned) != 1 {
		t.Errorf("mode %04o, warnings %q; want 0600 and one warning", fi.Mode().Perm(), warned)
	}
}

func TestPrepareDir(t *testing.T) {
	base := t.TempDir()
	mk := func(name string, mode fs.FileMode) string {
		p := filepath.Join(base, name)
		if err := os.Mkdir(p, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	if err := PrepareDir(filepath.Join(base, "missing"), true, nil); err != nil {
		t.Errorf("a missing directory: %v", err)
	}
	loose := mk("loose", 0o755)
	if err := PrepareDir(loose, true, nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o700 {
		t.Errorf("our readable directory is %04o, want it tightened to 0700", fi.Mode().Perm())
	}
	borrowed := mk("borrowed", 0o755)
	if err := PrepareDir(borrowed, false, nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(borrowed); fi.Mode().Perm() != 0o755 {
		t.Errorf("a borrowed directory was changed to %04o", fi.Mode().Perm())
	}
	open := mk("open", 0o777)
	if err := PrepareDir(open, true, nil); err == nil || !strings.Contains(err.Error(), "writable by other users") ||
		!strings.Contains(err.(*Error).Hint(), "chmod 700 "+open) {
		t.Errorf("a world-writable directory: %v, want refused with chmod 700 as the fix", err)
	}
	if fi, _ := os.Stat(open); fi.Mode().Perm() != 0o777 {
		t.Errorf("a refused directory was changed to %04o", fi.Mode().Perm())
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(loose, link); err != nil {
		t.Fatal(err)
	}
	if err := PrepareDir(link, true, nil); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a link to a directory: %v, want refused", err)
	}
}

// TestFixRuns runs the command a fix names, as the user would paste it
// into sh, for a file whose path holds characters the shell treats
// specially inside double quotes: the command must name the file, not
// what sh makes of "$HOME" or a backquote.
func TestFixRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), `it's $HOME `+"`x`")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "prusa_tokens.json")
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), path); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("ReadFile = %v, want an *Error", err)
	}
	_, cmd, ok := strings.Cut(e.Hint(), "(")
	if !ok {
		t.Fatalf("hint %q names no command", e.Hint())
	}
	cmd = strings.TrimSuffix(cmd, ")")
	if out, err := exec.Command("sh", "-c", cmd).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s is still there after %s (%v)", path, cmd, err)
	}
}
