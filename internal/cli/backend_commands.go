package cli

import (
	"errors"
	"fmt"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/migrate"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/registry"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
)

// backendCommands manage the storage backends: migrate.
func (p *Program) backendCommands() []*ucli.Command {
	return []*ucli.Command{{
		Name:      "migrate",
		Usage:     "move the session and every stored credential from one backend to another",
		UsageText: Name + " migrate --from file --to secret-service [--overwrite] [--keep-source]",
		Description: "Copies every entry to the destination and reads each one back; only when all of them verify " +
			"does it remove them from the source. Interrupted at any point, nothing is lost, and running it again " +
			"finishes the job. Refreshes wait for it (it holds the session lock).",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "from", Usage: "backend to move from", Required: true},
			&ucli.StringFlag{Name: "to", Usage: "backend to move to", Required: true},
			&ucli.BoolFlag{Name: "overwrite", Usage: "let the source's values replace different ones in the destination"},
			&ucli.BoolFlag{Name: "keep-source", Usage: "copy and verify, but remove nothing from the source"},
		},
		Action: p.migrateAction,
	}}
}

func (p *Program) migrateAction(c *ucli.Context) error {
	s, err := p.settingsFrom(c)
	if err != nil {
		return err
	}
	open := func(name string) (backends.Store, string, error) {
		return registry.OpenNamed(name, registry.Options{Getenv: p.Getenv, GOOS: p.goos(), TokensFile: s.tokensFile})
	}
	from, fromName, err := open(c.String("from"))
	if err != nil {
		return err
	}
	to, toName, err := open(c.String("to"))
	if err != nil {
		return err
	}
	if fromName == toName {
		return hint.With(fmt.Errorf("--from and --to are both %s", fromName), "name two different backends")
	}
	// Hold both backends' session locks, so that no helper refreshes the
	// session (and rotates its single-use refresh token) in the source
	// while it is being moved.
	for _, st := range []backends.Store{from, to} {
		unlock, err := session.Lock(c.Context, p.sessionLockFile(st), 30*time.Second)
		if err != nil {
			return err
		}
		defer unlock()
	}
	r, err := migrate.Options{Overwrite: c.Bool("overwrite"), KeepSource: c.Bool("keep-source")}.Migrate(from, to)
	if err != nil {
		var conflict *migrate.ConflictError
		if errors.As(err, &conflict) {
			return hint.With(err, "remove them from "+toName+" first, or run again with --overwrite to let "+fromName+"'s values win")
		}
		return hint.With(fmt.Errorf("migrate from %s to %s: %w", fromName, toName, err),
			"nothing was removed from "+fromName+" that is not verified in "+toName+"; fix the cause and run it again to finish")
	}
	moved := r.Keys()
	session := 0
	for _, k := range moved {
		if k == backends.SessionKey {
			session = 1
		}
	}
	what := fmt.Sprintf("%d credential(s)", len(moved)-session)
	if session == 1 {
		what = "the Prusa session and " + what
	}
	verb := "moved"
	if c.Bool("keep-source") {
		verb = "copied"
	}
	fmt.Fprintf(p.Stderr, "%s %s from %s to %s (%d already there)\n", verb, what, fromName, toName, len(r.Present))
	fmt.Fprintf(p.Stderr, "use it from now on: set %s=%s where git and docker run (they pass no options to a helper)\n", EnvBackend, toName)
	return nil
}
