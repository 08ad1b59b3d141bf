// Package backendtest is the conformance suite that every storage backend
// passes: one table of behaviours, run against each backend that is
// available, so that they all keep the same semantics.
package backendtest

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

// Run runs the conformance suite. newStore returns an empty store; it is
// called once per sub-test.
func Run(t *testing.T, newStore func(t *testing.T) backends.Store) {
	t.Run("GetMissing", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Get("nope"); !errors.Is(err, backends.ErrNotFound) {
			t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
		}
		if _, err := s.Get(backends.SessionKey); !errors.Is(err, backends.ErrNotFound) {
			t.Errorf("Get(SessionKey) on an empty store error = %v, want ErrNotFound", err)
		}
	})
	t.Run("PutGetOverwrite", func(t *testing.T) {
		s := newStore(t)
		mustPut(t, s, "git/https/example.com//alice", "one")
		mustPut(t, s, "git/https/example.com//alice", "two")
		if got := mustGet(t, s, "git/https/example.com//alice"); got != "two" {
			t.Errorf("Get after overwrite = %q, want %q", got, "two")
		}
	})
	t.Run("EmptyAndUnusualValues", func(t *testing.T) {
		s := newStore(t)
		values := map[string]string{
			"empty":   "",
			"unicode": "pässwörd ✓",
			"json":    `{"a":"b\n"}`,
			"long":    strings.Repeat("x", 10000),
		}
		for k, v := range values {
			mustPut(t, s, k, v)
		}
		for k, want := range values {
			if got := mustGet(t, s, k); got != want {
				t.Errorf("Get(%q) = %q, want %q", k, got, want)
			}
		}
	})
	t.Run("Session", func(t *testing.T) {
		s := newStore(t)
		session := `{"access_token": "a.b.c", "refresh_token": "r", "x_unknown": 1}`
		mustPut(t, s, backends.SessionKey, session)
		if got := mustGet(t, s, backends.SessionKey); got != session {
			t.Errorf("Get(SessionKey) = %q, want %q (byte for byte)", got, session)
		}
		keys, err := s.List("")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if k == backends.SessionKey {
				t.Errorf("List(\"\") = %q, lists the session", keys)
			}
		}
		if err := s.Delete(backends.SessionKey); err != nil {
			t.Fatalf("Delete(SessionKey) = %v", err)
		}
		if _, err := s.Get(backends.SessionKey); !errors.Is(err, backends.ErrNotFound) {
			t.Errorf("Get(SessionKey) after Delete error = %v, want ErrNotFound", err)
		}
	})
	t.Run("ListPrefix", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"docker/b", "git/x/2", "git/x/1", "git/y/1", "docker/a"} {
			mustPut(t, s, k, "v")
		}
		got, err := s.List("git/x/")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"git/x/1", "git/x/2"}, got); diff != "" {
			t.Errorf("List(git/x/) mismatch (-want +got):\n%s", diff)
		}
		all, err := s.List("")
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 5 {
			t.Errorf("List(\"\") = %q, want 5 keys", all)
		}
		none, err := s.List("nothing/")
		if err != nil || len(none) != 0 {
			t.Errorf("List(nothing/) = %q, %v, want no keys", none, err)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		mustPut(t, s, "a", "1")
		mustPut(t, s, "b", "2")
		if err := s.Delete("a"); err != nil {
			t.Fatalf("Delete(a) = %v", err)
		}
		if _, err := s.Get("a"); !errors.Is(err, backends.ErrNotFound) {
			t.Errorf("Get(a) after Delete error = %v, want ErrNotFound", err)
		}
		if got := mustGet(t, s, "b"); got != "2" {
			t.Errorf("Get(b) = %q after deleting a, want %q", got, "2")
		}
		if err := s.Delete("a"); !errors.Is(err, backends.ErrNotFound) {
			t.Errorf("second Delete(a) error = %v, want ErrNotFound", err)
		}
	})
	t.Run("DeleteUnlists", func(t *testing.T) {
		s := newStore(t)
		mustPut(t, s, "docker/a", "1")
		mustPut(t, s, "docker/b", "2")
		if err := s.Delete("docker/a"); err != nil {
			t.Fatalf("Delete(docker/a) = %v", err)
		}
		got, err := s.List("docker/")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"docker/b"}, got); diff != "" {
			t.Errorf("List(docker/) after Delete(docker/a) mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("LiteralKeys", func(t *testing.T) {
		// Keys as the helper builds them (path-escaped parts), and
		// characters that a store's own search syntax could treat
		// specially: a prefix matches literally.
		s := newStore(t)
		keys := []string{
			"git/https/example.com/org%2Frepo.git/alice%40example.com",
			"git/https/example.com//b%C3%B6b",
			"docker/https:%2F%2Fregistry.example.com:5000",
			"x*y", "x%y", "x?y", "x_y", "x.y", "x[y]",
		}
		for i, k := range keys {
			mustPut(t, s, k, strconv.Itoa(i))
		}
		for i, k := range keys {
			if got := mustGet(t, s, k); got != strconv.Itoa(i) {
				t.Errorf("Get(%q) = %q, want %q", k, got, strconv.Itoa(i))
			}
		}
		for prefix, want := range map[string][]string{
			"x*":                     {"x*y"},
			"x%":                     {"x%y"},
			"x_":                     {"x_y"},
			"x.":                     {"x.y"},
			"x[":                     {"x[y]"},
			"git/https/example.com/": {keys[1], keys[0]},
		} {
			got, err := s.List(prefix)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("List(%q) mismatch (-want +got):\n%s", prefix, diff)
			}
		}
	})
	t.Run("KeysAreCaseSensitive", func(t *testing.T) {
		// git matches usernames and paths exactly (gitcredentials(7)).
		s := newStore(t)
		mustPut(t, s, "git/https/example.com//Alice", "upper")
		mustPut(t, s, "git/https/example.com//alice", "lower")
		if got := mustGet(t, s, "git/https/example.com//Alice"); got != "upper" {
			t.Errorf("Get(...Alice) = %q, want %q", got, "upper")
		}
		got, err := s.List("git/https/example.com//A")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"git/https/example.com//Alice"}, got); diff != "" {
			t.Errorf("List(...//A) mismatch (-want +got):\n%s", diff)
		}
		if err := s.Delete("git/https/example.com//alice"); err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, s, "git/https/example.com//Alice"); got != "upper" {
			t.Errorf("Get(...Alice) after deleting ...alice = %q, want %q", got, "upper")
		}
	})
	t.Run("SessionNeverListed", func(t *testing.T) {
		s := newStore(t)
		mustPut(t, s, backends.SessionKey, `{"access_token": "a"}`)
		mustPut(t, s, backends.SessionKey+"-other", "v")
		got, err := s.List(backends.SessionKey[:5])
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{backends.SessionKey + "-other"}, got); diff != "" {
			t.Errorf("List(%q) mismatch (-want +got):\n%s", backends.SessionKey[:5], diff)
		}
	})
}

func mustPut(t *testing.T, s backends.Store, k, v string) {
	t.Helper()
	if err := s.Put(k, v); err != nil {
		t.Fatalf("Put(%q) = %v", k, err)
	}
}

func mustGet(t *testing.T, s backends.Store, k string) string {
	t.Helper()
	v, err := s.Get(k)
	if err != nil {
		t.Fatalf("Get(%q) = %v", k, err)
	}
	return v
}
