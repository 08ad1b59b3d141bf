//go:build !windows

package cli

import (
	"os"
	"syscall"
)

// connRefused is the error of a connection nothing accepts.
const connRefused = syscall.ECONNREFUSED

// openTTY opens the controlling terminal, which stays reachable when git
// or docker hold stdin and stdout.
func openTTY() (in, out *os.File, err error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	return f, f, nil
}
