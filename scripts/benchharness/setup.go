package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The account the fake serves and the Prusa host the helper is asked for.
const (
	benchEmail = "bench@example.com"
	prusaHost  = "connect.prusa3d.com"
	clientID   = "MRHTlZhZqkNrrQ6FUPtjyusAz8nc59ErHXP8XkS4"
)

// fake is a running scripts/fakeaccount. It listens on 127.0.0.1 and
// exits when this process closes its stdin, so that it cannot outlive the
// benchmark.
type fake struct {
	url   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	// control reaches the control endpoints over a kept-alive connection.
	control *http.Client
}

func startFake(path, logPath string) (*fake, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(path, "-addr", "127.0.0.1:0", "-exit-on-stdin-eof",
		"-email", benchEmail, "-password", "bench-password")
	cmd.Stderr = logf
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &fake{cmd: cmd, stdin: stdin, control: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case f.url = <-line:
	case <-time.After(15 * time.Second):
	}
	if u, err := url.Parse(f.url); err != nil || u.Scheme != "http" || !strings.HasPrefix(u.Host, "127.0.0.1:") {
		f.close()
		return nil, fmt.Errorf("the fake account did not print a 127.0.0.1 URL (got %q; see %s)", f.url, logPath)
	}
	return f, nil
}

func (f *fake) close() {
	f.stdin.Close()
	done := make(chan struct{})
	go func() { f.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		f.cmd.Process.Kill()
		<-done
	}
}

// issue mints a token set whose access token lives ttl (0: already
// expired) and returns its JSON, the token response that a session file
// holds.
func (f *fake) issue(ttl time.Duration) ([]byte, error) {
	resp, err := f.control.PostForm(f.url+"/_fake/issue", url.Values{"ttl": {ttl.String()}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/_fake/issue: %s: %s", resp.Status, body)
	}
	return body, nil
}

// tokenRequests returns how many requests reached the token endpoint, of
// every grant type, and how many of them were refreshes.
func (f *fake) tokenRequests() (total, refreshes int, err error) {
	resp, err := f.control.Get(f.url + "/_fake/stats")
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var st map[string]int
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return 0, 0, fmt.Errorf("/_fake/stats: %w", err)
	}
	return st["token_code"] + st["token_refresh"] + st["token_other"], st["token_refresh"], nil
}

// freshClient is a client that opens a new connection for every request, as a
// helper process does.
var freshClient = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true}, // and no proxy
}

// tinyRoundTrip times one small request on a new connection: the round
// trip to the local account server that the stale target allows.
func (f *fake) tinyRoundTrip() (time.Duration, error) {
	start := time.Now()
	resp, err := freshClient.Get(f.url + "/_fake/stats")
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errors.New(resp.Status)
	}
	return d, err
}

// refreshRoundTrip times one refresh grant on a new connection, as the
// helper sends it: the round trip plus what the server spends minting
// three RS256 tokens. The token set to refresh is minted first, outside
// the timing.
func (f *fake) refreshRoundTrip() (time.Duration, error) {
	raw, err := f.issue(0)
	if err != nil {
		return 0, err
	}
	var ts struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(raw, &ts); err != nil || ts.RefreshToken == "" {
		return 0, fmt.Errorf("/_fake/issue gave no refresh token (%v)", err)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {ts.RefreshToken}}
	start := time.Now()
	resp, err := freshClient.PostForm(f.url+"/o/token/", form)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("refresh: %s", resp.Status)
	}
	return d, err
}

// home is a private HOME for the helper with its config directory.
type home struct {
	dir    string // HOME; XDG_CONFIG_HOME is dir/.config
	appDir string // the helper's own directory (credentials/)
}

func newHome(root, name string) (*home, error) {
	dir := filepath.Join(root, name)
	h := &home{dir: dir, appDir: filepath.Join(dir, ".config", "prusa-credential-helper")}
	if err := os.MkdirAll(filepath.Dir(h.tokensFile()), 0o700); err != nil {
		return nil, err
	}
	return h, os.MkdirAll(h.appDir, 0o700)
}

// newHomes makes a home under root for each name.
func newHomes(root string, names ...string) ([]*home, error) {
	out := make([]*home, len(names))
	for i, name := range names {
		h, err := newHome(root, name)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// tokensFile is the session file: the Python SDK's, on Linux.
func (h *home) tokensFile() string {
	return filepath.Join(h.dir, ".config", "prusa-connect", "prusa_tokens.json")
}

// writeSession replaces the session file.
func (h *home) writeSession(data []byte) error {
	tmp := h.tokensFile() + ".bench-tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, h.tokensFile())
}

// env is the environment of a helper (or baseline) run in h: nothing of
// the caller's leaks in, and the account is the local fake, so that no
// request can leave the machine.
func (h *home) env(accountURL string) []string {
	return []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + h.dir,
		"XDG_CONFIG_HOME=" + filepath.Join(h.dir, ".config"),
		"PRUSA_NONINTERACTIVE=1",
		"PRUSA_ACCOUNT_URL=" + accountURL,
		"GIT_CONFIG_NOSYSTEM=1",
		"LC_ALL=C",
	}
}

// pathEscape is url.PathEscape, the escaping of the helper's storage keys.
func pathEscape(s string) string { return url.PathEscape(s) }

// gitKey is the helper's storage key of a generic git credential
// (backends.GitKey, rewritten here to keep this harness on the standard
// library).
func gitKey(protocol, host, path, username string) string {
	return "git/" + pathEscape(protocol) + "/" + pathEscape(host) + "/" + pathEscape(path) + "/" + pathEscape(username)
}

// credHost is the host of generic credential i.
func credHost(i int) string { return fmt.Sprintf("host%05d.example.com", i) }

func credUser(i int) string { return fmt.Sprintf("user%d", i) }

func credPassword(i int) string { return fmt.Sprintf("secret-%05d-0123456789abcdef", i) }

// writeCredentials writes h's generic git credentials numbered indices in
// the layout the file backend reads (backends/file, format version 2): one
// bucket file per host, credentials/git-<hex SHA-256 of the bucket>.json,
// the bucket being the key's first three segments, git/<protocol>/<host>,
// each file {"version":2,"bucket":...,"credentials":{key: entry}}, the
// entry being the helper's JSON. Writing the files directly is much faster
// than n stores, each of which takes the lock and flushes its file; the
// answer checks before any timing prove through the helper itself that it
// reads what was written.
func (h *home) writeCredentials(indices []int) error {
	dir := filepath.Join(h.appDir, "credentials")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, i := range indices {
		pw, err := json.Marshal(map[string]any{"password": credPassword(i), "stored": 1700000000000000000 + int64(i)})
		if err != nil {
			return err
		}
		bucket := "git/https/" + pathEscape(credHost(i))
		data, err := json.MarshalIndent(map[string]any{
			"version":     2,
			"bucket":      bucket,
			"credentials": map[string]string{gitKey("https", credHost(i), "", credUser(i)): string(pw)},
		}, "", "  ")
		if err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(bucket))
		name := "git-" + hex.EncodeToString(sum[:]) + ".json"
		if err := os.WriteFile(filepath.Join(dir, name), append(data, '\n'), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// writeGitStore writes a git-credential-store file with the same
// credentials, for git's own helper as a comparison.
func writeGitStore(path string, indices []int) error {
	var b bytes.Buffer
	for _, i := range indices {
		u := url.URL{Scheme: "https", User: url.UserPassword(credUser(i), credPassword(i)), Host: credHost(i)}
		b.WriteString(u.String())
		b.WriteByte('\n')
	}
	return os.WriteFile(path, b.Bytes(), 0o600)
}

// gitRequest is a git get for host.
func gitRequest(host string) string {
	return "protocol=https\nhost=" + host + "\n\n"
}

// writeRequest writes a request to a file under dir and returns its path.
func writeRequest(dir, name, content string) (string, error) {
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, []byte(content), 0o600)
}

// writeRequests writes each request to a file under dir and returns
// their paths.
func writeRequests(dir string, contents ...string) ([]string, error) {
	out := make([]string, len(contents))
	for i, c := range contents {
		p, err := writeRequest(dir, fmt.Sprintf("req-%d", i), c)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// listFiles returns the files under dir, relative to it.
func listFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}
