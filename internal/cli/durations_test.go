package cli

import (
	"testing"
	"time"
)

func TestDescribeExpiry(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	tests := []struct {
		name string
		t    *time.Time
		want string
	}{
		{"none", nil, "none"},
		{"a refresh token", at(30 * 24 * time.Hour), "valid for 30 days (until 2026-04-13T15:09:26Z)"},
		{"its last two days", at(47*time.Hour + 59*time.Minute + 56*time.Second), "valid for 47 hours (until 2026-03-16T15:09:22Z)"},
		{"an access token", at(time.Hour + 59*time.Minute + 59*time.Second), "valid for 119 minutes (until 2026-03-14T17:09:25Z)"},
		{"its last seconds", at(30 * time.Second), "valid for 30 seconds (until 2026-03-14T15:09:56Z)"},
		{"just expired", at(-time.Second), "expired 1 second ago (2026-03-14T15:09:25Z)"},
		{"expired an hour ago", at(-time.Hour - 30*time.Second), "expired 60 minutes ago (2026-03-14T14:08:56Z)"},
		{"expired now", at(0), "expired less than a second ago (2026-03-14T15:09:26Z)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describeExpiry(tt.t, now); got != tt.want {
				t.Errorf("describeExpiry(%v) = %q, want %q", tt.t, got, tt.want)
			}
		})
	}
}
