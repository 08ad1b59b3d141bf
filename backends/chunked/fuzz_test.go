package chunked

import (
	"errors"
	"strings"
	"testing"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/limited"
)

// FuzzHead reads whatever an item under a key may hold (another program
// can write it): Get returns it as it is, joins it, or reports it as
// damaged, and never panics or returns a value that does not match a
// head it accepted.
func FuzzHead(f *testing.F) {
	f.Add(Marker + "gen=0123456789abcdef parts=2 len=5 sha256=" + strings.Repeat("0", 64))
	f.Add(Marker + "gen=0123456789abcdef parts=0 len=-1 sha256=x")
	f.Add(Marker)
	f.Add("plain value")
	f.Fuzz(func(t *testing.T, raw string) {
		heads, parts := limited.New(0), limited.New(0)
		_ = heads.Put("k", raw)
		_ = parts.Put("k/0123456789abcdef.0", "hello")
		_ = parts.Put("k/0123456789abcdef.1", " world")
		s := New(heads, parts)
		got, err := s.Get("k")
		var ce *CorruptError
		switch {
		case !strings.HasPrefix(raw, Marker):
			if err != nil || got != raw {
				t.Fatalf("Get of a plain value = %q, %v", got, err)
			}
		case err == nil:
			h, perr := parseHead(raw)
			if perr != nil || len(got) != h.length || digest(got) != h.sum {
				t.Fatalf("Get accepted head %q and returned %q", raw, got)
			}
		case !errors.As(err, &ce):
			t.Fatalf("Get of head %q error = %v, want a CorruptError", raw, err)
		}
	})
}
