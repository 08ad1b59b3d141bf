package pkce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// otpCounter returns an OTP source that answers code and counts calls.
func otpCounter(code string, err error) (func(context.Context) (string, error), *atomic.Int32) {
	var n atomic.Int32
	return func(context.Context) (string, error) {
		n.Add(1)
		return code, err
	}, &n
}

func TestLogin(t *testing.T) {
	fa := newFakeAccount(t, false)
	otp, calls := otpCounter(testOTP, nil)

	got, err := fa.client().Login(t.Context(), LoginInput{Email: testEmail, Password: testPassword, OTP: otp})
	if err != nil {
		t.Fatalf("Login() error = %v", err)
	}
	if diff := cmp.Diff(fa.lastIssued(), got); diff != "" {
		t.Errorf("Login() token set mismatch (-want +got):\n%s", diff)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("OTP called %d times for an account without 2FA, want 0", n)
	}
	wantLog := []string{
		"GET /o/authorize/",
		"GET /login/",
		"POST /login/",
		"GET /o/authorize/",
		"POST /o/token/",
	}
	if diff := cmp.Diff(wantLog, fa.requests()); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
	loginForms, _, tokenForms := fa.posted()
	wantForm := url.Values{
		"csrfmiddlewaretoken": loginForms[0]["csrfmiddlewaretoken"], // checked by the fake
		"next":                loginForms[0]["next"],
		"email":               {testEmail},
		"password":            {testPassword},
	}
	if diff := cmp.Diff(wantForm, loginForms[0]); diff != "" {
		t.Errorf("login form mismatch (-want +got):\n%s", diff)
	}
	wantForm = url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {testClientID},
		"code":          tokenForms[0]["code"], // checked by the fake, as the verifier
		"code_verifier": tokenForms[0]["code_verifier"],
		"redirect_uri":  {testRedirect},
	}
	if diff := cmp.Diff(wantForm, tokenForms[0]); diff != "" {
		t.Errorf("exchange form mismatch (-want +got):\n%s", diff)
	}
}

func TestLogin2FA(t *testing.T) {
	fa := newFakeAccount(t, true)
	otp, calls := otpCounter(" 123 456\n", nil) // as typed, spaces and all

	got, err := fa.client().Login(t.Context(), LoginInput{Email: testEmail, Password: testPassword, OTP: otp})
	if err != nil {
		t.Fatalf("Login() error = %v", err)
	}
	if diff := cmp.Diff(fa.lastIssued(), got); diff != "" {
		t.Errorf("Login() token set mismatch (-want +got):\n%s", diff)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("OTP called %d times, want 1", n)
	}
	wantLog := []string{
		"GET /o/authorize/",
		"GET /login/",
		"POST /login/",
		"GET /login/totp/",
		"POST /login/totp/",
		"GET /o/authorize/",
		"POST /o/token/",
	}
	if diff := cmp.Diff(wantLog, fa.requests()); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
	_, otpForms, _ := fa.posted()
	wantForm := url.Values{
		"csrfmiddlewaretoken": otpForms[0]["csrfmiddlewaretoken"],
		"next":                otpForms[0]["next"],
		"otp_token":           {testOTP},
	}
	if diff := cmp.Diff(wantForm, otpForms[0]); diff != "" {
		t.Errorf("2FA form mismatch (-want +got):\n%s", diff)
	}
}

// TestLoginTOTP logs in with a code computed from a seed, as the CLI does
// with PRUSA_TOTP_SECRET.
func TestLoginTOTP(t *testing.T) {
	const seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	fa := newFakeAccountFor(t, pkcetest.Account{Email: testEmail, Password: testPassword, TOTPSecret: seed})
	code, err := TOTP(seed, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c := fa.client()
	_, err = c.Login(t.Context(), LoginInput{
		Email:    testEmail,
		Password: testPassword,
		OTP:      func(context.Context) (string, error) { return TOTP(seed, c.Now()) },
	})
	if err != nil {
		t.Fatalf("Login() error = %v", err)
	}
	if _, otpForms, _ := fa.posted(); len(otpForms) != 1 || otpForms[0].Get("otp_token") != code {
		t.Errorf("2FA forms = %v, want one with otp_token %q", otpForms, code)
	}
}

func TestLoginErrors(t *testing.T) {
	captcha := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><body><form method="post" action="/login/">
<input type="hidden" name="csrfmiddlewaretoken" value="x">
<div class="g-recaptcha" data-sitekey="k"></div><button>Continue</button></form></body></html>`)
	}
	status := func(code int, retryAfter string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			http.Error(w, "<html>nope "+testPassword+"</html>", code)
		}
	}
	tokenBody := func(code int, contentType, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(code)
			fmt.Fprint(w, body)
		}
	}
	goodAccess := makeJWT(map[string]any{"sub": "1", "exp": 2000000000})
	// toCallback answers the authorization request at once with query
	// (plus the real state unless query sets one).
	toCallback := func(query url.Values) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			q := url.Values{"state": r.URL.Query()["state"]}
			for k, v := range query {
				q[k] = v
			}
			http.Redirect(w, r, testRedirect+"?"+q.Encode(), http.StatusFound)
		}
	}

	tests := []struct {
		name      string
		twoFA     bool
		password  string // "" = the right one
		otp       func(context.Context) (string, error)
		override  map[string]http.HandlerFunc
		forged    string // callback state
		offOrigin string // path on another server to redirect or post to
		check     func(t *testing.T, err error)
		wantToken int // token requests
	}{
		{
			name:     "wrong password",
			password: "hunter2",
			check:    isErr(ErrWrongCredentials),
		},
		{
			name:  "wrong 2FA code",
			twoFA: true,
			otp:   func(context.Context) (string, error) { return "000000", nil },
			check: isErr(ErrWrongOTP),
		},
		{
			name:  "2FA without OTP source",
			twoFA: true,
			check: isErr(ErrOTPRequired),
		},
		{
			name:  "2FA source has no code",
			twoFA: true,
			otp: func(context.Context) (string, error) {
				return "", fmt.Errorf("no terminal: %w", ErrOTPRequired)
			},
			check: isErr(ErrOTPRequired),
		},
		{
			name:  "2FA source returns empty code",
			twoFA: true,
			otp:   func(context.Context) (string, error) { return "  ", nil },
			check: isErr(ErrOTPRequired),
		},
		{
			name:  "2FA source fails",
			twoFA: true,
			otp:   func(context.Context) (string, error) { return "", errTestPrompt },
			check: isErr(errTestPrompt),
		},
		{
			name:   "state mismatch",
			forged: "forged-state",
			check:  isErr(ErrStateMismatch),
		},
		{
			name:     "authorization error",
			override: map[string]http.HandlerFunc{"GET /o/authorize/": toCallback(url.Values{"error": {"access_denied"}, "error_description": {"The user denied it."}})},
			check:    isOAuthError(&OAuthError{Code: "access_denied", Description: "The user denied it."}),
		},
		{
			name:     "callback without code",
			override: map[string]http.HandlerFunc{"GET /o/authorize/": toCallback(nil)},
			check:    isUnexpectedPage("no code"),
		},
		{
			name:     "callback with another state and an error",
			override: map[string]http.HandlerFunc{"GET /o/authorize/": toCallback(url.Values{"state": {"x"}, "error": {"access_denied"}})},
			check:    isErr(ErrStateMismatch),
		},
		{
			name:      "redirect off origin",
			offOrigin: "redirect",
			check:     isUnexpectedPage("outside Prusa Account"),
		},
		{
			name:      "form posts off origin",
			offOrigin: "form",
			check:     isUnexpectedPage("outside Prusa Account"),
		},
		{
			name:     "captcha page",
			override: map[string]http.HandlerFunc{"GET /login/": captcha},
			check:    isUnexpectedPage("no login or 2FA form"),
		},
		{
			name: "login form without csrf",
			override: map[string]http.HandlerFunc{"GET /login/": func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `<form method="post"><input name="email"><input type="password" name="password"></form>`)
			}},
			check: isUnexpectedPage("CSRF"),
		},
		{
			name: "login form that GETs",
			override: map[string]http.HandlerFunc{"GET /login/": func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `<form method="get"><input type="hidden" name="csrfmiddlewaretoken" value="x"><input name="email"><input type="password" name="password"></form>`)
			}},
			check: isUnexpectedPage("does not POST"),
		},
		{
			name: "login form back without message",
			override: map[string]http.HandlerFunc{"POST /login/": func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="x"><input type="email" name="email"><input type="password" name="password"></form>`)
			}},
			check: isUnexpectedPage("came back"),
		},
		{
			name:     "forbidden",
			override: map[string]http.HandlerFunc{"POST /login/": status(http.StatusForbidden, "")},
			check:    isUnexpectedPage("HTTP 403 at /login/"),
		},
		{
			name: "redirect loop",
			override: map[string]http.HandlerFunc{"GET /login/": func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.String(), http.StatusFound)
			}},
			check: isUnexpectedPage("gave up after 20"),
		},
		{
			name:     "rate limited, seconds",
			override: map[string]http.HandlerFunc{"GET /login/": status(http.StatusTooManyRequests, "30")},
			check:    isRateLimit(30 * time.Second),
		},
		{
			name:     "rate limited, date",
			override: map[string]http.HandlerFunc{"POST /login/": status(http.StatusTooManyRequests, testNow.Add(90*time.Second).Format(http.TimeFormat))},
			check:    isRateLimit(90 * time.Second),
		},
		{
			name:     "rate limited, no Retry-After",
			override: map[string]http.HandlerFunc{"GET /o/authorize/": status(http.StatusTooManyRequests, "")},
			check:    isRateLimit(0),
		},
		{
			name:     "server error",
			override: map[string]http.HandlerFunc{"GET /o/authorize/": status(http.StatusServiceUnavailable, "")},
			check:    isServerError(http.StatusServiceUnavailable),
		},
		{
			name:      "token endpoint sends HTML",
			override:  map[string]http.HandlerFunc{"POST /o/token/": tokenBody(200, "text/html", "<html><body>Welcome</body></html>")},
			check:     isInvalidResponse("not a JSON token response"),
			wantToken: 1,
		},
		{
			name:      "token endpoint sends garbage",
			override:  map[string]http.HandlerFunc{"POST /o/token/": tokenBody(200, "application/json", "\x00\xffgarbage")},
			check:     isInvalidResponse("not a JSON token response"),
			wantToken: 1,
		},
		{
			name:      "token response without access_token",
			override:  map[string]http.HandlerFunc{"POST /o/token/": tokenBody(200, "application/json", `{"refresh_token":"r","token_type":"Bearer"}`)},
			check:     isInvalidResponse("access_token is missing"),
			wantToken: 1,
		},
		{
			name:      "token response without refresh_token",
			override:  map[string]http.HandlerFunc{"POST /o/token/": tokenBody(200, "application/json", `{"access_token":"`+goodAccess+`","expires_in":7200}`)},
			check:     isInvalidResponse("refresh_token is missing"),
			wantToken: 1,
		},
		{
			name:      "access token is not a JWT",
			override:  map[string]http.HandlerFunc{"POST /o/token/": tokenBody(200, "application/json", `{"access_token":"opaque-secret","refresh_token":"r"}`)},
			check:     isInvalidResponse("access_token: not a JWT"),
			wantToken: 1,
		},
		{
			name:      "access token without exp",
			override:  map[string]http.HandlerFunc{"POST /o/token/": tokenBody(200, "application/json", `{"access_token":"`+makeJWT(map[string]any{"sub": "1"})+`","refresh_token":"r"}`)},
			check:     isInvalidResponse(`no "exp" claim`),
			wantToken: 1,
		},
		{
			name:      "id token is not a JWT",
			override:  map[string]http.HandlerFunc{"POST /o/token/": tokenBody(200, "application/json", `{"access_token":"`+goodAccess+`","refresh_token":"r","id_token":"x.y"}`)},
			check:     isInvalidResponse("id_token: not a JWT"),
			wantToken: 1,
		},
		{
			name:      "code refused",
			override:  map[string]http.HandlerFunc{"POST /o/token/": func(w http.ResponseWriter, r *http.Request) { tokenErrorJSON(w, 400, "invalid_grant", "Invalid code.") }},
			check:     isOAuthError(&OAuthError{Code: "invalid_grant", Description: "Invalid code.", Status: 400}),
			wantToken: 1,
		},
		{
			name:      "token endpoint rate limited",
			override:  map[string]http.HandlerFunc{"POST /o/token/": status(http.StatusTooManyRequests, "7")},
			check:     isRateLimit(7 * time.Second),
			wantToken: 1,
		},
		{
			name:      "token endpoint down",
			override:  map[string]http.HandlerFunc{"POST /o/token/": status(http.StatusBadGateway, "")},
			check:     isServerError(http.StatusBadGateway),
			wantToken: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa := newFakeAccount(t, tt.twoFA)
			if tt.forged != "" {
				fa.override["GET /o/authorize/"] = fa.forgeState(tt.forged)
			}
			for k, h := range tt.override {
				fa.override[k] = h
			}
			var otherHits atomic.Int32
			if tt.offOrigin != "" {
				other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					otherHits.Add(1)
				}))
				t.Cleanup(other.Close)
				switch tt.offOrigin {
				case "redirect":
					fa.override["GET /login/"] = func(w http.ResponseWriter, r *http.Request) {
						http.Redirect(w, r, other.URL+"/login/", http.StatusFound)
					}
				case "form":
					fa.override["GET /login/"] = func(w http.ResponseWriter, r *http.Request) {
						fmt.Fprintf(w, `<form method="post" action="%s/steal"><input type="hidden" name="csrfmiddlewaretoken" value="x"><input type="email" name="email"><input type="password" name="password"></form>`, other.URL)
					}
				}
			}
			password := tt.password
			if password == "" {
				password = testPassword
			}
			otp := tt.otp
			if otp == nil && !tt.twoFA {
				otp = func(context.Context) (string, error) {
					t.Error("OTP called without 2FA")
					return "", nil
				}
			}

			ts, err := fa.client().Login(t.Context(), LoginInput{Email: testEmail, Password: password, OTP: otp})
			if err == nil {
				t.Fatalf("Login() = %v, want an error", ts)
			}
			t.Logf("error: %v", err)
			tt.check(t, err)
			for _, s := range append(fa.secrets(), password) {
				if strings.Contains(err.Error(), s) {
					t.Errorf("Login() error %q contains a secret", err)
				}
			}
			if n := fa.tokenRequests(); n != tt.wantToken {
				t.Errorf("token requests = %d, want %d", n, tt.wantToken)
			}
			if n := otherHits.Load(); n != 0 {
				t.Errorf("the other origin got %d requests, want 0", n)
			}
		})
	}
}

var errTestPrompt = errors.New("test prompt failed")

func isErr(want error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("error = %v, want %v", err, want)
		}
	}
}

func isOAuthError(want *OAuthError) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		got, ok := errors.AsType[*OAuthError](err)
		if !ok {
			t.Fatalf("error = %v (%T), want *OAuthError", err, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("OAuthError mismatch (-want +got):\n%s", diff)
		}
	}
}

func isUnexpectedPage(substr string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if _, ok := errors.AsType[*UnexpectedPageError](err); !ok {
			t.Fatalf("error = %v (%T), want *UnexpectedPageError", err, err)
		}
		for _, s := range []string{substr, "CAPTCHA", "browser"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not mention %q", err, s)
			}
		}
	}
}

func isRateLimit(after time.Duration) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		got, ok := errors.AsType[*RateLimitError](err)
		if !ok {
			t.Fatalf("error = %v (%T), want *RateLimitError", err, err)
		}
		if got.RetryAfter != after {
			t.Errorf("RetryAfter = %v, want %v", got.RetryAfter, after)
		}
		if retry, d := Retryable(err); !retry || d != after {
			t.Errorf("Retryable(%v) = %v, %v, want true, %v", err, retry, d, after)
		}
	}
}

func isServerError(status int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		got, ok := errors.AsType[*ServerError](err)
		if !ok {
			t.Fatalf("error = %v (%T), want *ServerError", err, err)
		}
		if got.Status != status {
			t.Errorf("Status = %d, want %d", got.Status, status)
		}
	}
}

func isInvalidResponse(substr string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if _, ok := errors.AsType[*InvalidResponseError](err); !ok {
			t.Fatalf("error = %v (%T), want *InvalidResponseError", err, err)
		}
		if !strings.Contains(err.Error(), substr) {
			t.Errorf("error %q does not mention %q", err, substr)
		}
	}
}

func TestLoginNeedsCredentials(t *testing.T) {
	fa := newFakeAccount(t, false)
	for _, in := range []LoginInput{{Email: testEmail}, {Password: testPassword}, {}} {
		if _, err := fa.client().Login(t.Context(), in); err == nil {
			t.Errorf("Login(%v) = nil error, want one", in)
		}
	}
	if got := fa.requests(); len(got) != 0 {
		t.Errorf("requests = %v, want none", got)
	}
}

func TestLoginCanceled(t *testing.T) {
	fa := newFakeAccount(t, true)
	ctx, cancel := context.WithCancel(t.Context())
	otp := func(context.Context) (string, error) {
		cancel() // the user hits ^C at the prompt
		return testOTP, nil
	}
	_, err := fa.client().Login(ctx, LoginInput{Email: testEmail, Password: testPassword, OTP: otp})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Login() error = %v, want context.Canceled", err)
	}
	if retry, _ := Retryable(err); retry {
		t.Errorf("Retryable(%v) = true, want false", err)
	}
}

func TestLoginBadAccountURL(t *testing.T) {
	c := &Client{AccountURL: "http://account.example.com"}
	_, err := c.Login(t.Context(), LoginInput{Email: testEmail, Password: testPassword})
	if !errors.Is(err, ErrInvalidAccountURL) {
		t.Errorf("Login() error = %v, want ErrInvalidAccountURL", err)
	}
}

// TestLoginRetryOTP: a refused 2FA code is asked for again and posted to
// the 2FA form the server rendered again, without a new password post;
// when RetryOTP declines, Login fails with ErrWrongOTP.
func TestLoginRetryOTP(t *testing.T) {
	tests := []struct {
		name        string
		codes       []string // what OTP returns, call by call
		maxRefused  int      // RetryOTP says yes while refused <= this
		wantErr     error
		wantRefused []int // RetryOTP's arguments
	}{
		{name: "second code right", codes: []string{"000000", testOTP}, maxRefused: 2, wantRefused: []int{1}},
		{name: "third code right", codes: []string{"000000", "111111", testOTP}, maxRefused: 2, wantRefused: []int{1, 2}},
		{name: "out of tries", codes: []string{"000000", "111111", "222222"}, maxRefused: 2, wantErr: ErrWrongOTP, wantRefused: []int{1, 2, 3}},
		{name: "no retry", codes: []string{"000000"}, maxRefused: 0, wantErr: ErrWrongOTP, wantRefused: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa := newFakeAccount(t, true)
			calls := 0
			var refused []int
			_, err := fa.client().Login(t.Context(), LoginInput{
				Email: testEmail, Password: testPassword,
				OTP: func(context.Context) (string, error) {
					calls++
					return tt.codes[calls-1], nil
				},
				RetryOTP: func(_ context.Context, n int) bool {
					refused = append(refused, n)
					return n <= tt.maxRefused
				},
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Login() error = %v, want %v", err, tt.wantErr)
			}
			if calls != len(tt.codes) {
				t.Errorf("OTP called %d times, want %d", calls, len(tt.codes))
			}
			if diff := cmp.Diff(tt.wantRefused, refused); diff != "" {
				t.Errorf("RetryOTP arguments (-want +got):\n%s", diff)
			}
			login, otp, _ := fa.posted()
			if len(login) != 1 {
				t.Errorf("%d password posts, want 1", len(login))
			}
			var posted []string
			for _, f := range otp {
				posted = append(posted, f.Get("otp_token"))
			}
			if diff := cmp.Diff(tt.codes, posted); diff != "" {
				t.Errorf("posted codes (-want +got):\n%s", diff)
			}
		})
	}
}
