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

// owner returns the file's owner and its number of names; ok is false
// when Stat gave neither.
func owner(fi fs.FileInfo) (uid int, links uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 1, false
	}
	return int(st.Uid), uint64(st.Nlink), true
}
