package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/winetest"
)

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "f.json")
	if err := Write(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "two" {
		t.Fatalf("content = %q, %v; want %q", got, err, "two")
	}
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o644} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("mode of %s = %v, %v; want %v", p, fi.Mode().Perm(), err, want)
			}
		}
	}
	if left, _ := filepath.Glob(TempPattern(path)); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

func TestWriteFailureKeepsOldContent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := Write(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A directory where the file should be makes the rename fail.
	blocked := filepath.Join(dir, "blocked")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Write(blocked, []byte("new"), 0o600); err == nil {
		t.Fatal("Write over a non-empty directory succeeded")
	}
	if left, _ := filepath.Glob(TempPattern(blocked)); len(left) != 0 {
		t.Errorf("a failed write left %q", left)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("another file changed: %q", got)
	}
}

// TestWriteWhileOpenRead replaces a file that a reader has open through
// OpenRead: the write succeeds at once (on Windows because the reader
// shares the file for deletion), the reader still reads the old content,
// and the next open sees the new one.
func TestWriteWhileOpenRead(t *testing.T) {
	winetest.Skip(t, winetest.ReplaceOpen)
	path := filepath.Join(t.TempDir(), "tokens.json")
	if err := Write(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := OpenRead(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := Write(path, []byte("new"), 0o600); err != nil {
		t.Fatalf("Write while a reader has the file open = %v", err)
	}
	if got, err := io.ReadAll(r); err != nil || string(got) != "old" {
		t.Errorf("the reader read %q, %v; want the old content", got, err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "new" {
		t.Errorf("content after the write = %q, %v; want %q", got, err, "new")
	}
}

// TestWriteWaitsForOtherReader replaces a file that another program has
// open the ordinary way (os.Open; the Python SDK's open), which on
// Windows blocks a rename over it until it closes the file: Write waits
// for that instead of failing.
func TestWriteWaitsForOtherReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	if err := Write(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Write(path, []byte("new"), 0o600) }()
	// Let the write meet the open file (on Windows), then close it.
	time.Sleep(50 * time.Millisecond)
	r.Close()
	if err := <-done; err != nil {
		t.Fatalf("Write while another reader had the file open = %v", err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "new" {
		t.Errorf("content after the write = %q, %v; want %q", got, err, "new")
	}
}

func TestOpenReadMissing(t *testing.T) {
	_, err := OpenRead(filepath.Join(t.TempDir(), "missing"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenRead(missing) error = %v, want fs.ErrNotExist", err)
	}
}
