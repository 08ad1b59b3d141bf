module github.com/prusa-credential-helper/prusa-credential-helper

go 1.26.0

require (
	github.com/cli/browser v1.3.0
	github.com/danieljoos/wincred v1.2.3
	github.com/docker/docker-credential-helpers v0.9.13
	github.com/godbus/dbus/v5 v5.2.4
	github.com/gofrs/flock v0.13.2
	github.com/google/go-cmp v0.7.0
	github.com/rogpeppe/go-internal v1.16.0
	github.com/urfave/cli/v3 v3.14.0
	github.com/zalando/go-keyring v0.2.8
	golang.org/x/net v0.62.0
	golang.org/x/oauth2 v0.38.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
)

require golang.org/x/tools v0.26.0 // indirect
