// Package keyring holds what the OS secret-store backends share — the
// item names, bounded calls and the errors that name their fix.
// docs/keyrings.md records why each store is reached through the library
// it is, with the figures.
//
// # Backends
//
//	keychain        package keychain       zalando/go-keyring → /usr/bin/security   darwin
//	wincred         package wincred        danieljoos/wincred → CredRead/CredWrite   windows
//	secret-service  package secretservice  godbus/dbus/v5 → org.freedesktop.secrets  linux, *bsd
//
// All three are cgo-free, so every one of them is in a binary
// cross-compiled with CGO_ENABLED=0. Each is wired into package registry by
// a file built only for its system, so a Linux binary does not contain
// the Keychain code and a macOS binary does not contain D-Bus. The rest of
// the program sees only backends.Store and the errors below.
//
// Items are named alike everywhere: service "prusa-credential-helper"
// (Service) and the key as the account / user name; parts of split values
// (package chunked) under Service+PartsSuffix, and the Keychain's list of
// keys under Service+IndexSuffix. Every call is bounded (Call, or a D-Bus
// call context) by a timeout, five seconds unless the caller says
// otherwise; a store that does not answer is a *TimeoutError, a locked one
// a *LockedError, an unreachable one an *UnavailableError (which wraps
// backends.ErrUnavailable), each with a Hint.
package keyring
