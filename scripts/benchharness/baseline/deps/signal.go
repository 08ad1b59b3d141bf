//go:build bench_signal

package main

import (
	"context"
	"os"
	"os/signal"
)

// Unlike the libraries, this one runs when timed: it installs the SIGINT
// handler that the helper's main installs before anything else.
func init() {
	_, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	link(stop)
}
