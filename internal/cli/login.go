package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safetext"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// A login talks to the person the way gh auth login does, on the
// terminal, or on stderr without one; never on stdout, get's protocol
// pipe.

// loginTries is how many times a login at the terminal asks for an
// email or a 2FA code before it gives up.
const loginTries = 3

// credentials gathers what a login needs: the email and password from
// PRUSA_EMAIL and PRUSA_PASSWORD when both are set, else from prompts on
// the terminal (see terminal); the 2FA code from otpAsker, only when the
// account wants one. When git or docker asked for the token (ctx carries
// their request), a line says so first. For the login command (m not
// nil), replaceCheck checks the email before the password is asked for.
func (p *Program) credentials(ctx context.Context, s *settings, m *session.Manager) (pkce.LoginInput, error) {
	otp := &otpAsker{p: p, s: s}
	in := pkce.LoginInput{Email: strings.TrimSpace(p.Getenv(EnvEmail)), Password: p.Getenv(EnvPassword), OTP: otp.code, RetryOTP: otp.retry}
	var t Terminal // nil when both come from the environment: nothing to ask
	var err error
	if p.Getenv(EnvEmail) != "" && in.Password != "" {
		s.log.Debug("logging in with credentials from the environment")
		if in.Email == "" {
			return pkce.LoginInput{}, hint.With(errors.New(EnvEmail+" is blank"), "set it to the email of your Prusa Account, or unset it and "+EnvPassword+" to be asked")
		}
	} else {
		if t, err = p.terminal(s); err != nil {
			return pkce.LoginInput{}, session.ErrCannotLogIn
		}
		defer t.Close()
	}
	if r, ok := helper.RequestFrom(ctx); ok { // why, now that the login is sure to happen
		why := fmt.Sprintf("%s needs a token for %s", r.Client, safetext.Escape(r.URL))
		if t != nil {
			t.Print(why + "\n")
		} else {
			p.say(s, why)
		}
	}
	for try := 0; in.Email == "" && try < loginTries; try++ {
		if try > 0 {
			t.Print("The email cannot be empty: type the email of your Prusa Account.\n")
		}
		email, err := t.Prompt("Prusa Account email: ")
		if err != nil {
			return pkce.LoginInput{}, fmt.Errorf("read email: %w", err)
		}
		in.Email = strings.TrimSpace(email)
	}
	if in.Email == "" {
		return pkce.LoginInput{}, errors.New("no email was given; login needs the email of your Prusa Account")
	}
	if m != nil {
		if err := p.replaceCheck(m, t, in.Email); err != nil {
			return pkce.LoginInput{}, err
		}
	}
	if in.Password == "" {
		if in.Password, err = t.PromptSecret("Password for " + safetext.Escape(in.Email) + ": "); err != nil {
			return pkce.LoginInput{}, fmt.Errorf("read password: %w", err)
		}
	}
	if in.Password == "" {
		return pkce.LoginInput{}, errors.New("login needs a password")
	}
	return in, nil
}

// otpAsker is the 2FA code source of one login: PRUSA_OTP, else
// PRUSA_TOTP_SECRET, else the terminal. At the terminal a refused code is
// asked for again, up to loginTries codes in all; the seed's is tried
// once more with the next code (see retry); PRUSA_OTP's is not (there is
// no other to try).
type otpAsker struct {
	p       *Program
	s       *settings
	refused bool     // the server refused the last code
	typed   []string // codes typed at the terminal in this login
	seeded  bool     // the codes come from PRUSA_TOTP_SECRET
}

func (o *otpAsker) code(ctx context.Context) (string, error) {
	if code := strings.TrimSpace(o.p.Getenv(EnvOTP)); code != "" {
		return code, nil
	}
	if seed := o.p.Getenv(EnvTOTPSecret); seed != "" {
		code, err := pkce.TOTP(seed, o.p.Now())
		if err != nil {
			return "", fmt.Errorf("%s: %w", EnvTOTPSecret, err)
		}
		o.seeded = true
		return code, nil
	}
	t, err := o.p.terminal(o.s)
	if err != nil {
		return "", pkce.ErrOTPRequired
	}
	defer t.Close()
	defer pauseProgress(ctx)()
	if o.refused {
		t.Print(fmt.Sprintf("Prusa Account did not accept the code. A code works only once: if you just used it, wait for the next one (in %s).\n", nextCodeIn(o.p.Now())))
	}
	for {
		prompt := "2FA code: "
		if len(o.typed) > 0 {
			prompt = fmt.Sprintf("2FA code (try %d of %d): ", len(o.typed)+1, loginTries)
		}
		code, err := t.Prompt(prompt)
		if err != nil {
			return "", fmt.Errorf("read 2FA code: %w", err)
		}
		code = strings.Join(strings.Fields(code), "")
		switch {
		case code == "":
			t.Print("Type the 6-digit code that your authenticator app shows.\n")
		case slices.Contains(o.typed, code):
			t.Print(fmt.Sprintf("Prusa Account refused that code a moment ago; wait for the next one (in %s).\n", nextCodeIn(o.p.Now())))
		default:
			o.typed = append(o.typed, code)
			return code, nil
		}
		// A line that is not a new code spends a try as well, so that
		// the loop ends whatever is typed.
		o.typed = append(o.typed, "")
		if len(o.typed) >= loginTries {
			return "", fmt.Errorf("no new code after %d tries: %w", loginTries, pkce.ErrWrongOTP)
		}
	}
}

// retry says whether to ask for another code after Prusa Account refused
// one: at the terminal, while tries are left; with PRUSA_TOTP_SECRET once,
// after waiting for the next code. Prusa Account accepts each code once
// (django-otp keeps the last accepted time step), so the code of this
// 30-second window computed from the seed is refused when another login
// (another job, another machine) used it; the next one is not.
func (o *otpAsker) retry(ctx context.Context, refused int) bool {
	o.refused = true
	if o.seeded {
		return refused == 1 && o.waitNextCode(ctx)
	}
	return len(o.typed) > 0 && len(o.typed) < loginTries
}

// waitNextCode waits until the seed gives the next code, saying so: a
// second past the next half minute, for a clock a little behind Prusa
// Account's.
func (o *otpAsker) waitNextCode(ctx context.Context) bool {
	const step = 30
	now := o.p.Now()
	wait := time.Unix((now.Unix()/step+1)*step, 0).Sub(now) + time.Second
	defer pauseProgress(ctx)()
	o.p.say(o.s, fmt.Sprintf("The 2FA code from %s was refused: another login most likely used it in the last 30 seconds (each code works once). Waiting %d s for the next code…", EnvTOTPSecret, int(wait.Round(time.Second).Seconds())))
	if o.p.Sleep != nil {
		return o.p.Sleep(ctx, wait) == nil
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(wait):
		return true
	}
}

// nextCodeIn is how long until an authenticator shows its next code: TOTP
// codes change every 30 seconds, on the half minute (RFC 6238 §4).
func nextCodeIn(now time.Time) string {
	const step = 30
	return fmt.Sprintf("%d s", step-now.Unix()%step)
}

// say writes a line for the person a login is for: on the terminal when
// the run may use one, else on stderr; never on stdout.
func (p *Program) say(s *settings, line string) {
	if t, err := p.terminal(s); err == nil {
		t.Print(line + "\n")
		t.Close()
		return
	}
	fmt.Fprintln(p.Stderr, line)
}

// signIn runs login, the network part of a login, after "Signing in to
// HOST…" and with progress on the terminal. A login that the login
// command did not start (git's, docker's, token's) ends with "Logged in
// as EMAIL"; the login command says it itself, with where it stored it.
func (p *Program) signIn(ctx context.Context, s *settings, login func(context.Context) (*pkce.TokenSet, error)) (*pkce.TokenSet, error) {
	host := s.accountURL
	if u, err := pkce.ParseAccountURL(s.accountURL); err == nil {
		host = u.Host
	}
	var pr *progress // nil, which shows nothing, without a terminal
	if t, err := p.terminal(s); err == nil {
		defer t.Close()
		t.Print("Signing in to " + safetext.Escape(host) + "…\n")
		pr = &progress{t: t, label: host}
		pr.Resume()
	}
	ts, err := login(context.WithValue(ctx, progressKey{}, pr))
	pr.Pause()
	if err == nil && ctx.Value(loginCommandKey{}) == nil {
		p.say(s, "Logged in as "+safetext.Escape(session.Describe(ts, session.SourceStore, "", p.Now()).Account))
	}
	return ts, err
}

// loginCommandKey marks the login command's context: it reports the
// login itself.
type loginCommandKey struct{}

// loggedIn reports the login command's new session.
func (p *Program) loggedIn(ts *pkce.TokenSet, m *session.Manager) error {
	st := session.Describe(ts, session.SourceStore, m.Backend, p.Now())
	fmt.Fprintf(p.Stderr, "Logged in as %s; the session is stored in %s\n", safetext.Escape(st.Account), st.Backend)
	return nil
}

// loginHint gives an error of a form login the hint that says what to do
// about it; nil stays nil.
func (p *Program) loginHint(err error, s *settings) error {
	if _, ok := errors.AsType[*pkce.UnexpectedPageError](err); ok {
		return hint.With(err, "log in through your browser instead: "+Name+" login --web (or store a token set with '"+Name+" login --with-tokens')")
	}
	switch {
	case errors.Is(err, pkce.ErrWrongCredentials):
		check := "check the email and password"
		if p.Getenv(EnvEmail) != "" && p.Getenv(EnvPassword) != "" {
			check = "check " + EnvEmail + " and " + EnvPassword
		}
		return hint.With(err, check+" (the password can be reset at "+s.accountURL+"); an account made with Google, Apple or Facebook has no password: log in with '"+Name+" login --web'")
	case errors.Is(err, pkce.ErrWrongOTP):
		switch {
		case strings.TrimSpace(p.Getenv(EnvOTP)) != "":
			return hint.With(err, EnvOTP+" holds a code that is wrong, expired or already used (each code works once): set it to the current code, or set "+EnvTOTPSecret+" to the authenticator's seed")
		case p.Getenv(EnvTOTPSecret) != "":
			return hint.With(err, "the codes computed from "+EnvTOTPSecret+" were refused, also the next one: the seed is not this account's, or this machine's clock is wrong ('"+Name+" doctor' checks it)")
		}
		return hint.With(err, "type the code your authenticator app shows now; each code works once, so after a login wait for the next one; then run '"+Name+" login' again")
	case errors.Is(err, pkce.ErrOTPRequired):
		return hint.With(err, "the account has two-factor authentication: run the login in a terminal to type the code, or set "+EnvOTP+" (a current code) or "+EnvTOTPSecret+" (the authenticator's base32 seed)")
	}
	return networkHint(err, s)
}

// networkHint gives err, when Prusa Account could not be reached, the
// hint that says what to check.
func networkHint(err error, s *settings) error {
	ue, ok := errors.AsType[*url.Error](err)
	if !ok {
		return err
	}
	where := "Prusa Account is " + s.accountURL
	if s.accountURL != pkce.DefaultAccountURL {
		where += " (set by " + EnvAccountURL + " or --account-url)"
	}
	h := "check the network connection (a proxy or firewall) and the address, then try again"
	if dns, ok := errors.AsType[*net.DNSError](ue); ok {
		h = "its name " + dns.Name + " does not resolve: check the network connection and the address"
	} else if ue.Timeout() {
		h = "it did not answer within " + humantime.Duration(s.httpTimeout) + ": check the network connection, or allow more time with --http-timeout 30s (" + EnvHTTPTimeout + "=30s)"
	} else if errors.Is(ue, connRefused) {
		h = "nothing answers there: check the address and the network connection (a proxy or firewall)"
	}
	return hint.With(err, where+"; "+h)
}

// replaceCheck is what a login does before it replaces the stored
// session of another account than email's. At the terminal (t not nil)
// it asks, when that session still works, and refuses the login unless
// the answer is yes; without a terminal nobody can answer, so the login
// goes on with a note on stderr. An ended session is replaced with a
// note only: nothing is lost.
func (p *Program) replaceCheck(m *session.Manager, t Terminal, email string) error {
	old, err := m.Stored()
	if err != nil || old.Source == session.SourceNone || old.Account == "" || strings.EqualFold(old.Account, email) {
		return nil
	}
	who := safetext.Escape(old.Account)
	switch {
	case !old.Usable && t != nil:
		t.Print("This replaces the ended session of " + who + ".\n")
		return nil
	case !old.Usable || t == nil:
		p.noteReplaced(old, email)
		return nil
	}
	answer, err := t.Prompt("This replaces the session of " + who + " (logging in as " + safetext.Escape(email) + "). Continue? [y/N] ")
	if err != nil {
		return fmt.Errorf("read the answer: %w", err)
	}
	if a := strings.ToLower(strings.TrimSpace(answer)); a == "y" || a == "yes" {
		return nil
	}
	return hint.With(fmt.Errorf("login cancelled: the session of %s is kept", who),
		"to switch accounts, answer y, or run '"+Name+" logout' first")
}

// noteReplaced says on stderr that a login without a terminal replaced
// old, the stored session, if it was another account's than email's.
func (p *Program) noteReplaced(old session.Status, email string) {
	if old.Source == session.SourceNone || old.Account == "" || strings.EqualFold(old.Account, email) {
		return
	}
	ended := ""
	if !old.Usable {
		ended = "ended "
	}
	fmt.Fprintf(p.Stderr, "%s: note: this login replaces the %ssession of %s\n", Name, ended, safetext.Escape(old.Account))
}
