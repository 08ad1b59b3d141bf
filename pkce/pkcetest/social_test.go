package pkcetest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

var dave = Account{Email: "dave@example.com", Social: true} // no password

func TestSocialLogin(t *testing.T) {
	srv := NewServer(Options{Key: testKey()}, alice, dave)
	t.Cleanup(srv.Close)
	verifier := newVerifier()
	authURL := srv.URL() + "/o/authorize/?" + authorizeQuery(verifier, "st4te").Encode()

	addr, err := srv.BrowserLogin(context.Background(), authURL, dave.Email)
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := url.Parse(addr)
	if got := cb.Scheme + "://" + cb.Host + cb.Path; got != DefaultRedirectURI || cb.Query().Get("state") != "st4te" {
		t.Fatalf("browser ended at %s with state %q, want %s with st4te", got, cb.Query().Get("state"), DefaultRedirectURI)
	}
	if r := postToken(t, srv, exchangeForm(cb.Query().Get("code"), verifier), nil); r.status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.status, r.body)
	}
	if srv.Count(SocialStart) != 1 || srv.Count(SocialLogin) != 1 || srv.Count(LoginPost) != 0 {
		t.Errorf("counters %v: want one provider sign-in and no password post", srv.Stats())
	}

	// alice has a password but no Google account: the provider refuses.
	if _, err := srv.BrowserLogin(context.Background(), authURL, alice.Email); err == nil {
		t.Errorf("BrowserLogin as an account without Social succeeded")
	}
}

func TestSocialAccountHasNoPassword(t *testing.T) {
	srv := NewServer(Options{Key: testKey()}, dave)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv)
	for _, pw := range []string{"", "x"} {
		pageURL, form := b.openLogin(newVerifier(), "")
		p := b.submit(pageURL, form, map[string]string{"email": dave.Email, "password": pw}, nil)
		if p.status != http.StatusOK || feedback(t, p.body) == "" {
			t.Errorf("password %q: status %d, want the login page again with an error", pw, p.status)
		}
	}
}

// The provider's answer counts only in the browser that started the
// sign-in, and only once.
func TestSocialCompleteChecksState(t *testing.T) {
	srv := NewServer(Options{Key: testKey()}, dave)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv)
	start := b.get("/login/social/google/?next=/")
	provider := start.location(t)
	p := b.post(provider.String(), url.Values{"email": {dave.Email}}, nil)
	complete := p.location(t)
	if !strings.HasPrefix(complete.Path, "/login/social/google/complete/") {
		t.Fatalf("provider redirects to %v", complete)
	}
	other := newBrowser(t, srv) // no social_state cookie
	if got := other.get(complete.String()); got.status != http.StatusBadRequest {
		t.Errorf("answer in another browser: status %d, want 400", got.status)
	}
	if got := b.get(complete.String()); got.status != http.StatusBadRequest {
		t.Errorf("answer after a refused one: status %d, want 400 (one answer per sign-in)", got.status)
	}
}
