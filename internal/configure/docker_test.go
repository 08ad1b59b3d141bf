package configure

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/winetest"
)

func TestDockerConfigPath(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name, goos string
		env        map[string]string
		want       string
		wantErr    bool
	}{
		{"DOCKER_CONFIG", "linux", map[string]string{"DOCKER_CONFIG": "/d", "HOME": "/h"}, filepath.Join("/d", "config.json"), false},
		{"home", "linux", map[string]string{"HOME": "/h"}, filepath.Join("/h", ".docker", "config.json"), false},
		{"windows", "windows", map[string]string{"USERPROFILE": `C:\Users\m`, "HOME": "/h"}, filepath.Join(`C:\Users\m`, ".docker", "config.json"), false},
		{"nothing", "linux", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DockerConfigPath(env(tt.env), tt.goos)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("DockerConfigPath = %q, %v; want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDockerConfigure(t *testing.T) {
	hosts := []string{"connect.prusa3d.com", "account.prusa3d.com"}
	tests := []struct {
		name, before, want string
		changed            []string
	}{
		{
			name:    "missing file",
			before:  "",
			want:    "{\n\t\"credHelpers\": {\n\t\t\"connect.prusa3d.com\": \"prusa\",\n\t\t\"account.prusa3d.com\": \"prusa\"\n\t}\n}\n",
			changed: hosts,
		},
		{
			name:    "keys kept in order, values as written",
			before:  `{"auths":{"ghcr.io":{"auth":"eDp5"}},"credsStore":"desktop","n":1.50,"html":"<a&b>","credHelpers":{"gcr.io":"gcloud"},"zeta":[1, 2]}`,
			want:    "{\n\t\"auths\": {\n\t\t\"ghcr.io\": {\n\t\t\t\"auth\": \"eDp5\"\n\t\t}\n\t},\n\t\"credsStore\": \"desktop\",\n\t\"n\": 1.50,\n\t\"html\": \"<a&b>\",\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcloud\",\n\t\t\"connect.prusa3d.com\": \"prusa\",\n\t\t\"account.prusa3d.com\": \"prusa\"\n\t},\n\t\"zeta\": [\n\t\t1,\n\t\t2\n\t]\n}\n",
			changed: hosts,
		},
		{
			name:    "one already there",
			before:  `{"credHelpers":{"account.prusa3d.com":"prusa"}}`,
			want:    "{\n\t\"credHelpers\": {\n\t\t\"account.prusa3d.com\": \"prusa\",\n\t\t\"connect.prusa3d.com\": \"prusa\"\n\t}\n}\n",
			changed: hosts[:1],
		},
		{
			name:    "null credHelpers",
			before:  `{"credHelpers":null}`,
			want:    "{\n\t\"credHelpers\": {\n\t\t\"connect.prusa3d.com\": \"prusa\",\n\t\t\"account.prusa3d.com\": \"prusa\"\n\t}\n}\n",
			changed: hosts,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "docker", "config.json")
			if tt.before != "" {
				writeFile(t, path, tt.before, 0o644)
			}
			d := &Docker{Path: path, Hosts: hosts}
			res, err := d.Configure()
			if err != nil {
				t.Fatalf("Configure: %v", err)
			}
			if diff := cmp.Diff(tt.changed, res.Changed); diff != "" {
				t.Errorf("changed (-want +got):\n%s", diff)
			}
			if got := readFile(t, path); got != tt.want {
				t.Errorf("config.json:\n%s\nwant:\n%s", got, tt.want)
			}
			// Idempotent: nothing is written the second time.
			fi, _ := os.Stat(path)
			res, err = d.Configure()
			if err != nil || len(res.Changed) != 0 {
				t.Errorf("second Configure = %+v, %v; want nothing changed", res, err)
			}
			// A rewrite renames a new file over the old one.
			if fi2, _ := os.Stat(path); !os.SameFile(fi, fi2) || readFile(t, path) != tt.want {
				t.Errorf("second Configure rewrote the file")
			}
		})
	}
}

func TestDockerRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	before := "{\n\t\"auths\": {},\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcloud\",\n\t\t\"myregistry\": \"prusa\"\n\t}\n}\n"
	writeFile(t, path, before, 0o640)
	d := &Docker{Path: path, Hosts: helper.NewHosts().Names()}
	if _, err := d.Configure(); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
			t.Errorf("mode after Configure = %v, want 0640 kept", fi.Mode().Perm())
		}
	}
	res, err := d.Unconfigure()
	if err != nil || len(res.Changed) != 2 {
		t.Fatalf("Unconfigure = %+v, %v", res, err)
	}
	// "myregistry": "prusa" was not added by Configure and stays.
	if got := readFile(t, path); got != before {
		t.Errorf("after the round trip:\n%s\nwant:\n%s", got, before)
	}

	// credHelpers that only Configure filled goes away again.
	path2 := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path2, `{"auths": {}}`, 0o600)
	d2 := &Docker{Path: path2, Hosts: helper.NewHosts().Names()}
	if _, err := d2.Configure(); err != nil {
		t.Fatal(err)
	}
	if _, err := d2.Unconfigure(); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, path2), "{\n\t\"auths\": {}\n}\n"; got != want {
		t.Errorf("after the round trip: %q, want %q", got, want)
	}
}

func TestDockerUnconfigureKeepsOthers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	before := `{"credHelpers":{"connect.prusa3d.com":"desktop","account.prusa3d.com":"prusa"}}`
	writeFile(t, path, before, 0o600)
	res, err := (&Docker{Path: path, Hosts: helper.NewHosts().Names()}).Unconfigure()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"account.prusa3d.com"}, res.Changed); diff != "" {
		t.Errorf("changed (-want +got):\n%s", diff)
	}
	if got, want := readFile(t, path), "{\n\t\"credHelpers\": {\n\t\t\"connect.prusa3d.com\": \"desktop\"\n\t}\n}\n"; got != want {
		t.Errorf("config.json = %q, want %q", got, want)
	}

	missing := filepath.Join(t.TempDir(), "config.json")
	if res, err := (&Docker{Path: missing, Hosts: helper.NewHosts().Names()}).Unconfigure(); err != nil || len(res.Changed) != 0 {
		t.Errorf("Unconfigure of a missing file = %+v, %v", res, err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Unconfigure created %s", missing)
	}
}

func TestDockerRefuses(t *testing.T) {
	tests := []struct {
		name, before, want string
	}{
		{"invalid JSON", `{"auths": {`, "not valid JSON"},
		{"trailing data", `{} {}`, "not valid JSON"},
		{"array", `[1]`, "not a JSON object"},
		{"credHelpers not an object", `{"credHelpers": "prusa"}`, `"credHelpers": not a JSON object`},
		{"credHelpers twice", `{"credHelpers": {}, "credHelpers": {}}`, `"credHelpers" appears more than once`},
		{"another helper", `{"credHelpers": {"connect.prusa3d.com": "desktop"}}`, `credHelpers already gives Prusa hosts to other helpers: "connect.prusa3d.com": "desktop"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			writeFile(t, path, tt.before, 0o600)
			_, err := (&Docker{Path: path, Hosts: helper.NewHosts().Names()}).Configure()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "left untouched") {
				t.Errorf("Configure error = %v, want %q", err, tt.want)
			}
			if got := readFile(t, path); got != tt.before {
				t.Errorf("the file changed: %q", got)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("files left beside config.json: %v", entries)
			}
		})
	}
}

func TestDockerNewFileModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes on Windows")
	}
	dir := filepath.Join(t.TempDir(), "new", ".docker")
	path := filepath.Join(dir, "config.json")
	if _, err := (&Docker{Path: path, Hosts: helper.NewHosts().Names()}).Configure(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("config.json mode = %v, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode = %v, want 0700", fi.Mode().Perm())
	}
}

func TestDockerFollowsSymlink(t *testing.T) {
	winetest.Skip(t, winetest.Symlinks)
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "docker.json")
	writeFile(t, real, `{}`, 0o600)
	link := filepath.Join(dir, "config.json")
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	if _, err := (&Docker{Path: link, Hosts: []string{"connect.prusa3d.com"}}).Configure(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("config.json is no longer a symlink: %v", err)
	}
	if !strings.Contains(readFile(t, real), `"connect.prusa3d.com": "prusa"`) {
		t.Errorf("the link's target was not updated: %s", readFile(t, real))
	}
}

func TestDockerHelpers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path, `{"credHelpers": {"connect.prusa3d.com": "prusa", "x": 1}}`, 0o600)
	got, err := DockerHelpers(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"connect.prusa3d.com": "prusa"}, got); diff != "" {
		t.Errorf("DockerHelpers (-want +got):\n%s", diff)
	}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
