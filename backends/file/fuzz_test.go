package file

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

// fuzzBucket is the bucket whose file FuzzFiles writes.
const fuzzBucket = "git/https/h"

// FuzzFiles feeds arbitrary bytes to the three kinds of file: the old
// credentials.json, a bucket file, and tokens.json. Reading must either
// work or report a file as corrupt; a corrupt file must survive a write
// attempt unchanged and stop only the writes that need it; a write
// converts credentials.json without losing an entry, and a bucket's entry
// wins over credentials.json's.
func FuzzFiles(f *testing.F) {
	f.Add([]byte(`{"version":1,"credentials":{"git/https/h//u":"{\"password\":\"p\"}","docker/d":"x"}}`),
		[]byte(`{"version":2,"bucket":"git/https/h","credentials":{"git/https/h//u":"newer","git/https/h/p/v":"w"}}`),
		[]byte(`{"access_token":"a.b.c","refresh_token":"r"}`))
	f.Add([]byte(`{"version":1}`), []byte(`{"version":2,"bucket":"git/https/h"}`), []byte(`{}`))
	f.Add([]byte(`null`), []byte(`null`), []byte(` {"a": [1,2,{"b":null}]} `))
	f.Add([]byte("\xff\xfe{"), []byte(`{"version":2,"bucket":"git/https/H","credentials":{}}`), []byte(`{"access_token":"a.b`))
	f.Add([]byte(`{"version":1,"credentials":{"git/https/h//a":"1","git/https/i//b":"2"}}`),
		[]byte(`{"version":2,"bucket":"git/https/h","credentials":{"git/https/i//b":"x"}}`), []byte(`[]`))
	f.Fuzz(func(t *testing.T, legacy, bucket, tokens []byte) {
		dir := t.TempDir()
		s := New(Options{Dir: dir})
		lpath, bpath, tpath := s.LegacyCredentialsFile(), s.bucketPath(fuzzBucket), filepath.Join(dir, "tokens.json")
		for path, data := range map[string][]byte{lpath: legacy, bpath: bucket, tpath: tokens} {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		// What each file holds, read on its own.
		lm, lerr := New(Options{Dir: dir}).readCreds(lpath, legacyVersion)
		bm, berr := New(Options{Dir: dir}).readCreds(bpath, bucketVersion)
		var ce *CorruptError
		for _, err := range []error{lerr, berr} {
			if err != nil && !errors.As(err, &ce) {
				t.Fatalf("read error %v is not a CorruptError", err)
			}
		}
		keys, err := s.List("")
		switch {
		case err == nil && (lerr != nil || berr != nil):
			t.Fatalf("List(\"\") = %q over a corrupt file", keys)
		case err != nil && !errors.As(err, &ce):
			t.Fatalf("List error %v is not a CorruptError", err)
		}
		unchanged := func(path string, want []byte) {
			if got, _ := os.ReadFile(path); string(got) != string(want) {
				t.Fatalf("corrupt file %s was changed", filepath.Base(path))
			}
		}

		const inBucket, elsewhere = fuzzBucket + "//fuzz", "other-bucket"
		switch {
		case lerr != nil:
			if s.Put(inBucket, "v") == nil || s.Put(elsewhere, "v") == nil {
				t.Fatal("Put over a corrupt credentials.json succeeded")
			}
			unchanged(lpath, legacy)
		case berr != nil:
			if s.Put(inBucket, "v") == nil {
				t.Fatal("Put over a corrupt bucket file succeeded")
			}
			unchanged(bpath, bucket)
			if err := s.Put(elsewhere, "v"); err != nil {
				t.Fatalf("Put in another bucket than the corrupt one: %v", err)
			}
			unchanged(bpath, bucket)
			// Only the corrupt bucket's entries stay in credentials.json.
			left, err := New(Options{Dir: dir}).readCreds(lpath, legacyVersion)
			if err != nil {
				t.Fatalf("credentials.json after a conversion: %v", err)
			}
			for k := range left {
				if bucketOf(k) != fuzzBucket {
					t.Fatalf("credentials.json still holds %q after a conversion", k)
				}
			}
		default:
			if err := s.Put(inBucket, "v"); err != nil {
				t.Fatalf("Put after a good read: %v", err)
			}
			if _, err := os.Stat(lpath); !os.IsNotExist(err) {
				t.Fatalf("credentials.json is still there after a write (%v)", err)
			}
			// Nothing lost; the bucket's entries win.
			want := maps.Clone(lm)
			if want == nil {
				want = map[string]string{}
			}
			maps.Copy(want, bm)
			want[inBucket] = "v"
			fresh := New(Options{Dir: dir})
			for k, v := range want {
				if k == backends.SessionKey {
					continue
				}
				if got, err := fresh.Get(k); err != nil || got != v {
					t.Fatalf("after the conversion Get(%q) = %q, %v, want %q", k, got, err, v)
				}
			}
		}

		got, err := s.Get(backends.SessionKey)
		switch {
		case err == nil:
			if got != string(tokens) {
				t.Fatalf("Get(session) = %q, want the file byte for byte", got)
			}
		case errors.As(err, &ce):
			if s.Put(backends.SessionKey, "{}") == nil {
				t.Fatal("Put over a corrupt session file succeeded")
			}
			unchanged(tpath, tokens)
		default:
			t.Fatalf("Get(session) error %v is not a CorruptError", err)
		}
	})
}

// FuzzBuckets checks the bucketing rules on arbitrary keys: when a prefix
// of a key fixes a bucket (List reads that one file), it is the key's;
// the key's file is of a kind List reads for every prefix of it; and the
// file name is a safe one.
func FuzzBuckets(f *testing.F) {
	for _, k := range []string{"git/https/example.com/p/u", "docker/https:%2F%2Fr", "x/y", "git/", "docker", "", "g/it/"} {
		f.Add(k, len(k)/2)
	}
	f.Fuzz(func(t *testing.T, key string, n int) {
		if n < 0 || n > len(key) {
			return
		}
		prefix := key[:n]
		bucket := bucketOf(key)
		if !strings.HasPrefix(key, bucket) {
			t.Fatalf("bucketOf(%q) = %q, not a prefix of the key", key, bucket)
		}
		if bucketOf(bucket) != bucket {
			t.Fatalf("bucketOf(bucketOf(%q)) = %q, want %q", key, bucketOf(bucket), bucket)
		}
		if b, ok := prefixBucket(prefix); ok && b != bucket {
			t.Fatalf("prefixBucket(%q) = %q, but the key %q is in %q", prefix, b, key, bucket)
		}
		name := bucketFileName(bucket)
		kind, ok := bucketFileKind(name)
		if !ok {
			t.Fatalf("bucketFileName(%q) = %q, which bucketFileKind refuses", bucket, name)
		}
		if !kindMatches(prefix, kind) {
			t.Fatalf("List(%q) skips %s files, but the key %q is in one", prefix, kind, key)
		}
	})
}
