// Command prusa-credential-helper gives git, docker and scripts a valid
// Prusa Connect access token through the credential-helper protocols.
//
// It answers to three names: git-credential-prusa (git's protocol),
// docker-credential-prusa (docker's) and prusa-credential-helper (the
// full command line). See the README for set-up.
package main

import (
	"context"
	"os"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/cli"
)

// main installs no signal handler: Ctrl-C ends a run at once, as users
// expect, except where that would do harm, and there the code that knows
// holds it back (a password prompt with echo off, a refresh whose new
// single-use token is not saved yet). A handler here would also cost
// every get a thread at start-up.
func main() {
	os.Exit(cli.Run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr, os.Environ()))
}
