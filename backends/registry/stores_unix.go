//go:build linux || freebsd || openbsd || netbsd || dragonfly

package registry

import (
	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/secretservice"
)

// osStores returns the OS stores of this build: the Secret Service. For
// auto it takes one only if a session bus is reachable and a Secret
// Service is running on it: it does not let D-Bus start one for the probe.
func osStores() map[string]opener {
	return map[string]opener{"secret-service": func(opts Options, auto bool) (backends.Store, error) {
		return secretservice.Open(secretservice.Options{Getenv: opts.Getenv, Timeout: opts.Timeout, RunningOnly: auto})
	}}
}
