//go:build unix

package configure

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/childenv"
)

// TestExecGitEnvironment runs a stand-in git that prints its environment:
// the helper's secrets must not be in it, everything else must.
func TestExecGitEnvironment(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte("#!/bin/sh\nenv\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, name := range childenv.Secrets {
		t.Setenv(name, "secret-"+name)
	}
	t.Setenv("PRUSA_EMAIL", "maker@example.com")
	out, err := ExecGit(context.Background(), "config", "--list")
	if err != nil {
		t.Fatal(err)
	}
	env := string(out)
	for _, name := range childenv.Secrets {
		if strings.Contains(env, name+"=") || strings.Contains(env, "secret-"+name) {
			t.Errorf("git's environment holds %s", name)
		}
	}
	if !strings.Contains(env, "PRUSA_EMAIL=maker@example.com\n") {
		t.Errorf("git's environment lost PRUSA_EMAIL, which is no secret:\n%s", env)
	}
}
