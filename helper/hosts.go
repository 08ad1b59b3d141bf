package helper

import (
	"net/url"
	"slices"
	"strings"
)

// DefaultPrusaHosts are the hosts that get the Prusa session.
var DefaultPrusaHosts = []string{"connect.prusa3d.com", "account.prusa3d.com"}

// Hosts decides which requests are for Prusa and so get the Prusa session.
// Matching is exact on the host name (ASCII, case-insensitive), over https
// only and on the default port: an explicit ":443" is the same origin, any
// other port is not. A trailing dot, a user name, a look-alike in another
// script or in punycode, or anything that only contains a Prusa host name
// never matches. Any other host never sees a Prusa token.
type Hosts struct {
	names []string // lower case, in order, each once; a handful at most
}

// NewHosts returns the Prusa hosts: DefaultPrusaHosts plus the host of
// each extra https origin (an overridden account URL). Extras that are not
// https URLs on the default port are left out. This is the one parser of
// the Prusa host list: configuring git and docker uses its Names.
func NewHosts(extra ...string) Hosts {
	h := Hosts{names: slices.Clone(DefaultPrusaHosts)}
	for _, raw := range extra {
		u, err := url.Parse(raw)
		if err != nil || !strings.EqualFold(u.Scheme, "https") {
			continue
		}
		if name, ok := hostName(u.Host); ok && !slices.Contains(h.names, name) {
			h.names = append(h.names, name)
		}
	}
	return h
}

// Names returns the Prusa host names: DefaultPrusaHosts first, then the
// extras' hosts in the order given, each once, in lower case.
func (h Hosts) Names() []string { return slices.Clone(h.names) }

// Git reports whether a git request's protocol and host name a Prusa host.
func (h Hosts) Git(protocol, host string) bool {
	if !strings.EqualFold(protocol, "https") {
		return false
	}
	name, ok := hostName(host)
	return ok && slices.Contains(h.names, name)
}

// Docker reports whether a docker server URL names a Prusa host. A server
// URL without a scheme (what docker sends for a credHelpers key) means
// https; a path or a trailing slash does not matter.
func (h Hosts) Docker(serverURL string) bool {
	if strings.ContainsAny(serverURL, "\x00\r\n\t ") {
		return false
	}
	raw := serverURL
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" {
		return false
	}
	return h.Git(u.Scheme, u.Host)
}

// hostName returns the lower-case host name of host[:port] when the port is
// absent or 443 and the name is a plain ASCII DNS name: no IP literal in
// brackets (RFC 3986 §3.2.2), so "[connect.prusa3d.com]:443" is none.
func hostName(hostport string) (string, bool) {
	name, port, hasPort := strings.Cut(hostport, ":")
	if name == "" || hasPort && port != "443" || strings.ContainsFunc(name, func(c rune) bool {
		return !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.')
	}) {
		return "", false
	}
	return strings.ToLower(name), true
}
