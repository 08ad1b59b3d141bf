package file

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

// FuzzFiles feeds arbitrary bytes to both files: reading must either work
// or report the file as corrupt, and a corrupt file must survive a write
// attempt unchanged.
func FuzzFiles(f *testing.F) {
	f.Add([]byte(`{"version":1,"credentials":{"git/https/h//u":"{\"password\":\"p\"}"}}`), []byte(`{"access_token":"a.b.c","refresh_token":"r"}`))
	f.Add([]byte(`{"version":1}`), []byte(`{}`))
	f.Add([]byte(`null`), []byte(` {"a": [1,2,{"b":null}]} `))
	f.Add([]byte("\xff\xfe{"), []byte(`{"access_token":"a.b`))
	f.Fuzz(func(t *testing.T, creds, tokens []byte) {
		dir := t.TempDir()
		cpath, tpath := filepath.Join(dir, "credentials.json"), filepath.Join(dir, "tokens.json")
		if err := os.WriteFile(cpath, creds, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tpath, tokens, 0o600); err != nil {
			t.Fatal(err)
		}
		s := New(Options{Dir: dir})
		var ce *CorruptError
		if _, err := s.List(""); err != nil {
			if !errors.As(err, &ce) {
				t.Fatalf("List error %v is not a CorruptError", err)
			}
			if s.Put("k", "v") == nil {
				t.Fatal("Put over a corrupt credentials file succeeded")
			}
			if got, _ := os.ReadFile(cpath); string(got) != string(creds) {
				t.Fatal("corrupt credentials file was changed")
			}
		} else if err := s.Put("k", "v"); err != nil {
			t.Fatalf("Put after a good read: %v", err)
		}
		got, err := s.Get(backends.SessionKey)
		switch {
		case err == nil:
			if got != string(tokens) {
				t.Fatalf("Get(session) = %q, want the file byte for byte", got)
			}
		case errors.As(err, &ce):
			if s.Put(backends.SessionKey, "{}") == nil {
				t.Fatal("Put over a corrupt session file succeeded")
			}
			if b, _ := os.ReadFile(tpath); string(b) != string(tokens) {
				t.Fatal("corrupt session file was changed")
			}
		default:
			t.Fatalf("Get(session) error %v is not a CorruptError", err)
		}
	})
}
