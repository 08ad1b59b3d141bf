package cli

import (
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// setupCommands are the commands that wire the helper into git, docker
// and the shell, and check the wiring: configure, unconfigure, doctor and
// completion.
func (p *Program) setupCommands() []*ucli.Command {
	return []*ucli.Command{
		p.configureCommand(),
		p.unconfigureCommand(),
		p.doctorCommand(),
		p.completionCommand(),
	}
}

// subcommandUsageError reports a usage error of a subcommand the way the
// top-level commands do: on stderr, with a hint, exit status 2.
func (p *Program) subcommandUsageError(c *ucli.Context, err error, _ bool) error {
	p.fail(hint.With(err, fmt.Sprintf("run '%s --help' for usage", c.Command.HelpName)))
	return exitError{2}
}

// withSubcommandUsage gives each subcommand of cmd the top level's usage
// error handling, and makes cmd without a known subcommand a usage error.
func (p *Program) withSubcommandUsage(cmd *ucli.Command) *ucli.Command {
	var names []string
	for _, sc := range cmd.Subcommands {
		sc.OnUsageError = p.subcommandUsageError
		names = append(names, "'"+Name+" "+cmd.Name+" "+sc.Name+"'")
	}
	cmd.HideHelpCommand = true
	cmd.Action = func(c *ucli.Context) error {
		what := fmt.Sprintf("%s what?", cmd.Name)
		if c.Args().Present() {
			what = fmt.Sprintf("%s: unknown target %q", cmd.Name, c.Args().First())
		}
		p.fail(hint.With(fmt.Errorf("%s", what), "run "+strings.Join(names, " or ")))
		return exitError{2}
	}
	return cmd
}
