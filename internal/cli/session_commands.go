package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	ucli "github.com/urfave/cli/v3"
	"golang.org/x/term"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safetext"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

func (p *Program) sessionCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:  "login",
			Usage: "log in to Prusa Account: asks for email, password and 2FA code, or logs in through the browser (--web); or from PRUSA_EMAIL, PRUSA_PASSWORD, PRUSA_OTP/PRUSA_TOTP_SECRET",
			Flags: []ucli.Flag{
				boolFlag("web", "log in through the browser: any sign-in Prusa Account offers (Google, Apple, Facebook, passkeys, CAPTCHAs); you paste back the address it ends on"),
				boolFlag("no-browser", "with --web: print the address to open instead of opening a browser"),
				boolFlag("with-tokens", "store the token-set JSON read on stdin (exported by prusactl or a browser login) instead of logging in"),
			},
			Action: p.withRun(func(ctx context.Context, c *ucli.Command, r *run) error {
				s, m := r.settings, r.session
				web := c.Bool("web") || c.Bool("no-browser")
				if c.Bool("with-tokens") {
					if web {
						return hint.With(errors.New("--with-tokens and --web exclude each other"), "choose one way to log in")
					}
					return p.importTokens(ctx, m)
				}
				var err error
				if !web {
					if web, err = p.askWeb(s); err != nil {
						return err
					}
				}
				var ts *pkce.TokenSet
				if web {
					ts, err = p.webLogin(ctx, s, m, c.Bool("no-browser"))
				} else {
					ts, err = p.formLogin(ctx, s, m)
				}
				if err != nil {
					return err
				}
				return p.loggedIn(ts, m)
			}),
		},
		{
			Name:  "logout",
			Usage: "remove the stored Prusa session",
			Action: p.withRun(func(ctx context.Context, _ *ucli.Command, r *run) error {
				if err := r.session.Logout(ctx); err != nil {
					return err
				}
				fmt.Fprintln(p.Stderr, "logged out: the session is removed from this machine; its tokens stay valid at Prusa Account until they expire")
				if src := r.session.EnvSource(); src != session.SourceNone {
					fmt.Fprintf(p.Stderr, "note: %s is still set and still used; unset it to log out there too\n", src)
				}
				return nil
			}),
		},
		{
			Name:    "token",
			Aliases: []string{"print-access-token"},
			Usage:   "print a valid access token, refreshing it first when needed",
			Action: p.printToken(func(ctx context.Context, m *session.Manager) (string, error) {
				tok, err := m.Token(ctx)
				return tok.AccessToken, err
			}),
		},
		{
			Name:   "print-identity-token",
			Usage:  "print the id token of a valid session",
			Action: p.printToken(func(ctx context.Context, m *session.Manager) (string, error) { return m.IDToken(ctx) }),
		},
		{
			Name:  "status",
			Usage: "show the account, where the session comes from and when its tokens expire (never a token)",
			Flags: []ucli.Flag{boolFlag("json", "print JSON")},
			Action: p.withRun(func(ctx context.Context, c *ucli.Command, r *run) error {
				st, err := r.session.Status()
				if err != nil {
					return err
				}
				out := statusOutput{Status: st, BackendFrom: r.backendFrom}
				if st.Source != session.SourceNone {
					out.UnusedSessionFile = r.backend.UnusedSessionFile()
				}
				if c.Bool("json") {
					enc := json.NewEncoder(p.Stdout)
					enc.SetIndent("", "  ")
					if err := enc.Encode(out); err != nil {
						return err
					}
				} else {
					p.printStatus(out)
					if st.RefreshExpiry != nil && st.Source == session.SourceStore && st.RefreshExpiry.After(p.Now()) && st.RefreshExpiry.Sub(p.Now()) < session.RefreshWarning {
						fmt.Fprintf(p.Stdout, "warning:        the refresh token expires in %s; log in again before then\n", humantime.Duration(st.RefreshExpiry.Sub(p.Now())))
					}
				}
				if !st.Usable {
					return ucli.Exit("", 1)
				}
				return nil
			}),
		},
	}
}

// formLogin logs in with the email, password and 2FA code.
func (p *Program) formLogin(ctx context.Context, s *settings, m *session.Manager) (*pkce.TokenSet, error) {
	in, err := p.credentials(ctx, s, m)
	if errors.Is(err, session.ErrCannotLogIn) {
		return nil, hint.With(errors.New("cannot log in: no terminal to ask on and no credentials in the environment"),
			"run it in a terminal, or set "+EnvEmail+" and "+EnvPassword+" (and "+EnvOTP+" or "+EnvTOTPSecret+" for 2FA)")
	}
	if err != nil {
		return nil, err
	}
	return m.Login(context.WithValue(ctx, loginCommandKey{}, true), in)
}

// askWeb asks at the terminal whether to log in with the email and
// password or through the browser, as gh auth login does. It asks only
// when the answer is not already given: credentials in the environment
// mean the form, and without a terminal there is no one to ask (the
// form login then explains what to set).
func (p *Program) askWeb(s *settings) (bool, error) {
	if p.Getenv(EnvEmail) != "" || p.Getenv(EnvPassword) != "" {
		return false, nil
	}
	t, err := p.terminal(s)
	if err != nil {
		return false, nil
	}
	defer t.Close()
	i, err := choose(t, "How do you want to log in to Prusa Account?", []string{
		"with the email and password, typed here",
		"in the browser (Google, Apple or Facebook sign-in, passkeys, CAPTCHAs)",
	})
	return i == 1, err
}

// maxTokenSet bounds what login --with-tokens reads; a token set is a few
// kilobytes.
const maxTokenSet = 1 << 20

// importTokens stores the token set on stdin as the session.
func (p *Program) importTokens(ctx context.Context, m *session.Manager) error {
	if f, ok := p.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return hint.With(errors.New("login --with-tokens reads the token-set JSON on stdin"),
			"pipe it in: prusactl's token file, e.g. "+Name+" login --with-tokens < prusa_tokens.json")
	}
	data, err := io.ReadAll(io.LimitReader(p.Stdin, maxTokenSet+1))
	if err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	if len(data) > maxTokenSet {
		return hint.With(fmt.Errorf("the input is over %d bytes; a token set is a few kilobytes", maxTokenSet),
			"pass the file prusactl writes: "+Name+" login --with-tokens < prusa_tokens.json")
	}
	ts, err := pkce.ParseTokenSet(data)
	if err != nil {
		return hint.With(err, "pass the JSON object that prusactl writes (access_token, refresh_token, id_token, ...)")
	}
	old, _ := m.Stored()
	if err := m.Import(ctx, ts); err != nil {
		return err
	}
	p.noteReplaced(old, session.Describe(ts, session.SourceStore, "", p.Now()).Account)
	p.loggedIn(ts, m)
	if src := m.EnvSource(); src != session.SourceNone {
		fmt.Fprintf(p.Stderr, "note: %s is set and wins over the stored session while it is\n", src)
	}
	return nil
}

// statusOutput is what status prints: the session, and where the backend
// choice came from.
type statusOutput struct {
	session.Status
	// BackendFrom says what chose the backend (see settings).
	BackendFrom string `json:"backend_from"`
	// UnusedSessionFile is an earlier version's session file that still
	// exists beside the file backend's, which wins.
	UnusedSessionFile string `json:"unused_session_file,omitempty"`
}

func (p *Program) printStatus(out statusOutput) {
	w, st := p.Stdout, out.Status
	if !st.LoggedIn {
		fmt.Fprintf(w, "not logged in (backend %s, chosen by %s)\n", st.Backend, out.BackendFrom)
		fmt.Fprintln(w, "run 'prusa-credential-helper login' to log in")
		return
	}
	fmt.Fprintf(w, "account:        %s\n", safetext.Escape(st.Account))
	fmt.Fprintf(w, "source:         %s\n", st.Source)
	fmt.Fprintf(w, "backend:        %s\n", st.Backend)
	if st.Source == session.SourceStore {
		fmt.Fprintf(w, "chosen by:      %s\n", out.BackendFrom)
	}
	if out.UnusedSessionFile != "" {
		fmt.Fprintf(w, "not used:       %s (an older session; '%s doctor' says how to remove it)\n", out.UnusedSessionFile, Name)
	}
	fmt.Fprintf(w, "access token:   %s\n", describeExpiry(st.AccessExpiry, p.Now()))
	if st.RefreshExpiry != nil {
		fmt.Fprintf(w, "refresh token:  %s\n", describeExpiry(st.RefreshExpiry, p.Now()))
	} else if st.HasRefreshToken {
		fmt.Fprintln(w, "refresh token:  present (its expiry is not written in it)")
	} else {
		fmt.Fprintln(w, "refresh token:  none (the session cannot be refreshed)")
	}
	if !st.Usable {
		fmt.Fprintf(w, "session:        ended: it can no longer produce an access token; run '%s login'\n", Name)
	}
}

// describeExpiry says when t is or was, in the one unit style of every
// message (humantime).
func describeExpiry(t *time.Time, now time.Time) string {
	if t == nil {
		return "none"
	}
	d := t.Sub(now)
	if d <= 0 {
		return fmt.Sprintf("expired %s ago (%s)", humantime.Duration(d), t.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("valid for %s (until %s)", humantime.Duration(d), t.UTC().Format(time.RFC3339))
}

// withRun is the action that runs f on the command's wired run.
func (p *Program) withRun(f func(context.Context, *ucli.Command, *run) error) ucli.ActionFunc {
	return func(ctx context.Context, c *ucli.Command) error {
		r, err := p.wired(c)
		if err != nil {
			return err
		}
		return f(ctx, c, r)
	}
}

// printToken is the action that prints the token get gives.
func (p *Program) printToken(get func(context.Context, *session.Manager) (string, error)) ucli.ActionFunc {
	return p.withRun(func(ctx context.Context, _ *ucli.Command, r *run) error {
		tok, err := get(ctx, r.session)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(p.Stdout, tok)
		return err
	})
}
