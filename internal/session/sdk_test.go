package session

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// checkSDKTokenFile reads a token file the way the Python SDK does: a JSON
// object whose required keys have the SDK's types, JWT tokens whose payload
// (base64url, padding optional) carries the claims the SDK reads.
func checkSDKTokenFile(t *testing.T, data []byte) {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		t.Fatalf("not a JSON object: %v", err)
	}
	for key, kind := range map[string]string{
		"access_token": "string", "refresh_token": "string", "id_token": "string",
		"expires_in": "number", "token_type": "string", "scope": "string", "shared_session_key": "string",
	} {
		v, ok := obj[key]
		if !ok {
			t.Errorf("SDK key %q missing", key)
			continue
		}
		switch v.(type) {
		case string:
			if kind != "string" {
				t.Errorf("%s is a string, the SDK wants a %s", key, kind)
			}
		case float64:
			if kind != "number" {
				t.Errorf("%s is a number, the SDK wants a %s", key, kind)
			}
		default:
			t.Errorf("%s has type %T", key, v)
		}
	}
	if obj["token_type"] != "Bearer" {
		t.Errorf("token_type = %v, want Bearer", obj["token_type"])
	}
	claims := func(name string) map[string]any {
		tok, _ := obj[name].(string)
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("%s is not a JWT", name)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
		if err != nil {
			t.Fatalf("%s payload: %v", name, err)
		}
		var c map[string]any
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s claims: %v", name, err)
		}
		return c
	}
	for _, claim := range []string{"jti", "sub", "exp", "sid", "app", "type", "connect_id"} {
		if _, ok := claims("access_token")[claim]; !ok {
			t.Errorf("access token lacks the %q claim", claim)
		}
	}
	user, _ := claims("id_token")["user"].(map[string]any)
	if email, _ := user["email"].(string); email == "" {
		t.Errorf("id token lacks user.email")
	}
}

func TestSDKFixtureReadBack(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sdk", "prusa_tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	checkSDKTokenFile(t, data) // the fixture itself has the SDK's shape
	ts, err := pkce.ParseTokenSet(data)
	if err != nil {
		t.Fatal(err)
	}
	st := Describe(ts, SourceStore, "file", time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC))
	if st.Account != "maker@example.com" || st.AccountID != "1234567" || !st.AccessValid {
		t.Errorf("Describe(SDK fixture) = %+v", st)
	}
	if want := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); st.AccessExpiry == nil || !st.AccessExpiry.Equal(want) {
		t.Errorf("access expiry = %v, want %v", st.AccessExpiry, want)
	}
}

// TestOursReadBySDK checks that what a login and a refresh write is a file
// the SDK reads.
func TestOursReadBySDK(t *testing.T) {
	f := newFixture(t)
	m := f.manager(t.TempDir())
	if _, err := m.Login(context.Background(), pkce.LoginInput{Email: email, Password: password}); err != nil {
		t.Fatal(err)
	}
	raw, _ := f.store.Get(backends.SessionKey)
	checkSDKTokenFile(t, []byte(raw))

	f.storeIssued(t, 0)
	if _, err := m.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, _ = f.store.Get(backends.SessionKey)
	checkSDKTokenFile(t, []byte(raw))
}
