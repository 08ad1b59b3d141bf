package pkce

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// The tests of this package log in to pkcetest's fake Prusa Account,
// through a recorder that logs each request, keeps the posted forms and the
// token responses, and lets a test answer a route itself (override).

const (
	testClientID = "test-client-id"
	testRedirect = "https://connect.example.test/login/auth-callback"
	testEmail    = "user@example.com"
	testPassword = "correct horse battery staple"
	testOTP      = "123456"
	testScope    = pkcetest.Scope
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testKey signs every fake's tokens: one RSA key for all the tests.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

type fakeAccount struct {
	t   *testing.T
	ts  *httptest.Server
	srv *pkcetest.Server

	// override answers "METHOD /path/" instead of the fake; requests are
	// still logged and their forms kept.
	override map[string]http.HandlerFunc

	mu         sync.Mutex
	log        []string     // "METHOD /path/", in order
	loginForms []url.Values // bodies of POST /login/
	otpForms   []url.Values // bodies of POST /login/totp/
	tokenForms []url.Values // bodies of POST /o/token/
	issued     []byte       // the last successful token response
}

// newFakeAccount starts a fake with the account testEmail, which has the
// fixed 2FA code testOTP when twoFA is set.
func newFakeAccount(t *testing.T, twoFA bool) *fakeAccount {
	acct := pkcetest.Account{Email: testEmail, Password: testPassword}
	if twoFA {
		acct.OTPCode = testOTP
	}
	return newFakeAccountFor(t, acct)
}

// newFakeAccountFor starts a fake with the account acct.
func newFakeAccountFor(t *testing.T, acct pkcetest.Account) *fakeAccount {
	t.Helper()
	fa := &fakeAccount{t: t, override: make(map[string]http.HandlerFunc)}
	fa.ts = httptest.NewServer(http.HandlerFunc(fa.serve))
	t.Cleanup(fa.ts.Close)
	fa.srv = pkcetest.New(pkcetest.Options{
		URL: fa.ts.URL, ClientID: testClientID, RedirectURI: testRedirect,
		Now: func() time.Time { return testNow }, Key: testKey(),
	}, acct)
	t.Cleanup(fa.srv.Close)
	return fa
}

// client returns a Client for the fake.
func (fa *fakeAccount) client() *Client {
	return &Client{
		AccountURL:  fa.ts.URL,
		ClientID:    testClientID,
		RedirectURL: testRedirect,
		HTTPClient:  fa.ts.Client(),
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
	var form url.Values
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			form, err = url.ParseQuery(string(body))
		}
		if err != nil {
			fa.t.Errorf("%s: bad form body: %v", key, err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	fa.mu.Lock()
	fa.log = append(fa.log, key)
	switch key {
	case "POST /login/":
		fa.loginForms = append(fa.loginForms, form)
	case "POST /login/totp/":
		fa.otpForms = append(fa.otpForms, form)
	case "POST /o/token/":
		fa.tokenForms = append(fa.tokenForms, form)
	}
	fa.mu.Unlock()
	if h := fa.override[key]; h != nil {
		r.PostForm = form
		h(w, r)
		return
	}
	if key != "POST /o/token/" {
		fa.srv.Handler().ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	fa.srv.Handler().ServeHTTP(rec, r)
	if rec.Code == http.StatusOK {
		fa.mu.Lock()
		fa.issued = rec.Body.Bytes()
		fa.mu.Unlock()
	}
	copyResponse(w, rec)
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// forgeState answers the authorization request as the fake does, but
// with state in the redirect to the client.
func (fa *fakeAccount) forgeState(state string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		fa.srv.Handler().ServeHTTP(rec, r)
		if loc, err := url.Parse(rec.Header().Get("Location")); err == nil && strings.HasPrefix(loc.String(), testRedirect) {
			q := loc.Query()
			q.Set("state", state)
			loc.RawQuery = q.Encode()
			rec.Header().Set("Location", loc.String())
		}
		copyResponse(w, rec)
	}
}

// issue mints a session at the fake, as a login would.
func (fa *fakeAccount) issue() *TokenSet {
	tr, err := fa.srv.Issue(testEmail)
	if err != nil {
		fa.t.Fatal(err)
	}
	return tokenSetOf(tr)
}

// lastIssued returns the last token response as the TokenSet it should
// become.
func (fa *fakeAccount) lastIssued() *TokenSet {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	var tr pkcetest.TokenResponse
	if err := json.Unmarshal(fa.issued, &tr); err != nil {
		fa.t.Fatalf("last token response: %v", err)
	}
	return tokenSetOf(tr)
}

func tokenSetOf(tr pkcetest.TokenResponse) *TokenSet {
	return &TokenSet{
		AccessToken:      tr.AccessToken,
		RefreshToken:     tr.RefreshToken,
		IDToken:          tr.IDToken,
		ExpiresIn:        tr.ExpiresIn,
		TokenType:        tr.TokenType,
		Scope:            tr.Scope,
		SharedSessionKey: tr.SharedSessionKey,
	}
}

// secrets returns what must never appear in an error message.
func (fa *fakeAccount) secrets() []string {
	return append(fa.srv.Secrets(), testEmail)
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
