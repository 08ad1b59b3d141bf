package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/memory"
	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/configure"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
)

var now = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// fakeGit answers "git version" and "git config --list" from a config
// listing written as "origin|key|value" lines.
func fakeGit(version string, entries ...string) configure.Runner {
	return func(ctx context.Context, args ...string) ([]byte, error) {
		switch strings.Join(args, " ") {
		case "version":
			return []byte("git version " + version + "\n"), nil
		case "config --null --list --show-origin":
			var b bytes.Buffer
			for _, e := range entries {
				parts := strings.SplitN(e, "|", 3)
				fmt.Fprintf(&b, "%s\x00%s\n%s\x00", parts[0], parts[1], parts[2])
			}
			return b.Bytes(), nil
		}
		return nil, fmt.Errorf("unexpected git %q", args)
	}
}

func find(t *testing.T, fs []Finding, check string) Finding {
	t.Helper()
	for _, f := range fs {
		if f.Check == check {
			return f
		}
	}
	t.Fatalf("no finding %q in %+v", check, fs)
	return Finding{}
}

func TestCheckChain(t *testing.T) {
	const g = "file:/home/m/.gitconfig"
	const sec = "credential.https://connect.prusa3d.com.helper"
	tests := []struct {
		name    string
		entries []string
		want    Status
		usesUs  bool
		message string
	}{
		{"configured", []string{g + "|credential.helper|osxkeychain", g + "|" + sec + "|", g + "|" + sec + "|prusa"}, OK, true, "git runs only prusa for https://connect.prusa3d.com, after a reset (file:/home/m/.gitconfig)"},
		{"absolute path", []string{g + "|" + sec + "|", g + "|" + sec + "|/usr/local/bin/git-credential-prusa --debug"}, OK, true, "git runs only prusa"},
		{"nothing", nil, Fail, false, "git has no credential helper for https://connect.prusa3d.com"},
		{"ours missing", []string{g + "|credential.helper|store"}, Fail, false, "git uses store (file:/home/m/.gitconfig) for https://connect.prusa3d.com, not prusa"},
		{"other url", []string{g + "|credential.https://github.com.helper|prusa"}, Fail, false, "git has no credential helper"},
		{"reset after ours", []string{g + "|" + sec + "|prusa", g + "|" + sec + "|"}, Fail, false, "git has no credential helper"},
		{"missing reset", []string{"file:/etc/gitconfig|credential.helper|manager", g + "|" + sec + "|prusa"}, Fail, true, "git runs manager (file:/etc/gitconfig) before prusa"},
		{"no reset, nothing before", []string{g + "|" + sec + "|prusa"}, Warn, true, "no empty 'helper =' reset comes before it"},
		{"store after", []string{g + "|" + sec + "|", g + "|" + sec + "|prusa", "file:.git/config|credential.helper|store --file=x"}, Fail, true, "git runs store (file:.git/config) after prusa"},
		{"cache after", []string{g + "|" + sec + "|", g + "|" + sec + "|prusa", g + "|credential.helper|cache --timeout=60"}, Warn, true, "git runs cache (file:/home/m/.gitconfig) after prusa"},
		{"wildcard after", []string{g + "|" + sec + "|", g + "|" + sec + "|prusa", g + "|credential.https://*.prusa3d.com.helper|!f() { echo password=inline-secret; }; f"}, Fail, true, "a shell command"},
		{"partial url after", []string{g + "|" + sec + "|", g + "|" + sec + "|prusa", g + "|credential.connect.prusa3d.com.helper|store"}, Fail, true, "git runs store"},
		{"port 443 is the same", []string{g + "|credential.https://connect.prusa3d.com:443.helper|", g + "|" + sec + "|prusa"}, OK, true, "after a reset"},
		{"other port, path, user, scheme, depth do not match", []string{
			g + "|" + sec + "|", g + "|" + sec + "|prusa",
			g + "|credential.https://connect.prusa3d.com:8443.helper|store",
			g + "|credential.https://connect.prusa3d.com/repo.git.helper|store",
			g + "|credential.https://me@connect.prusa3d.com.helper|store",
			g + "|credential.http://connect.prusa3d.com.helper|store",
			g + "|credential.https://*.com.helper|store",
			g + "|credential.https://connect.prusa3d.com.username|store",
		}, OK, true, "after a reset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Doctor{Git: fakeGit("2.45.0", tt.entries...)}
			fs, usesUs := d.checkGit(context.Background())
			f := find(t, fs, "git/helper")
			if f.Status != tt.want || usesUs != tt.usesUs || !strings.Contains(f.Message, tt.message) {
				t.Errorf("git/helper = %+v, uses us %v; want %s, %v, %q", f, usesUs, tt.want, tt.usesUs, tt.message)
			}
			if strings.Contains(f.Message+f.Hint, "inline-secret") {
				t.Errorf("git/helper shows a shell helper's command, which may hold a secret: %+v", f)
			}
			if (f.Status == OK) != (f.Hint == "") {
				t.Errorf("hint %q for status %s", f.Hint, f.Status)
			}
		})
	}
}

func TestCheckGitVersion(t *testing.T) {
	tests := []struct {
		out  string
		want Status
	}{
		{"git version 2.41.0", OK},
		{"git version 2.45.1.windows.1", OK},
		{"git version 3.0.0", OK},
		{"git version 2.40.1", Warn},
		{"git version 2.39.3 (Apple Git-145)", Warn},
		{"git version 1.99.0", Warn},
		{"not git", Warn},
	}
	for _, tt := range tests {
		if got := checkGitVersion(tt.out); got.Status != tt.want {
			t.Errorf("checkGitVersion(%q) = %+v, want %s", tt.out, got, tt.want)
		}
	}
	if f := checkGitVersion("git version 2.39.5"); !strings.Contains(f.Message, "git 2.39.5 is older than 2.41") || !strings.Contains(f.Hint, "upgrade git") {
		t.Errorf("checkGitVersion(2.39.5) = %+v", f)
	}
}

func TestCheckGitMissing(t *testing.T) {
	missing := func(ctx context.Context, args ...string) ([]byte, error) {
		return nil, hint.With(fmt.Errorf("git is not installed: %w", exec.ErrNotFound), "install git")
	}
	fs, usesUs := (&Doctor{Git: missing}).checkGit(context.Background())
	if len(fs) != 1 || fs[0].Status != Warn || !strings.Contains(fs[0].Message, "git is not installed") || usesUs {
		t.Errorf("checkGit without git = %+v, %v", fs, usesUs)
	}
}

func TestCheckGitRealListing(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("git not available: %v", err)
	}
	cfg := filepath.Join(t.TempDir(), "gitconfig")
	os.WriteFile(cfg, []byte("[credential]\n\thelper = osxkeychain\n[credential \"https://connect.prusa3d.com\"]\n\thelper =\n\thelper = prusa\n"), 0o600)
	t.Setenv("GIT_CONFIG_GLOBAL", cfg)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "credential.helper")
	t.Setenv("GIT_CONFIG_VALUE_0", "store")
	t.Chdir(t.TempDir()) // not in a repository
	fs, _ := (&Doctor{}).checkGit(context.Background())
	f := find(t, fs, "git/helper")
	if f.Status != Fail || !strings.Contains(f.Message, "git runs store (command line:) after prusa") {
		t.Errorf("git/helper = %+v, want store after prusa", f)
	}
}

func TestCheckDocker(t *testing.T) {
	hosts := helper.NewHosts().Names()
	tests := []struct {
		name, config string
		dockerOnPath bool
		want         Status
		usesUs       bool
		message      string
	}{
		{"configured", `{"credHelpers":{"connect.prusa3d.com":"prusa","account.prusa3d.com":"prusa"}}`, false, OK, true, "docker runs prusa for connect.prusa3d.com, account.prusa3d.com"},
		{"one missing", `{"credHelpers":{"connect.prusa3d.com":"prusa"}}`, false, Warn, true, "has no credHelpers entry for account.prusa3d.com"},
		{"another helper", `{"credHelpers":{"connect.prusa3d.com":"desktop"}}`, false, Warn, false, `gives connect.prusa3d.com to "desktop", not to prusa`},
		{"invalid", `{`, false, Fail, false, "not valid JSON"},
		{"no docker, no config", "", false, OK, false, "docker is not installed"},
		{"docker, no config", "", true, Warn, false, "has no credHelpers entry for connect.prusa3d.com, account.prusa3d.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.config != "" {
				os.WriteFile(filepath.Join(dir, "config.json"), []byte(tt.config), 0o600)
			}
			bin := t.TempDir()
			if tt.dockerOnPath {
				os.WriteFile(filepath.Join(bin, "docker"+exe()), []byte("#!/bin/sh\n"), 0o755)
			}
			env := map[string]string{"DOCKER_CONFIG": dir, "PATH": bin}
			d := &Doctor{Getenv: func(k string) string { return env[k] }, Hosts: hosts}
			f, usesUs := d.checkDocker()
			if f.Status != tt.want || usesUs != tt.usesUs || !strings.Contains(f.Message, tt.message) {
				t.Errorf("docker/config = %+v, uses us %v; want %s, %v, %q", f, usesUs, tt.want, tt.usesUs, tt.message)
			}
		})
	}
}

func exe() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

func TestCheckPath(t *testing.T) {
	bin := t.TempDir()
	self := filepath.Join(bin, configure.MainName+exe())
	os.WriteFile(self, []byte("this binary"), 0o755)
	copyOf := filepath.Join(bin, configure.GitLinkName+exe())
	os.WriteFile(copyOf, []byte("this binary"), 0o755)
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, configure.DockerLinkName+exe()), []byte("an older binary"), 0o755)

	path := bin
	d := &Doctor{
		Getenv:     func(k string) string { return map[string]string{"PATH": path}[k] },
		Executable: func() (string, error) { return self, nil },
	}
	fs := d.checkPath(false, true)
	if f := find(t, fs, "path/prusa-credential-helper"); f.Status != OK || !strings.Contains(f.Message, "(this binary)") {
		t.Errorf("main name = %+v", f)
	}
	if f := find(t, fs, "path/git-credential-prusa"); f.Status != OK {
		t.Errorf("git name (a copy) = %+v", f)
	}
	if f := find(t, fs, "path/docker-credential-prusa"); f.Status != Fail || !strings.Contains(f.Message, "docker is set up to run it and cannot") || !strings.Contains(f.Hint, "configure docker") {
		t.Errorf("docker name, needed = %+v", f)
	}
	if f := find(t, d.checkPath(false, false), "path/docker-credential-prusa"); f.Status != Warn {
		t.Errorf("docker name, not needed = %+v", f)
	}

	path = other + string(os.PathListSeparator) + bin
	if f := find(t, d.checkPath(false, false), "path/docker-credential-prusa"); f.Status != Warn || !strings.Contains(f.Message, "which is not this binary") {
		t.Errorf("docker name, another binary = %+v", f)
	}
	path = ""
	// The hint gives the command that puts the binary's directory on
	// PATH, for the user's shell.
	if f := find(t, d.checkPath(false, false), "path/prusa-credential-helper"); f.Status != Warn || !strings.Contains(f.Hint, "add "+bin+" to PATH: ") || !strings.Contains(f.Hint, hint.PathCommand(bin)) {
		t.Errorf("main name off PATH = %+v, want the hint to hold %s", f, hint.PathCommand(bin))
	}
}

func TestCheckBackend(t *testing.T) {
	st := &memory.Store{}
	st.Put("git:https://example.com", "x")
	tests := []struct {
		name    string
		b       Backend
		want    Status
		message string
	}{
		{"ok", Backend{Name: "memory", Store: st}, OK, "memory answers; 1 other credential(s) stored"},
		{"cannot open", Backend{Err: hint.With(errors.New(`backend "vault": no such backend`), "choose one of: file")}, Fail, `cannot open the backend: backend "vault"`},
		{"cannot list", Backend{Name: "broken", Store: &brokenStore{}}, Fail, "broken cannot be read: corrupt"},
		{"dir missing", Backend{Name: "file", Store: st, Dir: filepath.Join(t.TempDir(), "new")}, OK, "file answers; 1 other credential(s) stored"},
		{"dir is a file", Backend{Name: "file", Store: st, Dir: os.Args[0]}, Fail, "is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := (&Doctor{Backend: tt.b}).checkBackend()
			if f.Status != tt.want || !strings.Contains(f.Message, tt.message) {
				t.Errorf("backend = %+v, want %s %q", f, tt.want, tt.message)
			}
		})
	}
}

type brokenStore struct{ memory.Store }

func (*brokenStore) List(string) ([]string, error) {
	return nil, hint.With(errors.New("corrupt"), "repair it")
}

func TestCheckSession(t *testing.T) {
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	base := session.Status{LoggedIn: true, Account: "maker@example.com", Source: session.SourceStore, Backend: "file", HasRefreshToken: true}
	with := func(f func(*session.Status)) session.Status { s := base; f(&s); return s }
	tests := []struct {
		name          string
		st            session.Status
		err           error
		access, fresh Status // "" means no such finding
		message       string
	}{
		{"fresh", with(func(s *session.Status) { s.AccessExpiry, s.RefreshExpiry = at(time.Hour), at(30*24*time.Hour) }), nil, OK, OK, "valid for 30 days"},
		{"access expired, refreshable", with(func(s *session.Status) { s.AccessExpiry, s.RefreshExpiry = at(-time.Minute), at(time.Hour*100) }), nil, OK, OK, "the next use refreshes it"},
		{"refresh soon", with(func(s *session.Status) { s.AccessExpiry, s.RefreshExpiry = at(time.Hour), at(47*time.Hour) }), nil, OK, Warn, "expires in 47 hours"},
		{"refresh expired", with(func(s *session.Status) { s.AccessExpiry, s.RefreshExpiry = at(-time.Hour), at(-time.Minute) }), nil, Fail, Fail, "expired 60 seconds ago"},
		{"opaque refresh", with(func(s *session.Status) { s.AccessExpiry = at(time.Hour) }), nil, OK, OK, "its expiry is not written in it"},
		{"PRUSA_TOKEN", with(func(s *session.Status) {
			s.Source, s.HasRefreshToken, s.AccessExpiry = session.SourceToken, false, at(time.Hour)
		}), nil, OK, Warn, "the session ends when the access token expires"},
		{"not logged in", session.Status{Backend: "file"}, nil, "", "", "not logged in"},
		{"corrupt", session.Status{}, hint.With(errors.New("tokens.json is corrupt"), "move it aside"), "", "", "cannot read the session: tokens.json is corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Doctor{Now: func() time.Time { return now }, Session: func() (session.Status, error) { return tt.st, tt.err }}
			fs := d.checkSession()
			var all []string
			for _, f := range fs {
				all = append(all, f.Message)
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.message) {
				t.Errorf("messages %q, want %q", all, tt.message)
			}
			if tt.access == "" {
				if len(fs) != 1 || fs[0].Status == OK || fs[0].Hint == "" {
					t.Errorf("findings = %+v, want one non-ok session finding with a hint", fs)
				}
				return
			}
			if f := find(t, fs, "session/access-token"); f.Status != tt.access {
				t.Errorf("access = %+v, want %s", f, tt.access)
			}
			if f := find(t, fs, "session/refresh-token"); f.Status != tt.fresh {
				t.Errorf("refresh = %+v, want %s", f, tt.fresh)
			}
		})
	}
}

func TestCheckClock(t *testing.T) {
	tests := []struct {
		name string
		skew time.Duration // server clock minus ours
		want Status
		msg  string
	}{
		{"in sync", 2 * time.Second, OK, "agrees with"},
		{"behind", 90 * time.Second, Warn, "s behind http"},
		{"ahead", -10 * time.Minute, Fail, "s ahead of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodHead || r.URL.Path != "/" {
					t.Errorf("request %s %s, want HEAD /", r.Method, r.URL.Path)
				}
				w.Header().Set("Date", now.Add(tt.skew).Format(http.TimeFormat))
				http.Redirect(w, r, "/login/", http.StatusFound)
			}))
			defer srv.Close()
			d := &Doctor{AccountURL: srv.URL, Now: func() time.Time { return now }, HTTPClient: srv.Client()}
			f := d.checkClock(context.Background())
			if f.Status != tt.want || !strings.Contains(f.Message, tt.msg) {
				t.Errorf("clock = %+v, want %s %q", f, tt.want, tt.msg)
			}
		})
	}

	// Offline: a warning, not a failure.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	f := (&Doctor{AccountURL: url}).checkClock(context.Background())
	if f.Status != Warn || !strings.Contains(f.Message, "could not reach "+url) {
		t.Errorf("clock offline = %+v", f)
	}
}

func TestCheckFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes on Windows")
	}
	dir := t.TempDir()
	private := filepath.Join(dir, "tokens.json")
	os.WriteFile(private, []byte("{}"), 0o600)
	open := filepath.Join(dir, "credentials.json")
	os.WriteFile(open, []byte("{}"), 0o644)
	os.Chmod(open, 0o644)
	good := filepath.Join(dir, "good")
	bad := filepath.Join(dir, "bad")
	for _, d := range []string{good, bad} {
		os.Mkdir(d, 0o700)
		os.Chmod(d, 0o700)
		for _, name := range []string{"a.json", "b.json"} {
			os.WriteFile(filepath.Join(d, name), []byte("{}"), 0o600)
		}
	}
	os.Chmod(filepath.Join(bad, "b.json"), 0o640)
	d := &Doctor{PrivateFiles: []PrivateFile{
		{Check: "file/session", Path: private},
		{Check: "file/credentials", Path: open},
		{Check: "file/other", Path: filepath.Join(dir, "missing")},
		{Check: "dir/good", Path: good, Dir: true},
		{Check: "dir/bad", Path: bad, Dir: true},
		{Check: "dir/missing", Path: filepath.Join(dir, "nodir"), Dir: true},
	}}
	want := []Finding{
		{Check: "file/session", Status: OK, Message: private + " is private (mode 0600)"},
		{Check: "file/credentials", Status: Warn, Message: open + " is open to group or others (mode 0644); it holds secrets", Hint: "chmod 600 " + open},
		{Check: "file/other", Status: OK, Message: filepath.Join(dir, "missing") + " does not exist yet"},
		{Check: "dir/good", Status: OK, Message: good + " is private (mode 0700), and so are its 2 file(s)"},
		{Check: "dir/bad", Status: Warn, Message: "1 of the 2 file(s) in " + bad + " are open to group or others: b.json (mode 0640); they hold secrets", Hint: "chmod 600 " + filepath.Join(bad, "*")},
		{Check: "dir/missing", Status: OK, Message: filepath.Join(dir, "nodir") + " does not exist yet"},
	}
	got, loose := d.checkFiles()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("checkFiles (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, 4}, loose); diff != "" {
		t.Errorf("checkFiles loose (-want +got):\n%s", diff)
	}

	// Tightened meanwhile (the file backend does so when it reads them).
	os.Chmod(open, 0o600)
	os.Chmod(filepath.Join(bad, "b.json"), 0o600)
	got = d.recheckFiles(got, loose)
	if f := got[1]; f.Status != Warn || !strings.HasSuffix(f.Message, "it holds secrets; the helper has now tightened it to 0600") || !strings.Contains(f.Hint, "find what loosened it") {
		t.Errorf("recheckFiles = %+v", f)
	}
	if f := got[4]; f.Status != Warn || !strings.HasSuffix(f.Message, "they hold secrets; the helper has now tightened the files to 0600") || !strings.Contains(f.Hint, "find what loosened them") {
		t.Errorf("recheckFiles of a directory = %+v", f)
	}

	// A directory open to others: the helper leaves its mode alone.
	os.Chmod(bad, 0o755)
	got, loose = d.checkFiles()
	if f := got[4]; f.Status != Warn || f.Message != bad+" is open to group or others (mode 0755); the files in it hold secrets" || f.Hint != "chmod 700 "+bad || len(loose) != 0 {
		t.Errorf("checkFiles of an open directory = %+v, loose %v", f, loose)
	}

	d.GOOS = "windows"
	if got, _ := d.checkFiles(); len(got) != 0 {
		t.Errorf("checkFiles on Windows = %+v, want none", got)
	}
}

func TestRunOutput(t *testing.T) {
	fs := []Finding{
		{Check: "a", Status: OK, Message: "fine"},
		{Check: "b", Status: Warn, Message: "hmm", Hint: "do this"},
	}
	var b bytes.Buffer
	if err := Print(&b, fs); err != nil {
		t.Fatal(err)
	}
	want := "ok    a: fine\nwarn  b: hmm\n      hint: do this\n1 ok, 1 warn, 0 fail\n"
	if b.String() != want {
		t.Errorf("Print = %q, want %q", b.String(), want)
	}
	if ExitCode(fs) != 0 || Worst(fs) != Warn {
		t.Errorf("ExitCode, Worst = %d, %s; want 0, warn", ExitCode(fs), Worst(fs))
	}
	fs = append(fs, Finding{Check: "c", Status: Fail, Message: "broken", Hint: "fix"})
	if ExitCode(fs) != 1 || Worst(fs) != Fail {
		t.Errorf("ExitCode, Worst = %d, %s; want 1, fail", ExitCode(fs), Worst(fs))
	}
	b.Reset()
	PrintJSON(&b, fs)
	var back []Finding
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || !cmp.Equal(back, fs) {
		t.Errorf("PrintJSON round trip = %+v, %v", back, err)
	}
	if !strings.Contains(b.String(), `"hint": ""`) {
		t.Errorf("PrintJSON leaves out empty hints: %s", b.String())
	}
	b.Reset()
	PrintJSON(&b, nil)
	if b.String() != "[]\n" {
		t.Errorf("PrintJSON(nil) = %q", b.String())
	}
}

func TestCheckUnusedSession(t *testing.T) {
	if fs := (&Doctor{}).checkUnusedSession(); len(fs) != 0 {
		t.Errorf("findings without an unused session file: %+v", fs)
	}
	for goos, want := range map[string]string{
		"linux":   `rm "/h/.config/prusa-connect-sdk-client/tokens.json"`,
		"windows": `del "/h/.config/prusa-connect-sdk-client/tokens.json"`,
	} {
		d := &Doctor{GOOS: goos, UnusedSessionFile: "/h/.config/prusa-connect-sdk-client/tokens.json"}
		fs := d.checkUnusedSession()
		if len(fs) != 1 || fs[0].Status != Warn || !strings.Contains(fs[0].Message, d.UnusedSessionFile) || !strings.HasSuffix(fs[0].Hint, want) {
			t.Errorf("%s: findings = %+v, want a warning naming the file, hint ending %s", goos, fs, want)
		}
	}
}

// TestURLMatches checks git's URL matching (urlmatch.c): "*" within a
// label, labels counted, default port, no user or path.
func TestURLMatches(t *testing.T) {
	for _, tt := range []struct {
		pattern string
		want    bool
	}{
		{"https://connect.prusa3d.com", true},
		{"https://CONNECT.prusa3d.com:443/", true},
		{"https://*.prusa3d.com", true},
		{"https://c*t.prusa3d.com", true},
		{"https://*nect*.*.com", true},
		{"https://*.com", false},
		{"https://*", false},
		{"https://conn?ct.prusa3d.com", false},
		{"https://co[n]nect.prusa3d.com", false},
		{"https://connect.prusa3d.com:8443", false},
		{"https://user@connect.prusa3d.com", false},
		{"https://connect.prusa3d.com/path", false},
		{"http://connect.prusa3d.com", false},
		{"connect.prusa3d.com", true},
	} {
		if got := urlMatches(tt.pattern, "https", "connect.prusa3d.com"); got != tt.want {
			t.Errorf("urlMatches(%q) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}
