package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/cli"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// envAuditLog names a file that, in the test binary only, receives a copy
// of everything the helper writes to stderr, with debug logging forced
// on. Forced debug lines go only to that file, so the scripts' own stderr
// checks still hold.
const envAuditLog = "PRUSA_TEST_AUDIT_LOG"

// runAudited runs the helper with its stderr and debug log copied to path.
func runAudited(path string) int {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		os.Stderr.WriteString("audit: " + err.Error() + "\n")
		return 99
	}
	defer f.Close()
	env := os.Environ()
	asked := debugAsked(os.Args[1:], os.Getenv(cli.EnvDebug))
	if !asked {
		env = append(env, cli.EnvDebug+"=1")
	}
	w := &auditWriter{log: f, stderr: os.Stderr, passDebug: asked}
	defer w.flush()
	return cli.Run(context.Background(), os.Args, os.Stdin, os.Stdout, w, env)
}

// debugAsked reports whether the run asked for debug output itself.
func debugAsked(args []string, env string) bool {
	switch strings.ToLower(env) {
	case "1", "true", "yes", "on":
		return true
	}
	return slices.ContainsFunc(args, func(a string) bool {
		return a == "--debug" || a == "--debug=true" || a == "--debug=1"
	})
}

// auditWriter copies every line to log, and to stderr every line that is
// not a forced debug line.
type auditWriter struct {
	log, stderr io.Writer
	passDebug   bool
	partial     []byte
}

func (w *auditWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(w.partial[:i+1])
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

func (w *auditWriter) line(l []byte) {
	w.log.Write(l)
	if w.passDebug || !(bytes.HasPrefix(l, []byte("time=")) && bytes.Contains(l, []byte(" level=DEBUG "))) {
		w.stderr.Write(l)
	}
}

func (w *auditWriter) flush() {
	if len(w.partial) > 0 {
		w.line(w.partial)
		w.partial = nil
	}
}

// TestScriptSecretsAudit runs every end-to-end script again with debug
// logging forced on, and checks that nothing the helper wrote to stderr,
// debug log included, holds a secret: no token, refresh token, password,
// TOTP secret or 2FA code that the fake account or the SDK fixture knows,
// no JWT at all, and no protocol answer line.
func TestScriptSecretsAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every script a second time")
	}
	fixture := sdkFixtureSecrets(t)
	var mu sync.Mutex
	debugLines, scripts := 0, 0
	t.Cleanup(func() {
		// An audit that saw no debug output checked nothing.
		if debugLines < scripts {
			t.Errorf("the audit saw %d debug lines in %d scripts; debug logging was not forced on", debugLines, scripts)
		}
	})
	params := scriptParams()
	setup := params.Setup
	params.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		log := filepath.Join(env.WorkDir, "..", filepath.Base(env.WorkDir)+".audit.log")
		env.Setenv(envAuditLog, log)
		env.Defer(func() {
			data, err := os.ReadFile(log)
			if err != nil && !os.IsNotExist(err) {
				env.T().Fatal(err)
			}
			mu.Lock()
			debugLines += strings.Count(string(data), " level=DEBUG ")
			scripts++
			mu.Unlock()
			secrets := append([]string{scriptPassword, scriptTOTP, scriptOTPCode}, fixture...)
			if v, ok := serversByWork.Load(env.WorkDir); ok {
				secrets = append(secrets, v.(*pkcetest.Server).Secrets()...)
				serversByWork.Delete(env.WorkDir)
			}
			if leak := findLeak(string(data), secrets); leak != "" {
				env.T().Fatal("secrets audit: the helper's stderr or debug log holds " + leak + ":\n" + string(data))
			}
		})
		return nil
	}
	testscript.Run(t, params)
}

var (
	jwtShape    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{6,}={0,2}\.`)
	answerShape = regexp.MustCompile(`(?m)^(password|credential)=|"Secret"\s*:`)
)

// findLeak names what in log is a secret, or returns "".
func findLeak(log string, secrets []string) string {
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			return "a secret of " + itoa(len(s)) + " bytes starting " + s[:min(4, len(s))]
		}
	}
	if m := jwtShape.FindString(log); m != "" {
		return "a JWT (" + m + "...)"
	}
	if m := answerShape.FindString(log); m != "" {
		return "a protocol answer (" + m + "...)"
	}
	return ""
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(b[i:])
		}
	}
}

// sdkFixtureSecrets returns the tokens of the SDK token file fixture.
func sdkFixtureSecrets(t *testing.T) []string {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sdk", "prusa_tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range []string{"access_token", "refresh_token", "id_token", "shared_session_key"} {
		if s, ok := m[k].(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

func TestFindLeak(t *testing.T) {
	clean := "time=2026-11-26T21:00:00.000Z level=DEBUG msg=\"refreshing the session\" source=store\nprusa-credential-helper: error: not logged in\n"
	if leak := findLeak(clean, []string{"s3cret-value"}); leak != "" {
		t.Errorf("findLeak(clean log) = %q", leak)
	}
	for _, bad := range []string{
		clean + "token=s3cret-value\n",
		clean + "x eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln\n",
		"password=hunter22\n",
		`{"ServerURL":"x","Secret":"y"}`,
	} {
		if findLeak(bad, []string{"s3cret-value"}) == "" {
			t.Errorf("findLeak(%q) found nothing", bad)
		}
	}
}
