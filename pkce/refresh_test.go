package pkce

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRefresh(t *testing.T) {
	fa := newFakeAccount(t, false)
	old := fa.issue().RefreshToken

	got, err := fa.client().Refresh(t.Context(), old)
	if err != nil {
		t.Fatalf("Refresh() error = %v", err)
	}
	want := fa.lastIssued()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Refresh() mismatch (-want +got):\n%s", diff)
	}
	if got.RefreshToken == old {
		t.Errorf("Refresh() kept the old refresh token; Prusa rotates it")
	}
	_, _, forms := fa.posted()
	wantForms := []url.Values{{
		"grant_type":    {"refresh_token"},
		"client_id":     {testClientID}, // AuthStyleInParams: in the body
		"refresh_token": {old},
	}}
	if diff := cmp.Diff(wantForms, forms); diff != "" {
		t.Errorf("token requests mismatch (-want +got):\n%s", diff)
	}

	// The old refresh token is spent.
	if _, err := fa.client().Refresh(t.Context(), old); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("Refresh(spent token) error = %v, want ErrSessionExpired", err)
	}
}

func TestRefreshErrors(t *testing.T) {
	goodAccess := makeJWT(map[string]any{"sub": "1", "exp": 2000000000})
	respond := func(status int, header map[string]string, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	jsonType := map[string]string{"Content-Type": "application/json"}
	tests := []struct {
		name    string
		handler http.HandlerFunc // nil = the fake's, with an unknown token
		check   func(*testing.T, error)
	}{
		{
			name:  "invalid_grant",
			check: isErr(ErrSessionExpired),
		},
		{
			name:    "invalid_grant as 401",
			handler: respond(401, jsonType, `{"error":"invalid_grant"}`),
			check:   isErr(ErrSessionExpired),
		},
		{
			name:    "invalid_client",
			handler: respond(401, jsonType, `{"error":"invalid_client","error_description":"Invalid client_id parameter value."}`),
			check:   isOAuthError(&OAuthError{Code: "invalid_client", Description: "Invalid client_id parameter value.", Status: 401}),
		},
		{
			name:    "error in a 200",
			handler: respond(200, jsonType, `{"error":"invalid_request"}`),
			check:   isOAuthError(&OAuthError{Code: "invalid_request", Status: 200}),
		},
		{
			name:    "429 seconds",
			handler: respond(429, map[string]string{"Retry-After": "120"}, "slow down"),
			check:   isRateLimit(2 * time.Minute),
		},
		{
			name:    "429 date",
			handler: respond(429, map[string]string{"Retry-After": testNow.Add(time.Hour).Format(http.TimeFormat)}, ""),
			check:   isRateLimit(time.Hour),
		},
		{
			name:    "429 date in the past",
			handler: respond(429, map[string]string{"Retry-After": testNow.Add(-time.Hour).Format(http.TimeFormat)}, ""),
			check:   isRateLimit(0),
		},
		{
			name:    "500",
			handler: respond(500, nil, "<html>Server Error (500)</html>"),
			check:   isServerError(500),
		},
		{
			name:    "503 with OAuth error",
			handler: respond(503, jsonType, `{"error":"temporarily_unavailable"}`),
			check:   isServerError(503),
		},
		{
			name:    "404 HTML",
			handler: respond(404, map[string]string{"Content-Type": "text/html"}, "<html>Not Found</html>"),
			check:   isInvalidResponse("HTTP 404"),
		},
		{
			name:    "redirect",
			handler: respond(302, map[string]string{"Location": "/login/"}, ""),
			check:   isInvalidResponse("HTTP 302"),
		},
		{
			name:    "HTML 200",
			handler: respond(200, map[string]string{"Content-Type": "text/html"}, "<!DOCTYPE html><html></html>"),
			check:   isInvalidResponse("not a JSON token response"),
		},
		{
			name:    "empty 200",
			handler: respond(200, jsonType, ""),
			check:   isInvalidResponse("not a JSON token response"),
		},
		{
			name:    "JSON array",
			handler: respond(200, jsonType, `[]`),
			check:   isInvalidResponse("not a JSON token response"),
		},
		{
			name:    "no refresh_token",
			handler: respond(200, jsonType, `{"access_token":"`+goodAccess+`","token_type":"Bearer","expires_in":7200}`),
			check:   isInvalidResponse("refresh_token is missing"),
		},
		{
			name:    "no access_token",
			handler: respond(200, jsonType, `{"refresh_token":"r2"}`),
			check:   isInvalidResponse("access_token is missing"),
		},
		{
			name:    "access token not a JWT",
			handler: respond(200, jsonType, `{"access_token":"abc.def","refresh_token":"r2"}`),
			check:   isInvalidResponse("access_token: not a JWT"),
		},
		{
			name: "access token already expired",
			handler: respond(200, jsonType, `{"access_token":"`+makeJWT(map[string]any{"sub": "1", "exp": testNow.Add(-time.Minute).Unix()})+
				`","refresh_token":"r2","token_type":"Bearer","expires_in":7200}`),
			check: isInvalidResponse("the access token expired at 2026-01-02 03:03:05 UTC, before it was received"),
		},
		{
			name:    "access token payload not JSON",
			handler: respond(200, jsonType, `{"access_token":"e30.bm90IGpzb24.c2ln","refresh_token":"r2"}`),
			check:   isInvalidResponse("payload is not a JSON object"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa := newFakeAccount(t, false)
			if tt.handler != nil {
				fa.override["POST /o/token/"] = tt.handler
			}
			const rt = "refresh-token-secret"
			ts, err := fa.client().Refresh(t.Context(), rt)
			if err == nil {
				t.Fatalf("Refresh() = %v, want an error", ts)
			}
			t.Logf("error: %v", err)
			tt.check(t, err)
			// One request, never two: the auth-style probe of x/oauth2
			// would send the single-use refresh token again.
			if n := fa.tokenRequests(); n != 1 {
				t.Errorf("token requests = %d, want exactly 1", n)
			}
			for _, s := range append(fa.secrets(), rt) {
				if strings.Contains(err.Error(), s) {
					t.Errorf("Refresh() error %q contains a secret", err)
				}
			}
		})
	}
}

func TestRefreshNoToken(t *testing.T) {
	fa := newFakeAccount(t, false)
	if _, err := fa.client().Refresh(t.Context(), ""); !errors.Is(err, ErrSessionExpired) {
		t.Errorf(`Refresh("") error = %v, want ErrSessionExpired`, err)
	}
	if n := len(fa.requests()); n != 0 {
		t.Errorf("requests = %d, want 0", n)
	}
}

func TestRefreshNetworkError(t *testing.T) {
	fa := newFakeAccount(t, false)
	c := fa.client()
	fa.ts.Close()
	_, err := c.Refresh(t.Context(), "rt-secret")
	if err == nil {
		t.Fatal("Refresh() to a closed server = nil error")
	}
	if strings.Contains(err.Error(), "rt-secret") {
		t.Errorf("error %q contains the refresh token", err)
	}
	if retry, _ := Retryable(err); !retry {
		t.Errorf("Retryable(%v) = false, want true", err)
	}
	t.Logf("Refresh() error: %v", err)

	_, err = c.Login(t.Context(), LoginInput{Email: testEmail, Password: testPassword})
	if err == nil {
		t.Fatal("Login() to a closed server = nil error")
	}
	// The query of the authorization URL (challenge, state) stays out.
	if strings.Contains(err.Error(), "?") || strings.Contains(err.Error(), "state") {
		t.Errorf("Login() error %q shows the request query", err)
	}
	t.Logf("Login() error: %v", err)
}

// TestRefreshMerge keeps what the stored set has and the answer lacks.
func TestRefreshMerge(t *testing.T) {
	fa := newFakeAccount(t, false)
	stored := fa.issue()
	stored.Extra = map[string]json.RawMessage{"sdk_note": json.RawMessage(`{"v":1}`)}
	fa.override["POST /o/token/"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"refresh_token":"rotated","expires_in":3600,"token_type":"Bearer"}`,
			makeJWT(map[string]any{"sub": 1234, "exp": 2000000000}))
	}
	fresh, err := fa.client().Refresh(t.Context(), stored.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh() error = %v", err)
	}
	got := stored.Merge(fresh)
	want := &TokenSet{
		AccessToken:      fresh.AccessToken,
		RefreshToken:     "rotated",
		IDToken:          stored.IDToken,
		ExpiresIn:        3600,
		TokenType:        "Bearer",
		Scope:            stored.Scope,
		SharedSessionKey: stored.SharedSessionKey,
		Extra:            stored.Extra,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Merge() mismatch (-want +got):\n%s", diff)
	}
	if email, err := got.Email(); err != nil || email != testEmail {
		t.Errorf("Merge().Email() = %q, %v, want %q", email, err, testEmail)
	}
}
