// Package file is the default storage backend: JSON files that work on
// every system and headless, the session shared with the Python SDK
// (prusactl).
//
// The Prusa session (backends.SessionKey) is the token-set JSON in the
// file the SDK's code reads and writes (see SDKTokensFile), kept byte for
// byte as written. Every other key lives in credentials/ of the helper's
// own directory (Options.Dir), one file per bucket, a key's host or
// registry, so that answering one git or docker request reads one small
// file. Directories are 0700, files 0600, every write is atomic and every
// credentials write holds one exclusive lock. A file that does not parse
// is reported with its path and never overwritten. docs/files.md
// describes the files, their formats and what is carried forward from
// earlier versions: a contract with users' existing files.
package file

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/filelock"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/humantime"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safefile"
)

// Options says where the file backend keeps its files.
type Options struct {
	// Dir is the helper's own directory: it holds the credentials
	// directory and the lock file.
	Dir string
	// TokensFile is the session file: the Python SDK's (DefaultOptions),
	// or the one the user named (--tokens-file, PRUSA_TOKENS_FILE).
	// Empty means Dir/tokens.json, for tests and embedders.
	TokensFile string
	// OldTokensFile, when set, is where earlier versions kept the
	// session. While TokensFile does not exist and it does, it is moved
	// there (see CarrySession); while both exist, it is not used.
	OldTokensFile string
	// OldDir, when set, is the directory of earlier versions: the
	// credentials found there are moved into Dir on first use.
	OldDir string
	// LockTimeout bounds the wait for another process's write; 0 means
	// ten seconds.
	LockTimeout time.Duration
	// Warn receives a message when the backend fixes something the user
	// should know about (a secrets file readable by others); nil drops
	// it. Messages never hold secrets.
	Warn func(msg string)
}

// tokensName is the session file of earlier versions, in OldAppDir, and
// the default one in Dir.
const tokensName = "tokens.json"

// Store is the file backend. It reads each credentials file at most once
// unless it writes it, and is safe for use by one goroutine at a time.
type Store struct {
	opts Options
	// files holds the credentials files read or written so far, by
	// path; a missing file is nil.
	files map[string]map[string]string
	// dirsOK holds the directories checkDir has passed.
	dirsOK map[string]bool
	// carried is set once the old directory's credentials have been
	// looked for (and moved).
	carried bool
	// sleep waits between the reads of a session file that another
	// program is writing; tests replace it.
	sleep func(time.Duration)
}

// New returns a file backend with the given options.
func New(opts Options) *Store {
	opts.LockTimeout = cmp.Or(opts.LockTimeout, 10*time.Second)
	opts.TokensFile = cmp.Or(opts.TokensFile, filepath.Join(opts.Dir, tokensName))
	return &Store{opts: opts, files: map[string]map[string]string{}, sleep: time.Sleep, dirsOK: map[string]bool{}}
}

// Dir is the helper's own directory, which the backend writes to.
func (s *Store) Dir() string { return s.opts.Dir }

// CredentialsDir is the directory of the bucket files that hold every key
// but the session.
func (s *Store) CredentialsDir() string { return filepath.Join(s.opts.Dir, credentialsDirName) }

// LegacyCredentialsFile is credentials.json, the first layout's file of
// every key but the session, which the store reads while it exists.
func (s *Store) LegacyCredentialsFile() string { return filepath.Join(s.opts.Dir, legacyName) }

// TokensFile is the path of the session file this store reads and writes.
func (s *Store) TokensFile() string { return s.opts.TokensFile }

// UnusedSessionFile returns the session file of an earlier version when it
// still exists beside TokensFile, which wins; "" when there is none.
func (s *Store) UnusedSessionFile() string {
	if s.opts.OldTokensFile != "" && exists(s.opts.OldTokensFile) && exists(s.opts.TokensFile) {
		return s.opts.OldTokensFile
	}
	return ""
}

// A Private is a file, or a directory of files, that holds secrets and
// must be the user's alone.
type Private struct {
	// What it is, for the name of doctor's check: "session", ...
	What string
	Path string
	Dir  bool
}

// Private returns the files and directories that hold the store's
// secrets: its directory, session file and credentials, with an earlier
// layout's files while they exist.
func (s *Store) Private() []Private {
	p := []Private{
		{What: "dir", Path: s.opts.Dir, Dir: true},
		{What: "session", Path: s.opts.TokensFile},
		{What: "credentials", Path: s.CredentialsDir(), Dir: true},
	}
	if legacy := s.LegacyCredentialsFile(); exists(legacy) {
		p = append(p, Private{What: "credentials.json", Path: legacy})
	}
	if unused := s.UnusedSessionFile(); unused != "" {
		p = append(p, Private{What: "unused-session", Path: unused})
	}
	return p
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
	// Session is set when the file is a session file: what fixes it is
	// a new login, not storing credentials again.
	Session bool
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s is corrupt (%v); it was left untouched", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Hint names the fix, with the command for the user's shell.
func (e *CorruptError) Hint() string {
	if e.Session {
		// Login refuses to write over it too, so the file must go first.
		return fmt.Sprintf("look at it, or move it aside (%s) and log in again: prusa-credential-helper login", hint.Move(e.Path, e.Path+".bad"))
	}
	return fmt.Sprintf("repair it, or move it aside (%s) and store the credentials again", hint.Move(e.Path, e.Path+".bad"))
}

// Get returns the value under key.
func (s *Store) Get(key string) (string, error) {
	if key == backends.SessionKey {
		data, err := s.readSession(s.TokensFile())
		return string(data), err
	}
	return s.getCredential(key)
}

// Put stores value under key.
func (s *Store) Put(key, value string) error {
	if key == backends.SessionKey {
		path := s.TokensFile()
		if _, err := s.readSession(path); err != nil && !errors.Is(err, backends.ErrNotFound) {
			return err
		}
		if err := atomicfile.Write(path, []byte(value), 0o600); err != nil {
			return err
		}
		removeStaleTemps(atomicfile.TempPattern(path))
		// Earlier versions locked the session with a file beside it; the
		// lock is in the helper's own directory now.
		if fi, err := os.Lstat(path + ".lock"); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			os.Remove(path + ".lock")
		}
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
		if _, err := s.readSession(path); err != nil {
			return err
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		// An earlier version's session left beside this one would be
		// carried in on the next use: the logout ends it too.
		if old := s.opts.OldTokensFile; old != "" {
			if err := os.Remove(old); err == nil {
				s.tidyOldDir()
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	}
	return s.update(key, func(m map[string]string) error {
		if _, ok := m[key]; !ok {
			return fmt.Errorf("%w: %q in %s", backends.ErrNotFound, key, s.bucketPath(bucketOf(key)))
		}
		delete(m, key)
		return nil
	})
}

// rereadWaits are the pauses between the reads of a session file that is
// empty or not (yet) a JSON object, 1.3 s in all. The Python SDK rewrites
// its file in place, without a temporary file or a lock: it truncates the
// file, writes the JSON and closes it, so for a moment a reader sees an
// empty or half-written file, and on a busy machine the writer may be
// kept from finishing for much longer than the write takes. Only a file
// that stays broken is corrupt; one that nobody has written for
// writerGone is corrupt at once.
var rereadWaits = []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond,
	80 * time.Millisecond, 160 * time.Millisecond, 320 * time.Millisecond, 640 * time.Millisecond}

// writerGone is how long ago a broken session file must have been last
// written for no writer to be in the middle of it.
const writerGone = 5 * time.Second

// readSession reads a session file and checks that it holds a JSON
// object; what the object means is for the session layer to say.
func (s *Store) readSession(path string) ([]byte, error) {
	for i := 0; ; i++ {
		data, err := s.readSecretFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: no session in %s", backends.ErrNotFound, path)
		}
		if err != nil {
			return nil, err
		}
		// Whole, as far as a writer goes: it writes the closing brace last.
		if trimmed := bytes.TrimSpace(data); len(trimmed) > 1 && trimmed[0] == '{' && trimmed[len(trimmed)-1] == '}' {
			return data, nil
		}
		fi, err := os.Lstat(path)
		if i == len(rereadWaits) || (err == nil && time.Since(fi.ModTime()) > writerGone) {
			return nil, &CorruptError{Path: path, Err: errors.New("not a JSON object"), Session: true}
		}
		s.sleep(rereadWaits[i])
	}
}

// readSecretFile reads a file that holds secrets with safefile.ReadFile,
// which refuses what is not the user's own regular file and tightens one
// that others may read (reported through Options.Warn), after checking its
// directory (checkDir).
func (s *Store) readSecretFile(path string) ([]byte, error) {
	if err := s.checkDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return safefile.ReadFile(path, s.opts.Warn)
}

// checkDir checks a directory that holds secrets files before the first
// use in this store (safefile.PrepareDir): the helper's own directories,
// Dir and the credentials directory, are tightened to 0700 when others
// may read them; any other (that of an explicit or the SDK's session
// file) is only checked. The credentials directory is checked after Dir,
// which holds it.
func (s *Store) checkDir(dir string) error {
	if s.dirsOK[dir] {
		return nil
	}
	own := dir == filepath.Clean(s.opts.Dir) || dir == s.CredentialsDir()
	if dir == s.CredentialsDir() {
		if err := s.checkDir(filepath.Clean(s.opts.Dir)); err != nil {
			return err
		}
	}
	if err := safefile.PrepareDir(dir, own, s.opts.Warn); err != nil {
		return err
	}
	if _, err := os.Lstat(dir); err == nil {
		s.dirsOK[dir] = true // a missing one is checked again once made
	}
	return nil
}

// lockError reports that another process held the lock at path for the
// whole wait, or that taking it failed.
func lockError(path string, wait time.Duration, err error) error {
	msg := fmt.Sprintf("another process holds %s (waited %s)", path, humantime.Duration(wait))
	if !errors.Is(err, filelock.ErrTimeout) {
		err = fmt.Errorf("%s: %w", msg, err)
	} else {
		err = errors.New(msg)
	}
	return hint.With(err, "check for a hung prusa-credential-helper process; the lock is released when it exits")
}

// staleTempAge is how old a temporary file must be before a later write
// removes it as the leftover of a killed process. A live write keeps its
// temporary file for milliseconds.
const staleTempAge = time.Minute

// removeStaleTemps removes the temporary files matching pattern (a
// filepath.Glob pattern, such as atomicfile.TempPattern's) that processes
// killed while writing left behind. They never block a write (each write
// has its own name), but they hold secrets and would pile up.
func removeStaleTemps(pattern string) {
	temps, _ := filepath.Glob(pattern)
	for _, t := range temps {
		if fi, err := os.Lstat(t); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > staleTempAge {
			os.Remove(t)
		}
	}
}
