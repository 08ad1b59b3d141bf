package atomicfile

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
)

// OpenRead opens path for reading. On Windows it shares the file for
// deletion as well as for reading and writing (FILE_SHARE_DELETE, which
// os.Open does not ask for), so that a writer can rename a new version
// over it while it is being read, as on Unix: the reader keeps reading
// the old content.
func OpenRead(path string) (*os.File, error) {
	name, err := windows.UTF16PtrFromString(longPath(path))
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(name, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// longPath gives an absolute local path of 248 characters or more (the
// limit below MAX_PATH that Windows keeps for directories) the \\?\ prefix
// that lets CreateFile open it whatever its length, as os.Open does.
func longPath(path string) string {
	if len(path) < 248 || !filepath.IsAbs(path) || strings.HasPrefix(path, `\\`) {
		return path
	}
	return `\\?\` + filepath.Clean(path)
}
