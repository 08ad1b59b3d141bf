package pkcetest

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// socialStateCookie binds a pending provider sign-in to the browser that
// started it, as python-social-auth keeps its state in the session.
const socialStateCookie = "social_state"

// socialAuth is a sign-in through the provider, from the login page's
// button to the provider's answer.
type socialAuth struct {
	next    string
	acct    *account // set once the provider has signed the user in
	code    string   // the provider's code for acct
	expires time.Time
}

// handleSocialStart serves GET /login/social/google/: it remembers next
// under a fresh state and sends the browser to the provider.
func (s *Server) handleSocialStart(w http.ResponseWriter, r *http.Request) {
	state := randomString(32)
	s.mu.Lock()
	s.social[state] = &socialAuth{next: s.safeNext(r.URL.Query().Get("next")), expires: s.now().Add(pendingAge)}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: socialStateCookie, Value: state, Path: "/login/social/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	redirect(w, s.url+"/_provider/google/?"+url.Values{"state": {state}}.Encode())
}

var providerPage = template.Must(template.New("provider").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - Google Accounts (stand-in)</title></head>
<body>
<main>
<h1>Sign in</h1>
<p>to continue to Prusa Account</p>
<form method="post" action="/_provider/google/?state={{.State}}">
  <input type="email" name="email" autocomplete="username" value="{{.Email}}" required>
  {{if .Error}}<div class="error">{{.Error}}</div>{{end}}
  <button type="submit">Continue</button>
</form>
</main>
</body>
</html>
`))

// handleProvider serves GET and POST /_provider/google/, the stand-in for
// the provider's own sign-in page: posting the email of an account with
// Social set signs it in and sends the browser back to Prusa Account.
func (s *Server) handleProvider(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	s.mu.Lock()
	sa := s.social[state]
	s.mu.Unlock()
	if sa == nil {
		authorizeError(w, "invalid_request", "Unknown or expired sign-in request.")
		return
	}
	d := struct{ State, Email, Error string }{State: state}
	if r.Method == http.MethodPost {
		d.Email = strings.TrimSpace(r.PostFormValue("email"))
		s.mu.Lock()
		acct := s.accounts[strings.ToLower(d.Email)]
		if acct != nil && acct.Social {
			sa.acct, sa.code = acct, randomString(30)
			code := sa.code
			s.mu.Unlock()
			redirect(w, s.url+"/login/social/google/complete/?"+url.Values{"state": {state}, "code": {code}}.Encode())
			return
		}
		s.mu.Unlock()
		d.Error = "Couldn't find your account."
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	providerPage.Execute(w, d)
}

// handleSocialComplete serves GET /login/social/google/complete/, where
// the provider sends the browser back: the state must be the browser's
// and the code the provider's; then the browser is logged in.
func (s *Server) handleSocialComplete(w http.ResponseWriter, r *http.Request) {
	state, code := r.URL.Query().Get("state"), r.URL.Query().Get("code")
	cookie, err := r.Cookie(socialStateCookie)
	s.mu.Lock()
	sa := s.social[state]
	ok := sa != nil && err == nil && cookie.Value == state && sa.acct != nil &&
		code == sa.code && s.now().Before(sa.expires)
	if sa != nil {
		delete(s.social, state) // one answer per sign-in
	}
	s.mu.Unlock()
	if !ok {
		authorizeError(w, "access_denied", "The sign-in through the provider failed; try again.")
		return
	}
	s.loggedIn(w, r, sa.acct, sa.next)
}
