package pkce

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
)

// Errors that need no detail. Test for them with errors.Is.
var (
	// ErrWrongCredentials means Prusa Account rejected the email and
	// password: it rendered the login form again with an error message.
	ErrWrongCredentials = errors.New("wrong email or password")

	// ErrWrongOTP means Prusa Account rejected the 2FA code: it rendered
	// the 2FA form again with an error message.
	ErrWrongOTP = errors.New("wrong 2FA code")

	// ErrOTPRequired means the account has two-factor authentication and
	// no code could be had (see LoginInput.OTP), say for want of a terminal.
	ErrOTPRequired = errors.New("2FA code required")

	// ErrSessionExpired means the refresh token is no longer accepted
	// (RFC 6749 §5.2 "invalid_grant" on a refresh): it expired, was
	// revoked, or was already used. Only a new login helps.
	ErrSessionExpired = errors.New("session expired or revoked")

	// ErrStateMismatch means the redirect that ended the login carried a
	// "state" other than the one Login sent (RFC 6749 §10.12): the answer
	// belongs to another login attempt, or to an attacker.
	ErrStateMismatch = errors.New("login answer does not match the request (OAuth state mismatch)")

	// ErrInvalidTokenSet is wrapped by every error from ParseTokenSet,
	// TokenSet.UnmarshalJSON and TokenSet.Validate.
	ErrInvalidTokenSet = errors.New("invalid token set")

	// ErrInvalidAccountURL is wrapped by every error from ParseAccountURL.
	ErrInvalidAccountURL = errors.New("invalid account URL")

	// ErrNoCode means the pasted text holds no authorization code: it is
	// empty, or an address without a "code" parameter.
	ErrNoCode = errors.New("the pasted address has no authorization code")

	// ErrNotCallback means the pasted address is not the redirect URI
	// (Prusa Connect's login callback page), or not an address at all.
	ErrNotCallback = errors.New("the pasted address is not the Prusa Connect login callback")

	// ErrCodeRejected means the token endpoint refused the authorization
	// code ("invalid_grant"), which also belongs to another login when not
	// expired or used; it wraps the *OAuthError. Only a new login helps.
	ErrCodeRejected = errors.New("the authorization code was refused: it expired (codes last about a minute) or was already used")
)

// OAuthError is an error response of RFC 6749: from the token endpoint
// (§5.2, Status is the HTTP status) or in the redirect that ends the
// authorization request (§4.1.2.1, Status is 0). An "invalid_grant"
// answer to a refresh is reported as ErrSessionExpired instead.
type OAuthError struct {
	Code        string // the "error" parameter, such as "invalid_request"
	Description string // the "error_description" parameter; may be empty
	Status      int    // HTTP status of the token response; 0 for a redirect
}

func (e *OAuthError) Error() string {
	s := "Prusa Account answered with OAuth error " + printable(e.Code, 64)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if d := printable(e.Description, 200); d != "" {
		s += ": " + d
	}
	return s
}

// RateLimitError is an HTTP 429 answer from Prusa Account. Its message,
// like ServerError's, states the fact; what to do is the caller's hint.
type RateLimitError struct {
	// RetryAfter is the wait its Retry-After header asked for (RFC 9110
	// §10.2.3); 0 when it did not say.
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("Prusa Account is rate limiting requests (HTTP 429, Retry-After %s)", humantime.Duration(e.RetryAfter))
	}
	return "Prusa Account is rate limiting requests (HTTP 429)"
}

// ServerError is an HTTP 5xx answer from Prusa Account.
type ServerError struct {
	Status int // HTTP status code
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("Prusa Account server error (HTTP %d %s)", e.Status, http.StatusText(e.Status))
}

// UnexpectedPageError means the login flow met a page or redirect it does
// not know: a CAPTCHA, a changed login page, a redirect to another host.
// Filling forms cannot get past it; a login in the browser (WebLogin) can,
// and so can a token set exported from one.
type UnexpectedPageError struct {
	Status int    // HTTP status of the page; 0 when no page was involved
	Path   string // URL path of the page on the account host; never a query
	Reason string // what was wrong, such as "no login or 2FA form"
}

func (e *UnexpectedPageError) Error() string {
	var where []string
	if e.Status != 0 {
		where = append(where, fmt.Sprintf("HTTP %d", e.Status))
	}
	if e.Path != "" {
		where = append(where, e.Path)
	}
	what := strings.Join(where, " at ")
	if what != "" && e.Reason != "" {
		what += ": "
	}
	return "unexpected page from Prusa Account (" + what + e.Reason + "): the login flow has changed or wants a CAPTCHA, which only a login in the browser gets past"
}

// InvalidResponseError means the token endpoint answered with success but
// the body is not a usable token response: not JSON, a field missing, or
// a token that is not a JWT.
type InvalidResponseError struct {
	Status int    // HTTP status; 0 when not known
	Reason string // what was wrong
}

func (e *InvalidResponseError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("invalid token response from Prusa Account (HTTP %d): %s", e.Status, e.Reason)
	}
	return "invalid token response from Prusa Account: " + e.Reason
}

// Retryable reports whether an error from Login or Refresh is worth trying
// again, and after how long the server asked to wait (0: it did not say;
// pick a backoff). Rate limits, server errors and network failures are;
// wrong credentials, OAuth errors, expired sessions, unexpected pages,
// certificate errors and cancellation are not.
//
// Beware that a network failure during Refresh may come after the server
// rotated the refresh token: the retry then fails with ErrSessionExpired.
func Retryable(err error) (bool, time.Duration) {
	if rl, ok := errors.AsType[*RateLimitError](err); ok {
		return true, rl.RetryAfter
	}
	dns, _ := errors.AsType[*net.DNSError](err)
	switch {
	case isA[*ServerError](err):
		return true, 0
	case errors.Is(err, context.Canceled), !isA[*url.Error](err),
		isA[*tls.CertificateVerificationError](err), isA[x509.UnknownAuthorityError](err),
		isA[x509.HostnameError](err), dns != nil && dns.IsNotFound:
		return false, 0
	}
	return true, 0
}

func isA[T error](err error) bool {
	_, ok := errors.AsType[T](err)
	return ok
}

// retryAfter reads a Retry-After header (RFC 9110 §10.2.3), seconds or an
// HTTP-date; 0 when it is absent, in the past or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if strings.TrimLeft(v, "0123456789") == "" {
		secs, _ := strconv.ParseInt(v, 10, 64) // 0 for "", math.MaxInt64 when it overflows
		return time.Duration(min(secs, math.MaxInt64/int64(time.Second))) * time.Second
	}
	t, _ := http.ParseTime(v) // the zero time when unreadable: long past
	return max(t.Sub(now), 0)
}

// printable returns s without control characters, cut to limit runes, so
// that a server-supplied text cannot mangle a terminal.
func printable(s string, limit int) string {
	r := []rune(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) { // C0, DEL and C1
			return ' '
		}
		return r
	}, s))
	if len(r) > limit {
		r = append(r[:limit], '.', '.', '.')
	}
	return strings.TrimSpace(string(r))
}

// scrubURLError removes the query from the URL a *url.Error prints, so
// that a failed request cannot leak a code or state into an error message.
func scrubURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.Fragment, u.User = "", "", nil
			ue.URL = u.String()
		} else {
			ue.URL = "(unparsable URL)"
		}
	}
	return err
}
