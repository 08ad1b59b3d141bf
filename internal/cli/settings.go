package cli

import (
	"cmp"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/childenv"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/settingsfile"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
)

// Environment variables. Every setting has one, because git and docker
// pass no flags to a helper. The session's own (PRUSA_TOKENS_JSON,
// PRUSA_TOKEN) are session.EnvTokensJSON and session.EnvToken.
const (
	EnvBackend        = "PRUSA_CREDENTIAL_BACKEND"
	EnvTokensFile     = "PRUSA_TOKENS_FILE"
	EnvAccountURL     = "PRUSA_ACCOUNT_URL"
	EnvNonInteractive = "PRUSA_NONINTERACTIVE"
	EnvDebug          = "PRUSA_CREDENTIAL_DEBUG"
	EnvMinTTL         = "PRUSA_MIN_TTL"
	EnvEmail          = "PRUSA_EMAIL"
	EnvPassword       = childenv.Password
	EnvOTP            = childenv.OTP
	EnvTOTPSecret     = childenv.TOTPSecret
	EnvHTTPTimeout    = "PRUSA_HTTP_TIMEOUT"
)

// flagBackend is what chose a backend named with --backend.
const flagBackend = "the --backend option"

// settings are the resolved global options: a flag wins over its
// environment variable, which wins over the settings file (the backend
// only), which wins over the default.
type settings struct {
	backend string
	// backendFrom says where the backend choice came from, for status
	// and doctor: "the --backend option", "PRUSA_CREDENTIAL_BACKEND",
	// "the settings file PATH" or "the default".
	backendFrom string
	// backendSetting is the settings file's line that chose the
	// backend, if it did.
	backendSetting *settingsfile.Setting
	// backendErr is why the settings file could not say which backend.
	backendErr     error
	tokensFile     string
	accountURL     string
	nonInteractive bool
	// minTTL is how much life an access token must have left to be
	// handed out without a refresh.
	minTTL      time.Duration
	httpTimeout time.Duration // bounds each request to Prusa Account
	log         *slog.Logger
}

// globalFlags are the global options, each with its environment
// variable: the full command line's and git's (the options of a
// credential.helper setting) alike.
var globalFlags = []struct {
	name, env, usage string
	bool             bool
}{
	{name: "backend", env: EnvBackend, usage: "storage backend `NAME` (default: the settings file's, else file)"},
	{name: "tokens-file", env: EnvTokensFile, usage: "session `FILE` of the file backend"},
	{name: "account-url", env: EnvAccountURL, usage: "Prusa Account `URL` (default: " + pkce.DefaultAccountURL + ")"},
	{name: "non-interactive", env: EnvNonInteractive, usage: "never prompt; log in only from the environment", bool: true},
	{name: "debug", env: EnvDebug, usage: "log what happens to stderr (never secrets)", bool: true},
	{name: "http-timeout", env: EnvHTTPTimeout, usage: "bound on each request to Prusa Account: `SECONDS` or a Go duration such as 20s (default: 10s)"},
}

// globalFlagSet returns the global options as flags of the command line.
func globalFlagSet() []ucli.Flag {
	var flags []ucli.Flag
	for _, f := range globalFlags {
		usage := f.usage + " [$" + f.env + "]"
		if f.bool {
			flags = append(flags, boolFlag(f.name, usage))
		} else {
			flags = append(flags, &ucli.StringFlag{Name: f.name, Usage: usage})
		}
	}
	return flags
}

// settingsFrom resolves the settings of a run: the global flags given to
// c (nil: none), over the environment.
func (p *Program) settingsFrom(c *ucli.Command) (*settings, error) {
	set := func(name string) (string, bool) {
		if c == nil || !c.IsSet(name) {
			return "", false
		}
		return fmt.Sprint(c.Value(name)), true
	}
	get := func(name, env string) string {
		if v, ok := set(name); ok {
			return v
		}
		return p.Getenv(env)
	}
	s := &settings{
		tokensFile:  get("tokens-file", EnvTokensFile),
		accountURL:  cmp.Or(get("account-url", EnvAccountURL), pkce.DefaultAccountURL),
		minTTL:      30 * time.Second,
		httpTimeout: 10 * time.Second,
		log:         slog.New(slog.DiscardHandler),
	}
	switch v, ok := set("backend"); {
	case ok:
		s.backend, s.backendFrom = v, flagBackend
	case p.Getenv(EnvBackend) != "":
		s.backend, s.backendFrom = p.Getenv(EnvBackend), EnvBackend
	default:
		s.backendFrom = "the default"
		if path := p.settingsPath(); path != "" { // else no config directory, so no settings file either
			f, err := settingsfile.Read(path)
			if err != nil {
				// Reported when the backend is opened, so that doctor shows it
				// as its backend finding and commands that need no backend run.
				s.backendErr = err
			} else if st, ok := f.Get(settingsfile.Backend); ok {
				s.backend, s.backendFrom, s.backendSetting = st.Value, "the settings file "+path, &st
			}
		}
	}
	var err error
	if s.nonInteractive, err = parseBool("non-interactive", EnvNonInteractive, get("non-interactive", EnvNonInteractive)); err != nil {
		return nil, err
	}
	debug, err := parseBool("debug", EnvDebug, get("debug", EnvDebug))
	if err != nil {
		return nil, err
	}
	if v := p.Getenv(EnvMinTTL); v != "" {
		d, err := parseDuration(v)
		if err != nil || d < 0 {
			return nil, hint.With(fmt.Errorf("%s=%q is not a duration", EnvMinTTL, v), "write seconds (300) or a Go duration (5m)")
		}
		s.minTTL = max(s.minTTL, d)
	}
	if v := get("http-timeout", EnvHTTPTimeout); v != "" {
		d, err := parseDuration(v)
		if err != nil || d <= 0 {
			return nil, badUsage{hint.With(fmt.Errorf("--http-timeout / %s: %q is not a positive duration", EnvHTTPTimeout, v), "write seconds (20) or a Go duration (20s)")}
		}
		s.httpTimeout = d
	}
	if debug {
		s.log = slog.New(slog.NewTextHandler(p.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return s, nil
}

// settingsPath is the settings file, in the helper's directory; "" when
// there is no config directory.
func (p *Program) settingsPath() string {
	if dir := p.helperDir(); dir != "" {
		return filepath.Join(dir, settingsfile.Name)
	}
	return ""
}

// parseBool reads a boolean option; the empty string is false.
func parseBool(flagName, env, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, badUsage{hint.With(fmt.Errorf("--%s / %s: %q is not a boolean", flagName, env, v), "use 1 or 0")}
}

// parseDuration reads whole seconds or a Go duration.
func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(v)
}
