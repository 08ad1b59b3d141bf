//go:build bench_docker || bench_all

package main

import (
	"os"

	"github.com/docker/docker-credential-helpers/credentials"
)

type dockerHelper struct{}

func (dockerHelper) Add(*credentials.Credentials) error { return nil }
func (dockerHelper) Delete(string) error                { return nil }
func (dockerHelper) Get(string) (string, string, error) {
	return "", "", credentials.NewErrCredentialsNotFound()
}
func (dockerHelper) List() (map[string]string, error) { return nil, nil }

var _ = link(func() { credentials.HandleCommand(dockerHelper{}, "get", os.Stdin, os.Stdout) })
