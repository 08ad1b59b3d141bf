package file

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/filelock"
)

// The files that earlier versions left in their directory and that hold
// nothing: lock files and the refresh-expiry notice. Once the session and
// the credentials are carried out, they go, and so does the directory.
var oldLeftovers = []string{lockName, tokensName + ".lock", "session.lock", "keychain-index.lock", "refresh-expiry-notice"}

// SessionToCarry reports whether the session of an earlier version waits
// to be moved into TokensFile: it exists, and TokensFile does not. It
// looks at the disk without a lock; CarrySession decides under it.
func (s *Store) SessionToCarry() bool {
	return s.opts.OldTokensFile != "" && !exists(s.opts.TokensFile) && exists(s.opts.OldTokensFile)
}

// CarrySession moves the session of an earlier version
// (Options.OldTokensFile) into TokensFile, unless TokensFile exists by
// now. The caller holds the session lock, so that no helper refreshes the
// session meanwhile. The move is one link (or rename), which a crash
// leaves done or not done.
func (s *Store) CarrySession() error {
	if !s.SessionToCarry() {
		return nil
	}
	from, to := s.opts.OldTokensFile, s.opts.TokensFile
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	// A hard link does not replace a file that appeared at the destination
	// (the SDK logged in meanwhile); where links are not supported, rename.
	err := os.Link(from, to)
	if errors.Is(err, fs.ErrExist) {
		return nil // the newer file wins
	}
	if err == nil {
		err = os.Remove(from)
	} else if err = os.Rename(from, to); err != nil && !errors.Is(err, fs.ErrNotExist) {
		// Another volume (a redirected %AppData%): copy, then remove; the
		// lock keeps the helper's writers out.
		err = s.copySession(from, to)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("carry the session from %s to %s: %w", from, to, err)
	}
	atomicfile.SyncDir(filepath.Dir(to))
	atomicfile.SyncDir(filepath.Dir(from))
	s.tidyOldDir()
	return nil
}

// copySession copies the session file from to to, atomically, and
// removes from; the caller holds the session lock.
func (s *Store) copySession(from, to string) error {
	data, err := s.readSecretFile(from)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(to, data, 0o600); err != nil {
		return err
	}
	return os.Remove(from)
}

// carryCredentials moves, once per store, the credentials that an
// earlier version kept in Options.OldDir into Dir (docs/files.md). Each
// file moves with one rename, so a crash leaves it in one place or the
// other, and the next run goes on. It holds Dir's lock and the one the
// earlier versions take, so that no helper of either writes meanwhile.
func (s *Store) carryCredentials() error {
	if s.carried {
		return nil
	}
	old := s.opts.OldDir
	if old == "" || old == s.opts.Dir || !exists(filepath.Join(old, credentialsDirName)) && !exists(filepath.Join(old, legacyName)) {
		s.carried = true
		return nil
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	lockPath := filepath.Join(old, lockName)
	unlockOld, err := filelock.Lock(context.Background(), lockPath, s.opts.LockTimeout)
	if err != nil {
		return lockError(lockPath, s.opts.LockTimeout, err)
	}
	err = s.carryLocked(old)
	unlockOld()
	if err != nil {
		return err
	}
	s.carried = true
	s.tidyOldDir()
	return nil
}

// carryLocked is carryCredentials under both locks.
func (s *Store) carryLocked(old string) error {
	oldCreds := filepath.Join(old, credentialsDirName)
	names, err := readDirNames(oldCreds)
	if err != nil {
		return err
	}
	for _, name := range names {
		if _, ok := bucketFileKind(name); !ok {
			continue
		}
		if err := s.carryFile(filepath.Join(oldCreds, name), filepath.Join(s.CredentialsDir(), name), bucketVersion); err != nil {
			return err
		}
	}
	removeStaleTemps(filepath.Join(oldCreds, ".*.tmp-*"))
	if err := s.carryFile(filepath.Join(old, legacyName), s.LegacyCredentialsFile(), legacyVersion); err != nil {
		return err
	}
	removeStaleTemps(atomicfile.TempPattern(filepath.Join(old, legacyName)))
	atomicfile.SyncDir(s.CredentialsDir())
	atomicfile.SyncDir(s.opts.Dir)
	os.Remove(oldCreds) // only when empty
	s.files = map[string]map[string]string{}
	return nil
}

// carryFile moves from to to, or merges it into to when both exist, to's
// values winning: both are of format version. When either does not
// parse, both stay as they are, with a warning.
func (s *Store) carryFile(from, to string, version int) error {
	if !exists(from) {
		return nil
	}
	if !exists(to) {
		if err := os.Rename(from, to); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("carry %s to %s: %w", from, to, err)
		}
		return nil
	}
	theirs, err := s.readCreds(from, version)
	ours, oursErr := s.readCreds(to, version)
	if err := cmp.Or(err, oursErr); err != nil {
		if _, corrupt := errors.AsType[*CorruptError](err); !corrupt {
			return err
		}
		if s.opts.Warn != nil {
			s.opts.Warn(fmt.Sprintf("%s was not carried into %s: %v", from, to, err))
		}
		return nil
	}
	f := bucketFile{Version: version, Credentials: maps.Clone(theirs)}
	maps.Copy(f.Credentials, ours)
	if version == bucketVersion {
		for k := range f.Credentials {
			f.Bucket = bucketOf(k) // the same for every key, as readCreds checked
		}
	}
	if len(f.Credentials) > len(ours) {
		if err := s.writeCreds(to, f); err != nil {
			return err
		}
	}
	return os.Remove(from)
}

// tidyOldDir removes the directory of earlier versions once it holds
// nothing but their lock files and notice.
func (s *Store) tidyOldDir() {
	old := s.opts.OldDir
	if old == "" || old == s.opts.Dir {
		return
	}
	names, err := readDirNames(old)
	if err != nil || slices.ContainsFunc(names, func(name string) bool { return !slices.Contains(oldLeftovers, name) }) {
		return
	}
	for _, name := range names {
		os.Remove(filepath.Join(old, name))
	}
	os.Remove(old)
}

// readDirNames returns the names in dir, sorted; none when it does not
// exist.
func readDirNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, err
}
