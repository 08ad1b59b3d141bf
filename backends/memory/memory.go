// Package memory is an in-memory storage backend: a real implementation of
// backends.Store that keeps everything in a map, for tests and for
// programs that want the helper's logic without persistence.
package memory

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

// Store is a backends.Store in memory. The zero value is empty and ready to
// use; it is safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	items map[string]string
}

// Get returns the value stored under key.
func (s *Store) Get(key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.items[key]
	if !ok {
		return "", fmt.Errorf("memory: %q: %w", key, backends.ErrNotFound)
	}
	return v, nil
}

// Put stores value under key.
func (s *Store) Put(key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.items == nil {
		s.items = make(map[string]string)
	}
	s.items[key] = value
	return nil
}

// Delete removes key.
func (s *Store) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[key]; !ok {
		return fmt.Errorf("memory: %q: %w", key, backends.ErrNotFound)
	}
	delete(s.items, key)
	return nil
}

// List returns the keys that start with prefix, sorted, without the
// session.
func (s *Store) List(prefix string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.items {
		if strings.HasPrefix(k, prefix) && k != backends.SessionKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys, nil
}
