package registry

import (
	"errors"
	"strings"
	"testing"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
)

func TestOpen(t *testing.T) {
	env := func(k string) string {
		if k == "HOME" {
			return "/home/u"
		}
		return ""
	}
	tests := []struct {
		name            string
		wantErr         bool
		wantUnavailable bool
	}{
		{"", false, false},
		{"file", false, false},
		{"nope", true, false},
		{"keychain", true, true},
		{"FILE", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.name, Options{Getenv: env, GOOS: "linux"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Open(%q) error = %v, wantErr %v", tt.name, err, tt.wantErr)
			}
			if err == nil {
				if _, ok := s.(*file.Store); !ok {
					t.Errorf("Open(%q) = %T, want *file.Store", tt.name, s)
				}
				return
			}
			if errors.Is(err, backends.ErrUnavailable) != tt.wantUnavailable {
				t.Errorf("Open(%q) error = %v, ErrUnavailable = %v, want %v", tt.name, err, !tt.wantUnavailable, tt.wantUnavailable)
			}
			var h interface{ Hint() string }
			if !errors.As(err, &h) || !strings.Contains(h.Hint(), "file") {
				t.Errorf("Open(%q) error %v has no hint listing the available backends", tt.name, err)
			}
		})
	}
}

func TestOpenWithoutConfigDir(t *testing.T) {
	_, err := Open("file", Options{GOOS: "linux"})
	if err == nil || !strings.Contains(err.Error(), "HOME") {
		t.Errorf("Open(file) with no HOME error = %v, want one naming $HOME", err)
	}
}
