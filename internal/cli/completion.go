package cli

import (
	"errors"
	"fmt"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

func (p *Program) completionCommand() *ucli.Command {
	return &ucli.Command{
		Name:            "completion",
		Usage:           "print the shell completion script for bash, zsh or fish",
		ArgsUsage:       "bash|zsh|fish",
		HideHelpCommand: true,
		Description: "Load it in the current shell, or install it where the shell looks:\n\n" +
			"    source <(" + Name + " completion bash)\n" +
			"    " + Name + " completion zsh > \"${fpath[1]}/_" + Name + "\"\n" +
			"    " + Name + " completion fish > ~/.config/fish/completions/" + Name + ".fish\n\n" +
			"bash and zsh ask the program itself (--generate-bash-completion) for the words to offer.",
		Action: func(c *ucli.Context) error {
			var script string
			switch shell := c.Args().First(); {
			case c.NArg() != 1:
				return p.subcommandUsageError(c, errors.New("completion needs one shell: bash, zsh or fish"), false)
			case shell == "bash":
				script = bashCompletion
			case shell == "zsh":
				script = zshCompletion
			case shell == "fish":
				var err error
				if script, err = c.App.ToFishCompletion(); err != nil {
					return err
				}
			default:
				return p.subcommandUsageError(c, fmt.Errorf("unknown shell %q: bash, zsh or fish", shell), false)
			}
			script = strings.NewReplacer("@PROG_ID@", strings.ReplaceAll(Name, "-", "_"), "@PROG@", Name).Replace(script)
			_, err := fmt.Fprint(p.Stdout, script)
			return err
		},
	}
}

// bashCompletion is urfave/cli's bash completion wrapper for @PROG@: it
// runs the words typed so far with --generate-bash-completion (no eval).
const bashCompletion = `# bash completion for @PROG@
# source <(@PROG@ completion bash)

_@PROG_ID@_complete() {
  local cur opts
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == -* ]]; then
    opts=$("${COMP_WORDS[@]:0:COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  return 0
}

complete -o bashdefault -o default -F _@PROG_ID@_complete @PROG@
`

// zshCompletion is urfave/cli's zsh completion wrapper for @PROG@, usable
// from fpath (as _@PROG@) or sourced.
const zshCompletion = `#compdef @PROG@
# zsh completion for @PROG@
# @PROG@ completion zsh > "${fpath[1]}/_@PROG@"

_@PROG_ID@_complete() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}

if [[ "$funcstack[1]" == "_@PROG@" ]]; then
  _@PROG_ID@_complete "$@"
else
  compdef _@PROG_ID@_complete @PROG@
fi
`
