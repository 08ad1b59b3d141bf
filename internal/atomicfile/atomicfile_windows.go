package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

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

// replaceWait bounds how long replace retries a rename that another
// process's open handle blocks.
const replaceWait = 5 * time.Second

// replace renames from over to, both in one directory.
//
// It renames through os.Root, which asks for POSIX semantics
// (FILE_RENAME_POSIX_SEMANTICS, Windows 10 1709 and later, NTFS): the
// target is replaced even while other processes have it open, provided
// they opened it with FILE_SHARE_DELETE, as OpenRead does; they go on
// reading the old content. os.Rename (MoveFileEx) does not ask for that.
//
// Whoever opened the target without FILE_SHARE_DELETE (the Python SDK,
// os.Open and most programs) still blocks the rename, with "Access is
// denied" or a sharing violation, until they close it. Readers hold the
// file for a moment, so the rename is retried, with a growing pause, for
// up to replaceWait. Access is also denied when to is a directory, which
// no wait changes: that fails at once.
func replace(from, to string) error {
	root, err := os.OpenRoot(filepath.Dir(to))
	if err != nil {
		return err
	}
	defer root.Close()
	deadline := time.Now().Add(replaceWait)
	pause := time.Millisecond
	for {
		err := root.Rename(filepath.Base(from), filepath.Base(to))
		if err == nil || !blocked(err, to) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// blocked reports whether err is what Windows answers for a rename over a
// file that another process holds open.
func blocked(err error, to string) bool {
	switch {
	case errors.Is(err, windows.ERROR_SHARING_VIOLATION), errors.Is(err, windows.ERROR_LOCK_VIOLATION):
		return true
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		fi, statErr := os.Lstat(to)
		return statErr == nil && fi.Mode().IsRegular()
	}
	return false
}
