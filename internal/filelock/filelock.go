// Package filelock takes the helper's cross-process locks: an exclusive
// gofrs/flock lock on a file, waited for at most a given time. The kernel
// releases a lock when its process dies, so a killed helper never leaves
// one behind.
package filelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safefile"
)

// ErrTimeout is wrapped by the error of a Lock that waited its whole time.
var ErrTimeout = errors.New("another process holds the lock")

// Lock takes the exclusive lock at path, creating the file (and its
// directory, 0700) when missing, and returns the unlock. It waits at most
// wait, or until ctx ends.
//
// The wait blocks in the kernel rather than polling, so a waiter wakes
// the moment the holder is done: polling would add up to a poll interval
// to every waiter of a crowd (a docker build asking for every registry at
// once).
//
// Nothing on disk is trusted: the directory is checked by
// safefile.PrepareDir, the lock file by safefile.CheckLock before it is
// opened (with safefile.LockFlags: never through a link, never blocking)
// and again once locked; either refuses with a *safefile.Error.
func Lock(ctx context.Context, path string, wait time.Duration) (func(), error) {
	dir := filepath.Dir(path)
	if err := safefile.PrepareDir(dir, false, nil); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil {
		if err := safefile.CheckLock(path, fi); err != nil {
			return nil, err
		}
	}
	l := flock.New(path, flock.SetFlag(safefile.LockFlags))
	locked := make(chan error, 1)
	go func() { locked <- l.Lock() }()
	select {
	case err := <-locked:
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// What was locked is what was checked, or at least as safe.
		fi, err := l.Stat()
		if err == nil {
			err = safefile.CheckLock(path, fi)
		}
		if err != nil {
			l.Unlock()
			return nil, err
		}
		return func() { l.Unlock() }, nil
	case <-ctx.Done():
	case <-time.After(wait):
	}
	// Given up: if the lock comes later, let it go at once.
	go func() {
		if err := <-locked; err == nil {
			l.Unlock()
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: %s (waited %s)", ErrTimeout, path, humantime.Duration(wait))
}
