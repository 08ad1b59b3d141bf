//go:build unix

package main

import (
	"os"
	"syscall"
)

// minorFaults is the child's count of minor page faults: pages of the
// binary, its data and its heap touched for the first time.
func minorFaults(st *os.ProcessState) int64 {
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Minflt)
	}
	return 0
}
