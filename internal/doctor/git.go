package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/configure"
)

// minGit is the first git that reads password_expiry_utc (2.41), so that
// it never uses, or lets another helper keep, a token past its expiry.
var minGit = [2]int{2, 41}

// checkGit checks git's version and the helper chain git builds for
// GitURL. It reports whether that chain runs this helper.
func (d *Doctor) checkGit(ctx context.Context) ([]Finding, bool) {
	run := d.Git
	if run == nil {
		run = configure.ExecGit
	}
	out, err := run(ctx, "version")
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return []Finding{finding("git/version", Warn, "install git if you want to use Prusa Connect from git; the other checks do not need it",
				"git is not installed (not on PATH); skipped the git checks")}, false
		}
		return []Finding{finding("git/version", Fail, "", "git version: %v", err)}, false
	}
	fs := []Finding{checkGitVersion(strings.TrimSpace(string(out)))}
	list, err := run(ctx, "config", "--null", "--list", "--show-origin")
	if ge, ok := errors.AsType[*configure.GitError](err); ok && ge.Code == 1 && len(list) == 0 {
		err = nil // no config at all
	}
	if err != nil {
		return append(fs, finding("git/helper", Fail, "fix the git config file that git names", "cannot read git's config: %v", err)), false
	}
	f, usesUs := checkChain(helperChain(list, "https", "connect.prusa3d.com"))
	return append(fs, f), usesUs
}

// checkGitVersion rates "git version 2.39.5" (also "2.45.1.windows.1",
// "2.39.3 (Apple Git-145)").
func checkGitVersion(out string) Finding {
	v, _, _ := strings.Cut(strings.TrimPrefix(out, "git version "), " ")
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return finding("git/version", Warn, "", "cannot tell git's version from %q", out)
	}
	if major < minGit[0] || major == minGit[0] && minor < minGit[1] {
		return finding("git/version", Warn, fmt.Sprintf("upgrade git to %d.%d or later", minGit[0], minGit[1]),
			"git %s is older than %d.%d: it ignores password_expiry_utc, so it (and any helper after ours) may reuse an expired token", v, minGit[0], minGit[1])
	}
	return ok("git/version", "git %s reads password_expiry_utc", v)
}

// helperEntry is a helper in git's chain, with the file that sets it.
type helperEntry struct {
	origin, value string
}

// chain is the helper list git builds for a URL: the helpers after the
// last reset, and whether there was one.
type chain struct {
	helpers []helperEntry
	reset   bool // an empty value reset the list before the first helper
}

// helperChain builds the helper list git uses for protocol://host, as
// git's credential.c does: every credential.helper and
// credential.<url>.helper whose URL matches, in config order, an empty
// value emptying the list (gitcredentials(7), "CONFIGURATION"). list is
// the output of "git config --null --list --show-origin": origin NUL key
// [LF value] NUL, in the order git reads the files.
func helperChain(list []byte, protocol, host string) chain {
	var c chain
	items := strings.Split(string(list), "\x00")
	for i := 0; i+1 < len(items); i += 2 {
		key, value, hasValue := strings.Cut(items[i+1], "\n")
		if !hasValue || !helperKeyMatches(key, protocol, host) {
			continue
		}
		if value == "" {
			c = chain{reset: true}
			continue
		}
		c.helpers = append(c.helpers, helperEntry{origin: items[i], value: value})
	}
	return c
}

// helperKeyMatches reports whether a config key (section and variable
// lower case, as git lists them) sets a helper for protocol://host.
func helperKeyMatches(key, protocol, host string) bool {
	if key == "credential.helper" {
		return true
	}
	pattern, isCredential := strings.CutPrefix(key, "credential.")
	pattern, isHelper := strings.CutSuffix(pattern, ".helper")
	return isCredential && isHelper && pattern != "" && urlMatches(pattern, protocol, host)
}

// urlMatches applies git's URL matching (git-config(1), "http.<url>.*";
// urlmatch.c) to a URL without user or path: same scheme, host equal or
// matched by "*" wildcards label by label, default port, no user, no path
// beyond "/". A pattern without a scheme is matched as a partial URL (a
// host), as credential.c's fallback does.
func urlMatches(pattern, protocol, host string) bool {
	if !strings.Contains(pattern, "://") {
		name, rest, _ := strings.Cut(pattern, "/")
		return rest == "" && !strings.Contains(name, "@") && strings.EqualFold(name, host)
	}
	u, err := url.Parse(pattern)
	if err != nil || !strings.EqualFold(u.Scheme, protocol) || u.User != nil {
		return false
	}
	if p := u.Port(); p != "" && !(p == "443" && strings.EqualFold(protocol, "https")) {
		return false
	}
	return strings.Trim(u.Path, "/") == "" && hostMatches(strings.ToLower(u.Hostname()), strings.ToLower(host))
}

// hostMatches matches host against a pattern whose labels may hold "*",
// which matches any run of characters within the label. path.Match does
// that once both have as many dots, since then no "*" can take one; its
// other special characters cannot be in a URL's host name.
func hostMatches(pattern, host string) bool {
	ok, _ := path.Match(pattern, host)
	return ok && strings.Count(pattern, ".") == strings.Count(host, ".")
}

// isOurs reports whether a helper value runs this helper: "prusa" (with
// options) or a path to git-credential-prusa.
func isOurs(value string) bool {
	if configure.IsOurs(value) {
		return true
	}
	f := strings.Fields(value)
	if len(f) == 0 || strings.HasPrefix(f[0], "!") {
		return false
	}
	base := strings.ToLower(filepath.Base(strings.ReplaceAll(f[0], `\`, "/")))
	return strings.TrimSuffix(base, ".exe") == configure.GitLinkName
}

// helperName is how a helper value is called in messages.
func helperName(value string) string {
	if strings.HasPrefix(value, "!") {
		// Not the command itself: inline helpers often carry a password.
		return "a shell command"
	}
	f := strings.Fields(value)
	if len(f) == 0 {
		return value
	}
	return f[0]
}

// checkChain rates the helper chain for GitURL.
func checkChain(c chain) (Finding, bool) {
	const check = "git/helper"
	configureHint := "run '" + configure.MainName + " configure git'"
	at := slices.IndexFunc(c.helpers, func(h helperEntry) bool { return isOurs(h.value) })
	if at < 0 {
		if len(c.helpers) == 0 {
			return finding(check, Fail, configureHint, "git has no credential helper for %s", GitURL), false
		}
		return finding(check, Fail, configureHint, "git uses %s for %s, not prusa", describeHelpers(c.helpers), GitURL), false
	}
	if at > 0 {
		return finding(check, Fail, configureHint+", which puts an empty 'helper =' reset before prusa",
			"git runs %s before prusa for %s: it may answer with an old password, and it is handed the Prusa token to store", describeHelpers(c.helpers[:at]), GitURL), true
	}
	if after := c.helpers[at+1:]; len(after) > 0 {
		// cache keeps the tokens in memory only, for a while; others store them.
		st := Warn
		if slices.ContainsFunc(after, func(h helperEntry) bool { return helperName(h.value) != "cache" }) {
			st = Fail
		}
		return finding(check, st,
			"git reads helpers in config order: move them above the Prusa section, scope them to their own hosts ([credential \"https://example.com\"]), or, for a repository's config, run '"+configure.MainName+" configure git --local' there",
			"git runs %s after prusa for %s: every token git approves is handed to them to store", describeHelpers(after), GitURL), true
	}
	if !c.reset {
		return finding(check, Warn, configureHint+", which adds the reset",
			"git runs prusa for %s (%s), but no empty 'helper =' reset comes before it: a helper added later to the system or global config would run first", GitURL, c.helpers[at].origin), true
	}
	return ok(check, "git runs only prusa for %s, after a reset (%s)", GitURL, c.helpers[at].origin), true
}

func describeHelpers(hs []helperEntry) string {
	var parts []string
	for _, h := range hs {
		parts = append(parts, fmt.Sprintf("%s (%s)", helperName(h.value), h.origin))
	}
	return strings.Join(parts, ", ")
}
