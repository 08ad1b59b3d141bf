package file

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/backendtest"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backends.Store {
		return New(Options{Dir: filepath.Join(t.TempDir(), AppDir)})
	})
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits do not apply on Windows")
	}
	dir := filepath.Join(t.TempDir(), "cfg", AppDir)
	s := New(Options{Dir: dir})
	if err := s.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(backends.SessionKey, `{"access_token":"x"}`); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		dir:                               0o700,
		s.CredentialsDir():                0o700,
		filepath.Join(dir, "tokens.json"): 0o600,
		filepath.Join(dir, "credentials.json.lock"): 0o600,
		s.bucketPath(bucketOf("k")):                 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %v, want %v", path, got, want)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	more, _ := filepath.Glob(filepath.Join(s.CredentialsDir(), ".*.tmp-*"))
	if leftovers = append(leftovers, more...); len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %q", leftovers)
	}
}

func TestCorruptFilesAreKept(t *testing.T) {
	const key = "git/https/example.com//alice"
	bucket := "credentials/" + bucketFileName("git/https/example.com")
	tests := []struct {
		name, file, content, key string
	}{
		{"bucket not JSON", bucket, "{not json", key},
		{"bucket wrong version", bucket, `{"version": 1, "bucket": "git/https/example.com", "credentials": {}}`, key},
		{"bucket array", bucket, `[]`, key},
		{"bucket null", bucket, `null`, key},
		{"bucket under another name", bucket, `{"version": 2, "bucket": "git/https/Example.com", "credentials": {}}`, key},
		{"bucket holds another bucket's key", bucket, `{"version": 2, "bucket": "git/https/example.com", "credentials": {"git/https/example.org//a": "v"}}`, key},
		{"bucket value not a string", bucket, `{"version": 2, "bucket": "git/https/example.com", "credentials": {"` + key + `": 1}}`, key},
		{"legacy not JSON", "credentials.json", "{not json", "k"},
		{"legacy wrong version", "credentials.json", `{"version": 99, "credentials": {}}`, "k"},
		{"legacy array", "credentials.json", `[]`, "k"},
		{"tokens not JSON", "tokens.json", "access_token=abc", backends.SessionKey},
		{"tokens empty", "tokens.json", "", backends.SessionKey},
		{"tokens array", "tokens.json", `["a"]`, backends.SessionKey},
		{"tokens truncated", "tokens.json", `{"access_token": "a.b`, backends.SessionKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, filepath.FromSlash(tt.file))
			writeFile(t, path, tt.content)
			s := New(Options{Dir: dir})
			ops := []struct {
				name string
				op   func() error
			}{
				{"Get", func() error { _, err := s.Get(tt.key); return err }},
				{"Put", func() error { return s.Put(tt.key, `{"new":1}`) }},
				{"Delete", func() error { return s.Delete(tt.key) }},
			}
			if tt.key != backends.SessionKey {
				ops = append(ops, struct {
					name string
					op   func() error
				}{"List", func() error { _, err := s.List(""); return err }})
			}
			for _, op := range ops {
				err := op.op()
				var ce *CorruptError
				if !errors.As(err, &ce) || ce.Path != path {
					t.Errorf("%s error = %v, want CorruptError for %s", op.name, err, path)
				}
				if err != nil && !strings.Contains(err.Error(), path) {
					t.Errorf("%s error %q does not name the file", op.name, err)
				}
				// The hint names the file as the user types it (on
				// Windows with single backslashes) in a command for
				// the user's shell.
				if h := hint.Of(err); !strings.Contains(h, path) || !strings.Contains(h, hint.Move(path, path+".bad")) {
					t.Errorf("%s hint %q does not show %s as typed in a move command", op.name, h, path)
				}
				// A session is not stored again but made again by a
				// login; other hosts' credentials are stored again.
				wantNext := "store the credentials again"
				if tt.key == backends.SessionKey {
					wantNext = "log in again: prusa-credential-helper login"
				}
				if h := hint.Of(err); !strings.Contains(h, wantNext) {
					t.Errorf("%s hint %q does not say %q", op.name, h, wantNext)
				}
				if h := hint.Of(err); tt.key == backends.SessionKey && strings.Contains(h, "store the credentials") {
					t.Errorf("%s hint %q tells to store credentials for a session file", op.name, h)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != tt.content {
				t.Errorf("file after operations = %q, %v; want it untouched: %q", got, err, tt.content)
			}
		})
	}
}

func TestCredentialsSurviveProcesses(t *testing.T) {
	for name, keys := range map[string][]string{
		"one bucket":  {"git/https/h//one", "git/https/h//three", "git/https/h//two"},
		"own buckets": {"one", "three", "two"},
	} {
		t.Run(name, func(t *testing.T) {
			one, three, two := keys[0], keys[1], keys[2]
			dir := t.TempDir()
			a, b := New(Options{Dir: dir}), New(Options{Dir: dir})
			if err := a.Put(one, "1"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.List(""); err != nil { // b caches the file with one
				t.Fatal(err)
			}
			if err := a.Put(two, "2"); err != nil {
				t.Fatal(err)
			}
			if err := b.Put(three, "3"); err != nil { // must not lose two
				t.Fatal(err)
			}
			got, err := New(Options{Dir: dir}).List("")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(keys, got); diff != "" {
				t.Errorf("keys after writes from two stores (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefaultOptions(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	// The rows of every system run on every host, where paths are the
	// host's: abs makes an absolute path of the host from a slashed one.
	abs := func(p string) string {
		if runtime.GOOS == "windows" {
			return `C:` + filepath.FromSlash(p)
		}
		return p
	}
	tests := []struct {
		name, goos string
		env        map[string]string
		want       Options
		wantErr    bool
	}{
		{"linux xdg", "linux", map[string]string{"XDG_CONFIG_HOME": abs("/x"), "HOME": abs("/h")}, Options{
			Dir:           abs("/x/prusa-credential-helper"),
			TokensFile:    abs("/x/prusa-connect/prusa_tokens.json"),
			OldDir:        abs("/x/prusa-connect-sdk-client"),
			OldTokensFile: abs("/x/prusa-connect-sdk-client/tokens.json"),
		}, false},
		{"linux home", "linux", map[string]string{"HOME": abs("/h")}, Options{
			Dir:           abs("/h/.config/prusa-credential-helper"),
			TokensFile:    abs("/h/.config/prusa-connect/prusa_tokens.json"),
			OldDir:        abs("/h/.config/prusa-connect-sdk-client"),
			OldTokensFile: abs("/h/.config/prusa-connect-sdk-client/tokens.json"),
		}, false},
		{"freebsd", "freebsd", map[string]string{"HOME": abs("/usr/home/u")}, Options{
			Dir:           abs("/usr/home/u/.config/prusa-credential-helper"),
			TokensFile:    abs("/usr/home/u/.config/prusa-connect/prusa_tokens.json"),
			OldDir:        abs("/usr/home/u/.config/prusa-connect-sdk-client"),
			OldTokensFile: abs("/usr/home/u/.config/prusa-connect-sdk-client/tokens.json"),
		}, false},
		{"linux relative xdg", "linux", map[string]string{"XDG_CONFIG_HOME": "rel", "HOME": abs("/h")}, Options{}, true},
		{"linux nothing", "linux", map[string]string{}, Options{}, true},
		// platformdirs ignores the XDG variables on macOS.
		{"darwin", "darwin", map[string]string{"HOME": abs("/Users/u"), "XDG_CONFIG_HOME": abs("/x")}, Options{
			Dir:           abs("/Users/u/Library/Application Support/prusa-credential-helper"),
			TokensFile:    abs("/Users/u/Library/Application Support/prusa-connect/prusa_tokens.json"),
			OldDir:        abs("/Users/u/Library/Application Support/prusa-connect-sdk-client"),
			OldTokensFile: abs("/Users/u/Library/Application Support/prusa-connect-sdk-client/tokens.json"),
		}, false},
		// The SDK's file is in the local application data, under the
		// author's directory; ours in the roaming one (os.UserConfigDir).
		{"windows", "windows", map[string]string{"AppData": `C:\Users\u\AppData\Roaming`, "LOCALAPPDATA": `C:\Users\u\AppData\Local`}, Options{
			Dir:           filepath.Join(`C:\Users\u\AppData\Roaming`, "prusa-credential-helper"),
			TokensFile:    filepath.Join(`C:\Users\u\AppData\Local`, "Prusa", "prusa-connect", "prusa_tokens.json"),
			OldDir:        filepath.Join(`C:\Users\u\AppData\Roaming`, "prusa-connect-sdk-client"),
			OldTokensFile: filepath.Join(`C:\Users\u\AppData\Roaming`, "prusa-connect-sdk-client", "tokens.json"),
		}, false},
		{"windows APPDATA", "windows", map[string]string{"APPDATA": `C:\R`, "LOCALAPPDATA": `C:\L`}, Options{
			Dir:           filepath.Join(`C:\R`, "prusa-credential-helper"),
			TokensFile:    filepath.Join(`C:\L`, "Prusa", "prusa-connect", "prusa_tokens.json"),
			OldDir:        filepath.Join(`C:\R`, "prusa-connect-sdk-client"),
			OldTokensFile: filepath.Join(`C:\R`, "prusa-connect-sdk-client", "tokens.json"),
		}, false},
		{"windows no LOCALAPPDATA", "windows", map[string]string{"AppData": `C:\R`}, Options{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultOptions(env(tt.env), tt.goos)
			if (err != nil) != tt.wantErr {
				t.Fatalf("DefaultOptions() error = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Options{}, "Warn")); diff != "" {
				t.Errorf("DefaultOptions() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestStaleTempFilesAreRemoved(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{Dir: dir, LockTimeout: time.Second})
	creds := s.CredentialsDir()
	writeFile(t, filepath.Join(creds, bucketFileName("git/https/h")), `{"version":2,"bucket":"git/https/h","credentials":{"git/https/h//u":"v"}}`)
	// Left by killed writers: of another bucket than the one written, and
	// of a helper of the old layout.
	oldBucket := filepath.Join(creds, "."+bucketFileName("git/https/h")+".tmp-killed")
	oldLegacy := filepath.Join(dir, ".credentials.json.tmp-killed")
	live := filepath.Join(creds, "."+bucketFileName("k")+".tmp-writing")
	other := filepath.Join(dir, ".unrelated.tmp-old")
	for _, f := range []string{oldBucket, oldLegacy, live, other} {
		writeFile(t, f, "secret")
	}
	past := time.Now().Add(-time.Hour)
	for _, f := range []string{oldBucket, oldLegacy, other} {
		if err := os.Chtimes(f, past, past); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{oldBucket, oldLegacy} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("an hour-old temporary file %s is still there (%v)", filepath.Base(f), err)
		}
	}
	for _, f := range []string{live, other} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(f), err)
		}
	}
}

func TestReadableFilesAreTightened(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits do not apply on Windows")
	}
	dir := t.TempDir()
	var warnings []string
	s := New(Options{Dir: dir, Warn: func(msg string) { warnings = append(warnings, msg) }})
	secret := "rt-do-not-print"
	tokens := filepath.Join(dir, "tokens.json")
	legacy := filepath.Join(dir, "credentials.json")
	bucket := s.bucketPath("k")
	writeFile(t, tokens, `{"refresh_token":"`+secret+`"}`)
	writeFile(t, legacy, `{"version":1,"credentials":{"old":"`+secret+`"}}`)
	writeFile(t, bucket, `{"version":2,"bucket":"k","credentials":{"k":"`+secret+`"}}`)
	files := []string{tokens, legacy, bucket}
	for _, f := range files { // WriteFile's mode is cut by the umask
		if err := os.Chmod(f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{dir, s.CredentialsDir()} { // tightened too, but not this test's subject
		if err := os.Chmod(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Get(backends.SessionKey); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("k"); err != nil { // reads credentials.json, then the bucket
		t.Fatal(err)
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("mode of %s after a read = %v, want 0600", filepath.Base(f), got)
		}
	}
	if len(warnings) != len(files) {
		t.Fatalf("warnings = %q, want one per file", warnings)
	}
	for i, f := range files {
		if !strings.Contains(warnings[i], f) || !strings.Contains(warnings[i], "0644") || strings.Contains(warnings[i], secret) {
			t.Errorf("warning %q should name %s and its old mode, and hold no secret", warnings[i], f)
		}
	}
	// Once tightened, a file is not reported again.
	warnings = nil
	again := New(Options{Dir: dir, Warn: func(msg string) { warnings = append(warnings, msg) }})
	if _, err := again.Get(backends.SessionKey); err != nil {
		t.Fatal(err)
	}
	if _, err := again.List(""); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("a 0600 file was reported: %q", warnings)
	}
}
