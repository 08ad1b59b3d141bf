package pkce

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseAccountURL(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = want an error
	}{
		{"", "https://account.prusa3d.com"},
		{"https://account.prusa3d.com", "https://account.prusa3d.com"},
		{"https://account.prusa3d.com/", "https://account.prusa3d.com"},
		{" HTTPS://Account.Prusa3D.com:443/ ", "https://account.prusa3d.com"},
		{"https://account.example.com:8443", "https://account.example.com:8443"},
		{"https://example.com/prefix/", "https://example.com/prefix"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://127.1.2.3/", "http://127.1.2.3"},
		{"http://[::1]:9000/", "http://[::1]:9000"},
		{"http://LOCALHOST:3000", "http://localhost:3000"},
		{"http://localhost:80", "http://localhost"},
		{"http://[::ffff:127.0.0.1]:1", "http://[::ffff:127.0.0.1]:1"},
		{"http://example.com", ""},
		{"http://account.prusa3d.com", ""},
		{"http://localhost.example.com", ""},
		{"http://localhost.", ""},
		{"http://127.0.0.1.nip.io", ""},
		{"http://0.0.0.0:8080", ""},
		{"http://10.0.0.1", ""},
		{"http://[::2]", ""},
		{"ftp://account.prusa3d.com", ""},
		{"account.prusa3d.com", ""},
		{"//account.prusa3d.com", ""},
		{"https://", ""},
		{"https:account.prusa3d.com", ""},
		{"https://user:hunter2@account.prusa3d.com", ""},
		{"https://account.prusa3d.com?x=1", ""},
		{"https://account.prusa3d.com/?", ""},
		{"https://account.prusa3d.com/#frag", ""},
		{"https://account.prusa3d.com:port", ""},
		{"https://exa mple.com", ""},
	}
	for _, tt := range tests {
		u, err := ParseAccountURL(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseAccountURL(%q) = %v, want an error", tt.in, u)
			} else if !errors.Is(err, ErrInvalidAccountURL) {
				t.Errorf("ParseAccountURL(%q) error = %v, want ErrInvalidAccountURL", tt.in, err)
			} else if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("ParseAccountURL(%q) error %q shows the password", tt.in, err)
			}
			continue
		}
		if err != nil || u.String() != tt.want {
			t.Errorf("ParseAccountURL(%q) = %v, %v, want %v", tt.in, u, err, tt.want)
		}
	}
}

func TestAccountEndpoints(t *testing.T) {
	acct, err := (&Client{}).account()
	if err != nil {
		t.Fatal(err)
	}
	got := []string{acct.origin, acct.cfg.Endpoint.AuthURL, acct.cfg.Endpoint.TokenURL, acct.cfg.ClientID, acct.cfg.RedirectURL}
	want := []string{
		"https://account.prusa3d.com",
		"https://account.prusa3d.com/o/authorize/",
		"https://account.prusa3d.com/o/token/",
		DefaultClientID,
		DefaultRedirectURL,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("default endpoints mismatch (-want +got):\n%s", diff)
	}
	if len(acct.cfg.Scopes) != 0 {
		t.Errorf("Scopes = %v, want none", acct.cfg.Scopes)
	}
	for _, bad := range []string{"not a url", "/relative", "ftp://x/y"} {
		if _, err := (&Client{RedirectURL: bad}).account(); err == nil {
			t.Errorf("account() with RedirectURL %q = nil error, want one", bad)
		}
	}
}

func TestSameOrigin(t *testing.T) {
	base, _ := url.Parse("https://account.prusa3d.com")
	tests := []struct {
		in   string
		want bool
	}{
		{"https://account.prusa3d.com/login/", true},
		{"https://ACCOUNT.prusa3d.com:443/x", true},
		{"http://account.prusa3d.com/", false},
		{"https://account.prusa3d.com:444/", false},
		{"https://account.prusa3d.com.evil.example/", false},
		{"https://evil.example/?https://account.prusa3d.com", false},
		{"https://user@account.prusa3d.com/", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := sameOrigin(u, base); got != tt.want {
			t.Errorf("sameOrigin(%q, %q) = %v, want %v", tt.in, base, got, tt.want)
		}
	}
}

func TestRetryable(t *testing.T) {
	urlErr := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://account.prusa3d.com/o/token/", Err: err}
	}
	tests := []struct {
		name      string
		err       error
		wantRetry bool
		wantAfter time.Duration
	}{
		{"nil", nil, false, 0},
		{"rate limit", &RateLimitError{RetryAfter: 5 * time.Second}, true, 5 * time.Second},
		{"wrapped rate limit", fmt.Errorf("refresh: %w", &RateLimitError{}), true, 0},
		{"server error", &ServerError{Status: 502}, true, 0},
		{"connection refused", urlErr(errors.New("connect: connection refused")), true, 0},
		{"timeout", urlErr(context.DeadlineExceeded), true, 0},
		{"dns timeout", urlErr(&net.DNSError{Err: "timeout", IsTimeout: true}), true, 0},
		{"dns not found", urlErr(&net.DNSError{Err: "no such host", IsNotFound: true}), false, 0},
		{"canceled", urlErr(context.Canceled), false, 0},
		{"bad certificate", urlErr(x509.UnknownAuthorityError{}), false, 0},
		{"session expired", ErrSessionExpired, false, 0},
		{"wrong password", ErrWrongCredentials, false, 0},
		{"oauth error", &OAuthError{Code: "invalid_request"}, false, 0},
		{"unexpected page", &UnexpectedPageError{Status: 200}, false, 0},
		{"invalid response", &InvalidResponseError{Reason: "x"}, false, 0},
		{"plain error", errors.New("boom"), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry, after := Retryable(tt.err)
			if retry != tt.wantRetry || after != tt.wantAfter {
				t.Errorf("Retryable(%v) = %v, %v, want %v, %v", tt.err, retry, after, tt.wantRetry, tt.wantAfter)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"-1", 0},
		{"1.5", 0},
		{"soon", 0},
		{testNow.Add(45 * time.Second).Format(http.TimeFormat), 45 * time.Second},
		{testNow.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"Fri, 02 Jan 2026 03:05:05 GMT", time.Minute},
		{"Friday, 02-Jan-26 03:05:05 GMT", time.Minute}, // RFC 850, still allowed
		{"99999999999999999999999", time.Duration(int64(1<<63-1)/int64(time.Second)) * time.Second},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.in != "" {
			h.Set("Retry-After", tt.in)
		}
		if got := retryAfter(h, testNow); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&OAuthError{Code: "invalid_client", Description: "Invalid client.", Status: 401}, "Prusa Account answered with OAuth error invalid_client (HTTP 401): Invalid client."},
		{&OAuthError{Code: "access_denied"}, "Prusa Account answered with OAuth error access_denied"},
		{&OAuthError{Code: "x\x1b[31m", Description: strings.Repeat("d", 300)}, "Prusa Account answered with OAuth error x [31m: " + strings.Repeat("d", 200) + "..."},
		{&RateLimitError{RetryAfter: 30 * time.Second}, "Prusa Account is rate limiting requests (HTTP 429, Retry-After 30 seconds)"},
		{&RateLimitError{}, "Prusa Account is rate limiting requests (HTTP 429)"},
		{&ServerError{Status: 503}, "Prusa Account server error (HTTP 503 Service Unavailable)"},
		{&InvalidResponseError{Status: 404, Reason: "no OAuth error in a failed response"}, "invalid token response from Prusa Account (HTTP 404): no OAuth error in a failed response"},
		{&UnexpectedPageError{Status: 200, Path: "/login/", Reason: "no login or 2FA form"}, `unexpected page from Prusa Account (HTTP 200 at /login/: no login or 2FA form): the login flow has changed or wants a CAPTCHA, which only a login in the browser gets past`},
		{&UnexpectedPageError{Status: 403, Path: "/login/"}, `unexpected page from Prusa Account (HTTP 403 at /login/): the login flow has changed or wants a CAPTCHA, which only a login in the browser gets past`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%#v.Error() =\n%q, want\n%q", tt.err, got, tt.want)
		}
	}
}
