package cli

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/registry"
	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safetext"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// A run is the object graph of one command, built once by wire: its
// settings, the backend, the Prusa session on it and the protocol
// handler.
type run struct {
	*settings
	backend *registry.Backend // nil when it could not be opened (err)
	session *session.Manager  // nil when the account URL is bad (err)
	helper  *helper.Helper
	// err is why the graph is incomplete. A backend that cannot be
	// opened still leaves a session, on a store that fails with the
	// reason, so that doctor can describe a session from the
	// environment.
	err error
}

// wire builds the object graph of a run with settings s.
func (p *Program) wire(s *settings) *run {
	r := &run{settings: s}
	var store backends.Store
	name, lock := cmp.Or(s.backend, registry.Default), ""
	r.err = s.backendErr // the settings file could not say which
	if r.err == nil {
		r.backend, r.err = p.open(s, s.backend)
	}
	if r.err == nil {
		store, name, lock = r.backend.Store, r.backend.String(), r.backend.LockFile
		s.backend = r.backend.Name // what auto chose
	} else {
		store = unopenedStore{r.err}
		if s.backendFrom == flagBackend {
			r.err = unknownBackend(r.err)
		}
		if s.backendSetting != nil {
			r.err = hint.With(fmt.Errorf("%w (set on line %d of %s)", r.err, s.backendSetting.Line, p.settingsPath()),
				fmt.Sprintf("%s; or choose another: %s config set backend NAME", hint.Of(r.err), Name))
		}
	}
	if _, err := pkce.ParseAccountURL(s.accountURL); err != nil {
		r.err = cmp.Or(r.err, hint.With(err, "set "+EnvAccountURL+" to an https URL (plain http only for a loopback address), or unset it"))
		return r
	}
	r.session = &session.Manager{
		Store:       store,
		Backend:     name,
		Getenv:      p.Getenv,
		Account:     hintedAccount{p.accountClient(s), p, s},
		Credentials: func(ctx context.Context) (pkce.LoginInput, error) { return p.credentials(ctx, s, nil) },
		MinTTL:      s.minTTL,
		LockFile:    lock,
		Warn:        p.warn,
		// A longer request timeout makes room for itself in the budget.
		RefreshBudget:   max(session.DefaultRefreshBudget, s.httpTimeout+5*time.Second),
		RefreshExpiring: p.refreshNotice(s),
		Now:             p.Now,
		Log:             s.log,
	}
	r.helper = &helper.Helper{Store: store, Session: helperSession{r.session}, Hosts: helper.NewHosts(s.accountURL), Now: p.Now}
	return r
}

// wired resolves the settings of a run with c's global flags (c nil:
// none) and wires it; the error is the first thing that stops the graph
// from being whole.
func (p *Program) wired(c *ucli.Command) (*run, error) {
	s, err := p.settingsFrom(c)
	if err != nil {
		return nil, err
	}
	r := p.wire(s)
	return r, r.err
}

// open opens the backend called name ("" for the default), for the run
// with settings s.
func (p *Program) open(s *settings, name string) (*registry.Backend, error) {
	return registry.Open(name, registry.Options{Getenv: p.Getenv, GOOS: p.GOOS, TokensFile: s.tokensFile, Warn: p.warn})
}

// accountClient talks to Prusa Account, with the request timeout.
func (p *Program) accountClient(s *settings) *pkce.Client {
	return &pkce.Client{AccountURL: s.accountURL, HTTPClient: &http.Client{Timeout: s.httpTimeout}, Now: p.Now}
}

// hintedAccount is Prusa Account as a login at the command line sees
// it: with signIn's progress and loginHint's hints.
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

// helperDir is the helper's own directory (see registry.Dir);
// "" when there is no config directory.
func (p *Program) helperDir() string {
	return registry.Dir(registry.Options{Getenv: p.Getenv, GOOS: p.GOOS})
}

// warn tells the user something they should know although nothing failed.
func (p *Program) warn(msg string) {
	fmt.Fprintf(p.Stderr, "%s: warning: %s\n", Name, safetext.Escape(msg))
}

// helperSession adapts the session manager to the protocol layer's
// helper.Session: the session hands out its own token type, so that the
// dependency runs from the protocols down to the session, never up.
type helperSession struct{ *session.Manager }

func (s helperSession) Token(ctx context.Context) (helper.Token, error) {
	t, err := s.Manager.Token(ctx)
	return helper.Token(t), err
}
