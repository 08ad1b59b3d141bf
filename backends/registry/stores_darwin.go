package registry

import (
	"path/filepath"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/file"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keychain"
)

// osStores returns the OS stores of this build: the Keychain.
func osStores() map[string]opener {
	return map[string]opener{"keychain": openKeychain}
}

func openKeychain(opts Options, _ bool) (backends.Store, error) {
	return keychain.Open(keychain.Options{Timeout: opts.Timeout, LockFile: lockFile(opts, "keychain-index.lock")})
}

// lockFile is a lock in the helper's config directory, or "" when there
// is none.
func lockFile(opts Options, name string) string {
	dir, err := file.HelperDir(opts.Getenv, opts.GOOS)
	if err != nil {
		return ""
	}
	return filepath.Join(dir, name)
}
