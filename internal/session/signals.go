package session

import (
	"os"
	"os/signal"
	"syscall"
)

// holdSignals defers SIGINT and SIGTERM while the caller holds a rotated
// refresh token that is not saved yet: Prusa refresh tokens are
// single-use, so a helper interrupted (git's Ctrl-C, a CI job's
// cancellation) between the server's answer and the write would lose the
// session. The returned release restores the default handling and, when
// a signal arrived meanwhile, delivers it again, so the process still ends
// as it was asked to, only after the session is safe. The wait is bounded
// by the refresh's own time budget. SIGKILL cannot be deferred; that
// window is as short as one file write.
func holdSignals() (release func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return func() {
		signal.Stop(ch)
		select {
		case sig := <-ch:
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				_ = p.Signal(sig) // not supported on Windows: the run then just ends normally
			}
		default:
		}
	}
}
