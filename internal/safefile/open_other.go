//go:build !unix && !windows

package safefile

import "os"

// openFile opens a secrets file for reading; see open_windows.go.
func openFile(path string) (*os.File, error) { return os.Open(path) }
