package cli

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safefile"
)

// noticeFile remembers which refresh-token expiry the user was last warned
// about, so that an interactive get warns once per session, not on every
// git operation. It holds a time, never a token.
const noticeFile = "refresh-expiry-notice"

// refreshNotice warns, once per session and only when someone is at a
// terminal to read it, that the refresh token expires soon: after that,
// get can no longer refresh and only a new login helps.
func (p *Program) refreshNotice(s *settings) func(time.Time) {
	return func(exp time.Time) {
		t, err := p.terminal(s)
		if err != nil {
			return // a script or CI job: nobody to tell
		}
		t.Close()
		// The notice file is read and written as the secrets files are:
		// never through a link, never from a pipe, never in a directory
		// others may write.
		dir, stamp := p.helperDir(), strconv.FormatInt(exp.Unix(), 10)
		if dir != "" && safefile.PrepareDir(dir, true, nil) == nil {
			path := filepath.Join(dir, noticeFile)
			if data, err := safefile.ReadFile(path, nil); err == nil && strings.TrimSpace(string(data)) == stamp {
				return // already warned about this expiry
			}
			_ = atomicfile.Write(path, []byte(stamp+"\n"), 0o600)
		}
		p.warn(fmt.Sprintf("the Prusa session ends in %s (%s); log in again before then: %s login",
			humantime.Duration(exp.Sub(p.Now())), exp.UTC().Format(time.RFC3339), Name))
	}
}
