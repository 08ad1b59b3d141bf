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
func Lock(ctx context.Context, path string, wait time.Duration) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	l := flock.New(path)
	locked := make(chan error, 1)
	go func() { locked <- l.Lock() }()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case err := <-locked:
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return func() { l.Unlock() }, nil
	case <-ctx.Done():
	case <-timer.C:
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
	return nil, fmt.Errorf("%w: %s (waited %v)", ErrTimeout, path, wait)
}
