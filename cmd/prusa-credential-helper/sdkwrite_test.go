package main

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/sdktest"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// TestGetsWhileSDKRewrites runs 200 gets, as git runs them, while the
// Python SDK rewrites the shared session file in place over and over
// (truncate, write the JSON in two halves a millisecond apart, chmod), as
// prusactl does on each refresh. A get that comes in mid-write must read
// again rather than call the file corrupt: no get may fail.
func TestGetsWhileSDKRewrites(t *testing.T) {
	srv := pkcetest.NewServer(pkcetest.Options{AccessTTL: time.Hour},
		pkcetest.Account{Email: scriptEmail, Password: scriptPassword, Subject: "1234567"})
	t.Cleanup(srv.Close)
	h := newStressHome(t, srv)
	tr, err := srv.IssueTTL(scriptEmail, time.Hour, pkcetest.DefaultRefreshTTL)
	if err != nil {
		t.Fatal(err)
	}
	if err := sdktest.Write(h.tokensFile(), tr.JSON(), nil); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var rewrites atomic.Int64
	var writer sync.WaitGroup
	writer.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if err := sdktest.Write(h.tokensFile(), tr.JSON(), func() { time.Sleep(time.Millisecond) }); err != nil {
				t.Error(err)
				return
			}
			rewrites.Add(1)
		}
	})

	const gets, workers = 200, 4
	var failed atomic.Int64
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				cmd, stdout, stderr := h.helperCmd(ctx, "git-credential-prusa", prusaGitRequest, "get")
				if err := cmd.Run(); err != nil || password(stdout.String()) != tr.AccessToken {
					if failed.Add(1) <= 3 {
						t.Errorf("get %d during the SDK's rewrites: %v\n%s", i, err, stderr)
					}
				}
				cancel()
			}
		})
	}
	for i := range gets {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(stop)
	writer.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d gets failed while the SDK rewrote the file %d times", n, gets, rewrites.Load())
	}
	if rewrites.Load() == 0 {
		t.Error("the SDK never rewrote the file during the gets")
	}
	t.Logf("%d gets, %d rewrites by the SDK, %d failures", gets, rewrites.Load(), failed.Load())
}
