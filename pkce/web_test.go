package pkce_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// A Prusa account made with Google: no password, so only a browser login
// serves it.
var socialAccount = pkcetest.Account{Email: "social@example.com", Social: true}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newWebFake(t *testing.T) (*pkcetest.Server, *pkce.Client, *testClock) {
	t.Helper()
	clk := &testClock{t: time.Now()}
	srv := pkcetest.NewServer(pkcetest.Options{Now: clk.Now},
		pkcetest.Account{Email: "maker@example.com", Password: "pw"}, socialAccount)
	t.Cleanup(srv.Close)
	return srv, &pkce.Client{AccountURL: srv.URL(), Now: clk.Now}, clk
}

// signIn starts a web login and plays the browser to its end.
func signIn(t *testing.T, srv *pkcetest.Server, c *pkce.Client) (*pkce.WebLogin, string) {
	t.Helper()
	w, err := c.StartWebLogin()
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.BrowserLogin(context.Background(), w.URL, socialAccount.Email)
	if err != nil {
		t.Fatal(err)
	}
	return w, addr
}

func TestWebLoginURL(t *testing.T) {
	c := &pkce.Client{AccountURL: "https://account.example.com"}
	w, err := c.StartWebLogin()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(w.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != "https://account.example.com/o/authorize/" {
		t.Errorf("endpoint = %s, want https://account.example.com/o/authorize/", got)
	}
	q := u.Query()
	want := map[string]string{
		"response_type":         "code",
		"client_id":             pkce.DefaultClientID,
		"redirect_uri":          pkce.DefaultRedirectURL,
		"code_challenge_method": "S256",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(q.Get("code_challenge")) != 43 || len(q.Get("state")) < 16 {
		t.Errorf("code_challenge %q, state %q: want a SHA-256 challenge and a random state", q.Get("code_challenge"), q.Get("state"))
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(keys, []string{"client_id", "code_challenge", "code_challenge_method", "redirect_uri", "response_type", "state"}) {
		t.Errorf("parameters %v, want exactly the form login's plus state", keys)
	}
	w2, _ := c.StartWebLogin()
	if q2, _ := url.ParseQuery(strings.SplitN(w2.URL, "?", 2)[1]); q2.Get("state") == q.Get("state") || q2.Get("code_challenge") == q.Get("code_challenge") {
		t.Errorf("two web logins share a state or a challenge")
	}
}

func TestWebLogin(t *testing.T) {
	srv, c, _ := newWebFake(t)
	for _, tt := range []struct {
		name  string
		paste func(addr string) string
	}{
		{"address", func(a string) string { return a }},
		{"address with blanks", func(a string) string { return "  " + a + " \r\n" }},
		{"address without scheme", func(a string) string { return strings.TrimPrefix(a, "https://") }},
		{"bare code", func(a string) string { u, _ := url.Parse(a); return u.Query().Get("code") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, addr := signIn(t, srv, c)
			code, err := w.Code(tt.paste(addr))
			if err != nil {
				t.Fatalf("Code: %v", err)
			}
			ts, err := w.Exchange(context.Background(), code)
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if email, _ := ts.Email(); email != socialAccount.Email {
				t.Errorf("email = %q, want %q", email, socialAccount.Email)
			}
		})
	}
}

func TestWebLoginCodeErrors(t *testing.T) {
	srv, c, _ := newWebFake(t)
	w, addr := signIn(t, srv, c)
	_, other := signIn(t, srv, c) // another attempt's address
	u, _ := url.Parse(addr)
	code, state := u.Query().Get("code"), u.Query().Get("state")
	cb := pkce.DefaultRedirectURL + "?"
	tests := []struct {
		name  string
		paste string
		check func(error) bool
	}{
		{"empty", "  \n", is(pkce.ErrNoCode)},
		{"another attempt", other, is(pkce.ErrStateMismatch)},
		{"no state", cb + url.Values{"code": {code}}.Encode(), is(pkce.ErrStateMismatch)},
		{"no code", cb + url.Values{"state": {state}}.Encode(), is(pkce.ErrNoCode)},
		{"access denied", cb + url.Values{"state": {state}, "error": {"access_denied"}}.Encode(), func(err error) bool {
			oe, ok := errors.AsType[*pkce.OAuthError](err)
			return ok && oe.Code == "access_denied"
		}},
		{"other host", strings.Replace(addr, "connect.prusa3d.com", "evil.example", 1), is(pkce.ErrNotCallback)},
		{"other path", strings.Replace(addr, "/login/auth-callback", "/login/other", 1), is(pkce.ErrNotCallback)},
		{"plain http", strings.Replace(addr, "https://", "http://", 1), is(pkce.ErrNotCallback)},
		{"other port", strings.Replace(addr, "connect.prusa3d.com", "connect.prusa3d.com:8443", 1), is(pkce.ErrNotCallback)},
		{"words", "the code is " + code, is(pkce.ErrNotCallback)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.Code(tt.paste)
			if err == nil || !tt.check(err) {
				t.Fatalf("Code(%s) = %q, %v; want the error of its case", tt.name, got, err)
			}
			if strings.Contains(err.Error(), code) || strings.Contains(err.Error(), state) {
				t.Errorf("error %q quotes the pasted address", err)
			}
		})
	}
	// Nothing above used the code up.
	got, err := w.Code(addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exchange(context.Background(), got); err != nil {
		t.Errorf("Exchange after the failed pastes: %v", err)
	}
}

func is(want error) func(error) bool { return func(err error) bool { return errors.Is(err, want) } }

func TestWebLoginExchangeErrors(t *testing.T) {
	srv, c, clk := newWebFake(t)
	t.Run("expired", func(t *testing.T) {
		w, addr := signIn(t, srv, c)
		code, _ := w.Code(addr)
		clk.Advance(pkcetest.DefaultCodeTTL + time.Second)
		_, err := w.Exchange(context.Background(), code)
		if !errors.Is(err, pkce.ErrCodeRejected) {
			t.Fatalf("Exchange of an expired code: %v, want ErrCodeRejected", err)
		}
		if oe, ok := errors.AsType[*pkce.OAuthError](err); !ok || oe.Code != "invalid_grant" {
			t.Errorf("error %v does not carry the server's invalid_grant", err)
		}
		if strings.Contains(err.Error(), code) {
			t.Errorf("error %q contains the code", err)
		}
	})
	t.Run("already used", func(t *testing.T) {
		w, addr := signIn(t, srv, c)
		code, _ := w.Code(addr)
		if _, err := w.Exchange(context.Background(), code); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Exchange(context.Background(), code); !errors.Is(err, pkce.ErrCodeRejected) {
			t.Errorf("second Exchange: %v, want ErrCodeRejected", err)
		}
	})
	t.Run("another login's verifier", func(t *testing.T) {
		_, addr := signIn(t, srv, c)
		w2, _ := c.StartWebLogin()
		u, _ := url.Parse(addr)
		if _, err := w2.Exchange(context.Background(), u.Query().Get("code")); !errors.Is(err, pkce.ErrCodeRejected) {
			t.Errorf("Exchange with another verifier: %v, want ErrCodeRejected", err)
		}
	})
}

// Prusa Connect's callback page may try to redeem the code with a
// verifier of its own before the user copies the address. That cannot be
// tried against the real service; against the fake, which follows
// django-oauth-toolkit there, the failed redemption leaves the code.
func TestWebLoginAfterConnectsAttempt(t *testing.T) {
	srv, c, _ := newWebFake(t)
	w, addr := signIn(t, srv, c)
	u, _ := url.Parse(addr)
	theirs := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	resp, err := http.PostForm(srv.URL()+"/o/token/", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {pkce.DefaultClientID},
		"code": {u.Query().Get("code")}, "code_verifier": {theirs}, "redirect_uri": {pkce.DefaultRedirectURL},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("redemption with another verifier: HTTP %d, want 400", resp.StatusCode)
	}
	code, err := w.Code(addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exchange(context.Background(), code); err != nil {
		t.Errorf("Exchange after Connect's failed attempt: %v", err)
	}
}

// The account without a password cannot use the form login at all.
func TestFormLoginWithoutPassword(t *testing.T) {
	_, c, _ := newWebFake(t)
	_, err := c.Login(context.Background(), pkce.LoginInput{Email: socialAccount.Email, Password: "anything"})
	if !errors.Is(err, pkce.ErrWrongCredentials) {
		t.Errorf("form login of a Google account: %v, want ErrWrongCredentials", err)
	}
}
