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
	tokens := filepath.Join(filepath.Dir(dir), "prusa-connect", "prusa_tokens.json")
	if err := os.MkdirAll(filepath.Dir(tokens), 0o700); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(tokens, []byte(session), 0o600); err != nil {
		b.Fatal(err)
	}
	opts := file.Options{Dir: dir, TokensFile: tokens, OldTokensFile: filepath.Join(filepath.Dir(dir), "prusa-connect-sdk-client", "tokens.json")}
	b.SetBytes(int64(len(session)))
	b.ReportAllocs()
	for b.Loop() {
		v, err := file.New(opts).Get(backends.SessionKey)
		if err != nil || len(v) != len(session) {
			b.Fatalf("Get(session) = %d bytes, %v", len(v), err)
		}
	}
}

// credentials returns n generic git credentials as the helper stores
// them (its git keys, one host each, and its entry JSON), and one of them.
func credentials(n int) (creds map[string]string, key, val string) {
	creds = make(map[string]string, n)
	for i := range n {
		key = fmt.Sprintf("git/https/host%05d.example.com//user%d", i, i)
		val = fmt.Sprintf(`{"password":"secret-%d-%s","stored":%d}`, i, strings.Repeat("x", 24), 1700000000000000000+i)
		creds[key] = val
	}
	return creds, key, val
}

// writeCredentials stores n generic git credentials in the layout the
// file backend reads, much faster than n Puts, each of which takes the
// lock and flushes its file: the bucket files (file.WriteBucketFiles), or,
// with legacy, a version 1 credentials.json (one JSON object of key to
// value, the layout before the buckets, which the store still reads until
// its first write). It returns one stored key and its value.
func writeCredentials(b *testing.B, dir string, n int, legacy bool) (string, string) {
	b.Helper()
	creds, key, val := credentials(n)
	if legacy {
		data, err := json.MarshalIndent(map[string]any{"version": 1, "credentials": creds}, "", "  ")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "credentials.json"), data, 0o600); err != nil {
			b.Fatal(err)
		}
	} else if err := file.WriteBucketFiles(dir, creds); err != nil {
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
// start included. legacy-stored=10000 is a credentials.json of the layout
// before the buckets, not yet converted by a write.
func BenchmarkCredentialsGet(b *testing.B) {
	for _, c := range []struct {
		n      int
		legacy bool
	}{{1, false}, {10000, false}, {10000, true}} {
		name := fmt.Sprintf("stored=%d", c.n)
		if c.legacy {
			name = "legacy-" + name
		}
		b.Run(name, func(b *testing.B) {
			dir := benchDir(b)
			key, want := writeCredentials(b, dir, c.n, c.legacy)
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
			writeCredentials(b, dir, n, false)
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

// BenchmarkCredentialsPut is a git store into a store of 1 and of 10,000
// credentials: the lock, one bucket file written and flushed, and the
// sweep of the directory for stale temporary files.
func BenchmarkCredentialsPut(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			dir := benchDir(b)
			key, val := writeCredentials(b, dir, n, false)
			b.ReportAllocs()
			for b.Loop() {
				if err := file.New(file.Options{Dir: dir}).Put(key, val); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
