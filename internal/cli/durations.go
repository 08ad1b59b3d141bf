package cli

import (
	"fmt"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
)

// roughDuration says d in the unit style of every message: "2 days",
// "47 hours", "5 minutes", "30 seconds" (humantime.Duration).
func roughDuration(d time.Duration) string { return humantime.Duration(d) }

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
