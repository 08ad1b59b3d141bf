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
	"os/signal"

	"github.com/prusa-credential-helper/prusa-credential-helper/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}
