package file

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/sdktest"
)

// layout is a config directory with the default options of a Linux home.
func layout(t *testing.T) Options {
	t.Helper()
	config := filepath.Join(t.TempDir(), ".config")
	opts, err := DefaultOptions(func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return config
		}
		return ""
	}, "linux")
	if err != nil {
		t.Fatal(err)
	}
	opts.LockTimeout = time.Second
	return opts
}

func TestCarrySession(t *testing.T) {
	const session = `{"access_token":"old"}`
	t.Run("moved into the SDK's file", func(t *testing.T) {
		opts := layout(t)
		writeFile(t, opts.OldTokensFile, session)
		writeFile(t, filepath.Join(opts.OldDir, "tokens.json.lock"), "")
		s := New(opts)
		if !s.SessionToCarry() {
			t.Fatal("SessionToCarry() = false with only the old file")
		}
		if err := s.CarrySession(); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(backends.SessionKey); err != nil || got != session {
			t.Errorf("Get(session) after the carry = %q, %v, want %q", got, err, session)
		}
		if s.TokensFile() != opts.TokensFile || !strings.HasSuffix(s.TokensFile(), filepath.Join("prusa-connect", "prusa_tokens.json")) {
			t.Errorf("TokensFile() = %q, want the SDK's file", s.TokensFile())
		}
		if exists(opts.OldTokensFile) {
			t.Errorf("the old session file is still there")
		}
		if exists(opts.OldDir) {
			t.Errorf("the old directory, holding only a lock file, is still there")
		}
		if s.SessionToCarry() || s.UnusedSessionFile() != "" {
			t.Errorf("after the carry: SessionToCarry() = %v, UnusedSessionFile() = %q", s.SessionToCarry(), s.UnusedSessionFile())
		}
	})
	t.Run("the SDK's file wins", func(t *testing.T) {
		opts := layout(t)
		writeFile(t, opts.OldTokensFile, session)
		writeFile(t, opts.TokensFile, `{"access_token":"sdk"}`)
		s := New(opts)
		if s.SessionToCarry() {
			t.Error("SessionToCarry() = true although the SDK's file exists")
		}
		if err := s.CarrySession(); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(backends.SessionKey); got != `{"access_token":"sdk"}` {
			t.Errorf("Get(session) = %q, want the SDK file's", got)
		}
		if s.UnusedSessionFile() != opts.OldTokensFile {
			t.Errorf("UnusedSessionFile() = %q, want %q", s.UnusedSessionFile(), opts.OldTokensFile)
		}
		// Logging out ends both: the old one would otherwise come back.
		if err := s.Delete(backends.SessionKey); err != nil {
			t.Fatal(err)
		}
		if exists(opts.TokensFile) || exists(opts.OldTokensFile) || exists(opts.OldDir) {
			t.Errorf("after Delete(session): SDK file %v, old file %v, old directory %v; want none",
				exists(opts.TokensFile), exists(opts.OldTokensFile), exists(opts.OldDir))
		}
	})
	t.Run("across file systems", func(t *testing.T) {
		// /dev/shm is a file system of its own on Linux: neither a link
		// nor a rename crosses into it, so the file is copied.
		shm, err := os.MkdirTemp("/dev/shm", "carry-")
		if err != nil {
			t.Skipf("no second file system at hand: %v", err)
		}
		t.Cleanup(func() { os.RemoveAll(shm) })
		opts := layout(t)
		opts.TokensFile = filepath.Join(shm, "prusa-connect", "prusa_tokens.json")
		writeFile(t, opts.OldTokensFile, session)
		if err := os.Link(opts.OldTokensFile, filepath.Join(shm, "probe")); err == nil {
			t.Skip("/dev/shm is on the same file system here")
		}
		s := New(opts)
		if err := s.CarrySession(); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(backends.SessionKey); err != nil || got != session {
			t.Errorf("Get(session) after a copy across file systems = %q, %v, want %q", got, err, session)
		}
		if exists(opts.OldTokensFile) {
			t.Errorf("the old session file is still there")
		}
	})
	t.Run("a named file is not carried into", func(t *testing.T) {
		opts := layout(t)
		writeFile(t, opts.OldTokensFile, session)
		opts.TokensFile, opts.OldTokensFile = filepath.Join(t.TempDir(), "mine.json"), ""
		s := New(opts)
		if s.SessionToCarry() {
			t.Error("SessionToCarry() = true for a session file the user named")
		}
		if err := s.Put(backends.SessionKey, session); err != nil {
			t.Fatal(err)
		}
		if exists(opts.TokensFile + ".lock") {
			t.Errorf("a lock file was made beside the named session file")
		}
	})
	t.Run("the earlier versions' lock beside the SDK's file goes", func(t *testing.T) {
		opts := layout(t)
		writeFile(t, opts.TokensFile, session)
		writeFile(t, opts.TokensFile+".lock", "")
		if err := New(opts).Put(backends.SessionKey, session); err != nil {
			t.Fatal(err)
		}
		if exists(opts.TokensFile + ".lock") {
			t.Errorf("%s.lock is still in the SDK's directory", opts.TokensFile)
		}
	})
}

func TestCarryCredentials(t *testing.T) {
	const (
		gitKey  = "git/https/a.example.com//alice"
		gitKey2 = "git/https/a.example.com//bob"
		dockKey = "docker/registry.example.com"
		v1Key   = "git/https/b.example.com//carol"
	)
	// An earlier version's directory: two bucket files, a credentials.json
	// of the first layout, its lock and notice.
	seed := func(t *testing.T, opts Options) {
		t.Helper()
		old := New(Options{Dir: opts.OldDir})
		for k, v := range map[string]string{gitKey: "a-old", dockKey: "d-old"} {
			if err := old.Put(k, v); err != nil {
				t.Fatal(err)
			}
		}
		writeFile(t, filepath.Join(opts.OldDir, legacyName), `{"version":1,"credentials":{"`+v1Key+`":"c-old"}}`)
		writeFile(t, filepath.Join(opts.OldDir, "refresh-expiry-notice"), "1767225600\n")
	}
	t.Run("moved, losing nothing", func(t *testing.T) {
		opts := layout(t)
		seed(t, opts)
		s := New(opts)
		for k, want := range map[string]string{gitKey: "a-old", dockKey: "d-old", v1Key: "c-old"} {
			if got, err := s.Get(k); err != nil || got != want {
				t.Errorf("Get(%q) = %q, %v, want %q", k, got, err, want)
			}
		}
		if exists(opts.OldDir) {
			names, _ := readDirNames(opts.OldDir)
			t.Errorf("the old directory is still there, holding %q", names)
		}
		if !exists(filepath.Join(opts.Dir, credentialsDirName, bucketFileName(bucketOf(gitKey)))) {
			t.Errorf("the bucket file was not moved into %s", opts.Dir)
		}
		// The first write converts the moved credentials.json, as ever.
		if err := s.Put(gitKey2, "b-new"); err != nil {
			t.Fatal(err)
		}
		if exists(s.LegacyCredentialsFile()) {
			t.Errorf("credentials.json was not converted by the first write")
		}
		keys, err := New(opts).List("")
		if err != nil || len(keys) != 4 {
			t.Errorf("List() = %q, %v, want the 4 keys", keys, err)
		}
	})
	t.Run("a file in both places is merged, ours winning", func(t *testing.T) {
		opts := layout(t)
		seed(t, opts)
		ours := New(Options{Dir: opts.Dir})
		if err := ours.Put(gitKey, "a-new"); err != nil {
			t.Fatal(err)
		}
		if err := ours.Put(gitKey2, "b-new"); err != nil {
			t.Fatal(err)
		}
		s := New(opts)
		for k, want := range map[string]string{gitKey: "a-new", gitKey2: "b-new", dockKey: "d-old", v1Key: "c-old"} {
			if got, err := s.Get(k); err != nil || got != want {
				t.Errorf("Get(%q) = %q, %v, want %q", k, got, err, want)
			}
		}
		if exists(opts.OldDir) {
			t.Errorf("the old directory is still there")
		}
	})
	t.Run("a corrupt file in both places is left and reported", func(t *testing.T) {
		opts := layout(t)
		seed(t, opts)
		oldBucket := filepath.Join(opts.OldDir, credentialsDirName, bucketFileName(bucketOf(gitKey)))
		writeFile(t, oldBucket, "{not json")
		if err := New(Options{Dir: opts.Dir}).Put(gitKey2, "b-new"); err != nil {
			t.Fatal(err)
		}
		var warnings []string
		opts.Warn = func(msg string) { warnings = append(warnings, msg) }
		s := New(opts)
		if got, err := s.Get(dockKey); err != nil || got != "d-old" {
			t.Errorf("Get(%q) = %q, %v, want d-old", dockKey, got, err)
		}
		if data, err := os.ReadFile(oldBucket); err != nil || string(data) != "{not json" {
			t.Errorf("the corrupt old file was changed: %q, %v", data, err)
		}
		if len(warnings) != 1 || !strings.Contains(warnings[0], oldBucket) {
			t.Errorf("warnings = %q, want one naming %s", warnings, oldBucket)
		}
	})
}

// TestSessionReadDuringSDKWrite reads the session while the SDK is half
// way through rewriting it in place: the read waits and reads again, and
// gets the whole new session, not a "corrupt" error.
func TestSessionReadDuringSDKWrite(t *testing.T) {
	before := `{"access_token": "a1", "refresh_token": "r1"}`
	after := `{"access_token": "a2", "refresh_token": "r2", "id_token": "i2"}`
	want, _ := sdktest.Indent([]byte(after))
	for _, tt := range []struct {
		name     string
		finishAt int // the wait during which the SDK finishes its write
	}{
		{"finished during the first wait", 1},
		{"finished during the last wait", len(rereadWaits)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := layout(t)
			if err := sdktest.Write(opts.TokensFile, []byte(before), nil); err != nil {
				t.Fatal(err)
			}
			halfway, resume, written := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			go func() {
				written <- sdktest.Write(opts.TokensFile, []byte(after), func() { close(halfway); <-resume })
			}()
			<-halfway
			s := New(opts)
			waits := 0
			s.sleep = func(time.Duration) {
				if waits++; waits == tt.finishAt {
					close(resume)
					if err := <-written; err != nil {
						t.Error(err)
					}
				}
			}
			got, err := s.Get(backends.SessionKey)
			if err != nil || got != string(want) {
				t.Fatalf("Get(session) during the SDK's write = %q, %v, want the new session", got, err)
			}
			if waits != tt.finishAt {
				t.Errorf("waited %d times, want %d", waits, tt.finishAt)
			}
		})
	}
}

// TestSessionStaysCorrupt: a session file that is still broken after the
// last wait is corrupt, and the waits are bounded.
func TestSessionStaysCorrupt(t *testing.T) {
	for _, content := range []string{"", `{"access_token": "a`, "[1]"} {
		opts := layout(t)
		writeFile(t, opts.TokensFile, content)
		s := New(opts)
		var total time.Duration
		s.sleep = func(d time.Duration) { total += d }
		_, err := s.Get(backends.SessionKey)
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Path != opts.TokensFile {
			t.Errorf("Get(session) of %q = %v, want a CorruptError naming the file", content, err)
		}
		if total == 0 || total > 1500*time.Millisecond {
			t.Errorf("waited %v in all for %q, want some, and at most 1.5s", total, content)
		}
		// A file nobody has written for a while is corrupt at once.
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(opts.TokensFile, old, old); err != nil {
			t.Fatal(err)
		}
		total = 0
		if _, err := s.Get(backends.SessionKey); !errors.As(err, &ce) || total != 0 {
			t.Errorf("Get(session) of an old %q = %v after waiting %v, want a CorruptError at once", content, err, total)
		}
	}
}
