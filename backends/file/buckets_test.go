package file

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

func TestBucketOf(t *testing.T) {
	tests := []struct{ key, want string }{
		{"git/https/example.com/org%2Frepo.git/alice%40example.com", "git/https/example.com"},
		{"git/https/example.com//", "git/https/example.com"},
		{"git/https/Example.com//alice", "git/https/Example.com"},
		{"git/x/1", "git/x/1"},
		{"git/", "git/"},
		{"docker/https:%2F%2Fregistry.example.com:5000", "docker/https:%2F%2Fregistry.example.com:5000"},
		{"docker/a/b/c", "docker/a"},
		{"docker/", "docker/"},
		{"other/a/b", "other"},
		{"k", "k"},
		{"git", "git"},
		{"", ""},
		{"prusa-session-other", "prusa-session-other"},
	}
	for _, tt := range tests {
		if got := bucketOf(tt.key); got != tt.want {
			t.Errorf("bucketOf(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestListScope(t *testing.T) {
	tests := []struct {
		prefix     string
		bucket     string // "" when the prefix does not fix one
		git, dock  bool
		otherKinds bool
	}{
		{"git/https/example.com/", "git/https/example.com", true, false, false},
		{"git/https/example.com//alice", "git/https/example.com", true, false, false},
		{"git/https/example.com", "", true, false, false},
		{"git/x/", "", true, false, false},
		{"git/", "", true, false, false},
		{"docker/", "", false, true, false},
		{"docker/https:%2F%2Fr.example.com/", "docker/https:%2F%2Fr.example.com", false, true, false},
		{"docker/https:%2F%2Fr", "", false, true, false},
		{"", "", true, true, true},
		{"g", "", true, false, true},
		{"do", "", false, true, true},
		{"git", "", true, false, true},
		{"x", "", false, false, true},
		{"other/", "other", false, false, true},
	}
	for _, tt := range tests {
		b, ok := prefixBucket(tt.prefix)
		if (tt.bucket != "") != ok || (ok && b != tt.bucket) {
			t.Errorf("prefixBucket(%q) = %q, %v, want %q", tt.prefix, b, ok, tt.bucket)
		}
		for kind, want := range map[string]bool{"git": tt.git, "docker": tt.dock, "other": tt.otherKinds} {
			if got := kindMatches(tt.prefix, kind); got != want {
				t.Errorf("kindMatches(%q, %s) = %v, want %v", tt.prefix, kind, got, want)
			}
		}
	}
}

// TestBucketFileNames checks that file names are safe everywhere: only
// lower-case hex after the kind, one length whatever the bucket, and
// buckets that differ only in case (hosts keep theirs in git's keys) get
// names that differ on a case-insensitive file system too.
func TestBucketFileNames(t *testing.T) {
	valid := regexp.MustCompile(`^(git|docker|other)-[0-9a-f]{64}\.json$`)
	buckets := []string{
		"git/https/example.com", "git/https/Example.com", "git/https/EXAMPLE.COM",
		"docker/https:%2F%2Fregistry.example.com", "docker/https:%2F%2FRegistry.example.com",
		"CON", "con", "nul", "aux.txt", "a:b", "..", " trailing ", "",
		"git/https/" + strings.Repeat("h", 2000),
	}
	seen := map[string]string{}
	for _, b := range buckets {
		name := bucketFileName(b)
		if !valid.MatchString(name) {
			t.Errorf("bucketFileName(%q) = %q, not a safe name", b, name)
		}
		if kind, ok := bucketFileKind(name); !ok || !strings.HasPrefix(name, kind+"-") {
			t.Errorf("bucketFileKind(%q) = %q, %v", name, kind, ok)
		}
		folded := strings.ToLower(name)
		if other, dup := seen[folded]; dup {
			t.Errorf("buckets %q and %q share the file %s on a case-insensitive file system", b, other, name)
		}
		seen[folded] = b
	}
	for _, name := range []string{".git-" + strings.Repeat("0", 64) + ".json.tmp-1", "git-" + strings.Repeat("A", 64) + ".json", "git-00.json", "x-" + strings.Repeat("0", 64) + ".json", "credentials.json"} {
		if _, ok := bucketFileKind(name); ok {
			t.Errorf("bucketFileKind(%q) takes it for a bucket file", name)
		}
	}

	// Through the store: keys that differ only in the host's case.
	s := New(Options{Dir: t.TempDir()})
	keys := map[string]string{"git/https/example.com//u": "lower", "git/https/Example.com//u": "upper", "git/https/EXAMPLE.COM//u": "shout"}
	for k, v := range keys {
		if err := s.Put(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fresh := New(Options{Dir: s.opts.Dir})
	for k, want := range keys {
		if got, err := fresh.Get(k); err != nil || got != want {
			t.Errorf("Get(%q) = %q, %v, want %q", k, got, err, want)
		}
	}
	if got := bucketFiles(t, s); len(got) != 3 {
		t.Errorf("bucket files = %q, want three", got)
	}
}

// bucketFiles returns the names of the bucket files in s's directory.
func bucketFiles(t *testing.T, s *Store) []string {
	t.Helper()
	names, err := readDirNames(s.CredentialsDir())
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(names, func(n string) bool { _, ok := bucketFileKind(n); return !ok })
}

// TestGetReadsOneBucket shows that a git or docker get reads its own
// bucket only: every other bucket file is corrupt, and the get, and a
// write to the same bucket, still work. What has to read a corrupt file
// fails, naming it, and leaves it as it is.
func TestGetReadsOneBucket(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{Dir: dir})
	const (
		alice  = "git/https/a.example.com//alice"
		bob    = "git/https/b.example.com/org%2Frepo.git/bob"
		docker = "docker/https:%2F%2Fr.example.com"
		other  = "x"
	)
	for _, k := range []string{alice, bob, docker, other} {
		if err := s.Put(k, "v-"+k); err != nil {
			t.Fatal(err)
		}
	}
	const garbage = "{garbage"
	corrupt := map[string]bool{}
	for _, k := range []string{bob, other} {
		path := s.bucketPath(bucketOf(k))
		writeFile(t, path, garbage)
		corrupt[path] = true
	}

	s = New(Options{Dir: dir})
	if got, err := s.List("git/https/a.example.com/"); err != nil || !cmp.Equal(got, []string{alice}) {
		t.Errorf("List(a.example.com's prefix) = %q, %v, want [%q]", got, err, alice)
	}
	if got, err := s.Get(alice); err != nil || got != "v-"+alice {
		t.Errorf("Get(%q) = %q, %v", alice, got, err)
	}
	if got, err := s.Get(docker); err != nil || got != "v-"+docker {
		t.Errorf("Get(%q) = %q, %v", docker, got, err)
	}
	if got, err := s.List("docker/"); err != nil || !cmp.Equal(got, []string{docker}) {
		t.Errorf("List(docker/) = %q, %v, want [%q]", got, err, docker)
	}
	if err := s.Put("git/https/a.example.com//carol", "c"); err != nil {
		t.Errorf("Put in a.example.com's bucket: %v", err)
	}
	if err := s.Delete(alice); err != nil {
		t.Errorf("Delete(%q): %v", alice, err)
	}

	for _, op := range []struct {
		name string
		do   func() error
	}{
		{"Get(bob)", func() error { _, err := s.Get(bob); return err }},
		{"Put(bob)", func() error { return s.Put(bob, "new") }},
		{"List(b.example.com)", func() error { _, err := s.List("git/https/b.example.com/"); return err }},
		{"List(git/)", func() error { _, err := s.List("git/"); return err }},
		{"List()", func() error { _, err := s.List(""); return err }},
		{"Get(x)", func() error { _, err := s.Get(other); return err }},
	} {
		var ce *CorruptError
		if err := op.do(); !errors.As(err, &ce) || !corrupt[ce.Path] || !strings.Contains(err.Error(), ce.Path) {
			t.Errorf("%s error = %v, want a CorruptError naming a corrupt file", op.name, err)
		}
	}
	for path := range corrupt {
		if got, err := os.ReadFile(path); err != nil || string(got) != garbage {
			t.Errorf("%s after the operations = %q, %v; want it untouched", path, got, err)
		}
	}
}

func TestEmptyBucketFileRemoved(t *testing.T) {
	s := New(Options{Dir: t.TempDir()})
	for _, k := range []string{"git/https/h//a", "git/https/h//b"} {
		if err := s.Put(k, "v"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete("git/https/h//a"); err != nil {
		t.Fatal(err)
	}
	if got := bucketFiles(t, s); len(got) != 1 {
		t.Fatalf("bucket files after deleting one of two keys = %q, want one", got)
	}
	if err := s.Delete("git/https/h//b"); err != nil {
		t.Fatal(err)
	}
	if got := bucketFiles(t, s); len(got) != 0 {
		t.Errorf("bucket files after deleting every key = %q, want none", got)
	}
	if err := s.Delete("git/https/h//b"); !errors.Is(err, backends.ErrNotFound) {
		t.Errorf("Delete of a key of a removed bucket = %v, want ErrNotFound", err)
	}
}

// legacyContent is a version 1 credentials.json's entries, across the
// kinds of bucket.
var legacyContent = map[string]string{
	"git/https/a.example.com//alice":         "a1",
	"git/https/a.example.com/repo.git/alice": "a2",
	"git/https/b.example.com//bob":           "b",
	"docker/https:%2F%2Fr.example.com":       `{"username":"u","secret":"s"}`,
	"x":                                      "x",
}

func writeLegacy(t *testing.T, dir string, creds map[string]string) {
	t.Helper()
	data, err := json.Marshal(bucketFile{Version: 1, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "credentials.json"), string(data))
}

// checkContent checks that a fresh store in dir holds exactly want.
func checkContent(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	s := New(Options{Dir: dir})
	keys, err := s.List("")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if diff := cmp.Diff(slices.Sorted(maps.Keys(want)), keys); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	for k, v := range want {
		if got, err := s.Get(k); err != nil || got != v {
			t.Errorf("Get(%q) = %q, %v, want %q", k, got, err, v)
		}
	}
}

func TestLegacyFileIsReadThenConverted(t *testing.T) {
	dir := t.TempDir()
	writeLegacy(t, dir, legacyContent)
	s := New(Options{Dir: dir})

	// Reads answer from credentials.json and write nothing.
	checkContent(t, dir, legacyContent)
	if got, err := s.List("git/https/a.example.com/"); err != nil || len(got) != 2 {
		t.Errorf("List(a.example.com) = %q, %v, want its two keys", got, err)
	}
	if _, err := os.Stat(s.CredentialsDir()); !os.IsNotExist(err) {
		t.Errorf("a read created %s (%v)", s.CredentialsDir(), err)
	}

	// The first write converts: every entry moves to its bucket, and
	// credentials.json goes.
	if err := s.Put("git/https/c.example.com//carol", "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.LegacyCredentialsFile()); !os.IsNotExist(err) {
		t.Errorf("credentials.json is still there after the first write (%v)", err)
	}
	want := maps.Clone(legacyContent)
	want["git/https/c.example.com//carol"] = "c"
	checkContent(t, dir, want)
	if got := bucketFiles(t, s); len(got) != 5 {
		t.Errorf("bucket files = %q, want 5 (a, b, c, docker, x)", got)
	}
}

func TestLegacyConversionKeepsNewerBucketEntries(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{Dir: dir})
	if err := s.Put("git/https/a.example.com//alice", "newer"); err != nil {
		t.Fatal(err)
	}
	// An older helper wrote credentials.json since (or a conversion was
	// cut short): the bucket's entry is the newer one.
	writeLegacy(t, dir, legacyContent)
	want := maps.Clone(legacyContent)
	want["git/https/a.example.com//alice"] = "newer"
	checkContent(t, dir, want)
	if err := New(Options{Dir: dir}).Put("y", "y"); err != nil {
		t.Fatal(err)
	}
	want["y"] = "y"
	checkContent(t, dir, want)
}

func TestLegacyDeleteIsNotUndone(t *testing.T) {
	for _, key := range slices.Sorted(maps.Keys(legacyContent)) {
		dir := t.TempDir()
		writeLegacy(t, dir, legacyContent)
		if err := New(Options{Dir: dir}).Delete(key); err != nil {
			t.Fatalf("Delete(%q) = %v", key, err)
		}
		want := maps.Clone(legacyContent)
		delete(want, key)
		checkContent(t, dir, want)
	}
}

// TestLegacyConversionCrash rebuilds each state a conversion can be
// killed in: credentials.json still there, and the first k bucket files
// written (in the order convertLegacy writes them). Reads see every
// entry, and the next write finishes the conversion, losing nothing and
// bringing back nothing it deletes.
func TestLegacyConversionCrash(t *testing.T) {
	// The bucket files of a finished conversion, in the order written.
	ref := t.TempDir()
	writeLegacy(t, ref, legacyContent)
	rs := New(Options{Dir: ref})
	if err := rs.convertLegacyLocked(); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, k := range slices.Sorted(maps.Keys(legacyContent)) {
		if name := bucketFileName(bucketOf(k)); !slices.Contains(order, name) {
			order = append(order, name)
		}
	}
	slices.SortFunc(order, func(a, b string) int { return strings.Compare(bucketOfFile(t, rs, a), bucketOfFile(t, rs, b)) })

	for k := 0; k <= len(order); k++ {
		for _, op := range []string{"Put", "Delete"} {
			dir := t.TempDir()
			writeLegacy(t, dir, legacyContent)
			s := New(Options{Dir: dir})
			for _, name := range order[:k] {
				data, err := os.ReadFile(filepath.Join(rs.CredentialsDir(), name))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(s.CredentialsDir(), name), string(data))
			}
			checkContent(t, dir, legacyContent)

			want := maps.Clone(legacyContent)
			switch op {
			case "Put":
				if err := s.Put("git/https/a.example.com//alice", "changed"); err != nil {
					t.Fatal(err)
				}
				want["git/https/a.example.com//alice"] = "changed"
			case "Delete":
				if err := s.Delete("git/https/b.example.com//bob"); err != nil {
					t.Fatal(err)
				}
				delete(want, "git/https/b.example.com//bob")
			}
			if _, err := os.Stat(s.LegacyCredentialsFile()); !os.IsNotExist(err) {
				t.Errorf("%d of %d buckets written, then %s: credentials.json is still there (%v)", k, len(order), op, err)
			}
			checkContent(t, dir, want)
		}
	}
}

// convertLegacyLocked runs the conversion alone, as a write would.
func (s *Store) convertLegacyLocked() error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return s.convertLegacy()
}

func bucketOfFile(t *testing.T, s *Store, name string) string {
	t.Helper()
	m, err := s.readCreds(filepath.Join(s.CredentialsDir(), name), bucketVersion)
	if err != nil || len(m) == 0 {
		t.Fatalf("bucket file %s: %v", name, err)
	}
	for k := range m {
		return bucketOf(k)
	}
	return ""
}

// TestLegacyConversionAroundCorruptBucket: the entries of a bucket whose
// file is corrupt stay in credentials.json; the rest is converted, and
// writes to other buckets go on. Once the file is moved aside, the next
// write converts them.
func TestLegacyConversionAroundCorruptBucket(t *testing.T) {
	dir := t.TempDir()
	writeLegacy(t, dir, legacyContent)
	s := New(Options{Dir: dir})
	bad := s.bucketPath("git/https/b.example.com")
	writeFile(t, bad, "{garbage")

	if err := s.Put("y", "y"); err != nil {
		t.Fatalf("Put in another bucket = %v, want it to work", err)
	}
	left, err := New(Options{Dir: dir}).readCreds(s.LegacyCredentialsFile(), legacyVersion)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"git/https/b.example.com//bob": "b"}, left); diff != "" {
		t.Errorf("credentials.json after a conversion around a corrupt bucket (-want +got):\n%s", diff)
	}
	if got, _ := os.ReadFile(bad); string(got) != "{garbage" {
		t.Errorf("the corrupt bucket file was changed: %q", got)
	}
	var ce *CorruptError
	if _, err := New(Options{Dir: dir}).Get("git/https/b.example.com//bob"); !errors.As(err, &ce) || ce.Path != bad {
		t.Errorf("Get of the corrupt bucket's key = %v, want CorruptError for %s", err, bad)
	}
	if got, err := New(Options{Dir: dir}).Get("git/https/a.example.com//alice"); err != nil || got != "a1" {
		t.Errorf("Get of a converted key = %q, %v", got, err)
	}

	if err := os.Rename(bad, bad+".bad"); err != nil {
		t.Fatal(err)
	}
	checkContent(t, dir, func() map[string]string {
		m := maps.Clone(legacyContent)
		m["y"] = "y"
		return m
	}())
	if err := New(Options{Dir: dir}).Put("z", "z"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.LegacyCredentialsFile()); !os.IsNotExist(err) {
		t.Errorf("credentials.json is still there once the bucket was moved aside (%v)", err)
	}
}

// TestCorruptLegacyFile: a credentials.json that does not parse may hold
// any key. Keys found in their bucket are still answered; everything else,
// and every write, reports it.
func TestCorruptLegacyFile(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{Dir: dir})
	if err := s.Put("git/https/a.example.com//alice", "a"); err != nil {
		t.Fatal(err)
	}
	legacy := s.LegacyCredentialsFile()
	writeFile(t, legacy, "{garbage")
	s = New(Options{Dir: dir})
	if got, err := s.Get("git/https/a.example.com//alice"); err != nil || got != "a" {
		t.Errorf("Get of a key in its bucket = %q, %v, want %q", got, err, "a")
	}
	var ce *CorruptError
	if _, err := s.Get("git/https/a.example.com//bob"); !errors.As(err, &ce) || ce.Path != legacy {
		t.Errorf("Get of a key not in its bucket = %v, want CorruptError for %s", err, legacy)
	}
	if err := s.Put("y", "y"); !errors.As(err, &ce) || ce.Path != legacy {
		t.Errorf("Put = %v, want CorruptError for %s", err, legacy)
	}
	if got, _ := os.ReadFile(legacy); string(got) != "{garbage" {
		t.Errorf("the corrupt credentials.json was changed: %q", got)
	}
}
