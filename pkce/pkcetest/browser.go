package pkcetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// BrowserLogin plays the user's browser in a browser login
// (pkce.WebLogin): it opens authURL, follows the redirects to the login
// page, clicks "Continue with Google", signs in on the provider's
// stand-in page as email (an account with Social set), follows the
// redirects back, and stops at the redirect to the redirect URI without
// fetching it. It returns that redirect's Location: the address the user
// would copy from the browser.
//
// It fails when the redirect URI's state is not the state of authURL
// (the server must send the state back unchanged, RFC 6749 §4.1.2), and
// on any page it does not expect.
func (s *Server) BrowserLogin(ctx context.Context, authURL, email string) (string, error) {
	start, err := url.Parse(authURL)
	if err != nil {
		return "", fmt.Errorf("pkcetest: authorization URL: %w", err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	hc := &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	get := func(u *url.URL) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, err
		}
		return hc.Do(req)
	}
	resp, err := get(start)
	for range 20 {
		if err != nil {
			return "", fmt.Errorf("pkcetest: browser: %w", err)
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxRequestBody))
		resp.Body.Close()
		page := resp.Request.URL
		switch {
		case resp.StatusCode == http.StatusFound:
			loc, lerr := resp.Location()
			if lerr != nil {
				return "", fmt.Errorf("pkcetest: browser: %s: %w", page.Path, lerr)
			}
			if normalOrigin(loc) != s.origin() {
				return s.callback(loc, start)
			}
			resp, err = get(loc)
		case resp.StatusCode == http.StatusOK && page.Path == "/login/":
			// The "Continue with Google" link of the login page.
			next := url.Values{"next": {page.Query().Get("next")}}
			resp, err = get(page.ResolveReference(&url.URL{Path: "/login/social/google/", RawQuery: next.Encode()}))
		case resp.StatusCode == http.StatusOK && page.Path == "/_provider/google/" && resp.Request.Method == http.MethodGet:
			form := url.Values{"email": {email}}
			req, err2 := http.NewRequestWithContext(ctx, http.MethodPost, page.String(), strings.NewReader(form.Encode()))
			if err2 != nil {
				return "", err2
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err = hc.Do(req)
		default:
			return "", fmt.Errorf("pkcetest: browser: unexpected HTTP %d at %s %s", resp.StatusCode, resp.Request.Method, page.Path)
		}
	}
	if err == nil {
		resp.Body.Close()
	}
	return "", errors.New("pkcetest: browser: too many steps")
}

// callback checks the redirect that ends a browser login: to the
// redirect URI, with the state of the authorization request.
func (s *Server) callback(loc, start *url.URL) (string, error) {
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != s.opts.RedirectURI {
		return "", fmt.Errorf("pkcetest: browser: redirected to %s, want the redirect URI %s", got, s.opts.RedirectURI)
	}
	if got, want := loc.Query().Get("state"), start.Query().Get("state"); got != want {
		return "", fmt.Errorf("pkcetest: browser: the redirect URI got state %q, want %q", got, want)
	}
	return loc.String(), nil
}
