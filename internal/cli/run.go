// Package cli wires the credential helper together: it reads the
// settings from flags and the environment, opens the storage backend and
// the Prusa session, and runs the git protocol, the docker protocol or the
// full command line, chosen by the name the binary was started under.
//
// Everything a run depends on comes in through Program, so tests drive it
// in-process: no os.Args, os.Exit, os.Getenv or os.Stdin in here.
package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"
	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/configure"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/safetext"
)

// The names the binary answers to, as package configure, which installs
// them, declares them.
const (
	Name       = configure.MainName
	GitName    = configure.GitLinkName
	DockerName = configure.DockerLinkName
)

// Program is one run of the helper with everything it touches.
type Program struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment.
	Getenv func(string) string
	// GOOS is the operating system whose conventions apply; "" means
	// the one this binary runs on.
	GOOS string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Terminal opens the user's terminal for prompts; nil means the
	// controlling terminal of the process, when there is one.
	Terminal func() (Terminal, error)
	// OpenBrowser opens an address in the user's browser; nil means the
	// program BROWSER names, else the platform's opener.
	OpenBrowser func(url string) error
	// Sleep waits for d or until ctx ends; nil means a timer. A login
	// waits for the next TOTP code with it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Run runs the helper with args (args[0] is the program name) and returns
// the exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env []string) int {
	p := &Program{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: envLookup(env)}
	return p.Run(ctx, args)
}

// envLookup turns a KEY=value list into a lookup; the last value wins, as
// in os/exec. On Windows names are compared without regard to case, as
// Windows does: its environment has "Path", which getenv("PATH") must
// find.
func envLookup(env []string) func(string) string {
	name := func(k string) string { return k }
	if runtime.GOOS == "windows" {
		name = strings.ToUpper
	}
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[name(k)] = v
		}
	}
	return func(k string) string { return m[name(k)] }
}

// Run runs the helper and returns the exit status.
func (p *Program) Run(ctx context.Context, args []string) int {
	if p.Getenv == nil {
		p.Getenv = func(string) string { return "" }
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	p.GOOS = cmp.Or(p.GOOS, runtime.GOOS)
	if len(args) == 0 {
		args = []string{Name}
	}
	switch programName(args[0]) {
	case GitName:
		return p.runGit(ctx, args[1:])
	case DockerName:
		return p.runDocker(ctx, args[1:])
	default:
		return p.runCLI(ctx, args)
	}
}

// programName is the base name of argv[0] without a ".exe" suffix, so
// that links and Windows binaries are recognised.
func programName(arg0 string) string {
	base := filepath.Base(strings.ReplaceAll(arg0, `\`, "/"))
	if strings.HasSuffix(strings.ToLower(base), ".exe") {
		base = base[:len(base)-len(".exe")]
	}
	return base
}

// runGit serves git, which runs the helper as "git-credential-prusa
// [options] <action>", the options (the command line's global flags)
// being whatever the credential.helper setting adds.
func (p *Program) runGit(ctx context.Context, args []string) int {
	if len(args) == 1 && !strings.HasPrefix(args[0], "-") {
		// The action alone, as git runs a plain "credential.helper =
		// prusa": nothing to parse, so the command line's library is
		// not even touched (a fifth of a fresh get's work in-process).
		return p.report(p.serveGit(ctx, nil, args[0], p.Stdin))
	}
	git := &ucli.Command{
		Name:      GitName,
		Usage:     "git's credential helper for Prusa Connect (credential.helper = prusa)",
		ArgsUsage: "<get|store|erase|capability>",
		Flags:     globalFlagSet(),
		Reader:    p.Stdin, Writer: p.Stdout, ErrWriter: p.Stderr,
		ExitErrHandler: func(context.Context, *ucli.Command, error) {},
		OnUsageError:   usageError,
		Action: func(ctx context.Context, c *ucli.Command) error {
			if c.NArg() != 1 {
				return badUsage{hint.With(fmt.Errorf("want one action, got %d arguments", c.NArg()),
					"git runs the helper as: "+GitName+" [options] <get|store|erase|capability>")}
			}
			return p.serveGit(ctx, c, c.Args().First(), p.Stdin)
		},
	}
	return p.report(git.Run(ctx, append([]string{GitName}, args...)))
}

// serveGit answers one git request read from in, for a run with c's
// global flags (c nil: none).
func (p *Program) serveGit(ctx context.Context, c *ucli.Command, action string, in io.Reader) error {
	r, err := p.wired(c)
	if err != nil {
		return err
	}
	r.log.Debug("git request", "action", action)
	return r.helper.Git(ctx, action, in, p.Stdout)
}

// runDocker serves docker the way docker-credential-helpers' Serve does.
func (p *Program) runDocker(ctx context.Context, args []string) int {
	if len(args) != 1 {
		fmt.Fprintf(p.Stdout, "Usage: %s <store|get|erase|list|version>\n", DockerName)
		return 1
	}
	switch args[0] {
	case "version", "--version", "-v":
		fmt.Fprintf(p.Stdout, "%s (github.com/prusa-credential-helper/prusa-credential-helper) %s\n", DockerName, Version())
		return 0
	case "--help", "-h":
		fmt.Fprintf(p.Stdout, "Usage: %s <store|get|erase|list|version>\n", DockerName)
		return 0
	}
	return p.report(p.serveDocker(ctx, nil, args[0], p.Stdin))
}

// serveDocker answers one docker request read from in, for a run with
// c's global flags (c nil: none). A failure goes to stdout, where docker
// reads it, and, unless it is the plain not-found answer, to stderr with
// its hint; the exit status is 1.
func (p *Program) serveDocker(ctx context.Context, c *ucli.Command, action string, in io.Reader) error {
	r, err := p.wired(c)
	if err == nil {
		r.log.Debug("docker request", "action", action)
		err = r.helper.Docker(ctx, action, in, p.Stdout)
	}
	if err == nil {
		return nil
	}
	fmt.Fprintln(p.Stdout, err)
	if !credentials.IsErrCredentialsNotFound(err) {
		p.fail(err)
	}
	return ucli.Exit("", 1)
}

// fail prints err and its hint, if it has one, on stderr.
func (p *Program) fail(err error) {
	fmt.Fprintf(p.Stderr, "%s: error: %s\n", Name, safetext.Escape(err.Error()))
	if h := hint.Of(err); h != "" {
		fmt.Fprintf(p.Stderr, "hint: %s\n", safetext.Escape(h))
	}
}

// Version is the version of this build: the module version when built
// from a tagged module (go install ...@v1.2.3), else the pseudo-version
// or VCS revision the go command stamped into a build from a checkout
// (scripts/install.sh asks for it with -buildvcs=auto), else "devel".
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return version(bi)
}

func version(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", ""
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "+dirty"
		}
	}
	if len(rev) < 12 {
		return "devel"
	}
	return "devel-" + rev[:12] + dirty
}

// protocolCommands are the credential-helper protocols' actions, for
// scripts and for trying the protocols by hand; git and docker run the
// helper under their own names (see Run). get, store and erase speak the
// protocol that --protocol names or, by default, the one the request is
// written in.
func (p *Program) protocolCommands() []*ucli.Command {
	protocolFlag := &ucli.StringFlag{Name: "protocol", Usage: "git or docker (default: detect from the request)"}
	protocolCommand := func(action, usage string) *ucli.Command {
		return &ucli.Command{
			Name:      action,
			Usage:     usage,
			ArgsUsage: " ",
			Flags:     []ucli.Flag{protocolFlag},
			Action: func(ctx context.Context, c *ucli.Command) error {
				proto, in := helper.Protocol(c.String("protocol")), p.Stdin
				if proto == "" {
					var err error
					if proto, in, err = helper.Detect(p.Stdin); err != nil {
						return err
					}
				}
				switch proto {
				case helper.ProtocolGit:
					return p.serveGit(ctx, c, action, in)
				case helper.ProtocolDocker:
					return p.serveDocker(ctx, c, action, in)
				}
				return badUsage{hint.With(fmt.Errorf("unknown protocol %q", proto), "use --protocol git or --protocol docker")}
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
