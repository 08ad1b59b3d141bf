// Package file is the default storage backend: JSON files in the user's
// config directory, readable by the Python SDK (prusactl), that work on
// every system and headless.
//
// The Prusa session (backends.SessionKey) is the token-set JSON in
// tokens.json, kept byte for byte as written, so that the SDK and this
// helper share one session. When tokens.json is missing but the file that
// SDK 1.0 really uses exists (see DefaultOptions), that file is read and
// written instead.
//
// Every other key lives in the directory credentials/ beside tokens.json,
// split into buckets, so that answering one git or docker request reads
// one small file however many credentials are stored. A key's bucket is
//
//   - for a key that starts with "git/", its first three "/"-separated
//     segments: "git/<protocol>/<host>" of the helper's keys
//     git/<protocol>/<host>/<path>/<username> (each part path-escaped);
//   - for a key that starts with "docker/", its first two:
//     "docker/<server URL>", which is the whole of the helper's key;
//   - for any other key, its first segment;
//
// and a key with fewer segments is a bucket of its own. Each bucket is one
// file, credentials/<kind>-<h>.json, where kind is git, docker or other
// (by the key's first segment) and h is the lower-case hex SHA-256 of the
// bucket:
//
//	{"version": 2, "bucket": "git/https/example.com", "credentials": {"<key>": "<value>", ...}}
//
// Hashed names have a fixed length, whatever the host or URL, and only
// the characters [0-9a-z.-], so they are valid on every file system, and
// two buckets that differ only in case (hosts in git's keys keep their
// case) never share a file on a case-insensitive one. A file whose bucket
// does not hash to its name, or that holds a key of another bucket, is
// corrupt.
//
// Get reads the file of its key's bucket. List reads one file when the
// prefix fixes the bucket (git's get lists "git/<protocol>/<host>/", which
// does), and otherwise every file of the kinds that the prefix can match
// (docker's list, "docker/", reads the docker files only). A bucket file
// that does not parse is reported with its path, never overwritten or
// removed, and stops only what needs it: Get, Put and Delete of its keys,
// and a List that would read it, which fails naming it rather than leave
// out keys it cannot see. Other buckets are read and written as before.
//
// The directories are created 0700 and every file 0600. Each write goes to
// a temporary file in the same directory, is flushed and renamed over the
// old file, so a reader or a killed process sees the old or the new
// content, never a mix; a bucket left empty has its file removed. Every
// write of a credential reads, changes and writes its bucket under one
// exclusive lock, credentials.json.lock (gofrs/flock), so concurrent
// helpers do not lose each other's entries; the lock keeps the name it had
// with the old layout, so that an older helper still running beside a
// newer one waits for it. Temporary files of killed writers that are over
// a minute old are removed by the next write.
//
// The old layout, format version 1, is credentials.json beside tokens.json,
// every key in one file: {"version": 1, "credentials": {"<key>": "<value>"}}.
// It keeps working. While it exists, Get and List read it first and then
// the buckets; a key found in its bucket wins. The first write converts it
// under the lock: each of its entries goes into its bucket unless the
// bucket has that key already (the bucket's is newer), and then
// credentials.json is removed. Each step is an atomic write, so a crash
// leaves both files, the buckets winning, and the next write finishes the
// conversion. The entries of a bucket whose file is corrupt stay in
// credentials.json, rewritten with only them, until that file is repaired
// or moved aside. A credentials.json that does not parse is reported and
// left untouched, as before; it may hold any key, so until it is repaired
// it stops every write, and the reads of keys not found in their buckets.
package file

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/filelock"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// Options says where the file backend keeps its files.
type Options struct {
	// Dir holds the credentials directory, the lock file and, by
	// default, tokens.json.
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

const tokensName = "tokens.json"

// Store is the file backend. It reads each credentials file at most once
// unless it writes it, and is safe for use by one goroutine at a time.
type Store struct {
	opts Options
	// tokensFile is the session file, once TokensFile has decided it.
	tokensFile string
	// buckets holds the bucket files read so far, by file name; a
	// missing file is an empty map.
	buckets map[string]map[string]string
	// legacy is credentials.json's content once read (legacyRead); nil
	// when there is none.
	legacy     map[string]string
	legacyRead bool
}

// New returns a file backend with the given options.
func New(opts Options) *Store {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 10 * time.Second
	}
	return &Store{opts: opts, buckets: map[string]map[string]string{}}
}

// CredentialsDir is the directory of the bucket files that hold every key
// but the session.
func (s *Store) CredentialsDir() string { return filepath.Join(s.opts.Dir, credentialsDirName) }

// LegacyCredentialsFile is credentials.json, where every key but the
// session lived before the bucket files (format version 1). The store
// reads it while it exists and converts it on its first write.
func (s *Store) LegacyCredentialsFile() string { return filepath.Join(s.opts.Dir, legacyName) }

// TokensFile is the path of the session file this store reads and writes:
// the explicit one, else tokens.json if it exists, else the SDK 1.0 file
// if that exists, else tokens.json. The disk is looked at once per store,
// so that a run reads and writes one file, and a get does not stat the
// session files again for each use.
func (s *Store) TokensFile() string {
	if s.tokensFile == "" {
		s.tokensFile = s.resolveTokensFile()
	}
	return s.tokensFile
}

func (s *Store) resolveTokensFile() string {
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

// Hint names the fix, with the command for the user's shell.
func (e *CorruptError) Hint() string {
	return fmt.Sprintf("repair it, or move it aside (%s) and store the credentials again", hint.Move(e.Path, e.Path+".bad"))
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
	return s.getCredential(key)
}

// Put stores value under key.
func (s *Store) Put(key, value string) error {
	if key == backends.SessionKey {
		path := s.TokensFile()
		if _, err := s.readTokensAt(path); err != nil && !errors.Is(err, backends.ErrNotFound) {
			return err
		}
		if err := writeAtomic(path, []byte(value)); err != nil {
			return err
		}
		removeStaleTemps(tempPattern(path))
		return nil
	}
	return s.update(key, func(m map[string]string) error {
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
	return s.update(key, func(m map[string]string) error {
		if _, ok := m[key]; !ok {
			return fmt.Errorf("%w: %q in %s", backends.ErrNotFound, key, s.bucketPath(bucketOf(key)))
		}
		delete(m, key)
		return nil
	})
}

// List returns the keys of the credentials files that start with prefix.
// The session is not listed.
func (s *Store) List(prefix string) ([]string, error) {
	return s.listCredentials(prefix)
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
	f, err := atomicfile.OpenRead(path)
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

// LockError reports that another process held a lock for too long.
type LockError struct {
	Path string
	Wait time.Duration
	Err  error
}

func (e *LockError) Error() string {
	msg := fmt.Sprintf("another process holds %s (waited %v)", e.Path, e.Wait)
	if e.Err != nil && !errors.Is(e.Err, filelock.ErrTimeout) {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *LockError) Unwrap() error { return e.Err }

// Hint names the fix.
func (e *LockError) Hint() string {
	return "check for a hung prusa-credential-helper process; the lock is released when it exits"
}
