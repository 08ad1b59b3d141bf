package pkce

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// maxCodeLength bounds a pasted bare code; Prusa Account's codes have 30
// characters.
const maxCodeLength = 512

// WebLogin is a login that the user completes in a browser, with any
// method Prusa Account offers (Google, Apple, Facebook, a passkey, a
// CAPTCHA), which [Client.Login] cannot. Get one from
// [Client.StartWebLogin].
//
// The flow (RFC 6749 §4.1 with PKCE, RFC 7636): open URL in a browser;
// once the user has signed in, Prusa Account sends the browser to the
// redirect URI with "code" and "state" in the query. Prusa Connect's
// callback page is not ours to serve, so the user copies its address (or
// only the code) back; [WebLogin.Code] reads it and checks the state, and
// [WebLogin.Exchange] redeems the code with the verifier that only this
// WebLogin knows, a secret: a WebLogin redacts itself when printed or
// logged.
type WebLogin struct {
	// URL is the authorization request to open in the browser (client id,
	// redirect URI, S256 challenge, state). It holds no secret.
	URL string

	c        *Client
	acct     *account
	state    string
	verifier string
}

// StartWebLogin begins a browser login: a fresh code verifier and state,
// and the authorization URL to open. It sends no request.
func (c *Client) StartWebLogin() (*WebLogin, error) {
	acct, err := c.account()
	if err != nil {
		return nil, err
	}
	w := &WebLogin{c: c, acct: acct, state: rand.Text(), verifier: oauth2.GenerateVerifier()}
	w.URL = acct.cfg.AuthCodeURL(w.state, oauth2.S256ChallengeOption(w.verifier))
	return w, nil
}

// String returns a description of w without the verifier.
func (w WebLogin) String() string { return "WebLogin{URL:" + w.URL + " verifier:[redacted]}" }

// GoString is String, for %#v.
func (w WebLogin) GoString() string { return w.String() }

// Format implements fmt.Formatter so that every verb prints the redacted
// form.
func (w WebLogin) Format(f fmt.State, verb rune) { formatRedacted(f, verb, w.String, w.GoString) }

// LogValue implements slog.LogValuer without the verifier.
func (w WebLogin) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", w.URL), slog.String("verifier", "[redacted]"))
}

// Code reads what the user pasted after signing in: the address of the
// page the browser ended on (the redirect URI with "?code=...&state=..."),
// with or without its "https://", or the code alone. An address must
// point at the redirect URI (same origin and path) and carry this login's
// state; an "error" in it is an authorization error (RFC 6749 §4.1.2.1).
// A bare code cannot be checked that way: the user vouches for it.
//
// Errors: ErrNoCode, ErrNotCallback, ErrStateMismatch, or an *OAuthError
// such as "access_denied". None contains the pasted text.
func (w *WebLogin) Code(pasted string) (string, error) {
	s := strings.TrimSpace(pasted)
	if s == "" {
		return "", ErrNoCode
	}
	if isBareCode(s) {
		return s, nil
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s // as a browser's address bar may show it
	}
	u, err := url.Parse(s)
	if err != nil || !w.acct.isRedirectURI(u) {
		return "", ErrNotCallback
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", ErrNotCallback
	}
	return callbackCode(q, w.state)
}

// isBareCode reports whether s looks like an authorization code rather
// than an address: RFC 3986 unreserved characters only.
func isBareCode(s string) bool {
	const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	return len(s) <= maxCodeLength && strings.Trim(s, unreserved) == ""
}

// callbackCode reads the authorization response in the redirect URI's
// query (RFC 6749 §4.1.2): the state first, then an error or the code.
func callbackCode(q url.Values, state string) (string, error) {
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return "", ErrStateMismatch
	}
	if e := q.Get("error"); e != "" {
		return "", &OAuthError{Code: e, Description: q.Get("error_description")}
	}
	code := q.Get("code")
	if code == "" {
		return "", ErrNoCode
	}
	return code, nil
}

// Exchange redeems code at the token endpoint with this login's verifier
// (RFC 6749 §4.1.3, RFC 7636 §4.5): one request, as Login makes it.
//
// A refused code is ErrCodeRejected (wrapping the *OAuthError); other
// errors are as for Login. None contains the code or a token.
func (w *WebLogin) Exchange(ctx context.Context, code string) (*TokenSet, error) {
	if code == "" {
		return nil, ErrNoCode
	}
	ts, err := w.exchange(ctx, w.c.httpClient(nil), code)
	if oe, ok := errors.AsType[*OAuthError](err); ok && oe.Code == "invalid_grant" {
		return nil, fmt.Errorf("%w (%w)", ErrCodeRejected, err)
	}
	return ts, err
}

// exchange redeems code with the verifier, sending the request with hc.
func (w *WebLogin) exchange(ctx context.Context, hc *http.Client, code string) (*TokenSet, error) {
	tok, err := w.acct.cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, hc), code, oauth2.VerifierOption(w.verifier))
	if err != nil {
		return nil, w.c.tokenError(err, false)
	}
	return w.c.tokenSet(tok)
}
