package session

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/sdktest"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
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
	if want, err := sdktest.Indent(data); err != nil || !bytes.Equal(data, want) {
		t.Errorf("the fixture is not laid out as json.dump(indent=2) writes it (%v)", err)
	}
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

// sdkAccount is prusactl sharing the session file: it reads the file,
// refreshes with the refresh token it finds there, and writes the answer
// back in place, as the SDK does, without the helper's lock.
type sdkAccount struct {
	t      *testing.T
	path   string
	client *pkce.Client
}

func (s sdkAccount) refresh(ctx context.Context) *pkce.TokenSet {
	s.t.Helper()
	data, err := os.ReadFile(s.path)
	if err != nil {
		s.t.Fatal(err)
	}
	ts, err := pkce.ParseTokenSet(data)
	if err != nil {
		s.t.Fatal(err)
	}
	newer, err := s.client.Refresh(ctx, ts.RefreshToken)
	if err != nil {
		s.t.Fatalf("the SDK's refresh: %v", err)
	}
	out, err := newer.MarshalJSON()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := sdktest.Write(s.path, out, nil); err != nil {
		s.t.Fatal(err)
	}
	return newer
}

// sdkFirst is Prusa Account as the helper sees it when it loses a race
// with the SDK: the SDK's refresh, with the same refresh token, arrives
// just before the helper's.
type sdkFirst struct {
	Account
	sdk     sdkAccount
	won     *pkce.TokenSet
	refresh int
}

func (a *sdkFirst) Refresh(ctx context.Context, rt string) (*pkce.TokenSet, error) {
	if a.refresh++; a.refresh == 1 {
		a.won = a.sdk.refresh(ctx)
	}
	return a.Account.Refresh(ctx, rt)
}

// sdkFixture is a manager on the file backend whose session file the SDK
// shares, and the SDK.
func sdkFixture(t *testing.T, f *fixture) (*Manager, sdkAccount) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prusa-connect", "prusa_tokens.json")
	m := f.manager(filepath.Join(dir, "prusa-credential-helper"))
	m.Store = file.New(file.Options{Dir: filepath.Join(dir, "prusa-credential-helper"), TokensFile: path})
	return m, sdkAccount{t: t, path: path, client: &pkce.Client{AccountURL: f.srv.URL(), Now: f.clk.Now}}
}

// TestLostRaceWithSDK: the SDK refreshes the shared session while the
// helper's refresh is on its way, so the helper presents a spent refresh
// token. The helper reads the file again, finds the SDK's new session and
// uses it, instead of declaring the session over.
func TestLostRaceWithSDK(t *testing.T) {
	f := newFixture(t)
	m, sdk := sdkFixture(t, f)
	tr, err := f.srv.IssueExpiring(email, 20*time.Second) // under MinTTL
	if err != nil {
		t.Fatal(err)
	}
	if err := sdktest.Write(sdk.path, tr.JSON(), nil); err != nil {
		t.Fatal(err)
	}
	race := &sdkFirst{Account: m.Account, sdk: sdk}
	m.Account = race
	tok, err := m.Token(context.Background())
	if err != nil {
		t.Fatalf("Token() after losing the race to the SDK: %v", err)
	}
	if tok.AccessToken != race.won.AccessToken {
		t.Errorf("Token() is not the access token of the SDK's refresh")
	}
	if race.refresh != 1 {
		t.Errorf("the helper refreshed %d times, want once (the SDK's session is fresh)", race.refresh)
	}
	data, _ := os.ReadFile(sdk.path)
	if ts, err := pkce.ParseTokenSet(data); err != nil || ts.RefreshToken != race.won.RefreshToken {
		t.Errorf("the session file no longer holds the SDK's session (%v)", err)
	}
}

// TestLostRaceStillStale: the session the SDK wrote meanwhile is itself
// stale (its clock, or a short-lived token): the helper refreshes it.
func TestLostRaceStillStale(t *testing.T) {
	f := newFixture(t)
	m, sdk := sdkFixture(t, f)
	tr, err := f.srv.IssueExpiring(email, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := sdktest.Write(sdk.path, tr.JSON(), nil); err != nil {
		t.Fatal(err)
	}
	race := &sdkFirst{Account: m.Account, sdk: sdk}
	m.Account = race
	m.MinTTL = 2 * time.Hour // longer than the fake's access tokens live
	if _, err := m.Token(context.Background()); err == nil {
		// The fake revokes the whole session when a spent refresh token
		// comes back, as RFC 9700 asks: the second refresh is refused.
		t.Fatal("Token() succeeded although the session was revoked")
	} else if !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("Token() = %v, want ErrNotLoggedIn", err)
	}
	if race.refresh != 2 {
		t.Errorf("the helper refreshed %d times, want twice (its own, then the SDK's stale session)", race.refresh)
	}
}

// TestSDKAndHelperRefreshInTurn: the helper and the SDK refresh the shared
// session in turn; each uses the other's refresh token, so none is ever
// presented twice.
func TestSDKAndHelperRefreshInTurn(t *testing.T) {
	f := newFixture(t)
	m, sdk := sdkFixture(t, f)
	tr, err := f.srv.IssueExpiring(email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := sdktest.Write(sdk.path, tr.JSON(), nil); err != nil {
		t.Fatal(err)
	}
	const turns = 3
	for range turns {
		f.clk.Add(time.Hour) // both tools' access tokens are stale
		if _, err := m.Token(context.Background()); err != nil {
			t.Fatalf("the helper's refresh: %v", err)
		}
		f.clk.Add(time.Hour)
		sdk.refresh(context.Background())
	}
	if got := f.srv.Count(pkcetest.RefreshReuse); got != 0 {
		t.Errorf("%d refresh tokens were presented twice", got)
	}
	if got := f.srv.Count(pkcetest.RefreshGranted); got != 2*turns {
		t.Errorf("%d refreshes granted, want %d", got, 2*turns)
	}
}

// TestCarryOldSessionUnderLock: the session an earlier version kept is
// moved into the SDK's file under the session lock, then served.
func TestCarryOldSessionUnderLock(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	old := filepath.Join(dir, "prusa-connect-sdk-client", "tokens.json")
	m := f.manager(filepath.Join(dir, "prusa-credential-helper"))
	m.LockTimeout = 100 * time.Millisecond
	st := file.New(file.Options{Dir: filepath.Join(dir, "prusa-credential-helper"),
		TokensFile: filepath.Join(dir, "prusa-connect", "prusa_tokens.json"), OldTokensFile: old})
	m.Store = st
	tr, err := f.srv.IssueExpiring(email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(old), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, tr.JSON(), 0o600); err != nil {
		t.Fatal(err)
	}

	// Another process holds the session lock: nothing moves.
	held, err := Lock(context.Background(), m.LockFile, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "session lock") {
		t.Errorf("Token() with the lock held elsewhere = %v, want a lock error", err)
	}
	if _, err := os.Stat(st.TokensFile()); err == nil {
		t.Error("the session was moved without the lock")
	}
	held()

	tok, err := m.Token(context.Background())
	if err != nil || tok.AccessToken != tr.AccessToken {
		t.Fatalf("Token() = %v, want the earlier version's session", err)
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("the earlier version's session file is still there")
	}
	data, _ := os.ReadFile(st.TokensFile())
	if string(data) != string(tr.JSON()) {
		t.Errorf("the SDK's file holds %q, want the moved session byte for byte", data)
	}
}
