// Package migrate moves everything a backend holds — the Prusa session
// and every generic credential — into another backend, without a window
// in which anything is lost.
//
// Migrate works in three phases. It reads every key of the source. It
// writes each one to the destination and reads it back; only when every
// key reads back byte for byte does it delete anything. Then it deletes
// the keys from the source, checking after each delete that the
// destination still has the key (two Store values that are really the same
// storage would otherwise lose it, and the value is put back). Interrupted
// at any point — an error, a crash, a killed process — the source still
// has every key that is not verified in the destination, and running
// Migrate again finishes the job: a key that the destination already holds
// with the same value is simply verified again.
//
// A key that the destination holds with a different value is a conflict:
// Migrate stops before writing anything, unless Options.Overwrite says
// the source wins.
package migrate

import (
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

// Report says what a migration did, by key. It holds no values.
type Report struct {
	// Copied are the keys written to the destination and verified.
	Copied []string
	// Present are the keys the destination already held with the same
	// value.
	Present []string
	// Replaced are the keys whose different value in the destination
	// was overwritten (only with Options.Overwrite).
	Replaced []string
	// Removed are the keys deleted from the source.
	Removed []string
}

// Keys returns every key the migration moved, sorted.
func (r Report) Keys() []string {
	return slices.Sorted(slices.Values(slices.Concat(r.Copied, r.Present, r.Replaced)))
}

// Options changes how Migrate treats the destination.
type Options struct {
	// Overwrite lets the source's value replace a different value in
	// the destination; without it such a conflict stops the migration
	// before anything is written.
	Overwrite bool
	// KeepSource copies and verifies but deletes nothing from the source.
	KeepSource bool
}

// ConflictError reports keys that the destination holds with a different
// value. Nothing was written.
type ConflictError struct {
	Keys []string
}

func (e *ConflictError) Error() string {
	q := make([]string, len(e.Keys))
	for i, k := range e.Keys {
		q[i] = strconv.Quote(k)
	}
	return "the destination already holds different values for " + strings.Join(q, ", ")
}

// Hint names the fix.
func (e *ConflictError) Hint() string {
	return "remove them from the destination first, or let the source's values replace them"
}

// ErrSameStore is wrapped by the error for a source and destination that
// turn out to be the same storage.
var ErrSameStore = errors.New("source and destination are the same store")

// sameValue reports whether a and b are the same pointer (comparing the
// interfaces directly would panic for non-comparable store types).
func sameValue(a, b backends.Store) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	return va.Kind() == reflect.Pointer && va.Type() == vb.Type() && va.Pointer() == vb.Pointer()
}

// Migrate moves the session and all generic credentials from one store to
// another. See the package documentation.
func (o Options) Migrate(from, to backends.Store) (Report, error) {
	var r Report
	if sameValue(from, to) {
		return r, ErrSameStore
	}
	// Phase 1: read the source. Canaries that an interrupted run left
	// are removed, never moved.
	removeCanaries(from)
	removeCanaries(to)
	keys, err := from.List("")
	if err != nil {
		return r, fmt.Errorf("listing the source: %w", err)
	}
	keys = slices.DeleteFunc(keys, func(k string) bool { return strings.HasPrefix(k, CanaryPrefix) })
	values := make(map[string]string, len(keys)+1)
	for _, k := range keys {
		v, err := from.Get(k)
		if err != nil {
			// Listed but gone (another process erased it), or unreadable:
			// either way, stop before changing anything.
			return r, fmt.Errorf("reading %q from the source: %w", k, err)
		}
		values[k] = v
	}
	if v, err := from.Get(backends.SessionKey); err == nil {
		keys = append(keys, backends.SessionKey)
		values[backends.SessionKey] = v
	} else if !errors.Is(err, backends.ErrNotFound) {
		return r, fmt.Errorf("reading the session from the source: %w", err)
	}

	// Conflicts are found before anything is written.
	var conflicts []string
	for _, k := range keys {
		v, err := to.Get(k)
		switch {
		case errors.Is(err, backends.ErrNotFound):
		case err != nil:
			return r, fmt.Errorf("reading %q from the destination: %w", k, err)
		case v == values[k]:
			r.Present = append(r.Present, k)
		default:
			conflicts = append(conflicts, k)
		}
	}
	if len(conflicts) > 0 && !o.Overwrite {
		return r, &ConflictError{Keys: conflicts}
	}

	// Phase 2: write and verify.
	for _, k := range keys {
		if slices.Contains(r.Present, k) {
			continue
		}
		if err := to.Put(k, values[k]); err != nil {
			return r, fmt.Errorf("writing %q to the destination: %w", k, err)
		}
		got, err := to.Get(k)
		if err != nil {
			return r, fmt.Errorf("reading %q back from the destination: %w", k, err)
		}
		if got != values[k] {
			return r, fmt.Errorf("%q reads back different from the destination; the source is unchanged", k)
		}
		if slices.Contains(conflicts, k) {
			r.Replaced = append(r.Replaced, k)
		} else {
			r.Copied = append(r.Copied, k)
		}
	}
	if o.KeepSource {
		return r, nil
	}

	// Phase 3: every key is in the destination; remove the source's.
	if len(keys) == 0 {
		return r, nil
	}
	if err := checkDistinct(from, to); err != nil {
		return r, err
	}
	for _, k := range keys {
		if err := from.Delete(k); err != nil && !errors.Is(err, backends.ErrNotFound) {
			return r, fmt.Errorf("removing %q from the source (everything is in the destination): %w", k, err)
		}
		if got, err := to.Get(k); err != nil || got != values[k] {
			// Deleting from the source removed it from the destination:
			// they are one store. Put it back.
			perr := to.Put(k, values[k])
			return r, errors.Join(fmt.Errorf("removing %q from the source removed it from the destination: %w", k, ErrSameStore), perr)
		}
		r.Removed = append(r.Removed, k)
	}
	return r, nil
}

// CanaryPrefix starts the throw-away key that Migrate writes to tell two
// stores apart. No protocol lists it.
const CanaryPrefix = "migrate-canary/"

// checkDistinct writes a canary to the destination and tries to delete it
// from the source: a source that can, is the destination.
func checkDistinct(from, to backends.Store) error {
	canary := CanaryPrefix + rand.Text()
	if err := to.Put(canary, "x"); err != nil {
		return fmt.Errorf("writing a test key to the destination: %w", err)
	}
	err := from.Delete(canary)
	derr := to.Delete(canary)
	switch {
	case err == nil:
		return ErrSameStore
	case !errors.Is(err, backends.ErrNotFound):
		return fmt.Errorf("checking that the source is not the destination: %w", err)
	case derr != nil:
		return fmt.Errorf("removing the test key %q from the destination: %w", canary, derr)
	}
	return nil
}

// removeCanaries deletes canaries left by an interrupted run, best effort.
func removeCanaries(s backends.Store) {
	keys, _ := s.List(CanaryPrefix)
	for _, k := range keys {
		_ = s.Delete(k)
	}
}
