package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
)

func (p *Program) sessionCommands() []*ucli.Command {
	return []*ucli.Command{
		{
			Name:  "login",
			Usage: "log in to Prusa Account (prompts for email, password and 2FA code; or PRUSA_EMAIL, PRUSA_PASSWORD, PRUSA_OTP/PRUSA_TOTP_SECRET)",
			Action: func(c *ucli.Context) error {
				s, m, err := p.sessionFrom(c)
				if err != nil {
					return err
				}
				in, err := p.credentials(c.Context, s)
				if errors.Is(err, session.ErrCannotLogIn) {
					return hint.With(errors.New("cannot log in: no terminal to ask on and no credentials in the environment"),
						"run it in a terminal, or set "+EnvEmail+" and "+EnvPassword+" (and "+EnvOTP+" or "+EnvTOTPSecret+" for 2FA)")
				}
				if err != nil {
					return err
				}
				ts, err := m.Login(c.Context, in)
				if err != nil {
					return err
				}
				st := session.Describe(ts, session.SourceStore, m.Backend, p.now())
				fmt.Fprintf(p.Stderr, "logged in as %s; the session is stored in %s\n", st.Account, st.Backend)
				return nil
			},
		},
		{
			Name:  "logout",
			Usage: "remove the stored Prusa session",
			Action: func(c *ucli.Context) error {
				_, m, err := p.sessionFrom(c)
				if err != nil {
					return err
				}
				if err := m.Logout(c.Context); err != nil {
					return err
				}
				fmt.Fprintln(p.Stderr, "logged out")
				if src := m.EnvSource(); src != session.SourceNone {
					fmt.Fprintf(p.Stderr, "note: %s is still set and still used; unset it to log out there too\n", src)
				}
				return nil
			},
		},
		{
			Name:    "token",
			Aliases: []string{"print-access-token"},
			Usage:   "print a valid access token, refreshing it first when needed",
			Action: func(c *ucli.Context) error {
				_, m, err := p.sessionFrom(c)
				if err != nil {
					return err
				}
				tok, err := m.Token(c.Context)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(p.Stdout, tok.AccessToken)
				return err
			},
		},
		{
			Name:  "print-identity-token",
			Usage: "print the id token of a valid session",
			Action: func(c *ucli.Context) error {
				_, m, err := p.sessionFrom(c)
				if err != nil {
					return err
				}
				tok, err := m.IDToken(c.Context)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(p.Stdout, tok)
				return err
			},
		},
		{
			Name:  "status",
			Usage: "show the account, where the session comes from and when its tokens expire (never a token)",
			Flags: []ucli.Flag{&ucli.BoolFlag{Name: "json", Usage: "print JSON"}},
			Action: func(c *ucli.Context) error {
				_, m, err := p.sessionFrom(c)
				if err != nil {
					return err
				}
				st, err := m.Status()
				if err != nil {
					return err
				}
				if c.Bool("json") {
					enc := json.NewEncoder(p.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(st)
				}
				p.printStatus(st)
				if !st.LoggedIn {
					return exitError{1}
				}
				return nil
			},
		},
	}
}

func (p *Program) printStatus(st session.Status) {
	w := p.Stdout
	if !st.LoggedIn {
		fmt.Fprintf(w, "not logged in (backend %s)\n", st.Backend)
		fmt.Fprintln(w, "run 'prusa-credential-helper login' to log in")
		return
	}
	fmt.Fprintf(w, "account:        %s\n", st.Account)
	fmt.Fprintf(w, "source:         %s\n", st.Source)
	fmt.Fprintf(w, "backend:        %s\n", st.Backend)
	fmt.Fprintf(w, "access token:   %s\n", describeExpiry(st.AccessExpiry, p.now()))
	if st.RefreshExpiry != nil {
		fmt.Fprintf(w, "refresh token:  %s\n", describeExpiry(st.RefreshExpiry, p.now()))
	} else if st.HasRefreshToken {
		fmt.Fprintln(w, "refresh token:  present (its expiry is not written in it)")
	} else {
		fmt.Fprintln(w, "refresh token:  none (the session cannot be refreshed)")
	}
}

func describeExpiry(t *time.Time, now time.Time) string {
	if t == nil {
		return "none"
	}
	d := t.Sub(now).Round(time.Second)
	if d <= 0 {
		return fmt.Sprintf("expired %s ago (%s)", -d, t.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("valid for %s (until %s)", d, t.UTC().Format(time.RFC3339))
}

func (p *Program) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// sessionFrom wires the session of a command-line run.
func (p *Program) sessionFrom(c *ucli.Context) (*settings, *session.Manager, error) {
	s, err := p.settingsFrom(c)
	if err != nil {
		return nil, nil, err
	}
	st, err := p.store(s)
	if err != nil {
		return nil, nil, err
	}
	m, err := p.session(s, st)
	return s, m, err
}
