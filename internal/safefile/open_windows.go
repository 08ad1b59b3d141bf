package safefile

import (
	"os"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
)

// openFile opens a secrets file for reading, shared for deletion
// (atomicfile.OpenRead), so that a refresh in another process can rename
// the new session over it while it is read. ReadFile has checked with
// Lstat that it is no link, and checks with os.SameFile that the file
// opened is the one it checked.
func openFile(path string) (*os.File, error) { return atomicfile.OpenRead(path) }
