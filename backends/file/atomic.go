package file

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// staleTempAge is how old a temporary file must be before a later write
// removes it as the leftover of a killed process. A live write keeps its
// temporary file for milliseconds.
const staleTempAge = time.Minute

// writeAtomic replaces path with data so that a reader, or a process that
// is killed half-way, only ever sees the old or the new content: it writes
// a temporary file in the same directory (mode 0600, so the secret is never
// readable by others, whatever the umask), flushes it to disk, renames it
// over path and flushes the directory entry. Callers then sweep what
// killed writers left (removeStaleTemps).
func writeAtomic(path string, data []byte) (err error) {
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
	// CreateTemp makes the file 0600 already; say so explicitly, so that
	// a change there can never widen it.
	if err := tmp.Chmod(0o600); err != nil && !isWindows() {
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
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// tempPattern matches the temporary files of writeAtomic(path).
func tempPattern(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
}

// removeStaleTemps removes the temporary files matching pattern (a
// filepath.Glob pattern, see tempPattern) that processes killed while
// writing left behind. They never block a write (each write has its own
// name), but they hold secrets and would pile up.
func removeStaleTemps(pattern string) {
	temps, _ := filepath.Glob(pattern)
	for _, t := range temps {
		if fi, err := os.Lstat(t); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > staleTempAge {
			os.Remove(t)
		}
	}
}

// syncDir flushes a directory so that a rename in it survives a crash. Not
// every system can open a directory for that; the rename itself is atomic
// either way, so a failure here is not an error.
func syncDir(dir string) {
	if isWindows() {
		return
	}
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
