package cli

import (
	"context"
	"strings"
	"testing"
)

func TestWhyNoBrowser(t *testing.T) {
	tests := []struct {
		name      string
		goos      string
		env       map[string]string
		noBrowser bool
		want      string // "" opens a browser; else a word of the reason
	}{
		{name: "X11", goos: "linux", env: map[string]string{"DISPLAY": ":0"}},
		{name: "Wayland", goos: "linux", env: map[string]string{"WAYLAND_DISPLAY": "wayland-0"}},
		{name: "no display", goos: "linux", want: "display"},
		{name: "no display, BROWSER set", goos: "freebsd", env: map[string]string{"BROWSER": "firefox"}, want: "display"},
		{name: "--no-browser", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, noBrowser: true, want: "--no-browser"},
		{name: "SSH", goos: "linux", env: map[string]string{"DISPLAY": "localhost:10.0", "SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22"}, want: "SSH"},
		{name: "SSH TTY", goos: "darwin", env: map[string]string{"SSH_TTY": "/dev/ttys001"}, want: "SSH"},
		{name: "macOS", goos: "darwin"},
		{name: "Windows", goos: "windows"},
		{name: "Windows, --no-browser", goos: "windows", noBrowser: true, want: "--no-browser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Program{GOOS: tt.goos, Getenv: func(k string) string { return tt.env[k] }}
			got := p.whyNoBrowser(tt.noBrowser)
			if (got == "") != (tt.want == "") || !strings.Contains(got, tt.want) {
				t.Errorf("whyNoBrowser(%v) = %q, want %q", tt.noBrowser, got, tt.want)
			}
		})
	}
}

// Without a terminal, login --web fails at once: nothing is opened and
// nothing is waited for.
func TestLoginWebWithoutTerminal(t *testing.T) {
	for _, env := range []map[string]string{{}, {EnvNonInteractive: "1"}} {
		dir := t.TempDir()
		env["XDG_CONFIG_HOME"], env["HOME"], env["DISPLAY"] = dir, dir, ":0"
		var stdout, stderr strings.Builder
		opened := 0
		p := &Program{
			Stdout: &stdout, Stderr: &stderr, GOOS: "linux",
			Getenv:      func(k string) string { return env[k] },
			Terminal:    func() (Terminal, error) { return nil, errNoTerminal },
			OpenBrowser: func(string) error { opened++; return nil },
		}
		if code := p.Run(context.Background(), []string{Name, "login", "--web"}); code != 1 {
			t.Errorf("%v: exit %d, want 1", env, code)
		}
		if !strings.Contains(stderr.String(), "error: login --web needs a terminal") || !strings.Contains(stderr.String(), "hint: ") {
			t.Errorf("%v: stderr %q, want the error and its hint", env, stderr.String())
		}
		if opened != 0 || stdout.Len() != 0 {
			t.Errorf("%v: opened a browser %d times, stdout %q; want neither", env, opened, stdout.String())
		}
	}
}
