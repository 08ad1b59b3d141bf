//go:build unix

package safefile

import (
	"io/fs"
	"os"
	"syscall"
)

// modesApply says whether Unix modes protect files here.
const modesApply = true

// LockFlags are the flags a lock file is opened with: created when
// missing, never through a link, never blocking (a named pipe put there
// cannot hang the open).
const LockFlags = os.O_CREATE | os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC

// openFile opens a secrets file for reading without following a link
// (O_NOFOLLOW: a link put there after the Lstat is an error, ELOOP) and
// without blocking (O_NONBLOCK: a named pipe put there does not hang the
// open; a read of a regular file ignores the flag).
func openFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
}

func owner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

func links(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
