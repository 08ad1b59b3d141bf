// Package wincred is the storage backend for Windows Credential Manager,
// through github.com/danieljoos/wincred (the library zalando/go-keyring
// wraps on Windows; used directly because zalando cannot enumerate, and
// List needs CredEnumerate).
//
// Each entry is a generic credential whose target name is
// "prusa-credential-helper:<key>" (zalando's "service:user" convention,
// so the two read each other's items) and whose blob is the value's
// bytes; values over MaxBlob, such as a Prusa token set, are split by
// package chunked, with the parts under "prusa-credential-helper.parts:...".
// List enumerates "prusa-credential-helper:*", so no index is needed.
// Credentials persist on the local machine (CRED_PERSIST_LOCAL_MACHINE)
// and do not roam.
//
// Target names are compared without regard to case, but keys are not (git
// tells "Alice" from "alice"), so a key is written into the target name
// with every letter that has an upper-case form escaped: "^" and the
// lower-case letter for A-Z, "^{hex}" for other cased runes, "^^" for "^"
// itself. Keys without capitals, such as the session's, read as they are.
//
// Every call is bounded by Options.Timeout. Credential Manager has no
// lock of its own: it is open while the user is logged in.
package wincred

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/chunked"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keyring"
)

const what = "Windows Credential Manager"

// Limits of CredWrite.
const (
	// MaxBlob is CRED_MAX_CREDENTIAL_BLOB_SIZE, 5*512 bytes.
	MaxBlob = 2560
	// maxTarget is CRED_MAX_GENERIC_TARGET_NAME_LENGTH, in UTF-16 units.
	maxTarget = 32767
	// maxUserName is CRED_MAX_USERNAME_LENGTH, in UTF-16 units.
	maxUserName = 513
)

// API is Credential Manager's generic credentials. Read and Delete return
// an error wrapping backends.ErrNotFound for a missing credential.
type API interface {
	Read(target string) ([]byte, error)
	Write(target, userName string, blob []byte) error
	Delete(target string) error
	// List returns the target names that match filter, a prefix
	// followed by "*".
	List(filter string) ([]string, error)
}

// Options configures the Credential Manager backend.
type Options struct {
	// Service is the target-name prefix; "" means keyring.Service.
	Service string
	// Timeout bounds every call; 0 means keyring.DefaultTimeout.
	Timeout time.Duration
	// API reaches Credential Manager; nil means the real one, which
	// exists only on Windows (elsewhere Open fails with
	// backends.ErrUnavailable). Tests pass a fake.
	API API
}

// Open returns the Credential Manager backend. It calls nothing yet.
func Open(opts Options) (*chunked.Store, error) {
	if opts.API == nil {
		var err error
		if opts.API, err = systemAPI(); err != nil {
			return nil, err
		}
	}
	service, timeout := cmp.Or(opts.Service, keyring.Service), keyring.Timeout(opts.Timeout)
	item := func(suffix string) *items { return &items{api: opts.API, service: service + suffix, timeout: timeout} }
	return chunked.New(item(""), item(keyring.PartsSuffix)), nil
}

// items is the generic credentials whose target names start with
// service + ":".
type items struct {
	api     API
	service string
	timeout time.Duration
}

func (it *items) target(key string) (string, error) {
	if err := keyring.CheckKey(what, key, 0); err != nil {
		return "", err
	}
	t := it.service + ":" + encodeKey(key)
	if len(utf16.Encode([]rune(t))) > maxTarget {
		return "", fmt.Errorf("%s: key %.40q... is too long: %w", what, key, keyring.ErrBadKey)
	}
	return t, nil
}

// MaxLen is the blob limit, whatever the key.
func (it *items) MaxLen(string) int { return MaxBlob }

func (it *items) Get(key string) (string, error) {
	t, err := it.target(key)
	if err != nil {
		return "", err
	}
	b, err := keyring.Call(it.timeout, what, "get", func() ([]byte, error) {
		b, err := it.api.Read(t)
		return b, wrap(key, err)
	})
	return string(b), err
}

func (it *items) Put(key, value string) error {
	t, err := it.target(key)
	if err != nil {
		return err
	}
	user := key // shown in Credential Manager; optional
	if len(utf16.Encode([]rune(user))) > maxUserName {
		user = ""
	}
	return keyring.Do(it.timeout, what, "store", func() error { return wrap(key, it.api.Write(t, user, []byte(value))) })
}

func (it *items) Delete(key string) error {
	t, err := it.target(key)
	if err != nil {
		return err
	}
	return keyring.Do(it.timeout, what, "delete", func() error { return wrap(key, it.api.Delete(t)) })
}

func (it *items) List(prefix string) ([]string, error) {
	p := it.service + ":"
	targets, err := keyring.Call(it.timeout, what, "list", func() ([]string, error) { return it.api.List(p + "*") })
	if err != nil {
		return nil, wrap("", err)
	}
	var keys []string
	for _, t := range targets {
		// The filter is a wildcard match, and case-insensitive: check.
		if enc, ok := strings.CutPrefix(t, p); ok {
			if k, ok := decodeKey(enc); ok {
				keys = append(keys, k)
			}
		}
	}
	return keyring.ListKeys(keys, prefix), nil
}

// wrap names the store and key; the error of a missing credential
// wraps backends.ErrNotFound.
func wrap(key string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %q: %w", what, key, err)
}

// encodeKey makes key safe for case-insensitive target names; see the
// package documentation.
func encodeKey(key string) string {
	var b strings.Builder
	for _, r := range key {
		switch {
		case r == '^':
			b.WriteString("^^")
		case r >= 'A' && r <= 'Z':
			b.WriteByte('^')
			b.WriteRune(r + 'a' - 'A')
		case r >= utf8.RuneSelf && unicode.SimpleFold(r) != r && unicode.ToLower(r) != r:
			// A cased rune that is not its own lower case.
			fmt.Fprintf(&b, "^{%x}", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// decodeKey reverses encodeKey; ok is false for a name it cannot have made.
func decodeKey(s string) (string, bool) {
	var b strings.Builder
	for {
		plain, rest, escaped := strings.Cut(s, "^")
		if strings.ContainsFunc(plain, func(r rune) bool { return r >= 'A' && r <= 'Z' }) {
			return "", false // a bare capital: written by someone else
		}
		b.WriteString(plain)
		switch {
		case !escaped:
			return b.String(), true
		case rest == "":
			return "", false
		case rest[0] == '^':
			b.WriteByte('^')
			s = rest[1:]
		case rest[0] >= 'a' && rest[0] <= 'z':
			b.WriteByte(rest[0] - 'a' + 'A')
			s = rest[1:]
		case rest[0] == '{':
			hex, after, ok := strings.Cut(rest[1:], "}")
			r, err := strconv.ParseUint(hex, 16, 32)
			if !ok || err != nil {
				return "", false
			}
			b.WriteRune(rune(r))
			s = after
		default:
			return "", false
		}
	}
}
