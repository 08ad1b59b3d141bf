// Package file is the default storage backend: JSON files in the user's
// config directory, readable by the Python SDK (prusactl), that work on
// every system and headless.
//
// The Prusa session (backends.SessionKey) is the token-set JSON in
// tokens.json, kept byte for byte as written, so that the SDK and this
// helper share one session. When tokens.json is missing but the file that
// SDK 1.0 really uses exists (see DefaultOptions), that file is read and
// written instead. Every other key lives in credentials.json beside
// tokens.json.
//
// The directory is created 0700 and every file 0600. Each write goes to a
// temporary file in the same directory, is flushed and renamed over the
// old file, so a reader or a killed process sees the old or the new
// content, never a mix. Writes to credentials.json read, change and write
// the file under an exclusive lock (gofrs/flock), so concurrent helpers do
// not lose each other's entries. A file that does not parse is reported
// with its path and never overwritten or removed.
package file

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

// Options says where the file backend keeps its files.
type Options struct {
	// Dir holds credentials.json, the lock file and, by default,
	// tokens.json.
	Dir string
	// TokensFile, when set, is the session file, whatever exists
	// elsewhere (--tokens-file, PRUSA_TOKENS_FILE).
	TokensFile string
	// LegacyTokensFile is the Python SDK 1.0 session file, used when
	// TokensFile is empty, Dir/tokens.json does not exist and it does.
	LegacyTokensFile string
	// LockTimeout bounds the wait for another process's write; 0 means
	// ten seconds.
	LockTimeout time.Duration
	// Warn receives a message when the backend fixes something the user
	// should know about (a secrets file readable by others); nil drops
	// it. Messages never hold secrets.
	Warn func(msg string)
}

const (
	tokensName      = "tokens.json"
	credentialsName = "credentials.json"
	formatVersion   = 1
)

// Store is the file backend. It reads credentials.json at most once per
// process unless it writes, and is safe for use by one goroutine at a time.
type Store struct {
	opts   Options
	loaded bool
	creds  map[string]string
}

// New returns a file backend with the given options.
func New(opts Options) *Store {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 10 * time.Second
	}
	return &Store{opts: opts}
}

// CredentialsFile is the path of the generic credentials file.
func (s *Store) CredentialsFile() string { return filepath.Join(s.opts.Dir, credentialsName) }

// TokensFile is the path of the session file this store reads and writes
// now: the explicit one, else tokens.json if it exists, else the SDK 1.0
// file if that exists, else tokens.json.
func (s *Store) TokensFile() string {
	if s.opts.TokensFile != "" {
		return s.opts.TokensFile
	}
	primary := filepath.Join(s.opts.Dir, tokensName)
	if s.opts.LegacyTokensFile == "" || exists(primary) || !exists(s.opts.LegacyTokensFile) {
		return primary
	}
	return s.opts.LegacyTokensFile
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// CorruptError reports a file that does not parse. The file is left as it
// is; nothing is written over it.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s is corrupt (%v); it was left untouched", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Hint names the fix.
func (e *CorruptError) Hint() string {
	return fmt.Sprintf("repair it, or move it aside (mv %q %q) and store the credentials again", e.Path, e.Path+".bad")
}

// Get returns the value under key.
func (s *Store) Get(key string) (string, error) {
	if key == backends.SessionKey {
		data, err := s.readTokens()
		if err != nil {
			return "", err
		}
		return string(data), nil
	}
	if err := s.load(); err != nil {
		return "", err
	}
	v, ok := s.creds[key]
	if !ok {
		return "", fmt.Errorf("%w: %q in %s", backends.ErrNotFound, key, s.CredentialsFile())
	}
	return v, nil
}

// Put stores value under key.
func (s *Store) Put(key, value string) error {
	if key == backends.SessionKey {
		path := s.TokensFile()
		if _, err := s.readTokensAt(path); err != nil && !errors.Is(err, backends.ErrNotFound) {
			return err
		}
		return writeAtomic(path, []byte(value))
	}
	return s.update(func(m map[string]string) error {
		m[key] = value
		return nil
	})
}

// Delete removes key.
func (s *Store) Delete(key string) error {
	if key == backends.SessionKey {
		path := s.TokensFile()
		if _, err := s.readTokensAt(path); err != nil {
			return err
		}
		return os.Remove(path)
	}
	return s.update(func(m map[string]string) error {
		if _, ok := m[key]; !ok {
			return fmt.Errorf("%w: %q in %s", backends.ErrNotFound, key, s.CredentialsFile())
		}
		delete(m, key)
		return nil
	})
}

// List returns the keys of credentials.json that start with prefix. The
// session is not listed.
func (s *Store) List(prefix string) ([]string, error) {
	if err := s.load(); err != nil {
		return nil, err
	}
	var keys []string
	for k := range s.creds {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

func (s *Store) readTokens() ([]byte, error) { return s.readTokensAt(s.TokensFile()) }

// readTokensAt reads a session file and checks that it holds a JSON
// object; what the object means is for the session layer to say.
func (s *Store) readTokensAt(path string) ([]byte, error) {
	data, err := s.readSecretFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no session in %s", backends.ErrNotFound, path)
	}
	if err != nil {
		return nil, err
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, &CorruptError{Path: path, Err: errors.New("not a JSON object")}
	}
	return data, nil
}

// readSecretFile reads a file that holds secrets. One that other users may
// read (another tool wrote it with a wide mode, or it was copied) is
// tightened to 0600 and reported, once, through Options.Warn.
func (s *Store) readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !isWindows() && fi.Mode().Perm()&0o077 != 0 {
		was := fi.Mode().Perm()
		msg := fmt.Sprintf("%s was readable by other users (mode %04o)", path, was)
		if err := f.Chmod(0o600); err != nil {
			msg += fmt.Sprintf("; could not change it to 0600: %v", err)
		} else {
			msg += "; its mode is now 0600"
		}
		if s.opts.Warn != nil {
			s.opts.Warn(msg)
		}
	}
	return io.ReadAll(f)
}

// credentialsFile is the on-disk shape of credentials.json.
type credentialsFile struct {
	Version     int               `json:"version"`
	Credentials map[string]string `json:"credentials"`
}

func (s *Store) load() error {
	if s.loaded {
		return nil
	}
	m, err := s.read()
	if err != nil {
		return err
	}
	s.creds, s.loaded = m, true
	return nil
}

func (s *Store) read() (map[string]string, error) {
	path := s.CredentialsFile()
	data, err := s.readSecretFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	var f credentialsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &CorruptError{Path: path, Err: errors.New("not valid JSON")}
	}
	if f.Version != formatVersion {
		return nil, &CorruptError{Path: path, Err: fmt.Errorf("format version %d, want %d", f.Version, formatVersion)}
	}
	if f.Credentials == nil {
		f.Credentials = map[string]string{}
	}
	return f.Credentials, nil
}

// update applies change to the current content of credentials.json under
// the file lock and writes the result atomically.
func (s *Store) update(change func(map[string]string) error) error {
	if err := os.MkdirAll(s.opts.Dir, 0o700); err != nil {
		return err
	}
	lock := flock.New(s.CredentialsFile() + ".lock")
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.LockTimeout)
	defer cancel()
	ok, err := lock.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil || !ok {
		return &LockError{Path: lock.Path(), Wait: s.opts.LockTimeout, Err: err}
	}
	defer lock.Unlock()

	m, err := s.read()
	if err != nil {
		return err
	}
	if err := change(m); err != nil {
		return err
	}
	data, err := json.MarshalIndent(credentialsFile{Version: formatVersion, Credentials: m}, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(s.CredentialsFile(), append(data, '\n')); err != nil {
		return err
	}
	s.creds, s.loaded = m, true
	return nil
}

// LockError reports that another process held a lock for too long.
type LockError struct {
	Path string
	Wait time.Duration
	Err  error
}

func (e *LockError) Error() string {
	msg := fmt.Sprintf("another process holds %s (waited %v)", e.Path, e.Wait)
	if e.Err != nil && !errors.Is(e.Err, context.DeadlineExceeded) {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *LockError) Unwrap() error { return e.Err }

// Hint names the fix.
func (e *LockError) Hint() string {
	return "check for a hung prusa-credential-helper process; the lock is released when it exits"
}
