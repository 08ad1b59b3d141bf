//go:build !windows

package wincred

import (
	"runtime"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keyring"
)

func systemAPI() (API, error) {
	return nil, &keyring.UnavailableError{Store: what, Why: "Credential Manager exists only on Windows, this is " + runtime.GOOS}
}
