package session

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/memory"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

const (
	email    = "maker@example.com"
	password = "correct horse battery staple"
)

// clock is a settable clock shared by the fake server and the manager.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	srv   *pkcetest.Server
	clk   *clock
	store *memory.Store
	env   map[string]string
}

func newFixture(t *testing.T) *fixture {
	clk := &clock{t: time.Now()}
	srv := pkcetest.NewServer(pkcetest.Options{Now: clk.Now, AccessTTL: time.Hour},
		pkcetest.Account{Email: email, Password: password, Subject: "1234567"})
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, clk: clk, store: new(memory.Store), env: map[string]string{}}
}

// manager returns a manager on the fixture; lockDir, when set, gives it a
// real cross-process lock file there.
func (f *fixture) manager(lockDir string) *Manager {
	m := &Manager{
		Store:   f.store,
		Backend: "memory",
		Getenv:  func(k string) string { return f.env[k] },
		Account: &pkce.Client{AccountURL: f.srv.URL(), Now: f.clk.Now},
		MinTTL:  30 * time.Second,
		Now:     f.clk.Now,
	}
	if lockDir != "" {
		m.LockFile = filepath.Join(lockDir, "session.lock")
	}
	return m
}

// storeIssued puts a freshly issued session with ttl into the store.
func (f *fixture) storeIssued(t *testing.T, ttl time.Duration) pkcetest.TokenResponse {
	t.Helper()
	tr, err := f.srv.IssueExpiring(email, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Put(backends.SessionKey, string(tr.JSON())); err != nil {
		t.Fatal(err)
	}
	return tr
}

func (f *fixture) stored(t *testing.T) *pkce.TokenSet {
	t.Helper()
	raw, err := f.store.Get(backends.SessionKey)
	if err != nil {
		t.Fatalf("stored session: %v", err)
	}
	ts, err := pkce.ParseTokenSet([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestFreshTokenNoRequest(t *testing.T) {
	f := newFixture(t)
	tr := f.storeIssued(t, time.Hour)
	tok, err := f.manager("").Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != tr.AccessToken || tok.Username != email {
		t.Errorf("Token() = %v, want the stored token for %s", tok, email)
	}
	if n := len(f.srv.Stats()); f.srv.Count(pkcetest.TokenRefresh) != 0 {
		t.Errorf("a fresh get made requests: %v (%d kinds)", f.srv.Stats(), n)
	}
}

func TestStaleTokenRefreshesOnce(t *testing.T) {
	f := newFixture(t)
	old := f.storeIssued(t, 20*time.Second) // under MinTTL
	tok, err := f.manager("").Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := f.srv.Count(pkcetest.TokenRefresh); got != 1 {
		t.Errorf("refresh requests = %d, want 1", got)
	}
	ts := f.stored(t)
	if ts.RefreshToken == old.RefreshToken {
		t.Error("the rotated refresh token was not persisted")
	}
	if ts.AccessToken != tok.AccessToken || tok.AccessToken == old.AccessToken {
		t.Error("the new access token was not stored and returned")
	}
	if ts.IDToken == "" {
		t.Error("the id token was lost in the refresh")
	}
	// A second get is fresh.
	if _, err := f.manager("").Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.srv.Count(pkcetest.TokenRefresh); got != 1 {
		t.Errorf("refresh requests after a second get = %d, want still 1", got)
	}
}

func TestUnknownKeysSurviveRefresh(t *testing.T) {
	f := newFixture(t)
	tr, err := f.srv.IssueExpiring(email, 0)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	json.Unmarshal(tr.JSON(), &obj)
	obj["sdk_future_key"] = map[string]any{"x": 1.5}
	data, _ := json.Marshal(obj)
	f.store.Put(backends.SessionKey, string(data))
	if _, err := f.manager("").Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, _ := f.store.Get(backends.SessionKey)
	if !strings.Contains(raw, `"sdk_future_key":{"x":1.5}`) {
		t.Errorf("stored session after refresh = %s, lost the unknown key", raw)
	}
}

func TestDeadRefreshToken(t *testing.T) {
	f := newFixture(t)
	f.storeIssued(t, 0)
	f.srv.Revoke(email)
	_, err := f.manager("").Token(context.Background())
	if !errors.Is(err, ErrNotLoggedIn) || !errors.Is(err, pkce.ErrSessionExpired) {
		t.Fatalf("Token() error = %v, want ErrNotLoggedIn wrapping ErrSessionExpired", err)
	}
	var h interface{ Hint() string }
	if !errors.As(err, &h) || !strings.Contains(h.Hint(), "login") {
		t.Errorf("error %v has no hint to log in", err)
	}
	if f.srv.Count(pkcetest.TokenRefresh) != 1 {
		t.Errorf("refresh requests = %d, want exactly 1", f.srv.Count(pkcetest.TokenRefresh))
	}
}

func TestLoginFromGet(t *testing.T) {
	f := newFixture(t)
	m := f.manager(t.TempDir())
	calls := 0
	m.Credentials = func(context.Context) (pkce.LoginInput, error) {
		calls++
		return pkce.LoginInput{Email: email, Password: password}, nil
	}
	tok, err := m.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || tok.Username != email {
		t.Errorf("Token() = %v after %d credential calls, want a login as %s", tok, calls, email)
	}
	if f.stored(t).AccessToken != tok.AccessToken {
		t.Error("the new session was not stored")
	}
}

func TestNoWayToLogIn(t *testing.T) {
	f := newFixture(t)
	m := f.manager("")
	m.Credentials = func(context.Context) (pkce.LoginInput, error) { return pkce.LoginInput{}, ErrCannotLogIn }
	_, err := m.Token(context.Background())
	if !errors.Is(err, ErrNotLoggedIn) {
		t.Fatalf("Token() error = %v, want ErrNotLoggedIn", err)
	}
	if f.srv.Count(pkcetest.Authorize) != 0 {
		t.Error("a login was attempted without credentials")
	}
}

func TestEnvTokensJSON(t *testing.T) {
	f := newFixture(t)
	tr, _ := f.srv.IssueExpiring(email, time.Hour)
	f.env[EnvTokensJSON] = string(tr.JSON())
	tok, err := f.manager("").Token(context.Background())
	if err != nil || tok.AccessToken != tr.AccessToken {
		t.Fatalf("Token() = %v, %v; want the env token", tok, err)
	}

	// Stale: refreshed in memory, never written.
	stale, _ := f.srv.IssueExpiring(email, 0)
	f.env[EnvTokensJSON] = string(stale.JSON())
	m := f.manager("")
	tok, err = m.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == stale.AccessToken || f.srv.Count(pkcetest.TokenRefresh) != 1 {
		t.Errorf("stale env session: got the stale token or %d refreshes, want one refresh", f.srv.Count(pkcetest.TokenRefresh))
	}
	if _, err := m.Token(context.Background()); err != nil || f.srv.Count(pkcetest.TokenRefresh) != 1 {
		t.Errorf("second Token() = %v with %d refreshes, want the in-memory refresh reused", err, f.srv.Count(pkcetest.TokenRefresh))
	}
	if keys, _ := f.store.List(""); len(keys) != 0 {
		t.Errorf("store has %q, want nothing written", keys)
	}
	if _, err := f.store.Get(backends.SessionKey); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("an env session was written to the store")
	}
}

func TestEnvErrors(t *testing.T) {
	f := newFixture(t)
	expired, _ := f.srv.IssueExpiring(email, -time.Minute)
	f.storeIssued(t, time.Hour) // a good stored session must not be used instead
	tests := []struct {
		name, key, value, want string
	}{
		{"tokens json garbage", EnvTokensJSON, "{nope", "PRUSA_TOKENS_JSON is not a usable token set"},
		{"tokens json array", EnvTokensJSON, `["a"]`, "PRUSA_TOKENS_JSON is not a usable token set"},
		{"token not a JWT", EnvToken, "not-a-jwt", "PRUSA_TOKEN is not a Prusa access token"},
		{"token expired", EnvToken, expired.AccessToken, "PRUSA_TOKEN has expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.env = map[string]string{tt.key: tt.value}
			_, err := f.manager("").Token(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Token() error = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), expired.AccessToken) {
				t.Error("the error shows the token")
			}
		})
	}
}

func TestForget(t *testing.T) {
	f := newFixture(t)
	tr := f.storeIssued(t, time.Hour)
	m := f.manager("")
	if err := m.Forget(context.Background(), "some-old-token"); err != nil {
		t.Fatal(err)
	}
	if f.stored(t).AccessToken != tr.AccessToken {
		t.Fatal("Forget with another token changed the session")
	}
	if err := m.Forget(context.Background(), tr.AccessToken); err != nil {
		t.Fatal(err)
	}
	ts := f.stored(t)
	if ts.AccessToken != "" || ts.RefreshToken != tr.RefreshToken {
		t.Fatal("Forget did not drop exactly the access token")
	}
	tok, err := m.Token(context.Background())
	if err != nil || tok.AccessToken == tr.AccessToken || f.srv.Count(pkcetest.TokenRefresh) != 1 {
		t.Errorf("Token() after Forget = %v, %v with %d refreshes; want one refresh", tok, err, f.srv.Count(pkcetest.TokenRefresh))
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	f.storeIssued(t, time.Hour)
	m := f.manager("")
	if err := m.Logout(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Logout(context.Background()); err != nil {
		t.Fatalf("second Logout() = %v, want nil", err)
	}
	if st, _ := m.Status(); st.LoggedIn {
		t.Error("still logged in after Logout")
	}
}

// TestConcurrentRefreshSingleFlight runs many managers, each with its own
// file store on one directory, as separate processes would: exactly one
// refresh may reach the server.
func TestConcurrentRefreshSingleFlight(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	seed := file.New(file.Options{Dir: dir})
	tr, _ := f.srv.IssueExpiring(email, 0)
	if err := seed.Put(backends.SessionKey, string(tr.JSON())); err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	tokens := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := f.manager(dir)
			m.Store = file.New(file.Options{Dir: dir})
			tok, err := m.Token(context.Background())
			tokens[i], errs[i] = tok.AccessToken, err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("manager %d: %v", i, err)
		}
		if tokens[i] != tokens[0] {
			t.Errorf("manager %d got another token than manager 0", i)
		}
	}
	if got := f.srv.Count(pkcetest.TokenRefresh); got != 1 {
		t.Errorf("refresh requests = %d, want 1", got)
	}
	if got := f.srv.Count(pkcetest.RefreshReuse); got != 0 {
		t.Errorf("refresh token reuse = %d, want 0", got)
	}
}

func TestStatus(t *testing.T) {
	f := newFixture(t)
	m := f.manager("")
	st, err := m.Status()
	if err != nil || st.LoggedIn {
		t.Fatalf("Status() on no session = %+v, %v", st, err)
	}
	tr := f.storeIssued(t, time.Hour)
	st, err = m.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !st.LoggedIn || st.Account != email || st.Source != SourceStore || st.AccessExpiry == nil || !st.AccessValid {
		t.Errorf("Status() = %+v", st)
	}
	data, _ := json.Marshal(st)
	for _, secret := range []string{tr.AccessToken, tr.RefreshToken, tr.IDToken} {
		if strings.Contains(string(data), secret) {
			t.Errorf("status JSON shows a token: %s", data)
		}
	}
}

// A process that holds the session lock and hangs makes a refresh fail
// after LockTimeout with an error that names the lock, and the stored
// session is left as it was.
func TestLockWaitIsBounded(t *testing.T) {
	f := newFixture(t)
	tr := f.storeIssued(t, -time.Minute)
	m := f.manager(t.TempDir())
	m.LockTimeout = 200 * time.Millisecond
	hung := flock.New(m.LockFile)
	if err := hung.Lock(); err != nil {
		t.Fatal(err)
	}
	defer hung.Unlock()

	start := time.Now()
	_, err := m.Token(context.Background())
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "held the session lock "+m.LockFile) {
		t.Fatalf("Token with the lock held elsewhere: %v, want an error naming the lock", err)
	}
	if hint.Of(err) == "" {
		t.Errorf("error %q has no hint", err)
	}
	if took > 5*time.Second {
		t.Errorf("waited %v for a lock bounded at %v", took, m.LockTimeout)
	}
	if got, _ := f.store.Get(backends.SessionKey); got != string(tr.JSON()) {
		t.Error("the stored session changed")
	}
	if n := f.srv.Count(pkcetest.TokenRefresh); n != 0 {
		t.Errorf("%d refreshes without the lock", n)
	}
}

// TestLoginFaultAdviceOnce checks that a login the account refuses for
// the moment says what happened in its error and what to do in its hint,
// once: not "try again later" in both.
func TestLoginFaultAdviceOnce(t *testing.T) {
	for _, fault := range []pkcetest.Fault{
		{Status: http.StatusServiceUnavailable},
		{Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Second},
	} {
		f := newFixture(t)
		f.srv.SetFault(fault)
		_, err := f.manager("").Login(context.Background(), pkce.LoginInput{Email: email, Password: password})
		if err == nil {
			t.Fatalf("Login under HTTP %d succeeded", fault.Status)
		}
		h := hint.Of(err)
		if !strings.HasPrefix(h, "try again") {
			t.Errorf("Login under HTTP %d: hint %q, want advice to try again", fault.Status, h)
		}
		for _, advice := range []string{"try again", "retry"} {
			if strings.Contains(err.Error(), advice) {
				t.Errorf("Login under HTTP %d: error %q gives advice (%q) that belongs in the hint", fault.Status, err, advice)
			}
		}
	}
}

// LoginVia stores what a successful login returns and nothing else: a
// failed browser login leaves the stored session as it was.
func TestLoginVia(t *testing.T) {
	f := newFixture(t)
	old := f.storeIssued(t, time.Hour)
	m := f.manager(t.TempDir())
	_, err := m.LoginVia(context.Background(), func(context.Context) (*pkce.TokenSet, error) {
		return nil, pkce.ErrCodeRejected
	})
	if !errors.Is(err, pkce.ErrCodeRejected) {
		t.Fatalf("LoginVia = %v, want the login's error", err)
	}
	if got := f.stored(t); got.AccessToken != old.AccessToken {
		t.Fatalf("a failed login changed the stored session")
	}
	tr, err := f.srv.Issue(email)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := pkce.ParseTokenSet(tr.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.LoginVia(context.Background(), func(context.Context) (*pkce.TokenSet, error) { return fresh, nil }); err != nil {
		t.Fatal(err)
	}
	if got := f.stored(t); got.AccessToken != fresh.AccessToken {
		t.Errorf("LoginVia did not store the new session")
	}
}
