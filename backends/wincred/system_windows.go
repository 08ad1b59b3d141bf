package wincred

import (
	"errors"

	"github.com/danieljoos/wincred"

	"github.com/prusa-credential-helper/prusa-credential-helper/backends"
)

func systemAPI() (API, error) { return system{}, nil }

// system is the real Credential Manager.
type system struct{}

func notFound(err error) error {
	if errors.Is(err, wincred.ErrElementNotFound) {
		return backends.ErrNotFound
	}
	return err
}

func (system) Read(target string) ([]byte, error) {
	c, err := wincred.GetGenericCredential(target)
	if err != nil {
		return nil, notFound(err)
	}
	return c.CredentialBlob, nil
}

func (system) Write(target, userName string, blob []byte) error {
	c := wincred.NewGenericCredential(target)
	c.UserName = userName
	c.CredentialBlob = blob
	return c.Write()
}

func (system) Delete(target string) error {
	return notFound(wincred.NewGenericCredential(target).Delete())
}

func (system) List(filter string) ([]string, error) {
	creds, err := wincred.FilteredList(filter)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(creds))
	for _, c := range creds {
		names = append(names, c.TargetName)
	}
	return names, nil
}
