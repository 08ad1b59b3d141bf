package pkcetest

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/totp"
)

const (
	csrfCookie    = "csrftoken"
	sessionCookie = "sessionid"
	// Django's CSRF_SECRET_LENGTH; a masked token is twice as long.
	csrfSecretLen = 32
	// Django's defaults: CSRF_COOKIE_AGE one year, SESSION_COOKIE_AGE two
	// weeks. A session waiting for its second factor lasts less.
	csrfCookieAge  = 31449600
	sessionAge     = 14 * 24 * time.Hour
	pendingAge     = 10 * time.Minute
	maxRequestBody = 1 << 20
)

// alnum is Django's CSRF_ALLOWED_CHARS (string.ascii_letters +
// string.digits), in that order: masking depends on the indexes.
const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString returns n uniformly random characters of alnum.
func randomString(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			// 248 = 4*62: reject the rest to stay uniform.
			if b < 248 && len(out) < n {
				out = append(out, alnum[b%62])
			}
		}
	}
	return string(out)
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alnum, s[i]) < 0 {
			return false
		}
	}
	return true
}

// maskCSRF is Django's _mask_cipher_secret: a fresh 32-character mask
// followed by the secret shifted by it, so every rendered form carries a
// different token that belongs to the same cookie.
func maskCSRF(secret string) string {
	mask := randomString(csrfSecretLen)
	cipher := make([]byte, csrfSecretLen)
	for i := range cipher {
		x := strings.IndexByte(alnum, secret[i])
		y := strings.IndexByte(alnum, mask[i])
		cipher[i] = alnum[(x+y)%len(alnum)]
	}
	return mask + string(cipher)
}

// unmaskCSRF is Django's _unmask_cipher_token for a 64-character token.
func unmaskCSRF(token string) string {
	mask, cipher := token[:csrfSecretLen], token[csrfSecretLen:]
	secret := make([]byte, csrfSecretLen)
	for i := range secret {
		x := strings.IndexByte(alnum, cipher[i])
		y := strings.IndexByte(alnum, mask[i])
		secret[i] = alnum[(x-y+len(alnum))%len(alnum)]
	}
	return string(secret)
}

// djangoQuote is Python's urllib.parse.quote(s, safe="/"), which Django's
// redirect_to_login and QueryDict.urlencode(safe="/") apply to next.
func djangoQuote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// redirect answers 302 with location as given: relative locations stay
// relative, as Django sends them.
func redirect(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// normalOrigin returns scheme://host of u in lower case, without a default
// port, or "" when u is not an absolute http(s) URL.
func normalOrigin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Host == "" {
		return ""
	}
	return scheme + "://" + normalHost(scheme, u.Host)
}

func normalHost(scheme, host string) string {
	host = strings.ToLower(host)
	if scheme == "http" {
		return strings.TrimSuffix(host, ":80")
	}
	return strings.TrimSuffix(host, ":443")
}

func (s *Server) origin() string {
	u, _ := url.Parse(s.url)
	return normalOrigin(u)
}

// safeNext is Django's url_has_allowed_host_and_scheme: a path on this
// server or an absolute URL of its origin, else "".
func (s *Server) safeNext(next string) string {
	if next == "" || strings.ContainsAny(next, "\\\x00\r\n\t ") {
		return ""
	}
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") {
		return next
	}
	u, err := url.Parse(next)
	if err != nil || normalOrigin(u) != s.origin() {
		return ""
	}
	return next
}

func orRoot(next string) string {
	if next == "" {
		return "/"
	}
	return next
}

// routes builds the handler: the account endpoints behind Django's
// ALLOWED_HOSTS check, and the control endpoints.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /o/authorize/{$}", s.endpoint(false, fixedKind(Authorize), s.handleAuthorize))
	mux.Handle("GET /login/{$}", s.endpoint(false, fixedKind(LoginPage), s.handleLoginPage))
	mux.Handle("POST /login/{$}", s.endpoint(false, fixedKind(LoginPost), s.handleLoginPost))
	mux.Handle("GET /login/totp/{$}", s.endpoint(false, fixedKind(TOTPPage), s.handleTOTPPage))
	mux.Handle("POST /login/totp/{$}", s.endpoint(false, fixedKind(TOTPPost), s.handleTOTPPost))
	mux.Handle("POST /o/token/{$}", s.endpoint(true, tokenKind, s.handleToken))
	mux.Handle("GET /login/social/google/{$}", s.endpoint(false, fixedKind(SocialStart), s.handleSocialStart))
	mux.Handle("GET /login/social/google/complete/{$}", s.endpoint(false, fixedKind(SocialLogin), s.handleSocialComplete))
	mux.HandleFunc("GET /_provider/google/{$}", s.handleProvider)
	mux.HandleFunc("POST /_provider/google/{$}", s.handleProvider)
	s.controlRoutes(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, _, _ := strings.Cut(s.url, ":")
		if normalHost(scheme, r.Host) != normalHost(scheme, s.host) {
			// Django's DisallowedHost answer.
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Bad Request (400)</title>\n</head>\n<body>\n  <h1>Bad Request (400)</h1><p></p>\n</body>\n</html>\n")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func fixedKind(k RequestKind) func(*http.Request) RequestKind {
	return func(*http.Request) RequestKind { return k }
}

// endpoint wraps an account endpoint: it limits the body, counts the
// request and applies the current fault.
func (s *Server) endpoint(token bool, kind func(*http.Request) RequestKind, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		s.count(kind(r))
		if f, ok := s.takeFault(token); ok {
			s.count(Faulted)
			if s.applyFault(w, r, f) {
				return
			}
		}
		h(w, r)
	})
}

// applyFault carries out f and reports whether it answered the request.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		case <-s.done:
			f.Status = http.StatusServiceUnavailable
		}
	}
	switch {
	case f.Status != 0:
		if f.RetryAfter > 0 {
			secs := (f.RetryAfter + time.Second - 1) / time.Second
			w.Header().Set("Retry-After", fmt.Sprint(int64(secs)))
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		line := fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status))
		fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", line, line)
		return true
	case f.Body != "":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, f.Body)
		return true
	case f.Garbage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Maintenance | Prusa Account</title></head>\n<body><h1>We'll be back soon</h1><p>Prusa Account is undergoing scheduled maintenance.</p></body></html>\n")
		return true
	}
	return false
}

// sessionLocked returns the live browser session of the request's
// sessionid cookie, or nil. s.mu must be held.
func (s *Server) sessionLocked(r *http.Request) *browserSession {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	b := s.sessions[c.Value]
	if b != nil && !s.now().Before(b.expires) {
		delete(s.sessions, c.Value)
		return nil
	}
	return b
}

// startSessionLocked replaces the request's session, if any, with a new
// one (Django's cycle_key on login) and returns its id. s.mu must be held.
func (s *Server) startSessionLocked(r *http.Request, acct *account, verified bool) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		delete(s.sessions, c.Value)
	}
	age := pendingAge
	if verified {
		age = sessionAge
	}
	id := randomString(32)
	s.sessions[id] = &browserSession{acct: acct, verified: verified, expires: s.now().Add(age)}
	return id
}

func (s *Server) setSessionCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", MaxAge: int(sessionAge / time.Second),
		HttpOnly: true, Secure: strings.HasPrefix(s.url, "https:"), SameSite: http.SameSiteLaxMode,
	})
}

// csrfSecret returns the request's csrftoken cookie when it is well formed.
func csrfSecret(r *http.Request) (string, bool) {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) != csrfSecretLen || !isAlnum(c.Value) {
		return "", false
	}
	return c.Value, true
}

// setCSRFCookie sends secret as the csrftoken cookie, as Django does on
// every response that rendered a token.
func (s *Server) setCSRFCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: secret, Path: "/", MaxAge: csrfCookieAge,
		Secure: strings.HasPrefix(s.url, "https:"), SameSite: http.SameSiteLaxMode,
	})
}

// checkCSRF applies Django's CsrfViewMiddleware to an unsafe request, in
// its order: Origin when sent, then Referer (which Django checks for HTTPS
// only; the fake always does), the cookie and the masked token from the
// form or the X-CSRFToken header. On failure it writes the 403 page.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseMultipartForm(maxRequestBody); err != nil && err != http.ErrNotMultipart {
		return csrfFailure(w, "CSRF token missing.")
	}
	own := s.origin()
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || normalOrigin(u) != own {
			return csrfFailure(w, fmt.Sprintf("Origin checking failed - %s does not match any trusted origins.", o))
		}
	}
	ref := r.Header.Get("Referer")
	if ref == "" {
		return csrfFailure(w, "Referer checking failed - no Referer.")
	}
	u, err := url.Parse(ref)
	if err != nil || normalOrigin(u) == "" {
		return csrfFailure(w, "Referer checking failed - Referer is malformed.")
	}
	if normalOrigin(u) != own {
		return csrfFailure(w, fmt.Sprintf("Referer checking failed - %s does not match any trusted origins.", normalOrigin(u)))
	}
	secret, ok := csrfSecret(r)
	if !ok {
		return csrfFailure(w, "CSRF cookie not set.")
	}
	token := r.PostForm.Get("csrfmiddlewaretoken")
	if token == "" {
		token = r.Header.Get("X-CSRFToken")
	}
	switch {
	case token == "":
		return csrfFailure(w, "CSRF token missing.")
	case len(token) != 2*csrfSecretLen:
		// Django also accepts the unmasked 32-character secret; the fake
		// does not, so a client that posts the cookie value fails here.
		return csrfFailure(w, "CSRF token has incorrect length.")
	case !isAlnum(token):
		return csrfFailure(w, "CSRF token has invalid characters.")
	case subtle.ConstantTimeCompare([]byte(unmaskCSRF(token)), []byte(secret)) != 1:
		return csrfFailure(w, "CSRF token incorrect.")
	}
	return true
}

var csrfFailurePage = template.Must(template.New("csrf").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
  <meta http-equiv="content-type" content="text/html; charset=utf-8">
  <meta name="robots" content="NONE,NOARCHIVE">
  <title>403 Forbidden</title>
</head>
<body>
<div id="summary">
  <h1>Forbidden <span>(403)</span></h1>
  <p>CSRF verification failed. Request aborted.</p>
  <p class="reason">Reason given for failure: {{.}}</p>
</div>
</body>
</html>
`))

// csrfFailure writes Django's CSRF failure page with the reason (Django
// shows it only with DEBUG; the fake always does) and returns false.
func csrfFailure(w http.ResponseWriter, reason string) bool {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	csrfFailurePage.Execute(w, reason)
	return false
}

// pageData fills the login and TOTP templates. Next is the percent-encoded
// next URL, as the hidden input holds it.
type pageData struct {
	Title      string
	PagePath   string
	HeaderCSRF string
	CSRF       string
	Next       string
	NextQuery  template.URL // "next=" and Next, for links
	Email      string
	Error      string
	LoggedIn   bool
}

var pages = template.Must(template.New("pages").Parse(`
{{define "top"}}<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">
  <title>{{.Title}} | Prusa Account</title>
  <link rel="icon" href="/static/favicon.ico">
  <link rel="stylesheet" href="/static/css/bootstrap.min.css">
  <link rel="stylesheet" href="/static/css/account.css">
</head>
<body>
<header>
  <nav class="navbar navbar-expand-lg navbar-light">
    <a class="navbar-brand" href="/"><img src="/static/img/prusa-logo.svg" alt="Prusa Account" height="32"></a>
    <ul class="navbar-nav">
      <li class="nav-item"><a class="nav-link" href="https://www.prusa3d.com/">E-shop</a></li>
      <li class="nav-item"><a class="nav-link" href="https://www.printables.com/">Printables</a></li>
      <li class="nav-item"><a class="nav-link" href="https://connect.prusa3d.com/">Prusa Connect</a></li>
      <li class="nav-item"><a class="nav-link" href="https://help.prusa3d.com/">Help</a></li>
    </ul>
    <form action="/i18n/setlang/" method="post" class="form-inline language-switcher">
      <input type="hidden" name="csrfmiddlewaretoken" value="{{.HeaderCSRF}}">
      <input name="next" type="hidden" value="{{.PagePath}}">
      <select name="language" class="custom-select custom-select-sm" aria-label="Language">
        <option value="cs">čeština</option>
        <option value="de">Deutsch</option>
        <option value="en" selected>English</option>
        <option value="es">español</option>
        <option value="fr">français</option>
        <option value="it">italiano</option>
        <option value="pl">polski</option>
      </select>
      <button type="submit" class="btn btn-sm btn-outline-secondary">Change</button>
    </form>
    {{if .LoggedIn}}<form action="/logout/" method="post" class="form-inline">
      <input type="hidden" name="csrfmiddlewaretoken" value="{{.HeaderCSRF}}">
      <input type="text" name="username" autocomplete="username" value="{{.Email}}" readonly hidden>
      <button type="submit" class="btn btn-sm btn-link">Log out</button>
    </form>{{end}}
  </nav>
</header>
<main class="container">
{{end}}

{{define "bottom"}}</main>
<footer class="footer">
  <form action="https://www.prusa3d.com/newsletter/" method="get" class="newsletter">
    <label for="id_newsletter_email">Newsletter</label>
    <input type="email" name="email" id="id_newsletter_email" placeholder="your@email.com">
    <button type="submit">Subscribe</button>
  </form>
  <p>&copy; Prusa Research a.s. &middot; <a href="/privacy/">Privacy policy</a> &middot; <a href="/terms/">Terms of use</a></p>
</footer>
<script src="/static/js/bootstrap.bundle.min.js"></script>
</body>
</html>
{{end}}

{{define "login"}}{{template "top" .}}
  <div class="row justify-content-center">
    <div class="col-md-6">
      <h1 class="h3 mb-3">Log in</h1>
      <p>Log in with your Prusa Account to continue to Prusa Connect.</p>
      <form method="post" class="login-form" novalidate>
        <input type="hidden" name="csrfmiddlewaretoken" value="{{.CSRF}}">
        <input type="hidden" name="next" value="{{.Next}}">
        <div class="form-group">
          <label for="id_email">E-mail</label>
          <input type="email" name="email" id="id_email" class="form-control{{if .Error}} is-invalid{{end}}" value="{{.Email}}" maxlength="254" autocomplete="email" autofocus required>
        </div>
        <div class="form-group">
          <label for="id_password">Password</label>
          <input type="password" name="password" id="id_password" class="form-control{{if .Error}} is-invalid{{end}}" autocomplete="current-password" required>
          {{if .Error}}<div class="invalid-feedback">{{.Error}}</div>{{end}}
        </div>
        <button type="submit" class="btn btn-primary btn-block">Log in</button>
      </form>
      <p class="mt-3"><a href="/password/reset/">Forgot your password?</a></p>
      <p>Don't have an account? <a href="/register/?{{.NextQuery}}">Sign up</a></p>
      <p class="social-login"><a href="/login/social/google/?{{.NextQuery}}" class="btn btn-outline-dark btn-block">Continue with Google</a></p>
    </div>
  </div>
{{template "bottom" .}}{{end}}

{{define "totp"}}{{template "top" .}}
  <div class="row justify-content-center">
    <div class="col-md-6">
      <h1 class="h3 mb-3">Two-factor authentication</h1>
      <p>Enter the 6-digit code from your authenticator app.</p>
      <form method="post" class="otp-form" novalidate>
        <input type="hidden" name="csrfmiddlewaretoken" value="{{.CSRF}}">
        <input type="hidden" name="next" value="{{.Next}}">
        <input type="text" name="username" autocomplete="username" value="{{.Email}}" readonly hidden>
        <div class="form-group">
          <label for="id_otp_token">Authentication code</label>
          <input type="text" name="otp_token" id="id_otp_token" class="form-control{{if .Error}} is-invalid{{end}}" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9]*" maxlength="6" autofocus required>
          {{if .Error}}<div class="invalid-feedback">{{.Error}}</div>{{end}}
        </div>
        <div class="form-check">
          <input type="checkbox" name="remember_device" id="id_remember_device" class="form-check-input">
          <label for="id_remember_device" class="form-check-label">Trust this browser for 30 days</label>
        </div>
        <button type="submit" class="btn btn-primary btn-block">Verify</button>
      </form>
      <p class="mt-3"><a href="/login/backup/?{{.NextQuery}}">Use a backup code instead</a></p>
    </div>
  </div>
{{template "bottom" .}}{{end}}
`))

// render writes one of the pages with fresh masked CSRF tokens for the
// request's csrftoken cookie, setting a new cookie when it has none.
func (s *Server) render(w http.ResponseWriter, r *http.Request, page string, d pageData) {
	secret, ok := csrfSecret(r)
	if !ok {
		secret = randomString(csrfSecretLen)
	}
	s.setCSRFCookie(w, secret)
	d.PagePath = r.URL.RequestURI()
	d.HeaderCSRF = maskCSRF(secret)
	d.CSRF = maskCSRF(secret)
	d.Next = djangoQuote(d.Next)
	d.NextQuery = template.URL("next=" + d.Next)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private")
	w.Header().Set("Vary", "Cookie")
	w.Header().Set("X-Frame-Options", "DENY")
	pages.ExecuteTemplate(w, page, d)
}

// loggedIn finishes a login: a fresh verified session and, as Django's
// login() does, a rotated CSRF secret, then the redirect to next.
func (s *Server) loggedIn(w http.ResponseWriter, r *http.Request, acct *account, next string) {
	s.mu.Lock()
	id := s.startSessionLocked(r, acct, true)
	s.mu.Unlock()
	s.setSessionCookie(w, id)
	s.setCSRFCookie(w, randomString(csrfSecretLen))
	redirect(w, orRoot(next))
}

// handleLoginPage serves GET /login/.
func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "login", pageData{Title: "Log in", Next: s.safeNext(r.URL.Query().Get("next"))})
}

// postedNext is Django's LoginView redirect target: the form's next,
// else the query's, when it is safe.
func (s *Server) postedNext(r *http.Request) string {
	if next := s.safeNext(r.PostForm.Get("next")); next != "" {
		return next
	}
	return s.safeNext(r.URL.Query().Get("next"))
}

// handleLoginPost serves POST /login/.
func (s *Server) handleLoginPost(w http.ResponseWriter, r *http.Request) {
	if !s.checkCSRF(w, r) {
		return
	}
	next := s.postedNext(r)
	email := strings.TrimSpace(r.PostForm.Get("email"))
	password := r.PostForm.Get("password")
	d := pageData{Title: "Log in", Next: next, Email: email}
	if email == "" || password == "" {
		d.Error = "Please enter your email and password."
		s.render(w, r, "login", d)
		return
	}
	s.mu.Lock()
	acct := s.accounts[strings.ToLower(email)]
	if acct == nil || acct.Password == "" || subtle.ConstantTimeCompare([]byte(password), []byte(acct.Password)) != 1 {
		s.mu.Unlock()
		d.Error = "Invalid email or password."
		s.render(w, r, "login", d)
		return
	}
	if !acct.has2FA() {
		s.mu.Unlock()
		s.loggedIn(w, r, acct, next)
		return
	}
	id := s.startSessionLocked(r, acct, false)
	s.mu.Unlock()
	s.setSessionCookie(w, id)
	redirect(w, s.url+"/login/totp/?next="+djangoQuote(orRoot(next)))
}

// pendingSession returns the request's session waiting for its second
// factor. Otherwise it redirects, to the login page without a session and
// to next with a complete one, and returns nil.
func (s *Server) pendingSession(w http.ResponseWriter, r *http.Request, next string) *browserSession {
	s.mu.Lock()
	sess := s.sessionLocked(r)
	s.mu.Unlock()
	switch {
	case sess == nil:
		redirect(w, "/login/?next="+djangoQuote(orRoot(next)))
		return nil
	case sess.verified:
		redirect(w, orRoot(next))
		return nil
	}
	return sess
}

// handleTOTPPage serves GET /login/totp/.
func (s *Server) handleTOTPPage(w http.ResponseWriter, r *http.Request) {
	next := s.safeNext(r.URL.Query().Get("next"))
	sess := s.pendingSession(w, r, next)
	if sess == nil {
		return
	}
	s.render(w, r, "totp", pageData{Title: "Two-factor authentication", Next: next, Email: sess.acct.Email, LoggedIn: true})
}

// handleTOTPPost serves POST /login/totp/.
func (s *Server) handleTOTPPost(w http.ResponseWriter, r *http.Request) {
	if !s.checkCSRF(w, r) {
		return
	}
	next := s.postedNext(r)
	sess := s.pendingSession(w, r, next)
	if sess == nil {
		return
	}
	d := pageData{Title: "Two-factor authentication", Next: next, Email: sess.acct.Email, LoggedIn: true}
	code := strings.TrimSpace(r.PostForm.Get("otp_token"))
	if code == "" {
		d.Error = "This field is required."
		s.render(w, r, "totp", d)
		return
	}
	if !s.verifyOTP(sess.acct, code) {
		d.Error = "Invalid token. Please make sure you have entered it correctly."
		s.render(w, r, "totp", d)
		return
	}
	s.loggedIn(w, r, sess.acct, next)
}

// verifyOTP checks a second-factor code: the account's fixed OTPCode, or
// the RFC 6238 code of the current or the previous 30-second step (RFC 6238
// §5.2 allows one step of network delay) that is later than the last
// accepted step, unless Options.AllowTOTPReplay.
func (s *Server) verifyOTP(acct *account, code string) bool {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return false
	}
	if acct.OTPCode != "" && subtle.ConstantTimeCompare([]byte(code), []byte(acct.OTPCode)) == 1 {
		return true
	}
	if acct.TOTPSecret == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	step := s.now().Unix() / 30
	for _, st := range []int64{step, step - 1} {
		want, err := totp.Code(acct.TOTPSecret, time.Unix(st*30, 0))
		if err != nil || subtle.ConstantTimeCompare([]byte(code), []byte(want)) != 1 {
			continue
		}
		if !s.opts.AllowTOTPReplay && st <= acct.lastStep {
			return false
		}
		acct.lastStep = st
		return true
	}
	return false
}
