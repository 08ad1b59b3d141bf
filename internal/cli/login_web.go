package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/cli/browser"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// webLogin logs in through the user's browser (login --web): it shows
// the authorization address and opens it unless it should not, reads the
// address of the page the browser ends on (or the code) from the
// terminal, and stores the session the code buys as the form login does.
// The pasted text holds the code: it goes nowhere but to Prusa Account,
// and no error quotes it.
func (p *Program) webLogin(ctx context.Context, s *settings, m *session.Manager, noBrowser bool) (*pkce.TokenSet, error) {
	t, err := p.terminal(s)
	if err != nil {
		return nil, hint.With(errors.New("login --web needs a terminal: the address the browser ends on is pasted there"),
			"run it in a terminal; elsewhere, store a token set with '"+Name+" login --with-tokens' or set "+EnvEmail+" and "+EnvPassword)
	}
	defer t.Close()
	w, err := p.accountClient(s).StartWebLogin()
	if err != nil {
		return nil, err
	}
	s.log.Debug("browser login started")
	t.Print("Sign in to Prusa Account in your browser, by any method it offers\n" +
		"(password, Google, Apple, Facebook, passkey). The address:\n\n  " + w.URL + "\n\n")
	if why := p.whyNoBrowser(noBrowser); why != "" {
		t.Print("Open it in a browser yourself (not opening one: " + why + ").\n")
	} else if err := p.openBrowser(w.URL); err != nil {
		t.Print("Open it in a browser yourself (could not start one: " + err.Error() + ").\n")
	} else {
		t.Print("Opened in your browser.\n")
	}
	t.Print("The browser then lands on a Prusa Connect page whose address starts with\n" +
		pkce.DefaultRedirectURL + "?code=\n" +
		"Copy that whole address (or just the code) and paste it here within a minute.\n")
	pasted, err := t.Prompt("Address or code: ")
	if err != nil {
		return nil, fmt.Errorf("read the address: %w", err)
	}
	code, err := w.Code(pasted)
	if err != nil {
		return nil, webError(err, s)
	}
	s.log.Debug("redeeming the code of the browser login")
	ts, err := p.signIn(context.WithValue(ctx, loginCommandKey{}, true), s, func(ctx context.Context) (*pkce.TokenSet, error) {
		return w.Exchange(ctx, code)
	})
	if err != nil {
		return nil, webError(err, s)
	}
	// Whose session it is shows only now, in the tokens: the check of
	// the account comes before they are stored.
	if err := p.replaceCheck(m, t, session.Describe(ts, session.SourceStore, "", p.Now()).Account); err != nil {
		return nil, err
	}
	return m.LoginVia(ctx, func(context.Context) (*pkce.TokenSet, error) { return ts, nil })
}

// webError adds to an error of the browser login what the user can do.
// None of them quotes what was pasted.
func webError(err error, s *settings) error {
	again := "run '" + Name + " login --web' again"
	switch oe, isOAuth := errors.AsType[*pkce.OAuthError](err); {
	case errors.Is(err, pkce.ErrStateMismatch):
		return hint.With(errors.New("the pasted address belongs to another login attempt (its state is not this one's)"),
			"paste the address from the browser tab that this run opened, or "+again)
	case errors.Is(err, pkce.ErrNotCallback):
		return hint.With(err, "copy the whole address of the page the browser shows after you signed in; it starts with "+pkce.DefaultRedirectURL+"?code=")
	case errors.Is(err, pkce.ErrNoCode):
		return hint.With(err, "paste the address of the Prusa Connect page the browser lands on after you signed in (it holds ?code=); if the browser shows an error instead, "+again)
	case errors.Is(err, pkce.ErrCodeRejected):
		return hint.With(err, "codes last about a minute: "+again+" and paste the address sooner; if it keeps failing, log in in a browser elsewhere and store its tokens with '"+Name+" login --with-tokens'")
	case isOAuth && oe.Status == 0 && oe.Code == "access_denied":
		return hint.With(fmt.Errorf("the sign-in was refused or cancelled in the browser: %w", err), again+" and allow Prusa Connect access")
	case isOAuth && oe.Status == 0:
		return hint.With(fmt.Errorf("the sign-in failed in the browser: %w", err), again)
	}
	if rl, ok := errors.AsType[*pkce.RateLimitError](err); ok {
		wait := "a minute"
		if rl.RetryAfter > 0 {
			wait = rl.RetryAfter.String()
		}
		return hint.With(err, "try again in "+wait+": "+again)
	}
	if _, ok := errors.AsType[*pkce.ServerError](err); ok {
		return hint.With(err, "try again later: "+again)
	}
	return networkHint(err, s)
}

// browserWait bounds how long a login waits for the program that opens
// the browser: openers such as xdg-open return once the browser has the
// address, but a misconfigured one must not keep the user from pasting.
const browserWait = 5 * time.Second

// whyNoBrowser says why no browser should be started for a login, or ""
// when one should: the user asked (--no-browser), the session is remote
// (SSH: the browser would open on the wrong machine, if at all), or a
// Unix desktop-less session has no display to show it on. macOS and
// Windows always have one.
func (p *Program) whyNoBrowser(noBrowser bool) string {
	switch {
	case noBrowser:
		return "--no-browser"
	case p.Getenv("SSH_CONNECTION") != "" || p.Getenv("SSH_TTY") != "":
		return "this is an SSH session"
	case p.GOOS != "darwin" && p.GOOS != "windows" && p.Getenv("DISPLAY") == "" && p.Getenv("WAYLAND_DISPLAY") == "":
		return "there is no display: neither DISPLAY nor WAYLAND_DISPLAY is set"
	}
	return ""
}

// openBrowser opens url in the user's browser: with the program that
// BROWSER names, as gh and Python's webbrowser honour it, else with the
// platform's opener through github.com/cli/browser (xdg-open and its
// fellows, open, or url.dll's FileProtocolHandler). The address goes in
// argv; it holds no secret (the verifier never leaves this process). The
// program's own output is dropped: stdout belongs to protocol bytes.
func (p *Program) openBrowser(url string) error {
	if p.OpenBrowser != nil {
		return p.OpenBrowser(url)
	}
	done := make(chan error, 1)
	if cmdline := strings.Fields(p.Getenv("BROWSER")); len(cmdline) > 0 {
		go func() { done <- exec.Command(cmdline[0], append(cmdline[1:], url)...).Run() }()
	} else {
		browser.Stdout, browser.Stderr = io.Discard, io.Discard
		go func() { done <- browser.OpenURL(url) }()
	}
	select {
	case err := <-done:
		return err
	case <-time.After(browserWait):
		return nil // still running: it has the address
	}
}
