package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"golang.org/x/term"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// Terminal is where the helper asks the user for what it needs to log in.
// It is never the protocol pipe: git and docker own stdin and stdout.
type Terminal interface {
	// Prompt shows prompt and reads a line, echoed.
	Prompt(prompt string) (string, error)
	// PromptSecret shows prompt and reads a line without echo.
	PromptSecret(prompt string) (string, error)
	// Print shows text.
	Print(text string) error
	Close() error
}

// errNoTerminal reports that the process has no terminal to prompt on.
var errNoTerminal = errors.New("no terminal")

// ttyTerminal is the controlling terminal, opened for reading and writing.
type ttyTerminal struct {
	in, out *os.File
	r       *bufio.Reader
}

func (t *ttyTerminal) Print(text string) error {
	_, err := io.WriteString(t.out, text)
	return err
}

// Prompt reads the line in the terminal's canonical mode, where the
// terminal itself edits it: a line holds at most 4095 bytes on Linux and
// MAX_CANON (1024) on macOS, the rest being dropped. Everything asked
// for here is far shorter; the longest, a pasted login callback address,
// is about 110 bytes.
func (t *ttyTerminal) Prompt(prompt string) (string, error) {
	fmt.Fprint(t.out, prompt)
	line, err := t.r.ReadString('\n')
	if err != nil && !(err == io.EOF && line != "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (t *ttyTerminal) PromptSecret(prompt string) (string, error) {
	fmt.Fprint(t.out, prompt)
	// Echo is off while the password is typed. Ctrl-C must not leave the
	// terminal that way: catch it only here, where it matters, put the
	// terminal back and exit as an interrupted program does.
	fd := int(t.in.Fd())
	if state, err := term.GetState(fd); err == nil {
		sig := make(chan os.Signal, 1)
		done := make(chan struct{})
		signal.Notify(sig, os.Interrupt)
		go func() {
			select {
			case <-sig:
				term.Restore(fd, state)
				fmt.Fprintln(t.out)
				os.Exit(130)
			case <-done:
			}
		}()
		defer func() { signal.Stop(sig); close(done) }()
	}
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(t.out)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func (t *ttyTerminal) Close() error {
	if t.out == t.in {
		return t.in.Close()
	}
	return errors.Join(t.in.Close(), t.out.Close())
}

// terminal opens the user's terminal, or fails with errNoTerminal, also
// when the run is non-interactive (s), which must never prompt.
func (p *Program) terminal(s *settings) (Terminal, error) {
	if s.nonInteractive {
		return nil, errNoTerminal
	}
	if p.Terminal != nil {
		return p.Terminal()
	}
	in, out, err := openTTY()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoTerminal, err)
	}
	t := &ttyTerminal{in: in, out: out, r: bufio.NewReader(in)}
	if !term.IsTerminal(int(in.Fd())) {
		t.Close()
		return nil, errNoTerminal
	}
	return t, nil
}

// choose asks on t which of options to take, by number, and returns its
// index; an empty answer takes the first. It asks again, a few times, when
// the answer is not one of the numbers.
func choose(t Terminal, question string, options []string) (int, error) {
	var b strings.Builder
	b.WriteString(question + "\n")
	for i, o := range options {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, o)
	}
	if err := t.Print(b.String()); err != nil {
		return 0, err
	}
	for range 3 {
		answer, err := t.Prompt(fmt.Sprintf("Choose 1-%d [1]: ", len(options)))
		if err != nil {
			return 0, err
		}
		answer = strings.TrimSpace(answer)
		if answer == "" {
			return 0, nil
		}
		for i := range options {
			if answer == fmt.Sprint(i+1) {
				return i, nil
			}
		}
	}
	return 0, hint.With(fmt.Errorf("no choice among 1-%d was made", len(options)),
		"run it again and type one of the numbers (or go to the browser login at once: "+Name+" login --web)")
}
