package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// credentials gathers what a login needs: the email and password from
// PRUSA_EMAIL and PRUSA_PASSWORD when both are set, else from prompts on
// the terminal, unless the run is non-interactive or has no terminal. The
// 2FA code comes from PRUSA_OTP, else from PRUSA_TOTP_SECRET, else from a
// prompt; it is asked for only when the account wants one.
func (p *Program) credentials(ctx context.Context, s *settings) (pkce.LoginInput, error) {
	in := pkce.LoginInput{Email: p.Getenv(EnvEmail), Password: p.Getenv(EnvPassword)}
	in.OTP = p.otpSource(s)
	if in.Email != "" && in.Password != "" {
		s.log.Debug("logging in with credentials from the environment")
		return in, nil
	}
	if s.nonInteractive {
		return pkce.LoginInput{}, session.ErrCannotLogIn
	}
	t, err := p.terminal()
	if err != nil {
		return pkce.LoginInput{}, session.ErrCannotLogIn
	}
	defer t.Close()
	if in.Email == "" {
		if in.Email, err = t.Prompt("Prusa Account email: "); err != nil {
			return pkce.LoginInput{}, fmt.Errorf("read email: %w", err)
		}
	}
	if in.Password == "" {
		if in.Password, err = t.PromptSecret("Password for " + in.Email + ": "); err != nil {
			return pkce.LoginInput{}, fmt.Errorf("read password: %w", err)
		}
	}
	in.Email = strings.TrimSpace(in.Email)
	if in.Email == "" || in.Password == "" {
		return pkce.LoginInput{}, errors.New("login needs an email and a password")
	}
	return in, nil
}

// otpSource returns the 2FA code source of a login.
func (p *Program) otpSource(s *settings) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		if code := strings.TrimSpace(p.Getenv(EnvOTP)); code != "" {
			return code, nil
		}
		if seed := p.Getenv(EnvTOTPSecret); seed != "" {
			now := time.Now
			if p.Now != nil {
				now = p.Now
			}
			code, err := pkce.TOTP(seed, now())
			if err != nil {
				return "", fmt.Errorf("%s: %w", EnvTOTPSecret, err)
			}
			return code, nil
		}
		if s.nonInteractive {
			return "", pkce.ErrOTPRequired
		}
		t, err := p.terminal()
		if err != nil {
			return "", pkce.ErrOTPRequired
		}
		defer t.Close()
		code, err := t.Prompt("2FA code: ")
		if err != nil {
			return "", fmt.Errorf("read 2FA code: %w", err)
		}
		return strings.TrimSpace(code), nil
	}
}
