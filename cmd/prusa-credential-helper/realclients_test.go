package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
)

// requireReal skips a test whose real component is missing, unless
// PRUSA_REQUIRE_REAL_CLIENTS=1 (set by CI) turns the skip into a failure.
func requireReal(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("PRUSA_REQUIRE_REAL_CLIENTS") == "1" {
		t.Fatalf("%s is required (PRUSA_REQUIRE_REAL_CLIENTS=1) but missing: %v", what, err)
	}
	t.Skipf("%s not available: %v", what, err)
}

// gitEnv is a private, prompt-free environment for the real git.
func gitEnv(t *testing.T, extra ...string) []string {
	home := t.TempDir()
	env := append(homeEnv(home),
		"PATH="+os.Getenv("PATH"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=",
		"SSH_ASKPASS=",
		"PRUSA_NONINTERACTIVE=1",
		raceExitNow,
		"LANG=C",
	)
	return append(env, extra...)
}

// gitCredential runs "git credential <action>" with our helper as the only
// one, and returns stdout, stderr and the error.
func gitCredential(t *testing.T, env []string, action, input string, config ...string) (string, string, error) {
	t.Helper()
	args := []string{"-c", "credential.helper=", "-c", "credential.helper=prusa"}
	for _, c := range config {
		args = append(args, "-c", c)
	}
	cmd := exec.Command("git", append(args, "credential", action)...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func TestRealGit(t *testing.T) {
	_, err := exec.LookPath("git")
	requireReal(t, "git", err)
	env := gitEnv(t)
	mustGit := func(action, input string, config ...string) string {
		t.Helper()
		out, stderr, err := gitCredential(t, env, action, input, config...)
		if err != nil {
			t.Fatalf("git credential %s %q: %v\n%s", action, input, err, stderr)
		}
		return out
	}
	fill := func(input string, config ...string) (string, error) {
		t.Helper()
		out, _, err := gitCredential(t, env, "fill", input, config...)
		return out, err
	}

	t.Run("nothing stored falls through to a prompt", func(t *testing.T) {
		if out, err := fill("protocol=https\nhost=example.com\n\n"); err == nil {
			t.Errorf("fill with nothing stored = %q, want git to fail at the (disabled) prompt", out)
		}
	})
	t.Run("approve then fill", func(t *testing.T) {
		mustGit("approve", "protocol=https\nhost=example.com\nusername=bob\npassword=one\n\n")
		got := mustGit("fill", "protocol=https\nhost=example.com\n\n")
		if want := "protocol=https\nhost=example.com\nusername=bob\npassword=one\n"; got != want {
			t.Errorf("fill = %q, want %q", got, want)
		}
	})
	t.Run("approve overwrites", func(t *testing.T) {
		mustGit("approve", "protocol=https\nhost=example.com\nusername=bob\npassword=two\n\n")
		got := mustGit("fill", "url=https://bob@example.com\n\n")
		if want := "protocol=https\nhost=example.com\nusername=bob\npassword=two\n"; got != want {
			t.Errorf("fill after overwrite = %q, want %q", got, want)
		}
	})
	t.Run("several users on one host", func(t *testing.T) {
		mustGit("approve", "protocol=https\nhost=multi.example\nusername=alice\npassword=a\n\n")
		mustGit("approve", "protocol=https\nhost=multi.example\nusername=carol\npassword=c\n\n")
		for user, pw := range map[string]string{"alice": "a", "carol": "c"} {
			got := mustGit("fill", "protocol=https\nhost=multi.example\nusername="+user+"\n\n")
			if want := "protocol=https\nhost=multi.example\nusername=" + user + "\npassword=" + pw + "\n"; got != want {
				t.Errorf("fill for %s = %q, want %q", user, got, want)
			}
		}
	})
	t.Run("reject with a stale password keeps the credential", func(t *testing.T) {
		mustGit("reject", "protocol=https\nhost=example.com\nusername=bob\npassword=one\n\n")
		if got := mustGit("fill", "protocol=https\nhost=example.com\n\n"); !strings.Contains(got, "password=two\n") {
			t.Errorf("fill after stale reject = %q, want password two kept", got)
		}
	})
	t.Run("reject erases", func(t *testing.T) {
		mustGit("reject", "protocol=https\nhost=example.com\nusername=bob\npassword=two\n\n")
		if out, err := fill("protocol=https\nhost=example.com\n\n"); err == nil {
			t.Errorf("fill after reject = %q, want nothing from the helper", out)
		}
	})
	t.Run("useHttpPath", func(t *testing.T) {
		path := "credential.useHttpPath=true"
		mustGit("approve", "protocol=https\nhost=paths.example\npath=org/a.git\nusername=u\npassword=pa\n\n", path)
		mustGit("approve", "protocol=https\nhost=paths.example\npath=org/b.git\nusername=u\npassword=pb\n\n", path)
		for repo, pw := range map[string]string{"a": "pa", "b": "pb"} {
			got := mustGit("fill", "url=https://paths.example/org/"+repo+".git\n\n", path)
			if !strings.Contains(got, "password="+pw+"\n") {
				t.Errorf("fill for org/%s.git = %q, want password %s", repo, got, pw)
			}
		}
		if out, err := fill("url=https://paths.example/org/c.git\n\n", path); err == nil {
			t.Errorf("fill for an unknown path = %q, want nothing", out)
		}
	})
}

func TestRealGitPrusa(t *testing.T) {
	_, err := exec.LookPath("git")
	requireReal(t, "git", err)

	t.Run("not logged in", func(t *testing.T) {
		_, stderr, err := gitCredential(t, gitEnv(t), "fill", "protocol=https\nhost=connect.prusa3d.com\n\n")
		if err == nil {
			t.Fatal("fill without a session succeeded")
		}
		if !strings.Contains(stderr, "not logged in") || !strings.Contains(stderr, "hint: run 'prusa-credential-helper login'") {
			t.Errorf("stderr = %q, want our error and hint", stderr)
		}
	})
	t.Run("token from PRUSA_TOKEN", func(t *testing.T) {
		tok := testJWT(t, time.Now().Add(time.Hour))
		env := gitEnv(t, "PRUSA_TOKEN="+tok)
		out, stderr, err := gitCredential(t, env, "fill", "protocol=https\nhost=connect.prusa3d.com\npath=api/v1\n\n")
		if err != nil {
			t.Fatalf("fill: %v\n%s", err, stderr)
		}
		if !strings.Contains(out, "\npassword="+tok+"\n") || !strings.Contains(out, "username=1234567\n") {
			t.Errorf("fill = %q, want the token and the account id", out)
		}
		// No other host sees it.
		if out, _, err := gitCredential(t, env, "fill", "protocol=https\nhost=connect.prusa3d.com.example.net\n\n"); err == nil || strings.Contains(out, tok) {
			t.Errorf("fill for a look-alike host = %q, %v; want no token", out, err)
		}
	})
}

// testJWT makes an unsigned JWT with the claims of a Prusa access token.
func testJWT(t *testing.T, exp time.Time) string {
	t.Helper()
	claims, err := json.Marshal(map[string]any{"jti": "j", "sub": "1234567", "exp": exp.Unix(), "type": "access"})
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(claims) + ".c2ln"
}

func TestDockerClient(t *testing.T) {
	_, err := exec.LookPath("docker-credential-prusa")
	if err != nil {
		t.Fatalf("docker-credential-prusa is not on PATH (TestMain installs it): %v", err)
	}
	home := t.TempDir()
	// The client adds env to this process's environment: every variable
	// that locates the user's directories is overridden, so that nothing
	// reaches the real store (on Windows, %AppData%).
	env := map[string]string{"PRUSA_NONINTERACTIVE": "1"}
	for _, kv := range homeEnv(home) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	prog := client.NewShellProgramFuncWithEnv("docker-credential-prusa", &env)

	if _, err := client.Get(prog, "registry.example.com"); !credentials.IsErrCredentialsNotFound(err) {
		t.Fatalf("Get with nothing stored error = %v, want not found", err)
	}
	for _, c := range []credentials.Credentials{
		{ServerURL: "registry.example.com", Username: "bob", Secret: "s3cr3t"},
		{ServerURL: "https://index.docker.io/v1/", Username: "alice", Secret: "hub-token"},
	} {
		if err := client.Store(prog, &c); err != nil {
			t.Fatalf("Store(%s): %v", c.ServerURL, err)
		}
	}
	got, err := client.Get(prog, "registry.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if want := (credentials.Credentials{ServerURL: "registry.example.com", Username: "bob", Secret: "s3cr3t"}); *got != want {
		t.Errorf("Get = %+v, want %+v", *got, want)
	}
	// The credentials went to the private home, nowhere else.
	opts, err := file.DefaultOptions(func(k string) string { return env[k] }, runtime.GOOS)
	if err != nil {
		t.Fatal(err)
	}
	if dir := file.New(opts).CredentialsDir(); !hasFiles(dir) {
		t.Errorf("%s is empty after Store: the helper wrote somewhere else", dir)
	}
	list, err := client.List(prog)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"registry.example.com": "bob", "https://index.docker.io/v1/": "alice"}, list); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if err := client.Erase(prog, "registry.example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Get(prog, "registry.example.com"); !credentials.IsErrCredentialsNotFound(err) {
		t.Errorf("Get after Erase error = %v, want not found", err)
	}
	if err := client.Erase(prog, "registry.example.com"); err != nil {
		t.Errorf("second Erase error = %v, want success (erase is idempotent)", err)
	}

	// A Prusa host with a session from the environment.
	tok := testJWT(t, time.Now().Add(time.Hour))
	env["PRUSA_TOKEN"] = tok
	got, err = client.Get(prog, "connect.prusa3d.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != tok || got.Username != "1234567" {
		t.Errorf("Get(connect.prusa3d.com) = %s/%s, want the account id and the token", got.Username, redact(got.Secret))
	}
	if _, err := client.Get(prog, "connect.prusa3d.com.evil.example"); !credentials.IsErrCredentialsNotFound(err) {
		t.Errorf("Get(look-alike) error = %v, want not found", err)
	}
}

// hasFiles reports whether dir exists and has an entry.
func hasFiles(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) > 0
}

func redact(s string) string { return fmt.Sprintf("[%d bytes]", len(s)) }
