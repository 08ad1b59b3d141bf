package session

import (
	"context"
	"errors"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// Status describes a session without any of its tokens. LoggedIn says a
// session is there; Usable that it can produce an access token now (its
// access token is valid, or a refresh token that has not expired can get
// a new one), as token, get and doctor find.
type Status struct {
	LoggedIn        bool       `json:"logged_in"`
	Usable          bool       `json:"usable"`
	Account         string     `json:"account,omitempty"`
	AccountID       string     `json:"account_id,omitempty"`
	Source          Source     `json:"source"`
	Backend         string     `json:"backend"`
	AccessExpiry    *time.Time `json:"access_token_expiry,omitempty"`
	AccessValid     bool       `json:"access_token_valid"`
	HasRefreshToken bool       `json:"has_refresh_token"`
	RefreshExpiry   *time.Time `json:"refresh_token_expiry,omitempty"`
}

// Describe summarises ts for status output.
func Describe(ts *pkce.TokenSet, src Source, backend string, now time.Time) Status {
	st := Status{LoggedIn: true, Account: username(ts), Source: src, Backend: backend, HasRefreshToken: ts.RefreshToken != ""}
	st.AccountID, _ = ts.Subject()
	if exp, err := ts.AccessExpiry(); err == nil {
		st.AccessExpiry = &exp
		st.AccessValid = exp.After(now)
	}
	if exp, err := ts.RefreshExpiry(); err == nil {
		st.RefreshExpiry = &exp
	}
	// A refresh token whose expiry is not written in it is worth a try.
	st.Usable = st.AccessValid || st.HasRefreshToken && (st.RefreshExpiry == nil || st.RefreshExpiry.After(now))
	return st
}

// EnvSource says which environment variable carries the session, if any.
func (m *Manager) EnvSource() Source {
	_, src, _ := m.fromEnv()
	return src
}

// Status describes the session as it is now, without refreshing it or
// touching the network.
func (m *Manager) Status() (Status, error) {
	ts, src, err := m.fromEnv()
	if src != SourceNone {
		if err != nil {
			return Status{}, err
		}
		return Describe(ts, src, "environment", m.now()), nil
	}
	return m.Stored()
}

// Stored describes the stored session, whatever the environment holds:
// the session that a login replaces. Source is SourceNone when there is
// none.
func (m *Manager) Stored() (Status, error) {
	if err := m.Carry(context.Background()); err != nil {
		return Status{}, err
	}
	ts, err := m.load()
	if errors.Is(err, backends.ErrNotFound) {
		return Status{Source: SourceNone, Backend: m.Backend}, nil
	}
	if err != nil {
		return Status{}, err
	}
	return Describe(ts, SourceStore, m.Backend, m.now()), nil
}
