package pkcetest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// testKey is one signing key for all test servers: generating a key per
// server would only slow the tests down.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	totpSecret = "JBSWY3DPEHPK3PXP"
	fixedCode  = "424242"
)

var (
	alice = Account{Email: "alice@example.com", Password: "correct horse", Subject: "1530681"}
	bob   = Account{Email: "bob@example.com", Password: "battery staple", TOTPSecret: totpSecret}
	carol = Account{Email: "carol@example.com", Password: "hunter2", OTPCode: fixedCode}
)

// newTestServer starts a fake with alice (no 2FA), bob (TOTP) and carol
// (fixed code) on a fake clock.
func newTestServer(t *testing.T, opts Options) (*Server, *clock) {
	t.Helper()
	c := newClock()
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.Key == nil {
		opts.Key = testKey()
	}
	s := NewServer(opts, alice, bob, carol)
	t.Cleanup(s.Close)
	return s, c
}

// page is a response read to the end.
type page struct {
	status int
	header http.Header
	body   string
	url    *url.URL // the request URL
}

// location returns the Location header resolved against the request URL.
func (p page) location(t *testing.T) *url.URL {
	t.Helper()
	loc := p.header.Get("Location")
	if loc == "" {
		t.Fatalf("%s: no Location header (status %d)", p.url.Path, p.status)
	}
	u, err := p.url.Parse(loc)
	if err != nil {
		t.Fatalf("%s: Location %q: %v", p.url.Path, loc, err)
	}
	return u
}

// browser is a plain net/http client with a cookie jar that does not
// follow redirects, so each step can be checked.
type browser struct {
	t   *testing.T
	srv *Server
	c   *http.Client
}

func newBrowser(t *testing.T, srv *Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, srv: srv, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

func (b *browser) resolve(ref string) *url.URL {
	b.t.Helper()
	base, err := url.Parse(b.srv.URL() + "/")
	if err != nil {
		b.t.Fatal(err)
	}
	u, err := base.Parse(ref)
	if err != nil {
		b.t.Fatalf("URL %q: %v", ref, err)
	}
	return u
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading body: %v", req.Method, req.URL.Path, err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(body), url: req.URL}
}

func (b *browser) get(ref string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.resolve(ref).String(), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post submits form to pageURL with the headers a careful client sends:
// Referer the page, Origin the server; hdr overrides them ("" deletes).
func (b *browser) post(pageURL string, form url.Values, hdr map[string]string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.resolve(pageURL).String(), strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", b.resolve(pageURL).String())
	req.Header.Set("Origin", b.srv.URL())
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return b.do(req)
}

func (b *browser) cookie(name string) string {
	for _, c := range b.c.Jar.Cookies(b.resolve("/")) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func parseHTML(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing HTML: %v", err)
	}
	return doc
}

// postForm returns the inputs of the POST form in body that has an input
// for which want is true, as a client picks the right form.
func postForm(t *testing.T, body string, want func(input *html.Node) bool) url.Values {
	t.Helper()
	var found url.Values
	walk(parseHTML(t, body), func(n *html.Node) {
		if found != nil || n.Type != html.ElementNode || n.Data != "form" {
			return
		}
		if m, _ := attr(n, "method"); !strings.EqualFold(m, "post") {
			return
		}
		fields, match := url.Values{}, false
		walk(n, func(in *html.Node) {
			if in.Type != html.ElementNode || in.Data != "input" {
				return
			}
			match = match || want(in)
			if name, ok := attr(in, "name"); ok {
				if typ, _ := attr(in, "type"); typ == "checkbox" {
					return
				}
				v, _ := attr(in, "value")
				fields.Add(name, v)
			}
		})
		if match {
			found = fields
		}
	})
	if found == nil {
		t.Fatalf("no matching POST form in page:\n%s", body)
	}
	return found
}

func named(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { v, _ := attr(n, "name"); return v == name }
}

func oneTimeCode(n *html.Node) bool {
	v, _ := attr(n, "autocomplete")
	return v == "one-time-code"
}

// feedback returns the text of the page's invalid-feedback elements.
func feedback(t *testing.T, body string) string {
	t.Helper()
	var text []string
	walk(parseHTML(t, body), func(n *html.Node) {
		class, _ := attr(n, "class")
		if n.Type == html.ElementNode && contains(strings.Fields(class), "invalid-feedback") && n.FirstChild != nil {
			text = append(text, n.FirstChild.Data)
		}
	})
	return strings.Join(text, "; ")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func newVerifier() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeQuery is the authorization request of DESIGN.md §5.
func authorizeQuery(verifier, state string) url.Values {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {DefaultClientID},
		"redirect_uri":          {DefaultRedirectURI},
		"code_challenge_method": {"S256"},
		"code_challenge":        {challengeOf(verifier)},
	}
	if state != "" {
		q.Set("state", state)
	}
	return q
}

// openLogin starts the flow and returns the login page's URL and form.
func (b *browser) openLogin(verifier, state string) (string, url.Values) {
	b.t.Helper()
	p := b.get("/o/authorize/?" + authorizeQuery(verifier, state).Encode())
	if p.status != http.StatusFound {
		b.t.Fatalf("GET /o/authorize/: status %d, want %d; body:\n%s", p.status, http.StatusFound, p.body)
	}
	loginURL := p.location(b.t)
	if loginURL.Path != "/login/" {
		b.t.Fatalf("GET /o/authorize/ redirects to %v, want /login/", loginURL)
	}
	lp := b.get(loginURL.String())
	if lp.status != http.StatusOK {
		b.t.Fatalf("GET /login/: status %d, want %d", lp.status, http.StatusOK)
	}
	return loginURL.String(), postForm(b.t, lp.body, named("password"))
}

// submit fills a form as the SDK does: next percent-decoded from the
// hidden input, plus the given fields.
func (b *browser) submit(pageURL string, form url.Values, fields map[string]string, hdr map[string]string) page {
	b.t.Helper()
	next, err := url.QueryUnescape(form.Get("next"))
	if err != nil {
		b.t.Fatalf("hidden next %q: %v", form.Get("next"), err)
	}
	out := url.Values{"csrfmiddlewaretoken": {form.Get("csrfmiddlewaretoken")}, "next": {next}}
	for k, v := range fields {
		out.Set(k, v)
	}
	return b.post(pageURL, out, hdr)
}

// login runs the whole flow for acct (with otp as the second factor when
// the account has one) and returns the authorization code.
func (b *browser) login(acct Account, otp func() string, verifier, state string) string {
	b.t.Helper()
	pageURL, form := b.openLogin(verifier, state)
	p := b.submit(pageURL, form, map[string]string{"email": acct.Email, "password": acct.Password}, nil)
	if p.status != http.StatusFound {
		b.t.Fatalf("POST /login/: status %d, want %d; feedback %q", p.status, http.StatusFound, feedback(b.t, p.body))
	}
	next := p.location(b.t)
	if next.Path == "/login/totp/" {
		tp := b.get(next.String())
		if tp.status != http.StatusOK {
			b.t.Fatalf("GET /login/totp/: status %d, want %d", tp.status, http.StatusOK)
		}
		form := postForm(b.t, tp.body, oneTimeCode)
		p = b.submit(next.String(), form, map[string]string{"otp_token": otp()}, nil)
		if p.status != http.StatusFound {
			b.t.Fatalf("POST /login/totp/: status %d, want %d; feedback %q", p.status, http.StatusFound, feedback(b.t, p.body))
		}
		next = p.location(b.t)
	}
	if next.Path != "/o/authorize/" {
		b.t.Fatalf("login redirects to %v, want /o/authorize/", next)
	}
	ap := b.get(next.String())
	if ap.status != http.StatusFound {
		b.t.Fatalf("GET /o/authorize/ after login: status %d, want %d", ap.status, http.StatusFound)
	}
	cb := ap.location(b.t)
	if got := cb.Scheme + "://" + cb.Host + cb.Path; got != DefaultRedirectURI {
		b.t.Fatalf("authorize redirects to %s, want %s", got, DefaultRedirectURI)
	}
	if got := cb.Query().Get("state"); got != state {
		b.t.Errorf("state = %q, want %q", got, state)
	}
	code := cb.Query().Get("code")
	if code == "" {
		b.t.Fatalf("authorize redirect has no code")
	}
	return code
}

// tokenReply is a token endpoint answer.
type tokenReply struct {
	status int
	header http.Header
	body   string
	tokens TokenResponse
	err    struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
}

// postToken posts form to /o/token/; edit may change the request.
func postToken(t *testing.T, srv *Server, form url.Values, edit func(*http.Request)) tokenReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"/o/token/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /o/token/: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := tokenReply{status: resp.StatusCode, header: resp.Header, body: string(body)}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &r.tokens); err != nil {
			t.Fatalf("token response is not JSON: %v", err)
		}
	} else if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(body, &r.err); err != nil {
			t.Fatalf("error response is not JSON: %v", err)
		}
	}
	return r
}

func exchangeForm(code, verifier string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {DefaultClientID},
		"code":          {code},
		"code_verifier": {verifier},
		"redirect_uri":  {DefaultRedirectURI},
	}
}

func refreshForm(token string) url.Values {
	return url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {DefaultClientID},
		"refresh_token": {token},
	}
}

// claims verifies the RS256 signature of jwt with the server's key and
// returns its claims.
func claims(t *testing.T, srv *Server, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT has %d parts, want 3", len(parts))
	}
	var header map[string]string
	decodeSegment(t, parts[0], &header)
	if header["alg"] != "RS256" {
		t.Errorf("JWT alg = %q, want RS256", header["alg"])
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("JWT signature: %v", err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(srv.PublicKey(), crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("JWT signature does not verify: %v", err)
	}
	var c map[string]any
	decodeSegment(t, parts[1], &c)
	return c
}

func decodeSegment(t *testing.T, seg string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("JWT segment: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("JWT segment JSON: %v", err)
	}
}
