package cli

import ucli "github.com/urfave/cli/v2"

// backendCommands manage the storage backends: migrate.
func (p *Program) backendCommands() []*ucli.Command {
	return nil
}
