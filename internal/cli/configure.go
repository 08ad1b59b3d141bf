package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/configure"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safetext"
)

func gitScopeFlags() []ucli.Flag {
	return []ucli.Flag{
		boolFlag("global", "the global git config, ~/.gitconfig (the default)"),
		boolFlag("local", "the config of the repository in the current directory"),
		&ucli.StringFlag{Name: "file", Usage: "the git config file at `PATH`"},
	}
}

func linkFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "link-dir", Usage: "install the protocol name's link in `DIR` (default: beside this binary, unless PATH already finds it)"},
		boolFlag("force", "replace a file of the link's name that is not this binary"),
	}
}

func (p *Program) configureCommand() *ucli.Command {
	return group(&ucli.Command{
		Name:  "configure",
		Usage: "set git or docker up to use this helper for the Prusa hosts",
		Commands: []*ucli.Command{
			{
				Name:  "git",
				Usage: "add the helper, after an empty reset entry, for each Prusa host to a git config, and install git-credential-prusa",
				Description: "Writes, with git config, for https://connect.prusa3d.com and https://account.prusa3d.com:\n\n" +
					"    [credential \"https://connect.prusa3d.com\"]\n        helper =\n        helper = prusa\n\n" +
					"The empty entry resets the helper list for that URL, so no other helper answers for it or stores its tokens. " +
					"Running it again changes nothing; 'unconfigure git' removes exactly these entries.",
				ArgsUsage: " ",
				Flags:     append(gitScopeFlags(), linkFlags()...),
				Action:    func(ctx context.Context, c *ucli.Command) error { return p.configureGit(ctx, c, true) },
			},
			{
				Name:  "docker",
				Usage: "add credHelpers entries \"HOST\": \"prusa\" to docker's config.json ($DOCKER_CONFIG or ~/.docker), and install docker-credential-prusa",
				Description: "Every other key and value of config.json is kept; the file is replaced atomically and keeps its mode. " +
					"A file that is not valid JSON is left untouched. Running it again changes nothing.",
				ArgsUsage: " ",
				Flags:     linkFlags(),
				Action:    func(ctx context.Context, c *ucli.Command) error { return p.configureDocker(c, true) },
			},
		},
	})
}

func (p *Program) unconfigureCommand() *ucli.Command {
	return group(&ucli.Command{
		Name:  "unconfigure",
		Usage: "remove what configure added to git's or docker's configuration",
		Commands: []*ucli.Command{
			{
				Name:      "git",
				Usage:     "remove the prusa helper entries of the Prusa hosts, and their reset entries, from a git config; other helpers stay",
				ArgsUsage: " ",
				Flags:     gitScopeFlags(),
				Action:    func(ctx context.Context, c *ucli.Command) error { return p.configureGit(ctx, c, false) },
			},
			{
				Name:      "docker",
				Usage:     "remove the credHelpers entries of the Prusa hosts whose value is \"prusa\" from docker's config.json",
				ArgsUsage: " ",
				Action:    func(ctx context.Context, c *ucli.Command) error { return p.configureDocker(c, false) },
			},
		},
	})
}

// gitScope reads --global, --local and --file; at most one may be given.
func gitScope(c *ucli.Command) ([]string, error) {
	scope, n := configure.GlobalScope, 0
	if c.Bool("global") {
		n++
	}
	if c.Bool("local") {
		scope, n = configure.LocalScope, n+1
	}
	if c.IsSet("file") {
		if c.String("file") == "" {
			return nil, errors.New("--file needs a path")
		}
		scope, n = configure.FileScope(c.String("file")), n+1
	}
	if n > 1 {
		return nil, errors.New("give only one of --global, --local and --file")
	}
	return scope, nil
}

func (p *Program) configureGit(ctx context.Context, c *ucli.Command, add bool) error {
	scope, err := gitScope(c)
	if err != nil {
		return badUsage{hint.With(err, "run '"+c.FullName()+" --help' for usage")}
	}
	s, err := p.settingsFrom(c)
	if err != nil {
		return err
	}
	g := &configure.Git{Scope: scope, Hosts: helper.NewHosts(s.accountURL).Names()}
	s.log.Debug("git config", "add", add, "scope", strings.Join(scope, " "), "hosts", strings.Join(g.Hosts, " "))
	edit := g.Unconfigure
	if add {
		edit = g.Configure
	}
	res, err := edit(ctx)
	if err != nil {
		return err
	}
	return p.configured(c, "git", "https://", res.File, add, res.Changed, res.Unchanged)
}

func (p *Program) configureDocker(c *ucli.Command, add bool) error {
	s, err := p.settingsFrom(c)
	if err != nil {
		return err
	}
	path, err := configure.DockerConfigPath(p.Getenv, p.GOOS)
	if err != nil {
		return hint.With(err, "set DOCKER_CONFIG to docker's config directory")
	}
	d := &configure.Docker{Path: path, Hosts: helper.NewHosts(s.accountURL).Names()}
	s.log.Debug("docker config", "add", add, "path", path, "hosts", strings.Join(d.Hosts, " "))
	edit := d.Unconfigure
	if add {
		edit = d.Configure
	}
	res, err := edit()
	if err != nil {
		return err
	}
	return p.configured(c, "docker", "", path, add, res.Changed, res.Unchanged)
}

// configured says which hosts configure (add) or unconfigure changed in
// tool's configuration at where, and which it found as wanted; configure
// then installs the protocol name the tool runs and says where it is and
// whether the tool will find it on PATH.
func (p *Program) configured(c *ucli.Command, tool, scheme, where string, add bool, changed, unchanged []string) error {
	say := func(hosts []string, format string) {
		for _, h := range hosts {
			fmt.Fprintf(p.Stderr, format, tool, scheme+h, where)
		}
	}
	if !add {
		say(changed, "%s: removed prusa for %s (%s)\n")
		say(unchanged, "%s: %s has no prusa entry in %s; nothing to remove\n")
		return nil
	}
	name, reset := DockerName, ""
	if tool == "git" {
		name, reset = GitName, ", after an empty reset entry"
	}
	say(changed, "%s: %s now uses prusa"+reset+" (%s)\n")
	say(unchanged, "%s: %s already uses prusa (%s); nothing changed\n")
	l := &configure.Linker{Executable: os.Executable, Getenv: p.Getenv, Dir: c.String("link-dir"), Force: c.Bool("force")}
	res, err := l.Install(name)
	if err != nil {
		return err
	}
	onPath := ""
	if res.DirOnPath {
		onPath = ", on PATH"
	}
	switch res.State {
	case configure.LinkOnPath:
		fmt.Fprintf(p.Stderr, "%s: %s is this binary and on PATH\n", name, safetext.Escape(res.Path))
	case configure.LinkPresent:
		fmt.Fprintf(p.Stderr, "%s: already installed at %s%s\n", name, safetext.Escape(res.Path), onPath)
	case configure.LinkCreated:
		fmt.Fprintf(p.Stderr, "%s: installed at %s (%s)%s\n", name, safetext.Escape(res.Path), res.How, onPath)
	}
	if res.Shadowed != "" {
		fmt.Fprintf(p.Stderr, "note: PATH finds another %s first: %s, which is not this binary\n", name, safetext.Escape(res.Shadowed))
		fmt.Fprintf(p.Stderr, "hint: remove it, or put %s before it on PATH\n", filepath.Dir(res.Path))
	}
	if !res.DirOnPath {
		dir := filepath.Dir(res.Path)
		fmt.Fprintf(p.Stderr, "note: %s is not on PATH, so %s will not find %s\n", dir, tool, name)
		if p.GOOS == "windows" {
			fmt.Fprintf(p.Stderr, "hint: add %s to your Path (Settings > System > About > Advanced system settings > Environment Variables)\n", dir)
		} else {
			fmt.Fprintf(p.Stderr, "hint: add it to PATH in your shell profile: export PATH=\"%s%c$PATH\"\n", dir, os.PathListSeparator)
		}
	}
	return nil
}
