// Package keyring holds what the OS secret-store backends (keychain,
// wincred, secretservice) share: the item names, bounded calls and the
// errors that name their fix. docs/keyrings.md records why each store is
// reached through the library it is, with the figures.
//
// All three are cgo-free, so a binary cross-compiled with CGO_ENABLED=0
// has each; package registry wires each in through a file built only for
// its system, so a Linux binary has no Keychain code and a macOS binary
// no D-Bus. Every call is bounded by a timeout (Call, or a D-Bus call
// context); a store that does not answer is a *TimeoutError, a locked one
// a *LockedError, an unreachable one an *UnavailableError (which wraps
// backends.ErrUnavailable), each with a Hint.
package keyring

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
)

// Service names the items of this helper in every OS store: the Keychain
// "service" (-s), the Windows target-name prefix ("service:key", the
// convention of zalando/go-keyring) and the Secret Service "service"
// attribute. The key of an entry is the account (Keychain), the rest of
// the target name (Windows) or the "username" attribute (Secret Service),
// so that other tools find an item by the same two names.
const Service = "prusa-credential-helper"

// PartsSuffix and IndexSuffix name the companion services of Service: the
// parts of values split by package chunked, and the Keychain's list of
// keys. They never collide with entries, which all live under Service.
const (
	PartsSuffix = ".parts"
	IndexSuffix = ".index"
)

// DefaultTimeout bounds one operation on an OS store when the caller does
// not choose: long enough for a busy desktop, short enough that git or
// docker do not seem to hang on a locked keyring.
const DefaultTimeout = 5 * time.Second

// Timeout returns d, or DefaultTimeout when d is zero or negative.
func Timeout(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultTimeout
	}
	return d
}

// Call runs op and waits at most timeout for it. When the time is up it
// returns a *TimeoutError and leaves op to finish in the background: the
// library calls it wraps (a subprocess, a system call) cannot be
// cancelled, and a short-lived helper process ends soon after anyway.
func Call[T any](timeout time.Duration, store, op string, f func() (T, error)) (T, error) {
	timeout = Timeout(timeout)
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-t.C:
		var zero T
		return zero, &TimeoutError{Store: store, Op: op, After: timeout}
	}
}

// Do is Call for an op that returns only an error.
func Do(timeout time.Duration, store, op string, f func() error) error {
	_, err := Call(timeout, store, op, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// ListKeys returns what List returns of keys: those that start with
// prefix, without the session, sorted and without duplicates.
func ListKeys(keys []string, prefix string) []string {
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == backends.SessionKey || !strings.HasPrefix(k, prefix) })
	slices.Sort(keys)
	return slices.Compact(keys)
}

// TimeoutError reports an OS store that did not answer in time, most
// often because it waits for an unlock prompt that nobody sees.
type TimeoutError struct {
	Store string // what did not answer, e.g. "the macOS Keychain"
	Op    string // what was asked, e.g. "get"
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s did not answer within %s (%s)", e.Store, humantime.Duration(e.After), e.Op)
}

// Hint names the fix.
func (e *TimeoutError) Hint() string {
	return "it may be locked and waiting for a password prompt that cannot appear here: unlock it and retry, or choose --backend file"
}

// LockedError reports an OS store that is locked and cannot be unlocked
// without the user: this helper never shows an unlock prompt of its own.
type LockedError struct {
	Store string // e.g. `the Secret Service collection "login"`
	Fix   string // how to unlock it
	Err   error
}

func (e *LockedError) Error() string {
	msg := e.Store + " is locked"
	if e.Err != nil {
		msg += " (" + e.Err.Error() + ")"
	}
	return msg
}

func (e *LockedError) Unwrap() error { return e.Err }

// Hint names the fix.
func (e *LockedError) Hint() string { return e.Fix + ", then retry; or choose --backend file" }

// UnavailableError reports an OS store that cannot be reached here: no
// D-Bus session bus, no Secret Service on it, not this operating system.
// It wraps backends.ErrUnavailable.
type UnavailableError struct {
	Store string
	Why   string
	Fix   string
	Err   error
}

func (e *UnavailableError) Error() string {
	msg := e.Store + ": " + e.Why
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *UnavailableError) Unwrap() []error {
	if e.Err == nil {
		return []error{backends.ErrUnavailable}
	}
	return []error{backends.ErrUnavailable, e.Err}
}

// Hint names the fix.
func (e *UnavailableError) Hint() string {
	if e.Fix == "" {
		return "choose --backend file"
	}
	return e.Fix + ", or choose --backend file"
}

// ErrBadKey is wrapped by the error for a key that an OS store cannot
// name an item with.
var ErrBadKey = errors.New("key cannot name an item in this store")

// CheckKey rejects keys that would name an item ambiguously or not at
// all: empty, longer than max bytes (when max > 0), not UTF-8, or with
// control characters. The key is not a secret and may be shown.
func CheckKey(store, key string, max int) error {
	switch {
	case key == "":
		return fmt.Errorf("%s: empty key: %w", store, ErrBadKey)
	case max > 0 && len(key) > max:
		return fmt.Errorf("%s: key %.40q... is %d bytes, longer than %d: %w", store, key, len(key), max, ErrBadKey)
	case !utf8.ValidString(key):
		return fmt.Errorf("%s: key %q is not UTF-8: %w", store, key, ErrBadKey)
	case strings.IndexFunc(key, unicode.IsControl) >= 0:
		return fmt.Errorf("%s: key %q has a control character: %w", store, key, ErrBadKey)
	}
	return nil
}
