//go:build !windows

package configure

import (
	"os"
	"path/filepath"
)

// makeLink makes path a symbolic link to exe: relative when both are in
// one directory, so that moving the directory keeps the link working.
func makeLink(exe, path string) (string, error) {
	target := exe
	if filepath.Dir(exe) == filepath.Dir(path) {
		target = filepath.Base(exe)
	}
	return "symlink", replaceWith(path, func(tmp string) error { return os.Symlink(target, tmp) })
}
