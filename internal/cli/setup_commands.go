package cli

import ucli "github.com/urfave/cli/v2"

// setupCommands are the commands that wire the helper into git and docker
// and check the wiring: configure, unconfigure and doctor.
func (p *Program) setupCommands() []*ucli.Command {
	return nil
}
