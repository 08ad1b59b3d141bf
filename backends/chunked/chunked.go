// Package chunked stores values that are larger than one item of a
// backend may hold (Windows Credential Manager: 2560 bytes; the macOS
// Keychain through /usr/bin/security: about 3000; a Prusa token set is
// larger), by splitting them across items and joining them on read.
//
// A value that fits is stored as it is, so other tools read it unchanged.
// A larger one is written as parts under a fresh generation, in a separate
// store, and only then is the head item under the key replaced, in one
// write, with a line that names them:
//
//	prusa-credential-helper:chunked:v1 gen=9f86d081884c7d65 parts=3 len=6500 sha256=...
//
// so that a crash at any point leaves the old value or the new one
// readable. docs/keyrings.md describes the format and why each step is safe.
package chunked

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

// Limiter is implemented by a store whose items hold a bounded number of
// bytes, which may depend on the item's key (the Keychain's limit covers
// the key too).
type Limiter interface {
	// MaxLen returns the longest value that may be stored under key; zero
	// or less means no limit.
	MaxLen(key string) int
}

// Marker starts every head item.
const Marker = "prusa-credential-helper:chunked:v1 "

// maxParts bounds the number of parts of one value.
const maxParts = 99999

// Store is a backends.Store that splits large values over the items of
// Heads and Parts. It is as safe for concurrent use as they are.
type Store struct {
	heads, parts backends.Store
}

// New returns a Store that keeps heads (and values that fit) in heads and
// the parts of larger values in parts. The limits come from each store's
// MaxLen, if it has one. heads and parts must not share key names: use
// two namespaces of the same backend.
func New(heads, parts backends.Store) *Store {
	return &Store{heads: heads, parts: parts}
}

// newGen returns a fresh, random generation.
func newGen() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b[:])
}

func maxLen(s backends.Store, key string) int {
	if l, ok := s.(Limiter); ok {
		return l.MaxLen(key)
	}
	return 0
}

// PartName is the key of part n of the value under key written in
// generation gen.
func PartName(key, gen string, n int) string {
	return key + "/" + gen + "." + strconv.Itoa(n)
}

// head is the parsed head item.
type head struct {
	gen    string
	parts  int
	length int
	sum    string
}

func (h head) String() string {
	return fmt.Sprintf("%sgen=%s parts=%d len=%d sha256=%s", Marker, h.gen, h.parts, h.length, h.sum)
}

// parseHead parses a head item; a value that does not start with Marker
// is not one. On error the head is the zero head, of no parts.
func parseHead(s string) (head, error) {
	var h head
	rest, ok := strings.CutPrefix(s, Marker)
	fields := strings.Fields(rest)
	names := []string{"gen=", "parts=", "len=", "sha256="}
	if !ok || len(fields) != len(names) {
		return h, errors.New("malformed head")
	}
	for i, name := range names {
		if fields[i], ok = strings.CutPrefix(fields[i], name); !ok {
			return h, errors.New("malformed head")
		}
	}
	var err1, err2 error
	h.gen, h.sum = fields[0], fields[3]
	h.parts, err1 = strconv.Atoi(fields[1])
	h.length, err2 = strconv.Atoi(fields[2])
	if len(h.gen) != 16 || !isHex(h.gen) || len(h.sum) != 64 || !isHex(h.sum) ||
		err1 != nil || err2 != nil || h.parts < 1 || h.parts > maxParts || h.length < 0 {
		return head{}, errors.New("malformed head")
	}
	return h, nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

func digest(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// CorruptError reports a split value that cannot be joined: a part is
// missing or the joined value does not match its head. Nothing is
// returned or changed.
type CorruptError struct {
	Key string
	Why string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("the value stored under %q is damaged: %s", e.Key, e.Why)
}

// Hint names the fix.
func (e *CorruptError) Hint() string {
	return "store it again (for the Prusa session: log in again), or remove it"
}

// ErrTooLong is wrapped by the error for a key so long that not even a
// head item fits under it.
var ErrTooLong = errors.New("key too long for this store")

// Get returns the value under key, joined from its parts if it was split.
func (s *Store) Get(key string) (string, error) {
	var last head
	for attempt := 0; ; attempt++ {
		raw, err := s.heads.Get(key)
		if err != nil {
			return "", err
		}
		if !strings.HasPrefix(raw, Marker) {
			return raw, nil
		}
		h, err := parseHead(raw)
		if err != nil {
			return "", &CorruptError{Key: key, Why: err.Error()}
		}
		v, missing, err := s.join(key, h)
		if err != nil || missing < 0 {
			return v, err
		}
		// A part is gone: either a writer replaced the value since the
		// head was read (read the new head), or it is lost.
		if h == last || attempt >= 3 {
			return "", &CorruptError{Key: key, Why: fmt.Sprintf("part %d of %d is missing", missing+1, h.parts)}
		}
		last = h
	}
}

// join reads and checks the parts named by h. missing is the index of
// the first missing part, or -1.
func (s *Store) join(key string, h head) (v string, missing int, err error) {
	var b strings.Builder
	b.Grow(h.length)
	for i := 0; i < h.parts; i++ {
		p, err := s.parts.Get(PartName(key, h.gen, i))
		if errors.Is(err, backends.ErrNotFound) {
			return "", i, nil
		}
		if err != nil {
			return "", -1, err
		}
		b.WriteString(p)
	}
	v = b.String()
	if len(v) != h.length || digest(v) != h.sum {
		return "", -1, &CorruptError{Key: key, Why: fmt.Sprintf("its %d parts do not join to the value that was stored", h.parts)}
	}
	return v, -1, nil
}

// Put stores value under key: as it is when it fits in one item, else in
// parts first and then the head that names them; then it removes the
// parts of the value it replaced.
func (s *Store) Put(key, value string) error {
	old, err := s.oldHead(key)
	if err != nil {
		return err
	}
	limit := maxLen(s.heads, key)
	if (limit <= 0 || len(value) <= limit) && !strings.HasPrefix(value, Marker) {
		if err := s.heads.Put(key, value); err != nil {
			return err
		}
		s.removeParts(key, old)
		return nil
	}

	gen := newGen()
	size := maxLen(s.parts, PartName(key, gen, maxParts))
	if size <= 0 {
		size = len(value)
	}
	if size < 64 {
		return fmt.Errorf("%.40q...: %w", key, ErrTooLong)
	}
	n := (len(value) + size - 1) / size // at least 1: value starts with Marker or is too long
	if n > maxParts {
		return fmt.Errorf("value under %q is %d bytes, too large for this store", key, len(value))
	}
	h := head{gen: gen, parts: n, length: len(value), sum: digest(value)}
	if limit > 0 && len(h.String()) > limit {
		return fmt.Errorf("%.40q...: %w", key, ErrTooLong)
	}
	for i := 0; i < n; i++ {
		end := min((i+1)*size, len(value))
		if err := s.parts.Put(PartName(key, gen, i), value[i*size:end]); err != nil {
			s.removeParts(key, head{gen: gen, parts: i})
			return err
		}
	}
	if err := s.heads.Put(key, h.String()); err != nil {
		// The head may or may not have been written (a timed-out call
		// can still land), so the new parts stay: unused parts are
		// harmless, a head without its parts is not.
		return err
	}
	s.removeParts(key, old)
	return nil
}

// oldHead returns the head stored under key, or one of no parts when the
// key holds a plain value or nothing. A malformed head is replaced like a
// plain value.
func (s *Store) oldHead(key string) (head, error) {
	raw, err := s.heads.Get(key)
	if errors.Is(err, backends.ErrNotFound) {
		return head{}, nil
	}
	h, _ := parseHead(raw) // none for a plain value or a malformed head
	return h, err
}

// removeParts deletes the parts of h, best effort: a part left behind is
// unused and harmless.
func (s *Store) removeParts(key string, h head) {
	for i := 0; i < h.parts; i++ {
		_ = s.parts.Delete(PartName(key, h.gen, i))
	}
}

// Delete removes key: its head first, so readers see it gone, then its
// parts.
func (s *Store) Delete(key string) error {
	old, err := s.oldHead(key)
	if err != nil {
		return err
	}
	if err := s.heads.Delete(key); err != nil {
		return err
	}
	s.removeParts(key, old)
	return nil
}

// List returns the keys that start with prefix, sorted, without the
// session. Parts are never listed.
func (s *Store) List(prefix string) ([]string, error) { return s.heads.List(prefix) }
