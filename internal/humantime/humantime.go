// Package humantime writes durations the way every message of the helper
// says them: in one whole unit, rounded down, as a person would say it
// ("2 days", "47 hours", "5 minutes", "30 seconds"), never as Go's
// time.Duration prints them ("47h59m56s").
//
// status, doctor, the refresh-expiry notice and the lock and timeout
// errors all call Duration, so that a duration reads the same wherever it
// appears.
package humantime

import (
	"fmt"
	"math"
	"time"
)

// Duration says how long d is in the largest unit of which it holds at
// least two, rounded down: days from 48 hours on, hours from 2 hours on,
// minutes from 2 minutes on, else seconds ("1 second" in the singular).
// Rounding down never makes a token sound longer-lived than it is. A
// negative d is said as its length, for "expired ... ago".
func Duration(d time.Duration) string {
	if d == math.MinInt64 {
		d = math.MaxInt64 // -d would overflow
	} else if d < 0 {
		d = -d
	}
	switch {
	case d >= 48*time.Hour:
		return plural(int64(d/(24*time.Hour)), "day")
	case d >= 2*time.Hour:
		return plural(int64(d/time.Hour), "hour")
	case d >= 2*time.Minute:
		return plural(int64(d/time.Minute), "minute")
	case d >= time.Second:
		return plural(int64(d/time.Second), "second")
	}
	return "less than a second"
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
