package migrate

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/backendtest"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/memory"
)

var data = map[string]string{
	backends.SessionKey:           `{"access_token": "a.b.c", "refresh_token": "r", "x_unknown": 1}`,
	"git/https/example.com//bob":  `{"password": "one"}`,
	"git/https/example.com//carl": `{"password": "two"}`,
	"docker/registry.example.com": `{"Username": "u", "Secret": "s"}`,
}

func filled(t *testing.T, s backends.Store, m map[string]string) backends.Store {
	t.Helper()
	for k, v := range m {
		if err := s.Put(k, v); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// contents reads everything a store holds, the session included.
func contents(t *testing.T, s backends.Store) map[string]string {
	t.Helper()
	keys, err := s.List("")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, k := range append(keys, backends.SessionKey) {
		v, err := s.Get(k)
		if errors.Is(err, backends.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		m[k] = v
	}
	return m
}

func TestMigrate(t *testing.T) {
	from, to := filled(t, new(memory.Store), data), new(memory.Store)
	r, err := Options{}.Migrate(from, to)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(data, contents(t, to)); diff != "" {
		t.Errorf("destination (-want +got):\n%s", diff)
	}
	if got := contents(t, from); len(got) != 0 {
		t.Errorf("source after Migrate holds %q", slices.Sorted(maps.Keys(got)))
	}
	want := slices.Sorted(maps.Keys(data))
	if diff := cmp.Diff(want, r.Keys()); diff != "" {
		t.Errorf("Report.Keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, slices.Sorted(slices.Values(r.Removed))); diff != "" {
		t.Errorf("Report.Removed (-want +got):\n%s", diff)
	}

	// Nothing to move is not an error.
	if r, err := (Options{}).Migrate(new(memory.Store), to); err != nil || len(r.Keys()) != 0 {
		t.Errorf("Migrate from an empty store = %+v, %v", r, err)
	}
}

func TestFileToMemoryAndBack(t *testing.T) {
	dir := t.TempDir()
	fs := filled(t, file.New(file.Options{Dir: dir}), data)
	m := new(memory.Store)
	if _, err := (Options{}).Migrate(fs, m); err != nil {
		t.Fatal(err)
	}
	if _, err := (Options{}).Migrate(m, file.New(file.Options{Dir: dir})); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(data, contents(t, file.New(file.Options{Dir: dir}))); diff != "" {
		t.Errorf("file after the round trip (-want +got):\n%s", diff)
	}
}

// TestInterrupted fails the source or the destination after n calls, for
// every n: whatever step fails, every key is still readable somewhere,
// the source keeps every key until all of them are verified in the
// destination, and running Migrate again finishes the job.
func TestInterrupted(t *testing.T) {
	for _, side := range []string{"source", "destination"} {
		t.Run(side, func(t *testing.T) {
			for n := 0; ; n++ {
				fromMem, toMem := filled(t, new(memory.Store), data), new(memory.Store)
				var from, to backends.Store = fromMem, toMem
				faulty := &backendtest.Faulty{Fail: backendtest.FailAfter(n)}
				if side == "source" {
					faulty.Store, from = fromMem, faulty
				} else {
					faulty.Store, to = toMem, faulty
				}
				_, err := Options{}.Migrate(from, to)

				src, dst := contents(t, fromMem), contents(t, toMem)
				for k, v := range data {
					if src[k] != v && dst[k] != v {
						t.Fatalf("failure after %d calls: %q is lost", n, k)
					}
				}
				if len(src) < len(data) && !maps.Equal(dst, data) {
					t.Fatalf("failure after %d calls: the source lost keys before the destination had them all (source %d keys, destination %d)", n, len(src), len(dst))
				}
				if faulty.Calls() <= n {
					if err != nil {
						t.Fatalf("Migrate with nothing failing = %v", err)
					}
					return
				}
				if err == nil && !maps.Equal(dst, data) {
					t.Fatalf("failure after %d calls: Migrate succeeded but the destination is incomplete", n)
				}
				// Run again without failures: it completes.
				if _, err := (Options{}).Migrate(fromMem, toMem); err != nil {
					t.Fatalf("failure after %d calls, then Migrate again = %v", n, err)
				}
				if diff := cmp.Diff(data, contents(t, toMem)); diff != "" {
					t.Fatalf("failure after %d calls, then Migrate again: destination (-want +got):\n%s", n, diff)
				}
				if got := contents(t, fromMem); len(got) != 0 {
					t.Fatalf("failure after %d calls, then Migrate again: source still holds %d keys", n, len(got))
				}
			}
		})
	}
}

// lossy is a destination whose writes of one key do not stick.
type lossy struct {
	memory.Store
	key string
}

func (l *lossy) Put(k, v string) error {
	if k == l.key {
		v = v[:len(v)/2]
	}
	return l.Store.Put(k, v)
}

func TestVerifies(t *testing.T) {
	from := filled(t, new(memory.Store), data)
	_, err := Options{}.Migrate(from, &lossy{key: "git/https/example.com//carl"})
	if err == nil {
		t.Fatal("Migrate to a store that damages a value succeeded")
	}
	if diff := cmp.Diff(data, contents(t, from)); diff != "" {
		t.Errorf("source after a failed verification (-want +got):\n%s", diff)
	}
}

func TestConflict(t *testing.T) {
	from := filled(t, new(memory.Store), data)
	to := filled(t, new(memory.Store), map[string]string{
		backends.SessionKey:           `{"access_token": "newer"}`,
		"docker/registry.example.com": data["docker/registry.example.com"],
	})
	before := contents(t, to)
	_, err := Options{}.Migrate(from, to)
	var ce *ConflictError
	if !errors.As(err, &ce) || !slices.Equal(ce.Keys, []string{backends.SessionKey}) {
		t.Fatalf("Migrate onto a different session error = %v, want a ConflictError on the session", err)
	}
	if diff := cmp.Diff(before, contents(t, to)); diff != "" {
		t.Errorf("destination changed by a refused migration (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(data, contents(t, from)); diff != "" {
		t.Errorf("source changed by a refused migration (-want +got):\n%s", diff)
	}

	r, err := Options{Overwrite: true}.Migrate(from, to)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Report{
		Copied:   []string{"git/https/example.com//bob", "git/https/example.com//carl"},
		Present:  []string{"docker/registry.example.com"},
		Replaced: []string{backends.SessionKey},
		Removed:  []string{"docker/registry.example.com", "git/https/example.com//bob", "git/https/example.com//carl", backends.SessionKey},
	}, r); diff != "" {
		t.Errorf("Report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(data, contents(t, to)); diff != "" {
		t.Errorf("destination (-want +got):\n%s", diff)
	}
}

func TestKeepSource(t *testing.T) {
	from, to := filled(t, new(memory.Store), data), new(memory.Store)
	if _, err := (Options{KeepSource: true}).Migrate(from, to); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(contents(t, from), data) || !maps.Equal(contents(t, to), data) {
		t.Error("KeepSource: want the data in both stores")
	}
}

func TestSameStore(t *testing.T) {
	m := filled(t, new(memory.Store), data)
	if _, err := (Options{}).Migrate(m, m); !errors.Is(err, ErrSameStore) {
		t.Errorf("Migrate(m, m) error = %v, want ErrSameStore", err)
	}
	if diff := cmp.Diff(data, contents(t, m)); diff != "" {
		t.Errorf("store after Migrate(m, m) (-want +got):\n%s", diff)
	}

	// Two values, one storage: found at the first delete, and undone.
	dir := t.TempDir()
	filled(t, file.New(file.Options{Dir: dir}), data)
	_, err := Options{}.Migrate(file.New(file.Options{Dir: dir}), file.New(file.Options{Dir: dir}))
	if !errors.Is(err, ErrSameStore) {
		t.Errorf("Migrate between two views of one directory error = %v, want ErrSameStore", err)
	}
	if diff := cmp.Diff(data, contents(t, file.New(file.Options{Dir: dir}))); diff != "" {
		t.Errorf("directory after the refused migration (-want +got):\n%s", diff)
	}
}
