//go:build !darwin

package keychain

import (
	"runtime"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keyring"
)

func systemAPI() (API, error) {
	return nil, &keyring.UnavailableError{Store: what, Why: "the Keychain exists only on macOS, this is " + runtime.GOOS}
}
