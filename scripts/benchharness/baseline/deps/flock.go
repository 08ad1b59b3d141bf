//go:build bench_flock || bench_all

package main

import (
	"context"
	"time"

	"github.com/gofrs/flock"
)

var _ = link(func() {
	l := flock.New("deps.lock")
	l.TryLockContext(context.Background(), 10*time.Millisecond)
	l.Unlock()
})
