package cli

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/registry"
	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safetext"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

func (p *Program) goos() string {
	if p.GOOS != "" {
		return p.GOOS
	}
	return runtime.GOOS
}

// store opens the chosen backend and records in s which one it is (what
// "auto" chose, "file" for none).
func (p *Program) store(s *settings) (backends.Store, error) {
	if s.backendErr != nil {
		return nil, s.backendErr
	}
	st, name, err := registry.OpenNamed(s.backend, registry.Options{
		Getenv: p.Getenv, GOOS: p.goos(), TokensFile: s.tokensFile,
		Warn: p.warn,
	})
	if err == nil {
		s.backend = name
	} else if s.backendSetting != nil {
		err = hint.With(fmt.Errorf("%w (set on line %d of %s)", err, s.backendSetting.Line, p.settingsPath()),
			fmt.Sprintf("%s; or choose another: %s config set backend NAME", hint.Of(err), Name))
	}
	return st, err
}

// helper wires the protocol handler: the backend for other hosts, the
// session for Prusa hosts.
func (p *Program) helper(s *settings) (*helper.Helper, error) {
	st, err := p.store(s)
	if err != nil {
		return nil, err
	}
	m, err := p.session(s, st)
	if err != nil {
		return nil, err
	}
	m.RefreshExpiring = p.refreshNotice(s)
	return &helper.Helper{Store: st, Session: helperSession{m}, Hosts: helper.NewHosts(s.accountURL), Now: p.Now}, nil
}

// session wires the Prusa session on store st.
func (p *Program) session(s *settings, st backends.Store) (*session.Manager, error) {
	if _, err := pkce.ParseAccountURL(s.accountURL); err != nil {
		return nil, hint.With(err, "set "+EnvAccountURL+" to an https URL (plain http only for a loopback address), or unset it")
	}
	backend := s.backend
	if backend == "" {
		backend = registry.Default
	}
	if fs, ok := st.(*file.Store); ok {
		backend += " (" + fs.TokensFile() + ")"
	}
	m := &session.Manager{
		Store:       st,
		Backend:     backend,
		Getenv:      p.Getenv,
		Account:     hintedAccount{p.accountClient(s), p, s},
		Credentials: p.loginCredentials(s),
		MinTTL:      s.minTTL,
		LockFile:    p.sessionLockFile(),
		Warn:        p.warn,
		// A longer request timeout makes room for itself in the budget.
		RefreshBudget: max(session.DefaultRefreshBudget, s.httpTimeout+5*time.Second),
		Now:           p.Now,
		Log:           s.log,
	}
	return m, nil
}

// accountClient talks to Prusa Account.
func (p *Program) accountClient(s *settings) *pkce.Client {
	return &pkce.Client{AccountURL: s.accountURL, HTTPClient: p.httpClient(s), Now: p.Now}
}

// hintedAccount is Prusa Account as a login at the command line sees
// it: it says where it signs in and shows progress on the terminal
// (signIn), and gives the form login's errors the command line's hints
// (loginHint).
type hintedAccount struct {
	*pkce.Client
	p *Program
	s *settings
}

func (a hintedAccount) Login(ctx context.Context, in pkce.LoginInput) (*pkce.TokenSet, error) {
	ts, err := a.p.signIn(ctx, a.s, func(ctx context.Context) (*pkce.TokenSet, error) {
		return a.Client.Login(ctx, in)
	})
	return ts, a.p.loginHint(err, a.s)
}

// httpClient is the client for Prusa Account, with the request timeout.
func (p *Program) httpClient(s *settings) *http.Client {
	var hc http.Client
	if p.HTTPClient != nil {
		hc = *p.HTTPClient
	}
	hc.Timeout = s.httpTimeout
	return &hc
}

// sessionLockFile is the lock that serialises the writers of the session,
// session.lock in the helper's directory, whatever the backend and the
// session file: nothing of the helper's goes beside the SDK's file or a
// file the user named, and every backend gets single-flight refresh.
func (p *Program) sessionLockFile() string {
	dir, err := file.HelperDir(p.Getenv, p.goos())
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "session.lock")
}

// warn tells the user something they should know although nothing failed.
func (p *Program) warn(msg string) {
	fmt.Fprintf(p.Stderr, "%s: warning: %s\n", Name, safetext.Escape(msg))
}

// loginCredentials says how get may log in: from the environment, else
// by prompting on the terminal, unless non-interactive.
func (p *Program) loginCredentials(s *settings) func(ctx context.Context) (pkce.LoginInput, error) {
	return func(ctx context.Context) (pkce.LoginInput, error) {
		return p.credentials(ctx, s)
	}
}

func isNotFound(err error) bool { return credentials.IsErrCredentialsNotFound(err) }
