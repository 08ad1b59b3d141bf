//go:build !windows

package atomicfile

import "os"

// OpenRead opens path for reading. On Unix a file that is open can always
// be renamed over (see the Windows version), so this is os.Open.
func OpenRead(path string) (*os.File, error) { return os.Open(path) }

// replace renames from over to; on Unix an open file never blocks that.
func replace(from, to string) error { return os.Rename(from, to) }
