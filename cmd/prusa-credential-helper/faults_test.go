package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// TestAccountFaults runs git get against a stale session while Prusa
// Account misbehaves. Every fault must end within its bound with a clear
// message and a hint on stderr, nothing on stdout, and the stored session
// unchanged byte for byte; after the fault clears, the same session still
// refreshes. Transient faults are retried and the get succeeds.
func TestAccountFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds of deliberate waiting")
	}
	closedPort := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}
	tests := []struct {
		name      string
		fault     pkcetest.Fault
		url       func() string // another account URL; nil: the fake's
		env       []string
		succeeds  bool          // transient: the retry gets a token
		want      []string      // substrings of stderr when it fails
		bound     time.Duration // generous: a busy machine must not fail it; the table shows real times
		refreshes int           // refresh requests that reach the fake
		// expiredAnswer answers a refresh with a whole token set whose
		// access token has already expired.
		expiredAnswer bool
	}{
		{name: "connection refused", url: closedPort, want: []string{"contacting Prusa Account", refusedText(), "check the network"}, bound: 10 * time.Second},
		{name: "no answer (timeout)", fault: pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Delay: time.Minute}, env: []string{"PRUSA_HTTP_TIMEOUT=1s"},
			want: []string{"no answer in time", "raise PRUSA_HTTP_TIMEOUT"}, bound: 20 * time.Second, refreshes: 3},
		{name: "HTTP 503", fault: pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Status: http.StatusServiceUnavailable},
			want: []string{"server error (HTTP 503", "hint: the stored session is kept; try again later"}, bound: 10 * time.Second, refreshes: 3},
		{name: "HTTP 503 once", fault: pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Status: http.StatusServiceUnavailable, Count: 1},
			succeeds: true, bound: 10 * time.Second, refreshes: 2},
		{name: "HTTP 429 Retry-After 1s", fault: pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Status: http.StatusTooManyRequests, RetryAfter: time.Second},
			want: []string{"rate limiting", "try again in 1 second"}, bound: 10 * time.Second, refreshes: 3},
		{name: "HTTP 429 Retry-After 1s once", fault: pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Status: http.StatusTooManyRequests, RetryAfter: time.Second, Count: 1},
			succeeds: true, bound: 10 * time.Second, refreshes: 2},
		{name: "HTTP 429 Retry-After 1h", fault: pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Status: http.StatusTooManyRequests, RetryAfter: time.Hour},
			want: []string{"rate limiting", "try again in 60 minutes"}, bound: 10 * time.Second, refreshes: 1},
		{name: "HTML instead of JSON", fault: pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Garbage: true},
			want: []string{"invalid token response", "the stored session is kept"}, bound: 10 * time.Second, refreshes: 1},
		{name: "token response missing fields", fault: pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Body: `{"token_type":"Bearer","expires_in":3600}`},
			want: []string{"invalid token response", "the stored session is kept"}, bound: 10 * time.Second, refreshes: 1},
		{name: "access token not a JWT", fault: pkcetest.Fault{Scope: pkcetest.TokenEndpoint,
			Body: `{"access_token":"not-a-jwt","refresh_token":"r2","token_type":"Bearer","expires_in":3600}`},
			want: []string{"invalid token response", "the stored session is kept"}, bound: 10 * time.Second, refreshes: 1},
		{name: "empty JSON object", fault: pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Body: `{}`},
			want: []string{"invalid token response", "the stored session is kept"}, bound: 10 * time.Second, refreshes: 1},
		{name: "access token already expired", expiredAnswer: true,
			want: []string{"invalid token response", "before it was received", "the stored session is kept"}, bound: 10 * time.Second, refreshes: 1},
	}
	rows := make([]string, len(tests))
	t.Run("faults", func(t *testing.T) {
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				var table strings.Builder
				defer func() { rows[i] = table.String() }()
				srv := pkcetest.NewServer(pkcetest.Options{AccessTTL: time.Hour},
					pkcetest.Account{Email: scriptEmail, Password: scriptPassword, Subject: "1234567"})
				t.Cleanup(srv.Close)
				h := newStressHome(t, srv, tt.env...)
				if tt.url != nil {
					for i, e := range h.env {
						if strings.HasPrefix(e, "PRUSA_ACCOUNT_URL=") {
							h.env[i] = "PRUSA_ACCOUNT_URL=" + tt.url()
						}
					}
				}
				stale, err := srv.IssueExpiring(scriptEmail, -time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				h.writeSession(t, stale)
				if tt.expiredAnswer {
					expired, err := srv.IssueExpiring(scriptEmail, -time.Minute)
					if err != nil {
						t.Fatal(err)
					}
					tt.fault = pkcetest.Fault{Scope: pkcetest.TokenEndpoint, Body: string(expired.JSON())}
				}
				srv.SetFault(tt.fault)

				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				cmd, stdout, stderr := h.helperCmd(ctx, "git-credential-prusa", prusaGitRequest, "get")
				start := time.Now()
				runErr := cmd.Run()
				took := time.Since(start)
				if took > tt.bound {
					t.Errorf("took %v, want at most %v", took.Round(time.Millisecond), tt.bound)
				}
				if got := srv.Count(pkcetest.TokenRefresh); got != tt.refreshes {
					t.Errorf("%d refresh requests reached the account, want %d", got, tt.refreshes)
				}
				firstLine, _, _ := strings.Cut(stderr.String(), "\n")
				table.WriteString("| " + tt.name + " | ")
				if tt.succeeds {
					if runErr != nil || password(stdout.String()) == "" {
						t.Fatalf("a transient fault should be retried: %v\n%s", runErr, stderr)
					}
					table.WriteString("the token (retried)")
				} else {
					if runErr == nil {
						t.Fatalf("get succeeded under the fault; stdout %q", stdout)
					}
					if stderr.Len() == 0 {
						// Did it run at all? (Under Wine, a start can fail:
						// scripts/wine-test.sh reruns on that error.)
						t.Fatalf("get failed with nothing on stderr: %v", runErr)
					}
					if stdout.Len() != 0 {
						t.Errorf("stdout = %q, want nothing", stdout)
					}
					for _, w := range tt.want {
						if !strings.Contains(stderr.String(), w) {
							t.Errorf("stderr lacks %q:\n%s", w, stderr)
						}
					}
					if !strings.Contains(stderr.String(), "\nhint: ") {
						t.Errorf("stderr has no hint line:\n%s", stderr)
					}
					// One piece of advice, on the hint line only.
					for _, advice := range []string{"try again", "retry", "log in again", "raise "} {
						if strings.Contains(firstLine, advice) {
							t.Errorf("the error line gives advice (%q) that belongs on the hint line:\n%s", advice, stderr)
						}
					}
					if after, err := os.ReadFile(h.tokensFile()); err != nil || !bytes.Equal(after, stale.JSON()) {
						t.Errorf("the stored session changed under the fault (%v)", err)
					}
					table.WriteString("`" + strings.ReplaceAll(strings.TrimPrefix(firstLine, "prusa-credential-helper: "), "|", "\\|") + "`")
				}
				table.WriteString(" | " + took.Round(10*time.Millisecond).String() + " |\n")

				// The session survives the fault.
				srv.ClearFault()
				if tt.url != nil {
					return // never reached the account
				}
				ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
				defer cancel2()
				again, out, errOut := h.helperCmd(ctx2, "git-credential-prusa", prusaGitRequest, "get")
				if err := again.Run(); err != nil || password(out.String()) == "" {
					t.Errorf("after the fault cleared, get failed: %v\n%s", err, errOut)
				}
			})
		}
	})
	t.Log("\n| fault | what the user sees | time to answer |\n| --- | --- | --- |\n" + strings.Join(rows, ""))
}

// refusedText is in the system's message for a refused connection, which
// the error passes on: "connection refused" on Unix; on Windows "No
// connection could be made because the target machine actively refused
// it" (Wine's: "Connection refused.").
func refusedText() string {
	if runtime.GOOS == "windows" {
		return "refused"
	}
	return "connection refused"
}
