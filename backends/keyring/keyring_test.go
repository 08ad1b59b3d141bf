package keyring

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

func TestCall(t *testing.T) {
	v, err := Call(time.Second, "the store", "get", func() (string, error) { return "v", nil })
	if v != "v" || err != nil {
		t.Errorf("Call = %q, %v", v, err)
	}
	boom := errors.New("boom")
	if _, err := Call(time.Second, "the store", "get", func() (int, error) { return 0, boom }); err != boom {
		t.Errorf("Call error = %v, want %v", err, boom)
	}

	release := make(chan struct{})
	defer close(release)
	start := time.Now()
	_, err = Call(50*time.Millisecond, "the store", "get", func() (int, error) { <-release; return 1, nil })
	var te *TimeoutError
	if !errors.As(err, &te) || te.After != 50*time.Millisecond {
		t.Fatalf("Call of a hung op error = %v, want a TimeoutError after 50ms", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Call took %v with a 50ms timeout", d)
	}
	if got := err.Error(); !strings.HasPrefix(got, "the store did not answer within ") {
		t.Errorf("error = %q", got)
	}
	if got, want := (&TimeoutError{Store: "the store", Op: "get", After: DefaultTimeout}).Error(), "the store did not answer within 5 seconds (get)"; got != want {
		t.Errorf("TimeoutError.Error() = %q, want %q", got, want)
	}
	if te.Hint() == "" {
		t.Error("TimeoutError has no hint")
	}
	if Timeout(0) != DefaultTimeout || Timeout(time.Second) != time.Second {
		t.Error("Timeout does not default")
	}
}

func TestErrors(t *testing.T) {
	u := &UnavailableError{Store: "the Secret Service", Why: "no D-Bus session bus", Fix: "start one"}
	if !errors.Is(u, backends.ErrUnavailable) || u.Error() != "the Secret Service: no D-Bus session bus" || !strings.HasPrefix(u.Hint(), "start one") {
		t.Errorf("UnavailableError = %q, hint %q, Is(ErrUnavailable) = %v", u, u.Hint(), errors.Is(u, backends.ErrUnavailable))
	}
	inner := errors.New("inner")
	u.Err = inner
	if !errors.Is(u, inner) || !errors.Is(u, backends.ErrUnavailable) {
		t.Error("UnavailableError does not wrap both")
	}
	l := &LockedError{Store: `the Secret Service collection "login"`, Fix: "unlock it"}
	if l.Error() != `the Secret Service collection "login" is locked` || !strings.HasPrefix(l.Hint(), "unlock it") {
		t.Errorf("LockedError = %q, hint %q", l, l.Hint())
	}
	if errors.Is(l, backends.ErrUnavailable) {
		t.Error("a locked store is not an unavailable one: auto must not fall back")
	}
}

func TestCheckKey(t *testing.T) {
	tests := []struct {
		key string
		max int
		ok  bool
	}{
		{"git/https/example.com//bob", 0, true},
		{"prusa-session", 13, true},
		{"pässwörd ✓", 0, true},
		{"", 0, false},
		{"a\nb", 0, false},
		{"a\x00b", 0, false},
		{"\xff", 0, false},
		{"prusa-session", 12, false},
	}
	for _, tt := range tests {
		err := CheckKey("the store", tt.key, tt.max)
		if (err == nil) != tt.ok {
			t.Errorf("CheckKey(%q, %d) = %v, want ok %v", tt.key, tt.max, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadKey) {
			t.Errorf("CheckKey(%q) error %v does not wrap ErrBadKey", tt.key, err)
		}
	}
}
