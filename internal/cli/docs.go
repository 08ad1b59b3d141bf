package cli

import ucli "github.com/urfave/cli/v2"

// App returns the definition of the full command line: the same commands
// and flags a run uses, for generators of documentation (scripts/genman
// writes the man page from it) and shell completion. It runs nothing and
// has no input or output wired.
func (p *Program) App() *ucli.App {
	return &ucli.App{
		Name:                 Name,
		Usage:                "Prusa Connect credentials for git, docker and scripts",
		Description:          appDescription,
		Version:              Version(),
		HideHelpCommand:      true,
		EnableBashCompletion: true,
		Flags:                p.cliFlags(),
		Commands:             p.allCommands(),
	}
}

const appDescription = "One binary that gives git, docker, shell scripts and the Prusa Connect Python SDK a valid " +
	"Prusa Connect access token through the credential-helper protocols, and is an ordinary credential store for every other host.\n\n" +
	"It answers to three names: git-credential-prusa speaks git's credential protocol (credential.helper = prusa), " +
	"docker-credential-prusa docker's (\"credHelpers\": {\"connect.prusa3d.com\": \"prusa\"}), and " +
	"prusa-credential-helper is the command line below. Set git and docker up with configure git and configure docker; " +
	"check everything with doctor.\n\n" +
	"Every global option has an environment variable, because git and docker pass no options to a helper; " +
	"PRUSA_TOKENS_JSON or PRUSA_TOKEN give a session that is never stored, PRUSA_EMAIL, PRUSA_PASSWORD and " +
	"PRUSA_OTP or PRUSA_TOTP_SECRET let login run without a terminal, PRUSA_MIN_TTL asks for more life left in a token. " +
	"The backend can also be chosen once for every run with config set backend NAME (migrate does it).\n\n" +
	"Files, with the file backend: the session is the Python SDK's own file, ~/.config/prusa-connect/prusa_tokens.json " +
	"($XDG_CONFIG_HOME first) on Linux, ~/Library/Application Support/prusa-connect/prusa_tokens.json on macOS, " +
	"%LOCALAPPDATA%\\Prusa\\prusa-connect\\prusa_tokens.json on Windows. Everything else of the helper's (other hosts' credentials " +
	"in credentials/, lock files, notices, the settings file) is in prusa-credential-helper/ in the user config directory: " +
	"~/.config on Linux, ~/Library/Application Support on macOS, %AppData% on Windows.\n\n" +
	"Exit status: 0 on success, 1 on failure, 2 for a usage error; doctor exits 1 when a check fails."
