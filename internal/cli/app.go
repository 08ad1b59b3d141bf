package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// runCLI runs the full command line (urfave/cli). Its protocol commands
// keep stdout for protocol bytes: usage errors and unknown commands are
// reported on stderr, never with help text on stdout.
func (p *Program) runCLI(ctx context.Context, args []string) int {
	code := 0
	usageError := func(c *ucli.Context, err error, _ bool) error {
		code = 2
		return hint.With(err, "run '"+Name+" --help' for usage")
	}
	app := p.App() // the definition the man page and completions come from
	app.Reader, app.Writer, app.ErrWriter = p.Stdin, p.Stdout, p.Stderr
	app.OnUsageError = usageError
	app.ExitErrHandler = func(*ucli.Context, error) {} // we choose the exit status
	app.CommandNotFound = func(c *ucli.Context, name string) {
		code = 2
		h := "run '" + Name + " --help' for the commands"
		if near := nearest(name, c.App.Commands); near != "" {
			h = "did you mean '" + Name + " " + near + "'? " + h
		}
		p.fail(hint.With(fmt.Errorf("unknown command %s", commandShown(name)), h))
	}
	for _, c := range app.Commands {
		c.OnUsageError = usageError
		refuseStrayArgs(c, c.Name, func(err error) error { code = 2; return err })
	}
	if err := app.RunContext(ctx, args); err != nil {
		if ec, ok := err.(exitCoder); ok {
			if ec.Error() != "" {
				p.fail(err)
			}
			return ec.ExitCode()
		}
		p.fail(err)
		if _, ok := errors.AsType[badUsage](err); ok {
			code = 2
		}
		if code == 0 {
			code = 1
		}
	}
	return code
}

// refuseStrayArgs makes every command below c (c included, named name)
// that takes no positional arguments (no subcommands, no ArgsUsage)
// refuse them as a usage error, before it does anything. A shell's completion that puts the
// word under the cursor ("--") before its completion flag then runs no
// command: "logout -- --generate-bash-completion" logs nobody out. The
// arguments are counted, never quoted: one may be a pasted secret.
func refuseStrayArgs(c *ucli.Command, name string, usage func(error) error) {
	if len(c.Subcommands) > 0 {
		for _, sub := range c.Subcommands {
			refuseStrayArgs(sub, name+" "+sub.Name, usage)
		}
		return
	}
	if strings.TrimSpace(c.ArgsUsage) != "" {
		return
	}
	before := c.Before
	c.Before = func(ctx *ucli.Context) error {
		if n := ctx.NArg(); n > 0 {
			return usage(hint.With(fmt.Errorf("%s takes no arguments (got %d)", name, n),
				"run '"+Name+" "+name+" --help' for its usage"))
		}
		if before != nil {
			return before(ctx)
		}
		return nil
	}
}

// allCommands are the commands of the full command line, in help order.
func (p *Program) allCommands() []*ucli.Command {
	cmds := p.commands()
	cmds = append(cmds, p.sessionCommands()...)
	cmds = append(cmds, p.setupCommands()...)
	return append(cmds, p.backendCommands()...)
}

// badUsage is a command line the helper cannot make sense of: the run
// exits with status 2, as for urfave/cli's own usage errors.
type badUsage struct{ error }

func (e badUsage) Unwrap() error { return e.error }

// commandShown is how an unknown command is named in its error: quoted
// when it looks like a mistyped command (a short word of lower-case
// letters, digits and dashes, with a letter), else by its length only,
// since a token, password or 2FA code pasted into the wrong place must not
// be printed back.
func commandShown(name string) string {
	letter := false
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			letter = true
		case r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return fmt.Sprintf("(%d characters, not shown)", len(name))
		}
	}
	if !letter || len(name) > 24 {
		return fmt.Sprintf("(%d characters, not shown)", len(name))
	}
	return strconv.Quote(name)
}

// nearest is the command (or alias) whose name is closest to name, when
// one is close enough to be a typo: at most a third of its letters off.
func nearest(name string, cmds []*ucli.Command) string {
	best, bestDist := "", len(name)/3+1
	for _, c := range cmds {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if d := editDistance(name, n); d < bestDist {
				best, bestDist = n, d
			}
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (optimal string
// alignment) of a and b: insertions, deletions, substitutions and swaps
// of neighbours, so that "stauts" is one from "status".
func editDistance(a, b string) int {
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// exitCoder is an error that chooses the exit status itself.
type exitCoder interface {
	error
	ExitCode() int
}

// exitError is a failure that has already been reported, or that needs
// no message (a protocol's answer), with its exit status.
type exitError struct{ code int }

func (e exitError) Error() string { return "" }
func (e exitError) ExitCode() int { return e.code }

func (p *Program) cliFlags() []ucli.Flag {
	var flags []ucli.Flag
	for _, f := range globalFlags {
		usage := f.usage + " [$" + f.env + "]"
		if f.bool {
			flags = append(flags, &ucli.BoolFlag{Name: f.name, Usage: usage})
		} else {
			flags = append(flags, &ucli.StringFlag{Name: f.name, Usage: usage})
		}
	}
	return flags
}

// settingsFrom resolves the settings of a urfave/cli run: the global flags
// the user gave, over the environment.
func (p *Program) settingsFrom(c *ucli.Context) (*settings, error) {
	return p.resolve(func(name string) (string, bool) {
		if !c.IsSet(name) {
			return "", false
		}
		return fmt.Sprint(c.Value(name)), true
	})
}

func (p *Program) commands() []*ucli.Command {
	protocolFlag := &ucli.StringFlag{Name: "protocol", Usage: "git or docker (default: detect from the request)"}
	protocolCommand := func(action, usage string) *ucli.Command {
		return &ucli.Command{
			Name:      action,
			Usage:     usage,
			ArgsUsage: " ",
			Flags:     []ucli.Flag{protocolFlag},
			Action:    func(c *ucli.Context) error { return p.protocolAction(c, action) },
		}
	}
	return []*ucli.Command{
		protocolCommand("get", "answer a git or docker credential request on stdin"),
		protocolCommand("store", "store the git or docker credential on stdin"),
		protocolCommand("erase", "erase the git or docker credential on stdin"),
		{
			Name:   "list",
			Usage:  "list the docker credentials (docker protocol)",
			Action: func(c *ucli.Context) error { return p.dockerAction(c, "list", nil) },
		},
		{
			Name:  "version",
			Usage: "print the version",
			Action: func(c *ucli.Context) error {
				_, err := fmt.Fprintf(p.Stdout, "%s %s\n", Name, Version())
				return err
			},
		},
		{
			Name:  "capability",
			Usage: "list the git credential capabilities (git 2.46+)",
			Action: func(c *ucli.Context) error {
				return p.gitAction(c, "capability", nil)
			},
		},
	}
}

// protocolAction runs get, store or erase in the protocol that --protocol
// names or, by default, the one the request is written in.
func (p *Program) protocolAction(c *ucli.Context, action string) error {
	in := p.Stdin
	proto := helper.Protocol(c.String("protocol"))
	switch proto {
	case helper.ProtocolGit, helper.ProtocolDocker:
	case "":
		var err error
		if proto, in, err = helper.Detect(p.Stdin); err != nil {
			return err
		}
	default:
		p.fail(hint.With(fmt.Errorf("unknown protocol %q", proto), "use --protocol git or --protocol docker"))
		return exitError{2}
	}
	if proto == helper.ProtocolGit {
		return p.gitAction(c, action, in)
	}
	return p.dockerAction(c, action, in)
}

func (p *Program) gitAction(c *ucli.Context, action string, in io.Reader) error {
	s, err := p.settingsFrom(c)
	if err != nil {
		return err
	}
	return p.serveGit(c.Context, s, action, in)
}

func (p *Program) dockerAction(c *ucli.Context, action string, in io.Reader) error {
	s, err := p.settingsFrom(c)
	if err != nil {
		p.failDocker(err)
		return exitError{1}
	}
	if code := p.serveDocker(c.Context, s, action, in); code != 0 {
		return exitError{code}
	}
	return nil
}
