// Package atomicfile replaces files so that a reader, or a process killed
// half-way, only ever sees the old or the new content.
package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Write replaces path with data: it writes a temporary file in the same
// directory (".<name>.tmp-*", created with mode, so the content is never
// readable more widely than that, whatever the umask), flushes it to disk,
// renames it over path and flushes the directory entry. On Windows the
// rename waits, for a few seconds at most, while another process that did
// not open path with OpenRead has it open. A missing directory is created
// 0700. On failure the temporary file is removed; a process killed before
// the rename leaves it behind (TempPattern finds such files) and path
// untouched.
func Write(path string, data []byte, mode fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes the file 0600; set the mode explicitly all the
	// same, so that a change there can never widen it.
	if err := tmp.Chmod(mode); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("flush %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := replace(tmp.Name(), path); err != nil {
		return err
	}
	SyncDir(dir)
	return nil
}

// TempPattern is the glob pattern of Write's temporary files for path.
func TempPattern(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
}

// SyncDir flushes a directory so that a rename or a removal in it survives
// a crash. Not every system can open a directory for that; the rename
// itself is atomic either way, so a failure here is not an error.
func SyncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
