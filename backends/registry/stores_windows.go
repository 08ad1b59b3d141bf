package registry

import (
	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/wincred"
)

// osStores returns the OS stores of this build: Credential Manager.
func osStores() map[string]opener {
	return map[string]opener{"wincred": func(opts Options, _ bool) (backends.Store, error) {
		return wincred.Open(wincred.Options{Timeout: opts.Timeout})
	}}
}
