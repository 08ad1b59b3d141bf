package cli

import (
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/cli/browser"
)

// browserWait bounds how long a login waits for the program that opens
// the browser: openers such as xdg-open return once the browser has the
// address, but a misconfigured one must not keep the user from pasting.
const browserWait = 5 * time.Second

// whyNoBrowser says why no browser should be started for a login, or ""
// when one should: the user asked (--no-browser), the session is remote
// (SSH: the browser would open on the wrong machine, if at all), or a
// Unix desktop-less session has no display to show it on. macOS and
// Windows always have one.
func (p *Program) whyNoBrowser(noBrowser bool) string {
	switch {
	case noBrowser:
		return "--no-browser"
	case p.Getenv("SSH_CONNECTION") != "" || p.Getenv("SSH_TTY") != "":
		return "this is an SSH session"
	}
	switch p.goos() {
	case "darwin", "windows":
		return ""
	}
	if p.Getenv("DISPLAY") == "" && p.Getenv("WAYLAND_DISPLAY") == "" {
		return "there is no display: neither DISPLAY nor WAYLAND_DISPLAY is set"
	}
	return ""
}

// openBrowser opens url in the user's browser: with the program that
// BROWSER names, as gh and Python's webbrowser honour it, else with the
// platform's opener through github.com/cli/browser (xdg-open and its
// fellows, open, or url.dll's FileProtocolHandler). The address goes in
// argv; it holds no secret (the verifier never leaves this process). The
// program's own output is dropped: stdout belongs to protocol bytes.
func (p *Program) openBrowser(url string) error {
	if p.OpenBrowser != nil {
		return p.OpenBrowser(url)
	}
	done := make(chan error, 1)
	if cmdline := strings.Fields(p.Getenv("BROWSER")); len(cmdline) > 0 {
		cmd := exec.Command(cmdline[0], append(cmdline[1:], url)...)
		if err := cmd.Start(); err != nil {
			return err
		}
		go func() { done <- cmd.Wait() }()
	} else {
		browser.Stdout, browser.Stderr = io.Discard, io.Discard
		go func() { done <- browser.OpenURL(url) }()
	}
	select {
	case err := <-done:
		return err
	case <-time.After(browserWait):
		return nil // still running: it has the address
	}
}
