package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/winetest"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce"
	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// The stress tests are bounded for go test; scripts/stress.sh runs them
// longer through these flags.
var (
	stressProcs  = flag.Int("stress.procs", 32, "helper processes per round in TestStressRefresh")
	stressRounds = flag.Int("stress.rounds", 3, "rounds in TestStressRefresh")
	stressKills  = flag.Int("stress.kills", 40, "kill -9 trials in TestKillDuringWrites")
)

// stressHome is a private config directory for helper processes talking
// to srv.
type stressHome struct {
	dir string
	env []string
}

func newStressHome(t *testing.T, srv *pkcetest.Server, extra ...string) *stressHome {
	t.Helper()
	home := t.TempDir()
	env := append(homeEnv(home),
		"PATH="+os.Getenv("PATH"),
		"PRUSA_ACCOUNT_URL="+srv.URL(),
		"PRUSA_NONINTERACTIVE=1",
		raceExitNow,
	)
	return &stressHome{dir: home, env: append(env, extra...)}
}

func (h *stressHome) tokensFile() string {
	return filepath.Join(sdkDir(h.dir), "prusa_tokens.json")
}

// appDir is the helper's own directory.
func (h *stressHome) appDir() string {
	return filepath.Join(h.dir, ".config", file.AppDir)
}

// credentialsDir is the file backend's directory of bucket files.
func (h *stressHome) credentialsDir() string {
	return file.New(file.Options{Dir: h.appDir()}).CredentialsDir()
}

// writeSession stores tr as the session.
func (h *stressHome) writeSession(t *testing.T, tr pkcetest.TokenResponse) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(h.tokensFile()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.tokensFile(), tr.JSON(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// readSession parses the stored session; a file that does not parse is a
// failure of the property under test, not of the test.
func (h *stressHome) readSession() (*pkce.TokenSet, error) {
	data, err := os.ReadFile(h.tokensFile())
	if err != nil {
		return nil, err
	}
	return pkce.ParseTokenSet(data)
}

// makeStale replaces the stored access token with an expired one and
// keeps the refresh token, so that the next get must refresh the same
// session.
func (h *stressHome) makeStale(t *testing.T, srv *pkcetest.Server) {
	t.Helper()
	ts, err := h.readSession()
	if err != nil {
		t.Fatalf("the session does not parse: %v", err)
	}
	expired, err := srv.IssueExpiring(scriptEmail, -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ts.AccessToken = expired.AccessToken
	data, err := ts.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.tokensFile(), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

const prusaGitRequest = "protocol=https\nhost=connect.prusa3d.com\n\n"

// helperCmd is one helper process.
func (h *stressHome) helperCmd(ctx context.Context, name, stdin string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = h.env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// password returns the password line of a git answer.
func password(answer string) string {
	for line := range strings.SplitSeq(answer, "\n") {
		if v, ok := strings.CutPrefix(line, "password="); ok {
			return v
		}
	}
	return ""
}

// TestStressRefresh runs many helper processes at once against a stale
// session on a fake account whose refresh tokens are single-use (a reuse
// revokes the session), for several rounds. Every process must get the
// one new token, exactly one refresh per round may reach the server, and
// the session must survive every round.
func TestStressRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test; runs without -short")
	}
	srv := pkcetest.NewServer(pkcetest.Options{AccessTTL: time.Hour},
		pkcetest.Account{Email: scriptEmail, Password: scriptPassword, Subject: "1234567"})
	t.Cleanup(srv.Close)
	h := newStressHome(t, srv)
	initial, err := srv.Issue(scriptEmail)
	if err != nil {
		t.Fatal(err)
	}
	h.writeSession(t, initial)

	procs, rounds := *stressProcs, *stressRounds
	for round := 1; round <= rounds; round++ {
		h.makeStale(t, srv)
		before := srv.Stats()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		answers := make([]string, procs)
		errs := make([]error, procs)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range procs {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait() // release them together
				for attempt := 1; ; attempt++ {
					cmd, stdout, stderr := h.helperCmd(ctx, "git-credential-prusa", prusaGitRequest, "get")
					err := cmd.Run()
					if err != nil && cmd.Process == nil && winetest.Under() && attempt < 3 {
						// Wine's CreateProcess now and then fails with
						// "Internal error" when dozens start at once;
						// the helper never ran, so start it again.
						t.Logf("round %d, process %d did not start (attempt %d): %v", round, i, attempt, err)
						continue
					}
					if err != nil {
						errs[i] = fmt.Errorf("%v: %s", err, stderr)
					}
					answers[i] = stdout.String()
					break
				}
			}()
		}
		start.Done()
		done.Wait()
		cancel()

		after := srv.Stats()
		ts, err := h.readSession()
		if err != nil {
			t.Fatalf("round %d: the session file does not parse after the round: %v", round, err)
		}
		exp, err := ts.AccessExpiry()
		if err != nil || time.Until(exp) < 30*time.Minute {
			t.Fatalf("round %d: the stored access token is not fresh (expiry %v, %v)", round, exp, err)
		}
		for i := range procs {
			if errs[i] != nil {
				t.Errorf("round %d, process %d failed: %v", round, i, errs[i])
				continue
			}
			if got := password(answers[i]); got != ts.AccessToken {
				t.Errorf("round %d, process %d got a token that is not the stored, fresh one (%d bytes)", round, i, len(got))
			}
		}
		refreshes := after[pkcetest.TokenRefresh] - before[pkcetest.TokenRefresh]
		granted := after[pkcetest.RefreshGranted] - before[pkcetest.RefreshGranted]
		reuse := after[pkcetest.RefreshReuse] - before[pkcetest.RefreshReuse]
		t.Logf("round %d: %d processes, %d refresh requests, %d granted, %d reuses", round, procs, refreshes, granted, reuse)
		if refreshes != 1 || granted != 1 || reuse != 0 {
			t.Fatalf("round %d: %d refresh requests (%d granted, %d reuses) reached the account; want exactly 1 granted and no reuse",
				round, refreshes, granted, reuse)
		}
	}
}

// TestKillDuringWrites kills helper processes at random points while
// they refresh the session and store credentials, and checks after every
// kill that both files still parse and that the next process is not
// blocked by anything the killed one left behind (a lock, a temporary
// file). SIGKILL may cost the session when it lands between the server's
// rotation of the single-use refresh token and the write (the count is
// logged); SIGTERM and SIGINT, which the helper defers while it holds an
// unsaved token, never may.
func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test; runs without -short")
	}
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			if runtime.GOOS == "windows" && sig != syscall.SIGKILL {
				// os.Process.Signal sends only Kill (TerminateProcess)
				// there; Ctrl+C reaches a console's processes as an
				// event that one process cannot send another.
				t.Skipf("Windows has no %s to send another process", sig)
			}
			r := killTrials(t, sig, *stressKills)
			t.Logf("%s: %d trials, %d processes signalled mid-run, %d finished first; session lost: %d; temporary files left: %d",
				sig, *stressKills, r.signalled, r.finished, r.lost, r.temps)
			if sig != syscall.SIGKILL && r.lost > 0 {
				t.Errorf("%s lost the session %d times; the helper must save a rotated token before it exits", sig, r.lost)
			}
		})
	}
}

type killResult struct{ signalled, finished, lost, temps int }

func killTrials(t *testing.T, sig syscall.Signal, trials int) killResult {
	srv := pkcetest.NewServer(pkcetest.Options{AccessTTL: time.Hour},
		pkcetest.Account{Email: scriptEmail, Password: scriptPassword, Subject: "1234567"})
	t.Cleanup(srv.Close)
	// A minimum TTL above the access token's life makes every get refresh
	// and so rewrite the session file.
	h := newStressHome(t, srv, "PRUSA_MIN_TTL=2h")
	seed := func() {
		tr, err := srv.Issue(scriptEmail)
		if err != nil {
			t.Fatal(err)
		}
		h.writeSession(t, tr)
	}
	seed()
	// The bucket files of a few hosts exist from the start, so that every
	// trial checks that a killed rewrite leaves each whole (never missing,
	// never torn).
	ctx0, cancel0 := context.WithTimeout(context.Background(), time.Minute)
	for _, host := range killHosts {
		first, _, stderr0 := h.helperCmd(ctx0, "git-credential-prusa", "protocol=https\nhost="+host+"\nusername=first\npassword=p\n\n", "store")
		if err := first.Run(); err != nil {
			t.Fatalf("store: %v\n%s", err, stderr0)
		}
	}
	cancel0()

	rng := rand.New(rand.NewPCG(uint64(sig), uint64(time.Now().UnixNano())))
	var r killResult
	for trial := range trials {
		// Two writers race: a get that refreshes the session, and a store
		// that rewrites a host's bucket file.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		get, _, _ := h.helperCmd(ctx, "git-credential-prusa", prusaGitRequest, "get")
		store, _, _ := h.helperCmd(ctx, "git-credential-prusa",
			fmt.Sprintf("protocol=https\nhost=%s\nusername=u%d\npassword=p%d\n\n", killHosts[trial%len(killHosts)], trial, trial), "store")
		for _, c := range []*exec.Cmd{get, store} {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Duration(rng.IntN(25_000)) * time.Microsecond)
		for _, c := range []*exec.Cmd{get, store} {
			_ = c.Process.Signal(sig)
		}
		for _, c := range []*exec.Cmd{get, store} {
			if err := c.Wait(); err != nil {
				r.signalled++
			} else {
				r.finished++
			}
		}
		cancel()

		if _, err := h.readSession(); err != nil {
			t.Fatalf("trial %d: after %s the session file does not parse: %v", trial, sig, err)
		}
		if err := h.checkCredentials(); err != nil {
			t.Fatalf("trial %d: after %s: %v", trial, sig, err)
		}
		// The next process must not be blocked: it answers within the
		// lock timeout, with the token or, when a SIGKILL fell between
		// the server's rotation and the write, with a clear error.
		ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
		next, stdout, stderr := h.helperCmd(ctx, "git-credential-prusa", prusaGitRequest, "get")
		err := next.Run()
		cancel()
		switch {
		case err == nil && password(stdout.String()) != "":
		case err != nil && strings.Contains(stderr.String(), "not logged in"):
			r.lost++
			seed()
		default:
			t.Fatalf("trial %d: the next get after %s failed: %v\n%s", trial, sig, err, stderr)
		}
	}
	for _, dir := range []string{filepath.Dir(h.tokensFile()), h.appDir(), h.credentialsDir()} {
		temps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
		r.temps += len(temps)
	}
	return r
}

// killHosts are the hosts whose credentials TestKillDuringWrites stores,
// one bucket file each.
var killHosts = []string{"git.example.com", "git.example.org", "Git.Example.com"}

// checkCredentials checks the credentials directory: there is one bucket
// file per host stored (none missing), each is a JSON object of format
// version 2, and the file backend reads every one of them (List reads them
// all and reports any that does not parse) and finds the credential stored
// in each before the trials.
func (h *stressHome) checkCredentials() error {
	entries, err := os.ReadDir(h.credentialsDir())
	if err != nil {
		return err
	}
	var files int
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") { // a temporary file
			continue
		}
		files++
		data, err := os.ReadFile(filepath.Join(h.credentialsDir(), e.Name()))
		if err != nil {
			return err
		}
		var f struct {
			Version     int               `json:"version"`
			Bucket      string            `json:"bucket"`
			Credentials map[string]string `json:"credentials"`
		}
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("%s does not parse: %w", e.Name(), err)
		}
		if f.Version != 2 || len(f.Credentials) == 0 {
			return fmt.Errorf("%s: version %d, %d credentials", e.Name(), f.Version, len(f.Credentials))
		}
	}
	if files != len(killHosts) {
		return fmt.Errorf("%d bucket files, want %d (one per host)", files, len(killHosts))
	}
	s := file.New(file.Options{Dir: h.appDir()})
	if _, err := s.List(""); err != nil {
		return err
	}
	for _, host := range killHosts {
		if _, err := s.Get("git/https/" + host + "//first"); err != nil {
			return fmt.Errorf("the first credential of %s: %w", host, err)
		}
	}
	return nil
}
