package pkce

import (
	"cmp"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Prusa Account and Prusa Connect, as the Prusa Connect web app and the
// Python SDK use them. The client is public: it has no secret.
const (
	DefaultAccountURL  = "https://account.prusa3d.com"
	DefaultClientID    = "MRHTlZhZqkNrrQ6FUPtjyusAz8nc59ErHXP8XkS4"
	DefaultRedirectURL = "https://connect.prusa3d.com/login/auth-callback"
)

// ParseAccountURL validates an override of the Prusa Account URL and
// returns it normalized: lower-case scheme and host, no default port, no
// trailing slash. An empty raw means DefaultAccountURL.
//
// The URL must be https, with any host. Plain http is accepted only for a
// loopback host (127.0.0.0/8, ::1 or "localhost"), for test servers on the
// same machine; anything else would send passwords and tokens in clear
// text. User info, a query or a fragment are refused. A path is kept as a
// prefix of the endpoints ("/o/authorize/", "/o/token/").
func ParseAccountURL(raw string) (*url.URL, error) {
	u, err := url.Parse(cmp.Or(strings.TrimSpace(raw), DefaultAccountURL))
	if err != nil {
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidAccountURL, err)
	}
	bad := func(reason string) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidAccountURL, u.Redacted(), reason)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, bad("want an https:// URL")
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return nil, bad("no host")
	case u.User != nil:
		return nil, bad("user info is not allowed")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, bad("a query is not allowed")
	case u.Fragment != "":
		return nil, bad("a fragment is not allowed")
	}
	host := strings.ToLower(u.Hostname())
	ip, err := netip.ParseAddr(host)
	if loopback := host == "localhost" || err == nil && ip.Unmap().IsLoopback(); u.Scheme == "http" && !loopback {
		return nil, bad("plain http is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https")
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && port != defaultPort[u.Scheme] {
		host += ":" + port
	}
	return &url.URL{
		Scheme: u.Scheme,
		Host:   host,
		Path:   strings.TrimRight(u.Path, "/"),
	}, nil
}

// account is what one Login or Refresh needs to know about the server.
type account struct {
	base     *url.URL // from ParseAccountURL
	origin   string   // scheme://host of base, for the Origin header
	redirect *url.URL // the redirect URI that ends the authorization
	cfg      *oauth2.Config
}

func (c *Client) account() (*account, error) {
	base, err := ParseAccountURL(c.AccountURL)
	if err != nil {
		return nil, err
	}
	redirectURL := cmp.Or(c.RedirectURL, DefaultRedirectURL)
	redirect, err := url.Parse(redirectURL)
	if err != nil || (redirect.Scheme != "https" && redirect.Scheme != "http") || redirect.Host == "" {
		return nil, fmt.Errorf("invalid redirect URL %q: want an absolute http(s) URL", redirectURL)
	}
	b := base.String()
	return &account{
		base:     base,
		origin:   base.Scheme + "://" + base.Host,
		redirect: redirect,
		cfg: &oauth2.Config{
			ClientID:    cmp.Or(c.ClientID, DefaultClientID),
			RedirectURL: redirectURL,
			Endpoint: oauth2.Endpoint{
				AuthURL:  b + "/o/authorize/",
				TokenURL: b + "/o/token/",
				// A public client: client_id goes in the form body. The
				// default (auto-detect) retries a failed request with the
				// other style, which would send a refresh token twice;
				// refresh tokens are single-use, so the retry would burn
				// the session.
				AuthStyle: oauth2.AuthStyleInParams,
			},
		},
	}, nil
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (RFC 6454), with default ports filled in.
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string { return cmp.Or(u.Port(), defaultPort[strings.ToLower(u.Scheme)]) }
	return a.User == nil &&
		strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

var defaultPort = map[string]string{"https": "443", "http": "80"}

// isRedirectURI reports whether u points at the redirect URI (same origin
// and path; the query carries the answer).
func (a *account) isRedirectURI(u *url.URL) bool {
	return sameOrigin(u, a.redirect) && u.EscapedPath() == a.redirect.EscapedPath()
}
