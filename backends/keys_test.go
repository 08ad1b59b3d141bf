package backends

import "testing"

// TestKeys checks the key layout that the file backend's files depend on,
// and that every key splits back into the parts it was built from.
func TestKeys(t *testing.T) {
	if got, want := GitKey("https", "example.com", "org/repo.git", "alice@example.com"),
		"git/https/example.com/org%2Frepo.git/alice@example.com"; got != want {
		t.Errorf("GitKey = %q, want %q", got, want)
	}
	if got, want := DockerKey("https://r.example.com:5000"), "docker/https:%2F%2Fr.example.com:5000"; got != want {
		t.Errorf("DockerKey = %q, want %q", got, want)
	}
	for _, tt := range []struct{ path, user string }{{"", "bob"}, {"a/b", "b/ö%"}, {"", ""}} {
		key := GitKey("https", "h.example", tt.path, tt.user)
		if p, u, ok := ParseGitKey(key, "https", "h.example"); !ok || p != tt.path || u != tt.user {
			t.Errorf("ParseGitKey(%q) = %q, %q, %v, want %q, %q", key, p, u, ok, tt.path, tt.user)
		}
		if _, _, ok := ParseGitKey(key, "https", "other.example"); ok {
			t.Errorf("ParseGitKey(%q) for another host: ok", key)
		}
	}
	for _, bad := range []string{"git/https/h.example/nouser", "git/https/h.example/%zz/u", "docker/x"} {
		if _, _, ok := ParseGitKey(bad, "https", "h.example"); ok {
			t.Errorf("ParseGitKey(%q): ok", bad)
		}
	}
	if u, ok := ParseDockerKey(DockerKey("https://r/x")); !ok || u != "https://r/x" {
		t.Errorf("ParseDockerKey = %q, %v", u, ok)
	}
	for _, bad := range []string{"git/https/h/p/u", "docker/%zz", "dock"} {
		if _, ok := ParseDockerKey(bad); ok {
			t.Errorf("ParseDockerKey(%q): ok", bad)
		}
	}
	for key, want := range map[string]struct {
		n    int
		kind string
	}{"git/https/h/p/u": {3, "git"}, "docker/x": {2, "docker"}, "prusa-session": {1, "other"}, "gi": {1, "other"}} {
		if n, kind := KeyScope(key); n != want.n || kind != want.kind {
			t.Errorf("KeyScope(%q) = %d, %q, want %d, %q", key, n, kind, want.n, want.kind)
		}
	}
}
