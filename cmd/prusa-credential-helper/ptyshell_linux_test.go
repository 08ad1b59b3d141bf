package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// shellSetup is what a user types first in each shell to load the
// completion, as the README says, and the shell's command line, with a
// prompt the command waits for and no start-up files of the machine's.
var shellSetup = map[string]struct {
	args  []string
	setup string
}{
	"bash": {[]string{"--norc", "--noprofile", "-i"}, "source <(prusa-credential-helper completion bash)"},
	"zsh":  {[]string{"-f", "-i"}, "autoload -U compinit && compinit && source <(prusa-credential-helper completion zsh)"},
	"fish": {[]string{"--no-config", "-i", "-C", "function fish_prompt; echo -n 'READY> '; end"}, "prusa-credential-helper completion fish | source"},
}

// cmdPTYShell runs a real interactive shell on a pseudo-terminal of its
// own, loads the helper's completion into it the way the README says, and
// types each KEYS argument in turn ("\t" is the TAB key), as a person
// would at the prompt; after each it clears the line unrun (Ctrl-U). The
// command's stdout is what the terminal showed, without its escape
// sequences:
//
//	ptyshell SHELL KEYS...
//
// SHELL is bash, zsh or fish; a script guards it with the condition
// [shells], which PRUSA_REQUIRE_REAL_CLIENTS=1 (CI) makes fail when one
// is not installed.
func cmdPTYShell(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: ptyshell SHELL KEYS...")
	}
	sh, ok := shellSetup[args[0]]
	if !ok {
		ts.Fatalf("ptyshell: unknown shell %q", args[0])
	}
	bin, err := exec.LookPath(args[0])
	ts.Check(err)
	master, tty, err := openPTY()
	ts.Check(err)
	defer master.Close()
	cmd := exec.Command(bin, sh.args...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = []string{"TERM=xterm", "PS1=READY> ", "PROMPT=READY> ", "LANG=C.UTF-8"}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	exited, out, _ := startOnPTY(ts, cmd, master, tty, 0)
	deadline := time.Now().Add(60 * time.Second)
	// until waits for the terminal to show what ok wants.
	until := func(what string, ok func(shown string) bool) {
		for !ok(out.String()) {
			select {
			case err := <-exited:
				ts.Fatalf("ptyshell: %s exited (%v) before showing %s; it showed:\n%s", args[0], err, what, plain(out.String()))
			case <-time.After(10 * time.Millisecond):
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					ts.Fatalf("ptyshell: no %s from %s; it showed:\n%s", what, args[0], plain(out.String()))
				}
			}
		}
	}
	await := func(from int, want string) {
		until(strconv.Quote(want), func(shown string) bool { return strings.Contains(shown[from:], want) })
	}
	// A marker the shell computes, so that its echo of the typed line
	// does not count: END""1 shows as END1 only when run.
	mark := 0
	// run types keys as a person does: the text before a TAB shows on
	// the terminal before the TAB is pressed (zsh does not complete an
	// empty word while more input is pending).
	run := func(keys string) {
		mark++
		for keys != "" {
			text, rest, tab := strings.Cut(keys, "\t")
			from := len(out.String())
			master.WriteString(text)
			if tab {
				tail := strings.TrimSpace(text[max(0, len(text)-8):])
				until("the echo of "+strconv.Quote(text), func(shown string) bool {
					return strings.Contains(plain(shown[from:]), tail)
				})
				master.WriteString("\t")
			}
			keys = rest
		}
		from := len(out.String())
		fmt.Fprintf(master, "\x15echo END\"\"%d\r", mark)
		await(from, fmt.Sprintf("END%d", mark))
	}
	await(0, "READY> ")
	run(sh.setup + "\r")
	start := len(out.String())
	for _, keys := range args[1:] {
		run(strings.ReplaceAll(keys, `\t`, "\t"))
	}
	shown := out.String()[start:]
	fmt.Fprintf(master, "exit\r")
	select {
	case <-exited:
	case <-time.After(time.Until(deadline)):
		cmd.Process.Kill()
		ts.Fatalf("ptyshell: %s did not exit", args[0])
	}
	ts.Stdout().Write([]byte(plain(shown)))
}

// terminalControl matches the escape sequences shells write to a terminal.
var terminalControl = regexp.MustCompile(`\x1b\[[0-9;?=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78MDEc]|[\r\x07]`)

// plain is what a terminal showed, without its escape sequences.
func plain(s string) string { return terminalControl.ReplaceAllString(s, "") }
