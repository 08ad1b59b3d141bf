//go:build !unix

package safefile

import (
	"io/fs"
	"os"
)

// modesApply says whether Unix modes protect files here: not on Windows,
// where the ACLs of the user's profile do.
const modesApply = false

// LockFlags are the flags a lock file is opened with. Without O_NOFOLLOW
// here, Lock checks the file with Lstat before and Stat after.
const LockFlags = os.O_CREATE | os.O_RDONLY

func owner(fs.FileInfo) (int, bool) { return 0, false }

func currentUID() int { return -1 }

func links(fs.FileInfo) uint64 { return 1 }
