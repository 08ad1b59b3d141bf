package configure

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// TestHosts checks the hosts that configure is given: the protocol
// layer's list for the account URL.
func TestHosts(t *testing.T) {
	tests := []struct {
		name, accountURL string
		want             []string
	}{
		{"default", "https://account.prusa3d.com", []string{"connect.prusa3d.com", "account.prusa3d.com"}},
		{"empty", "", []string{"connect.prusa3d.com", "account.prusa3d.com"}},
		{"case and port 443", "https://Account.Prusa3d.com:443/", []string{"connect.prusa3d.com", "account.prusa3d.com"}},
		{"staging", "https://account.staging.example", []string{"connect.prusa3d.com", "account.prusa3d.com", "account.staging.example"}},
		{"loopback http", "http://127.0.0.1:8080", []string{"connect.prusa3d.com", "account.prusa3d.com"}},
		{"other port", "https://account.example:8443", []string{"connect.prusa3d.com", "account.prusa3d.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, helper.NewHosts(tt.accountURL).Names()); diff != "" {
				t.Errorf("NewHosts(%q).Names() (-want +got):\n%s", tt.accountURL, diff)
			}
		})
	}
}

func TestPlanConfigure(t *testing.T) {
	const k = "credential.https://h.helper"
	tests := []struct {
		name    string
		vals    []string
		want    []gitOp
		wantErr string
	}{
		{"empty", nil, []gitOp{{"--add", k, ""}, {"--add", k, "prusa"}}, ""},
		{"done", []string{"", "prusa"}, nil, ""},
		{"done with options", []string{"", "prusa --backend=file"}, nil, ""},
		{"done, user helper after", []string{"", "prusa", "cache"}, nil, ""},
		{"no reset", []string{"prusa"}, []gitOp{{"--unset-all", k}, {"--add", k, ""}, {"--add", k, "prusa"}}, ""},
		{"no reset, options kept", []string{"prusa --debug"}, []gitOp{{"--unset-all", k}, {"--add", k, ""}, {"--add", k, "prusa --debug"}}, ""},
		{"reset after", []string{"", "prusa", ""}, []gitOp{{"--unset-all", k}, {"--add", k, ""}, {"--add", k, "prusa"}}, ""},
		{"other helper", []string{"store"}, nil, `already lists other helpers ("store")`},
		{"other before ours", []string{"", "cache", "", "prusa"}, nil, `already lists other helpers ("cache")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := planConfigure(k, tt.vals)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("planConfigure(%q) error = %v, want %q", tt.vals, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("planConfigure(%q): %v", tt.vals, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("planConfigure(%q) (-want +got):\n%s", tt.vals, diff)
			}
		})
	}
}

func TestPlanUnconfigure(t *testing.T) {
	const k = "credential.https://h.helper"
	tests := []struct {
		name string
		vals []string
		want []gitOp
	}{
		{"nothing", nil, nil},
		{"not ours", []string{"", "store"}, nil},
		{"ours", []string{"", "prusa"}, []gitOp{{"--unset-all", k, oursRegexp}, {"--unset-all", k, "^$"}}},
		{"ours without reset", []string{"prusa"}, []gitOp{{"--unset-all", k, oursRegexp}}},
		{"user helper after", []string{"", "prusa", "osxkeychain"}, []gitOp{{"--unset-all", k, oursRegexp}, {"--unset-all", k, "^$"}}},
		{"user reset kept", []string{"", "prusa", "", "cache"}, []gitOp{{"--unset-all", k}, {"--add", k, ""}, {"--add", k, "cache"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, planUnconfigure(k, tt.vals)); diff != "" {
				t.Errorf("planUnconfigure(%q) (-want +got):\n%s", tt.vals, diff)
			}
		})
	}
}

// realGit returns a Runner for the real git with a private environment,
// or skips the test when git is missing.
func realGit(t *testing.T) Runner {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("PRUSA_REQUIRE_REAL_CLIENTS") == "1" {
			t.Fatalf("git is required (PRUSA_REQUIRE_REAL_CLIENTS=1): %v", err)
		}
		t.Skipf("git not available: %v", err)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("USERPROFILE", home)
	t.Setenv("APPDATA", filepath.Join(home, ".config"))
	t.Setenv("LOCALAPPDATA", filepath.Join(home, "AppData", "Local"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", "")
	return ExecGit
}

const userConfig = `# my settings
[user]
	name = Maker
[credential]
	helper = osxkeychain
[alias]
  co = checkout   ; a comment
`

func TestGitRoundTrip(t *testing.T) {
	run := realGit(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gitconfig")
	if err := os.WriteFile(path, []byte(userConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	g := &Git{Run: run, Scope: FileScope(path), Hosts: helper.NewHosts().Names()}

	res, err := g.Configure(ctx)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if diff := cmp.Diff([]string{"connect.prusa3d.com", "account.prusa3d.com"}, res.Changed); diff != "" {
		t.Errorf("Configure changed (-want +got):\n%s", diff)
	}
	if res.File != path {
		t.Errorf("Configure file = %q, want %q", res.File, path)
	}
	want := userConfig + `[credential "https://connect.prusa3d.com"]
	helper = 
	helper = prusa
[credential "https://account.prusa3d.com"]
	helper = 
	helper = prusa
`
	if got := readFile(t, path); got != want {
		t.Fatalf("after Configure:\n%s\nwant:\n%s", got, want)
	}

	// Again: nothing changes.
	res, err = g.Configure(ctx)
	if err != nil || len(res.Changed) != 0 || len(res.Unchanged) != 2 {
		t.Fatalf("second Configure = %+v, %v; want all unchanged", res, err)
	}
	if got := readFile(t, path); got != want {
		t.Fatalf("second Configure changed the file:\n%s", got)
	}

	// Unconfigure restores the file byte for byte.
	res, err = g.Unconfigure(ctx)
	if err != nil || len(res.Changed) != 2 {
		t.Fatalf("Unconfigure = %+v, %v; want both changed", res, err)
	}
	if got := readFile(t, path); got != userConfig {
		t.Fatalf("after Unconfigure:\n%s\nwant:\n%s", got, userConfig)
	}
	res, err = g.Unconfigure(ctx)
	if err != nil || len(res.Changed) != 0 {
		t.Fatalf("second Unconfigure = %+v, %v; want nothing changed", res, err)
	}
}

func TestGitUnconfigureKeepsUserHelpers(t *testing.T) {
	run := realGit(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gitconfig")
	g := &Git{Run: run, Scope: FileScope(path), Hosts: []string{"connect.prusa3d.com"}}
	if _, err := g.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	key := GitKey("connect.prusa3d.com")
	for _, v := range []string{"cache --timeout=60", "", "store"} {
		if _, err := run(ctx, "config", "--file", path, "--add", key, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := run(ctx, "config", "--file", path, "credential.https://connect.prusa3d.com.username", "maker"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Unconfigure(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := g.values(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"cache --timeout=60", "", "store"}, got); diff != "" {
		t.Errorf("helpers after Unconfigure (-want +got):\n%s", diff)
	}
	if out, err := run(ctx, "config", "--file", path, "credential.https://connect.prusa3d.com.username"); err != nil || string(out) != "maker\n" {
		t.Errorf("username after Unconfigure = %q, %v; want maker", out, err)
	}
}

func TestGitRefusesOtherHelpers(t *testing.T) {
	run := realGit(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gitconfig")
	before := userConfig + "[credential \"https://account.prusa3d.com\"]\n\thelper = store\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	g := &Git{Run: run, Scope: FileScope(path), Hosts: helper.NewHosts().Names()}
	_, err := g.Configure(ctx)
	if err == nil || !strings.Contains(err.Error(), `credential.https://account.prusa3d.com.helper in `+path+`: already lists other helpers ("store")`) {
		t.Fatalf("Configure error = %v, want other helpers", err)
	}
	if h := hint.Of(err); !strings.Contains(h, "--unset-all credential.https://account.prusa3d.com.helper") {
		t.Errorf("hint = %q", h)
	}
	if got := readFile(t, path); got != before {
		t.Errorf("Configure changed the file on error:\n%s", got)
	}
}

func TestGitErrors(t *testing.T) {
	failing := func(ctx context.Context, args ...string) ([]byte, error) {
		return nil, &GitError{Args: args, Code: 3, Stderr: "fatal: bad config line 1 in file x\n"}
	}
	g := &Git{Run: failing, Hosts: helper.NewHosts().Names()}
	_, err := g.Configure(context.Background())
	var ge *GitError
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), "fatal: bad config line 1") {
		t.Errorf("Configure error = %v, want the git error", err)
	}
	if ge != nil && (ge.Args[0] != "config" || ge.Args[1] != "--global") {
		t.Errorf("git args = %q, want config --global first", ge.Args)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGitLocalOutsideRepository: the local scope outside a repository is
// ErrNotInRepository with a hint, whatever git's words for it, and any
// other failure of the local scope stays git's own error.
func TestGitLocalOutsideRepository(t *testing.T) {
	run := realGit(t)
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	for _, op := range []struct {
		name string
		do   func(*Git) error
	}{
		{"Configure", func(g *Git) error { _, err := g.Configure(context.Background()); return err }},
		{"Unconfigure", func(g *Git) error { _, err := g.Unconfigure(context.Background()); return err }},
	} {
		err := op.do(&Git{Run: run, Scope: LocalScope, Hosts: helper.NewHosts().Names()})
		if !errors.Is(err, ErrNotInRepository) || !strings.Contains(hint.Of(err), "--global") || !strings.Contains(hint.Of(err), "--file") {
			t.Errorf("%s --local outside a repository = %v (hint %q), want ErrNotInRepository with a hint naming --global and --file", op.name, err, hint.Of(err))
		}
	}

	// In a repository, a local failure of another kind is git's.
	failing := func(ctx context.Context, args ...string) ([]byte, error) {
		if args[0] == "rev-parse" {
			return []byte(".git\n"), nil
		}
		return nil, &GitError{Args: args, Code: 128, Stderr: "fatal: unable to read config file '.git/config': Permission denied\n"}
	}
	_, err := (&Git{Run: failing, Scope: LocalScope, Hosts: helper.NewHosts().Names()}).Configure(context.Background())
	if errors.Is(err, ErrNotInRepository) || !strings.Contains(err.Error(), "Permission denied") {
		t.Errorf("Configure --local with an unreadable config = %v, want git's error", err)
	}
}
