//go:build !windows

package hint

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPathCommandRuns runs the commands that AddToPath prints in sh,
// bash, zsh and fish, on directories with spaces, quotes and characters
// that shells expand, and checks that each put the directory first on
// PATH and kept the rest.
func TestPathCommandRuns(t *testing.T) {
	names := []string{"bin", "my tools", "it's", `back\slash $HOME "q" *`}
	shells := []struct {
		name string
		run  func(dir string) *exec.Cmd
	}{
		{"sh", func(dir string) *exec.Cmd {
			return exec.Command("sh", "-c", PathCommand(dir)+`; printf '%s' "$PATH"`)
		}},
		{"bash", func(dir string) *exec.Cmd {
			return exec.Command("bash", "--norc", "--noprofile", "-c", PathCommand(dir)+`; printf '%s' "$PATH"`)
		}},
		{"zsh", func(dir string) *exec.Cmd {
			return exec.Command("zsh", "-f", "-c", PathCommand(dir)+`; printf '%s' "$PATH"`)
		}},
		{"fish", func(dir string) *exec.Cmd {
			return exec.Command("fish", "-c", FishPathCommand(dir)+`; printf %s (string join : $PATH)`)
		}},
	}
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			if _, err := exec.LookPath(sh.name); err != nil && sh.name != "sh" && sh.name != "bash" {
				t.Skipf("%s is not installed", sh.name)
			}
			for _, name := range names {
				dir := filepath.Join(t.TempDir(), name)
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				cmd := sh.run(dir)
				// fish keeps fish_add_path's change in its config
				// directory: a private one.
				home := t.TempDir()
				cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home)
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%s: %v", cmd.Args, err)
				}
				if got, want := string(out), dir+":"+os.Getenv("PATH"); got != want {
					t.Errorf("PATH after %s = %q, want %q", cmd.Args, got, want)
				}
			}
		})
	}
}

func TestAddToPathNamesShells(t *testing.T) {
	got := AddToPath("/opt/prusa/bin")
	for _, want := range []string{`export PATH="/opt/prusa/bin:$PATH"`, "~/.profile", "fish_add_path /opt/prusa/bin"} {
		if !strings.Contains(got, want) {
			t.Errorf("AddToPath(/opt/prusa/bin) = %q, want it to contain %q", got, want)
		}
	}
}
