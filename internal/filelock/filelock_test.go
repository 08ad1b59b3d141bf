package filelock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "x.lock")
	unlock, err := Lock(context.Background(), path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Held: a second lock, through its own file descriptor, waits its
	// time and gives up.
	if _, err := Lock(context.Background(), path, 50*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Lock while held = %v, want ErrTimeout", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Lock(ctx, path, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock with a cancelled context = %v, want context.Canceled", err)
	}
	// Released: the next waiter gets it, and the abandoned waits above
	// have not kept it.
	done := make(chan error, 1)
	go func() {
		u, err := Lock(context.Background(), path, 5*time.Second)
		if err == nil {
			u()
		}
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let it block first; not needed for correctness
	unlock()
	if err := <-done; err != nil {
		t.Fatalf("Lock after the holder unlocked: %v", err)
	}
	u, err := Lock(context.Background(), path, time.Second)
	if err != nil {
		t.Fatalf("the lock is still held after every holder let go: %v", err)
	}
	u()
}

// TestLockNoFollow checks that a lock file that is a link is refused and
// its target, missing, is not created.
func TestLockNoFollow(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "created-through-the-link")
	path := filepath.Join(dir, "x.lock")
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	unlock, err := Lock(context.Background(), path, time.Second)
	if err == nil {
		unlock()
		t.Fatal("Lock through a dangling link succeeded")
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the link's target was created (%v)", err)
	}
}
