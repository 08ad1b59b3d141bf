package doctor

import (
	"cmp"
	"fmt"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/configure"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
)

// RefreshWarning is how close to its expiry a refresh token is reported:
// after it the session needs a new login.
const RefreshWarning = 3 * 24 * time.Hour

// checkSession describes the session and the expiry of its tokens,
// without refreshing anything.
func (d *Doctor) checkSession() []Finding {
	if d.Session == nil {
		return nil
	}
	loginHint := "run '" + configure.MainName + " login'"
	st, err := d.Session()
	if err != nil {
		return []Finding{finding("session", Fail, cmp.Or(hint.Of(err), loginHint), "cannot read the session: %v", err)}
	}
	if !st.LoggedIn {
		return []Finding{finding("session", Warn, loginHint+" (git and docker also log in on demand when a terminal is at hand)",
			"not logged in (backend %s)", st.Backend)}
	}
	now := d.now()
	fs := []Finding{ok("session", "logged in as %s; source %s, backend %s", st.Account, st.Source, st.Backend)}

	refreshable := st.HasRefreshToken && (st.RefreshExpiry == nil || st.RefreshExpiry.After(now))
	const access = "session/access-token"
	switch {
	case st.AccessExpiry == nil:
		fs = append(fs, finding(access, Warn, loginHint, "the access token carries no readable expiry"))
	case st.AccessExpiry.After(now):
		fs = append(fs, ok(access, "valid for %s (until %s)", humantime.Duration(st.AccessExpiry.Sub(now)), utc(*st.AccessExpiry)))
	case refreshable:
		fs = append(fs, ok(access, "expired %s ago (%s); the next use refreshes it", humantime.Duration(now.Sub(*st.AccessExpiry)), utc(*st.AccessExpiry)))
	default:
		fs = append(fs, finding(access, Fail, loginHint, "expired %s ago (%s) and cannot be refreshed", humantime.Duration(now.Sub(*st.AccessExpiry)), utc(*st.AccessExpiry)))
	}

	const refresh = "session/refresh-token"
	switch {
	case !st.HasRefreshToken:
		h := loginHint
		if st.Source == session.SourceToken {
			h = "set " + session.EnvTokensJSON + " (a whole token set) instead of " + session.EnvToken + ", or " + loginHint
		}
		fs = append(fs, finding(refresh, Warn, h, "none: the session ends when the access token expires"))
	case st.RefreshExpiry == nil:
		fs = append(fs, ok(refresh, "present (its expiry is not written in it)"))
	case !st.RefreshExpiry.After(now):
		fs = append(fs, finding(refresh, Fail, loginHint, "expired %s ago (%s)", humantime.Duration(now.Sub(*st.RefreshExpiry)), utc(*st.RefreshExpiry)))
	case st.RefreshExpiry.Sub(now) < RefreshWarning:
		fs = append(fs, finding(refresh, Warn, loginHint+" before then",
			"expires in %s (%s); after that the session needs a new login", humantime.Duration(st.RefreshExpiry.Sub(now)), utc(*st.RefreshExpiry)))
	default:
		fs = append(fs, ok(refresh, "valid for %s (until %s)", humantime.Duration(st.RefreshExpiry.Sub(now)), utc(*st.RefreshExpiry)))
	}
	return fs
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// checkUnusedSession warns about a session file of an earlier version
// that still exists beside the one in use: two files, two sessions, and
// only one of them is used.
func (d *Doctor) checkUnusedSession() []Finding {
	if d.UnusedSessionFile == "" {
		return nil
	}
	rm := "rm"
	if d.goos() == "windows" {
		rm = "del"
	}
	return []Finding{finding("session/unused-file", Warn,
		fmt.Sprintf("if you no longer need it, remove it: %s \"%s\"", rm, d.UnusedSessionFile),
		"%s holds another session, from an earlier version of the helper; it is not used: the Python SDK's session file wins",
		d.UnusedSessionFile)}
}
