// Package keyring holds what the OS secret-store backends share — the
// item names, bounded calls and the errors that name their fix — and
// records why each store is reached through the library it is.
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
//
// # How the libraries were chosen
//
// Measured on linux/amd64 with Go 1.26.8, CGO_ENABLED=0: a tiny program
// that links each library (and calls nothing unless given arguments),
// started 400 times in turn, on a live D-Bus session bus (dbus-run-session);
// init from GODEBUG=inittrace=1, connections from strace -e connect.
//
//	linked                      median start  init of the library     D-Bus connections at start
//	nothing                     1.40 ms       -                       0
//	zalando/go-keyring v0.2.8   1.71 ms       0.017 ms (godbus)       0
//	godbus/dbus/v5 v5.2.4       1.64 ms       0.010-0.020 ms          0
//	99designs/keyring v1.2.2    2.77 ms       0.87 ms (its own init)  1
//
// 99designs/keyring was the starting point and is rejected:
//
//   - its secretservice.go and kwallet.go init functions call
//     dbus.SessionBus(), so every process that merely links it connects to
//     the session bus at start-up (seen: one connect() per start, +1.4 ms
//     median, whatever backend is used); without DBUS_SESSION_BUS_ADDRESS
//     godbus falls back to `dbus-launch --autolaunch`, which with dbus-x11
//     installed starts a dbus-daemon per process;
//   - keychain.go is `//go:build darwin && cgo`: `GOOS=darwin
//     CGO_ENABLED=0 go list` shows no keychain.go, so a binary cross-compiled
//     from Linux silently has no Keychain;
//   - its Secret Service backend uses a collection named after the
//     service, creating it with CreateCollection (a prompt, which fails
//     headless) when it is missing, and cannot use the "default" alias;
//   - no release since v1.2.2 (2022-12-19).
//
// zalando/go-keyring v0.2.8 (2026-03) is cgo-free everywhere and connects
// to nothing at start-up. On macOS it runs /usr/bin/security: Get and
// Delete pass the service and account in argv; Set writes the whole
// add-generic-password command, secret included (base64), to the standard
// input of `security -i`, so the secret is never in argv. That command
// line is limited to 4096 bytes (ErrSetDataTooBig: about 2900 bytes of
// value), it has no timeouts, and it returns security's exit status
// without its message, so package keychain bounds each call, maps the
// status (36, errSecInteractionNotAllowed: locked) to a clear error, splits
// values and reads every write back. It is used for the Keychain.
//
// On Windows zalando is a thin layer over danieljoos/wincred v1.2.3
// (2025-10, syscalls through x/sys/windows) that cannot enumerate
// credentials; List needs CredEnumerate with a filter, so package wincred
// calls danieljoos/wincred directly, with zalando's target names
// ("service:key"), so items written by either are read by both.
//
// For the Secret Service zalando's code is not enough: it prefers the
// collection "login" to the "default" alias, has no List, uses the shared
// dbus.SessionBus() (which autolaunches) and makes no call with a
// deadline; on a locked collection it calls Unlock and waits for the
// prompt's Completed signal without a timeout. Seen here against
// gnome-keyring-daemon with "login" locked: headless, D-Bus starts
// gcr-prompter, which cannot open a display, and Get fails after 167 ms
// with "failed to unlock correct collection '/org/freedesktop/secrets/
// collection/login'"; on a desktop it waits for the user as long as the
// user takes. Package secretservice speaks the Secret Service API with
// godbus directly (under 500 lines with comments): the "default" alias,
// else "login"; NameHasOwner before anything else; the Locked property
// read, never an unlock prompt, so a locked collection is a LockedError
// that names it;
// SearchItems by attribute for List, so no index item; CallWithContext
// for every call and a connection that is closed when connecting takes
// too long; the bus address from DBUS_SESSION_BUS_ADDRESS or
// $XDG_RUNTIME_DIR/bus only, never an autolaunch; and no connection
// until the backend is opened.
//
// In the helper itself (`git-credential-prusa get` of a stored credential,
// file backend, median of 600 starts): 5.92 ms built without the Secret
// Service code, 6.01 ms with it (init of godbus 0.03 ms; the rest is
// noise and a binary 0.6 MB larger); strace shows no connect() and no
// execve() on that path, and the test TestNoDBusOnTheGetPath in
// cmd/prusa-credential-helper keeps it so.
//
// pass and keyctl are not offered: pass needs a GnuPG set-up to be tested
// at all, and the kernel keyring does not survive a reboot, so neither is
// cheap enough to keep working.
package keyring
