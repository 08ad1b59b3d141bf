package main

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// busRecorder is a D-Bus session bus address that records every
// connection made to it, and hangs each up at once.
type busRecorder struct {
	sock  string
	mu    sync.Mutex
	conns int
	// synced receives once the recorder has accepted a sync connection.
	synced chan struct{}
}

func newBusRecorder(t *testing.T) *busRecorder {
	t.Helper()
	r := &busRecorder{sock: filepath.Join(t.TempDir(), "bus"), synced: make(chan struct{})}
	l, err := net.Listen("unix", r.sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			// Connections are accepted in the order they were made. A
			// D-Bus client starts with a NUL byte (or has hung up when
			// it is read); the sync connection starts with "S".
			var b [1]byte
			n, _ := c.Read(b[:])
			c.Close()
			if n == 1 && b[0] == 'S' {
				r.synced <- struct{}{}
				continue
			}
			r.mu.Lock()
			r.conns++
			r.mu.Unlock()
		}
	}()
	return r
}

// count returns the connections made so far: it connects last and waits
// until its own connection is accepted, so every earlier one is counted.
func (r *busRecorder) count(t *testing.T) int {
	t.Helper()
	c, err := net.Dial("unix", r.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "S"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.synced:
	case <-time.After(10 * time.Second):
		t.Fatal("the bus recorder did not accept its own connection")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns
}

// TestNoDBusOnTheGetPath runs git and docker gets through the helper with
// the file backend while DBUS_SESSION_BUS_ADDRESS points at a recorder:
// the get path must open no D-Bus connection and start no program that
// an OS store would (fakes of them on PATH leave a mark when run). The
// control: with --backend secret-service the recorder sees a connection.
func TestNoDBusOnTheGetPath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service backend is linked in on Linux")
	}
	bus := newBusRecorder(t)
	home, marks, fakes := t.TempDir(), t.TempDir(), t.TempDir()
	for _, prog := range []string{"dbus-launch", "dbus-daemon", "dbus-run-session", "gnome-keyring-daemon", "secret-tool", "security", "pass", "gpg", "keyctl", "kwallet-query"} {
		script := "#!/bin/sh\n: > \"" + filepath.Join(marks, prog) + "\"\nexit 1\n"
		if err := os.WriteFile(filepath.Join(fakes, prog), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_RUNTIME_DIR=" + t.TempDir(),
		"PATH=" + fakes + string(os.PathListSeparator) + os.Getenv("PATH"),
		"DBUS_SESSION_BUS_ADDRESS=unix:path=" + bus.sock,
		"PRUSA_NONINTERACTIVE=1",
		raceExitNow,
		"PRUSA_TOKEN=" + testJWT(t, time.Now().Add(time.Hour)),
	}
	run := func(t *testing.T, extraEnv []string, stdin string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(append([]string(nil), env...), extraEnv...)
		cmd.Stdin = strings.NewReader(stdin)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err != nil {
			return stdout.String(), &exitError{err, stderr.String()}
		}
		return stdout.String(), nil
	}
	mustRun := func(t *testing.T, extraEnv []string, stdin string, args ...string) string {
		t.Helper()
		out, err := run(t, extraEnv, stdin, args...)
		if err != nil {
			t.Fatalf("%s: %v", strings.Join(args, " "), err)
		}
		return out
	}

	for _, backend := range []string{"", "file"} {
		t.Run("backend="+backend, func(t *testing.T) {
			extra := []string{"PRUSA_CREDENTIAL_BACKEND=" + backend}
			// Something stored, so that the gets have work to do.
			mustRun(t, extra, "protocol=https\nhost=example.com\nusername=bob\npassword=pw\n\n", "git-credential-prusa", "store")
			mustRun(t, extra, `{"ServerURL":"registry.example.com","Username":"bob","Secret":"s3cr3t"}`, "docker-credential-prusa", "store")
			before := bus.count(t)

			if out := mustRun(t, extra, "protocol=https\nhost=example.com\n\n", "git-credential-prusa", "get"); !strings.Contains(out, "password=pw\n") {
				t.Errorf("git get = %q, want the stored password", out)
			}
			if out := mustRun(t, extra, "protocol=https\nhost=connect.prusa3d.com\n\n", "git-credential-prusa", "get"); !strings.Contains(out, "password=ey") {
				t.Errorf("git get for Prusa = %q, want the token", out)
			}
			if out := mustRun(t, extra, "registry.example.com", "docker-credential-prusa", "get"); !strings.Contains(out, `"Secret":"s3cr3t"`) {
				t.Errorf("docker get = %q, want the stored secret", out)
			}
			if out := mustRun(t, extra, "connect.prusa3d.com", "docker-credential-prusa", "get"); !strings.Contains(out, `"Secret":"ey`) {
				t.Errorf("docker get for Prusa = %q, want the token", out)
			}

			if n := bus.count(t) - before; n != 0 {
				t.Errorf("git and docker get with the file backend made %d D-Bus connections, want 0", n)
			}
			if started, _ := os.ReadDir(marks); len(started) > 0 {
				t.Errorf("the file backend started %s", started[0].Name())
			}
		})
	}

	t.Run("control: secret-service connects", func(t *testing.T) {
		before := bus.count(t)
		_, err := run(t, nil, "protocol=https\nhost=example.com\n\n", "prusa-credential-helper", "--backend", "secret-service", "get")
		if err == nil {
			t.Error("get with --backend secret-service on a bus that hangs up succeeded")
		} else if !strings.Contains(err.Error(), "secret-service") {
			t.Errorf("get with --backend secret-service error = %v, want one that names the backend", err)
		}
		if n := bus.count(t) - before; n < 1 {
			t.Errorf("get with --backend secret-service made %d D-Bus connections, want at least 1 (else this test cannot fail)", n)
		}
		if started, _ := os.ReadDir(marks); len(started) > 0 {
			t.Errorf("secret-service started %s", started[0].Name())
		}
	})
}

type exitError struct {
	err    error
	stderr string
}

func (e *exitError) Error() string { return e.err.Error() + ": " + e.stderr }
