//go:build urfave_cli_no_docs

package main

import "errors"

// Page cannot render without urfave/cli's documentation support.
func Page() (string, error) {
	return "", errors.New("built with -tags urfave_cli_no_docs, which leaves out the man page renderer; run it without that tag")
}
