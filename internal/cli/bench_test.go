package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/pkce/pkcetest"
)

// benchRun runs the helper in-process as name with args, in a private
// home that holds a fresh Prusa session, b.N times: the work of a run
// after the process has started (see scripts/bench.sh for whole runs).
func benchRun(b *testing.B, stdin string, args ...string) {
	srv := pkcetest.NewServer(pkcetest.Options{AccessTTL: time.Hour}, pkcetest.Account{Email: "bench@example.com", Password: "x"})
	b.Cleanup(srv.Close)
	tr, err := srv.IssueTTL("bench@example.com", time.Hour, pkcetest.DefaultRefreshTTL)
	if err != nil {
		b.Fatal(err)
	}
	home := b.TempDir()
	config := filepath.Join(home, ".config")
	if err := os.MkdirAll(filepath.Join(config, "prusa-connect"), 0o700); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(config, "prusa-connect", "prusa_tokens.json"), tr.JSON(), 0o600); err != nil {
		b.Fatal(err)
	}
	env := envLookup([]string{"HOME=" + home, "XDG_CONFIG_HOME=" + config, "PRUSA_NONINTERACTIVE=1", "APPDATA=" + config, "LOCALAPPDATA=" + filepath.Join(home, "local")})
	var out, errOut bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		p := &Program{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: env}
		if code := p.Run(context.Background(), args); code != 0 {
			b.Fatalf("exit %d: %s", code, errOut.String())
		}
	}
}

func BenchmarkGitGetFresh(b *testing.B) {
	benchRun(b, "protocol=https\nhost=connect.prusa3d.com\n\n", GitName, "get")
}

func BenchmarkGitGetUnknownHost(b *testing.B) {
	benchRun(b, "protocol=https\nhost=example.com\n\n", GitName, "get")
}

func BenchmarkDockerVersion(b *testing.B) {
	benchRun(b, "", DockerName, "version")
}
