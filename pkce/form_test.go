package pkce

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePage(t *testing.T) {
	tests := []struct {
		name         string
		html         string
		wantLogin    *form // nil: no login form
		wantOTP      *form // nil: no 2FA form
		wantFeedback bool
	}{
		{
			name: "login among other forms",
			html: `<form id="lang" action="/i18n/" method="post"><input type="hidden" name="csrfmiddlewaretoken" value="l"></form>
<form action="/login/?next=%2F" method="POST">
<input type="HIDDEN" name="csrfmiddlewaretoken" value="c&amp;1">
<input type="hidden" name="disabled_one" value="x" disabled>
<input type="hidden" value="no name">
<input name="email"><input type="password" name="pw"><input type="password" name="pw2">
</form>`,
			wantLogin: &form{
				action: "/login/?next=%2F", method: "post",
				hidden:    []field{{"csrfmiddlewaretoken", "c&1"}},
				emailName: "email", passwordName: "pw",
			},
		},
		{
			name: "inputs outside the form by form attribute",
			html: `<form id="f" method="post"><input type="hidden" name="csrfmiddlewaretoken" value="c"></form>
<input type="email" name="login" form="f"><input type="password" name="password" form="f">
<input type="password" name="stray">`,
			wantLogin: &form{
				id: "f", method: "post",
				hidden:    []field{{"csrfmiddlewaretoken", "c"}},
				emailName: "login", passwordName: "password",
			},
		},
		{
			name: "2FA form by autocomplete",
			html: `<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="c">
<input type="text" name="code_field" autocomplete="off one-time-code"></form>
<div class="alert invalid-feedback d-block">bad code</div>`,
			wantOTP: &form{
				method: "post", hidden: []field{{"csrfmiddlewaretoken", "c"}}, otpName: "code_field",
			},
			wantFeedback: true,
		},
		{
			name: "2FA form by name only",
			html: `<form method="post"><input name="otp_token"></form>`,
			wantOTP: &form{
				method: "post", otpName: "otp_token",
			},
		},
		{
			name: "password without email is no login form",
			html: `<form method="post"><input type="password" name="password"></form>`,
		},
		{
			name: "captcha",
			html: `<form method="post"><div class="g-recaptcha"></div><input type="hidden" name="csrfmiddlewaretoken" value="c"></form>`,
		},
		{
			name: "not HTML at all",
			html: "\x00\xff{json: true}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePage(strings.NewReader(tt.html))
			if err != nil {
				t.Fatalf("parsePage() error = %v", err)
			}
			opt := cmp.AllowUnexported(form{}, field{})
			if diff := cmp.Diff(tt.wantLogin, p.loginForm(), opt); diff != "" {
				t.Errorf("loginForm() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOTP, p.otpForm(), opt); diff != "" {
				t.Errorf("otpForm() mismatch (-want +got):\n%s", diff)
			}
			if p.invalidFeedback != tt.wantFeedback {
				t.Errorf("invalidFeedback = %v, want %v", p.invalidFeedback, tt.wantFeedback)
			}
		})
	}
}

func TestSubmit(t *testing.T) {
	const page = "https://account.prusa3d.com/login/?next=%2Fo%2Fauthorize%2F%3Fa%3D1"
	tests := []struct {
		name       string
		html       string
		wantURL    string
		wantValues url.Values
	}{
		{
			name:    "empty action posts to the page with its query",
			html:    `<form method="post" action=""><input type="hidden" name="csrfmiddlewaretoken" value="c"><input type="hidden" name="next" value="%2Fo%2Fauthorize%2F%3Fa%3D1%26b%3D2"><input name="email"><input type="password" name="password"></form>`,
			wantURL: page,
			wantValues: url.Values{
				"csrfmiddlewaretoken": {"c"}, "next": {"/o/authorize/?a=1&b=2"},
				"email": {"e"}, "password": {"p"},
			},
		},
		{
			name:    "no action attribute",
			html:    `<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="c"><input name="email"><input type="password" name="password"></form>`,
			wantURL: page,
			wantValues: url.Values{
				"csrfmiddlewaretoken": {"c"}, "next": {"/o/authorize/?a=1"}, // from the page URL
				"email": {"e"}, "password": {"p"},
			},
		},
		{
			name:    "relative action, fragment dropped, next decoded once only",
			html:    `<form method="post" action="../accounts/login/?x=1#top"><input type="hidden" name="csrfmiddlewaretoken" value="c"><input type="hidden" name="next" value="%252F"><input type="hidden" name="extra" value="e+1"><input type="email" name="username"><input type="password" name="secret"></form>`,
			wantURL: "https://account.prusa3d.com/accounts/login/?x=1",
			wantValues: url.Values{
				"csrfmiddlewaretoken": {"c"}, "next": {"%2F"}, "extra": {"e+1"},
				"username": {"e"}, "secret": {"p"},
			},
		},
		{
			name:    "undecodable next is sent as is",
			html:    `<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="c"><input type="hidden" name="next" value="/o/%zz"><input name="email"><input type="password" name="password"></form>`,
			wantURL: page,
			wantValues: url.Values{
				"csrfmiddlewaretoken": {"c"}, "next": {"/o/%zz"},
				"email": {"e"}, "password": {"p"},
			},
		},
	}
	acct, err := (&Client{}).account()
	if err != nil {
		t.Fatal(err)
	}
	pageURL, _ := url.Parse(page)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePage(strings.NewReader(tt.html))
			if err != nil {
				t.Fatal(err)
			}
			f := p.loginForm()
			if f == nil {
				t.Fatal("no login form")
			}
			fl := &loginFlow{WebLogin: &WebLogin{acct: acct}}
			req, err := fl.submit(t.Context(), pageURL, f, map[string]string{f.emailName: "e", f.passwordName: "p"},
				func(reason string) error { return &UnexpectedPageError{Reason: reason} })
			if err != nil {
				t.Fatalf("submit() error = %v", err)
			}
			if req.Method != http.MethodPost || req.URL.String() != tt.wantURL {
				t.Errorf("submit() = %s %s, want POST %s", req.Method, req.URL, tt.wantURL)
			}
			wantHeader := map[string]string{
				"Referer":      page,
				"Origin":       "https://account.prusa3d.com",
				"Content-Type": "application/x-www-form-urlencoded",
			}
			for k, v := range wantHeader {
				if got := req.Header.Get(k); got != v {
					t.Errorf("submit() header %s = %q, want %q", k, got, v)
				}
			}
			body, _ := io.ReadAll(req.Body)
			got, err := url.ParseQuery(string(body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantValues, got); diff != "" {
				t.Errorf("submit() body mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParsePage(f *testing.F) {
	f.Add(`<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="c"><input name="email"><input type="password" name="password"></form>`)
	f.Add(`<form id="f"></form><input form="f" name="otp_token" autocomplete="one-time-code"><p class="invalid-feedback">x</p>`)
	f.Add(`<table><form><tr><td><input type="password" name="p"></td></tr></form></table>`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := parsePage(strings.NewReader(doc))
		if err != nil {
			return
		}
		if lf := p.loginForm(); lf != nil && (lf.emailName == "" || lf.passwordName == "") {
			t.Fatalf("loginForm() = %+v without email or password field", lf)
		}
		if of := p.otpForm(); of != nil && of.otpName == "" {
			t.Fatalf("otpForm() = %+v without code field", of)
		}
	})
}
