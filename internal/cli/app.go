package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/registry"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// The command groups of --help, in the order they are listed (urfave/cli
// sorts them by name): what a person uses first, the protocol plumbing
// last.
const (
	groupSession  = "Everyday use"
	groupSetup    = "Set up and check"
	groupStorage  = "Storage and settings"
	groupProtocol = "The protocols (git and docker run these)"
)

// Command returns the definition of the full command line: the same
// commands and flags a run uses, for the man page (scripts/genman) and
// shell completion. It runs nothing and has no input or output wired.
func (p *Program) Command() *ucli.Command {
	var cmds []*ucli.Command
	add := func(group string, cs ...*ucli.Command) {
		for _, c := range cs {
			c.Category = group
			cmds = append(cmds, c)
		}
	}
	add(groupSession, p.sessionCommands()...)
	// completion, also of this group, is urfave/cli's (see
	// completionCommand).
	add(groupSetup, p.configureCommand(), p.unconfigureCommand(), p.doctorCommand(), &ucli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(context.Context, *ucli.Command) error {
			_, err := fmt.Fprintf(p.Stdout, "%s %s\n", Name, Version())
			return err
		},
	})
	add(groupStorage, p.backendCommands()...)
	add(groupProtocol, p.protocolCommands()...)
	return &ucli.Command{
		Name:                            Name,
		Usage:                           "Prusa Connect credentials for git, docker and scripts",
		Description:                     appDescription,
		Version:                         Version(),
		HideHelpCommand:                 true,
		EnableShellCompletion:           true,
		ConfigureShellCompletionCommand: p.completionCommand,
		Flags:                           globalFlagSet(),
		Commands:                        cmds,
	}
}

// group makes cmd a command that only groups its subcommands: run alone,
// or with a name it does not know, it is a usage error naming them.
func group(cmd *ucli.Command) *ucli.Command {
	var names []string
	for _, sc := range cmd.Commands {
		names = append(names, "'"+Name+" "+cmd.Name+" "+sc.Name+"'")
	}
	cmd.Action = func(_ context.Context, c *ucli.Command) error {
		err := fmt.Errorf("%s what?", cmd.Name)
		if c.Args().Present() {
			err = fmt.Errorf("%s: unknown target %s", cmd.Name, commandShown(c.Args().First()))
		}
		return badUsage{hint.With(err, "run "+strings.Join(names, " or "))}
	}
	return cmd
}

// runCLI runs the full command line. Its protocol commands keep stdout
// for protocol bytes: usage errors and unknown commands are reported on
// stderr, never with help text on stdout.
func (p *Program) runCLI(ctx context.Context, args []string) int {
	root := p.Command()
	root.Reader, root.Writer, root.ErrWriter = p.Stdin, p.Stdout, p.Stderr
	root.ExitErrHandler = func(context.Context, *ucli.Command, error) {} // we choose the exit status
	root.Action = p.unknownCommand
	completing := len(args) > 1 && args[len(args)-1] == "--generate-shell-completion"
	root.Walk(func(c *ucli.Command) error {
		c.OnUsageError = usageError
		if completing {
			c.ShellComplete = p.complete(args)
		} else if c != root {
			refuseStrayArgs(c)
		}
		return nil
	})
	return p.report(root.Run(ctx, args))
}

// report prints err, if it says anything, and returns its exit status:
// its own (an ExitCoder, such as ucli.Exit("", 1) for a failure already
// reported or a protocol's answer), 2 for a usage error, else 1; 0 for
// no error.
func (p *Program) report(err error) int {
	if err == nil {
		return 0
	}
	if err.Error() != "" {
		p.fail(err)
	}
	if ec, ok := err.(ucli.ExitCoder); ok {
		return ec.ExitCode()
	}
	if _, ok := errors.AsType[badUsage](err); ok {
		return 2
	}
	return 1
}

// usageError is every command's answer to arguments it cannot parse: the
// error with a hint on stderr, exit status 2.
func usageError(_ context.Context, c *ucli.Command, err error, _ bool) error {
	return badUsage{hint.With(err, "run '"+c.FullName()+" --help' for usage")}
}

// unknownCommand is the root's action: help without arguments, else the
// nearest command's name.
func (p *Program) unknownCommand(ctx context.Context, c *ucli.Command) error {
	name := c.Args().First()
	if !c.Args().Present() || name == "help" { // help [COMMAND], as other tools take it
		if topic := c.Args().Get(1); c.Command(topic) != nil {
			return ucli.ShowCommandHelp(ctx, c, topic)
		}
		return ucli.ShowRootCommandHelp(c)
	}
	h := "run '" + Name + " --help' for the commands"
	if near := nearest(name, c.Commands); near != "" {
		h = "did you mean '" + Name + " " + near + "'? " + h
	}
	return badUsage{hint.With(fmt.Errorf("unknown command %s", commandShown(name)), h)}
}

// refuseStrayArgs makes c, when it takes no positional arguments (no
// subcommands, no ArgsUsage), refuse them as a usage error before it
// does anything. The arguments are counted, never quoted: one may be a
// pasted secret.
func refuseStrayArgs(c *ucli.Command) {
	if len(c.Commands) > 0 || strings.TrimSpace(c.ArgsUsage) != "" {
		return
	}
	c.Before = func(ctx context.Context, c *ucli.Command) (context.Context, error) {
		if n := c.NArg(); n > 0 {
			name := strings.TrimPrefix(c.FullName(), Name+" ")
			return ctx, badUsage{hint.With(fmt.Errorf("%s takes no arguments (got %d)", name, n),
				"run '"+c.FullName()+" --help' for its usage")}
		}
		return ctx, nil
	}
}

// badUsage is a command line the helper cannot make sense of: the run
// exits with status 2.
type badUsage struct{ error }

func (e badUsage) Unwrap() error { return e.error }

// unknownBackend makes the error of opening a backend by a name the user
// typed as an option a usage error when no backend has that name.
func unknownBackend(err error) error {
	if re, ok := errors.AsType[*registry.Error](err); ok && re.Err == nil {
		return badUsage{err}
	}
	return err
}

// commandShown is how an unknown command is named in its error: quoted
// when it looks like a mistyped command (a short word of lower-case
// letters, digits and dashes, with a letter), else by its length only,
// since a token, password or 2FA code pasted into the wrong place must not
// be printed back.
func commandShown(name string) string {
	letter := strings.ContainsFunc(name, func(r rune) bool { return r >= 'a' && r <= 'z' })
	other := strings.ContainsFunc(name, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_'
	})
	if !letter || other || len(name) > 24 {
		return fmt.Sprintf("(%d characters, not shown)", len(name))
	}
	return strconv.Quote(name)
}

// nearest is the command (or alias) whose name is closest to name, when
// one is close enough to be a typo: at most a third of its letters off.
func nearest(name string, cmds []*ucli.Command) string {
	best, bestDist := "", len(name)/3+1
	for _, c := range cmds {
		for _, n := range c.Names() {
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

// boolFlag is a flag without a value; its default, false, goes unsaid.
func boolFlag(name, usage string) *ucli.BoolFlag {
	return &ucli.BoolFlag{Name: name, Usage: usage, HideDefault: true}
}

const appDescription = "One binary that gives git, docker, shell scripts and the Prusa Connect Python SDK a valid " +
	"Prusa Connect access token through the credential-helper protocols, and is an ordinary credential store for every other host.\n\n" +
	"It answers to three names: git-credential-prusa speaks git's credential protocol (credential.helper = prusa), " +
	"docker-credential-prusa docker's (\"credHelpers\": {\"connect.prusa3d.com\": \"prusa\"}), and " +
	"prusa-credential-helper is the command line below. Set git and docker up with configure git and configure docker; " +
	"check everything with doctor.\n\n" +
	"Every global option has an environment variable, because git and docker pass no options to a helper (see ENVIRONMENT " +
	"in the man page). The backend can also be chosen once for every run with config set backend NAME (migrate does it)."
