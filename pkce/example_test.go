package pkce_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

func ExampleClient_Login() {
	// A stand-in for Prusa Account, so that the example runs offline.
	// Leave AccountURL and HTTPClient unset to talk to the real one.
	account := httptest.NewServer(exampleAccount())
	defer account.Close()
	c := &pkce.Client{AccountURL: account.URL, HTTPClient: account.Client()}

	ts, err := c.Login(context.Background(), pkce.LoginInput{
		Email:    "user@example.com",
		Password: "correct horse battery staple",
		// Called only if the account has 2FA; a CLI prompts here.
		OTP: func(ctx context.Context) (string, error) {
			fmt.Println("2FA code requested")
			return "123456", nil
		},
	})
	if err != nil {
		fmt.Println("login failed:", err)
		return
	}
	email, _ := ts.Email()
	exp, _ := ts.AccessExpiry()
	fmt.Println("logged in as", email)
	fmt.Println("access token expires", exp.Format(time.RFC3339))
	// Output:
	// 2FA code requested
	// logged in as user@example.com
	// access token expires 2030-01-01T00:00:00Z
}

func ExampleClient_Login_wrongPassword() {
	account := httptest.NewServer(exampleAccount())
	defer account.Close()
	c := &pkce.Client{AccountURL: account.URL, HTTPClient: account.Client()}

	_, err := c.Login(context.Background(), pkce.LoginInput{Email: "user@example.com", Password: "guess"})
	fmt.Println(err)
	fmt.Println(errors.Is(err, pkce.ErrWrongCredentials))
	// Output:
	// wrong email or password
	// true
}

func ExampleClient_Refresh() {
	account := httptest.NewServer(exampleAccount())
	defer account.Close()
	c := &pkce.Client{AccountURL: account.URL, HTTPClient: account.Client()}

	// The session as the Python SDK stores it, with a member of its own.
	stored, err := pkce.ParseTokenSet([]byte(`{
  "access_token": "` + exampleJWT(`{"sub":1234,"exp":1893448800}`) + `",
  "refresh_token": "refresh-1",
  "id_token": "` + exampleJWT(`{"sub":"1234","exp":1893448800,"user":{"email":"user@example.com"}}`) + `",
  "expires_in": 7200,
  "sdk_extra": {"kept": true}
}`))
	if err != nil {
		fmt.Println(err)
		return
	}

	fresh, err := c.Refresh(context.Background(), stored.RefreshToken)
	if errors.Is(err, pkce.ErrSessionExpired) {
		fmt.Println("log in again")
		return
	} else if err != nil {
		if retry, after := pkce.Retryable(err); retry {
			fmt.Println("try again in", after)
		}
		return
	}
	// The refresh token is single-use: persist the new set at once,
	// keeping what the stored one had and the answer lacks.
	session := stored.Merge(fresh)
	exp, _ := session.AccessExpiry()
	out, _ := json.Marshal(session)
	var members map[string]any
	json.Unmarshal(out, &members)
	fmt.Println("new refresh token:", session.RefreshToken != stored.RefreshToken)
	fmt.Println("access token expires", exp.Format(time.RFC3339))
	fmt.Println("unknown member kept:", members["sdk_extra"])

	// Once used, the old refresh token is refused.
	_, err = c.Refresh(context.Background(), stored.RefreshToken)
	fmt.Println(err)
	// Output:
	// new refresh token: true
	// access token expires 2030-01-01T00:00:00Z
	// unknown member kept: map[kept:true]
	// session expired or revoked
}

func ExampleClient_StartWebLogin() {
	account := httptest.NewServer(exampleAccount())
	defer account.Close()
	c := &pkce.Client{AccountURL: account.URL, HTTPClient: account.Client()}

	w, err := c.StartWebLogin()
	if err != nil {
		fmt.Println(err)
		return
	}
	// Show w.URL to the user, or open it in their browser. They sign in
	// there by any method; the browser ends on Prusa Connect's callback
	// page, whose address they paste back.
	fmt.Println("open:", strings.HasPrefix(w.URL, account.URL+"/o/authorize/?"))
	pasted := exampleBrowser(w.URL)

	code, err := w.Code(pasted) // checks the address and its state
	if err != nil {
		fmt.Println(err)
		return
	}
	ts, err := w.Exchange(context.Background(), code)
	if err != nil {
		fmt.Println(err)
		return
	}
	email, _ := ts.Email()
	fmt.Println("logged in as", email)

	// An address from another attempt is refused.
	other, _ := c.StartWebLogin()
	_, err = other.Code(pasted)
	fmt.Println(errors.Is(err, pkce.ErrStateMismatch))
	// Output:
	// open: true
	// logged in as user@example.com
	// true
}

// exampleBrowser stands in for the user and their browser: signed in
// already, it opens authURL and returns the address it is sent to.
func exampleBrowser(authURL string) string {
	req, _ := http.NewRequest(http.MethodGet, authURL, nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: "ok"})
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return ""
	}
	resp.Body.Close()
	return resp.Header.Get("Location")
}

func ExampleTokenSet_String() {
	ts := pkce.TokenSet{AccessToken: "eyJhbGciOi.secret.token", RefreshToken: "refresh-secret", TokenType: "Bearer"}
	fmt.Println(ts)
	fmt.Printf("%+v\n", &ts)
	// Output:
	// TokenSet{access_token:[redacted sha256:decd3538] refresh_token:[redacted sha256:8a191499] id_token:none shared_session_key:none expires_in:0 token_type:"Bearer" scope:""}
	// TokenSet{access_token:[redacted sha256:decd3538] refresh_token:[redacted sha256:8a191499] id_token:none shared_session_key:none expires_in:0 token_type:"Bearer" scope:""}
}

func ExampleParseAccountURL() {
	for _, raw := range []string{
		"",
		"https://Account.Prusa3D.com:443/",
		"http://127.0.0.1:8080/",
		"http://account.example.com",
	} {
		u, err := pkce.ParseAccountURL(raw)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(u)
	}
	// Output:
	// https://account.prusa3d.com
	// https://account.prusa3d.com
	// http://127.0.0.1:8080
	// invalid account URL "http://account.example.com": plain http is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https
}

// exampleAccount is a minimal Prusa Account for the examples: a login
// page, a 2FA page and a token endpoint, with one user.
func exampleAccount() http.Handler {
	var (
		code    string
		refresh = "refresh-1"
		n       int
	)
	form := func(w http.ResponseWriter, next, fields string) {
		fmt.Fprintf(w, `<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="csrf">`+
			`<input type="hidden" name="next" value="%s">%s</form>`, html.EscapeString(url.QueryEscape(next)), fields)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /o/authorize/", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("session"); err == nil && c.Value == "ok" {
			code = "code-1"
			http.Redirect(w, r, pkce.DefaultRedirectURL+"?code="+code+"&state="+url.QueryEscape(r.URL.Query().Get("state")), http.StatusFound)
			return
		}
		http.Redirect(w, r, "/login/?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
	})
	mux.HandleFunc("GET /login/", func(w http.ResponseWriter, r *http.Request) {
		form(w, r.URL.Query().Get("next"), `<input type="email" name="email"><input type="password" name="password">`)
	})
	mux.HandleFunc("POST /login/", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("password") != "correct horse battery staple" {
			form(w, r.PostFormValue("next"), `<input type="email" name="email"><input type="password" name="password">`+
				`<div class="invalid-feedback">Please enter a correct email and password.</div>`)
			return
		}
		http.Redirect(w, r, "/login/totp/?next="+url.QueryEscape(r.PostFormValue("next")), http.StatusFound)
	})
	mux.HandleFunc("GET /login/totp/", func(w http.ResponseWriter, r *http.Request) {
		form(w, r.URL.Query().Get("next"), `<input name="otp_token" autocomplete="one-time-code">`)
	})
	mux.HandleFunc("POST /login/totp/", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "ok", Path: "/"})
		http.Redirect(w, r, r.PostFormValue("next"), http.StatusFound)
	})
	mux.HandleFunc("POST /o/token/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.PostFormValue("grant_type") == "authorization_code" && r.PostFormValue("code") == code && code != "":
			code = ""
		case r.PostFormValue("grant_type") == "refresh_token" && r.PostFormValue("refresh_token") == refresh:
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		n++
		refresh = fmt.Sprintf("refresh-%d", n+1)
		json.NewEncoder(w).Encode(map[string]any{
			"access_token":  exampleJWT(`{"sub":1234,"exp":1893456000}`),
			"refresh_token": refresh,
			"id_token":      exampleJWT(`{"sub":"1234","exp":1893456000,"user":{"email":"user@example.com"}}`),
			"expires_in":    7200,
			"token_type":    "Bearer",
			"scope":         "basic_info connect user_operations email_lists openid",
		})
	})
	var mu sync.Mutex // one request at a time
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

func exampleJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2ln"
}
