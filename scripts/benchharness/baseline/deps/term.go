//go:build bench_term || bench_all

package main

import (
	"os"

	"golang.org/x/term"
)

var _ = link(func() {
	if term.IsTerminal(int(os.Stdin.Fd())) {
		term.ReadPassword(int(os.Stdin.Fd()))
	}
})
