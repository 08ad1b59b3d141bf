//go:build linux || freebsd || openbsd || netbsd || dragonfly

package registry

import (
	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/secretservice"
)

// osStores returns the OS stores of this build: the Secret Service. For
// auto it only takes a Secret Service that is running, and does not let
// D-Bus start one.
func osStores() map[string]opener {
	return map[string]opener{"secret-service": func(opts Options, auto bool) (backends.Store, error) {
		return secretservice.Open(secretservice.Options{Getenv: opts.Getenv, Timeout: opts.Timeout, RunningOnly: auto})
	}}
}
