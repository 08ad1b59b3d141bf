package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/cli"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// openPTY opens a new pseudo-terminal pair (Linux: /dev/ptmx, unlocked,
// and its /dev/pts/N).
func openPTY() (master, tty *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0)
	}
	if err == nil {
		tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	}
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, tty, nil
}

// startOnPTY starts cmd in a session of its own whose controlling
// terminal is tty, file descriptor ctty in the child, with the script's
// webPassthrough variables added to its environment. It returns the
// child's exit, and what the terminal shows, read from master until it
// closes (readerDone).
func startOnPTY(ts *testscript.TestScript, cmd *exec.Cmd, master, tty *os.File, ctty int) (exited <-chan error, out *lockedBuffer, readerDone <-chan struct{}) {
	for _, k := range webPassthrough {
		if v := ts.Getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: ctty}
	ts.Check(cmd.Start())
	tty.Close()
	exit, done := make(chan error, 1), make(chan struct{})
	go func() { exit <- cmd.Wait() }()
	out = new(lockedBuffer)
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	return exit, out, done
}

// lastCodes keeps the code each script pasted last, for -paste old.
var lastCodes sync.Map // *testscript.TestScript -> string

// webPassthrough are the variables of the script's environment that the
// helper under weblogin sees (a custom command cannot list them all).
var webPassthrough = []string{
	"PATH", "HOME", "XDG_CONFIG_HOME", "TMPDIR", "WORK", "GORACE", envAuditLog,
	"DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION", "SSH_TTY", "BROWSER",
	cli.EnvBackend, cli.EnvTokensFile, cli.EnvAccountURL, cli.EnvNonInteractive, cli.EnvDebug,
	cli.EnvEmail, cli.EnvPassword, session.EnvTokensJSON, session.EnvToken, cli.EnvHTTPTimeout,
}

// cmdWebLogin runs "prusa-credential-helper ARGS" (default: login --web)
// on a pseudo-terminal of its own and plays the user of a browser login:
// it waits for the address to open, signs in at the fake account through
// the provider as social@example.com with an HTTP client
// (pkcetest.BrowserLogin, which follows Location headers and stops at
// Prusa Connect's callback), and types PASTE at the prompt:
//
//	weblogin [-paste KIND] [-answer TEXT] [-wait D] [-confirm TEXT] [ARGS...]
//
// KIND is url (the callback address, the default), code (its code alone),
// other (the address of another attempt: another state), nocode (the
// address without its code), denied (an error=access_denied address with
// the right state), notcallback (the address on another host), empty, or
// old (the code this script pasted last, used up by now). With -answer,
// TEXT is typed first, to the question plain login asks. With -wait, the
// user takes D between the browser's last page and the paste (a code that
// lives less than D has then expired, however fast the machine). With
// -confirm, TEXT answers the question whether to replace another
// account's session.
//
// The helper's stdout and stderr become the command's; the terminal's
// output goes to $WORK/weblogin.tty. Whatever the run, neither stdout nor
// stderr may contain the pasted code or state.
func cmdWebLogin(ts *testscript.TestScript, neg bool, args []string) {
	kind, answer, confirm := "url", "", ""
	var wait time.Duration
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-paste":
			kind = args[1]
		case "-answer":
			answer = args[1]
		case "-confirm":
			confirm = args[1]
		case "-wait":
			var err error
			wait, err = time.ParseDuration(args[1])
			ts.Check(err)
		default:
			ts.Fatalf("weblogin: unknown option %s", args[0])
		}
		args = args[2:]
	}
	if len(args) == 0 {
		args = []string{"login", "--web"}
	}
	v, ok := servers.Load(ts)
	if !ok {
		ts.Fatalf("weblogin: run 'fakeaccount start' first")
	}
	srv := v.(*pkcetest.Server)

	master, tty, err := openPTY()
	ts.Check(err)
	defer master.Close()
	bin, err := exec.LookPath(cli.Name) // testscript puts it first on PATH
	ts.Check(err)
	cmd := exec.Command(bin, args...)
	cmd.Dir = ts.Getenv("WORK")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.ExtraFiles = []*os.File{tty}
	exited, out, readerDone := startOnPTY(ts, cmd, master, tty, 3)

	var pasted string
	var waitErr error
	done := false
	deadline := time.Now().Add(30 * time.Second)
	await := func(prompt string) bool {
		for !done && !strings.Contains(out.String(), prompt) {
			select {
			case waitErr = <-exited:
				done = true
			case <-time.After(10 * time.Millisecond):
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					ts.Fatalf("weblogin: no %q on the terminal; it shows:\n%s", prompt, out.String())
				}
			}
		}
		return !done
	}
	if answer != "" && await("Choose 1-2 [1]: ") {
		master.Write([]byte(answer + "\n"))
	}
	if await("Address or code: ") {
		pasted = paste(ts, srv, kind, out.String())
		time.Sleep(wait)
		master.Write([]byte(pasted + "\n"))
	}
	if confirm != "" && await("Continue? [y/N] ") {
		master.Write([]byte(confirm + "\n"))
	}
	if !done {
		select {
		case waitErr = <-exited:
		case <-time.After(time.Until(deadline)):
			cmd.Process.Kill()
			ts.Fatalf("weblogin: the helper did not exit; the terminal shows:\n%s", out.String())
		}
	}
	select { // the terminal's last output, up to its close
	case <-readerDone:
	case <-time.After(5 * time.Second):
	}
	ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), "weblogin.tty"), []byte(out.String()), 0o600))
	ts.Stdout().Write(stdout.Bytes())
	ts.Stderr().Write(stderr.Bytes())

	if u, err := url.Parse(strings.TrimSpace(pasted)); err == nil {
		for _, secret := range []string{u.Query().Get("code"), u.Query().Get("state"), strings.TrimSpace(pasted)} {
			if len(secret) >= 8 && (strings.Contains(stdout.String(), secret) || strings.Contains(stderr.String(), secret)) {
				ts.Fatalf("weblogin: the helper's output quotes what was pasted (%d characters)", len(secret))
			}
		}
	}
	if neg && waitErr == nil {
		ts.Fatalf("weblogin: the helper succeeded unexpectedly")
	}
	if !neg && waitErr != nil {
		ts.Fatalf("weblogin: %v", waitErr)
	}
}

var authorizeURL = regexp.MustCompile(`https?://\S+/o/authorize/\?\S+`)

// paste is what the user types: kind of the address the browser got.
func paste(ts *testscript.TestScript, srv *pkcetest.Server, kind, terminal string) string {
	authURL := authorizeURL.FindString(terminal)
	if authURL == "" {
		ts.Fatalf("weblogin: no authorization address on the terminal:\n%s", terminal)
	}
	browse := func(authURL string) *url.URL {
		addr, err := srv.BrowserLogin(context.Background(), authURL, scriptSocialAccount.Email)
		ts.Check(err)
		u, err := url.Parse(addr)
		ts.Check(err)
		return u
	}
	switch kind {
	case "url", "code", "nocode", "notcallback":
		u := browse(authURL)
		q := u.Query()
		lastCodes.Store(ts, q.Get("code"))
		switch kind {
		case "code":
			return q.Get("code")
		case "nocode":
			q.Del("code")
			u.RawQuery = q.Encode()
		case "notcallback":
			u.Host = "example.com"
		}
		return u.String()
	case "other":
		w, err := (&pkce.Client{AccountURL: srv.URL()}).StartWebLogin()
		ts.Check(err)
		return browse(w.URL).String()
	case "denied":
		a, err := url.Parse(authURL)
		ts.Check(err)
		return pkce.DefaultRedirectURL + "?" + url.Values{"error": {"access_denied"}, "state": {a.Query().Get("state")}}.Encode()
	case "empty":
		return ""
	case "old":
		code, ok := lastCodes.Load(ts)
		if !ok {
			ts.Fatalf("weblogin: -paste old before any code was pasted")
		}
		return code.(string)
	}
	ts.Fatalf("weblogin: unknown -paste %q", kind)
	return ""
}

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
