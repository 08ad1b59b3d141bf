// Package limited is an in-memory storage backend whose items hold at
// most a fixed number of bytes, like Windows Credential Manager (2560
// bytes a credential). It exists to prove that package chunked splits and
// joins values correctly, without an OS store.
package limited

import (
	"errors"
	"fmt"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/memory"
)

// ErrTooBig is wrapped by Put for a value longer than the limit.
var ErrTooBig = errors.New("value too big for one item")

// Store is a memory.Store whose Put refuses values longer than Max bytes.
// It is safe for concurrent use.
type Store struct {
	memory.Store
	// Max is the longest value one item may hold; zero or less means no
	// limit.
	Max int
}

// New returns an empty store whose items hold at most max bytes.
func New(max int) *Store { return &Store{Max: max} }

// MaxLen returns Max, whatever the key (package chunked asks).
func (s *Store) MaxLen(string) int { return s.Max }

// Put stores value under key, or fails with ErrTooBig.
func (s *Store) Put(key, value string) error {
	if s.Max > 0 && len(value) > s.Max {
		return fmt.Errorf("limited: %q: %d bytes, limit %d: %w", key, len(value), s.Max, ErrTooBig)
	}
	return s.Store.Put(key, value)
}
