package pkcetest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// accessClaims are the claims of an access token; refresh tokens that are
// JWTs carry the same claims without connect_id.
type accessClaims struct {
	JTI       string `json:"jti"`
	Sub       string `json:"sub"`
	Exp       int64  `json:"exp"`
	SID       string `json:"sid"`
	App       string `json:"app"`
	Type      string `json:"type"`
	ConnectID string `json:"connect_id,omitempty"`
}

type idClaims struct {
	JTI  string   `json:"jti"`
	Sub  string   `json:"sub"`
	Exp  int64    `json:"exp"`
	Aud  string   `json:"aud"`
	Iss  string   `json:"iss"`
	User userInfo `json:"user"`
}

type userInfo struct {
	Email      string `json:"email"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	PublicName string `json:"public_name"`
}

// sign returns the RS256 JWT (RFC 7519, RFC 7515 §A.2) of claims.
func (s *Server) sign(claims any) string {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": s.kid})
	if err != nil {
		panic(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		panic(fmt.Sprintf("pkcetest: signing a JWT: %v", err))
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// newFamilyLocked starts a login session for acct. s.mu must be held.
func (s *Server) newFamilyLocked(acct *account) *family {
	f := &family{id: randomString(32), acct: acct, sessionKey: randomString(32)}
	s.families[f.id] = f
	return f
}

// issueLocked mints a token set in session f whose access and id tokens
// last ttl, and registers its refresh token. s.mu must be held.
func (s *Server) issueLocked(f *family, clientID string, ttl, refreshTTL time.Duration) TokenResponse {
	now := s.now()
	exp := now.Add(ttl).Unix()
	a := f.acct
	access := s.sign(accessClaims{
		JTI: randomString(32), Sub: a.Subject, Exp: exp, SID: f.id,
		App: "connect", Type: "access", ConnectID: a.connectID,
	})
	id := s.sign(idClaims{
		JTI: randomString(32), Sub: a.Subject, Exp: exp, Aud: clientID, Iss: s.url,
		User: userInfo{Email: a.Email, FirstName: a.FirstName, LastName: a.LastName, PublicName: a.PublicName},
	})
	refreshExp := now.Add(refreshTTL)
	var refresh string
	if s.opts.OpaqueRefreshTokens {
		refresh = randomString(30)
	} else {
		refresh = s.sign(accessClaims{
			JTI: randomString(32), Sub: a.Subject, Exp: refreshExp.Unix(), SID: f.id,
			App: "connect", Type: "refresh",
		})
	}
	s.refresh[refresh] = &refreshToken{family: f, clientID: clientID, expires: refreshExp}
	s.issued = append(s.issued, access, refresh, id, f.sessionKey)
	expiresIn := int64(ttl / time.Second)
	if expiresIn < 0 {
		expiresIn = 0
	}
	return TokenResponse{
		AccessToken:      access,
		RefreshToken:     refresh,
		IDToken:          id,
		ExpiresIn:        expiresIn,
		TokenType:        "Bearer",
		Scope:            Scope,
		SharedSessionKey: f.sessionKey,
	}
}

var scopes = strings.Fields(Scope)

// validScope reports whether every scope in the space-separated list is
// one the client may have.
func validScope(list string) bool {
	for _, sc := range strings.Fields(list) {
		found := false
		for _, known := range scopes {
			found = found || sc == known
		}
		if !found {
			return false
		}
	}
	return true
}

// repeated returns the first parameter given more than once (RFC 6749 §3.1
// and §3.2: "Request and response parameters MUST NOT be included more
// than once").
func repeated(v url.Values) string {
	for k, vs := range v {
		if len(vs) > 1 {
			return k
		}
	}
	return ""
}

// isUnreserved reports whether s is non-empty and only has RFC 3986
// unreserved characters, the alphabet of code_verifier (RFC 7636 §4.1).
func isUnreserved(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return s != ""
}

// s256 is the S256 code_challenge of verifier (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

var authorizeErrorPage = template.Must(template.New("authorize-error").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Error | Prusa Account</title></head>
<body>
<main class="container">
<h1>Error: {{.Error}}</h1>
<p class="error-description">{{.Description}}</p>
<p><a href="/">Back to Prusa Account</a></p>
</main>
</body>
</html>
`))

// authorizeError answers a bad authorization request with 400 and an error
// page, never a redirect, so a client bug cannot leak to the redirect URI.
func authorizeError(w http.ResponseWriter, code, description string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	authorizeErrorPage.Execute(w, struct{ Error, Description string }{code, description})
}

// handleAuthorize serves GET /o/authorize/ (RFC 6749 §4.1.1, RFC 7636 §4.3).
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		authorizeError(w, "invalid_request", "Malformed query string.")
		return
	}
	if k := repeated(q); k != "" {
		authorizeError(w, "invalid_request", fmt.Sprintf("Duplicate %s parameter.", k))
		return
	}
	challenge := q.Get("code_challenge")
	switch {
	case q.Get("client_id") == "":
		authorizeError(w, "invalid_request", "Missing client_id parameter.")
	case q.Get("client_id") != s.opts.ClientID:
		authorizeError(w, "invalid_client", "Invalid client_id parameter value.")
	case q.Get("redirect_uri") == "":
		authorizeError(w, "invalid_request", "Missing redirect URI.")
	case q.Get("redirect_uri") != s.opts.RedirectURI:
		authorizeError(w, "invalid_request", "Mismatching redirect URI.")
	case q.Get("response_type") == "":
		authorizeError(w, "invalid_request", "Missing response_type parameter.")
	case q.Get("response_type") != "code":
		authorizeError(w, "unsupported_response_type", "Only response_type=code is supported.")
	case challenge == "":
		authorizeError(w, "invalid_request", "Code challenge required.")
	case q.Get("code_challenge_method") != "S256":
		authorizeError(w, "invalid_request", "Transform algorithm not supported; use code_challenge_method=S256.")
	case len(challenge) != 43 || !isUnreserved(challenge) || strings.ContainsAny(challenge, ".~"):
		authorizeError(w, "invalid_request", "code_challenge is not a base64url SHA-256 digest.")
	case !validScope(q.Get("scope")):
		authorizeError(w, "invalid_scope", "Invalid scope.")
	default:
		s.authorize(w, r, q)
	}
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request, q url.Values) {
	s.mu.Lock()
	sess := s.sessionLocked(r)
	if sess == nil || !sess.verified {
		s.mu.Unlock()
		// Django's redirect_to_login: the full path, quoted with "/" safe.
		redirect(w, "/login/?next="+djangoQuote(r.URL.RequestURI()))
		return
	}
	code := randomString(30)
	s.codes[code] = &authCode{
		acct:        sess.acct,
		clientID:    q.Get("client_id"),
		redirectURI: q.Get("redirect_uri"),
		challenge:   q.Get("code_challenge"),
		expires:     s.now().Add(s.opts.CodeTTL),
	}
	s.issued = append(s.issued, code)
	s.mu.Unlock()

	u, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		authorizeError(w, "invalid_request", "Malformed redirect URI.")
		return
	}
	v := u.Query()
	v.Set("code", code)
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	u.RawQuery = v.Encode()
	redirect(w, u.String())
}

// oauthError writes an RFC 6749 §5.2 error response.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// tokenKind classifies a request to /o/token/ for the counters. It parses
// the form, which handleToken then reads again from r.PostForm.
func tokenKind(r *http.Request) RequestKind {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		return TokenOther
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		return TokenCode
	case "refresh_token":
		return TokenRefresh
	}
	return TokenOther
}

// handleToken serves POST /o/token/ (RFC 6749 §3.2, §4.1.3, §6).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		// RFC 6749 §5.2: 401 with a challenge for the scheme the client
		// tried. This client is public: it has nothing to authenticate with.
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth2/token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client",
			"Public client: send client_id in the request body, without an Authorization header.")
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The body must be application/x-www-form-urlencoded.")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed request body.")
		return
	}
	if r.URL.RawQuery != "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Parameters must be sent in the request body, not the URL.")
		return
	}
	form := r.PostForm
	if k := repeated(form); k != "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("Duplicate %s parameter.", k))
		return
	}
	clientID := form.Get("client_id")
	if _, secret := form["client_secret"]; secret || clientID == "" ||
		subtle.ConstantTimeCompare([]byte(clientID), []byte(s.opts.ClientID)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
		return
	}
	switch form.Get("grant_type") {
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing grant_type parameter.")
	case "authorization_code":
		s.grantCode(w, form)
	case "refresh_token":
		s.grantRefresh(w, form)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type.")
	}
}

func writeTokens(w http.ResponseWriter, t TokenResponse) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.Write(t.JSON())
}

// grantCode redeems an authorization code. A successful redemption uses
// the code up; presenting a used code again also revokes the session it
// created (RFC 6749 §4.1.2: the server SHOULD revoke tokens issued from
// it). A redemption that fails its checks (a wrong verifier, another
// redirect_uri) leaves the code as it was, as django-oauth-toolkit does:
// oauthlib validates the whole request before it invalidates the code.
func (s *Server) grantCode(w http.ResponseWriter, form url.Values) {
	code, verifier, redirectURI := form.Get("code"), form.Get("code_verifier"), form.Get("redirect_uri")
	switch {
	case code == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing code parameter.")
		return
	case verifier == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "Code verifier required.")
		return
	case redirectURI == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing redirect_uri parameter.")
		return
	}
	s.mu.Lock()
	c := s.codes[code]
	var problem string
	switch {
	case c == nil:
		problem = "Invalid authorization code."
	case c.used:
		if f := s.families[c.family]; f != nil {
			f.revoked = true
		}
		problem = "Authorization code was already used; the tokens issued for it are revoked."
	case !s.now().Before(c.expires):
		problem = "Authorization code expired."
	case c.clientID != form.Get("client_id"):
		problem = "Authorization code was issued to another client."
	case c.redirectURI != redirectURI:
		problem = "Mismatching redirect URI."
	case len(verifier) < 43 || len(verifier) > 128 || !isUnreserved(verifier) ||
		subtle.ConstantTimeCompare([]byte(s256(verifier)), []byte(c.challenge)) != 1:
		problem = "Code verifier does not match the code challenge."
	}
	if problem != "" {
		s.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "invalid_grant", problem)
		return
	}
	c.used = true
	f := s.newFamilyLocked(c.acct)
	c.family = f.id
	t := s.issueLocked(f, c.clientID, s.opts.AccessTTL, s.opts.RefreshTTL)
	s.mu.Unlock()
	s.count(CodeGranted)
	writeTokens(w, t)
}

// grantRefresh rotates a refresh token. Presenting a used one revokes its
// whole session (RFC 9700 §4.14.2, refresh token rotation).
func (s *Server) grantRefresh(w http.ResponseWriter, form url.Values) {
	token := form.Get("refresh_token")
	if token == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing refresh_token parameter.")
		return
	}
	if !validScope(form.Get("scope")) {
		oauthError(w, http.StatusBadRequest, "invalid_scope", "Invalid scope.")
		return
	}
	s.mu.Lock()
	rt := s.refresh[token]
	var problem string
	switch {
	case rt == nil:
		problem = "Invalid refresh token."
	case rt.clientID != form.Get("client_id"):
		problem = "Refresh token was issued to another client."
	case rt.used:
		rt.family.revoked = true
		s.count(RefreshReuse)
		problem = "Refresh token was already used; the session is revoked."
	case rt.family.revoked:
		problem = "Refresh token is revoked."
	case !s.now().Before(rt.expires):
		problem = "Refresh token expired."
	}
	if problem != "" {
		s.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "invalid_grant", problem)
		return
	}
	rt.used = true
	t := s.issueLocked(rt.family, rt.clientID, s.opts.AccessTTL, s.opts.RefreshTTL)
	s.mu.Unlock()
	s.count(RefreshGranted)
	writeTokens(w, t)
}
