package keychain

import (
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/backendtest"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keyring"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// fake is the Keychain as zalando/go-keyring behaves on macOS, including
// the 4096-byte limit of the command it writes to `security -i`.
type fake struct {
	mu    sync.Mutex
	items map[[2]string]string
	sets  int
	// fail, when set, is returned by every call.
	fail error
	// lost makes Set report success without storing, as `security -i`
	// may.
	lost bool
	// hang, when set, blocks every call until it is closed.
	hang chan struct{}
}

var shellUnsafeZalando = regexp.MustCompile(`[^\w@%+=:,./-]`)

// quote is zalando's internal/shellescape.Quote.
func quote(s string) string {
	if s == "" {
		return "''"
	}
	if shellUnsafeZalando.MatchString(s) {
		return "'" + strings.ReplaceAll(s, "'", "'\"'\"'") + "'"
	}
	return s
}

var errTooBig = errors.New("data passed to Set was too big")

func (f *fake) wait() error {
	if f.hang != nil {
		<-f.hang
	}
	return f.fail
}

func (f *fake) Get(service, account string) (string, error) {
	if err := f.wait(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[[2]string{service, account}]
	if !ok {
		return "", backends.ErrNotFound
	}
	return v, nil
}

func (f *fake) Set(service, account, secret string) error {
	if err := f.wait(); err != nil {
		return err
	}
	password := "go-keyring-base64:" + base64.StdEncoding.EncodeToString([]byte(secret))
	command := fmt.Sprintf("add-generic-password -U -s %s -a %s -w %s\n", quote(service), quote(account), quote(password))
	if len(command) > 4096 {
		return errTooBig
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets++
	if f.lost {
		return nil
	}
	if f.items == nil {
		f.items = map[[2]string]string{}
	}
	f.items[[2]string{service, account}] = secret
	return nil
}

func (f *fake) Delete(service, account string) error {
	if err := f.wait(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.items[[2]string{service, account}]; !ok {
		return backends.ErrNotFound
	}
	delete(f.items, [2]string{service, account})
	return nil
}

func (f *fake) services() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := map[string]int{}
	for k := range f.items {
		n[k[0]]++
	}
	return n
}

func openFake(t *testing.T, f *fake, lockFile string) *Store {
	t.Helper()
	s, err := Open(Options{API: f, LockFile: lockFile, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backends.Store {
		return openFake(t, new(fake), filepath.Join(t.TempDir(), "keychain.lock"))
	})
}

func TestTokenSetIsSplit(t *testing.T) {
	f := new(fake)
	s := openFake(t, f, "")
	session := `{"access_token": "` + strings.Repeat("a", 2500) + `", "refresh_token": "` + strings.Repeat("r", 2500) + `", "id_token": "` + strings.Repeat("i", 1500) + `"}`
	if err := s.Put(backends.SessionKey, session); err != nil {
		t.Fatalf("Put(%d-byte session) = %v", len(session), err)
	}
	if got, err := s.Get(backends.SessionKey); err != nil || got != session {
		t.Fatalf("Get = %d bytes, %v", len(got), err)
	}
	n := f.services()
	if n[keyring.Service] != 1 || n[keyring.Service+keyring.PartsSuffix] != 3 {
		t.Errorf("items per service = %v, want the head and 3 parts", n)
	}
	if n[keyring.Service+keyring.IndexSuffix] != 0 {
		t.Errorf("the session was indexed: %v", n)
	}
}

// TestLongKeys checks that the value room shrinks as the account grows,
// quoting included, so zalando never refuses a part as too big.
func TestLongKeys(t *testing.T) {
	s := openFake(t, new(fake), "")
	for _, key := range []string{
		"git/https/example.com/" + strings.Repeat("p", 900) + "/u",
		"git/https/example.com/" + strings.Repeat("'", 200) + "/u",
		"docker/has space",
	} {
		v := strings.Repeat("v", 5000)
		if err := s.Put(key, v); err != nil {
			t.Fatalf("Put under a %d-byte key = %v", len(key), err)
		}
		if got, err := s.Get(key); err != nil || got != v {
			t.Errorf("Get under a %d-byte key = %d bytes, %v", len(key), len(got), err)
		}
	}
	err := s.Put(strings.Repeat("k", 2000), "v")
	if !errors.Is(err, keyring.ErrBadKey) {
		t.Errorf("Put under a 2000-byte key error = %v, want ErrBadKey", err)
	}
	if err := s.Put("a\nb", "v"); !errors.Is(err, keyring.ErrBadKey) {
		t.Errorf("Put under a key with a newline error = %v, want ErrBadKey (it would end the security -i command)", err)
	}
}

type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
func (e exitError) ExitCode() int { return int(e) }

func TestLocked(t *testing.T) {
	f := &fake{fail: exitError(36)}
	s := openFake(t, f, "")
	for name, err := range map[string]error{
		"Get":    func() error { _, err := s.Get(backends.SessionKey); return err }(),
		"Put":    s.Put("k", "v"),
		"Delete": s.Delete("k"),
		"List":   func() error { _, err := s.List(""); return err }(),
	} {
		var le *keyring.LockedError
		if !errors.As(err, &le) {
			t.Errorf("%s on a locked keychain error = %v, want a LockedError", name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "the macOS Keychain is locked") || !strings.Contains(hint.Of(err), "security unlock-keychain") {
			t.Errorf("%s error = %q, hint %q; want it to say the keychain is locked and how to unlock it", name, err, hint.Of(err))
		}
	}
}

func TestOtherErrors(t *testing.T) {
	tests := []struct {
		err  error
		want func(error) bool
	}{
		{exitError(51), func(err error) bool { var le *keyring.LockedError; return errors.As(err, &le) }},
		{exitError(50), func(err error) bool { return errors.Is(err, backends.ErrUnavailable) }},
		{exitError(1), func(err error) bool { return strings.Contains(err.Error(), "exit status 1") }},
	}
	for _, tt := range tests {
		s := openFake(t, &fake{fail: tt.err}, "")
		if _, err := s.Get("k"); !tt.want(err) {
			t.Errorf("Get with security failing %v: error = %v", tt.err, err)
		}
	}
}

func TestLostWriteIsAnError(t *testing.T) {
	s := openFake(t, &fake{lost: true}, "")
	if err := s.Put(backends.SessionKey, "v"); err == nil {
		t.Error("Put that security did not store succeeded")
	}
}

func TestTimeout(t *testing.T) {
	f := &fake{hang: make(chan struct{})}
	defer close(f.hang)
	s, err := Open(Options{API: f, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Get(backends.SessionKey)
	var te *keyring.TimeoutError
	if !errors.As(err, &te) || hint.Of(err) == "" {
		t.Fatalf("Get from a hung keychain error = %v, want a TimeoutError with a hint", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Get took %v with a 100ms timeout", d)
	}
}

// TestConcurrentIndex has two stores (two helper processes) add keys at
// once: the index lock keeps every key.
func TestConcurrentIndex(t *testing.T) {
	f := new(fake)
	lock := filepath.Join(t.TempDir(), "keychain.lock")
	a, b := openFake(t, f, lock), openFake(t, f, lock)
	var wg sync.WaitGroup
	var want []string
	for i := 0; i < 20; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		key := fmt.Sprintf("git/k%02d", i)
		want = append(want, key)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Put(key, "v"); err != nil {
				t.Errorf("Put(%s) = %v", key, err)
			}
		}()
	}
	wg.Wait()
	got, err := a.List("git/")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List after concurrent Puts (-want +got):\n%s", diff)
	}
}

func TestIndexHeals(t *testing.T) {
	f := new(fake)
	s := openFake(t, f, "")
	// A Put that fails leaves no listed key behind.
	f.fail = exitError(1)
	_ = s.Put("git/a", "v")
	f.fail = nil
	if keys, _ := s.List(""); len(keys) != 0 {
		t.Errorf("List after a failed Put = %q, want nothing", keys)
	}
	// A key listed without an item (a crash after the index write) is
	// unlisted by Delete, which reports it missing.
	if err := s.Put("git/b", "v"); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete(keyring.Service, "git/b"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("git/b"); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("Delete of a listed key without an item error = %v, want ErrNotFound", err)
	}
	if keys, _ := s.List(""); len(keys) != 0 {
		t.Errorf("List after Delete = %q, want nothing", keys)
	}
}

func TestSystemAPI(t *testing.T) {
	_, err := Open(Options{})
	if runtime.GOOS != "darwin" && !errors.Is(err, backends.ErrUnavailable) {
		t.Errorf("Open on %s error = %v, want ErrUnavailable", runtime.GOOS, err)
	}
}
