package wincred

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/backendtest"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keyring"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/winetest"
)

// fake is Credential Manager as CredRead/CredWrite/CredEnumerate behave:
// blobs of at most 2560 bytes, target names compared without case, and
// an enumeration filter that is a prefix followed by "*".
type fake struct {
	mu    sync.Mutex
	creds map[string]fakeCred // by lower-case target
	hang  chan struct{}
}

type fakeCred struct {
	target, user string
	blob         []byte
}

func (f *fake) wait() {
	if f.hang != nil {
		<-f.hang
	}
}

func (f *fake) Read(target string) ([]byte, error) {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.creds[strings.ToLower(target)]
	if !ok {
		return nil, backends.ErrNotFound
	}
	return c.blob, nil
}

func (f *fake) Write(target, user string, blob []byte) error {
	f.wait()
	if len(blob) > 2560 {
		return errors.New("The parameter is incorrect.")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.creds == nil {
		f.creds = map[string]fakeCred{}
	}
	f.creds[strings.ToLower(target)] = fakeCred{target, user, append([]byte(nil), blob...)}
	return nil
}

func (f *fake) Delete(target string) error {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.creds[strings.ToLower(target)]; !ok {
		return backends.ErrNotFound
	}
	delete(f.creds, strings.ToLower(target))
	return nil
}

func (f *fake) List(filter string) ([]string, error) {
	f.wait()
	prefix, ok := strings.CutSuffix(filter, "*")
	if !ok {
		return nil, errors.New("filter without *")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for lower, c := range f.creds {
		if strings.HasPrefix(lower, strings.ToLower(prefix)) {
			out = append(out, c.target)
		}
	}
	return out, nil
}

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backends.Store {
		s, err := Open(Options{API: new(fake)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestTokenSetIsSplit(t *testing.T) {
	f := new(fake)
	s, err := Open(Options{API: f})
	if err != nil {
		t.Fatal(err)
	}
	session := `{"access_token": "` + strings.Repeat("a", 6000) + `"}`
	if err := s.Put(backends.SessionKey, session); err != nil {
		t.Fatalf("Put(%d bytes) = %v", len(session), err)
	}
	if got, err := s.Get(backends.SessionKey); err != nil || got != session {
		t.Fatalf("Get = %d bytes, %v", len(got), err)
	}
	heads, parts := 0, 0
	for _, c := range f.creds {
		switch {
		case strings.HasPrefix(c.target, keyring.Service+":"):
			heads++
			if c.target != keyring.Service+":"+backends.SessionKey || c.user != backends.SessionKey {
				t.Errorf("credential %q (user %q), want target %q", c.target, c.user, keyring.Service+":"+backends.SessionKey)
			}
		case strings.HasPrefix(c.target, keyring.Service+keyring.PartsSuffix+":"):
			parts++
		}
	}
	if heads != 1 || parts != 3 {
		t.Errorf("%d heads and %d parts, want 1 and 3 (6016 bytes / 2560)", heads, parts)
	}
	// Zalando's convention: it reads a value stored whole.
	if err := s.Put("docker/x", "small"); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.Read("prusa-credential-helper:docker/x"); string(b) != "small" {
		t.Errorf("blob under service:key = %q, want the value", b)
	}
}

func TestKeyEncoding(t *testing.T) {
	for key, want := range map[string]string{
		"prusa-session":              "prusa-session",
		"git/https/example.com//bob": "git/https/example.com//bob",
		"git/https/example.com//Bob": "git/https/example.com//^bob",
		"docker/https:%2F%2Fhub":     "docker/https:%2^f%2^fhub",
		"a^b":                        "a^^b",
		"Ünïcödé ß":                  "^{dc}nïcödé ß",
		"^{41}":                      "^^{41}",
	} {
		if got := encodeKey(key); got != want {
			t.Errorf("encodeKey(%q) = %q, want %q", key, got, want)
		}
		if back, ok := decodeKey(want); !ok || back != key {
			t.Errorf("decodeKey(%q) = %q, %v; want %q", want, back, ok, key)
		}
		if strings.ToLower(want) != want && !strings.ContainsRune(want, 'ß') {
			t.Errorf("encodeKey(%q) = %q has capitals", key, want)
		}
	}
	for _, bad := range []string{"A", "a^", "^Q", "^{zz}", "^{41"} {
		if got, ok := decodeKey(bad); ok {
			t.Errorf("decodeKey(%q) = %q, want it refused", bad, got)
		}
	}
}

func FuzzKeyEncoding(f *testing.F) {
	for _, seed := range []string{"prusa-session", "Git/HTTPS/Ä", "^{}^", "ǅ K Ω"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if !utf8.ValidString(key) {
			return
		}
		enc := encodeKey(key)
		if back, ok := decodeKey(enc); !ok || back != key {
			t.Fatalf("decodeKey(encodeKey(%q) = %q) = %q, %v", key, enc, back, ok)
		}
		// No two keys that differ only in case share a target name.
		if other := strings.ToUpper(key); other != key && utf8.ValidString(other) {
			if strings.EqualFold(encodeKey(other), enc) {
				t.Fatalf("encodeKey(%q) and encodeKey(%q) differ only in case", key, other)
			}
		}
	})
}

func TestLongKey(t *testing.T) {
	s, err := Open(Options{API: new(fake)})
	if err != nil {
		t.Fatal(err)
	}
	long := "git/" + strings.Repeat("ü", 600) // over the user-name limit
	if err := s.Put(long, "v"); err != nil {
		t.Errorf("Put under a 1200-byte key = %v", err)
	}
	if err := s.Put(strings.Repeat("k", 40000), "v"); !errors.Is(err, keyring.ErrBadKey) {
		t.Errorf("Put under a key over the target-name limit error = %v, want ErrBadKey", err)
	}
}

func TestTimeout(t *testing.T) {
	f := &fake{hang: make(chan struct{})}
	defer close(f.hang)
	s, err := Open(Options{API: f, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(backends.SessionKey)
	var te *keyring.TimeoutError
	if !errors.As(err, &te) || hint.Of(err) == "" {
		t.Errorf("Get from a hung Credential Manager error = %v, want a TimeoutError with a hint", err)
	}
}

func TestSystemAPI(t *testing.T) {
	_, err := Open(Options{})
	if runtime.GOOS != "windows" && !errors.Is(err, backends.ErrUnavailable) {
		t.Errorf("Open on %s error = %v, want ErrUnavailable", runtime.GOOS, err)
	}
}

// systemStore opens the real Credential Manager under a service name of
// its own, and removes what the test leaves there. Off Windows, and on
// Windows unless PRUSA_WINCRED_TEST=1 (the user's own store), it skips;
// under Wine (scripts/wine-test.sh) the store is the Wine prefix's.
func systemStore(t *testing.T) backends.Store {
	t.Helper()
	if runtime.GOOS != "windows" {
		t.Skip("Credential Manager exists only on Windows")
	}
	if !winetest.Under() && os.Getenv("PRUSA_WINCRED_TEST") != "1" {
		t.Skip("writes to this user's Credential Manager; set PRUSA_WINCRED_TEST=1 to run")
	}
	service := fmt.Sprintf("prusa-credential-helper-test-%x", rand.Uint64())
	api, err := systemAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		targets, err := api.List(service + "*")
		if err != nil {
			t.Errorf("listing what the test left: %v", err)
		}
		for _, target := range targets {
			if err := api.Delete(target); err != nil {
				t.Errorf("removing %q: %v", target, err)
			}
		}
	})
	s, err := Open(Options{Service: service})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConformanceSystem runs the conformance table against the real
// Credential Manager API.
func TestConformanceSystem(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backends.Store { return systemStore(t) })
}

// TestSystemLimits checks the real API at the limits the fake encodes:
// a value over the blob limit is split (and a blob over it refused),
// and a key far over the 513-character user-name limit is stored.
func TestSystemLimits(t *testing.T) {
	s := systemStore(t)
	session := `{"access_token": "` + strings.Repeat("a", 6000) + `"}`
	if err := s.Put(backends.SessionKey, session); err != nil {
		t.Fatalf("Put(%d bytes) = %v", len(session), err)
	}
	if got, err := s.Get(backends.SessionKey); err != nil || got != session {
		t.Fatalf("Get = %d bytes, %v; want the %d bytes stored", len(got), err, len(session))
	}
	t.Run("blob limit", func(t *testing.T) {
		winetest.Skip(t, winetest.BlobLimit)
		api, _ := systemAPI()
		target := fmt.Sprintf("prusa-credential-helper-test-%x:over", rand.Uint64())
		if err := api.Write(target, "", make([]byte, MaxBlob+1)); err == nil {
			api.Delete(target)
			t.Errorf("CredWrite took a %d-byte blob; the limit is %d", MaxBlob+1, MaxBlob)
		}
	})
	t.Run("long key", func(t *testing.T) {
		winetest.Skip(t, winetest.TargetNames)
		long := "git/" + strings.Repeat("ü", 600)
		if err := s.Put(long, "v"); err != nil {
			t.Fatalf("Put under a %d-byte key = %v", len(long), err)
		}
		if got, err := s.Get(long); err != nil || got != "v" {
			t.Errorf("Get under a %d-byte key = %q, %v", len(long), got, err)
		}
	})
	// A key that fits Wine's target names too.
	key := "git/https/example.com/" + strings.Repeat("r", 150)
	if err := s.Put(key, "v"); err != nil {
		t.Fatalf("Put under a %d-byte key = %v", len(key), err)
	}
	if keys, err := s.List("git/"); err != nil || len(keys) != 1 || keys[0] != key {
		t.Errorf("List(git/) = %q, %v; want the key", keys, err)
	}
}
