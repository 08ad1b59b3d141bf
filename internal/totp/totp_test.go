package totp

import (
	"encoding/base32"
	"errors"
	"testing"
	"time"
)

// TestTOTPRFC6238 checks the SHA-1 vectors of RFC 6238 Appendix B, cut to
// six digits (the appendix prints eight; the low six are the same code).
func TestTOTPRFC6238(t *testing.T) {
	seed := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		got, err := Code(seed, time.Unix(tt.unix, 0))
		if err != nil || got != tt.want {
			t.Errorf("Code(seed, %d) = %q, %v, want %q", tt.unix, got, err, tt.want)
		}
	}
}

func TestTOTPSecretForms(t *testing.T) {
	at := time.Unix(1111111109, 0)
	want, err := Code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", at)
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{
		"gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
		"GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
		"GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ",
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====",
	} {
		if got, err := Code(form, at); err != nil || got != want {
			t.Errorf("Code(%q) = %q, %v, want %q", form, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", "not base32!", "18"} {
		if _, err := Code(bad, at); !errors.Is(err, ErrBadSecret) {
			t.Errorf("Code(%q) error = %v, want ErrBadSecret", bad, err)
		}
	}
}
