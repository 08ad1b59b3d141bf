package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// progressDelay is how long a wait for Prusa Account goes unremarked
// before the progress line appears: most answers come sooner.
const progressDelay = time.Second

// progressFrames is the spinner, in ASCII so that every console shows it.
var progressFrames = []string{"|", "/", "-", `\`}

// progress shows on a terminal that the helper is waiting for Prusa
// Account: once a wait has lasted progressDelay, a spinner and the seconds
// waited, redrawn in place and erased when the wait ends or is paused
// (for a prompt). Without a terminal it is nil, which does nothing.
type progress struct {
	t     Terminal
	label string

	mu   sync.Mutex
	stop func() // ends the current wait once its line is erased; nil when paused
}

// Resume starts a wait: the first, or the next after Pause.
func (pr *progress) Resume() {
	if pr == nil {
		return
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.stop == nil {
		stop, stopped := make(chan struct{}), make(chan struct{})
		go pr.draw(stop, stopped)
		pr.stop = func() { close(stop); <-stopped }
	}
}

// Pause ends the wait and erases the progress line, if it was drawn; it
// returns when the line is gone, so that a prompt can follow.
func (pr *progress) Pause() {
	if pr == nil {
		return
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.stop != nil {
		pr.stop()
		pr.stop = nil
	}
}

// draw is one wait: nothing for progressDelay, then the line, redrawn
// four times a second, until stop is closed.
func (pr *progress) draw(stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	began := time.Now()
	select {
	case <-stop:
		return
	case <-time.After(progressDelay):
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	width := 0
	for i := 0; ; i++ {
		line := fmt.Sprintf("\r%s waiting for %s (%ds)", progressFrames[i%len(progressFrames)], pr.label, int(time.Since(began).Seconds()))
		width = max(width, len(line)-1)
		pr.t.Print(line)
		select {
		case <-stop:
			// Spaces and a carriage return erase the line on every
			// console, escape sequences or not.
			pr.t.Print("\r" + strings.Repeat(" ", width) + "\r")
			return
		case <-tick.C:
		}
	}
}

// progressKey carries the progress of a wait in its context, so that a
// prompt in the middle of the wait (the 2FA code) can pause it.
type progressKey struct{}

// pauseProgress pauses the progress ctx carries, if any; the returned
// func resumes it.
func pauseProgress(ctx context.Context) (resume func()) {
	pr, _ := ctx.Value(progressKey{}).(*progress)
	pr.Pause()
	return pr.Resume
}
