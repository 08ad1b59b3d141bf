// Package keychain is the storage backend for the macOS Keychain (the
// user's default keychain), reached through github.com/zalando/go-keyring,
// which runs /usr/bin/security: no cgo, so a binary cross-compiled from
// Linux has it too. zalando passes the secret to `security -i` on standard
// input, never in argv, so it does not show in the process list; item
// names (service and account) are in argv.
//
// Each entry is a generic-password item with service
// "prusa-credential-helper" and the key as account:
//
//	security find-generic-password -s prusa-credential-helper -a prusa-session -w
//
// An item holds about 2900 bytes of value (see items.MaxLen); larger ones,
// such as a Prusa token set, are split by package chunked, with the parts
// under the service "prusa-credential-helper.parts".
//
// The Keychain cannot list items by service without dumping the whole
// keychain, so the keys are also kept in an index item (service
// "prusa-credential-helper.index", account "keys": a JSON list), which is
// changed under a file lock so that concurrent helpers do not lose each
// other's keys. The index is written before an entry is stored and after
// it is removed, so a crash can leave a key listed whose Get then finds
// nothing (the next Delete of it cleans the index), never an entry that
// List misses. The session is never in the index.
//
// Every call to security is bounded by Options.Timeout. Because
// `security -i` has been seen to exit 0 when its command fails, every
// write is read back before it counts as done.
package keychain

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/chunked"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keyring"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/filelock"
)

const what = "the macOS Keychain"

// API is the Keychain as zalando/go-keyring presents it: generic-password
// items named by service and account. Get and Delete return an error
// wrapping backends.ErrNotFound for a missing item.
type API interface {
	Get(service, account string) (string, error)
	Set(service, account, secret string) error
	Delete(service, account string) error
}

// Options configures the Keychain backend.
type Options struct {
	// Service is the service of every item; "" means keyring.Service.
	Service string
	// Timeout bounds every call to security; 0 means
	// keyring.DefaultTimeout.
	Timeout time.Duration
	// LockFile is locked while the index changes; "" locks only within
	// this process.
	LockFile string
	// API reaches the Keychain; nil means the real one, which exists
	// only on macOS (elsewhere Open fails with backends.ErrUnavailable).
	// Tests pass a fake.
	API API
}

// Store is the Keychain backend. It is safe for concurrent use.
type Store struct {
	data, index backends.Store
	lockFile    string
	timeout     time.Duration
	mu          sync.Mutex
}

// indexKey is the account of the index item.
const indexKey = "keys"

// Open returns the Keychain backend. It runs nothing: the first call to
// security is the first Get, Put, Delete or List.
func Open(opts Options) (*Store, error) {
	if opts.API == nil {
		var err error
		if opts.API, err = systemAPI(); err != nil {
			return nil, err
		}
	}
	service, timeout := cmp.Or(opts.Service, keyring.Service), keyring.Timeout(opts.Timeout)
	item := func(suffix string) *items { return &items{api: opts.API, service: service + suffix, timeout: timeout} }
	indexItems := item(keyring.IndexSuffix)
	return &Store{
		data:     chunked.New(item(""), item(keyring.PartsSuffix)),
		index:    chunked.New(indexItems, indexItems), // one key only: its parts cannot collide with it
		lockFile: opts.LockFile,
		timeout:  timeout,
	}, nil
}

// Get returns the value under key.
func (s *Store) Get(key string) (string, error) { return s.data.Get(key) }

// Put stores value under key, listing the key in the index first.
func (s *Store) Put(key, value string) error {
	if key == backends.SessionKey {
		return s.data.Put(key, value)
	}
	added := false
	err := s.changeIndex(func(keys []string) []string {
		if i, found := slices.BinarySearch(keys, key); !found {
			keys, added = slices.Insert(keys, i, key), true
		}
		return keys
	})
	if err != nil {
		return err
	}
	err = s.data.Put(key, value)
	if err != nil && added {
		// Best effort: unlist the key again if nothing is stored.
		if _, gerr := s.data.Get(key); errors.Is(gerr, backends.ErrNotFound) {
			_ = s.changeIndex(unlist(key))
		}
	}
	return err
}

// Delete removes key, and then its index entry.
func (s *Store) Delete(key string) error {
	err := s.data.Delete(key)
	if key == backends.SessionKey || (err != nil && !errors.Is(err, backends.ErrNotFound)) {
		return err
	}
	if ierr := s.changeIndex(unlist(key)); ierr != nil && err == nil {
		return ierr
	}
	return err
}

// unlist is the index change that removes key.
func unlist(key string) func([]string) []string {
	return func(keys []string) []string {
		if i, found := slices.BinarySearch(keys, key); found {
			keys = slices.Delete(keys, i, i+1)
		}
		return keys
	}
}

// List returns the indexed keys that start with prefix, sorted.
func (s *Store) List(prefix string) ([]string, error) {
	keys, err := s.readIndex()
	return keyring.ListKeys(keys, prefix), err
}

func (s *Store) readIndex() ([]string, error) {
	raw, err := s.index.Get(indexKey)
	if errors.Is(err, backends.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []string
	if err := json.Unmarshal([]byte(raw), &keys); err != nil {
		return nil, &IndexError{Service: keyring.Service + keyring.IndexSuffix, Err: err}
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// changeIndex rewrites the index with change under the lock, if that
// changes it.
func (s *Store) changeIndex(change func([]string) []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lockFile != "" {
		unlock, err := filelock.Lock(context.Background(), s.lockFile, s.timeout)
		if errors.Is(err, filelock.ErrTimeout) {
			return fmt.Errorf("%s: another process holds %s: %w", what, s.lockFile, &keyring.TimeoutError{Store: "the Keychain index lock", Op: "lock", After: s.timeout})
		}
		if err != nil {
			return err
		}
		defer unlock()
	}
	keys, err := s.readIndex()
	if err != nil {
		return err
	}
	changed := change(slices.Clone(keys))
	if slices.Equal(keys, changed) {
		return nil
	}
	data, err := json.Marshal(changed)
	if err != nil {
		return err
	}
	return s.index.Put(indexKey, string(data))
}

// IndexError reports an index item that does not parse.
type IndexError struct {
	Service string
	Err     error
}

func (e *IndexError) Error() string {
	return fmt.Sprintf("the Keychain item %q (account %q) that lists the stored keys is damaged: %v", e.Service, indexKey, e.Err)
}

func (e *IndexError) Unwrap() error { return e.Err }

// Hint names the fix.
func (e *IndexError) Hint() string {
	return fmt.Sprintf("delete it (security delete-generic-password -s %s -a %s) and store the credentials again", e.Service, indexKey)
}

// items is one service's generic-password items, bounded in time.
type items struct {
	api     API
	service string
	timeout time.Duration
}

// maxCommand is the longest command line `security -i` takes; zalando
// refuses longer ones with ErrSetDataTooBig.
const maxCommand = 4096

// shellUnsafe is what makes zalando's shellescape.Quote quote a word.
var shellUnsafe = regexp.MustCompile(`[^\w@%+=:,./-]`)

func quotedLen(s string) int {
	if s == "" {
		return 2
	}
	if !shellUnsafe.MatchString(s) {
		return len(s)
	}
	return len(s) + 2 + 4*strings.Count(s, "'")
}

// MaxLen is the longest value that fits in one item under account: the
// command zalando writes to `security -i` is
//
//	add-generic-password -U -s SERVICE -a ACCOUNT -w go-keyring-base64:BASE64\n
//
// with SERVICE and ACCOUNT shell-quoted, and must not exceed 4096 bytes.
// A margin of 64 bytes keeps us clear of the edge.
func (it *items) MaxLen(account string) int {
	fixed := len("add-generic-password -U -s  -a  -w go-keyring-base64:\n") + quotedLen(it.service) + quotedLen(account) + 64
	room := maxCommand - fixed
	if room < 4 {
		return 1 // nothing fits: chunked reports the key as too long
	}
	return room / 4 * 3
}

// maxAccount bounds the account: one that takes most of the command line
// leaves no room for a value; 1024 bytes is far beyond any key the helper
// builds.
const maxAccount = 1024

func (it *items) Get(account string) (string, error) {
	if err := keyring.CheckKey(what, account, maxAccount); err != nil {
		return "", err
	}
	return keyring.Call(it.timeout, what, "get", func() (string, error) {
		v, err := it.api.Get(it.service, account)
		return v, mapError(account, err)
	})
}

func (it *items) Put(account, value string) error {
	if err := keyring.CheckKey(what, account, maxAccount); err != nil {
		return err
	}
	if err := keyring.Do(it.timeout, what, "store", func() error { return mapError(account, it.api.Set(it.service, account, value)) }); err != nil {
		return err
	}
	got, err := it.Get(account)
	if err != nil {
		return fmt.Errorf("%s: reading back %q after storing it: %w", what, account, err)
	}
	if got != value {
		return fmt.Errorf("%s: storing %q did not take effect (security exited without an error, but the item reads back different)", what, account)
	}
	return nil
}

func (it *items) Delete(account string) error {
	if err := keyring.CheckKey(what, account, maxAccount); err != nil {
		return err
	}
	return keyring.Do(it.timeout, what, "delete", func() error { return mapError(account, it.api.Delete(it.service, account)) })
}

// List is not offered by the Keychain; package chunked never asks and
// Store keeps an index instead.
func (it *items) List(string) ([]string, error) {
	return nil, errors.New("the Keychain cannot list items")
}

// mapError turns what zalando returns into our errors: not-found wraps
// backends.ErrNotFound, a locked keychain is a *keyring.LockedError.
// zalando returns security's exit status (an *exec.ExitError), the low
// byte of the OSStatus, without its output.
func mapError(account string, err error) error {
	if err == nil {
		return nil
	}
	var exit interface{ ExitCode() int }
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case 36: // errSecInteractionNotAllowed (-25308): locked, and no unlock dialog can be shown (e.g. over ssh)
			return &keyring.LockedError{Store: what, Err: err,
				Fix: "unlock it (security unlock-keychain), or run where macOS can show its unlock dialog"}
		case 51, 128: // errSecAuthFailed (-25293), errSecUserCanceled (-128)
			return &keyring.LockedError{Store: what, Err: err,
				Fix: "allow prusa-credential-helper when macOS asks, or unlock the keychain (security unlock-keychain)"}
		case 50: // errSecNoSuchKeychain (-25294)
			return &keyring.UnavailableError{Store: what, Why: "there is no default keychain", Err: err,
				Fix: "create or select one in Keychain Access"}
		}
	}
	return fmt.Errorf("%s: %q: %w", what, account, err)
}
