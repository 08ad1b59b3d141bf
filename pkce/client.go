package pkce

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/totp"
	"golang.org/x/oauth2"
)

// DefaultTimeout bounds each HTTP request when the Client's HTTPClient has
// no Timeout of its own.
const DefaultTimeout = 30 * time.Second

const (
	// maxSteps caps the requests of one login (pages, form posts and
	// redirects together); the real flow needs at most six.
	maxSteps = 20
	// maxPageSize caps how much of a login page is read.
	maxPageSize = 2 << 20
	// maxCodeLength bounds a pasted bare code; Prusa Account's codes have
	// 30 characters.
	maxCodeLength = 512
)

// Client talks to Prusa Account; the zero value to the real one, as Prusa
// Connect. It keeps no state between calls and is safe for concurrent use.
type Client struct {
	// AccountURL is the Prusa Account base URL; "" means
	// DefaultAccountURL. See ParseAccountURL for what is accepted.
	AccountURL string
	// ClientID is the OAuth client id; "" means DefaultClientID.
	ClientID string
	// RedirectURL is the registered redirect URI; "" means DefaultRedirectURL.
	RedirectURL string
	// HTTPClient sends the requests; only its Transport and Timeout (for
	// nil or zero, DefaultTimeout: no request waits forever) are used, as
	// Login follows redirects itself and keeps cookies for one login only.
	HTTPClient *http.Client
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// LoginInput is what Login needs from the user. It redacts itself when
// printed or logged.
type LoginInput struct {
	Email    string
	Password string
	// OTP returns the 2FA code. Login calls it only when the account asks
	// for one (so a CLI prompts only when needed), once per login unless
	// RetryOTP asks for another code. A nil OTP, an empty code, or an
	// error wrapping ErrOTPRequired make Login fail with ErrOTPRequired.
	OTP func(ctx context.Context) (string, error)
	// RetryOTP, when set, is called when Prusa Account refuses a 2FA code
	// (wrong, expired or already used: the server does not tell them
	// apart), with the refusals so far in this login. If it returns true,
	// Login posts a new code from OTP to the 2FA form without starting
	// over; else Login fails with ErrWrongOTP.
	RetryOTP func(ctx context.Context, refused int) bool
}

// String returns a redacted description of in.
func (in LoginInput) String() string { return in.describe("LoginInput{Email:%s Password:%s OTP:%s}") }

// GoString returns a redacted description of in, for %#v.
func (in LoginInput) GoString() string {
	return in.describe("pkce.LoginInput{Email:%q, Password:%q, OTP:%s}")
}

func (in LoginInput) describe(format string) string {
	otp := "nil"
	if in.OTP != nil {
		otp = "set"
	}
	return fmt.Sprintf(format, redacted(in.Email), redacted(in.Password), otp)
}

// Format implements fmt.Formatter so that every verb prints the redacted
// form.
func (in LoginInput) Format(f fmt.State, verb rune) { formatRedacted(f, verb, in.String, in.GoString) }

// LogValue implements slog.LogValuer without the email or password.
func (in LoginInput) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("email", redacted(in.Email)),
		slog.String("password", redacted(in.Password)),
		slog.Bool("otp", in.OTP != nil),
	)
}

func redacted(s string) string {
	if s == "" {
		return "none"
	}
	return "[redacted]"
}

// TOTP returns the six-digit time-based one-time password for the base32
// seed secret at time t, as RFC 6238 defines it with the parameters every
// authenticator app uses (HMAC-SHA1, 30-second steps, six digits). The
// seed may be in lower case, grouped with spaces or dashes, padded or not.
// The error never contains the secret.
func TOTP(secret string, t time.Time) (string, error) { return totp.Code(secret, t) }

// Login logs in to Prusa Account with the OAuth 2.0 authorization code
// grant (RFC 6749 §4.1) and PKCE (RFC 7636, method S256) and returns the
// new session. It follows redirects within the account origin only, fills
// in the login form and, when the account has one, the 2FA form, stops at
// the redirect to the redirect URI (without fetching it), checks the
// state, and exchanges the code at the token endpoint.
//
// Errors: ErrWrongCredentials, ErrWrongOTP, ErrOTPRequired,
// ErrStateMismatch, *OAuthError, *RateLimitError, *ServerError,
// *UnexpectedPageError (a CAPTCHA or a changed flow), *InvalidResponseError,
// or a wrapped network error; see Retryable.
func (c *Client) Login(ctx context.Context, in LoginInput) (*TokenSet, error) {
	if in.Email == "" || in.Password == "" {
		return nil, errors.New("login needs an email and a password")
	}
	w, err := c.StartWebLogin()
	if err != nil {
		return nil, err
	}
	jar, _ := cookiejar.New(nil) // fails only on bad options
	fl := &loginFlow{WebLogin: w, hc: c.httpClient(jar), in: in}
	code, err := fl.run(ctx)
	if err != nil {
		return nil, err
	}
	return w.exchange(ctx, fl.hc, code)
}

// Refresh trades a refresh token for a new session (RFC 6749 §6) with
// exactly one request. Refresh tokens are single-use: store the returned
// set's RefreshToken before anything else. The set holds only what the
// server sent; stored.Merge(refreshed) keeps the rest (an id token,
// unknown members).
//
// A refused refresh token ("invalid_grant") is ErrSessionExpired; other
// errors are as for Login.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*TokenSet, error) {
	if refreshToken == "" {
		return nil, fmt.Errorf("no refresh token: %w", ErrSessionExpired)
	}
	acct, err := c.account()
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.httpClient(nil))
	tok, err := acct.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	return c.tokenSet(tok, err, true)
}

// WebLogin is a login that the user completes in a browser, with any
// method Prusa Account offers (Google, Apple, Facebook, a passkey, a
// CAPTCHA), unlike [Client.Login]; [Client.StartWebLogin] starts one.
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

// Format implements fmt.Formatter so that every verb, %#v too, prints
// String.
func (w WebLogin) Format(f fmt.State, verb rune) { io.WriteString(f, w.String()) }

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
	const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	if len(s) <= maxCodeLength && strings.Trim(s, unreserved) == "" {
		return s, nil // a bare code: RFC 3986 unreserved characters only
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
// (RFC 6749 §4.1.3, RFC 7636 §4.5). A refused code is ErrCodeRejected
// (wrapping the *OAuthError); other errors are as for Login.
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
	return w.c.tokenSet(tok, err, false)
}

// httpClient returns a client with the configured Transport and Timeout
// (or DefaultTimeout) that keeps cookies in jar and never follows redirects.
func (c *Client) httpClient(jar http.CookieJar) *http.Client {
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if c.HTTPClient != nil {
		hc.Transport, hc.Timeout = c.HTTPClient.Transport, c.HTTPClient.Timeout
	}
	if hc.Timeout <= 0 {
		hc.Timeout = DefaultTimeout
	}
	return hc
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// tokenError turns an error from x/oauth2 into this package's errors.
func (c *Client) tokenError(err error, refresh bool) error {
	re, ok := errors.AsType[*oauth2.RetrieveError](err)
	if !ok {
		if _, ok := errors.AsType[*url.Error](err); ok {
			return fmt.Errorf("contacting Prusa Account: %w", scrubURLError(err))
		}
		// x/oauth2 reports a successful answer it cannot use with a
		// plain error ("oauth2: cannot parse json: ...").
		msg := err.Error()
		switch {
		case strings.HasPrefix(msg, "oauth2: cannot parse"):
			msg = "the body is not a JSON token response"
		case strings.HasPrefix(msg, "oauth2: server response missing access_token"):
			msg = "access_token is missing"
		default:
			msg = strings.TrimPrefix(msg, "oauth2: ")
		}
		return &InvalidResponseError{Reason: msg}
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	switch {
	case status == http.StatusTooManyRequests:
		return &RateLimitError{RetryAfter: retryAfter(re.Response.Header, c.now())}
	case status >= 500:
		return &ServerError{Status: status}
	case refresh && re.ErrorCode == "invalid_grant":
		return ErrSessionExpired
	case re.ErrorCode != "":
		return &OAuthError{Code: re.ErrorCode, Description: re.ErrorDescription, Status: status}
	}
	return &InvalidResponseError{Status: status, Reason: "no OAuth error in a failed response"}
}

// loginFlow is the state of one Login: a WebLogin whose browser is
// this package.
type loginFlow struct {
	*WebLogin
	hc *http.Client
	in LoginInput

	passwordSent bool
	otpSent      int // 2FA codes posted: when the 2FA form comes back, all were refused
}

// run walks from the authorization URL to the code.
func (fl *loginFlow) run(ctx context.Context) (string, error) {
	req, err := fl.newRequest(ctx, http.MethodGet, fl.URL, nil)
	if err != nil {
		return "", err
	}
	for range maxSteps {
		resp, err := fl.hc.Do(req)
		if err != nil {
			return "", fmt.Errorf("contacting Prusa Account: %w", scrubURLError(err))
		}
		next, code, err := fl.step(ctx, resp)
		resp.Body.Close()
		if err != nil || code != "" {
			return code, err
		}
		req = next
	}
	return "", &UnexpectedPageError{Reason: fmt.Sprintf("gave up after %d redirects and pages", maxSteps)}
}

func (fl *loginFlow) newRequest(ctx context.Context, method, target string, body url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body.Encode())) // "" is no body
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req, nil
}

// step handles one response: it returns the next request, the code, or
// an error.
func (fl *loginFlow) step(ctx context.Context, resp *http.Response) (*http.Request, string, error) {
	pageURL := resp.Request.URL
	unexpected := func(reason string) error {
		return &UnexpectedPageError{Status: resp.StatusCode, Path: pageURL.EscapedPath(), Reason: reason}
	}
	switch {
	case slices.Contains([]int{301, 302, 303, 307, 308}, resp.StatusCode): // redirects
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		loc, err := resp.Location()
		if err != nil {
			return nil, "", unexpected("a redirect without a usable Location")
		}
		if fl.acct.isRedirectURI(loc) { // the authorization response (RFC 6749 §4.1.2)
			code, err := callbackCode(loc.Query(), fl.state)
			if errors.Is(err, ErrNoCode) {
				err = &UnexpectedPageError{Reason: "the redirect to the redirect URI has no code"}
			}
			return nil, code, err
		}
		if !sameOrigin(loc, fl.acct.base) {
			return nil, "", unexpected("a redirect to " + loc.Scheme + "://" + loc.Host + ", outside Prusa Account")
		}
		next, err := fl.newRequest(ctx, http.MethodGet, loc.String(), nil)
		return next, "", err
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, "", &RateLimitError{RetryAfter: retryAfter(resp.Header, fl.c.now())}
	case resp.StatusCode >= 500:
		return nil, "", &ServerError{Status: resp.StatusCode}
	case resp.StatusCode != http.StatusOK:
		return nil, "", unexpected("")
	}

	pg, err := parsePage(io.LimitReader(resp.Body, maxPageSize))
	if err != nil {
		return nil, "", unexpected("unreadable HTML")
	}
	if f := pg.otpForm(); f != nil {
		if fl.otpSent > 0 {
			if !pg.invalidFeedback {
				return nil, "", unexpected("the 2FA form came back without an error message")
			}
			if fl.in.RetryOTP == nil || !fl.in.RetryOTP(ctx, fl.otpSent) {
				return nil, "", ErrWrongOTP
			}
		}
		code, err := fl.otp(ctx)
		if err != nil {
			return nil, "", err
		}
		fl.otpSent++
		next, err := fl.submit(ctx, pageURL, f, map[string]string{f.otpName: code}, unexpected)
		return next, "", err
	}
	if f := pg.loginForm(); f != nil {
		if fl.passwordSent {
			if pg.invalidFeedback {
				return nil, "", ErrWrongCredentials
			}
			return nil, "", unexpected("the login form came back without an error message")
		}
		fl.passwordSent = true
		next, err := fl.submit(ctx, pageURL, f, map[string]string{
			f.emailName:    fl.in.Email,
			f.passwordName: fl.in.Password,
		}, unexpected)
		return next, "", err
	}
	return nil, "", unexpected("no login or 2FA form")
}

// otp asks the caller for the 2FA code.
func (fl *loginFlow) otp(ctx context.Context) (string, error) {
	if fl.in.OTP == nil {
		return "", ErrOTPRequired
	}
	code, err := fl.in.OTP(ctx)
	code = strings.Join(strings.Fields(code), "") // "123 456" as apps show it
	switch {
	case errors.Is(err, ErrOTPRequired), err == nil && code == "":
		return "", ErrOTPRequired
	case err != nil:
		return "", fmt.Errorf("getting the 2FA code: %w", err)
	}
	return code, nil
}

// submit builds the POST of form f found on pageURL: its hidden inputs
// (csrfmiddlewaretoken among them; the form's, not the cookie's), "next"
// percent-decoded once as the page holds it encoded, and fields. The
// server requires a same-origin Referer and Origin.
func (fl *loginFlow) submit(ctx context.Context, pageURL *url.URL, f *form, fields map[string]string, unexpected func(string) error) (*http.Request, error) {
	target, err := pageURL.Parse(f.action)
	if err != nil {
		return nil, unexpected("a form with an unusable action")
	}
	target.Fragment = ""
	if !sameOrigin(target, fl.acct.base) {
		return nil, unexpected("a form that posts to " + target.Scheme + "://" + target.Host + ", outside Prusa Account")
	}
	if f.method != "" && f.method != "post" {
		return nil, unexpected("a form that does not POST")
	}
	vals := make(url.Values)
	for _, h := range f.hidden {
		vals.Add(h.name, h.value)
	}
	if vals.Get("csrfmiddlewaretoken") == "" {
		return nil, unexpected("a form without a CSRF token")
	}
	if vals.Has("next") {
		next := vals.Get("next")
		if dec, err := url.PathUnescape(next); err == nil {
			next = dec
		}
		vals.Set("next", next)
	} else if next := pageURL.Query().Get("next"); next != "" {
		vals.Set("next", next)
	}
	for k, v := range fields {
		vals.Set(k, v)
	}
	req, err := fl.newRequest(ctx, http.MethodPost, target.String(), vals)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Referer", pageURL.String())
	req.Header.Set("Origin", fl.acct.origin)
	return req, nil
}
