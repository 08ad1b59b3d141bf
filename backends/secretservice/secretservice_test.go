package secretservice

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/backendtest"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/chunked"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keyring"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/winetest"
)

// require skips a test whose real component is missing, unless
// PRUSA_REQUIRE_SECRET_SERVICE=1 (set by CI) makes that a failure.
func require(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("PRUSA_REQUIRE_SECRET_SERVICE") == "1" {
		t.Fatalf("%s is required (PRUSA_REQUIRE_SECRET_SERVICE=1) but missing: %v", what, err)
	}
	t.Skipf("%s not available: %v", what, err)
}

// realService returns options for the private Secret Service that
// scripts/secret-service.sh starts. Tests never write to a desktop's own
// keyring: without PRUSA_SECRET_SERVICE_TEST=1 they skip.
func realService(t *testing.T) Options {
	t.Helper()
	if os.Getenv("PRUSA_SECRET_SERVICE_TEST") != "1" {
		require(t, "a private Secret Service", errors.New("run the tests under scripts/secret-service.sh"))
	}
	return Options{Getenv: os.Getenv, Timeout: 5 * time.Second}
}

// uniqueService is a service attribute value of its own for one test,
// so that tests start empty and do not see each other's items.
func uniqueService(t *testing.T) string {
	var b [6]byte
	rand.Read(b[:])
	return "prusa-credential-helper-test-" + hex.EncodeToString(b[:])
}

func open(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v (hint: %s)", err, hint.Of(err))
	}
	t.Cleanup(func() {
		// Leave the collection as it was.
		for _, svc := range []string{opts.Service, opts.Service + keyring.PartsSuffix} {
			it := &items{s: s, service: svc}
			if found, err := it.search(map[string]string{"service": svc}); err == nil {
				for _, p := range found {
					it.delete([]dbus.ObjectPath{p}, "")
				}
			}
		}
		s.Close()
	})
	return s
}

func TestConformance(t *testing.T) {
	opts := realService(t)
	for name, max := range map[string]int{"whole": 0, "split": 1024} {
		t.Run(name, func(t *testing.T) {
			backendtest.Run(t, func(t *testing.T) backends.Store {
				o := opts
				o.Service, o.MaxItemLen = uniqueService(t), max
				return open(t, o)
			})
		})
	}
}

func TestLargeValues(t *testing.T) {
	opts := realService(t)
	value := strings.Repeat("0123456789abcdef", 20000/16) + "ä✓" // 20 KB and a few multi-byte characters
	for name, tc := range map[string]struct{ max, parts int }{
		"whole": {0, 0},
		"split": {4096, 5},
	} {
		t.Run(name, func(t *testing.T) {
			o := opts
			o.Service, o.MaxItemLen = uniqueService(t), tc.max
			s := open(t, o)
			if err := s.Put(backends.SessionKey, value); err != nil {
				t.Fatalf("Put(20 KB) = %v", err)
			}
			if got, err := s.Get(backends.SessionKey); err != nil || got != value {
				t.Fatalf("Get = %d bytes, %v; want the %d bytes stored", len(got), err, len(value))
			}
			// The items really are in the Secret Service, in parts.
			parts := &items{s: s, service: o.Service + keyring.PartsSuffix}
			found, err := parts.search(map[string]string{"service": parts.service})
			if err != nil {
				t.Fatal(err)
			}
			if len(found) != tc.parts {
				t.Errorf("%d part items in the collection, want %d", len(found), tc.parts)
			}
			head, err := (&items{s: s, service: o.Service}).Get(backends.SessionKey)
			if err != nil {
				t.Fatal(err)
			}
			if isHead := strings.HasPrefix(head, chunked.Marker); isHead != (tc.parts > 0) {
				t.Errorf("item under the key starts %.40q; head = %v, want %v", head, isHead, tc.parts > 0)
			}
		})
	}
}

// TestSecretTool checks that other programs find our items by the
// documented attributes, and that we read theirs.
func TestSecretTool(t *testing.T) {
	opts := realService(t)
	_, err := exec.LookPath("secret-tool")
	require(t, "secret-tool (libsecret-tools)", err)
	opts.Service = keyring.Service // the real name, as users will look it up
	s := open(t, opts)
	session := `{"access_token": "a.b.c", "refresh_token": "r"}`
	if err := s.Put(backends.SessionKey, session); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("secret-tool", "lookup", "service", keyring.Service, "username", backends.SessionKey).Output()
	if err != nil {
		t.Fatalf("secret-tool lookup: %v", err)
	}
	if string(out) != session {
		t.Errorf("secret-tool lookup = %q, want %q", out, session)
	}

	store := exec.Command("secret-tool", "store", "--label=test", "service", keyring.Service, "username", "git/https/example.com//bob")
	store.Stdin = strings.NewReader("from secret-tool")
	if out, err := store.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v\n%s", err, out)
	}
	if got, err := s.Get("git/https/example.com//bob"); err != nil || got != "from secret-tool" {
		t.Errorf("Get of an item stored by secret-tool = %q, %v", got, err)
	}
	keys, err := s.List("git/")
	if err != nil || len(keys) != 1 {
		t.Errorf("List(git/) = %q, %v; want the item secret-tool stored", keys, err)
	}
}

// TestLocked locks a collection of its own (made with gnome-keyring's
// interface for tests and tools, which takes the password directly) and
// checks the errors: Open names the collection and hints at unlocking,
// and a store opened before the lock fails the same way.
func TestLocked(t *testing.T) {
	opts := realService(t)
	opts.Service = uniqueService(t)
	s := open(t, opts)
	internal := s.conn.Object(busName, servicePath)
	const gk = "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"
	password := secret{Session: s.session, Parameters: []byte{}, Value: []byte("pw"), ContentType: "text/plain"}
	label := "locktest" + uniqueService(t)[len("prusa-credential-helper-test-"):]
	props := map[string]dbus.Variant{ifCollection + ".Label": dbus.MakeVariant(label)}
	var coll dbus.ObjectPath
	if err := internal.Call(gk+".CreateWithMasterPassword", 0, props, password).Store(&coll); err != nil {
		require(t, "gnome-keyring's "+gk, err)
	}
	o := opts
	o.Collection = collName(coll)
	locked := open(t, o)
	if err := locked.Put("k", "v"); err != nil {
		t.Fatalf("Put while unlocked = %v", err)
	}
	var done []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := internal.Call(ifService+".Lock", 0, []dbus.ObjectPath{coll}).Store(&done, &prompt); err != nil || prompt != noPrompt {
		t.Fatalf("Lock = %v, prompt %s", err, prompt)
	}

	checkLocked := func(what string, err error) {
		t.Helper()
		var le *keyring.LockedError
		if !errors.As(err, &le) {
			t.Fatalf("%s on a locked collection error = %v, want a LockedError", what, err)
		}
		if want := `the Secret Service collection "` + collName(coll) + `" is locked`; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s error = %q, want it to start %q", what, err, want)
		}
		t.Logf("%s: error: %v; hint: %s", what, err, hint.Of(err))
		if h := hint.Of(err); !strings.Contains(h, "unlock") {
			t.Errorf("%s hint = %q, want one that says to unlock", what, h)
		}
	}
	_, err := Open(o)
	checkLocked("Open", err)
	_, err = locked.Get("k")
	checkLocked("Get", err)
	checkLocked("Put", locked.Put("k", "w"))

	// Unlocked again, the open store works.
	if err := internal.Call(gk+".UnlockWithMasterPassword", 0, coll, password).Err; err != nil {
		t.Fatal(err)
	}
	if got, err := locked.Get("k"); err != nil || got != "v" {
		t.Errorf("Get after unlocking = %q, %v", got, err)
	}
}

func collName(p dbus.ObjectPath) string { return filepath.Base(string(p)) }

func TestNoBus(t *testing.T) {
	_, err := Open(Options{Getenv: func(string) string { return "" }})
	if !errors.Is(err, backends.ErrUnavailable) || !strings.Contains(err.Error(), "no D-Bus session bus") {
		t.Errorf("Open without a bus error = %v, want an ErrUnavailable that says there is no bus", err)
	}
	dir := t.TempDir()
	env := map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + filepath.Join(dir, "nothing-here")}
	_, err = Open(Options{Getenv: func(k string) string { return env[k] }})
	if !errors.Is(err, backends.ErrUnavailable) || !strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("Open with a dead bus address error = %v, want an ErrUnavailable that says it cannot connect", err)
	}
}

// bus starts a private dbus-daemon that knows no activatable services
// except the ones in servicesDir, and returns its address.
func bus(t *testing.T, servicesDir string) string {
	t.Helper()
	_, err := exec.LookPath("dbus-daemon")
	require(t, "dbus-daemon (Debian package dbus)", err)
	dir := t.TempDir()
	services := ""
	if servicesDir != "" {
		services = "<servicedir>" + servicesDir + "</servicedir>"
	}
	config := `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=` + filepath.Join(dir, "bus") + `</listen>
  <auth>EXTERNAL</auth>
  ` + services + `
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
	if err := os.WriteFile(filepath.Join(dir, "bus.conf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+filepath.Join(dir, "bus.conf"), "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// The daemon prints its address once it listens.
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return strings.TrimSpace(addr)
}

func TestNoSecretService(t *testing.T) {
	addr := bus(t, "")
	for _, runningOnly := range []bool{false, true} {
		_, err := Open(Options{Address: addr, RunningOnly: runningOnly})
		if !errors.Is(err, backends.ErrUnavailable) || !strings.Contains(err.Error(), "no Secret Service") {
			t.Errorf("Open(RunningOnly=%v) on a bus without a Secret Service error = %v, want an ErrUnavailable that says so", runningOnly, err)
		}
		if hint.Of(err) == "" {
			t.Errorf("error %v has no hint", err)
		}
	}
}

func TestSecretServiceFailsToStart(t *testing.T) {
	services := t.TempDir()
	file := "[D-BUS Service]\nName=" + busName + "\nExec=/bin/false\n"
	if err := os.WriteFile(filepath.Join(services, busName+".service"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := bus(t, services)
	_, err := Open(Options{Address: addr})
	if !errors.Is(err, backends.ErrUnavailable) {
		t.Errorf("Open when activation fails error = %v, want ErrUnavailable", err)
	}
	// With RunningOnly it does not even try to start it.
	_, err = Open(Options{Address: addr, RunningOnly: true})
	if !errors.Is(err, backends.ErrUnavailable) || !strings.Contains(err.Error(), "is running") {
		t.Errorf("Open(RunningOnly) error = %v, want one that says none is running", err)
	}
}

// TestHungService owns org.freedesktop.secrets on a private bus and never
// answers: Open must give up after the timeout with a TimeoutError.
func TestHungService(t *testing.T) {
	addr := bus(t, "")
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	release := make(chan struct{})
	defer close(release)
	hang := func(string) (dbus.ObjectPath, *dbus.Error) { <-release; return noPrompt, nil }
	if err := conn.ExportMethodTable(map[string]any{"ReadAlias": hang}, servicePath, ifService); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(busName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("RequestName = %v, %v", reply, err)
	}
	start := time.Now()
	_, err = Open(Options{Address: addr, Timeout: 300 * time.Millisecond})
	var te *keyring.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("Open of a hung service error = %v, want a TimeoutError", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %v with a 300ms timeout", d)
	}
	if hint.Of(err) == "" {
		t.Errorf("error %v has no hint", err)
	}
}

// TestHungBus is a socket that accepts and never speaks: connecting must
// give up after the timeout.
func TestHungBus(t *testing.T) {
	winetest.Skip(t, winetest.UnixSockets)
	sock := filepath.Join(t.TempDir(), "bus")
	l, err := listenUnix(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	start := time.Now()
	_, err = Open(Options{Address: "unix:path=" + sock, Timeout: 300 * time.Millisecond})
	var te *keyring.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("Open on a silent socket error = %v, want a TimeoutError", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %v with a 300ms timeout", d)
	}
}

func TestSessionBusAddress(t *testing.T) {
	winetest.Skip(t, winetest.UnixSockets)
	dir := filepath.Join(t.TempDir(), "a, b=c;d%")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	escaped := strings.NewReplacer(",", "%2c", " ", "%20", "=", "%3d", ";", "%3b", "%", "%25").Replace(dir)
	l, err := listenUnix(filepath.Join(dir, "bus"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"from the variable", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x", "XDG_RUNTIME_DIR": dir}, "unix:path=/x"},
		{"runtime dir socket", map[string]string{"XDG_RUNTIME_DIR": dir}, "unix:path=" + escaped + "/bus"},
		{"autolaunch is not an address", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:", "XDG_RUNTIME_DIR": dir}, "unix:path=" + escaped + "/bus"},
		{"nothing", map[string]string{"XDG_RUNTIME_DIR": t.TempDir()}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SessionBusAddress(func(k string) string { return tt.env[k] })
			if got != tt.want || (err != nil) != (tt.want == "") {
				t.Errorf("SessionBusAddress = %q, %v; want %q", got, err, tt.want)
			}
			if tt.name == "runtime dir socket" {
				// godbus reads the escaped path back: it connects (to a
				// socket that never answers).
				var te *keyring.TimeoutError
				if _, err := Open(Options{Address: got, Timeout: 200 * time.Millisecond}); !errors.As(err, &te) {
					t.Errorf("Open(%q) error = %v, want it to reach the socket and time out there", got, err)
				}
			}
		})
	}
}

func listenUnix(path string) (net.Listener, error) { return net.Listen("unix", path) }
