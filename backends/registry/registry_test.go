package registry

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keyring"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

func TestOpen(t *testing.T) {
	env := func(k string) string {
		if k == "HOME" {
			return "/home/u"
		}
		return ""
	}
	tests := []struct {
		name            string
		wantErr         bool
		wantUnavailable bool
	}{
		{"", false, false},
		{"file", false, false},
		{"nope", true, false},
		{"keychain", true, true},
		{"wincred", true, true},
		{"FILE", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Open(tt.name, Options{Getenv: env, GOOS: "linux"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Open(%q) error = %v, wantErr %v", tt.name, err, tt.wantErr)
			}
			if err == nil {
				if _, ok := b.Store.(*file.Store); !ok || b.Name != "file" {
					t.Errorf("Open(%q) = %s %T, want the file backend", tt.name, b.Name, b.Store)
				}
				want := "file (" + filepath.FromSlash("/home/u/.config/prusa-connect/prusa_tokens.json") + ")"
				if b.String() != want || b.LockFile != filepath.FromSlash("/home/u/.config/prusa-credential-helper/session.lock") {
					t.Errorf("Open(%q) describes itself as %q, lock %q", tt.name, b.String(), b.LockFile)
				}
				return
			}
			if errors.Is(err, backends.ErrUnavailable) != tt.wantUnavailable {
				t.Errorf("Open(%q) error = %v, ErrUnavailable = %v, want %v", tt.name, err, !tt.wantUnavailable, tt.wantUnavailable)
			}
			var re *Error
			if !errors.As(err, &re) || !strings.Contains(re.Hint(), "file") {
				t.Errorf("Open(%q) error %v has no hint listing the available backends", tt.name, err)
			}
		})
	}
}

func TestOpenWithoutConfigDir(t *testing.T) {
	for goos, want := range map[string]string{"linux": "set HOME (or XDG_CONFIG_HOME)", "darwin": "set HOME", "windows": "set APPDATA and LOCALAPPDATA"} {
		_, err := Open("file", Options{GOOS: goos})
		if err == nil || !strings.Contains(err.Error(), "defined") {
			t.Errorf("GOOS=%s: Open(file) with an empty environment error = %v, want one naming the variable", goos, err)
		}
		if h := hint.Of(err); !strings.HasPrefix(h, want+" in the environment") {
			t.Errorf("GOOS=%s: hint = %q, want it to start %q", goos, h, want)
		}
	}
}

func TestNames(t *testing.T) {
	osStore := map[string]string{"darwin": "keychain", "windows": "wincred", "linux": "secret-service", "freebsd": "secret-service"}
	for _, goos := range []string{"linux", "darwin", "windows", "freebsd", "plan9"} {
		want := []string{"file"}
		if goos == runtime.GOOS && osStore[goos] != "" {
			// The OS stores of other systems are not in this binary.
			want = []string{osStore[goos], "file"}
		}
		if diff := cmp.Diff(want, Names(goos)); diff != "" {
			t.Errorf("Names(%q) (-want +got):\n%s", goos, diff)
		}
	}
}

func TestWhy(t *testing.T) {
	_, err := Open("keychain", Options{GOOS: "windows"})
	if err == nil || !strings.Contains(err.Error(), "exists only on darwin; this is windows") {
		t.Errorf("Open(keychain) on windows error = %v, want one that says it is macOS only", err)
	}
	other := "darwin"
	if runtime.GOOS == "darwin" {
		other = "linux"
	}
	store := map[string]string{"darwin": "keychain", "linux": "secret-service"}[other]
	_, err = Open(store, Options{GOOS: other})
	if err == nil || !strings.Contains(err.Error(), "built for "+runtime.GOOS) {
		t.Errorf("Open(%s) with GOOS %s in a %s binary error = %v, want one that names the build", store, other, runtime.GOOS, err)
	}
}

// bus is a unix socket that counts the connections made to it and closes
// each at once (or, when hang is set, keeps it open and silent).
type bus struct {
	addr  string
	conns atomic.Int32
}

func newBus(t *testing.T, hang bool) *bus {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	b := &bus{addr: "unix:path=" + sock}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			b.conns.Add(1)
			if hang {
				t.Cleanup(func() { c.Close() })
			} else {
				c.Close()
			}
		}
	}()
	return b
}

func envWith(b *bus, home string) func(string) string {
	return func(k string) string {
		switch k {
		case "DBUS_SESSION_BUS_ADDRESS":
			return b.addr
		case "HOME":
			return home
		}
		return ""
	}
}

// TestFileConnectsToNothing: listing backends and opening the file touch
// no D-Bus, even with a session bus in the environment; opening the
// Secret Service does (the control that shows the test can fail).
func TestFileConnectsToNothing(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service is built in on Linux")
	}
	b := newBus(t, false)
	opts := Options{Getenv: envWith(b, t.TempDir())}
	Names("")
	for _, name := range []string{"", "file"} {
		s, err := Open(name, opts)
		if err != nil {
			t.Fatal(err)
		}
		s.Get(backends.SessionKey)
		s.List("")
	}
	if n := b.conns.Load(); n != 0 {
		t.Fatalf("listing and using the file backend made %d D-Bus connections, want 0", n)
	}

	_, err := Open("secret-service", opts)
	var re *Error
	if !errors.As(err, &re) || !errors.Is(err, backends.ErrUnavailable) || !strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("Open(secret-service) on a bus that hangs up error = %v, want a registry *Error, ErrUnavailable, saying it cannot connect", err)
	}
	if n := b.conns.Load(); n != 1 {
		t.Errorf("Open(secret-service) made %d D-Bus connections, want 1", n)
	}
}

func TestAuto(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("auto on Linux probes the Secret Service")
	}
	home := t.TempDir()
	t.Run("no bus means the file", func(t *testing.T) {
		s, err := Open(Auto, Options{Getenv: func(k string) string {
			return map[string]string{"HOME": home, "XDG_RUNTIME_DIR": t.TempDir()}[k]
		}})
		if err != nil || s.Name != "file" {
			t.Fatalf("Open(auto) = %v, %v; want the file", s, err)
		}
		if _, ok := s.Store.(*file.Store); !ok {
			t.Errorf("Open(auto) = %T, want *file.Store", s.Store)
		}
	})
	t.Run("a dead bus means the file", func(t *testing.T) {
		b := newBus(t, false)
		s, err := Open(Auto, Options{Getenv: envWith(b, home)})
		if err != nil || s.Name != "file" {
			t.Errorf("Open(auto) = %v, %v; want the file", s, err)
		}
		if b.conns.Load() != 1 {
			t.Errorf("auto made %d connections to probe, want 1", b.conns.Load())
		}
	})
	t.Run("a hung bus is an error and not the file", func(t *testing.T) {
		b := newBus(t, true)
		start := time.Now()
		_, err := Open(Auto, Options{Getenv: envWith(b, home), Timeout: 200 * time.Millisecond})
		var te *keyring.TimeoutError
		var re *Error
		if !errors.As(err, &te) || !errors.As(err, &re) || re.Name != "secret-service" {
			t.Errorf("Open(auto) with a hung bus = %v; want a timeout of secret-service", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Open(auto) took %v with a 200ms timeout", d)
		}
		if !strings.Contains((&Error{Err: err, Available: []string{"file"}}).Hint(), "unlock") {
			t.Errorf("hint of %v does not pass on the store's hint", err)
		}
	})
	t.Run("a running Secret Service", func(t *testing.T) {
		if os.Getenv("PRUSA_SECRET_SERVICE_TEST") != "1" {
			if os.Getenv("PRUSA_REQUIRE_SECRET_SERVICE") == "1" {
				t.Fatal("a private Secret Service is required (PRUSA_REQUIRE_SECRET_SERVICE=1): run under scripts/secret-service.sh")
			}
			t.Skip("no private Secret Service: run under scripts/secret-service.sh")
		}
		s, err := Open(Auto, Options{Getenv: os.Getenv})
		if err != nil || s.Name != "secret-service" {
			t.Fatalf("Open(auto) = %v, %v; want secret-service", s, err)
		}
		if s.Private() != nil || s.WritesDir() != "" {
			t.Errorf("the Secret Service backend names files of its own: %v, %q", s.Private(), s.WritesDir())
		}
		if closer, ok := s.Store.(interface{ Close() error }); ok {
			closer.Close()
		}
	})
}
