package cli

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// testClock is a settable clock, shared by the helper and the fake
// Prusa Account.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestLoginTOTPNextCode: Prusa Account accepts each TOTP code once, so
// when another login used this window's code, a login from
// PRUSA_TOTP_SECRET waits for the next code and tries it, once; a seed
// that is not the account's fails after that one wait, with a hint.
func TestLoginTOTPNextCode(t *testing.T) {
	const (
		email    = "maker@example.com"
		password = "correct horse battery staple"
		seed     = "JBSWY3DPEHPK3PXP"
	)
	tests := []struct {
		name     string
		seed     string
		wantCode int
		wantOut  string
	}{
		{name: "code used by another login", seed: seed, wantCode: 0, wantOut: "Logged in as maker@example.com"},
		{name: "wrong seed", seed: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", wantCode: 1, wantOut: "hint: the codes computed from PRUSA_TOTP_SECRET were refused, also the next one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// 4 s before the half minute: the next code comes in 4 s.
			clk := &testClock{t: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)}
			srv := pkcetest.NewServer(pkcetest.Options{Now: clk.Now, AccessTTL: time.Hour},
				pkcetest.Account{Email: email, Password: password, TOTPSecret: seed})
			t.Cleanup(srv.Close)
			// Another login spends this window's code.
			other := &pkce.Client{AccountURL: srv.URL(), Now: clk.Now}
			if _, err := other.Login(t.Context(), pkce.LoginInput{Email: email, Password: password,
				OTP: func(context.Context) (string, error) { return pkce.TOTP(seed, clk.Now()) }}); err != nil {
				t.Fatal(err)
			}

			dir := t.TempDir()
			env := map[string]string{
				"HOME": dir, "XDG_CONFIG_HOME": filepath.Join(dir, ".config"),
				EnvTokensFile: filepath.Join(dir, "tokens.json"), EnvAccountURL: srv.URL(),
				EnvNonInteractive: "1", EnvEmail: email, EnvPassword: password, EnvTOTPSecret: tt.seed,
			}
			var stdout, stderr strings.Builder
			var slept []time.Duration
			p := &Program{
				Stdout: &stdout, Stderr: &stderr, GOOS: "linux", Now: clk.Now,
				Getenv:   func(k string) string { return env[k] },
				Terminal: func() (Terminal, error) { return nil, errNoTerminal },
				Sleep: func(_ context.Context, d time.Duration) error {
					slept = append(slept, d)
					clk.Advance(d)
					return nil
				},
			}
			if code := p.Run(t.Context(), []string{Name, "login"}); code != tt.wantCode {
				t.Errorf("login exit status = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if want := "Waiting 5 s for the next code"; !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr = %q, want it to say %q", stderr.String(), want)
			}
			if !strings.Contains(stderr.String(), tt.wantOut) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantOut)
			}
			if len(slept) != 1 || slept[0] != 5*time.Second {
				t.Errorf("slept %v, want once 5s", slept)
			}
			if got := srv.Count(pkcetest.TOTPPost); got != 3 {
				t.Errorf("%d 2FA posts, want 3 (the other login's, this window's code, the next)", got)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}
