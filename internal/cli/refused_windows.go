package cli

import "syscall"

// connRefused is the error of a connection nothing accepts: Winsock's
// WSAECONNREFUSED, which syscall.ECONNREFUSED does not match.
const connRefused = syscall.Errno(10061)
