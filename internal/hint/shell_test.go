package hint

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestMoveRuns runs the commands that Move, Copy and Remove print in the user's
// shell (sh; cmd.exe on Windows) on paths with spaces and quotes, and
// checks that they did what they say.
func TestMoveRuns(t *testing.T) {
	names := []string{"plain.json", "with space.json", "it's.json", "odd &(x)!.json"}
	if runtime.GOOS != "windows" {
		names = append(names, `back\slash $HOME "q".json`)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "a dir")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			from := filepath.Join(dir, name)
			if err := os.WriteFile(from, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			copied, moved := from+".copy", from+".bad"
			for _, cmd := range []string{Copy(from, copied), Move(from, moved)} {
				if out, err := runShell(cmd); err != nil {
					t.Fatalf("%s: %v\n%s", cmd, err, out)
				}
			}
			if _, err := os.Stat(from); !os.IsNotExist(err) {
				t.Errorf("%s is still there after %s (%v)", from, Move(from, moved), err)
			}
			for _, p := range []string{copied, moved} {
				if data, err := os.ReadFile(p); err != nil || string(data) != "x" {
					t.Errorf("%s = %q, %v; want the file", p, data, err)
				}
			}
			if out, err := runShell(Remove(copied)); err != nil {
				t.Fatalf("%s: %v\n%s", Remove(copied), err, out)
			}
			if _, err := os.Stat(copied); !os.IsNotExist(err) {
				t.Errorf("%s is still there after %s (%v)", copied, Remove(copied), err)
			}
		})
	}
}

// TestPathAsTyped checks that a path is printed as the user types it:
// unchanged when nothing in it needs quoting, and never with its
// backslashes doubled.
func TestPathAsTyped(t *testing.T) {
	plain := filepath.Join(t.TempDir(), "tokens.json")
	if got := Path(plain); got != plain {
		t.Errorf("Path(%s) = %s, want it unchanged", plain, got)
	}
	spaced := filepath.Join(t.TempDir(), "my files", "tokens.json")
	if got := Path(spaced); !strings.Contains(got, spaced) {
		t.Errorf("Path(%s) = %s, want the path inside quotes as it is", spaced, got)
	}
}
