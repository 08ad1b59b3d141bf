package pkcetest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// reply is a response read to the end.
type reply struct {
	status int
	header http.Header
	body   string
}

// hit sends one ordinary request to an endpoint: "authorize" (a valid
// authorization request without a session, normally 302) or "token" (a
// valid refresh, normally 200 with JSON).
func hit(t *testing.T, srv *Server, endpoint string) reply {
	t.Helper()
	var req *http.Request
	switch endpoint {
	case "authorize":
		req, _ = http.NewRequest(http.MethodGet, srv.URL()+"/o/authorize/?"+authorizeQuery(newVerifier(), "").Encode(), nil)
	case "token":
		tok, err := srv.Issue(alice.Email)
		if err != nil {
			t.Fatal(err)
		}
		req, _ = http.NewRequest(http.MethodPost, srv.URL()+"/o/token/", strings.NewReader(refreshForm(tok.RefreshToken).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		t.Fatalf("unknown endpoint %q", endpoint)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", endpoint, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func TestFaults(t *testing.T) {
	type want struct {
		endpoint   string
		status     int
		retryAfter string
		faulted    bool // answered by the fault, not the endpoint
	}
	tests := []struct {
		name  string
		fault Fault
		want  []want // one request each, in order
	}{
		{
			name:  "503 everywhere",
			fault: Fault{Status: http.StatusServiceUnavailable},
			want:  []want{{"authorize", 503, "", true}, {"token", 503, "", true}, {"token", 503, "", true}},
		},
		{
			name:  "429 with Retry-After on the token endpoint",
			fault: Fault{Scope: TokenEndpoint, Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second},
			want:  []want{{"authorize", 302, "", false}, {"token", 429, "2", true}},
		},
		{
			name:  "Retry-After rounds up",
			fault: Fault{Scope: TokenEndpoint, Status: http.StatusTooManyRequests, RetryAfter: 1500 * time.Millisecond},
			want:  []want{{"token", 429, "2", true}},
		},
		{
			name:  "garbage on the token endpoint",
			fault: Fault{Scope: TokenEndpoint, Garbage: true},
			want:  []want{{"token", 200, "", true}, {"authorize", 302, "", false}},
		},
		{
			name:  "garbage everywhere",
			fault: Fault{Garbage: true},
			want:  []want{{"authorize", 200, "", true}},
		},
		{
			name:  "next two requests",
			fault: Fault{Scope: TokenEndpoint, Status: http.StatusBadGateway, Count: 2},
			want:  []want{{"token", 502, "", true}, {"authorize", 302, "", false}, {"token", 502, "", true}, {"token", 200, "", false}},
		},
		{
			name:  "status wins over garbage",
			fault: Fault{Status: http.StatusInternalServerError, Garbage: true, Count: 1},
			want:  []want{{"token", 500, "", true}, {"token", 200, "", false}},
		},
		{
			name:  "zero fault is none",
			fault: Fault{},
			want:  []want{{"token", 200, "", false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t, Options{})
			srv.SetFault(tt.fault)
			faulted := 0
			for i, w := range tt.want {
				r := hit(t, srv, w.endpoint)
				if r.status != w.status {
					t.Fatalf("request %d (%s): status %d, want %d", i, w.endpoint, r.status, w.status)
				}
				if got := r.header.Get("Retry-After"); got != w.retryAfter {
					t.Errorf("request %d: Retry-After %q, want %q", i, got, w.retryAfter)
				}
				isJSON := json.Valid([]byte(r.body)) && strings.HasPrefix(r.header.Get("Content-Type"), "application/json")
				if w.endpoint == "token" && isJSON == w.faulted {
					t.Errorf("request %d: JSON body %v, want %v; body %q", i, isJSON, !w.faulted, r.body)
				}
				if w.faulted {
					faulted++
				}
			}
			if got := srv.Count(Faulted); got != faulted {
				t.Errorf("Count(Faulted) = %d, want %d", got, faulted)
			}
		})
	}
}

func TestFaultClear(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	srv.SetFault(Fault{Status: http.StatusServiceUnavailable})
	if r := hit(t, srv, "token"); r.status != 503 {
		t.Fatalf("with fault: status %d, want 503", r.status)
	}
	srv.ClearFault()
	if r := hit(t, srv, "token"); r.status != 200 {
		t.Errorf("after ClearFault: status %d, want 200", r.status)
	}
}

func TestFaultDelay(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	const delay = 300 * time.Millisecond
	srv.SetFault(Fault{Scope: TokenEndpoint, Delay: delay, Count: 1})
	start := time.Now()
	r := hit(t, srv, "token")
	if took := time.Since(start); took < delay {
		t.Errorf("delayed request took %v, want at least %v", took, delay)
	}
	if r.status != http.StatusOK {
		t.Errorf("delayed request: status %d, want 200 (a delay alone serves normally)", r.status)
	}
	hit(t, srv, "token")
	if got := srv.Count(Faulted); got != 1 {
		t.Errorf("Count(Faulted) after a Count 1 delay and another request = %d, want 1", got)
	}

	t.Run("with status", func(t *testing.T) {
		srv.SetFault(Fault{Delay: 50 * time.Millisecond, Status: http.StatusGatewayTimeout, Count: 1})
		if r := hit(t, srv, "authorize"); r.status != http.StatusGatewayTimeout {
			t.Errorf("status %d, want 504", r.status)
		}
	})
	t.Run("client gives up", func(t *testing.T) {
		srv.SetFault(Fault{Delay: time.Minute, Count: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/login/", nil)
		if _, err := http.DefaultClient.Do(req); err == nil {
			t.Errorf("request with a 100ms timeout against a 1m delay succeeded, want a timeout")
		}
	})
	t.Run("Close ends delays", func(t *testing.T) {
		srv, _ := newTestServer(t, Options{})
		srv.SetFault(Fault{Delay: time.Minute})
		done := make(chan int)
		go func() {
			resp, err := http.Get(srv.URL() + "/login/")
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		for srv.Count(Faulted) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		start := time.Now()
		srv.Close()
		select {
		case status := <-done:
			if status != 0 && status != http.StatusServiceUnavailable {
				t.Errorf("delayed request ended with status %d at Close, want 503 or an error", status)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("delayed request still pending 10s after Close")
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("Close took %v, want it to end the delay", took)
		}
	})
}

func TestSetFaultPanicsOnInvalid(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	for _, f := range []Fault{{Status: 42}, {Count: -1, Status: 500}, {Delay: -time.Second}, {Scope: 7, Garbage: true}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetFault(%+v) did not panic", f)
				}
			}()
			srv.SetFault(f)
		}()
	}
}

func TestCounters(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	b := newBrowser(t, srv)
	pageURL, form := b.openLogin(newVerifier(), "")
	b.submit(pageURL, form, map[string]string{"email": alice.Email, "password": "wrong"}, nil)
	postToken(t, srv, url.Values{"grant_type": {"password"}, "client_id": {DefaultClientID}}, nil)
	postToken(t, srv, refreshForm("unknown"), nil)
	srv.SetFault(Fault{Scope: TokenEndpoint, Status: 503, Count: 1})
	postToken(t, srv, refreshForm("unknown"), nil)

	want := map[RequestKind]int{
		Authorize: 1, LoginPage: 1, LoginPost: 1, TOTPPage: 0, TOTPPost: 0,
		TokenCode: 0, TokenRefresh: 2, TokenOther: 1,
		CodeGranted: 0, RefreshGranted: 0, RefreshReuse: 0, Faulted: 1,
		SocialStart: 0, SocialLogin: 0,
	}
	got := srv.Stats()
	if len(got) != len(want) {
		t.Errorf("Stats() has %d counters, want %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w || srv.Count(k) != w {
			t.Errorf("Stats()[%s], Count(%s) = %d, %d, want %d", k, k, got[k], srv.Count(k), w)
		}
	}
}

func TestControlEndpoints(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	do := func(method, path, contentType, body string) reply {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
	}
	const form = "application/x-www-form-urlencoded"

	t.Run("fault", func(t *testing.T) {
		r := do("POST", "/_fake/fault", "application/json", `{"status":429,"retry_after":3,"scope":"token","count":1}`)
		if r.status != http.StatusNoContent {
			t.Fatalf("POST /_fake/fault: status %d, want 204; body %s", r.status, r.body)
		}
		if r := hit(t, srv, "token"); r.status != 429 || r.header.Get("Retry-After") != "3" {
			t.Errorf("faulted token request: %d, Retry-After %q, want 429, 3", r.status, r.header.Get("Retry-After"))
		}
		do("POST", "/_fake/fault", "application/json", `{"delay":"10ms","status":503}`)
		if r := hit(t, srv, "authorize"); r.status != 503 {
			t.Errorf("after setting a 503 fault: status %d, want 503", r.status)
		}
		if r := do("DELETE", "/_fake/fault", "", ""); r.status != http.StatusNoContent {
			t.Errorf("DELETE /_fake/fault: status %d, want 204", r.status)
		}
		if r := hit(t, srv, "authorize"); r.status != 302 {
			t.Errorf("after DELETE: status %d, want 302", r.status)
		}
		do("POST", "/_fake/fault", "application/json", `{"status":503}`)
		do("POST", "/_fake/fault", "application/json", `{}`)
		if r := hit(t, srv, "authorize"); r.status != 302 {
			t.Errorf("after an empty fault: status %d, want 302", r.status)
		}
	})
	t.Run("bad fault", func(t *testing.T) {
		for _, body := range []string{`{"status":42}`, `{"scope":"login"}`, `{"delay":"soon"}`, `{"colour":"red"}`, `[`} {
			if r := do("POST", "/_fake/fault", "application/json", body); r.status != http.StatusBadRequest {
				t.Errorf("POST /_fake/fault %s: status %d, want 400", body, r.status)
			}
		}
	})
	t.Run("stats", func(t *testing.T) {
		r := do("GET", "/_fake/stats", "", "")
		var stats map[string]int
		if err := json.Unmarshal([]byte(r.body), &stats); err != nil {
			t.Fatalf("stats are not JSON: %v", err)
		}
		if stats["authorize"] != srv.Count(Authorize) || stats["faulted"] != srv.Count(Faulted) {
			t.Errorf("stats %v disagree with Count", stats)
		}
		if _, ok := stats["token_refresh"]; !ok {
			t.Errorf("stats %v lack token_refresh", stats)
		}
	})
	t.Run("issue and revoke", func(t *testing.T) {
		r := do("POST", "/_fake/issue", form, "email="+url.QueryEscape(bob.Email)+"&ttl=-1m")
		var tok TokenResponse
		if err := json.Unmarshal([]byte(r.body), &tok); err != nil || r.status != 200 {
			t.Fatalf("POST /_fake/issue: status %d, %v", r.status, err)
		}
		if tok.ExpiresIn != 0 || tok.RefreshToken == "" {
			t.Errorf("issued expires_in %d, want 0 and a refresh token", tok.ExpiresIn)
		}
		r = do("POST", "/_fake/issue", "", "")
		if err := json.Unmarshal([]byte(r.body), &tok); err != nil || r.status != 200 || tok.ExpiresIn != 7200 {
			t.Fatalf("POST /_fake/issue without fields: status %d, expires_in %d, %v; want 200, 7200", r.status, tok.ExpiresIn, err)
		}
		if r := do("POST", "/_fake/revoke", form, "email="+url.QueryEscape(alice.Email)); r.status != http.StatusNoContent {
			t.Errorf("POST /_fake/revoke: status %d, want 204", r.status)
		}
		if r := postToken(t, srv, refreshForm(tok.RefreshToken), nil); r.err.Error != "invalid_grant" {
			t.Errorf("refresh after revoke: %d %q, want invalid_grant", r.status, r.err.Error)
		}
		if r := do("POST", "/_fake/revoke", form, "email=nobody"); r.status != http.StatusNotFound {
			t.Errorf("revoke unknown: status %d, want 404", r.status)
		}
		if r := do("POST", "/_fake/issue", form, "ttl=forever"); r.status != http.StatusBadRequest {
			t.Errorf("issue with a bad ttl: status %d, want 400", r.status)
		}
	})
}

func TestNewValidates(t *testing.T) {
	key := testKey()
	tests := []struct {
		name     string
		opts     Options
		accounts []Account
	}{
		{"no URL", Options{Key: key}, nil},
		{"URL with path", Options{URL: "http://127.0.0.1:1/account", Key: key}, nil},
		{"ftp URL", Options{URL: "ftp://127.0.0.1:1", Key: key}, nil},
		{"no email", Options{URL: "http://127.0.0.1:1", Key: key}, []Account{{Password: "x"}}},
		{"same email twice", Options{URL: "http://127.0.0.1:1", Key: key}, []Account{alice, {Email: strings.ToUpper(alice.Email)}}},
		{"bad subject", Options{URL: "http://127.0.0.1:1", Key: key}, []Account{{Email: "a@b.c", Subject: "abc"}}},
		{"bad TOTP secret", Options{URL: "http://127.0.0.1:1", Key: key}, []Account{{Email: "a@b.c", TOTPSecret: "not base32!"}}},
		{"bad OTP code", Options{URL: "http://127.0.0.1:1", Key: key}, []Account{{Email: "a@b.c", OTPCode: "12"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("New did not panic")
				}
			}()
			New(tt.opts, tt.accounts...)
		})
	}
	t.Run("serves Handler at URL", func(t *testing.T) {
		s := New(Options{URL: "https://account.example.com/", Key: key}, alice)
		defer s.Close()
		if s.URL() != "https://account.example.com" {
			t.Errorf("URL() = %q, want https://account.example.com", s.URL())
		}
		req, _ := http.NewRequest(http.MethodGet, "https://account.example.com/login/?next=/", nil)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Errorf("GET /login/: status %d, want 200", w.Code)
		}
		if c := w.Result().Header.Values("Set-Cookie"); len(c) == 0 || !strings.Contains(c[0], "Secure") {
			t.Errorf("Set-Cookie %q: want a Secure cookie over https", c)
		}
	})
	t.Run("generates a key", func(t *testing.T) {
		s := NewServer(Options{}, alice)
		defer s.Close()
		tok, err := s.Issue(alice.Email)
		if err != nil {
			t.Fatal(err)
		}
		claims(t, s, tok.AccessToken)
	})
}

func TestFaultBody(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	body := `{"access_token":"not-a-jwt","token_type":"Bearer"}`
	srv.SetFault(Fault{Scope: TokenEndpoint, Body: body, Count: 1})
	if r := hit(t, srv, "token"); r.status != 200 || r.body != body || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("faulted token response: %d %q %q, want 200 with the fault's JSON body", r.status, r.header.Get("Content-Type"), r.body)
	}
	if r := hit(t, srv, "token"); r.status != 200 || r.body == body {
		t.Errorf("after Count ran out: %d %q, want a real token response", r.status, r.body)
	}
	if got := srv.Count(Faulted); got != 1 {
		t.Errorf("Count(Faulted) = %d, want 1", got)
	}
}
