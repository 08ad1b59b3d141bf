package cli

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/registry"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/settingsfile"
)

// Shell completion is urfave/cli's: the shell runs the words typed so far
// followed by --generate-shell-completion, and urfave/cli never runs a
// command's action for such a request, only its ShellComplete (complete,
// below), which prints the words to offer as "word:description" lines.
// The scripts are ours, so that the word under the cursor always goes
// last before the flag, empty or not, and nothing is ever eval'd.

// completionScripts are those scripts, with @PROG@ for the program's
// name and @PROG_ID@ for it as a shell identifier. zsh's is also usable
// from fpath (as _@PROG@); zsh and fish show each word's description.
//
//go:embed completion.bash completion.zsh completion.fish
var completionScripts embed.FS

// completionCommand shapes urfave/cli's completion command: listed with
// the set-up commands, one subcommand per shell we test.
func (p *Program) completionCommand(c *ucli.Command) {
	c.Hidden = false
	c.Category = groupSetup
	c.Usage = "print the shell completion script for bash, zsh or fish"
	c.Description = "Load it in the current shell, or in every new one from the shell's start-up file:\n\n" +
		"    source <(" + Name + " completion bash)     # bash: ~/.bashrc\n" +
		"    source <(" + Name + " completion zsh)      # zsh: ~/.zshrc, after 'autoload -Uz compinit && compinit'\n" +
		"    " + Name + " completion fish | source      # fish: ~/.config/fish/config.fish\n\n" +
		"The shell asks the program itself for the words to offer; it never runs a command."
	c.Commands = nil
	for _, sh := range []string{"bash", "zsh", "fish"} {
		c.Commands = append(c.Commands, &ucli.Command{
			Name:  sh,
			Usage: "print the " + sh + " completion script",
			Action: func(context.Context, *ucli.Command) error {
				script, err := completionScripts.ReadFile("completion." + sh)
				if err != nil {
					return err
				}
				// "\r\n": a checkout with Windows line ends must not reach the shell.
				r := strings.NewReplacer("@PROG_ID@", strings.ReplaceAll(Name, "-", "_"), "@PROG@", Name, "\r\n", "\n")
				_, err = fmt.Fprint(p.Stdout, r.Replace(string(script)))
				return err
			},
		})
	}
	c.Action = func(_ context.Context, c *ucli.Command) error {
		if c.Args().Present() {
			return badUsage{fmt.Errorf("unknown shell %s: bash, zsh or fish", commandShown(c.Args().First()))}
		}
		return badUsage{fmt.Errorf("completion needs one shell: bash, zsh or fish")}
	}
}

// complete answers a completion request. args is the whole command line:
// the words up to the one under the cursor (perhaps empty), then
// --generate-shell-completion; c is the command those words reached.
func (p *Program) complete(args []string) ucli.ShellCompleteFunc {
	// The word under the cursor and the one before it, "" for none.
	words := append([]string{"", ""}, args[1:len(args)-1]...)
	cur, prev := words[len(words)-1], words[len(words)-2]
	return func(_ context.Context, c *ucli.Command) {
		var offers []string
		switch {
		case prev == "--backend" || prev == "--from" || prev == "--to":
			offers = p.backendNames()
		case prev == "--protocol":
			offers = []string{"git:git's credential protocol", "docker:docker's credential-helper protocol"}
		case strings.HasPrefix(cur, "-"):
			var seen []string
			for i, cmd := range c.Lineage() {
				for _, f := range cmd.VisibleFlags() {
					name := f.Names()[0]
					if i > 0 && (name == "help" || name == "version") {
						continue // the command's own, not its parents'
					}
					if d, ok := f.(ucli.DocGenerationFlag); ok && !slices.Contains(seen, name) {
						// The usage without the quotes that name the value in --help.
						seen = append(seen, name)
						offers = append(offers, "--"+name+":"+strings.ReplaceAll(d.GetUsage(), "`", ""))
					}
				}
			}
		case len(c.Commands) > 0:
			for _, sub := range c.VisibleCommands() {
				offers = append(offers, sub.Name+":"+sub.Usage)
			}
		case len(c.Lineage()) < 2 || c.Lineage()[1].Name != "config":
			// Only config get and set take arguments of known values: the
			// setting, then its value (the last argument is under the cursor).
		case c.NArg() == 1 && (c.Name == "get" || c.Name == "set"):
			offers = settingsfile.Keys
		case c.NArg() == 2 && c.Name == "set" && c.Args().First() == settingsfile.Backend:
			offers = p.backendNames()
		}
		for _, o := range offers {
			if strings.HasPrefix(o, cur) {
				fmt.Fprintln(c.Root().Writer, o)
			}
		}
	}
}

// backendNames are the backends available here, with "auto", as
// completion offers them.
func (p *Program) backendNames() []string {
	return append(registry.Names(p.GOOS), registry.Auto+":the best OS store reachable, else the file")
}
