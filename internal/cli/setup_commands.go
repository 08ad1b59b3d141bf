package cli

import (
	"context"
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// setupCommands are the commands that wire the helper into git, docker
// and the shell, and check the wiring: configure, unconfigure, doctor and version
// (completion is urfave/cli's; see completionCommand).
func (p *Program) setupCommands() []*ucli.Command {
	return []*ucli.Command{
		p.configureCommand(),
		p.unconfigureCommand(),
		p.doctorCommand(),
		{
			Name:  "version",
			Usage: "print the version",
			Action: func(context.Context, *ucli.Command) error {
				_, err := fmt.Fprintf(p.Stdout, "%s %s\n", Name, Version())
				return err
			},
		},
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
		what := fmt.Sprintf("%s what?", cmd.Name)
		if c.Args().Present() {
			what = fmt.Sprintf("%s: unknown target %s", cmd.Name, commandShown(c.Args().First()))
		}
		return badUsage{hint.With(fmt.Errorf("%s", what), "run "+strings.Join(names, " or "))}
	}
	return cmd
}
