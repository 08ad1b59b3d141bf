package helper_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/memory"
	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
)

// benchSession is a Session that always has a fresh token: what a get for
// a Prusa host costs in this package, without the session layer.
type benchSession struct{ tok helper.Token }

func (s benchSession) Token(context.Context) (helper.Token, error) { return s.tok, nil }
func (benchSession) Forget(context.Context, string) error          { return nil }
func (benchSession) Logout(context.Context) error                  { return nil }

// benchHelper returns a Helper on a memory store holding n generic git
// credentials, for hosts host00000.example.com and up, stored through
// the helper itself so that they are in its own format.
func benchHelper(b *testing.B, n int) *helper.Helper {
	b.Helper()
	h := &helper.Helper{
		Store: new(memory.Store),
		Session: benchSession{helper.Token{
			Username:    "maker@example.com",
			AccessToken: "eyJhbGciOiJSUzI1NiJ9." + strings.Repeat("a", 300) + "." + strings.Repeat("s", 342),
			Expiry:      time.Now().Add(2 * time.Hour),
		}},
	}
	for i := range n {
		in := fmt.Sprintf("protocol=https\nhost=host%05d.example.com\nusername=user%d\npassword=secret-%d\n\n", i, i, i)
		if err := h.Git(context.Background(), "store", strings.NewReader(in), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	return h
}

func benchGit(b *testing.B, h *helper.Helper, in, want string) {
	b.Helper()
	ctx := context.Background()
	var out strings.Builder
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := h.Git(ctx, "get", strings.NewReader(in), &out); err != nil {
			b.Fatal(err)
		}
	}
	if !strings.Contains(out.String(), want) {
		b.Fatalf("Git(get, %q) = %q, want it to contain %q", in, out.String(), want)
	}
}

// BenchmarkGitGetPrusa parses a git get for connect.prusa3d.com and
// answers it from a session that is fresh.
func BenchmarkGitGetPrusa(b *testing.B) {
	benchGit(b, benchHelper(b, 0), "protocol=https\nhost=connect.prusa3d.com\n\n", "username=maker@example.com\n")
}

// BenchmarkGitGetPrusaAuthtype is the same with git 2.46's authtype
// capability, which adds four lines to the answer.
func BenchmarkGitGetPrusaAuthtype(b *testing.B) {
	benchGit(b, benchHelper(b, 0), "capability[]=authtype\nprotocol=https\nhost=connect.prusa3d.com\n\n", "authtype=Bearer\n")
}

// BenchmarkGitGetUnknownHost is a git get for a host with nothing stored:
// the answer is empty.
func BenchmarkGitGetUnknownHost(b *testing.B) {
	benchGit(b, benchHelper(b, 0), "protocol=https\nhost=unknown.example.org\n\n", "")
}

// BenchmarkGitGetGeneric is a git get for a stored host with 1 and with
// 10,000 credentials in the store: what the helper layer adds per stored
// credential, without the file backend.
func BenchmarkGitGetGeneric(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			benchGit(b, benchHelper(b, n), "protocol=https\nhost=host00000.example.com\n\n", "password=secret-0\n")
		})
	}
}

func benchDocker(b *testing.B, h *helper.Helper, in, wantOut, wantErr string) {
	b.Helper()
	ctx := context.Background()
	var out strings.Builder
	var err error
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		err = h.Docker(ctx, "get", strings.NewReader(in), &out)
	}
	if wantErr == "" && err != nil {
		b.Fatal(err)
	}
	if wantErr != "" && (err == nil || err.Error() != wantErr) {
		b.Fatalf("Docker(get, %q) error = %v, want %q", in, err, wantErr)
	}
	if !strings.Contains(out.String(), wantOut) {
		b.Fatalf("Docker(get, %q) = %q, want it to contain %q", in, out.String(), wantOut)
	}
}

// BenchmarkDockerGetPrusa answers docker's get for connect.prusa3d.com
// from a fresh session, through docker-credential-helpers'
// credentials.HandleCommand.
func BenchmarkDockerGetPrusa(b *testing.B) {
	benchDocker(b, benchHelper(b, 0), "connect.prusa3d.com\n", `"Username":"maker@example.com"`, "")
}

// BenchmarkDockerGetNotFound is docker's get for a host with nothing
// stored: docker's exact not-found answer.
func BenchmarkDockerGetNotFound(b *testing.B) {
	benchDocker(b, benchHelper(b, 0), "registry.example.org\n", "", "credentials not found in native keychain")
}

// BenchmarkDetect tells the protocol of a request, as the full command
// line's get does.
func BenchmarkDetect(b *testing.B) {
	in := "protocol=https\nhost=connect.prusa3d.com\n\n"
	b.ReportAllocs()
	for b.Loop() {
		p, _, err := helper.Detect(strings.NewReader(in))
		if err != nil || p != helper.ProtocolGit {
			b.Fatalf("Detect = %v, %v", p, err)
		}
	}
}
