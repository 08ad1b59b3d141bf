package pkce

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// answerTransport answers every request with one fixed response.
type answerTransport struct {
	status      int
	contentType string
	body        string
}

func (a answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	h := http.Header{}
	if a.contentType != "" {
		h.Set("Content-Type", a.contentType)
	}
	return &http.Response{
		StatusCode: a.status, Header: h, Request: r,
		Body: io.NopCloser(strings.NewReader(a.body)), ContentLength: int64(len(a.body)),
	}, nil
}

// FuzzRefreshResponse feeds the token endpoint's whole answer (status,
// content type, body) to Client.Refresh: it never panics, a success is
// always a valid token set, and an error never quotes a token from the
// body.
func FuzzRefreshResponse(f *testing.F) {
	access := makeJWT(map[string]any{"exp": 1893456000, "sub": "1"})
	f.Add(200, "application/json", `{"access_token":"`+access+`","refresh_token":"r2","token_type":"Bearer","expires_in":3600}`)
	f.Add(200, "application/json", `{"access_token":"not-a-jwt","refresh_token":"r2"}`)
	f.Add(200, "application/json", `{}`)
	f.Add(200, "text/html", `<html>maintenance</html>`)
	f.Add(200, "application/x-www-form-urlencoded", `access_token=`+access+`&refresh_token=r2`)
	f.Add(400, "application/json", `{"error":"invalid_grant","error_description":"used"}`)
	f.Add(401, "application/json", `{"error":"invalid_client"}`)
	f.Add(400, "application/json", `{"error":"invalid_request","error_description":"Missing parameter: refresh_token_value_here"}`)
	f.Add(429, "text/html", ``)
	f.Add(503, "", `oops`)
	f.Add(302, "", ``)
	f.Fuzz(func(t *testing.T, status int, contentType, body string) {
		if status < 100 || status > 999 {
			return
		}
		c := &Client{
			AccountURL: "https://account.example.test",
			HTTPClient: &http.Client{Transport: answerTransport{status, contentType, body}},
		}
		ts, err := c.Refresh(t.Context(), "the-refresh-token")
		if err != nil {
			if ts != nil {
				t.Fatalf("Refresh returned both a token set and %v", err)
			}
			msg := err.Error()
			if _, ok := errors.AsType[*OAuthError](err); ok {
				// error and error_description are the server's words for
				// the user, shown as they are.
				return
			}
			for _, tok := range jsonStrings(body) {
				if len(tok) >= 16 && strings.Contains(msg, tok) {
					t.Fatalf("error %q quotes a %d-byte value from the body", msg, len(tok))
				}
			}
			if strings.Contains(msg, "the-refresh-token") {
				t.Fatalf("error %q quotes the refresh token", msg)
			}
			return
		}
		if status/100 != 2 {
			t.Fatalf("Refresh succeeded on HTTP %d", status)
		}
		if err := ts.Validate(); err != nil {
			t.Fatalf("Refresh returned an invalid token set: %v", err)
		}
	})
}

// jsonStrings returns the runs of token characters in s: anything that
// could be a token quoted back.
func jsonStrings(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '~' || r == '+' || r == '/' || r == '=' ||
			'0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	})
}
