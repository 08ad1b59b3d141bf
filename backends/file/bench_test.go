package file_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
)

// benchDir returns a config directory for the file backend.
func benchDir(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), file.AppDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkTokensLoad reads the session file the way every get for a
// Prusa host does: a new Store (one process), then Get of the session.
func BenchmarkTokensLoad(b *testing.B) {
	dir := benchDir(b)
	// A token set of the size Prusa Account issues: three RS256 JWTs.
	jwt := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + strings.Repeat("e", 260) + "." + strings.Repeat("s", 342)
	session := fmt.Sprintf(`{"access_token": %q, "refresh_token": %q, "id_token": %q, "expires_in": 7200, "token_type": "Bearer", "scope": "basic_info connect user_operations email_lists openid", "shared_session_key": "c2Vzc2lvbg"}`,
		jwt, jwt, jwt)
	if err := os.WriteFile(filepath.Join(dir, "tokens.json"), []byte(session), 0o600); err != nil {
		b.Fatal(err)
	}
	opts := file.Options{Dir: dir, LegacyTokensFile: filepath.Join(filepath.Dir(dir), "prusa-connect", "prusa_tokens.json")}
	b.SetBytes(int64(len(session)))
	b.ReportAllocs()
	for b.Loop() {
		v, err := file.New(opts).Get(backends.SessionKey)
		if err != nil || len(v) != len(session) {
			b.Fatalf("Get(session) = %d bytes, %v", len(v), err)
		}
	}
}

// writeCredentials writes a credentials.json with n generic git
// credentials in the layout the file backend reads today (format version
// 1: one JSON object of key to value; the helper's git keys and entry
// JSON), much faster than n Puts, each of which rewrites the file. It
// returns one stored key and its value.
func writeCredentials(b *testing.B, dir string, n int) (string, string) {
	b.Helper()
	creds := make(map[string]string, n)
	var key, val string
	for i := range n {
		key = fmt.Sprintf("git/https/host%05d.example.com//user%d", i, i)
		val = fmt.Sprintf(`{"password":"secret-%d-%s","stored":%d}`, i, strings.Repeat("x", 24), 1700000000000000000+i)
		creds[key] = val
	}
	data, err := json.MarshalIndent(map[string]any{"version": 1, "credentials": creds}, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "credentials.json"), data, 0o600); err != nil {
		b.Fatal(err)
	}
	// If the layout has changed, say so rather than measure nothing.
	if got, err := file.New(file.Options{Dir: dir}).Get(key); err != nil || got != val {
		b.Fatalf("the file backend does not read the layout this benchmark writes (Get = %q, %v); update writeCredentials", got, err)
	}
	return key, val
}

// BenchmarkCredentialsGet is one Get from a new Store (one process)
// with 1 and with 10,000 credentials stored. The target (issue 6) is that
// a get with 10,000 stored costs at most 1.5 times one with 1, process
// start included.
func BenchmarkCredentialsGet(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			dir := benchDir(b)
			key, want := writeCredentials(b, dir, n)
			b.ReportAllocs()
			for b.Loop() {
				v, err := file.New(file.Options{Dir: dir}).Get(key)
				if err != nil || v != want {
					b.Fatalf("Get(%q) = %q, %v", key, v, err)
				}
			}
		})
	}
}

// BenchmarkCredentialsList is what a git get does before its Get: list
// the keys of one host, from a new Store.
func BenchmarkCredentialsList(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			dir := benchDir(b)
			writeCredentials(b, dir, n)
			b.ReportAllocs()
			for b.Loop() {
				keys, err := file.New(file.Options{Dir: dir}).List("git/https/host00000.example.com/")
				if err != nil || len(keys) != 1 {
					b.Fatalf("List = %q, %v", keys, err)
				}
			}
		})
	}
}
