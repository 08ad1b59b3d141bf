package childenv

import (
	"slices"
	"testing"
)

func TestWithout(t *testing.T) {
	env := []string{"HOME=/home/maker", "PRUSA_PASSWORD=pw", "PRUSA_TOKEN=t", "PRUSA_TOKENS_JSON={}",
		"PRUSA_TOTP_SECRET=JBSWY3DP", "PRUSA_OTP=123456", "PRUSA_EMAIL=maker@example.com", "PRUSA_TOKEN_X=kept", "PATH=/bin"}
	want := []string{"HOME=/home/maker", "PRUSA_EMAIL=maker@example.com", "PRUSA_TOKEN_X=kept", "PATH=/bin"}
	if got := Without(env); !slices.Equal(got, want) {
		t.Errorf("Without(%q) = %q, want %q", env, got, want)
	}
}
