package limited_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/backendtest"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/limited"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backends.Store { return limited.New(0) })
}

func TestLimit(t *testing.T) {
	s := limited.New(4)
	if err := s.Put("k", "1234"); err != nil {
		t.Errorf("Put(4 bytes) = %v", err)
	}
	if err := s.Put("k", "12345"); !errors.Is(err, limited.ErrTooBig) {
		t.Errorf("Put(5 bytes) error = %v, want ErrTooBig", err)
	}
	if got, _ := s.Get("k"); got != "1234" {
		t.Errorf("Get after a refused Put = %q, want the old value", got)
	}
	if err := s.Put("k", strings.Repeat("x", 5)); err == nil || strings.Contains(err.Error(), "xxxxx") {
		t.Errorf("error %v shows the value", err)
	}
	if s.MaxLen("anything") != 4 {
		t.Error("MaxLen is not the limit")
	}
}
