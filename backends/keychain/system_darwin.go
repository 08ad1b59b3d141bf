package keychain

import (
	"errors"
	"fmt"
	"os"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
	"github.com/prusa-credential-helper/prusa-credential-helper/backends/keyring"
)

// securityPath is the program zalando runs.
const securityPath = "/usr/bin/security"

func systemAPI() (API, error) {
	if _, err := os.Stat(securityPath); err != nil {
		return nil, &keyring.UnavailableError{Store: what, Why: securityPath + " is missing", Err: err}
	}
	return zalando{}, nil
}

// zalando is the real Keychain through zalando/go-keyring.
type zalando struct{}

func (zalando) Get(service, account string) (string, error) {
	v, err := gokeyring.Get(service, account)
	return v, translate(err)
}

func (zalando) Set(service, account, secret string) error {
	return translate(gokeyring.Set(service, account, secret))
}

func (zalando) Delete(service, account string) error {
	return translate(gokeyring.Delete(service, account))
}

func translate(err error) error {
	switch {
	case errors.Is(err, gokeyring.ErrNotFound):
		return backends.ErrNotFound
	case errors.Is(err, gokeyring.ErrSetDataTooBig):
		return fmt.Errorf("the value is too big for one Keychain item: %w", err)
	}
	return err
}
