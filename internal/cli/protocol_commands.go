package cli

import (
	"context"
	"fmt"

	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
)

// protocolCommands are the credential-helper protocols' actions, for
// scripts and for trying the protocols by hand; git and docker run the
// helper under their own names (see Run).
func (p *Program) protocolCommands() []*ucli.Command {
	protocolFlag := &ucli.StringFlag{Name: "protocol", Usage: "git or docker (default: detect from the request)"}
	protocolCommand := func(action, usage string) *ucli.Command {
		return &ucli.Command{
			Name:      action,
			Usage:     usage,
			ArgsUsage: " ",
			Flags:     []ucli.Flag{protocolFlag},
			Action: func(ctx context.Context, c *ucli.Command) error {
				return p.protocolAction(ctx, c, action)
			},
		}
	}
	return []*ucli.Command{
		protocolCommand("get", "answer a git or docker credential request on stdin"),
		protocolCommand("store", "store the git or docker credential on stdin"),
		protocolCommand("erase", "erase the git or docker credential on stdin"),
		{
			Name:  "list",
			Usage: "list the docker credentials (docker protocol)",
			Action: func(ctx context.Context, c *ucli.Command) error {
				return p.serveDocker(ctx, c, "list", nil)
			},
		},
		{
			Name:  "capability",
			Usage: "list the git credential capabilities (git 2.46+)",
			Action: func(ctx context.Context, c *ucli.Command) error {
				return p.serveGit(ctx, c, "capability", nil)
			},
		},
	}
}

// protocolAction runs get, store or erase in the protocol that --protocol
// names or, by default, the one the request is written in.
func (p *Program) protocolAction(ctx context.Context, c *ucli.Command, action string) error {
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
		return badUsage{hint.With(fmt.Errorf("unknown protocol %q", proto), "use --protocol git or --protocol docker")}
	}
	if proto == helper.ProtocolGit {
		return p.serveGit(ctx, c, action, in)
	}
	return p.serveDocker(ctx, c, action, in)
}
