//go:build bench_cli || bench_all

package main

import (
	"os"

	"github.com/urfave/cli/v2"
)

var _ = link(func() {
	app := &cli.App{
		Name:  "deps",
		Flags: []cli.Flag{&cli.StringFlag{Name: "backend", EnvVars: []string{"PRUSA_CREDENTIAL_BACKEND"}}},
		Commands: []*cli.Command{
			{Name: "get", Action: func(*cli.Context) error { return nil }},
		},
	}
	app.Run(os.Args)
})
