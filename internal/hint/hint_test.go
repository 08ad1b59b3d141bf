package hint

import (
	"errors"
	"fmt"
	"testing"
)

func TestWith(t *testing.T) {
	base := errors.New("not logged in")
	err := fmt.Errorf("get: %w", With(base, "run login"))
	if !errors.Is(err, base) {
		t.Errorf("errors.Is(%v, base) = false", err)
	}
	if got := Of(err); got != "run login" {
		t.Errorf("Of(%v) = %q, want %q", err, got, "run login")
	}
	if got := Of(base); got != "" {
		t.Errorf("Of(plain error) = %q, want none", got)
	}
	if err.Error() != "get: not logged in" {
		t.Errorf("Error() = %q, the hint must not change the message", err.Error())
	}
}
