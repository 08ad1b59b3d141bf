package cli

import (
	"cmp"
	"context"
	"os"

	ucli "github.com/urfave/cli/v3"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/registry"
	"github.com/prusa-credential-helper/prusa-credential-helper/helper"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/doctor"
	"github.com/prusa-credential-helper/prusa-credential-helper/internal/session"
)

func (p *Program) doctorCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "doctor",
		Usage:     "check the set-up and explain what is wrong; exit status 1 when a check fails",
		ArgsUsage: " ",
		Description: "Checks, one line each, ok, warn or fail, with a hint for what is not ok: " +
			"the three names on PATH and that they are this binary; git's version and the helper chain git builds " +
			"for https://connect.prusa3d.com (a missing reset, another helper before or after prusa that would " +
			"store the tokens, prusa missing); docker's credHelpers; the backend; the session and the expiry of " +
			"its tokens; the clock against Prusa Account's Date header (offline is a warning); the permissions of " +
			"the files that hold secrets. It never prints a token and never refreshes the session.\n\n" +
			"Exit status: 0 when no check fails (warnings included), 1 when at least one fails, 2 for a usage error.",
		Flags: []ucli.Flag{boolFlag("json", "print a JSON array of {check, status, message, hint}")},
		Action: func(ctx context.Context, c *ucli.Command) error {
			s, err := p.settingsFrom(c)
			if err != nil {
				return err
			}
			findings := p.doctor(ctx, s).Run(ctx)
			for _, f := range findings {
				s.log.Debug("doctor", "check", f.Check, "status", f.Status)
			}
			write := doctor.Print
			if c.Bool("json") {
				write = doctor.PrintJSON
			}
			if err := write(p.Stdout, findings); err != nil {
				return err
			}
			return ucli.Exit("", doctor.ExitCode(findings)) // 0 when no check failed
		},
	}
}

// doctor wires the checks to what a run with settings s would use: the
// same backend and session as get.
func (p *Program) doctor(ctx context.Context, s *settings) *doctor.Doctor {
	r := p.wire(s)
	d := &doctor.Doctor{
		Getenv:     p.Getenv,
		GOOS:       p.GOOS,
		Executable: os.Executable,
		Now:        p.Now,
		AccountURL: s.accountURL,
		Hosts:      helper.NewHosts(s.accountURL).Names(),
		Session:    func() (session.Status, error) { return session.Status{}, r.err },
	}
	d.Backend.Source, d.Backend.Name = s.backendFrom, cmp.Or(s.backend, registry.Default)
	if r.backend == nil {
		d.Backend.Err = r.err
	} else {
		d.Backend.Store = r.backend.Store
	}
	if r.session == nil {
		return d
	}
	// The name status shows, e.g. "file (/home/m/.config/.../tokens.json)".
	d.Backend.Name, d.Session = r.session.Backend, r.session.Status
	if r.session.EnvSource() == session.SourceNone {
		// An earlier version's session file is moved into place first,
		// so that the checks see the files as every later run will.
		if err := r.session.Carry(ctx); err != nil {
			d.Session = func() (session.Status, error) { return session.Status{}, err }
		}
	}
	if r.backend != nil {
		d.Backend.Dir = r.backend.WritesDir()
		d.UnusedSessionFile = r.backend.UnusedSessionFile()
		for _, f := range r.backend.Private() {
			d.PrivateFiles = append(d.PrivateFiles, doctor.PrivateFile{Check: r.backend.Name + "/" + f.What, Path: f.Path, Dir: f.Dir})
		}
	}
	return d
}

// unopenedStore stands for a backend that could not be opened: every call
// fails with the reason, so that a session from the environment can still
// be described.
type unopenedStore struct{ err error }

func (u unopenedStore) Get(string) (string, error)    { return "", u.err }
func (u unopenedStore) Put(string, string) error      { return u.err }
func (u unopenedStore) Delete(string) error           { return u.err }
func (u unopenedStore) List(string) ([]string, error) { return nil, u.err }
