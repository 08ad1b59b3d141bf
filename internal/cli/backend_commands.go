package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/migrate"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/registry"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/hint"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/settingsfile"
)

// backendCommands manage the storage backends: migrate.
func (p *Program) backendCommands() []*ucli.Command {
	return []*ucli.Command{p.configCommand(), {
		Name:      "migrate",
		Usage:     "move the session and every stored credential from one backend to another",
		UsageText: Name + " migrate --from file --to secret-service [--overwrite] [--keep-source]",
		Description: "Copies every entry to the destination and reads each one back; only when all of them verify " +
			"does it remove them from the source. Interrupted at any point, nothing is lost, and running it again " +
			"finishes the job. Refreshes wait for it (it holds the session lock). Then it saves the destination " +
			"as the backend in the settings file, so that git and docker use it from now on.",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "from", Usage: "backend to move from"},
			&ucli.StringFlag{Name: "to", Usage: "backend to move to"},
			boolFlag("overwrite", "let the source's values replace different ones in the destination"),
			boolFlag("keep-source", "copy and verify, but remove nothing from the source"),
		},
		Action: p.migrateAction,
	}}
}

func (p *Program) migrateAction(ctx context.Context, c *ucli.Command) error {
	if c.String("from") == "" || c.String("to") == "" {
		return badUsage{hint.With(errors.New("migrate needs --from and --to"),
			"name both backends, as in: "+Name+" migrate --from file --to secret-service")}
	}
	s, err := p.settingsFrom(c)
	if err != nil {
		return err
	}
	from, err := p.open(s, c.String("from"))
	if err != nil {
		return unknownBackend(err)
	}
	to, err := p.open(s, c.String("to"))
	if err != nil {
		return unknownBackend(err)
	}
	fromName, toName := from.Name, to.Name
	if fromName == toName {
		return hint.With(fmt.Errorf("--from and --to are both %s", fromName), "name two different backends")
	}
	// Hold the session lock, which every backend's writers take, so that
	// no helper refreshes the session (and rotates its single-use
	// refresh token) in the source while it is being moved.
	unlock, err := session.Lock(ctx, from.LockFile, 30*time.Second)
	if err != nil {
		return err
	}
	defer unlock()
	// An earlier version's session file is carried into the file
	// backend's before anything is read from it.
	for _, st := range []backends.Store{from.Store, to.Store} {
		if cr, ok := st.(session.Carrier); ok && cr.SessionToCarry() {
			if err := cr.CarrySession(); err != nil {
				return err
			}
		}
	}
	r, err := migrate.Options{Overwrite: c.Bool("overwrite"), KeepSource: c.Bool("keep-source")}.Migrate(from.Store, to.Store)
	if err != nil {
		if _, ok := errors.AsType[*migrate.ConflictError](err); ok {
			return hint.With(err, "remove them from "+toName+" first, or run again with --overwrite to let "+fromName+"'s values win")
		}
		return hint.With(fmt.Errorf("migrate from %s to %s: %w", fromName, toName, err),
			"nothing was removed from "+fromName+" that is not verified in "+toName+"; fix the cause and run it again to finish")
	}
	moved := r.Keys()
	withSession := slices.Contains(moved, backends.SessionKey)
	what := fmt.Sprintf("%d credential(s)", len(moved))
	if withSession {
		what = fmt.Sprintf("the Prusa session and %d credential(s)", len(moved)-1)
	}
	verb := "moved"
	if c.Bool("keep-source") {
		verb = "copied"
	}
	fmt.Fprintf(p.Stderr, "%s %s from %s to %s (%d already there)\n", verb, what, fromName, toName, len(r.Present))
	if withSession && c.Bool("keep-source") {
		// Two copies of a single-use refresh token: whichever refreshes
		// first spends the token the other holds.
		p.warn(fmt.Sprintf("the Prusa session is now in both %s and %s, and its refresh token is single-use: the first refresh from either copy ends the other; keep one (remove the %s copy: %s --backend %s logout)",
			fromName, toName, fromName, Name, fromName))
	}
	// git and docker pass no options: the choice sticks in the settings
	// file.
	path := p.settingsPath()
	if path == "" {
		return hint.With(errors.New("cannot save the backend choice: no config directory"),
			fmt.Sprintf("set %s=%s where git and docker run", EnvBackend, toName))
	}
	if err := settingsfile.Set(path, settingsfile.Backend, toName); err != nil {
		return hint.With(fmt.Errorf("the move is done, but the backend choice was not saved: %w", err),
			fmt.Sprintf("run '%s config set backend %s', or set %s=%s where git and docker run", Name, toName, EnvBackend, toName))
	}
	fmt.Fprintf(p.Stderr, "git, docker and this command now use %s (saved in %s)\n", toName, path)
	p.noteOverride(s, toName)
	return nil
}

// noteOverride tells the user when the flag or the environment wins over
// the backend just saved in the settings file.
func (p *Program) noteOverride(s *settings, saved string) {
	if s.backendSetting == nil && s.backendFrom != "the default" && s.backend != saved {
		fmt.Fprintf(p.Stderr, "note: %s (%s) still wins over the settings file where it is set\n", s.backendFrom, s.backend)
	}
}

// configCommand reads and writes the settings file.
func (p *Program) configCommand() *ucli.Command {
	keys := strings.Join(settingsfile.Keys, ", ")
	return group(&ucli.Command{
		Name:  "config",
		Usage: "read and write the settings that git and docker runs use (settings: " + keys + ")",
		Description: "The settings file is \"key = value\" lines in the helper's directory, " +
			"e.g. ~/.config/prusa-credential-helper/settings. " +
			"backend: the storage backend, for every run that names none with --backend or " + EnvBackend + ".",
		Commands: []*ucli.Command{
			{
				Name:      "set",
				Usage:     "set a setting",
				ArgsUsage: "KEY VALUE",
				Action: func(_ context.Context, c *ucli.Command) error {
					key, err := configKey(c, 2)
					if err != nil {
						return err
					}
					value := c.Args().Get(1)
					// The only setting is the backend: a name this system has, or auto.
					if names := registry.Names(p.GOOS); value != registry.Auto && !slices.Contains(names, value) {
						_, err := registry.Open(value, registry.Options{GOOS: p.GOOS})
						if err == nil {
							err = fmt.Errorf("backend %q is not available here", value)
						}
						return err
					}
					f, err := p.configFile()
					if err != nil {
						return err
					}
					if err := settingsfile.Set(f.Path, key, value); err != nil {
						return err
					}
					fmt.Fprintf(p.Stderr, "%s = %s (saved in %s)\n", key, value, f.Path)
					s, err := p.settingsFrom(c)
					if err != nil {
						return err
					}
					p.noteOverride(s, value)
					return nil
				},
			},
			{
				Name:      "get",
				Usage:     "print a setting's value in the settings file (exit status 1 when it has none)",
				ArgsUsage: "KEY",
				Action: func(_ context.Context, c *ucli.Command) error {
					key, err := configKey(c, 1)
					if err != nil {
						return err
					}
					f, err := p.configFile()
					if err != nil {
						return err
					}
					st, ok := f.Get(key)
					if !ok {
						return ucli.Exit("", 1)
					}
					_, err = fmt.Fprintln(p.Stdout, st.Value)
					return err
				},
			},
			{
				Name:  "list",
				Usage: "print the settings file's settings, as key = value lines",
				Action: func(context.Context, *ucli.Command) error {
					f, err := p.configFile()
					if err != nil {
						return err
					}
					for _, st := range f.Settings {
						if _, err := fmt.Fprintf(p.Stdout, "%s = %s\n", st.Key, st.Value); err != nil {
							return err
						}
					}
					return nil
				},
			},
		},
	})
}

// configFile returns the settings file's path and content.
func (p *Program) configFile() (*settingsfile.File, error) {
	path := p.settingsPath()
	if path == "" {
		return nil, hint.With(errors.New("no config directory"), "set HOME (or, on Windows, APPDATA)")
	}
	return settingsfile.Read(path)
}

func configKey(c *ucli.Command, args int) (string, error) {
	if c.NArg() != args {
		return "", hint.With(fmt.Errorf("config %s takes %d argument(s), got %d", c.Name, args, c.NArg()),
			"run '"+Name+" config "+c.Name+" --help'")
	}
	key := c.Args().First()
	if !slices.Contains(settingsfile.Keys, key) {
		return "", hint.With(fmt.Errorf("unknown setting %q", key), "the settings are: "+strings.Join(settingsfile.Keys, ", "))
	}
	return key, nil
}
