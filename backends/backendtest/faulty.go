package backendtest

import (
	"errors"
	"fmt"
	"sync"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

// ErrInjected is the error a Faulty store returns for a call it fails.
var ErrInjected = errors.New("injected failure")

// Faulty wraps a store and fails the calls that Fail picks, to test what
// a caller leaves behind when its backend fails midway: a crash between
// two writes looks, to the data, like a failed second write.
type Faulty struct {
	backends.Store
	// Fail is asked before each call: op is "get", "put", "delete" or
	// "list", key the key (the prefix for list) and n the number of
	// this call among all calls, from 1. Nil fails nothing.
	Fail func(op, key string, n int) bool

	mu    sync.Mutex
	calls int
}

// Calls returns how many calls the store has seen.
func (f *Faulty) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *Faulty) fail(op, key string) error {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	if f.Fail != nil && f.Fail(op, key, n) {
		return fmt.Errorf("%s %q: %w", op, key, ErrInjected)
	}
	return nil
}

// FailAfter returns a Fail func that lets the first n calls through and
// fails every later one, like a process that dies after n steps.
func FailAfter(n int) func(op, key string, call int) bool {
	return func(_, _ string, call int) bool { return call > n }
}

// FailOn returns a Fail func that fails every call of op (any op when
// op is "") on key (any key when key is "").
func FailOn(op, key string) func(op, key string, call int) bool {
	return func(o, k string, _ int) bool { return (op == "" || o == op) && (key == "" || k == key) }
}

// Get fails on demand, else asks the wrapped store.
func (f *Faulty) Get(key string) (string, error) {
	if err := f.fail("get", key); err != nil {
		return "", err
	}
	return f.Store.Get(key)
}

// Put fails on demand, else asks the wrapped store.
func (f *Faulty) Put(key, value string) error {
	if err := f.fail("put", key); err != nil {
		return err
	}
	return f.Store.Put(key, value)
}

// Delete fails on demand, else asks the wrapped store.
func (f *Faulty) Delete(key string) error {
	if err := f.fail("delete", key); err != nil {
		return err
	}
	return f.Store.Delete(key)
}

// List fails on demand, else asks the wrapped store.
func (f *Faulty) List(prefix string) ([]string, error) {
	if err := f.fail("list", prefix); err != nil {
		return nil, err
	}
	return f.Store.List(prefix)
}
