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

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/backendtest"
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
		dir:                                    0o700,
		filepath.Join(dir, "credentials.json"): 0o600,
		filepath.Join(dir, "tokens.json"):      0o600,
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
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %q", leftovers)
	}
}

func TestCorruptFilesAreKept(t *testing.T) {
	tests := []struct {
		name, file, content, key string
	}{
		{"credentials not JSON", "credentials.json", "{not json", "k"},
		{"credentials wrong version", "credentials.json", `{"version": 99, "credentials": {}}`, "k"},
		{"credentials array", "credentials.json", `[]`, "k"},
		{"tokens not JSON", "tokens.json", "access_token=abc", backends.SessionKey},
		{"tokens empty", "tokens.json", "", backends.SessionKey},
		{"tokens array", "tokens.json", `["a"]`, backends.SessionKey},
		{"tokens truncated", "tokens.json", `{"access_token": "a.b`, backends.SessionKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s := New(Options{Dir: dir})
			ops := map[string]func() error{
				"Get":    func() error { _, err := s.Get(tt.key); return err },
				"Put":    func() error { return s.Put(tt.key, `{"new":1}`) },
				"Delete": func() error { return s.Delete(tt.key) },
			}
			for name, op := range ops {
				err := op()
				var ce *CorruptError
				if !errors.As(err, &ce) || ce.Path != path {
					t.Errorf("%s error = %v, want CorruptError for %s", name, err, path)
				}
				if err != nil && !strings.Contains(err.Error(), path) {
					t.Errorf("%s error %q does not name the file", name, err)
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
	dir := t.TempDir()
	a, b := New(Options{Dir: dir}), New(Options{Dir: dir})
	if err := a.Put("one", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.List(""); err != nil { // b caches the file with "one"
		t.Fatal(err)
	}
	if err := a.Put("two", "2"); err != nil {
		t.Fatal(err)
	}
	if err := b.Put("three", "3"); err != nil { // must not lose "two"
		t.Fatal(err)
	}
	got, err := New(Options{Dir: dir}).List("")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"one", "three", "two"}, got); diff != "" {
		t.Errorf("keys after writes from two stores (-want +got):\n%s", diff)
	}
}

func TestTokensFileResolution(t *testing.T) {
	session := `{"access_token":"a"}`
	t.Run("explicit file wins", func(t *testing.T) {
		dir := t.TempDir()
		explicit := filepath.Join(dir, "elsewhere", "my.json")
		legacy := filepath.Join(dir, "legacy", "prusa_tokens.json")
		writeFile(t, legacy, session)
		s := New(Options{Dir: dir, TokensFile: explicit, LegacyTokensFile: legacy})
		if err := s.Put(backends.SessionKey, session); err != nil {
			t.Fatal(err)
		}
		if s.TokensFile() != explicit {
			t.Errorf("TokensFile() = %q, want %q", s.TokensFile(), explicit)
		}
		if _, err := os.Stat(explicit); err != nil {
			t.Errorf("explicit tokens file not written: %v", err)
		}
	})
	t.Run("legacy SDK file used when ours is missing", func(t *testing.T) {
		dir := t.TempDir()
		legacy := filepath.Join(dir, "legacy", "prusa_tokens.json")
		writeFile(t, legacy, session)
		s := New(Options{Dir: filepath.Join(dir, AppDir), LegacyTokensFile: legacy})
		got, err := s.Get(backends.SessionKey)
		if err != nil || got != session {
			t.Fatalf("Get(session) = %q, %v, want the SDK file's content", got, err)
		}
		if err := s.Put(backends.SessionKey, `{"access_token":"b"}`); err != nil {
			t.Fatal(err)
		}
		if data, _ := os.ReadFile(legacy); string(data) != `{"access_token":"b"}` {
			t.Errorf("SDK file after Put = %q, want the new session written there", data)
		}
		if _, err := os.Stat(filepath.Join(dir, AppDir, "tokens.json")); err == nil {
			t.Errorf("tokens.json created although the SDK file is in use")
		}
	})
	t.Run("ours wins when both exist", func(t *testing.T) {
		dir := t.TempDir()
		legacy := filepath.Join(dir, "legacy", "prusa_tokens.json")
		writeFile(t, legacy, `{"access_token":"old"}`)
		writeFile(t, filepath.Join(dir, "tokens.json"), session)
		s := New(Options{Dir: dir, LegacyTokensFile: legacy})
		if got, _ := s.Get(backends.SessionKey); got != session {
			t.Errorf("Get(session) = %q, want tokens.json's %q", got, session)
		}
	})
	t.Run("new session goes to tokens.json", func(t *testing.T) {
		dir := t.TempDir()
		s := New(Options{Dir: dir, LegacyTokensFile: filepath.Join(dir, "legacy", "prusa_tokens.json")})
		if want := filepath.Join(dir, "tokens.json"); s.TokensFile() != want {
			t.Errorf("TokensFile() = %q, want %q", s.TokensFile(), want)
		}
	})
}

func TestDefaultOptions(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name, goos string
		env        map[string]string
		want       Options
		wantErr    bool
	}{
		{"linux xdg", "linux", map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"},
			Options{Dir: "/x/prusa-connect-sdk-client", LegacyTokensFile: "/x/prusa-connect/prusa_tokens.json"}, false},
		{"linux home", "linux", map[string]string{"HOME": "/h"},
			Options{Dir: "/h/.config/prusa-connect-sdk-client", LegacyTokensFile: "/h/.config/prusa-connect/prusa_tokens.json"}, false},
		{"linux relative xdg", "linux", map[string]string{"XDG_CONFIG_HOME": "rel", "HOME": "/h"}, Options{}, true},
		{"linux nothing", "linux", map[string]string{}, Options{}, true},
		{"darwin", "darwin", map[string]string{"HOME": "/Users/u"},
			Options{Dir: "/Users/u/Library/Application Support/prusa-connect-sdk-client", LegacyTokensFile: "/Users/u/Library/Application Support/prusa-connect/prusa_tokens.json"}, false},
		{"windows", "windows", map[string]string{"AppData": `C:\R`, "LOCALAPPDATA": `C:\L`},
			Options{Dir: filepath.Join(`C:\R`, AppDir), LegacyTokensFile: filepath.Join(`C:\L`, "Prusa", "prusa-connect", "prusa_tokens.json")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultOptions(env(tt.env), tt.goos)
			if (err != nil) != tt.wantErr {
				t.Fatalf("DefaultOptions() error = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
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
	s := New(Options{Dir: t.TempDir(), LockTimeout: time.Second})
	dir := filepath.Dir(s.CredentialsFile())
	old := filepath.Join(dir, ".credentials.json.tmp-killed")
	live := filepath.Join(dir, ".credentials.json.tmp-writing")
	other := filepath.Join(dir, ".unrelated.tmp-old")
	for _, f := range []string{old, live, other} {
		if err := os.WriteFile(f, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-time.Hour)
	for _, f := range []string{old, other} {
		if err := os.Chtimes(f, past, past); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("an hour-old temporary file of credentials.json is still there (%v)", err)
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
	tokens := filepath.Join(dir, "tokens.json")
	creds := filepath.Join(dir, "credentials.json")
	secret := "rt-do-not-print"
	if err := os.WriteFile(tokens, []byte(`{"refresh_token":"`+secret+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte(`{"version":1,"credentials":{"k":"`+secret+`"}}`), 0o640); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{tokens, creds} { // WriteFile's mode is cut by the umask
		if err := os.Chmod(f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Get(backends.SessionKey); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("k"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{tokens, creds} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("mode of %s after a read = %v, want 0600", filepath.Base(f), got)
		}
	}
	if len(warnings) != 2 {
		t.Fatalf("warnings = %q, want one per file", warnings)
	}
	for i, f := range []string{tokens, creds} {
		if !strings.Contains(warnings[i], f) || !strings.Contains(warnings[i], "0644") || strings.Contains(warnings[i], secret) {
			t.Errorf("warning %q should name %s and its old mode, and hold no secret", warnings[i], f)
		}
	}
	// Once tightened, a file is not reported again.
	warnings = nil
	if _, err := New(Options{Dir: dir, Warn: func(msg string) { warnings = append(warnings, msg) }}).Get(backends.SessionKey); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("a 0600 file was reported: %q", warnings)
	}
}
