package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/cli"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
)

// Page renders the man page, section 1, from the command line's
// definition, with the sections --help has no room for. The version is
// left out, so the page depends only on the definitions.
func Page() (string, error) {
	root := (&cli.Program{}).Command()
	// urfave/cli completes the definition (the completion command, the
	// categories) when it runs; --help runs nothing else.
	root.Writer = io.Discard
	if err := root.Run(context.Background(), []string{cli.Name, "--help"}); err != nil {
		return "", err
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w(".TH PRUSA-CREDENTIAL-HELPER 1")
	w(".SH NAME")
	w("%s \\- %s", cli.Name, text(root.Usage))
	w(".SH SYNOPSIS")
	w(".B %s\n[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIcommand options\\fR] [\\fIarguments\\fR]", cli.Name)
	w(".br\n.B %s\n[\\fIglobal options\\fR] \\fBget\\fR|\\fBstore\\fR|\\fBerase\\fR|\\fBcapability\\fR", cli.GitName)
	w(".br\n.B %s\n\\fBget\\fR|\\fBstore\\fR|\\fBerase\\fR|\\fBlist\\fR|\\fBversion\\fR", cli.DockerName)
	w(".SH DESCRIPTION")
	paragraphs(&b, root.Description)
	w(".SH GLOBAL OPTIONS")
	options(&b, root.Flags)
	w(".SH COMMANDS")
	for _, cat := range root.VisibleCategories() {
		w(".SS %s", text(cat.Name()))
		for _, c := range cat.VisibleCommands() {
			command(&b, c, strings.Join(c.Names(), ", "))
			for _, sub := range c.VisibleCommands() {
				command(&b, sub, c.Name+" "+sub.Name)
			}
		}
	}
	w(".SH ENVIRONMENT")
	w("Each global option above has its variable; the option wins over it. Also:")
	for _, e := range []struct{ name, what string }{
		{session.EnvTokensJSON, "a token set (the JSON prusactl writes) to use instead of the stored session; refreshed when stale, but never written anywhere"},
		{session.EnvToken, "a raw access token (JWT) to hand out as it is while it lives, for CI; never stored or refreshed"},
		{cli.EnvEmail + ", " + cli.EnvPassword, "the account's email and password, for a login without a terminal"},
		{cli.EnvOTP, "the 2FA code, for a login without a terminal"},
		{cli.EnvTOTPSecret, "the 2FA secret (base32): the helper computes the code itself"},
		{cli.EnvMinTTL, "the life (seconds or a Go duration) an access token must have left to be handed out without a refresh; default 30s, never less"},
		{"BROWSER", "the program login --web opens the address with"},
		{"XDG_CONFIG_HOME", "the user config directory on Linux and the BSDs (default ~/.config)"},
		{"DOCKER_CONFIG", "docker's config directory, for configure docker (default ~/.docker)"},
	} {
		w(".TP\n.B %s\n%s", text(e.name), text(e.what))
	}
	w(".SH FILES")
	w("C is the user config directory: \\fI$XDG_CONFIG_HOME\\fR or \\fI~/.config\\fR on Linux, \\fI~/Library/Application Support\\fR on macOS, \\fI%%AppData%%\\fR on Windows.")
	for _, f := range [][2]string{
		{"C/prusa-connect/prusa_tokens.json", "the Prusa session, shared with the Python SDK (prusactl); on Windows %LOCALAPPDATA%\\Prusa\\prusa-connect\\prusa_tokens.json. Only with the file backend."},
		{"C/prusa-credential-helper/credentials/", "the other hosts' credentials, a file per protocol and host (file backend)"},
		{"C/prusa-credential-helper/settings", "key = value settings written by config set and migrate (backend)"},
		{"C/prusa-credential-helper/session.lock", "taken by every writer of the session, so that one refresh runs at a time"},
	} {
		w(".TP\n.I %s\n%s", text(f[0]), text(f[1]))
	}
	w(".SH EXIT STATUS")
	w("0 on success; 1 on failure (status: the session cannot produce a token; doctor: a check failed; config get: the setting is not set); 2 for a usage error.")
	w(".SH EXAMPLES")
	for _, ex := range [][2]string{
		{"Log in, set git and docker up, check everything:", cli.Name + " login\n" + cli.Name + " configure git\n" + cli.Name + " configure docker\n" + cli.Name + " doctor"},
		{"A token for a script (refreshed first when it is about to expire):", "token=$(" + cli.Name + " token) || exit"},
		{"What git gets:", "printf 'protocol=https\\nhost=connect.prusa3d.com\\n\\n' | git credential fill"},
		{"CI, with a token set kept as a secret:", "export " + session.EnvTokensJSON + "=\"$(cat prusa_tokens.json)\""},
		{"Keep the session in the Secret Service instead of the file:", cli.Name + " migrate --from file --to secret-service"},
	} {
		w(".PP\n%s\n.PP\n.RS\n.nf\n%s\n.fi\n.RE", text(ex[0]), text(ex[1]))
	}
	w(".SH SEE ALSO")
	w(".BR gitcredentials (7),\n.BR git-credential (1),\n.BR docker-login (1)")
	w("and docker's credential helpers: https://docs.docker.com/reference/cli/docker/login/#credential-helpers")
	return b.String(), nil
}

// command writes one command: its name and arguments, what it does, and
// its options.
func command(b *strings.Builder, c *ucli.Command, name string) {
	fmt.Fprintf(b, ".TP\n\\fB%s\\fR %s\n%s\n", text(name), text(strings.TrimSpace(c.ArgsUsage)), text(c.Usage))
	if c.Description != "" {
		b.WriteString(".RS\n")
		paragraphs(b, c.Description)
		b.WriteString(".RE\n")
	}
	if len(c.Flags) > 0 {
		b.WriteString(".RS\n")
		options(b, c.Flags)
		b.WriteString(".RE\n")
	}
}

// options writes a list of flags.
func options(b *strings.Builder, flags []ucli.Flag) {
	for _, f := range flags {
		d, ok := f.(ucli.DocGenerationFlag)
		if !ok {
			continue
		}
		if f.Names()[0] == "help" {
			continue
		}
		name := "\\fB\\-\\-" + text(f.Names()[0]) + "\\fR"
		// A value's name is the usage's `QUOTED` word, else the flag's.
		usage, value := d.GetUsage(), strings.ToUpper(f.Names()[0])
		if _, q, ok := strings.Cut(usage, "`"); ok {
			if v, _, ok := strings.Cut(q, "`"); ok {
				value, usage = v, strings.Replace(usage, "`"+v+"`", v, 1)
			}
		}
		if d.TakesValue() {
			name += " \\fI" + text(value) + "\\fR"
		}
		fmt.Fprintf(b, ".TP\n%s\n%s\n", name, text(usage))
	}
}

// paragraphs writes text, whose paragraphs are separated by blank lines
// and whose indented lines are examples.
func paragraphs(b *strings.Builder, s string) {
	for i, p := range strings.Split(s, "\n\n") {
		if i > 0 {
			b.WriteString(".PP\n")
		}
		if strings.HasPrefix(p, "    ") {
			fmt.Fprintf(b, ".RS\n.nf\n%s\n.fi\n.RE\n", text(p))
			continue
		}
		b.WriteString(text(p) + "\n")
	}
}

// text escapes s for roff: backslashes, and a line that would start a
// request.
func text(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}
