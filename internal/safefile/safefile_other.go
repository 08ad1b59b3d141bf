//go:build !unix

package safefile

import (
	"io/fs"
	"os"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
)

// modesApply says whether Unix modes protect files here: not on Windows,
// where the ACLs of the user's profile do.
const modesApply = false

// LockFlags are the flags a lock file is opened with. Without O_NOFOLLOW
// here, Lock checks the file with Lstat before and Stat after.
const LockFlags = os.O_CREATE | os.O_RDONLY

func owner(fs.FileInfo) (uid int, links uint64, ok bool) { return 0, 1, false }

// openFile opens a secrets file for reading, shared for deletion on
// Windows (atomicfile.OpenRead), so that a refresh in another process can
// rename the new session over it while it is read. ReadFile has checked
// with Lstat that it is no link, and checks with os.SameFile that the file
// opened is the one it checked.
func openFile(path string) (*os.File, error) { return atomicfile.OpenRead(path) }
