package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// TestFilesPrivateUnderPermissiveUmask runs the helper under umask 000
// and checks that what it creates is private: directories 0700, files
// 0600, whether it stores a credential or saves a refreshed session.
func TestFilesPrivateUnderPermissiveUmask(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits do not apply on Windows")
	}
	srv := pkcetest.NewServer(pkcetest.Options{AccessTTL: time.Hour},
		pkcetest.Account{Email: scriptEmail, Password: scriptPassword, Subject: "1234567"})
	t.Cleanup(srv.Close)
	h := newStressHome(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	umask0 := func(stdin string, args ...string) {
		t.Helper()
		cmd, _, stderr := h.helperCmd(ctx, "sh", stdin, append([]string{"-c", `umask 000; exec "$@"`, "sh"}, args...)...)
		if err := cmd.Run(); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, stderr)
		}
	}
	umask0("protocol=https\nhost=git.example.com\nusername=u\npassword=p\n\n", "git-credential-prusa", "store")
	// A login from the environment writes the session file and its lock.
	h.env = append(h.env, "PRUSA_EMAIL="+scriptEmail, "PRUSA_PASSWORD="+scriptPassword)
	umask0("", "prusa-credential-helper", "login")

	var checked int
	err := filepath.Walk(filepath.Join(h.dir, ".config"), func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700
			if path == filepath.Join(h.dir, ".config") {
				return nil // XDG_CONFIG_HOME itself is not ours
			}
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", path, got, want)
		}
		checked++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{h.tokensFile(), h.credentialsDir()} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("expected %s to be written: %v", f, err)
		}
	}
	t.Logf("%d files and directories checked", checked)
}
