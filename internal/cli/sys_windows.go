package cli

import (
	"os"
	"syscall"
)

// connRefused is the error of a connection nothing accepts: Winsock's
// WSAECONNREFUSED, which syscall.ECONNREFUSED does not match.
const connRefused = syscall.Errno(10061)

// openTTY opens the console, which stays reachable when git or docker
// hold stdin and stdout.
func openTTY() (in, out *os.File, err error) {
	in, err = os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	out, err = os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, out, nil
}
