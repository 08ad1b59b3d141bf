package cli

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
)

func TestRefreshNotice(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	exp := now.Add(30 * time.Hour)
	newProgram := func(t *testing.T, tty bool) (*Program, *strings.Builder) {
		dir := t.TempDir()
		var stderr strings.Builder
		p := &Program{
			Stderr: &stderr,
			Getenv: func(k string) string {
				switch k {
				case "HOME":
					return dir
				case "XDG_CONFIG_HOME":
					return dir + "/.config"
				}
				return ""
			},
			GOOS: "linux",
			Now:  func() time.Time { return now },
			Terminal: func() (Terminal, error) {
				if !tty {
					return nil, errNoTerminal
				}
				return fakeTerminal{}, nil
			},
		}
		return p, &stderr
	}
	t.Run("no terminal", func(t *testing.T) {
		p, stderr := newProgram(t, false)
		p.refreshNotice(&settings{})(exp)
		if stderr.Len() != 0 {
			t.Errorf("without a terminal the notice printed %q", stderr)
		}
	})
	t.Run("non-interactive", func(t *testing.T) {
		p, stderr := newProgram(t, true)
		p.refreshNotice(&settings{nonInteractive: true})(exp)
		if stderr.Len() != 0 {
			t.Errorf("a non-interactive run printed %q", stderr)
		}
	})
	t.Run("once per expiry", func(t *testing.T) {
		p, stderr := newProgram(t, true)
		notice := p.refreshNotice(&settings{})
		notice(exp)
		if want := "warning: the Prusa session ends in 30 hours (2026-11-27T18:00:00Z)"; !strings.Contains(stderr.String(), want) {
			t.Fatalf("notice = %q, want it to contain %q", stderr, want)
		}
		stderr.Reset()
		notice(exp)
		if stderr.Len() != 0 {
			t.Errorf("the same session warned twice: %q", stderr)
		}
		notice(exp.Add(-time.Hour))
		if stderr.Len() == 0 {
			t.Error("a new session near its end did not warn")
		}
	})
	t.Run("never through a link", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("symbolic links need a privilege on Windows")
		}
		p, _ := newProgram(t, true)
		opts, err := file.DefaultOptions(p.Getenv, "linux")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
			t.Fatal(err)
		}
		victim := filepath.Join(t.TempDir(), "victim")
		if err := os.WriteFile(victim, []byte("someone else's\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(victim, filepath.Join(opts.Dir, noticeFile)); err != nil {
			t.Fatal(err)
		}
		p.refreshNotice(&settings{})(exp)
		if data, _ := os.ReadFile(victim); string(data) != "someone else's\n" {
			t.Errorf("the notice wrote %q through a link", data)
		}
	})
}

type fakeTerminal struct{}

func (fakeTerminal) Prompt(string) (string, error)       { return "", errors.New("no input") }
func (fakeTerminal) PromptSecret(string) (string, error) { return "", errors.New("no input") }
func (fakeTerminal) Print(string) error                  { return nil }
func (fakeTerminal) Close() error                        { return nil }
