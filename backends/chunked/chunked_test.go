package chunked

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/backendtest"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/limited"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backends.Store {
		return New(limited.New(200), limited.New(100))
	})
}

// big returns a value of n bytes that differs at every position from
// big of another seed, with multi-byte characters that a split cuts.
func big(seed string, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%s-ä%d✓", seed, i)
	}
	return b.String()[:n]
}

func TestSplitAndJoin(t *testing.T) {
	heads, parts := limited.New(2560), limited.New(2560)
	s := New(heads, parts)
	v := big("a", 20000)
	if err := s.Put(backends.SessionKey, v); err != nil {
		t.Fatalf("Put(20000 bytes) = %v", err)
	}
	raw, err := heads.Get(backends.SessionKey)
	if err != nil || !strings.HasPrefix(raw, Marker) {
		t.Fatalf("head item = %q, %v; want a head", raw, err)
	}
	if n := countParts(t, parts); n != 8 {
		t.Errorf("parts = %d, want 8 (20000 bytes / 2560)", n)
	}
	if got, err := s.Get(backends.SessionKey); err != nil || got != v {
		t.Fatalf("Get = %d bytes, %v; want the 20000 bytes stored", len(got), err)
	}

	// Replacing a split value with another removes the old parts.
	w := big("b", 6000)
	if err := s.Put(backends.SessionKey, w); err != nil {
		t.Fatal(err)
	}
	if n := countParts(t, parts); n != 3 {
		t.Errorf("parts after replacing = %d, want 3", n)
	}
	if got, _ := s.Get(backends.SessionKey); got != w {
		t.Errorf("Get after replacing = %d bytes, want the new 6000", len(got))
	}

	// A value that fits is stored as it is, and the parts go.
	if err := s.Put(backends.SessionKey, "small"); err != nil {
		t.Fatal(err)
	}
	if raw, _ := heads.Get(backends.SessionKey); raw != "small" {
		t.Errorf("head item = %q, want the value itself", raw)
	}
	if n := countParts(t, parts); n != 0 {
		t.Errorf("parts after storing a small value = %d, want 0", n)
	}

	// Delete removes the head and the parts.
	if err := s.Put("k", v); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if n := countParts(t, parts); n != 0 {
		t.Errorf("parts after Delete = %d, want 0", n)
	}
	if _, err := s.Get("k"); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("Get after Delete error = %v, want ErrNotFound", err)
	}
}

func countParts(t *testing.T, parts backends.Store) int {
	t.Helper()
	keys, err := parts.List("")
	if err != nil {
		t.Fatal(err)
	}
	return len(keys)
}

func TestValueThatLooksLikeAHead(t *testing.T) {
	heads := limited.New(1000)
	s := New(heads, limited.New(1000))
	for _, v := range []string{
		Marker + "gen=0000000000000000 parts=1 len=0 sha256=" + strings.Repeat("0", 64),
		Marker,
		Marker + "anything",
	} {
		if err := s.Put("k", v); err != nil {
			t.Fatalf("Put(%q) = %v", v, err)
		}
		if got, err := s.Get("k"); err != nil || got != v {
			t.Errorf("Get = %q, %v; want %q", got, err, v)
		}
		if raw, _ := heads.Get("k"); raw == v {
			t.Errorf("a value that starts with the marker was stored as it is")
		}
	}
}

func TestKeyTooLongForAHead(t *testing.T) {
	s := New(limited.New(100), limited.New(100))
	err := s.Put("k", strings.Repeat("x", 500))
	if !errors.Is(err, ErrTooLong) {
		t.Errorf("Put with a head that cannot fit error = %v, want ErrTooLong", err)
	}
	if err := s.Put("k", strings.Repeat("x", 100)); err != nil {
		t.Errorf("Put of a value that fits = %v", err)
	}
}

// faulty is a backendtest.Faulty that keeps the limit of what it wraps.
type faulty struct {
	*backendtest.Faulty
	max int
}

func (f faulty) MaxLen(string) int { return f.max }

// TestCrashMidWrite replays every write and delete with a store that dies
// after n calls, for every n, and checks that a reader then sees the old
// or the new value exactly, never an error or a mix.
func TestCrashMidWrite(t *testing.T) {
	const limit = 256
	cases := []struct{ name, old, new string }{
		{"split over split", big("old", 1000), big("new", 1300)},
		{"split over plain", "plain old", big("new", 1000)},
		{"plain over split", big("old", 1000), "plain new"},
		{"split over nothing", "", big("new", 700)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for n := 0; ; n++ {
				heads, parts := limited.New(limit), limited.New(limit)
				reader := New(heads, parts)
				if tc.old != "" {
					if err := reader.Put("k", tc.old); err != nil {
						t.Fatal(err)
					}
				}
				calls := 0
				fail := func(_, _ string, _ int) bool { calls++; return calls > n }
				writer := New(faulty{&backendtest.Faulty{Store: heads, Fail: fail}, limit}, faulty{&backendtest.Faulty{Store: parts, Fail: fail}, limit})
				err := writer.Put("k", tc.new)

				got, gerr := reader.Get("k")
				switch {
				case tc.old == "" && errors.Is(gerr, backends.ErrNotFound) && err != nil:
				case gerr != nil:
					t.Fatalf("crash after %d calls: Get error = %v, want the old or the new value", n, gerr)
				case got != tc.old && got != tc.new:
					t.Fatalf("crash after %d calls: Get = %d bytes, neither old (%d) nor new (%d)", n, len(got), len(tc.old), len(tc.new))
				case err == nil && got != tc.new:
					t.Fatalf("Put succeeded after %d calls, but Get returns the old value", n)
				}
				if calls <= n {
					// Nothing failed: no parts but the new value's remain.
					// (A failed clean-up leaves unused parts, which is
					// allowed.)
					want := 0
					if strings.HasPrefix(mustRaw(t, heads, "k"), Marker) {
						want = (len(tc.new) + limit - 1) / limit
					}
					if got := countParts(t, parts); got != want {
						t.Errorf("after a complete Put, %d parts stored, want %d", got, want)
					}
					return
				}
			}
		})
	}
}

func mustRaw(t *testing.T, s backends.Store, k string) string {
	t.Helper()
	v, err := s.Get(k)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCrashMidDelete(t *testing.T) {
	for n := 0; ; n++ {
		heads, parts := limited.New(256), limited.New(256)
		reader := New(heads, parts)
		v := big("v", 1000)
		if err := reader.Put("k", v); err != nil {
			t.Fatal(err)
		}
		calls := 0
		fail := func(_, _ string, _ int) bool { calls++; return calls > n }
		writer := New(faulty{&backendtest.Faulty{Store: heads, Fail: fail}, 256}, faulty{&backendtest.Faulty{Store: parts, Fail: fail}, 256})
		err := writer.Delete("k")
		got, gerr := reader.Get("k")
		if calls <= n && countParts(t, parts) != 0 {
			t.Errorf("after a complete Delete, parts remain")
		}
		if !errors.Is(gerr, backends.ErrNotFound) && (gerr != nil || got != v) {
			t.Fatalf("crash after %d calls: Get = %d bytes, %v; want the value or not found", n, len(got), gerr)
		}
		if err == nil && !errors.Is(gerr, backends.ErrNotFound) {
			t.Fatalf("Delete succeeded, Get error = %v", gerr)
		}
		if calls <= n {
			return
		}
	}
}

// TestReaderRacesWriter replaces the value while a reader is between its
// head and its parts: the reader must read the new head and return the
// new value.
func TestReaderRacesWriter(t *testing.T) {
	heads, parts := limited.New(256), limited.New(256)
	writer := New(heads, parts)
	old, updated := big("old", 1000), big("new", 900)
	if err := writer.Put("k", old); err != nil {
		t.Fatal(err)
	}
	raced := false
	racing := &backendtest.Faulty{Store: parts, Fail: func(op, _ string, _ int) bool {
		if op == "get" && !raced {
			raced = true
			if err := writer.Put("k", updated); err != nil {
				t.Errorf("concurrent Put = %v", err)
			}
		}
		return false
	}}
	reader := New(heads, faulty{racing, 256})
	got, err := reader.Get("k")
	if err != nil || got != updated {
		t.Errorf("Get racing a Put = %d bytes, %v; want the new %d bytes", len(got), err, len(updated))
	}
}

func TestCorrupt(t *testing.T) {
	v := big("v", 1000)
	cases := map[string]func(heads, parts *limited.Store){
		"part changed": func(_, parts *limited.Store) {
			keys, _ := parts.List("")
			_ = parts.Put(keys[1], strings.Repeat("x", 256))
		},
		"part missing": func(_, parts *limited.Store) {
			keys, _ := parts.List("")
			_ = parts.Delete(keys[2])
		},
		"head malformed": func(heads, _ *limited.Store) {
			_ = heads.Put("k", Marker+"gen=zz parts=4")
		},
		"head with another length": func(heads, _ *limited.Store) {
			raw, _ := heads.Get("k")
			_ = heads.Put("k", strings.Replace(raw, "len=1000", "len=999", 1))
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			heads, parts := limited.New(256), limited.New(256)
			s := New(heads, parts)
			if err := s.Put("k", v); err != nil {
				t.Fatal(err)
			}
			damage(heads, parts)
			got, err := s.Get("k")
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Get of a damaged value = %d bytes, %v; want a CorruptError", len(got), err)
			}
			if strings.Contains(err.Error(), v[:20]) {
				t.Errorf("error %q shows the value", err)
			}
			// It can be replaced.
			if err := s.Put("k", "fresh"); err != nil {
				t.Fatalf("Put over a damaged value = %v", err)
			}
			if got, err := s.Get("k"); err != nil || got != "fresh" {
				t.Errorf("Get after replacing = %q, %v", got, err)
			}
		})
	}
}
