package pkcetest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
	"golang.org/x/net/html"
)

func TestLoginFlow(t *testing.T) {
	srv, clk := newTestServer(t, Options{})
	totpNow := func() string {
		code, err := pkce.TOTP(totpSecret, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	tests := []struct {
		name      string
		acct      Account
		otp       func() string
		wantTOTP  int
		wantState string
	}{
		{name: "no 2FA", acct: alice, wantState: "xyz-123"},
		{name: "no state", acct: alice},
		{name: "TOTP", acct: bob, otp: totpNow, wantTOTP: 1, wantState: "s t&a=te"},
		{name: "fixed code", acct: carol, otp: func() string { return fixedCode }, wantTOTP: 1, wantState: "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Stats()
			b := newBrowser(t, srv)
			verifier := newVerifier()
			code := b.login(tt.acct, tt.otp, verifier, tt.wantState)

			r := postToken(t, srv, exchangeForm(code, verifier), nil)
			if r.status != http.StatusOK {
				t.Fatalf("code exchange: status %d, want 200; body %s", r.status, r.body)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			tok := r.tokens
			if tok.TokenType != "Bearer" || tok.Scope != Scope || tok.ExpiresIn != 7200 || tok.SharedSessionKey == "" {
				t.Errorf("token response %+v: want Bearer, scope %q, expires_in 7200, a shared_session_key", tok, Scope)
			}
			now := clk.Now().Unix()
			access := claims(t, srv, tok.AccessToken)
			for _, k := range []string{"jti", "sub", "exp", "sid", "app", "type", "connect_id"} {
				if _, ok := access[k]; !ok {
					t.Errorf("access token lacks claim %q", k)
				}
			}
			if got, want := access["exp"], float64(now+7200); got != want {
				t.Errorf("access exp = %v, want %v", got, want)
			}
			if got := access["type"]; got != "access" {
				t.Errorf("access type = %v, want access", got)
			}
			sub, _ := access["sub"].(string)
			if sub == "" || strings.Trim(sub, "0123456789") != "" {
				t.Errorf("access sub = %v, want a numeric string", access["sub"])
			}
			if tt.acct.Subject != "" && sub != tt.acct.Subject {
				t.Errorf("access sub = %q, want %q", sub, tt.acct.Subject)
			}
			id := claims(t, srv, tok.IDToken)
			if got := id["aud"]; got != DefaultClientID {
				t.Errorf("id aud = %v, want %v", got, DefaultClientID)
			}
			if got := id["iss"]; got != srv.URL() {
				t.Errorf("id iss = %v, want %v", got, srv.URL())
			}
			if got := id["sub"]; got != sub {
				t.Errorf("id sub = %v, want %v", got, sub)
			}
			user, _ := id["user"].(map[string]any)
			if got := user["email"]; got != tt.acct.Email {
				t.Errorf("id user.email = %v, want %v", got, tt.acct.Email)
			}
			for _, k := range []string{"first_name", "last_name", "public_name"} {
				if _, ok := user[k].(string); !ok {
					t.Errorf("id user lacks %q", k)
				}
			}
			refresh := claims(t, srv, tok.RefreshToken)
			if got, want := refresh["exp"], float64(now+int64(DefaultRefreshTTL/time.Second)); got != want || refresh["type"] != "refresh" {
				t.Errorf("refresh exp, type = %v, %v, want %v, refresh", got, refresh["type"], want)
			}

			after := srv.Stats()
			for kind, want := range map[RequestKind]int{
				Authorize: 2, LoginPage: 1, LoginPost: 1, TOTPPage: tt.wantTOTP, TOTPPost: tt.wantTOTP,
				TokenCode: 1, CodeGranted: 1, TokenRefresh: 0, Faulted: 0,
			} {
				if got := after[kind] - before[kind]; got != want {
					t.Errorf("Count(%s) grew by %d, want %d", kind, got, want)
				}
			}
		})
	}
}

func TestLoginPage(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	b := newBrowser(t, srv)
	verifier := newVerifier()
	p := b.get("/o/authorize/?" + authorizeQuery(verifier, "st").Encode())
	loc := p.header.Get("Location")
	if !strings.HasPrefix(loc, "/login/?next=/o/authorize/%3F") {
		t.Errorf("authorize Location = %q, want relative /login/?next=/o/authorize/%%3F...", loc)
	}
	lp := b.get(loc)
	form := postForm(t, lp.body, named("password"))
	cookie := b.cookie("csrftoken")
	if token := form.Get("csrfmiddlewaretoken"); len(token) != 64 || token == cookie || len(cookie) != 32 {
		t.Errorf("form token %q, cookie %q: want a 64-character token different from the 32-character cookie", token, cookie)
	}
	next, err := url.QueryUnescape(form.Get("next"))
	if err != nil {
		t.Fatal(err)
	}
	want := "/o/authorize/?" + p.url.RawQuery
	if next != want {
		t.Errorf("decoded hidden next = %q, want %q", next, want)
	}
	if strings.Contains(form.Get("next"), "?") {
		t.Errorf("hidden next %q is not percent-encoded", form.Get("next"))
	}
	if got := lp.header.Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", got)
	}
	// The first POST form on the page is the language switcher, a trap
	// for clients that take the first form.
	first := postForm(t, lp.body, func(*html.Node) bool { return true })
	if first.Has("password") {
		t.Errorf("first POST form is the login form; want the language switcher first")
	}
	if !strings.HasPrefix(strings.ToLower(lp.body), "<!doctype html>") {
		t.Errorf("page does not start with a doctype")
	}
	if feedback(t, lp.body) != "" {
		t.Errorf("fresh login page has invalid-feedback %q", feedback(t, lp.body))
	}
}

func TestLoginCSRF(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	creds := map[string]string{"email": alice.Email, "password": alice.Password}
	tests := []struct {
		name   string
		edit   func(b *browser, form url.Values) // changes the form or the jar
		hdr    map[string]string
		status int
	}{
		{name: "valid", status: http.StatusFound},
		{name: "valid without Origin", hdr: map[string]string{"Origin": ""}, status: http.StatusFound},
		{name: "missing Referer", hdr: map[string]string{"Referer": ""}, status: http.StatusForbidden},
		{name: "cross-origin Referer", hdr: map[string]string{"Referer": "https://evil.example/login/"}, status: http.StatusForbidden},
		{name: "Referer on another port", hdr: map[string]string{"Referer": "http://127.0.0.1:1/login/"}, status: http.StatusForbidden},
		{name: "malformed Referer", hdr: map[string]string{"Referer": "login"}, status: http.StatusForbidden},
		{name: "cross-origin Origin", hdr: map[string]string{"Origin": "https://account.prusa3d.com"}, status: http.StatusForbidden},
		{name: "null Origin", hdr: map[string]string{"Origin": "null"}, status: http.StatusForbidden},
		{name: "missing token", edit: func(_ *browser, f url.Values) { f.Del("csrfmiddlewaretoken") }, status: http.StatusForbidden},
		{name: "cookie value as token", edit: func(b *browser, f url.Values) { f.Set("csrfmiddlewaretoken", b.cookie("csrftoken")) }, status: http.StatusForbidden},
		{name: "token of another cookie", edit: func(_ *browser, f url.Values) { f.Set("csrfmiddlewaretoken", maskCSRF(randomString(32))) }, status: http.StatusForbidden},
		{name: "tampered token", edit: func(_ *browser, f url.Values) {
			tok := []byte(f.Get("csrfmiddlewaretoken"))
			tok[40] = map[bool]byte{true: 'a', false: 'b'}[tok[40] != 'a']
			f.Set("csrfmiddlewaretoken", string(tok))
		}, status: http.StatusForbidden},
		{name: "missing cookie", edit: func(b *browser, _ url.Values) {
			b.c.Jar.SetCookies(b.resolve("/"), []*http.Cookie{{Name: "csrftoken", Value: "", Path: "/", MaxAge: -1}})
		}, status: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, srv)
			pageURL, form := b.openLogin(newVerifier(), "")
			if tt.edit != nil {
				tt.edit(b, form)
			}
			p := b.submit(pageURL, form, creds, tt.hdr)
			if p.status != tt.status {
				t.Fatalf("POST /login/: status %d, want %d; body:\n%s", p.status, tt.status, p.body)
			}
			if p.status == http.StatusForbidden {
				if !strings.Contains(p.body, "CSRF verification failed") {
					t.Errorf("403 body lacks Django's CSRF failure message:\n%s", p.body)
				}
				if b.cookie("sessionid") != "" {
					t.Errorf("a session cookie was set despite the CSRF failure")
				}
			}
		})
	}
}

func TestLoginWrongCredentials(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	tests := []struct {
		name            string
		email, password string
	}{
		{"wrong password", alice.Email, "wrong"},
		{"unknown email", "mallory@example.com", alice.Password},
		{"password of another account", alice.Email, bob.Password},
		{"empty password", alice.Email, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, srv)
			pageURL, form := b.openLogin(newVerifier(), "")
			p := b.submit(pageURL, form, map[string]string{"email": tt.email, "password": tt.password}, nil)
			if p.status != http.StatusOK {
				t.Fatalf("POST /login/: status %d, want 200", p.status)
			}
			if feedback(t, p.body) == "" {
				t.Errorf("re-rendered page has no invalid-feedback element:\n%s", p.body)
			}
			if b.cookie("sessionid") != "" {
				t.Errorf("a session cookie was set for wrong credentials")
			}
			// The re-rendered page is a working login page.
			retry := postForm(t, p.body, named("password"))
			p = b.submit(pageURL, retry, map[string]string{"email": alice.Email, "password": alice.Password}, nil)
			if p.status != http.StatusFound {
				t.Errorf("retry with the right password: status %d, want 302", p.status)
			}
		})
	}
}

func TestLoginEmailCaseInsensitive(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	b := newBrowser(t, srv)
	upper := alice
	upper.Email = strings.ToUpper(alice.Email)
	verifier := newVerifier()
	code := b.login(upper, nil, verifier, "")
	if r := postToken(t, srv, exchangeForm(code, verifier), nil); r.status != http.StatusOK {
		t.Errorf("exchange: status %d, want 200", r.status)
	}
}

// totpStep drives bob's login up to the TOTP form.
func totpStep(t *testing.T, b *browser) (string, url.Values) {
	t.Helper()
	pageURL, form := b.openLogin(newVerifier(), "")
	p := b.submit(pageURL, form, map[string]string{"email": bob.Email, "password": bob.Password}, nil)
	if p.status != http.StatusFound {
		t.Fatalf("POST /login/: status %d, want 302", p.status)
	}
	loc := p.location(t)
	if loc.Path != "/login/totp/" || !strings.HasPrefix(p.header.Get("Location"), "http") {
		t.Fatalf("login with 2FA redirects to %q, want an absolute /login/totp/ URL", p.header.Get("Location"))
	}
	tp := b.get(loc.String())
	if tp.status != http.StatusOK {
		t.Fatalf("GET /login/totp/: status %d, want 200", tp.status)
	}
	return loc.String(), postForm(t, tp.body, oneTimeCode)
}

func TestTOTP(t *testing.T) {
	code := func(clk *clock, d time.Duration) string {
		c, err := pkce.TOTP(totpSecret, clk.Now().Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name   string
		otp    func(clk *clock) string
		status int
	}{
		{"current step", func(c *clock) string { return code(c, 0) }, http.StatusFound},
		{"previous step", func(c *clock) string { return code(c, -30*time.Second) }, http.StatusFound},
		{"two steps ago", func(c *clock) string { return code(c, -60*time.Second) }, http.StatusOK},
		{"next step", func(c *clock) string { return code(c, 30*time.Second) }, http.StatusOK},
		{"wrong code", func(c *clock) string { return "000000" }, http.StatusOK},
		{"not digits", func(c *clock) string { return "abcdef" }, http.StatusOK},
		{"empty", func(c *clock) string { return "" }, http.StatusOK},
		{"fixed code of another account", func(c *clock) string { return fixedCode }, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, clk := newTestServer(t, Options{})
			b := newBrowser(t, srv)
			pageURL, form := totpStep(t, b)
			p := b.submit(pageURL, form, map[string]string{"otp_token": tt.otp(clk)}, nil)
			if p.status != tt.status {
				t.Fatalf("POST /login/totp/: status %d, want %d", p.status, tt.status)
			}
			if p.status == http.StatusOK && feedback(t, p.body) == "" {
				t.Errorf("wrong code: page has no invalid-feedback element")
			}
			if p.status == http.StatusFound && p.location(t).Path != "/o/authorize/" {
				t.Errorf("right code redirects to %v, want /o/authorize/", p.location(t))
			}
		})
	}
}

func TestTOTPCSRF(t *testing.T) {
	srv, clk := newTestServer(t, Options{})
	b := newBrowser(t, srv)
	pageURL, form := totpStep(t, b)
	code, _ := pkce.TOTP(totpSecret, clk.Now())
	for _, hdr := range []map[string]string{{"Referer": ""}, {"Referer": "https://evil.example/"}} {
		if p := b.submit(pageURL, form, map[string]string{"otp_token": code}, hdr); p.status != http.StatusForbidden {
			t.Errorf("POST /login/totp/ with headers %v: status %d, want 403", hdr, p.status)
		}
	}
	bad := url.Values{"csrfmiddlewaretoken": {"x"}, "next": form["next"]}
	if p := b.submit(pageURL, bad, map[string]string{"otp_token": code}, nil); p.status != http.StatusForbidden {
		t.Errorf("POST /login/totp/ with a bad token: status %d, want 403", p.status)
	}
	if p := b.submit(pageURL, form, map[string]string{"otp_token": code}, nil); p.status != http.StatusFound {
		t.Errorf("POST /login/totp/ after the failures: status %d, want 302", p.status)
	}
}

func TestTOTPReplay(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "AllowTOTPReplay"}[allow], func(t *testing.T) {
			srv, clk := newTestServer(t, Options{AllowTOTPReplay: allow})
			code, _ := pkce.TOTP(totpSecret, clk.Now())
			first := newBrowser(t, srv)
			pageURL, form := totpStep(t, first)
			if p := first.submit(pageURL, form, map[string]string{"otp_token": code}, nil); p.status != http.StatusFound {
				t.Fatalf("first use: status %d, want 302", p.status)
			}
			second := newBrowser(t, srv)
			pageURL, form = totpStep(t, second)
			want := http.StatusOK
			if allow {
				want = http.StatusFound
			}
			if p := second.submit(pageURL, form, map[string]string{"otp_token": code}, nil); p.status != want {
				t.Errorf("same code again: status %d, want %d", p.status, want)
			}
			clk.Advance(30 * time.Second)
			next, _ := pkce.TOTP(totpSecret, clk.Now())
			third := newBrowser(t, srv)
			pageURL, form = totpStep(t, third)
			if p := third.submit(pageURL, form, map[string]string{"otp_token": next}, nil); p.status != http.StatusFound {
				t.Errorf("code of the next step: status %d, want 302", p.status)
			}
		})
	}
}

func TestTOTPWithoutPassword(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	b := newBrowser(t, srv)
	p := b.get("/login/totp/?next=/o/authorize/")
	if p.status != http.StatusFound || p.location(t).Path != "/login/" {
		t.Errorf("GET /login/totp/ without a session: status %d, Location %q, want 302 to /login/", p.status, p.header.Get("Location"))
	}
}

func TestAuthorizeValidation(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	tests := []struct {
		name    string
		edit    func(q url.Values)
		wantErr string
	}{
		{"wrong client_id", func(q url.Values) { q.Set("client_id", "other") }, "invalid_client"},
		{"missing client_id", func(q url.Values) { q.Del("client_id") }, "invalid_request"},
		{"wrong redirect_uri", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, "invalid_request"},
		{"redirect_uri with slash", func(q url.Values) { q.Set("redirect_uri", DefaultRedirectURI+"/") }, "invalid_request"},
		{"missing redirect_uri", func(q url.Values) { q.Del("redirect_uri") }, "invalid_request"},
		{"token response_type", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		{"missing response_type", func(q url.Values) { q.Del("response_type") }, "invalid_request"},
		{"plain method", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"missing method", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		{"missing challenge", func(q url.Values) { q.Del("code_challenge") }, "invalid_request"},
		{"short challenge", func(q url.Values) { q.Set("code_challenge", "abc") }, "invalid_request"},
		{"padded challenge", func(q url.Values) { q.Set("code_challenge", q.Get("code_challenge")[:42]+"=") }, "invalid_request"},
		{"unknown scope", func(q url.Values) { q.Set("scope", "openid admin") }, "invalid_scope"},
		{"repeated state", func(q url.Values) { q["state"] = []string{"a", "b"} }, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, srv)
			q := authorizeQuery(newVerifier(), "st")
			tt.edit(q)
			p := b.get("/o/authorize/?" + q.Encode())
			if p.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.status)
			}
			if p.header.Get("Location") != "" {
				t.Errorf("error answer redirects to %q, want no redirect", p.header.Get("Location"))
			}
			if !strings.Contains(p.body, tt.wantErr) {
				t.Errorf("body lacks %q:\n%s", tt.wantErr, p.body)
			}
		})
	}
	t.Run("valid scope", func(t *testing.T) {
		q := authorizeQuery(newVerifier(), "")
		q.Set("scope", "openid connect")
		if p := newBrowser(t, srv).get("/o/authorize/?" + q.Encode()); p.status != http.StatusFound {
			t.Errorf("status %d, want 302", p.status)
		}
	})
	t.Run("POST", func(t *testing.T) {
		b := newBrowser(t, srv)
		if p := b.post("/o/authorize/", authorizeQuery(newVerifier(), ""), nil); p.status != http.StatusMethodNotAllowed {
			t.Errorf("status %d, want 405", p.status)
		}
	})
}

func TestAuthorizeLoggedIn(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	b := newBrowser(t, srv)
	b.login(alice, nil, newVerifier(), "")
	// A second authorization in the same browser needs no login.
	verifier := newVerifier()
	p := b.get("/o/authorize/?" + authorizeQuery(verifier, "again").Encode())
	loc := p.location(t)
	if p.status != http.StatusFound || loc.Host != "connect.prusa3d.com" || loc.Query().Get("state") != "again" {
		t.Fatalf("second authorize: status %d, Location %v, want 302 to the redirect URI with state", p.status, loc)
	}
	if r := postToken(t, srv, exchangeForm(loc.Query().Get("code"), verifier), nil); r.status != http.StatusOK {
		t.Errorf("exchange: status %d, want 200", r.status)
	}
	// Revoke logs the browser out.
	srv.Revoke(alice.Email)
	p = b.get("/o/authorize/?" + authorizeQuery(verifier, "").Encode())
	if p.location(t).Path != "/login/" {
		t.Errorf("authorize after Revoke redirects to %v, want /login/", p.location(t))
	}
}

func TestHostCheck(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/login/", nil)
	req.Host = "account.prusa3d.com"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("foreign Host: status %d, want 400", resp.StatusCode)
	}
}

func TestSafeNext(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	tests := []struct{ next, want string }{
		{"/o/authorize/?a=b", "/o/authorize/?a=b"},
		{srv.URL() + "/o/authorize/", srv.URL() + "/o/authorize/"},
		{"//evil.example/", ""},
		{"https://evil.example/", ""},
		{"/\\evil.example", ""},
		{"javascript:alert(1)", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := srv.safeNext(tt.next); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}
}

func TestLoginNextMustBeDecoded(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	b := newBrowser(t, srv)
	pageURL, form := b.openLogin(newVerifier(), "")
	// A client that posts the hidden next as the page holds it, still
	// percent-encoded, lands on a path that does not exist.
	form.Set("email", alice.Email)
	form.Set("password", alice.Password)
	p := b.post(pageURL, form, nil)
	if p.status != http.StatusFound {
		t.Fatalf("POST /login/: status %d, want 302", p.status)
	}
	if got := b.get(p.location(t).String()).status; got != http.StatusNotFound {
		t.Errorf("following the undecoded next: status %d, want 404", got)
	}
}

func TestLoginUnsafeNext(t *testing.T) {
	srv, _ := newTestServer(t, Options{})
	b := newBrowser(t, srv)
	lp := b.get("/login/?next=" + url.QueryEscape("https://evil.example/"))
	form := postForm(t, lp.body, named("password"))
	if got := form.Get("next"); got != "" {
		t.Errorf("hidden next for a foreign URL = %q, want empty", got)
	}
	form.Set("next", "https://evil.example/")
	form.Set("email", alice.Email)
	form.Set("password", alice.Password)
	p := b.post("/login/?next="+url.QueryEscape("//evil.example/"), form, nil)
	if got := p.header.Get("Location"); got != "/" {
		t.Errorf("login with a foreign next redirects to %q, want /", got)
	}
}
