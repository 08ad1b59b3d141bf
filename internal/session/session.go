// Package session owns the Prusa session: it finds it (the environment
// first, then the storage backend), hands out an access token that has
// enough life left, refreshes it when it does not, and logs in when there
// is none and logging in is possible.
//
// Resolution order (DESIGN §4): PRUSA_TOKENS_JSON, then PRUSA_TOKEN, then
// the backend. A session from the environment is never written anywhere,
// not even after a refresh, which then lives only in this process.
//
// Refresh is single-flight across processes: under an exclusive file lock
// the session is read again, refreshed only if it is still stale, and the
// rotated refresh token is written before the lock is released, because
// Prusa refresh tokens are single-use and a second refresh with the same
// token ends the session.
package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/childenv"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/filelock"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// Environment variables that carry a session.
const (
	EnvTokensJSON = childenv.TokensJSON
	EnvToken      = childenv.Token
)

// Store is where a stored session lives, under backends.SessionKey.
type Store interface {
	Get(key string) (string, error)
	Put(key, value string) error
	Delete(key string) error
}

// Carrier is a store that may keep the session in an old place, to be
// moved into the current one before it is used: the file backend's
// session file of earlier versions. The manager moves it under the
// session lock, once, before it first reads the stored session.
type Carrier interface {
	// SessionToCarry reports, without a lock, whether there is a
	// session to move.
	SessionToCarry() bool
	// CarrySession moves it, unless the current place has one by now.
	CarrySession() error
}

// Account is what the session needs of Prusa Account.
type Account interface {
	Login(ctx context.Context, in pkce.LoginInput) (*pkce.TokenSet, error)
	Refresh(ctx context.Context, refreshToken string) (*pkce.TokenSet, error)
}

// Manager is the Prusa session of one run.
type Manager struct {
	// Store keeps the session.
	Store Store
	// Backend names the store for status and messages.
	Backend string
	// Getenv reads the environment; it must be set.
	Getenv func(string) string
	// Account logs in and refreshes.
	Account Account
	// Credentials says how to log in when get finds no session; it
	// returns ErrCannotLogIn when no login can complete here (no
	// terminal, no credentials in the environment). nil means the same.
	Credentials func(ctx context.Context) (pkce.LoginInput, error)
	// MinTTL is the least life an access token must have left to be
	// handed out without a refresh.
	MinTTL time.Duration
	// LockFile serialises refreshes across processes.
	LockFile string
	// LockTimeout bounds the wait for another process's refresh; 0 means
	// 30 seconds.
	LockTimeout time.Duration
	// RefreshBudget bounds one refresh, retries included; 0 means
	// DefaultRefreshBudget.
	RefreshBudget time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives debug messages; nil discards them. Never secrets.
	Log *slog.Logger
	// Warn, when set, receives what the user must know although nothing
	// failed (never a secret).
	Warn func(msg string)
	// RefreshExpiring, when set, is called when a token is handed out
	// from a stored session whose refresh token expires within
	// RefreshWarning: after that, only a new login helps.
	RefreshExpiring func(expiry time.Time)

	// env caches an environment session after its in-memory refresh.
	env *pkce.TokenSet
	// carried is set once the store's old session has been looked for.
	carried bool
}

// ErrNotLoggedIn reports that there is no session and none can be made
// here without the user.
var ErrNotLoggedIn = errors.New("not logged in to Prusa Account")

// ErrCannotLogIn is returned by Manager.Credentials when no login can
// complete here.
var ErrCannotLogIn = errors.New("cannot log in here: no terminal and no credentials in the environment")

// Source says where a session came from.
type Source string

// The sources of a session.
const (
	SourceNone       Source = "none"
	SourceTokensJSON Source = "env:" + EnvTokensJSON
	SourceToken      Source = "env:" + EnvToken
	SourceStore      Source = "store"
)

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) log() *slog.Logger { return cmp.Or(m.Log, slog.New(slog.DiscardHandler)) }

// RefreshWarning is how close to its refresh token's expiry a session is
// reported as expiring.
const RefreshWarning = 3 * 24 * time.Hour

// Token is what the session hands out: an access token, whose it is and
// when it expires. The command line adapts it to the protocol layer's
// type, so that this package does not depend on the protocols.
type Token struct {
	Username    string // the account e-mail, else the account id
	AccessToken string
	Expiry      time.Time
}

// String describes the token without showing it.
func (t Token) String() string {
	return "Token{" + t.Username + ", expires " + t.Expiry.UTC().Format(time.RFC3339) + ", [redacted]}"
}

// GoString is String, so that %#v does not show the token either.
func (t Token) GoString() string { return t.String() }

// Token returns an access token with at least MinTTL left.
func (m *Manager) Token(ctx context.Context) (Token, error) {
	ts, err := m.valid(ctx)
	if err != nil {
		return Token{}, err
	}
	exp, _ := ts.AccessExpiry()
	return Token{Username: username(ts), AccessToken: ts.AccessToken, Expiry: exp}, nil
}

// IDToken returns the id token of a valid session.
func (m *Manager) IDToken(ctx context.Context) (string, error) {
	ts, err := m.valid(ctx)
	if err != nil {
		return "", err
	}
	if ts.IDToken == "" {
		err := errors.New("the session has no id token")
		if m.EnvSource() == SourceToken {
			return "", hint.With(err, EnvToken+" holds an access token only: set "+EnvTokensJSON+" to a whole token set instead, or unset "+EnvToken+" to use the stored session")
		}
		return "", hint.With(err, "log in again to get one: prusa-credential-helper login")
	}
	return ts.IDToken, nil
}

func username(ts *pkce.TokenSet) string {
	if email, err := ts.Email(); err == nil {
		return email
	}
	sub, _ := ts.Subject() // only when there is no email: a get asks on every call
	return sub
}

// fresh reports whether ts's access token has more than MinTTL left.
func (m *Manager) fresh(ts *pkce.TokenSet) bool {
	exp, err := ts.AccessExpiry()
	return err == nil && exp.Sub(m.now()) > m.MinTTL
}

// valid returns a session whose access token is fresh, from the
// environment or the store, refreshing or logging in as needed.
func (m *Manager) valid(ctx context.Context) (*pkce.TokenSet, error) {
	if ts, src, err := m.fromEnv(); src != SourceNone {
		if err != nil {
			return nil, err
		}
		return m.validEnv(ctx, ts, src)
	}
	ts, err := m.validStored(ctx)
	if err == nil && m.RefreshExpiring != nil {
		if exp, err := ts.RefreshExpiry(); err == nil && exp.Sub(m.now()) < RefreshWarning {
			m.RefreshExpiring(exp)
		}
	}
	return ts, err
}

// validStored is valid for the stored session.
func (m *Manager) validStored(ctx context.Context) (*pkce.TokenSet, error) {
	if err := m.Carry(ctx); err != nil {
		return nil, err
	}
	ts, err := m.load()
	switch {
	case errors.Is(err, backends.ErrNotFound):
		if m.Credentials == nil {
			return nil, notLoggedIn(nil) // no login can happen: take no lock
		}
	case err != nil:
		return nil, err
	case m.fresh(ts):
		m.log().Debug("session is fresh", "source", SourceStore)
		return ts, nil
	}
	return m.refreshStored(ctx)
}

func (m *Manager) load() (*pkce.TokenSet, error) {
	raw, err := m.Store.Get(backends.SessionKey)
	if err != nil {
		return nil, err
	}
	ts, err := pkce.ParseTokenSet([]byte(raw))
	if err != nil {
		return nil, hint.With(fmt.Errorf("the stored session (%s) is unreadable: %w", m.Backend, err),
			"log in again: prusa-credential-helper login")
	}
	return ts, nil
}

func (m *Manager) save(ts *pkce.TokenSet) error {
	data, err := ts.MarshalJSON()
	if err != nil {
		return err
	}
	return m.Store.Put(backends.SessionKey, string(data))
}

// refreshStored refreshes the stored session under the lock, or logs in
// when there is none, so that concurrent gets neither refresh twice nor
// all prompt: another process may have refreshed it or logged in while
// this one waited, and then its result is used instead.
func (m *Manager) refreshStored(ctx context.Context) (*pkce.TokenSet, error) {
	unlock, err := m.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ts, err := m.load()
	if errors.Is(err, backends.ErrNotFound) {
		return m.loginLocked(ctx, nil)
	}
	if err != nil {
		return nil, err
	}
	if m.fresh(ts) {
		m.log().Debug("session was refreshed by another process")
		return ts, nil
	}
	m.log().Debug("refreshing the session", "source", SourceStore)
	defer holdSignals()()
	newer, err := m.refresh(ctx, ts)
	if errors.Is(err, pkce.ErrSessionExpired) {
		// Another program that shares the session without the lock
		// (prusactl) may have refreshed it meanwhile, spending the
		// refresh token this process just presented: then the session
		// it wrote is the one to use.
		again, lerr := m.load()
		if lerr == nil && again.RefreshToken != "" && again.RefreshToken != ts.RefreshToken {
			m.log().Debug("another program refreshed the session meanwhile; using its tokens")
			if m.fresh(again) {
				return again, nil
			}
			ts = again
			newer, err = m.refresh(ctx, ts)
		}
	}
	if errors.Is(err, pkce.ErrSessionExpired) {
		m.log().Debug("the refresh token is no longer valid; logging in")
		return m.loginLocked(ctx, err)
	}
	if err != nil {
		return nil, err
	}
	merged := ts.Merge(newer)
	if err := m.save(merged); err != nil {
		return nil, saveFailed(fmt.Errorf("the session was refreshed but could not be saved: %w", err))
	}
	return merged, nil
}

// DefaultRefreshBudget bounds a refresh, retries and their waits included,
// when Manager.RefreshBudget is zero: git and docker wait for the answer.
const DefaultRefreshBudget = 15 * time.Second

// refresh asks Prusa Account for a new token set, retrying a few times,
// within a small total budget, when the server is busy or failing. Its
// errors say that the stored session is kept, which it always is: a
// session is only ever replaced by a successful refresh.
func (m *Manager) refresh(ctx context.Context, ts *pkce.TokenSet) (*pkce.TokenSet, error) {
	const attempts = 3
	budget := cmp.Or(m.RefreshBudget, DefaultRefreshBudget)
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	deadline, _ := ctx.Deadline()
	for i := 1; ; i++ {
		newer, err := m.Account.Refresh(ctx, ts.RefreshToken)
		if err == nil {
			return newer, nil
		}
		retry, after := pkce.Retryable(err)
		if after <= 0 {
			after = time.Duration(i) * 500 * time.Millisecond
		}
		if !retry || i == attempts || ctx.Err() != nil || time.Until(deadline) < after {
			return nil, refreshError(err, budget, ctx.Err() != nil)
		}
		m.log().Debug("retrying the refresh", "after", after, "error", err)
		select {
		case <-ctx.Done():
			return nil, refreshError(err, budget, true)
		case <-time.After(after):
		}
	}
}

// refreshError explains a failed refresh. An expired session is left as
// it is, for the caller to log in again.
func refreshError(err error, budget time.Duration, outOfTime bool) error {
	if errors.Is(err, pkce.ErrSessionExpired) {
		return err
	}
	const slow = "try again, or raise PRUSA_HTTP_TIMEOUT on a slow network"
	detail, fix := "", "try again later; if it keeps failing, run with --debug and report what it shows"
	wait, limited := retryWait(err)
	ue, isURL := errors.AsType[*url.Error](err)
	switch {
	case outOfTime:
		detail, fix = "Prusa Account did not answer within "+humantime.Duration(budget)+": ", slow
	case limited:
		fix = "try again in " + wait
	case isURL && ue.Timeout():
		detail, fix = "no answer in time: ", slow
	case isURL:
		fix = "check the network connection (and PRUSA_ACCOUNT_URL if set), then try again"
	}
	return hint.With(fmt.Errorf("refreshing the Prusa session: %s%w", detail, err), "the stored session is kept; "+fix)
}

// retryWait says how long a rate-limited client should wait, when err is
// a *pkce.RateLimitError.
func retryWait(err error) (string, bool) {
	rl, ok := errors.AsType[*pkce.RateLimitError](err)
	if !ok || rl.RetryAfter <= 0 {
		return "a minute", ok
	}
	return humantime.Duration(rl.RetryAfter), true
}

// loginLocked logs in and stores the new session; the caller holds the
// lock. A token set just obtained is used as it is, even with less than
// MinTTL left, so that a short-lived server cannot cause a refresh loop.
func (m *Manager) loginLocked(ctx context.Context, cause error) (*pkce.TokenSet, error) {
	if m.Credentials == nil {
		return nil, notLoggedIn(cause)
	}
	in, err := m.Credentials(ctx)
	if errors.Is(err, ErrCannotLogIn) {
		return nil, notLoggedIn(cause)
	}
	if err != nil {
		return nil, err
	}
	return m.finishLogin(m.Account.Login(ctx, in))
}

// finishLogin stores the session a login returned, or gives its error the
// advice it lacks (loginError); the caller holds the lock.
func (m *Manager) finishLogin(ts *pkce.TokenSet, err error) (*pkce.TokenSet, error) {
	if err != nil {
		return nil, loginError(err)
	}
	if err := m.save(ts); err != nil {
		return nil, saveFailed(fmt.Errorf("logged in but could not save the session: %w", err))
	}
	return ts, nil
}

// saveFailed gives err, a session that Prusa Account issued and the
// store did not take, its next step: fix what stopped the write (the
// store's own hint, when it has one), then log in again. After a refresh
// nothing else helps: the stored refresh token was single-use and is
// spent.
func saveFailed(err error) error {
	const again = "log in again: prusa-credential-helper login"
	switch h := hint.Of(err); {
	case h == "":
		return hint.With(err, "fix what stopped the write, then "+again)
	case strings.Contains(h, "log in again"):
		return err
	default:
		return hint.With(err, h+"; then "+again)
	}
}

// loginError gives a failed login the advice its error does not carry:
// pkce's errors state what happened, the hint says what to do.
func loginError(err error) error {
	if wait, ok := retryWait(err); ok {
		return hint.With(err, "try again in "+wait)
	}
	if _, ok := errors.AsType[*pkce.ServerError](err); ok {
		return hint.With(err, "try again later")
	}
	if errors.Is(err, pkce.ErrStateMismatch) {
		return hint.With(err, "try again")
	}
	return err
}

func notLoggedIn(cause error) error {
	err := ErrNotLoggedIn
	if cause != nil {
		err = fmt.Errorf("%w: %w", ErrNotLoggedIn, cause)
	}
	return hint.With(err, "run 'prusa-credential-helper login' in a terminal, or set PRUSA_EMAIL and PRUSA_PASSWORD (and PRUSA_OTP or PRUSA_TOTP_SECRET for 2FA)")
}

// Login logs in with in and stores the session, replacing any other.
func (m *Manager) Login(ctx context.Context, in pkce.LoginInput) (*pkce.TokenSet, error) {
	return m.LoginVia(ctx, func(ctx context.Context) (*pkce.TokenSet, error) {
		return m.Account.Login(ctx, in)
	})
}

// LoginVia stores the session that login returns, replacing any other, as
// Login does: under the session lock, and only when login succeeds. A
// browser login (pkce.WebLogin) redeems its code here; the user's part
// of it, which takes minutes, belongs before the call, outside the lock.
func (m *Manager) LoginVia(ctx context.Context, login func(context.Context) (*pkce.TokenSet, error)) (ts *pkce.TokenSet, err error) {
	err = m.carryLocked(ctx, func() error {
		ts, err = m.finishLogin(login(ctx))
		return err
	})
	return ts, err
}

// Import stores ts, a token set made elsewhere (prusactl, a browser
// login), as the session, replacing any other. It must hold a refresh
// token that has not expired; an expired access token is fine, the next
// Token refreshes it.
func (m *Manager) Import(ctx context.Context, ts *pkce.TokenSet) error {
	if err := ts.Validate(); err != nil {
		return hint.With(err, "export a complete token set: access_token, refresh_token and id_token as Prusa Account returned them")
	}
	if exp, err := ts.RefreshExpiry(); err == nil && !exp.After(m.now()) {
		return hint.With(fmt.Errorf("the refresh token expired at %s", exp.UTC().Format(time.RFC3339)),
			"export a fresh token set, or log in: prusa-credential-helper login")
	}
	return m.carryLocked(ctx, func() error { return m.save(ts) })
}

// Forget drops the stored access token if it is accessToken, so that the
// next Token refreshes. Only the access token goes: the refresh token and
// the rest of the session stay. A session from the environment is never
// written, so nothing is forgotten there.
func (m *Manager) Forget(ctx context.Context, accessToken string) error {
	if m.EnvSource() != SourceNone {
		return nil
	}
	return m.carryLocked(ctx, func() error {
		ts, err := m.load()
		if errors.Is(err, backends.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if accessToken == "" || ts.AccessToken != accessToken {
			m.log().Debug("erase names another token; the session is kept")
			return nil
		}
		ts.AccessToken = ""
		return m.save(ts)
	})
}

// Logout removes the stored session. It does not touch a session in the
// environment, which only its owner can unset.
func (m *Manager) Logout(ctx context.Context) error {
	return m.carryLocked(ctx, func() error {
		if err := m.Store.Delete(backends.SessionKey); !errors.Is(err, backends.ErrNotFound) {
			return err
		}
		return nil
	})
}

// Carry moves the store's old session into place (see Carrier), if it
// has one to move, once, under the session lock; the caller does not hold
// it. Every method that reads or writes the stored session does it first.
func (m *Manager) Carry(ctx context.Context) error {
	if c, ok := m.Store.(Carrier); !ok || m.carried || !c.SessionToCarry() {
		m.carried = true
		return nil
	}
	return m.carryLocked(ctx, func() error { return nil })
}

// carryLocked runs fn under the session lock, once the store's old
// session is in place (Carry).
func (m *Manager) carryLocked(ctx context.Context, fn func() error) error {
	unlock, err := m.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if c, ok := m.Store.(Carrier); ok && !m.carried && c.SessionToCarry() {
		if err := c.CarrySession(); err != nil {
			return err
		}
	}
	m.carried = true
	return fn()
}

func (m *Manager) lock(ctx context.Context) (func(), error) {
	return Lock(ctx, m.LockFile, cmp.Or(m.LockTimeout, 30*time.Second))
}

// Lock takes the session lock at path ("" is no lock), waiting at most
// wait for another process to release it, and returns the unlock. Every
// writer of a session holds it: refreshes, logins, logouts, migrations.
func Lock(ctx context.Context, path string, wait time.Duration) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	unlock, err := filelock.Lock(ctx, path, wait)
	if !errors.Is(err, filelock.ErrTimeout) {
		return unlock, err
	}
	return nil, hint.With(fmt.Errorf("another process has held the session lock %s for %s", path, humantime.Duration(wait)),
		"check for a hung prusa-credential-helper; the lock is released when it exits")
}
