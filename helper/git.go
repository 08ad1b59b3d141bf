package helper

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// MaxInput is the most a request may hold. Real requests are a few hundred
// bytes; anything larger is refused before it is parsed.
const MaxInput = 64 << 10

// ErrBadInput is wrapped by every error about a malformed request. Such a
// request changes nothing.
var ErrBadInput = errors.New("bad input")

// GitCredential is one git credential description, as gitcredentials(7)
// ("CUSTOM HELPERS") and git-credential(1) ("INPUT/OUTPUT FORMAT") define
// it. Values are kept as git sent them.
type GitCredential struct {
	Protocol          string
	Host              string
	Path              string
	Username          string
	Password          string
	PasswordExpiryUTC string // seconds since the epoch, kept as text
	OAuthRefreshToken string
	AuthType          string // with capability authtype
	Credential        string // with capability authtype
	Ephemeral         bool
	Capabilities      []string // capability[]
	WWWAuth           []string // wwwauth[]
	State             []string // state[]

	// has records which single-valued keys were present, so that an
	// empty value ("username=") is told apart from a missing one.
	has map[string]bool
}

// Has reports whether the request carried key, even with an empty value.
func (c *GitCredential) Has(key string) bool { return c.has[key] }

// Offers reports whether git announced capability (capability[]=name).
func (c *GitCredential) Offers(capability string) bool {
	return slices.Contains(c.Capabilities, capability)
}

// String describes the credential without its secrets, for messages.
func (c *GitCredential) String() string {
	s := c.Protocol + "://"
	if c.Has("username") {
		s += c.Username + "@"
	}
	s += c.Host
	if c.Path != "" {
		s += "/" + c.Path
	}
	return s
}

// ParseGit reads a credential description: key=value lines up to a blank
// line or the end of input. Following git, a line may end in CRLF, an
// array key (name[]) collects its values and an empty value clears it,
// unknown keys are ignored, and "url" sets the fields it carries.
//
// Unlike git, which dies, ParseGit returns an error wrapping ErrBadInput
// for input over MaxInput, a line without "=", and a NUL byte or a bare CR
// inside a line. Errors name the key and line, never a value.
func ParseGit(r io.Reader) (*GitCredential, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInput+1))
	if err != nil {
		return nil, fmt.Errorf("read request: %w", err)
	}
	if len(data) > MaxInput {
		return nil, fmt.Errorf("%w: request is over %d KiB", ErrBadInput, MaxInput>>10)
	}
	c := &GitCredential{has: map[string]bool{}}
	rest := string(data)
	for n := 1; rest != ""; n++ {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("%w: line %d is not key=value", ErrBadInput, n)
		}
		if i := strings.IndexAny(line, "\x00\r"); i >= 0 {
			what := "a NUL byte"
			if line[i] == '\r' {
				what = "a carriage return"
			}
			return nil, fmt.Errorf("%w: line %d (%s) contains %s", ErrBadInput, n, safeKey(key), what)
		}
		if err := c.set(key, value); err != nil {
			return nil, fmt.Errorf("%w: line %d (%s): %v", ErrBadInput, n, safeKey(key), err)
		}
	}
	return c, nil
}

// gitKeys sets the field of each key of the protocol but "url" (setURL).
var gitKeys = map[string]func(c *GitCredential, v string){
	"protocol":            func(c *GitCredential, v string) { c.Protocol = v },
	"host":                func(c *GitCredential, v string) { c.Host = v },
	"path":                func(c *GitCredential, v string) { c.Path = v },
	"username":            func(c *GitCredential, v string) { c.Username = v },
	"password":            func(c *GitCredential, v string) { c.Password = v },
	"password_expiry_utc": func(c *GitCredential, v string) { c.PasswordExpiryUTC = v },
	"oauth_refresh_token": func(c *GitCredential, v string) { c.OAuthRefreshToken = v },
	"authtype":            func(c *GitCredential, v string) { c.AuthType = v },
	"credential":          func(c *GitCredential, v string) { c.Credential = v },
	"ephemeral":           func(c *GitCredential, v string) { c.Ephemeral = slices.Contains(gitTrue, strings.ToLower(v)) },
	"capability[]":        func(c *GitCredential, v string) { c.Capabilities = appendOrReset(c.Capabilities, v) },
	"wwwauth[]":           func(c *GitCredential, v string) { c.WWWAuth = appendOrReset(c.WWWAuth, v) },
	"state[]":             func(c *GitCredential, v string) { c.State = appendOrReset(c.State, v) },
}

// gitTrue are the values that git's config reads as true, of those a
// credential may carry.
var gitTrue = []string{"1", "true", "yes", "on"}

// safeKey names a key for a message. Only a key of the protocol is shown:
// anything else may be a secret pasted where a key belongs, and not even
// part of it may reach stderr.
func safeKey(key string) string {
	if _, ok := gitKeys[key]; !ok && key != "url" {
		return "an unknown key"
	}
	return fmt.Sprintf("%q", key)
}

func (c *GitCredential) set(key, value string) error {
	if key == "url" {
		return c.setURL(value)
	}
	if set, ok := gitKeys[key]; ok { // git ignores keys it does not know; so do we
		set(c, value)
		c.has[key] = true
	}
	return nil
}

// setURL fills the fields a URL carries, as git's credential_from_url
// does: protocol, host (with port), path without the leading slash, and
// user and password when present.
func (c *GitCredential) setURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return errors.New("url is not a URL with a scheme")
	}
	// A percent-encoded line break or NUL would put into a field what
	// the protocol cannot carry; git refuses such a URL too
	// (credential.protectProtocol).
	pw, _ := u.User.Password()
	for _, part := range []string{u.Host, u.Path, u.User.Username(), pw} {
		if strings.ContainsAny(part, "\n\r\x00") {
			return errors.New("url has an encoded line break or NUL")
		}
	}
	c.Protocol, c.has["protocol"] = u.Scheme, true
	c.Host, c.has["host"] = u.Host, true
	if p := strings.TrimPrefix(u.Path, "/"); p != "" {
		c.Path, c.has["path"] = p, true
	}
	if u.User != nil {
		c.Username, c.has["username"] = u.User.Username(), true
		if pw, ok := u.User.Password(); ok {
			c.Password, c.has["password"] = pw, true
		}
	}
	return nil
}

func appendOrReset(list []string, value string) []string {
	if value == "" {
		return nil
	}
	return append(list, value)
}

// gitWriter writes key=value lines, refusing values that would break the
// framing: a newline or NUL inside a value could smuggle an attribute.
type gitWriter struct {
	w   io.Writer
	err error
}

func (gw *gitWriter) put(key, value string) {
	if gw.err != nil {
		return
	}
	if strings.ContainsAny(value, "\n\r\x00") {
		gw.err = fmt.Errorf("value for %s contains a line break or NUL; not sent", key)
		return
	}
	_, gw.err = io.WriteString(gw.w, key+"="+value+"\n")
}
