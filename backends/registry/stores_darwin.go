package registry

import (
	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keychain"
)

// osStores returns the OS stores of this build: the Keychain.
func osStores() map[string]opener {
	return map[string]opener{"keychain": func(opts Options, _ bool) (backends.Store, error) {
		return keychain.Open(keychain.Options{Timeout: opts.Timeout, LockFile: lockFile(opts, "keychain-index.lock")})
	}}
}
