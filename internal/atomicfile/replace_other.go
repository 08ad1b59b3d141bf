//go:build !windows

package atomicfile

import "os"

// replace renames from over to; on Unix an open file never blocks that.
func replace(from, to string) error { return os.Rename(from, to) }
