//go:build !urfave_cli_no_docs

package main

import "github.com/prusa-credential-helper/prusa-credential-helper/internal/cli"

// Page renders the man page, section 1. The version is left out, so the
// page depends only on the command definitions.
func Page() (string, error) {
	app := (&cli.Program{}).App()
	app.Version = ""
	return app.ToManWithSection(1)
}
