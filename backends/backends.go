// Package backends defines what every storage backend of the credential
// helper provides: a small string key/value store for secrets, with one
// sentinel error for a missing key.
//
// Backends know nothing of credential protocols, tokens or OAuth. The
// layers above encode the values; a backend keeps them safe. The keys of
// other hosts' credentials are declared here (GitKey, DockerKey).
//
// The sub-packages hold one backend each (memory, file, keychain, wincred,
// secretservice, and limited for tests), chunked splits values that are
// too large for one OS-store item, migrate moves everything from one
// backend to another, and registry lists the ones this build and platform
// offer. docs/keyrings.md says how the OS-store libraries were chosen,
// with the figures.
package backends

import "errors"

// ErrNotFound is returned by Store.Get and Store.Delete when no value is
// stored under the key. Protocol code translates it at its edge (git: say
// nothing; docker: its exact not-found line).
var ErrNotFound = errors.New("not found")

// ErrUnavailable is wrapped by errors for a backend that this build or
// platform does not have.
var ErrUnavailable = errors.New("not available here")

// SessionKey is the key under which the Prusa session (the token-set JSON)
// is stored. The file backend keeps it in its own file, shared with the
// Python SDK; every other key lives in the credentials store.
const SessionKey = "prusa-session"

// Store is a string key/value store for secrets. Values are opaque to the
// store. Implementations are safe for use by one process at a time and
// keep every write atomic, so that another process sees either the old or
// the new value.
type Store interface {
	// Get returns the value stored under key, or an error wrapping
	// ErrNotFound.
	Get(key string) (string, error)
	// Put stores value under key, replacing any earlier value.
	Put(key, value string) error
	// Delete removes key; an error wraps ErrNotFound if it was not there.
	Delete(key string) error
	// List returns the keys that start with prefix, sorted. The session
	// (SessionKey) is never listed.
	List(prefix string) ([]string, error)
}
