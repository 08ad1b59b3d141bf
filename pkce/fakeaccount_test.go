package pkce

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// The fake Prusa Account below answers like the real one (DESIGN.md §5)
// and fails the test on any request the real one would reject.

const (
	testClientID = "test-client-id"
	testRedirect = "https://connect.example.test/login/auth-callback"
	testEmail    = "user@example.com"
	testPassword = "correct horse battery staple"
	testOTP      = "123456"
	formCSRF     = "form-csrf-0123456789"   // the form's csrfmiddlewaretoken
	cookieCSRF   = "cookie-csrf-9876543210" // the csrftoken cookie: differs, as in Django
	testScope    = "basic_info connect user_operations email_lists openid"
)

var (
	testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	testExp = testNow.Add(2 * time.Hour)
)

type fakeAccount struct {
	t     *testing.T
	srv   *httptest.Server
	twoFA bool

	// override replaces the handler for "METHOD /path/"; requests are
	// still logged and token requests counted.
	override map[string]http.HandlerFunc
	// callbackState, if set, replaces the state in the final redirect.
	callbackState string

	mu            sync.Mutex
	log           []string     // "METHOD /path/", in order
	loginForms    []url.Values // bodies of POST /login/
	otpForms      []url.Values // bodies of POST /login/totp/
	tokenForms    []url.Values // bodies of POST /o/token/
	challenge     string
	code          string // the code issued, until used
	refreshToken  string // the refresh token that works, until used
	issued        []map[string]any
	sessionCookie string
}

func newFakeAccount(t *testing.T) *fakeAccount {
	t.Helper()
	fa := &fakeAccount{t: t, override: make(map[string]http.HandlerFunc)}
	fa.srv = httptest.NewServer(http.HandlerFunc(fa.serve))
	t.Cleanup(fa.srv.Close)
	return fa
}

// client returns a Client for the fake.
func (fa *fakeAccount) client() *Client {
	return &Client{
		AccountURL:  fa.srv.URL,
		ClientID:    testClientID,
		RedirectURL: testRedirect,
		HTTPClient:  fa.srv.Client(),
		Now:         func() time.Time { return testNow },
	}
}

func (fa *fakeAccount) requests() []string {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	return slices.Clone(fa.log)
}

// posted returns the bodies of the login, 2FA and token posts so far.
func (fa *fakeAccount) posted() (login, otp, token []url.Values) {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	return slices.Clone(fa.loginForms), slices.Clone(fa.otpForms), slices.Clone(fa.tokenForms)
}

func (fa *fakeAccount) tokenRequests() int {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	return len(fa.tokenForms)
}

func (fa *fakeAccount) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	fa.mu.Lock()
	fa.log = append(fa.log, key)
	fa.mu.Unlock()
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			fa.t.Errorf("%s: bad form body: %v", key, err)
		}
		if got := r.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
			fa.t.Errorf("%s: Content-Type = %q, want a form", key, got)
		}
	}
	if key == "POST /o/token/" {
		fa.mu.Lock()
		fa.tokenForms = append(fa.tokenForms, r.PostForm)
		fa.mu.Unlock()
		if got := r.Header.Get("Authorization"); got != "" {
			fa.t.Errorf("token request has Authorization %q; a public client sends client_id in the body", got)
		}
	}
	if h := fa.override[key]; h != nil {
		h(w, r)
		return
	}
	switch key {
	case "GET /o/authorize/":
		fa.authorize(w, r)
	case "GET /login/":
		fa.loginPage(w, r, false)
	case "POST /login/":
		fa.loginPost(w, r)
	case "GET /login/totp/":
		fa.otpPage(w, r, false)
	case "POST /login/totp/":
		fa.otpPost(w, r)
	case "POST /o/token/":
		fa.token(w, r)
	default:
		fa.t.Errorf("unexpected request %s", key)
		http.NotFound(w, r)
	}
}

func (fa *fakeAccount) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := url.Values{
		"response_type":         {"code"},
		"client_id":             {testClientID},
		"redirect_uri":          {testRedirect},
		"code_challenge_method": {"S256"},
		"code_challenge":        q["code_challenge"],
		"state":                 q["state"],
	}
	if !equalValues(q, want) {
		fa.t.Errorf("authorize query = %v, want %v", q, want)
	}
	if len(q.Get("code_challenge")) != 43 || q.Get("state") == "" {
		fa.t.Errorf("authorize: code_challenge %q (want 43 base64url chars), state %q", q.Get("code_challenge"), q.Get("state"))
	}
	fa.mu.Lock()
	loggedIn := fa.sessionCookie != "" && hasCookie(r, "sessionid", fa.sessionCookie)
	fa.challenge = q.Get("code_challenge")
	fa.mu.Unlock()
	if !loggedIn {
		next := "/o/authorize/?" + r.URL.RawQuery
		http.Redirect(w, r, "/login/?next="+url.QueryEscape(next), http.StatusFound)
		return
	}
	state := q.Get("state")
	if fa.callbackState != "" {
		state = fa.callbackState
	}
	fa.mu.Lock()
	fa.code = fmt.Sprintf("code-%d", len(fa.log))
	code := fa.code
	fa.mu.Unlock()
	http.Redirect(w, r, testRedirect+"?"+url.Values{"code": {code}, "state": {state}}.Encode(), http.StatusFound)
}

const loginPageHTML = `<!DOCTYPE html>
<html lang="en"><head><title>Log in | Prusa Account</title></head>
<body>
<nav><form action="/i18n/setlang/" method="post" id="lang">
<input type="hidden" name="csrfmiddlewaretoken" value="other-form-csrf">
<select name="language"><option value="en">English</option></select>
</form></nav>
<main>
<form method="post" class="login-form" novalidate>
<input type="hidden" name="csrfmiddlewaretoken" value="%s">
<input type="hidden" name="next" value="%s">
<input type="hidden" name="variant" value="a&amp;b">
<input type="email" name="email" class="form-control%s" autocomplete="email" required>
<input type="password" name="password" class="form-control" autocomplete="current-password" required>
%s
<button type="submit" class="btn btn-primary">Log in</button>
</form>
<form action="/search/" method="get"><input type="search" name="q"></form>
</main>
</body></html>`

const otpPageHTML = `<!DOCTYPE html>
<html><head><title>Two-factor authentication | Prusa Account</title></head>
<body>
<form action="" method="POST">
<input type="hidden" name="csrfmiddlewaretoken" value="%s">
<input type="hidden" name="next" value="%s">
<label for="id_otp_token">Code</label>
<input type="text" name="otp_token" id="id_otp_token" inputmode="numeric" autocomplete="one-time-code" maxlength="6">
%s
<button type="submit">Verify</button>
</form>
</body></html>`

func (fa *fakeAccount) loginPage(w http.ResponseWriter, r *http.Request, failed bool) {
	next := r.URL.Query().Get("next")
	if !strings.HasPrefix(next, "/o/authorize/?") {
		fa.t.Errorf("login page next = %q", next)
	}
	http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: cookieCSRF, Path: "/"})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	invalid, feedback := "", ""
	if failed {
		invalid = " is-invalid"
		feedback = `<div class="invalid-feedback d-block">Please enter a correct email and password.</div>`
	}
	fmt.Fprintf(w, loginPageHTML, formCSRF, html.EscapeString(url.QueryEscape(next)), invalid, feedback)
}

// checkPost asserts what Django's CSRF protection and the login views
// require of a form post from pagePath.
func (fa *fakeAccount) checkPost(r *http.Request, pagePath string) {
	key := r.Method + " " + r.URL.Path
	next := r.URL.Query().Get("next")
	wantReferer := fa.srv.URL + pagePath + "?next=" + url.QueryEscape(next)
	if got := r.Header.Get("Referer"); got != wantReferer {
		fa.t.Errorf("%s: Referer = %q, want %q", key, got, wantReferer)
	}
	if got := r.Header.Get("Origin"); got != fa.srv.URL {
		fa.t.Errorf("%s: Origin = %q, want %q", key, got, fa.srv.URL)
	}
	if !hasCookie(r, "csrftoken", cookieCSRF) {
		fa.t.Errorf("%s: no csrftoken cookie", key)
	}
	if got := r.PostForm.Get("csrfmiddlewaretoken"); got != formCSRF {
		fa.t.Errorf("%s: csrfmiddlewaretoken = %q, want the form's %q", key, got, formCSRF)
	}
	if got := r.PostForm.Get("next"); got != next {
		fa.t.Errorf("%s: next = %q, want %q (decoded once)", key, got, next)
	}
}

func (fa *fakeAccount) loginPost(w http.ResponseWriter, r *http.Request) {
	fa.checkPost(r, "/login/")
	fa.mu.Lock()
	fa.loginForms = append(fa.loginForms, r.PostForm)
	fa.mu.Unlock()
	if r.PostForm.Get("email") != testEmail || r.PostForm.Get("password") != testPassword {
		fa.loginPage(w, r, true)
		return
	}
	next := r.URL.Query().Get("next")
	if fa.twoFA {
		http.SetCookie(w, &http.Cookie{Name: "pending2fa", Value: "yes", Path: "/"})
		http.Redirect(w, r, "/login/totp/?next="+url.QueryEscape(next), http.StatusFound)
		return
	}
	fa.logIn(w)
	http.Redirect(w, r, next, http.StatusFound)
}

func (fa *fakeAccount) logIn(w http.ResponseWriter) {
	fa.mu.Lock()
	fa.sessionCookie = fmt.Sprintf("session-%d", len(fa.log))
	v := fa.sessionCookie
	fa.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "sessionid", Value: v, Path: "/", HttpOnly: true})
}

func (fa *fakeAccount) otpPage(w http.ResponseWriter, r *http.Request, failed bool) {
	if !hasCookie(r, "pending2fa", "yes") {
		fa.t.Errorf("2FA page without the pending2fa cookie")
	}
	http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: cookieCSRF, Path: "/"})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	feedback := ""
	if failed {
		feedback = `<div class="invalid-feedback">Invalid token. Please make sure you have entered it correctly.</div>`
	}
	fmt.Fprintf(w, otpPageHTML, formCSRF, html.EscapeString(url.QueryEscape(r.URL.Query().Get("next"))), feedback)
}

func (fa *fakeAccount) otpPost(w http.ResponseWriter, r *http.Request) {
	fa.checkPost(r, "/login/totp/")
	fa.mu.Lock()
	fa.otpForms = append(fa.otpForms, r.PostForm)
	fa.mu.Unlock()
	if r.PostForm.Get("otp_token") != testOTP {
		fa.otpPage(w, r, true)
		return
	}
	fa.logIn(w)
	http.Redirect(w, r, r.URL.Query().Get("next"), http.StatusFound)
}

func (fa *fakeAccount) token(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	if got := f.Get("client_id"); got != testClientID {
		fa.t.Errorf("token request client_id = %q, want %q", got, testClientID)
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		fa.mu.Lock()
		code, challenge := fa.code, fa.challenge
		fa.code = "" // single use
		fa.mu.Unlock()
		want := url.Values{
			"grant_type":    {"authorization_code"},
			"client_id":     {testClientID},
			"code":          {code},
			"code_verifier": f["code_verifier"],
			"redirect_uri":  {testRedirect},
		}
		if code == "" || !equalValues(f, want) {
			fa.t.Errorf("exchange form = %v, want %v", f, want)
			tokenErrorJSON(w, http.StatusBadRequest, "invalid_grant", "Invalid code.")
			return
		}
		if oauth2.S256ChallengeFromVerifier(f.Get("code_verifier")) != challenge {
			fa.t.Errorf("code_verifier does not match the code_challenge")
			tokenErrorJSON(w, http.StatusBadRequest, "invalid_grant", "Code verifier mismatch.")
			return
		}
	case "refresh_token":
		fa.mu.Lock()
		rt := fa.refreshToken
		fa.refreshToken = "" // single use
		fa.mu.Unlock()
		want := url.Values{
			"grant_type":    {"refresh_token"},
			"client_id":     {testClientID},
			"refresh_token": f["refresh_token"],
		}
		if !equalValues(f, want) {
			fa.t.Errorf("refresh form = %v, want %v", f, want)
		}
		if rt == "" || f.Get("refresh_token") != rt {
			tokenErrorJSON(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token.")
			return
		}
	default:
		tokenErrorJSON(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(fa.issue())
}

// issue makes a new token response, as Prusa Account shapes it, and makes
// its refresh token the one that works.
func (fa *fakeAccount) issue() map[string]any {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	n := len(fa.issued) + 1
	resp := map[string]any{
		"access_token": makeJWT(map[string]any{
			"jti": fmt.Sprintf("at-%d", n), "sub": 1234, "exp": testExp.Unix(),
			"sid": "sid-1", "app": "connect", "type": "access", "connect_id": "cid-1",
		}),
		"refresh_token": makeJWT(map[string]any{
			"jti": fmt.Sprintf("rt-%d", n), "sub": 1234, "exp": testExp.Add(30 * 24 * time.Hour).Unix(),
			"sid": "sid-1", "app": "connect", "type": "refresh",
		}),
		"id_token": makeJWT(map[string]any{
			"jti": fmt.Sprintf("id-%d", n), "sub": "1234", "exp": float64(testExp.Unix()) + 0.5,
			"aud": testClientID, "iss": fa.srv.URL, "user": map[string]any{"email": testEmail, "id": 1234},
		}),
		"expires_in":         7200,
		"token_type":         "Bearer",
		"scope":              testScope,
		"shared_session_key": fmt.Sprintf("ssk-%d", n),
	}
	fa.issued = append(fa.issued, resp)
	fa.refreshToken = resp["refresh_token"].(string)
	return resp
}

// lastIssued returns the last token response as the TokenSet it should
// become.
func (fa *fakeAccount) lastIssued() *TokenSet {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	if len(fa.issued) == 0 {
		return nil
	}
	m := fa.issued[len(fa.issued)-1]
	return &TokenSet{
		AccessToken:      m["access_token"].(string),
		RefreshToken:     m["refresh_token"].(string),
		IDToken:          m["id_token"].(string),
		ExpiresIn:        int64(m["expires_in"].(int)),
		TokenType:        m["token_type"].(string),
		Scope:            m["scope"].(string),
		SharedSessionKey: m["shared_session_key"].(string),
	}
}

// secrets returns what must never appear in an error message.
func (fa *fakeAccount) secrets() []string {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	s := []string{testPassword, testEmail, testOTP, formCSRF, cookieCSRF}
	for _, m := range fa.issued {
		s = append(s, m["access_token"].(string), m["refresh_token"].(string), m["id_token"].(string))
	}
	if fa.refreshToken != "" {
		s = append(s, fa.refreshToken)
	}
	return s
}

func tokenErrorJSON(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	m := map[string]string{"error": code}
	if desc != "" {
		m["error_description"] = desc
	}
	json.NewEncoder(w).Encode(m)
}

func hasCookie(r *http.Request, name, value string) bool {
	c, err := r.Cookie(name)
	return err == nil && c.Value == value
}

// equalValues compares form values ignoring order of keys.
func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// makeJWT builds an unsigned-looking JWT (RS256 header, dummy signature)
// with the given claims, base64url without padding as servers send it.
func makeJWT(claims map[string]any) string {
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(payload) + "." + enc([]byte("not-a-real-signature"))
}
