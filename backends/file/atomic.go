package file

import (
	"os"
	"path/filepath"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
)

// staleTempAge is how old a temporary file must be before a later write
// removes it as the leftover of a killed process. A live write keeps its
// temporary file for milliseconds.
const staleTempAge = time.Minute

// writeAtomic replaces path with data, mode 0600 (see atomicfile.Write).
// Callers then sweep what killed writers left (removeStaleTemps).
func writeAtomic(path string, data []byte) error {
	return atomicfile.Write(path, data, 0o600)
}

// tempPattern matches the temporary files of writeAtomic(path).
func tempPattern(path string) string { return atomicfile.TempPattern(path) }

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
