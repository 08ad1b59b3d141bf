package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
)

// TestReadFileWhileReplaced reads a file that another process replaces
// (writes a new version and renames it over the old, as every writer of
// the helper does) between ReadFile's Lstat and its open: the new version
// is read, not an error. A refresh in one process made gets in others
// fail that way under load.
func TestReadFileWhileReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "session.json")
	if err := atomicfile.Write(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		replaces int // how many opens find the file replaced
		want     string
	}{
		{"once", 1, "new 1"},
		{"until the last try", replacedTries - 1, "new 4"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			betweenLstatAndOpen = func() {
				if n < tt.replaces {
					n++
					if err := atomicfile.Write(path, []byte("new "+string(rune('0'+n))), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			t.Cleanup(func() { betweenLstatAndOpen = nil })
			got, err := ReadFile(path, nil)
			if err != nil || string(got) != tt.want {
				t.Fatalf("ReadFile = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("always", func(t *testing.T) {
		n := 0
		betweenLstatAndOpen = func() {
			n++
			if err := atomicfile.Write(path, []byte("again"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() { betweenLstatAndOpen = nil })
		_, err := ReadFile(path, nil)
		if e := (*Error)(nil); !errors.As(err, &e) || n != replacedTries {
			t.Fatalf("ReadFile = %v after %d opens; want an *Error after %d", err, n, replacedTries)
		}
	})
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
