// Package pkcetest is a strict fake of the Prusa Account server
// (https://account.prusa3d.com) for tests and demos.
//
// It serves the endpoints the PKCE login flow of DESIGN.md §5 uses, and
// behaves the way the real server (Django with django-oauth-toolkit and
// django-otp) does:
//
//   - GET /o/authorize/ validates the OAuth 2.0 authorization request
//     (RFC 6749 §4.1.1) with PKCE S256 (RFC 7636 §4.3). Without a logged-in
//     browser session it redirects to /login/?next=...; with one it redirects
//     to the redirect URI with a single-use authorization code and the state.
//   - GET /login/ renders a Django login page that sets a csrftoken cookie;
//     POST /login/ checks Django's CSRF rules (Origin, Referer, cookie, masked
//     form token) and the credentials, then redirects to next, or to
//     /login/totp/ when the account has two-factor authentication.
//   - GET and POST /login/totp/ ask for the RFC 6238 code (otp_token).
//   - GET /login/social/google/ starts a sign-in through another provider
//     (the login page's "Continue with Google"): it redirects to a stand-in
//     for the provider's page, /_provider/google/, served by the fake
//     itself, whose form takes the email of an account with Social set.
//     The provider sends the browser back to /login/social/google/complete/
//     with its state, which logs the browser in (no 2FA, as the provider
//     did the authentication) and redirects to next.
//   - POST /o/token/ exchanges codes (RFC 6749 §4.1.3, RFC 7636 §4.6) and
//     refresh tokens (RFC 6749 §6) for RS256-signed JWTs. Refresh tokens
//     rotate on every use, and reusing one revokes its whole login session
//     (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
//
// Where the real server is lenient the fake is sometimes stricter, so that a
// client passing against the fake passes against the real server: the
// form's csrfmiddlewaretoken must be the masked value (the raw cookie value
// is refused), a POST needs a same-origin Referer even over plain HTTP,
// authorization request errors never redirect, repeated parameters are
// refused, and the token endpoint accepts parameters in a form body only.
// Like the real server it answers 400 to a Host other than the one of its
// URL (Django's ALLOWED_HOSTS): use the URL as printed, not "localhost"
// for "127.0.0.1". Like django-otp it accepts each TOTP code once (see
// Options.AllowTOTPReplay).
//
// Besides the account endpoints the handler serves control endpoints that
// exist only on the fake, for scripts and out-of-process tests:
//
//	GET    /_fake/stats   JSON object of the counters (see RequestKind)
//	POST   /_fake/fault   JSON Fault: {"status":429,"retry_after":"2s",
//	                      "delay":"3s","garbage":true,"scope":"token","count":1};
//	                      an empty object clears the fault
//	DELETE /_fake/fault   clears the fault
//	POST   /_fake/issue   form email (optional), ttl (Go duration, optional):
//	                      answers a fresh token response, as Issue
//	POST   /_fake/revoke  form email: as Revoke
//
// All methods of Server are safe for concurrent use.
package pkcetest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/totp"
)

// Defaults of the real Prusa Account server and its Prusa Connect client.
const (
	// DefaultClientID is the client_id of the public Prusa Connect client.
	DefaultClientID = "MRHTlZhZqkNrrQ6FUPtjyusAz8nc59ErHXP8XkS4"
	// DefaultRedirectURI is the redirect_uri registered for DefaultClientID.
	DefaultRedirectURI = "https://connect.prusa3d.com/login/auth-callback"
	// Scope is the scope every token response grants.
	Scope = "basic_info connect user_operations email_lists openid"
	// DefaultAccessTTL is the lifetime of an access token (expires_in 7200).
	DefaultAccessTTL = 2 * time.Hour
	// DefaultRefreshTTL is the lifetime of a refresh token.
	DefaultRefreshTTL = 30 * 24 * time.Hour
	// DefaultCodeTTL is the lifetime of an authorization code, as
	// django-oauth-toolkit's AUTHORIZATION_CODE_EXPIRE_SECONDS.
	DefaultCodeTTL = time.Minute
)

// Account is a Prusa account the fake knows. Zero fields get defaults.
type Account struct {
	// Email is the login name; it is matched case-insensitively.
	Email string
	// Password must match exactly. An account without one cannot use
	// the login form at all: it signs in only through another provider
	// (see Social), as Prusa accounts made with Google, Apple or Facebook do.
	Password string
	// Social lets the account sign in through the login page's
	// "Continue with Google" button, which leads to a stand-in for the
	// provider's sign-in page on the fake itself (see package doc).
	Social bool
	// TOTPSecret is the base32 RFC 6238 seed. When it or OTPCode is set the
	// account has two-factor authentication.
	TOTPSecret string
	// OTPCode, when set, is a fixed six-digit second-factor code that is
	// always accepted (besides the TOTP codes of TOTPSecret), for simple tests.
	OTPCode string
	// Subject is the numeric user id sent as the sub claim; default
	// "1234567" for the first account, counting up for the next ones.
	Subject string
	// FirstName, LastName and PublicName fill the id token's user claim;
	// defaults "Test", "User" and the part of Email before the "@".
	FirstName, LastName, PublicName string
}

func (a *Account) has2FA() bool { return a.TOTPSecret != "" || a.OTPCode != "" }

// Options configures a Server. Zero fields get the defaults of the real
// server.
type Options struct {
	// URL is the base URL the handler is served at, such as
	// "http://127.0.0.1:8080": the origin that Host, Origin and Referer
	// must match, and the iss claim of id tokens. New needs it; NewServer
	// ignores it and uses its own listener's URL.
	URL string
	// ClientID is the only client the server knows; default DefaultClientID.
	ClientID string
	// RedirectURI is the client's only redirect URI; default
	// DefaultRedirectURI.
	RedirectURI string
	// AccessTTL is the access and id token lifetime; default
	// DefaultAccessTTL.
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of each refresh token, counted from its
	// issue; default DefaultRefreshTTL.
	RefreshTTL time.Duration
	// CodeTTL is the authorization code lifetime; default DefaultCodeTTL.
	CodeTTL time.Duration
	// Now is the clock for every expiry and TOTP check; default time.Now.
	Now func() time.Time
	// Key signs the JWTs; by default the server generates a 2048-bit key.
	// Tests that start many servers may share one key to save time.
	Key *rsa.PrivateKey
	// OpaqueRefreshTokens makes refresh tokens random strings. By default
	// they are RS256 JWTs with the claims jti, sub, exp, sid, app and
	// type "refresh", as the real server's are.
	OpaqueRefreshTokens bool
	// AllowTOTPReplay accepts a TOTP code again within its time step. By
	// default a code is accepted only for a later step than the last
	// accepted one, as django-otp does, so two logins with codes from the
	// same seed within 30 s fail the second time.
	AllowTOTPReplay bool
}

// TokenResponse is the JSON body of a successful token response, with the
// keys the Prusa Account server sends.
type TokenResponse struct {
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	IDToken          string `json:"id_token"`
	ExpiresIn        int64  `json:"expires_in"`
	TokenType        string `json:"token_type"`
	Scope            string `json:"scope"`
	SharedSessionKey string `json:"shared_session_key"`
}

// String returns a description without the tokens, so a response that
// ends up in a log line leaks nothing.
func (t TokenResponse) String() string {
	return fmt.Sprintf("TokenResponse{token_type=%s expires_in=%d scope=%q tokens=[redacted]}",
		t.TokenType, t.ExpiresIn, t.Scope)
}

// JSON returns the response body the token endpoint sends for t.
func (t TokenResponse) JSON() []byte {
	b, err := json.Marshal(t)
	if err != nil {
		panic(err) // a struct of strings and an int always marshals
	}
	return b
}

// RequestKind names a counter of Server.Count.
type RequestKind string

// The counters. Requests count under their kind when they reach the
// endpoint, whatever the answer, including faults and rejections; the
// Granted and RefreshReuse counters count outcomes.
const (
	Authorize      RequestKind = "authorize"       // GET /o/authorize/
	LoginPage      RequestKind = "login_page"      // GET /login/
	LoginPost      RequestKind = "login_post"      // POST /login/
	TOTPPage       RequestKind = "totp_page"       // GET /login/totp/
	TOTPPost       RequestKind = "totp_post"       // POST /login/totp/
	TokenCode      RequestKind = "token_code"      // POST /o/token/, grant_type=authorization_code
	TokenRefresh   RequestKind = "token_refresh"   // POST /o/token/, grant_type=refresh_token
	TokenOther     RequestKind = "token_other"     // any other request to /o/token/
	CodeGranted    RequestKind = "code_granted"    // codes exchanged for tokens
	RefreshGranted RequestKind = "refresh_granted" // refresh grants answered with new tokens
	RefreshReuse   RequestKind = "refresh_reuse"   // used refresh tokens presented again
	Faulted        RequestKind = "faulted"         // requests a Fault applied to
	SocialStart    RequestKind = "social_start"    // GET /login/social/google/
	SocialLogin    RequestKind = "social_login"    // GET /login/social/google/complete/
)

var allKinds = []RequestKind{
	Authorize, LoginPage, LoginPost, TOTPPage, TOTPPost,
	TokenCode, TokenRefresh, TokenOther,
	CodeGranted, RefreshGranted, RefreshReuse, Faulted, SocialStart, SocialLogin,
}

// FaultScope selects the requests a Fault applies to.
type FaultScope int

const (
	// AllEndpoints applies a fault to every account endpoint (never to
	// /_fake/).
	AllEndpoints FaultScope = iota
	// TokenEndpoint applies a fault to POST /o/token/ only.
	TokenEndpoint
)

// Fault makes the server misbehave like an overloaded or broken one. The
// zero Fault is no fault.
type Fault struct {
	// Scope selects the endpoints.
	Scope FaultScope
	// Count is how many of the next matching requests the fault applies
	// to; 0 means all of them until it is cleared or replaced.
	Count int
	// Delay holds each matching request this long before answering (or
	// until the client goes away or the server closes). Without Status
	// or Garbage the request is then served normally.
	Delay time.Duration
	// Status answers with this HTTP status and an HTML error page, as a
	// proxy in front of the server would.
	Status int
	// RetryAfter, with Status, sends a Retry-After header in whole
	// seconds, rounded up.
	RetryAfter time.Duration
	// Garbage answers 200 OK with an HTML page instead of the real answer
	// (on /o/token/: a body that is not JSON). Status takes precedence.
	Garbage bool
	// Body answers 200 OK with this body as application/json: a token
	// response with fields missing, or with a token that is not a JWT.
	// Status takes precedence; Body over Garbage.
	Body string
}

func (f Fault) validate() error {
	switch {
	case f.Scope != AllEndpoints && f.Scope != TokenEndpoint:
		return fmt.Errorf("unknown fault scope %d", f.Scope)
	case f.Count < 0:
		return fmt.Errorf("fault count %d is negative", f.Count)
	case f.Delay < 0 || f.RetryAfter < 0:
		return errors.New("fault durations must not be negative")
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Errorf("fault status %d is not an HTTP status", f.Status)
	}
	return nil
}

// Server is a running fake Prusa Account server.
type Server struct {
	opts    Options
	url     string
	host    string // host[:port] of url, lower case
	key     *rsa.PrivateKey
	kid     string
	handler http.Handler
	ts      *httptest.Server
	done    chan struct{}
	closing sync.Once

	mu       sync.Mutex
	accounts map[string]*account // by lower-case email
	first    *account
	sessions map[string]*browserSession
	codes    map[string]*authCode
	social   map[string]*socialAuth // pending provider sign-ins, by state
	refresh  map[string]*refreshToken
	families map[string]*family
	issued   []string // every code, token and session key handed out

	countMu sync.Mutex
	counts  map[RequestKind]int

	faultMu sync.Mutex
	fault   *Fault // nil when none; Count is what is left
}

type account struct {
	Account
	connectID string
	lastStep  int64 // last accepted TOTP time step
}

// browserSession is a Django session: verified once the whole login,
// second factor included, succeeded.
type browserSession struct {
	acct     *account
	verified bool
	expires  time.Time
}

type authCode struct {
	acct        *account
	clientID    string
	redirectURI string
	challenge   string
	expires     time.Time
	used        bool
	family      string // session created by redeeming the code
}

// family is one login session: all the refresh tokens that descend from
// one code exchange (or one Issue).
type family struct {
	id         string // the sid claim
	acct       *account
	sessionKey string
	revoked    bool
}

type refreshToken struct {
	family   *family
	clientID string
	expires  time.Time
	used     bool
}

// NewServer starts a fake on a loopback httptest.Server with the given
// accounts. Options.URL is ignored. Call Close when done. It panics on an
// invalid account or option, as httptest does on setup errors.
func NewServer(opts Options, accounts ...Account) *Server {
	ts := httptest.NewUnstartedServer(nil)
	opts.URL = "http://" + ts.Listener.Addr().String()
	s := New(opts, accounts...)
	ts.Config.Handler = s.Handler()
	ts.Start()
	s.ts = ts
	return s
}

// New returns a fake that is not listening: serve Handler at opts.URL,
// which must be an http or https URL without a path. Close ends pending
// delays. It panics on an invalid account or option.
func New(opts Options, accounts ...Account) *Server {
	u, err := url.Parse(strings.TrimSuffix(opts.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.User != nil {
		panic(fmt.Sprintf("pkcetest: Options.URL %q is not an http(s) base URL", opts.URL))
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.RedirectURI == "" {
		opts.RedirectURI = DefaultRedirectURI
	}
	if opts.AccessTTL <= 0 {
		opts.AccessTTL = DefaultAccessTTL
	}
	if opts.RefreshTTL <= 0 {
		opts.RefreshTTL = DefaultRefreshTTL
	}
	if opts.CodeTTL <= 0 {
		opts.CodeTTL = DefaultCodeTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Key == nil {
		opts.Key, err = rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(fmt.Sprintf("pkcetest: generating the signing key: %v", err))
		}
	}
	der, err := x509.MarshalPKIXPublicKey(&opts.Key.PublicKey)
	if err != nil {
		panic(fmt.Sprintf("pkcetest: encoding the public key: %v", err))
	}
	kidSum := sha256.Sum256(der)
	s := &Server{
		opts:     opts,
		url:      u.Scheme + "://" + u.Host,
		host:     strings.ToLower(u.Host),
		key:      opts.Key,
		kid:      base64.RawURLEncoding.EncodeToString(kidSum[:12]),
		done:     make(chan struct{}),
		accounts: map[string]*account{},
		sessions: map[string]*browserSession{},
		codes:    map[string]*authCode{},
		social:   map[string]*socialAuth{},
		refresh:  map[string]*refreshToken{},
		families: map[string]*family{},
		counts:   map[RequestKind]int{},
	}
	for i, a := range accounts {
		s.addAccount(i, a)
	}
	s.handler = s.routes()
	return s
}

func (s *Server) addAccount(i int, a Account) {
	key := strings.ToLower(a.Email)
	switch {
	case a.Email == "" || !strings.Contains(a.Email, "@"):
		panic(fmt.Sprintf("pkcetest: account %d: email %q is not an address", i, a.Email))
	case a.Password == "" && !a.Social:
		panic(fmt.Sprintf("pkcetest: account %d: no password and no Social: it could never sign in", i))
	case s.accounts[key] != nil:
		panic(fmt.Sprintf("pkcetest: account %d: email %q appears twice", i, a.Email))
	}
	if a.Subject == "" {
		a.Subject = strconv.Itoa(1234567 + i)
	}
	if _, err := strconv.ParseUint(a.Subject, 10, 63); err != nil {
		panic(fmt.Sprintf("pkcetest: account %d: subject %q is not numeric", i, a.Subject))
	}
	if a.TOTPSecret != "" {
		if _, err := totp.Code(a.TOTPSecret, time.Unix(0, 0)); err != nil {
			panic(fmt.Sprintf("pkcetest: account %d: %v", i, err))
		}
	}
	if a.OTPCode != "" && (len(a.OTPCode) != 6 || strings.Trim(a.OTPCode, "0123456789") != "") {
		panic(fmt.Sprintf("pkcetest: account %d: OTPCode is not six digits", i))
	}
	if a.FirstName == "" {
		a.FirstName = "Test"
	}
	if a.LastName == "" {
		a.LastName = "User"
	}
	if a.PublicName == "" {
		a.PublicName, _, _ = strings.Cut(a.Email, "@")
	}
	acct := &account{Account: a, connectID: strconv.Itoa(157235 + i), lastStep: math.MinInt64}
	s.accounts[key] = acct
	if s.first == nil {
		s.first = acct
	}
}

// URL returns the base URL of the server, without a trailing slash, such
// as "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.url }

// Handler returns the handler that serves the account endpoints and the
// /_fake/ control endpoints.
func (s *Server) Handler() http.Handler { return s.handler }

// PublicKey returns the key that verifies the RS256 signature of every JWT
// the server issues.
func (s *Server) PublicKey() *rsa.PublicKey { return &s.key.PublicKey }

// Close ends pending fault delays and, for a server from NewServer, stops
// listening and waits for the requests in flight. Close is idempotent.
func (s *Server) Close() {
	s.closing.Do(func() {
		close(s.done)
		if s.ts != nil {
			s.ts.Close()
		}
	})
}

func (s *Server) now() time.Time { return s.opts.Now() }

func (s *Server) count(k RequestKind) {
	s.countMu.Lock()
	s.counts[k]++
	s.countMu.Unlock()
}

// Count returns the value of one counter.
func (s *Server) Count(k RequestKind) int {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	return s.counts[k]
}

// Stats returns a copy of all counters, zeros included.
func (s *Server) Stats() map[RequestKind]int {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	m := make(map[RequestKind]int, len(allKinds))
	for _, k := range allKinds {
		m[k] = s.counts[k]
	}
	return m
}

// SetFault replaces the current fault with f; the zero Fault clears it.
// It panics on an invalid fault (a negative count or duration, a status
// outside 200-599, an unknown scope).
func (s *Server) SetFault(f Fault) {
	if err := f.validate(); err != nil {
		panic("pkcetest: " + err.Error())
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	if f.Delay == 0 && f.Status == 0 && !f.Garbage && f.Body == "" {
		s.fault = nil
		return
	}
	s.fault = &f
}

// ClearFault removes the current fault.
func (s *Server) ClearFault() { s.SetFault(Fault{}) }

// takeFault returns the fault that applies to the next request of the
// given endpoint, using up one of its Count.
func (s *Server) takeFault(token bool) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	f := s.fault
	if f == nil || (f.Scope == TokenEndpoint && !token) {
		return Fault{}, false
	}
	if f.Count > 0 {
		f.Count--
		if f.Count == 0 {
			s.fault = nil
		}
	}
	return *f, true
}

// Secrets returns every secret the server has handed out: authorization
// codes, access, refresh and id tokens and shared session keys, plus each account's password,
// TOTP secret and fixed 2FA code. Tests use it to check that none of them
// leaks into logs or error messages.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.issued...)
	for _, a := range s.accounts {
		for _, v := range []string{a.Password, a.TOTPSecret, a.OTPCode} {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// Issue mints a fresh token set for the account with email, as a new login
// would, without going through the login pages. The access token lasts
// Options.AccessTTL.
func (s *Server) Issue(email string) (TokenResponse, error) {
	return s.IssueExpiring(email, s.opts.AccessTTL)
}

// IssueExpiring is Issue with an access and id token lifetime of ttl: zero
// or negative mints tokens that are already expired (expires_in 0). The
// refresh token lasts Options.RefreshTTL either way.
func (s *Server) IssueExpiring(email string, ttl time.Duration) (TokenResponse, error) {
	return s.IssueTTL(email, ttl, s.opts.RefreshTTL)
}

// IssueTTL is IssueExpiring with a refresh token that lasts refreshTTL
// instead of Options.RefreshTTL: a session near its end.
func (s *Server) IssueTTL(email string, ttl, refreshTTL time.Duration) (TokenResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := s.accounts[strings.ToLower(email)]
	if acct == nil {
		return TokenResponse{}, fmt.Errorf("pkcetest: no account %q", email)
	}
	return s.issueLocked(s.newFamilyLocked(acct), s.opts.ClientID, ttl, refreshTTL), nil
}

// Revoke ends every session of the account with email: its refresh tokens
// answer invalid_grant, its unused codes are void and its browser sessions
// are logged out. Access tokens already issued stay valid until they
// expire, as JWTs do. It reports whether the account exists.
func (s *Server) Revoke(email string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := s.accounts[strings.ToLower(email)]
	if acct == nil {
		return false
	}
	for _, f := range s.families {
		if f.acct == acct {
			f.revoked = true
		}
	}
	for _, c := range s.codes {
		if c.acct == acct {
			c.used = true
		}
	}
	for id, b := range s.sessions {
		if b.acct == acct {
			delete(s.sessions, id)
		}
	}
	return true
}
