package session

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/memory"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// readOnlyStore is a store that reads and refuses every write with err.
type readOnlyStore struct {
	*memory.Store
	err error
}

func (s readOnlyStore) Put(string, string) error { return s.err }

// TestSaveFailedHint: a session that Prusa Account issued and the store
// refused says what to do next, after a refresh and after a login: the
// store's own fix when it has one, and then a new login.
func TestSaveFailedHint(t *testing.T) {
	bare := errors.New("disk full")
	hinted := hint.With(errors.New("cannot write in /x"), "make /x writable for you (chmod 700 /x)")
	tests := []struct {
		name     string
		storeErr error
		login    bool
		want     string
	}{
		{"refresh, no store hint", bare, false, "fix what stopped the write, then log in again: prusa-credential-helper login"},
		{"refresh, store hint", hinted, false, "make /x writable for you (chmod 700 /x); then log in again: prusa-credential-helper login"},
		{"login, no store hint", bare, true, "fix what stopped the write, then log in again: prusa-credential-helper login"},
		{"login, store hint", hinted, true, "make /x writable for you (chmod 700 /x); then log in again: prusa-credential-helper login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if !tt.login {
				f.storeIssued(t, 20*time.Second) // stale: refreshed
			}
			m := f.manager("")
			m.Store = readOnlyStore{f.store, tt.storeErr}
			var err error
			if tt.login {
				_, err = m.Login(context.Background(), pkce.LoginInput{Email: email, Password: password})
			} else {
				_, err = m.Token(context.Background())
			}
			if !errors.Is(err, tt.storeErr) {
				t.Fatalf("error = %v, want the store's", err)
			}
			if got := hint.Of(err); got != tt.want {
				t.Errorf("hint = %q, want %q", got, tt.want)
			}
		})
	}

	// A store hint that already says to log in again is kept as it is.
	corrupt := hint.With(errors.New("x is corrupt"), "move it aside (mv x x.bad) and log in again: prusa-credential-helper login")
	if got := hint.Of(saveFailed(corrupt)); got != hint.Of(corrupt) {
		t.Errorf("hint = %q, want the store's %q", got, hint.Of(corrupt))
	}
}

// TestIDTokenMissingHint: a session without an id token says where one
// comes from.
func TestIDTokenMissingHint(t *testing.T) {
	f := newFixture(t)
	tr := f.storeIssued(t, time.Hour)

	f.env[EnvToken] = tr.AccessToken
	_, err := f.manager("").IDToken(context.Background())
	if h := hint.Of(err); err == nil || !strings.Contains(h, EnvTokensJSON) {
		t.Errorf("IDToken with %s = %v, hint %q; want a hint naming %s", EnvToken, err, h, EnvTokensJSON)
	}
	delete(f.env, EnvToken)

	ts := f.stored(t)
	ts.IDToken = ""
	data, err := ts.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Put(backends.SessionKey, string(data)); err != nil {
		t.Fatal(err)
	}
	_, err = f.manager("").IDToken(context.Background())
	if h := hint.Of(err); err == nil || !strings.Contains(h, "prusa-credential-helper login") {
		t.Errorf("IDToken of a stored session without one = %v, hint %q; want a hint to log in", err, h)
	}
}
