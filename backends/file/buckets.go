package file

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/atomicfile"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/filelock"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safefile"
)

const (
	credentialsDirName = "credentials"
	bucketVersion      = 2
	legacyName         = "credentials.json"
	legacyVersion      = 1
	// lockName is the one lock of every credentials write. It is the
	// name the version 1 layout used, so that helpers of both layouts
	// wait for each other.
	lockName = legacyName + ".lock"
)

// bucketOf returns the bucket of key (docs/files.md).
func bucketOf(key string) string {
	b, _ := prefixBucket(key)
	return b
}

// prefixBucket returns the bucket of every key that starts with prefix,
// when there is one: when the prefix holds the whole of the bucket and the
// "/" after it. Otherwise it returns all of prefix, and false.
func prefixBucket(prefix string) (string, bool) {
	n, _ := backends.KeyScope(prefix)
	segments := strings.SplitN(prefix, "/", n+1)
	if len(segments) <= n {
		return prefix, false
	}
	return strings.Join(segments[:n], "/"), true
}

// kindMatches says whether a file of kind may hold a key that starts with
// prefix.
func kindMatches(prefix, kind string) bool {
	if _, k := backends.KeyScope(prefix); k != backends.KindOther {
		return k == kind
	}
	return kind == backends.KindOther || strings.HasPrefix(kind+"/", prefix)
}

// bucketFileName is the name of bucket's file: its kind and the hex
// SHA-256 of the bucket.
func bucketFileName(bucket string) string {
	_, kind := backends.KeyScope(bucket)
	sum := sha256.Sum256([]byte(bucket))
	return kind + "-" + hex.EncodeToString(sum[:]) + ".json"
}

// bucketFileKind returns the kind of a bucket file's name, and false for
// a name that is not one (a temporary file, anything else).
func bucketFileKind(name string) (string, bool) {
	kind, rest, _ := strings.Cut(name, "-")
	h, ok := strings.CutSuffix(rest, ".json")
	sum, err := hex.DecodeString(h)
	if !ok || err != nil || len(sum) != sha256.Size || hex.EncodeToString(sum) != h ||
		!slices.Contains([]string{backends.KindGit, backends.KindDocker, backends.KindOther}, kind) {
		return "", false
	}
	return kind, true
}

func (s *Store) bucketPath(bucket string) string {
	return filepath.Join(s.CredentialsDir(), bucketFileName(bucket))
}

// bucketFile is the on-disk shape of a bucket file, and without the
// bucket that of credentials.json. Every bucket a key can have is
// non-empty.
type bucketFile struct {
	Version     int               `json:"version"`
	Bucket      string            `json:"bucket,omitempty"`
	Credentials map[string]string `json:"credentials"`
}

// readCreds reads the credentials file at path, of format version want:
// a bucket file, which must hold the bucket its name says and only its
// keys, or credentials.json. A missing file is nil, and no error.
func (s *Store) readCreds(path string, want int) (map[string]string, error) {
	data, err := s.readSecretFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f bucketFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &CorruptError{Path: path, Err: errors.New("not valid JSON")}
	}
	if f.Version != want {
		return nil, &CorruptError{Path: path, Err: fmt.Errorf("format version %d, want %d", f.Version, want)}
	}
	if want == bucketVersion && bucketFileName(f.Bucket) != filepath.Base(path) {
		return nil, &CorruptError{Path: path, Err: errors.New("its bucket does not match its name")}
	}
	for k := range f.Credentials {
		if want == bucketVersion && bucketOf(k) != f.Bucket {
			return nil, &CorruptError{Path: path, Err: errors.New("it holds a key of another bucket")}
		}
	}
	if f.Credentials == nil {
		f.Credentials = map[string]string{}
	}
	return f.Credentials, nil
}

// writeCreds replaces the credentials file at path with f, or removes it
// (and flushes its directory) when f holds nothing, and keeps f's
// credentials as what this store knows of the file.
func (s *Store) writeCreds(path string, f bucketFile) error {
	if len(f.Credentials) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		atomicfile.SyncDir(filepath.Dir(path))
	} else {
		data, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return err
		}
		if err := atomicfile.Write(path, append(data, '\n'), 0o600); err != nil {
			return err
		}
	}
	s.files[path] = f.Credentials
	return nil
}

// cached returns the content of the credentials file at path, of format
// version, read once.
func (s *Store) cached(path string, version int) (map[string]string, error) {
	if m, ok := s.files[path]; ok {
		return m, nil
	}
	m, err := s.readCreds(path, version)
	if err != nil {
		return nil, err
	}
	s.files[path] = m
	return m, nil
}

// getCredential returns the value of key, which is not the session.
//
// credentials.json is read before the bucket: a conversion writes the
// buckets before it removes (or shrinks) credentials.json, so a reader
// that finds no credentials.json finds every entry in its bucket, and one
// that finds it has every entry there or in the bucket.
func (s *Store) getCredential(key string) (string, error) {
	if err := s.carryCredentials(); err != nil {
		return "", err
	}
	legacy, legacyErr := s.cached(s.LegacyCredentialsFile(), legacyVersion)
	bucket := bucketOf(key)
	m, err := s.cached(s.bucketPath(bucket), bucketVersion)
	if err != nil {
		return "", err
	}
	if v, ok := m[key]; ok {
		return v, nil
	}
	// A corrupt credentials.json may hold the key; only a key found in
	// its bucket can be answered without it.
	if legacyErr != nil {
		return "", legacyErr
	}
	if v, ok := legacy[key]; ok {
		return v, nil
	}
	return "", fmt.Errorf("%w: %q in %s", backends.ErrNotFound, key, s.bucketPath(bucket))
}

// List returns the keys that start with prefix; the session is not
// listed. It reads credentials.json (first, as getCredential says) and the
// bucket files that may hold such keys: one when the prefix fixes the
// bucket, else every file of the kinds the prefix can match. A corrupt
// file among those is an error: the keys it holds are unknown.
func (s *Store) List(prefix string) ([]string, error) {
	if err := s.carryCredentials(); err != nil {
		return nil, err
	}
	legacy, err := s.cached(s.LegacyCredentialsFile(), legacyVersion)
	if err != nil {
		return nil, err
	}
	var names []string
	if bucket, ok := prefixBucket(prefix); ok {
		names = []string{bucketFileName(bucket)}
	} else if err = s.checkDir(s.CredentialsDir()); err == nil {
		// Sorted, so that the same corrupt file is the one reported
		// each time.
		names, err = readDirNames(s.CredentialsDir())
	}
	if err != nil {
		return nil, err
	}
	all := map[string]string{}
	maps.Copy(all, legacy)
	for _, name := range names {
		if kind, ok := bucketFileKind(name); !ok || !kindMatches(prefix, kind) {
			continue
		}
		m, err := s.cached(filepath.Join(s.CredentialsDir(), name), bucketVersion)
		if err != nil {
			return nil, err
		}
		maps.Copy(all, m)
	}
	return slices.DeleteFunc(slices.Sorted(maps.Keys(all)), func(k string) bool {
		return !strings.HasPrefix(k, prefix) || k == backends.SessionKey
	}), nil
}

// update applies change to the current content of key's bucket under the
// lock, and writes the result atomically. It first finishes the
// conversion of credentials.json, if there is one.
func (s *Store) update(key string, change func(map[string]string) error) error {
	if err := s.carryCredentials(); err != nil {
		return err
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.convertLegacy(); err != nil {
		return err
	}
	bucket := bucketOf(key)
	m, err := s.readCreds(s.bucketPath(bucket), bucketVersion)
	if err != nil {
		return err
	}
	if m == nil {
		m = map[string]string{}
	}
	if err := change(m); err != nil {
		return err
	}
	if err := s.writeCreds(s.bucketPath(bucket), bucketFile{Version: bucketVersion, Bucket: bucket, Credentials: m}); err != nil {
		return err
	}
	// Every file in the credentials directory is ours; credentials.json's
	// temporary files may be left by a helper of the old layout too.
	removeStaleTemps(filepath.Join(s.CredentialsDir(), ".*.tmp-*"))
	removeStaleTemps(atomicfile.TempPattern(s.LegacyCredentialsFile()))
	return nil
}

// lock creates the directories and takes the credentials lock, waiting at
// most Options.LockTimeout.
func (s *Store) lock() (func(), error) {
	// The directories are checked before anything is made in them: were
	// Dir a link, the credentials directory would be made wherever it
	// points. One that is made is checked once it exists.
	if err := s.checkDir(s.CredentialsDir()); err != nil { // Dir first
		return nil, err
	}
	if err := os.MkdirAll(s.CredentialsDir(), 0o700); err != nil {
		return nil, err
	}
	if err := s.checkDir(s.CredentialsDir()); err != nil {
		return nil, err
	}
	path := filepath.Join(s.opts.Dir, lockName)
	unlock, err := filelock.Lock(context.Background(), path, s.opts.LockTimeout)
	if _, unsafe := errors.AsType[*safefile.Error](err); unsafe {
		return nil, err // it names the file and the fix; no process is to blame
	}
	if err != nil {
		return nil, lockError(path, s.opts.LockTimeout, err)
	}
	return unlock, nil
}

// convertLegacy moves the entries of credentials.json into their buckets
// and removes it; the lock is held. An entry whose bucket has the key
// already is dropped: the bucket's value is newer. Each file is written
// atomically and credentials.json goes last, so a crash at any point
// leaves every entry in credentials.json or its bucket, and the next write
// finishes the conversion. The entries of a bucket whose file is corrupt
// stay in credentials.json until that file is repaired or moved aside.
func (s *Store) convertLegacy() error {
	path := s.LegacyCredentialsFile()
	legacy, err := s.readCreds(path, legacyVersion)
	if err != nil {
		return err
	}
	byBucket := map[string]map[string]string{}
	for k, v := range legacy {
		b := bucketOf(k)
		if byBucket[b] == nil {
			byBucket[b] = map[string]string{}
		}
		byBucket[b][k] = v
	}
	left := map[string]string{}
	for _, b := range slices.Sorted(maps.Keys(byBucket)) {
		m, err := s.readCreds(s.bucketPath(b), bucketVersion)
		if _, corrupt := errors.AsType[*CorruptError](err); corrupt {
			maps.Copy(left, byBucket[b])
			continue
		}
		if err != nil {
			return err
		}
		merged := maps.Clone(byBucket[b])
		maps.Copy(merged, m) // the bucket's values are newer
		if len(merged) > len(m) {
			if err := s.writeCreds(s.bucketPath(b), bucketFile{Version: bucketVersion, Bucket: b, Credentials: merged}); err != nil {
				return err
			}
		}
	}
	if legacy != nil && (len(left) == 0 || len(left) < len(legacy)) {
		return s.writeCreds(path, bucketFile{Version: legacyVersion, Credentials: left})
	}
	s.files[path] = left
	return nil
}
