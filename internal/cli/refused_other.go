//go:build !windows

package cli

import "syscall"

// connRefused is the error of a connection nothing accepts.
const connRefused = syscall.ECONNREFUSED
