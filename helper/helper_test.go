package helper

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/docker/docker-credential-helpers/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/memory"
)

// testSession is a Session with one fixed token, recording what was asked.
type testSession struct {
	tok       Token
	err       error
	forgot    []string
	loggedOut bool
	requests  []Request // RequestFrom the context of each Token call
}

func (s *testSession) Token(ctx context.Context) (Token, error) {
	r, _ := RequestFrom(ctx)
	s.requests = append(s.requests, r)
	return s.tok, s.err
}
func (s *testSession) Forget(_ context.Context, tok string) error {
	s.forgot = append(s.forgot, tok)
	return nil
}
func (s *testSession) Logout(context.Context) error { s.loggedOut = true; return nil }

func newTestHelper() (*Helper, *testSession, *memory.Store) {
	st := new(memory.Store)
	se := &testSession{tok: Token{Username: "maker@example.com", AccessToken: "ACCESS.JWT.TOKEN", Expiry: time.Unix(1800000000, 0)}}
	var tick int64
	return &Helper{Store: st, Session: se, Now: func() time.Time { tick++; return time.Unix(1700000000, tick) }}, se, st
}

// git runs one git action and returns its output.
func git(t *testing.T, h *Helper, action, in string) string {
	t.Helper()
	var out strings.Builder
	if err := h.Git(context.Background(), action, strings.NewReader(in), &out); err != nil {
		t.Fatalf("Git(%s, %q) error = %v", action, in, err)
	}
	return out.String()
}

func TestGitGeneric(t *testing.T) {
	type step struct{ action, in, want string }
	tests := []struct {
		name  string
		steps []step
	}{
		{"nothing stored", []step{
			{"get", "protocol=https\nhost=example.com\n", ""},
		}},
		{"store get overwrite", []step{
			{"store", "protocol=https\nhost=example.com\nusername=bob\npassword=one\n", ""},
			{"get", "protocol=https\nhost=example.com\n", "username=bob\npassword=one\n"},
			{"store", "protocol=https\nhost=example.com\nusername=bob\npassword=two\n", ""},
			{"get", "protocol=https\nhost=example.com\nusername=bob\n", "username=bob\npassword=two\n"},
		}},
		{"protocol and host must match", []step{
			{"store", "protocol=https\nhost=example.com\nusername=bob\npassword=one\n", ""},
			{"get", "protocol=http\nhost=example.com\n", ""},
			{"get", "protocol=https\nhost=example.com:8443\n", ""},
			{"get", "protocol=https\nhost=EXAMPLE.com\n", ""},
		}},
		{"several users, newest first", []step{
			{"store", "protocol=https\nhost=h\nusername=alice\npassword=a\n", ""},
			{"store", "protocol=https\nhost=h\nusername=bob\npassword=b\n", ""},
			{"get", "protocol=https\nhost=h\n", "username=bob\npassword=b\n"},
			{"get", "protocol=https\nhost=h\nusername=alice\n", "username=alice\npassword=a\n"},
			{"get", "protocol=https\nhost=h\nusername=carol\n", ""},
		}},
		{"paths", []step{
			{"store", "protocol=https\nhost=h\npath=org/a.git\nusername=u\npassword=a\n", ""},
			{"store", "protocol=https\nhost=h\npath=org/b.git\nusername=u\npassword=b\n", ""},
			{"get", "protocol=https\nhost=h\npath=org/a.git\n", "username=u\npassword=a\n"},
			{"get", "protocol=https\nhost=h\npath=org/c.git\n", ""},
			{"get", "protocol=https\nhost=h\n", "username=u\npassword=b\n"},
		}},
		{"empty username and password are values", []step{
			{"store", "protocol=https\nhost=h\nusername=\npassword=\n", ""},
			{"get", "protocol=https\nhost=h\n", "username=\npassword=\n"},
			{"get", "protocol=https\nhost=h\nusername=\n", "username=\npassword=\n"},
		}},
		{"expiry and refresh token unchanged", []step{
			{"store", "protocol=https\nhost=h\nusername=u\npassword=p\npassword_expiry_utc=1234\noauth_refresh_token=rt\n", ""},
			{"get", "protocol=https\nhost=h\n", "username=u\npassword=p\npassword_expiry_utc=1234\noauth_refresh_token=rt\n"},
		}},
		{"ephemeral is not stored", []step{
			{"store", "protocol=https\nhost=h\nusername=u\npassword=p\nephemeral=1\n", ""},
			{"get", "protocol=https\nhost=h\n", ""},
		}},
		{"nothing to store", []step{
			{"store", "protocol=https\nhost=h\nusername=u\n", ""},
			{"get", "protocol=https\nhost=h\n", ""},
		}},
		{"authtype stored and returned only with the capability", []step{
			{"store", "capability[]=authtype\nprotocol=https\nhost=h\nauthtype=Bearer\ncredential=tok\n", ""},
			{"get", "protocol=https\nhost=h\n", ""},
			{"get", "capability[]=authtype\nprotocol=https\nhost=h\n", "capability[]=authtype\nauthtype=Bearer\ncredential=tok\n"},
		}},
		{"credential without the capability is not stored", []step{
			{"store", "protocol=https\nhost=h\nauthtype=Bearer\ncredential=tok\n", ""},
			{"get", "capability[]=authtype\nprotocol=https\nhost=h\n", ""},
		}},
		{"erase matching password", []step{
			{"store", "protocol=https\nhost=h\nusername=u\npassword=new\n", ""},
			{"erase", "protocol=https\nhost=h\nusername=u\npassword=old\n", ""},
			{"get", "protocol=https\nhost=h\n", "username=u\npassword=new\n"},
			{"erase", "protocol=https\nhost=h\nusername=u\npassword=new\n", ""},
			{"get", "protocol=https\nhost=h\n", ""},
		}},
		{"erase every match", []step{
			{"store", "protocol=https\nhost=h\nusername=a\npassword=1\n", ""},
			{"store", "protocol=https\nhost=h\nusername=b\npassword=2\n", ""},
			{"store", "protocol=https\nhost=other\nusername=a\npassword=3\n", ""},
			{"erase", "protocol=https\nhost=h\n", ""},
			{"get", "protocol=https\nhost=h\n", ""},
			{"get", "protocol=https\nhost=other\n", "username=a\npassword=3\n"},
		}},
		{"erase by username only", []step{
			{"store", "protocol=https\nhost=h\nusername=a\npassword=1\n", ""},
			{"store", "protocol=https\nhost=h\nusername=b\npassword=2\n", ""},
			{"erase", "protocol=https\nhost=h\nusername=b\n", ""},
			{"get", "protocol=https\nhost=h\n", "username=a\npassword=1\n"},
		}},
		{"capability action", []step{
			{"capability", "", "version 0\ncapability authtype\n"},
		}},
		{"unknown action ignored", []step{
			{"frobnicate", "garbage without equals", ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, _ := newTestHelper()
			for i, s := range tt.steps {
				if got := git(t, h, s.action, s.in); got != s.want {
					t.Errorf("step %d: %s %q = %q, want %q", i, s.action, s.in, got, s.want)
				}
			}
		})
	}
}

func TestGitBadRequests(t *testing.T) {
	for _, in := range []string{
		"host=example.com\n",
		"protocol=https\n",
		"protocol=https\nhost=a\nusername=u\npassword=p\x00\n",
		"protocol=https\nhost=a\nusername=u\npassword=p\rq\n",
		"protocol=https\nhost=a\nusername=u\nnot a line\n",
		// A percent-encoded line break or NUL in url= (git refuses them).
		"url=https://bob:x%0Apassword=y@git.example.com/\n",
		"url=https://bob:x%0D@git.example.com/\n",
		"url=https://bob%00:x@git.example.com/\n",
		"url=https://git.example.com/a%0Ab\n",
		"url=https://git.example.com%0A/\n",
	} {
		for _, action := range []string{"get", "store", "erase"} {
			h, _, st := newTestHelper()
			var out strings.Builder
			err := h.Git(context.Background(), action, strings.NewReader(in), &out)
			if !errors.Is(err, ErrBadInput) {
				t.Errorf("%s %q error = %v, want ErrBadInput", action, in, err)
			}
			if out.Len() != 0 {
				t.Errorf("%s %q wrote %q, want nothing", action, in, out.String())
			}
			if keys, _ := st.List(""); len(keys) != 0 {
				t.Errorf("%s %q stored %q, want nothing", action, in, keys)
			}
		}
	}
}

func TestGitPrusa(t *testing.T) {
	h, se, st := newTestHelper()
	got := git(t, h, "get", "protocol=https\nhost=connect.prusa3d.com\n")
	if want := "username=maker@example.com\npassword=ACCESS.JWT.TOKEN\npassword_expiry_utc=1800000000\n"; got != want {
		t.Errorf("get = %q, want %q", got, want)
	}
	got = git(t, h, "get", "capability[]=authtype\nprotocol=https\nhost=Account.Prusa3D.com:443\nwwwauth[]=Bearer\n")
	want := "capability[]=authtype\nusername=maker@example.com\npassword=ACCESS.JWT.TOKEN\npassword_expiry_utc=1800000000\nauthtype=Bearer\ncredential=ACCESS.JWT.TOKEN\nephemeral=1\n"
	if got != want {
		t.Errorf("get with authtype = %q, want %q", got, want)
	}

	git(t, h, "store", "protocol=https\nhost=connect.prusa3d.com\nusername=maker@example.com\npassword=ACCESS.JWT.TOKEN\n")
	if keys, _ := st.List(""); len(keys) != 0 {
		t.Errorf("store for a Prusa host stored %q, want a no-op", keys)
	}

	git(t, h, "erase", "protocol=https\nhost=connect.prusa3d.com\nusername=maker@example.com\npassword=OLD\n")
	git(t, h, "erase", "capability[]=authtype\nprotocol=https\nhost=connect.prusa3d.com\nauthtype=Bearer\ncredential=CRED\n")
	if diff := cmp.Diff([]string{"OLD", "CRED"}, se.forgot); diff != "" {
		t.Errorf("Forget calls (-want +got):\n%s", diff)
	}
	if se.loggedOut {
		t.Fatal("erase with a password logged out")
	}
	git(t, h, "erase", "protocol=https\nhost=connect.prusa3d.com\n")
	if !se.loggedOut {
		t.Error("erase without a password did not log out")
	}

	se.err = errors.New("not logged in")
	var out strings.Builder
	if err := h.Git(context.Background(), "get", strings.NewReader("protocol=https\nhost=connect.prusa3d.com\n"), &out); err == nil || out.Len() != 0 {
		t.Errorf("get with a failing session = %q, %v; want an error and no output", out.String(), err)
	}
}

func TestPrusaTokenNeverReachesOtherHosts(t *testing.T) {
	h, _, _ := newTestHelper()
	for _, host := range []string{"connect.prusa3d.com.evil.example", "connect.prusa3d.com.", "evil.example", "connect.prusa3d.com:8443"} {
		if got := git(t, h, "get", "protocol=https\nhost="+host+"\n"); got != "" {
			t.Errorf("get for %q = %q, want nothing", host, got)
		}
	}
	if got := git(t, h, "get", "protocol=http\nhost=connect.prusa3d.com\n"); got != "" {
		t.Errorf("get over http = %q, want nothing", got)
	}
}

func TestHosts(t *testing.T) {
	h := NewHosts("https://account.example.test", "http://127.0.0.1:8080", "https://other.example.test:8443")
	gitYes := [][2]string{
		{"https", "connect.prusa3d.com"}, {"https", "account.prusa3d.com"}, {"HTTPS", "CONNECT.PRUSA3D.COM"},
		{"https", "connect.prusa3d.com:443"}, {"https", "account.example.test"},
	}
	gitNo := [][2]string{
		{"http", "connect.prusa3d.com"}, {"https", "connect.prusa3d.com:8443"}, {"https", "connect.prusa3d.com."},
		{"https", "connect.prusa3d.com.example.net"}, {"https", "xconnect.prusa3d.com"}, {"https", "prusa3d.com"},
		{"https", "connеct.prusa3d.com"}, // Cyrillic е
		{"https", "xn--connct-5ve.prusa3d.com"}, {"https", "connect.prusa3d.com:"}, {"https", ""},
		{"https", "127.0.0.1:8080"}, {"http", "127.0.0.1:8080"}, {"https", "other.example.test:8443"},
		{"ssh", "connect.prusa3d.com"}, {"https", "connect.prusa3d.com\n"}, {"https", "connect.prusa3d.com\x00"},
		{"https", "user@connect.prusa3d.com"}, {"https", "[::1]"},
	}
	for _, c := range gitYes {
		if !h.Git(c[0], c[1]) {
			t.Errorf("Git(%q, %q) = false, want true", c[0], c[1])
		}
	}
	for _, c := range gitNo {
		if h.Git(c[0], c[1]) {
			t.Errorf("Git(%q, %q) = true, want false", c[0], c[1])
		}
	}
	dockerYes := []string{"connect.prusa3d.com", "https://connect.prusa3d.com/", "https://connect.prusa3d.com/v2/", "Connect.Prusa3d.com:443"}
	dockerNo := []string{
		"http://connect.prusa3d.com", "connect.prusa3d.com:5000", "example.net/connect.prusa3d.com",
		"https://connect.prusa3d.com@evil.example", "https://evil.example#@connect.prusa3d.com", "https://user@connect.prusa3d.com",
		"connect.prusa3d.com.", "ftp://connect.prusa3d.com", "connect.prusa3d.com\r\nx", "", "https://",
	}
	for _, u := range dockerYes {
		if !h.Docker(u) {
			t.Errorf("Docker(%q) = false, want true", u)
		}
	}
	for _, u := range dockerNo {
		if h.Docker(u) {
			t.Errorf("Docker(%q) = true, want false", u)
		}
	}
}

// docker runs one docker action.
func docker(h *Helper, action, in string) (string, error) {
	var out strings.Builder
	err := h.Docker(context.Background(), action, strings.NewReader(in), &out)
	return out.String(), err
}

func TestDocker(t *testing.T) {
	h, se, st := newTestHelper()
	mustDocker := func(action, in string) string {
		t.Helper()
		out, err := docker(h, action, in)
		if err != nil {
			t.Fatalf("%s %q error = %v", action, in, err)
		}
		return out
	}
	if _, err := docker(h, "get", "registry.example.com\n"); err == nil || err.Error() != "credentials not found in native keychain" {
		t.Fatalf("get with nothing stored error = %v, want docker's not-found", err)
	}
	mustDocker("store", `{"ServerURL":"registry.example.com","Username":"bob","Secret":"s3cr3t"}`)
	mustDocker("store", `{"ServerURL":"https://index.docker.io/v1/","Username":"alice","Secret":"x"}`)
	var got credentials.Credentials
	if err := json.Unmarshal([]byte(mustDocker("get", "registry.example.com")), &got); err != nil {
		t.Fatal(err)
	}
	if want := (credentials.Credentials{ServerURL: "registry.example.com", Username: "bob", Secret: "s3cr3t"}); got != want {
		t.Errorf("get = %+v, want %+v", got, want)
	}
	var list map[string]string
	if err := json.Unmarshal([]byte(mustDocker("list", "")), &list); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"registry.example.com": "bob", "https://index.docker.io/v1/": "alice"}, list); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	mustDocker("erase", "registry.example.com\n")
	if _, err := docker(h, "get", "registry.example.com"); !credentials.IsErrCredentialsNotFound(err) {
		t.Errorf("get after erase error = %v, want not found", err)
	}
	if _, err := docker(h, "erase", "registry.example.com"); err != nil {
		t.Errorf("second erase error = %v, want success (erase is idempotent)", err)
	}

	// Prusa hosts.
	if err := json.Unmarshal([]byte(mustDocker("get", "connect.prusa3d.com\n")), &got); err != nil {
		t.Fatal(err)
	}
	if want := (credentials.Credentials{ServerURL: "connect.prusa3d.com", Username: "maker@example.com", Secret: "ACCESS.JWT.TOKEN"}); got != want {
		t.Errorf("get Prusa = %+v, want %+v", got, want)
	}
	before, _ := st.List("")
	mustDocker("store", `{"ServerURL":"connect.prusa3d.com","Username":"x","Secret":"y"}`)
	if after, _ := st.List(""); len(after) != len(before) {
		t.Errorf("store for a Prusa host changed the store: %q -> %q", before, after)
	}
	mustDocker("erase", "https://connect.prusa3d.com/")
	if !se.loggedOut {
		t.Error("docker erase of a Prusa host did not log out")
	}
}

func TestDockerBadInput(t *testing.T) {
	tests := []struct{ name, action, in string }{
		{"array", "store", `["a"]`},
		{"string", "store", `"connect.prusa3d.com"`},
		{"not JSON", "store", `ServerURL=x`},
		{"no ServerURL", "store", `{"Username":"u","Secret":"s"}`},
		{"no Username", "store", `{"ServerURL":"r.example","Secret":"s"}`},
		{"NUL in secret", "store", `{"ServerURL":"r.example","Username":"u","Secret":"a\u0000b"}`},
		{"newline in URL", "store", `{"ServerURL":"r.example\nx","Username":"u","Secret":"s"}`},
		{"CR in username", "store", `{"ServerURL":"r.example","Username":"u\r","Secret":"s"}`},
		{"too large", "store", `{"ServerURL":"r.example","Username":"u","Secret":"` + strings.Repeat("s", MaxInput) + `"}`},
		{"empty get", "get", "\n"},
		{"two lines get", "get", "a.example\nb.example\n"},
		{"NUL get", "get", "a.example\x00"},
		{"empty erase", "erase", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, st := newTestHelper()
			out, err := docker(h, tt.action, tt.in)
			if err == nil {
				t.Fatalf("%s %q: no error", tt.action, tt.in)
			}
			if out != "" {
				t.Errorf("%s %q wrote %q, want nothing", tt.action, tt.in, out)
			}
			if keys, _ := st.List(""); len(keys) != 0 {
				t.Errorf("%s %q stored %q, want nothing", tt.action, tt.in, keys)
			}
		})
	}
}

func TestTokenRedacts(t *testing.T) {
	tok := Token{Username: "u", AccessToken: "SECRET-TOKEN"}
	for _, s := range []string{tok.String(), tok.GoString()} {
		if strings.Contains(s, "SECRET") {
			t.Errorf("Token formats as %q, showing the token", s)
		}
	}
}

// A damaged stored entry is reported without quoting any of it: the
// decoder's message would show a character, maybe one of the secret.
func TestDamagedEntryQuotesNothing(t *testing.T) {
	h, _, st := newTestHelper()
	git(t, h, "store", "protocol=https\nhost=example.com\nusername=bob\npassword=pw\n")
	keys, _ := st.List("git/")
	if len(keys) != 1 {
		t.Fatalf("stored keys %q, want one", keys)
	}
	const damaged = `{"username":"bob","password":Zsecret`
	if err := st.Put(keys[0], damaged); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := h.Git(context.Background(), "get", strings.NewReader("protocol=https\nhost=example.com\n"), &out)
	if err == nil || !strings.Contains(err.Error(), "damaged") || strings.Contains(err.Error(), "Z") {
		t.Errorf("git get of a damaged entry: %v; want a damaged error that quotes none of it", err)
	}
	if err := st.Put(backends.DockerKey("registry.example.com"), damaged); err != nil {
		t.Fatal(err)
	}
	if _, err := docker(h, "get", "registry.example.com"); err == nil || !strings.Contains(err.Error(), "damaged") || strings.Contains(err.Error(), "Z") {
		t.Errorf("docker get of a damaged entry: %v; want a damaged error that quotes none of it", err)
	}
}

// TestGitBytesRoundTrip stores values that are not UTF-8, as git may send
// them, and checks that get returns the same bytes and that an erase with
// the original password matches, as git's credential-store does; the
// stored entry stays valid JSON. An entry written before (plain strings)
// still reads.
func TestGitBytesRoundTrip(t *testing.T) {
	h, _, st := newTestHelper()
	const pw, rt = "p\xe4ss\xff", "r\xfe\x80t"
	git(t, h, "store", "protocol=https\nhost=example.com\nusername=u\xe9\npassword="+pw+"\noauth_refresh_token="+rt+"\n")
	got := git(t, h, "get", "protocol=https\nhost=example.com\n")
	if want := "username=u\xe9\npassword=" + pw + "\noauth_refresh_token=" + rt + "\n"; got != want {
		t.Errorf("get = %q, want %q", got, want)
	}
	keys, _ := st.List("")
	for _, k := range keys {
		v, _ := st.Get(k)
		if !json.Valid([]byte(v)) || !utf8.ValidString(v) {
			t.Errorf("stored entry %q is not valid UTF-8 JSON", v)
		}
	}
	git(t, h, "erase", "protocol=https\nhost=example.com\nusername=u\xe9\npassword="+pw+"\n")
	if got := git(t, h, "get", "protocol=https\nhost=example.com\n"); got != "" {
		t.Errorf("get after erase with the original password = %q, want nothing", got)
	}

	if err := st.Put(backends.GitKey("https", "old.example", "", "bob"), `{"password":"s\u00e9cret","stored":1}`); err != nil {
		t.Fatal(err)
	}
	if got, want := git(t, h, "get", "protocol=https\nhost=old.example\n"), "username=bob\npassword=s\u00e9cret\n"; got != want {
		t.Errorf("get of an entry in the old form = %q, want %q", got, want)
	}
}

// TestTokenRequest: the session learns who asks for the token and for
// what, so that a login it starts can say why.
func TestTokenRequest(t *testing.T) {
	h, se, _ := newTestHelper()
	git(t, h, "get", "protocol=https\nhost=connect.prusa3d.com\npath=team/repo.git\n")
	if _, err := docker(h, "get", "connect.prusa3d.com"); err != nil {
		t.Fatal(err)
	}
	want := []Request{
		{Client: "git", URL: "https://connect.prusa3d.com"},
		{Client: "docker", URL: "connect.prusa3d.com"},
	}
	if diff := cmp.Diff(want, se.requests); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
