//go:build !darwin && !windows && !linux && !freebsd && !openbsd && !netbsd && !dragonfly

package registry

// osStores returns the OS stores of this build: none.
func osStores() map[string]opener { return map[string]opener{} }
