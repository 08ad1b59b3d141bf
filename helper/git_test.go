package helper

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseGit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want GitCredential
		has  []string
	}{
		{
			name: "basic",
			in:   "protocol=https\nhost=example.com\nusername=bob\npassword=secr=et\n\n",
			want: GitCredential{Protocol: "https", Host: "example.com", Username: "bob", Password: "secr=et"},
			has:  []string{"protocol", "host", "username", "password"},
		},
		{
			name: "CRLF and EOF without blank line",
			in:   "protocol=https\r\nhost=example.com:8443\r\npath=a/b.git",
			want: GitCredential{Protocol: "https", Host: "example.com:8443", Path: "a/b.git"},
			has:  []string{"protocol", "host", "path"},
		},
		{
			name: "stops at blank line",
			in:   "protocol=https\nhost=a\n\nhost=b\n",
			want: GitCredential{Protocol: "https", Host: "a"},
		},
		{
			name: "empty values are present",
			in:   "protocol=https\nhost=a\nusername=\npassword=\n",
			want: GitCredential{Protocol: "https", Host: "a"},
			has:  []string{"username", "password"},
		},
		{
			name: "arrays and reset",
			in:   "capability[]=authtype\ncapability[]=state\nwwwauth[]=Basic realm=x\nwwwauth[]=\nwwwauth[]=Bearer\nstate[]=a\n",
			want: GitCredential{Capabilities: []string{"authtype", "state"}, WWWAuth: []string{"Bearer"}, State: []string{"a"}},
		},
		{
			name: "unknown keys ignored",
			in:   "protocol=https\nfuture_key=1\nhost=a\nquit=0\n",
			want: GitCredential{Protocol: "https", Host: "a"},
		},
		{
			name: "url sets fields",
			in:   "url=https://bob:pw@example.com:444/org/repo.git\n",
			want: GitCredential{Protocol: "https", Host: "example.com:444", Path: "org/repo.git", Username: "bob", Password: "pw"},
			has:  []string{"protocol", "host", "path", "username", "password"},
		},
		{
			name: "later keys win over url",
			in:   "url=https://example.com\nhost=other\n",
			want: GitCredential{Protocol: "https", Host: "other"},
		},
		{
			name: "authtype fields",
			in:   "capability[]=authtype\nauthtype=Bearer\ncredential=tok\nephemeral=1\npassword_expiry_utc=1700000000\noauth_refresh_token=rt\n",
			want: GitCredential{Capabilities: []string{"authtype"}, AuthType: "Bearer", Credential: "tok", Ephemeral: true, PasswordExpiryUTC: "1700000000", OAuthRefreshToken: "rt"},
		},
		{
			name: "empty input",
			in:   "",
			want: GitCredential{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGit(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ParseGit(%q) error = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, *got, cmp.AllowUnexported(GitCredential{}), cmp.FilterPath(func(p cmp.Path) bool {
				return p.Last().String() == ".has"
			}, cmp.Ignore())); diff != "" {
				t.Errorf("ParseGit(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			for _, k := range tt.has {
				if !got.Has(k) {
					t.Errorf("ParseGit(%q).Has(%q) = false, want true", tt.in, k)
				}
			}
		})
	}
}

func TestParseGitBadInput(t *testing.T) {
	tests := []struct {
		name, in, wantMsg string
	}{
		{"NUL in value", "protocol=https\nhost=a\x00b\n", "NUL"},
		{"bare CR in value", "protocol=https\nhost=a\rb\n", "carriage return"},
		{"CR CR LF", "protocol=https\nhost=a\r\r\n", "carriage return"},
		{"no equals", "protocol=https\nmysecrettoken\n", "not key=value"},
		{"empty key", "=value\n", "not key=value"},
		{"too large", "protocol=https\nwwwauth[]=" + strings.Repeat("x", MaxInput) + "\n", "over 64 KiB"},
		{"bad url", "url=::nope\n", "url"},
		{"secret as a key", "protocol=https\nmysecrettoken=\x00\n", "unknown key"},
		{"short secret as a key", "protocol=https\nmysecrettoken\r=x\n", "carriage return"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseGit(strings.NewReader(tt.in))
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("ParseGit(%q) error = %v, want ErrBadInput mentioning %q", tt.name, err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "mysecrettoken") {
				t.Errorf("error %q shows the offending line", err)
			}
		})
	}
}

// TestLongValueCannotSmuggle checks that a long wwwauth[] value is one value:
// no split at some buffer size turns its tail into an attribute.
func TestLongValueCannotSmuggle(t *testing.T) {
	for _, n := range []int{1023, 1024, 4095, 4096, 8191, 65536 - 200} {
		in := "protocol=https\nhost=example.com\nwwwauth[]=" + strings.Repeat("a", n) + "host=evil.example\n\n"
		c, err := ParseGit(strings.NewReader(in))
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if c.Host != "example.com" || len(c.WWWAuth) != 1 {
			t.Errorf("n=%d: host = %q, %d wwwauth values; want example.com and 1", n, c.Host, len(c.WWWAuth))
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want Protocol
	}{
		{"protocol=https\nhost=a\n", ProtocolGit},
		{"capability[]=authtype\n", ProtocolGit},
		{"\n\nprotocol=https\n", ProtocolGit},
		{`{"ServerURL":"a"}`, ProtocolDocker},
		{"  {\n", ProtocolDocker},
		{"connect.prusa3d.com\n", ProtocolDocker},
		{"https://registry.example.com/v2/?a=b\n", ProtocolDocker},
		{"", ProtocolDocker},
	}
	for _, tt := range tests {
		got, r, err := Detect(strings.NewReader(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("Detect(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
			continue
		}
		all, err := io.ReadAll(r)
		if err != nil || string(all) != tt.in {
			t.Errorf("Detect(%q) reader yields %q, want the whole input", tt.in, all)
		}
	}
}

func FuzzParseGit(f *testing.F) {
	f.Add("protocol=https\nhost=example.com\nusername=bob\npassword=pw\n\n")
	f.Add("capability[]=authtype\r\nwwwauth[]=Bearer realm=\"x\"\r\nurl=https://u:p@h/p\r\n")
	f.Add("=x\n\x00\r")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseGit(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("ParseGit error %v does not wrap ErrBadInput", err)
			}
			return
		}
		for _, v := range append([]string{c.Protocol, c.Host, c.Path, c.Username, c.Password, c.Credential}, c.WWWAuth...) {
			if strings.ContainsAny(v, "\n\x00") {
				t.Fatalf("ParseGit(%q) accepted a value with a newline or NUL: %q", in, v)
			}
		}
	})
}
