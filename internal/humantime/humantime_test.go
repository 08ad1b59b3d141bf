package humantime

import (
	"math"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"zero", 0, "less than a second"},
		{"under a second", 999 * time.Millisecond, "less than a second"},
		{"one second", time.Second, "1 second"},
		{"seconds", 30 * time.Second, "30 seconds"},
		{"a minute is seconds", time.Minute, "60 seconds"},
		{"just under two minutes", 2*time.Minute - time.Millisecond, "119 seconds"},
		{"two minutes", 2 * time.Minute, "2 minutes"},
		{"minutes rounded down", 5*time.Minute + 59*time.Second, "5 minutes"},
		{"an hour is minutes", time.Hour + 59*time.Minute, "119 minutes"},
		{"two hours", 2 * time.Hour, "2 hours"},
		{"a session's last two days", 47*time.Hour + 59*time.Minute + 56*time.Second, "47 hours"},
		{"two days", 48 * time.Hour, "2 days"},
		{"a refresh token", 30 * 24 * time.Hour, "30 days"},
		{"negative", -(3*time.Minute + time.Second/3), "3 minutes"},
		{"negative under a second", -time.Millisecond, "less than a second"},
		{"longest", math.MaxInt64, "106751 days"},
		{"shortest", math.MinInt64, "106751 days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Duration(tt.d); got != tt.want {
				t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}
