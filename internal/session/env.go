package session

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// fromEnv returns the session the environment carries, if any, and where
// it came from. A malformed value is an error, never a silent fallback to
// the store.
func (m *Manager) fromEnv() (*pkce.TokenSet, Source, error) {
	if m.env != nil {
		return m.env, SourceTokensJSON, nil
	}
	if raw := strings.TrimSpace(m.Getenv(EnvTokensJSON)); raw != "" {
		ts, err := pkce.ParseTokenSet([]byte(raw))
		if err == nil && ts.RefreshToken == "" {
			_, err = ts.AccessExpiry() // with one, the access token may be gone: a refresh makes one
		}
		if err != nil {
			return nil, SourceTokensJSON, hint.With(fmt.Errorf("%s is not a usable token set: %w", EnvTokensJSON, err),
				"set it to the token JSON that 'prusa-credential-helper login' stores, or unset it")
		}
		return ts, SourceTokensJSON, nil
	}
	if raw := strings.TrimSpace(m.Getenv(EnvToken)); raw != "" {
		ts := &pkce.TokenSet{AccessToken: raw, TokenType: "Bearer"}
		if _, err := ts.AccessExpiry(); err != nil {
			return nil, SourceToken, hint.With(fmt.Errorf("%s is not a Prusa access token (a JWT with an expiry): %w", EnvToken, err),
				"set it to an access token, or unset it")
		}
		return ts, SourceToken, nil
	}
	return nil, SourceNone, nil
}

// validEnv makes an environment session fresh. A PRUSA_TOKENS_JSON
// session is refreshed in memory only; a bare PRUSA_TOKEN cannot be.
func (m *Manager) validEnv(ctx context.Context, ts *pkce.TokenSet, src Source) (*pkce.TokenSet, error) {
	if m.fresh(ts) {
		m.log().Debug("session is fresh", "source", src)
		return ts, nil
	}
	exp, _ := ts.AccessExpiry()
	if src == SourceToken || ts.RefreshToken == "" {
		return nil, hint.With(fmt.Errorf("%s has expired (at %s)", src[len("env:"):], exp.UTC().Format("2006-01-02 15:04:05 UTC")),
			"set a fresh token, or unset it to use the stored session")
	}
	m.log().Debug("refreshing the session in memory; it is never written", "source", src)
	newer, err := m.refresh(ctx, ts)
	if err != nil {
		if errors.Is(err, pkce.ErrSessionExpired) {
			return nil, hint.With(fmt.Errorf("%s: %w", EnvTokensJSON, err), "export a new session into "+EnvTokensJSON+" (prusa-credential-helper login, then copy the token file)")
		}
		return nil, err
	}
	m.env = ts.Merge(newer)
	if m.Warn != nil {
		m.Warn(EnvTokensJSON + "'s access token had expired, so its refresh token was used for this run; " +
			"Prusa refresh tokens are single-use, so the next run with the same value cannot refresh: " +
			"give each run a fresh session, or log in from PRUSA_EMAIL and PRUSA_PASSWORD")
	}
	return m.env, nil
}
